"""The officials' pages: "Menunggu Anda", one item as it will be published, Setujui / Tolak.

``/tugas`` lists what waits for the person's SOP role(s) in SOP order, with the time
waited against the role's standard, and briefly what waits for others. ``/tugas/<item>``
shows the item rendered by the public theme (the desk's preview, ``preview.py``) in a
frame that runs no script, the files its digest covers with size and SHA-256, the
decisions so far, what changed since this person last saw or rejected it, and the two
buttons, whose passkey signing is ``signing.py``'s.

The preview is served under ``/pratinjau/`` with a policy of its own: ``sandbox`` (no
script, no form, no pop-up, whatever the page says) while keeping the desk's origin, so
the frame still gets its styles and images with the session cookie. A writer's Markdown
can never run script in the desk's origin, where it could ask a passkey to sign.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, render_template, request, send_from_directory

from approval_gate.api import ROLE_IDS

from . import push, signing, worklist
from .accounts import needs
from .errors import DeskError, Refused
from .preview import Previews

bp = Blueprint("tugas", __name__)

#: The preview's own policy: a sandbox without scripts; styles and images from the desk.
PREVIEW_CSP = (
    "sandbox allow-same-origin; default-src 'none'; script-src 'none'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "media-src 'self'; object-src 'none'; frame-src 'none'; child-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
#: How long the item page waits for a preview of the tree as it is (seconds).
PREVIEW_WAIT = 120.0


def previews() -> Previews:
    """Return the desk's preview builds (made on first use)."""
    found = current_app.extensions.get("meja_pratinjau")
    if found is None:
        found = current_app.extensions.setdefault(
            "meja_pratinjau", Previews(current_app.config["MEJA_SETTINGS"])
        )
    return found  # type: ignore[no-any-return]


def my_roles() -> list[str]:
    """Return the SOP roles of the logged-in account, in SOP order."""
    return [role for role in ROLE_IDS if role in g.account.roles]


@bp.get("/tugas")
@needs(*ROLE_IDS)
def daftar() -> Any:
    """List what waits for the person's roles (SOP order), then what waits for others."""
    settings = current_app.config["MEJA_SETTINGS"]
    try:
        mine, others = worklist.worklist(settings.settings_file, g.account)
    except signing.api.KpuError as error:
        raise signing.refused(error, status=500) from None
    previews().fresh(wait=0)  # warm: the item page then rarely waits for a build
    return render_template("tugas.html", mine=mine, others=others)


@bp.get("/tugas/<path:item>")
@needs(*ROLE_IDS)
def item(item: str) -> Any:
    """Show one item as it will be published, what changed, and the decision buttons."""
    settings = current_app.config["MEJA_SETTINGS"]
    # The preview first, then the ledger: the digest shown is never older than the frame
    # (and Setujui refuses when the item changed after the page was made).
    built, current = previews().fresh(
        wait=current_app.config.get("MEJA_PRATINJAU_TUNGGU", PREVIEW_WAIT)
    )
    failure = previews().failure
    ledger, name = signing.open_item(settings, item)
    verdict = ledger.verdict(name)
    # Only the person opening the page marks it seen: never an image or frame that a
    # draft's preview points here (it could hide what changed from the official).
    opened = request.headers.get("Sec-Fetch-Dest", "document") == "document"
    seen = worklist.changes(
        ledger.content, name, worklist.remember(g.account, name, verdict.digest, write=opened)
    )
    roles = my_roles()
    return render_template(
        "tugas_item.html",
        item=name,
        title=worklist.item_title(ledger.content, name),
        verdict=verdict,
        ledger=ledger,
        w=worklist,
        attachments=worklist.attachments(ledger, name),
        decisions=worklist.decisions(ledger, name),
        seen=seen,
        page=built.page(name) if built else None,
        preview_current=current,
        preview_failure=failure[1] if failure and not current else None,
        roles=roles,
        chosen=verdict.role if verdict.role in roles else roles[0],
    )


@bp.get("/tugas-lampiran/<path:rel>")
@needs(*ROLE_IDS)
def lampiran(rel: str) -> Any:
    """Download one file an item's digest covers (``?item=``), never shown inline."""
    settings = current_app.config["MEJA_SETTINGS"]
    ledger, name = signing.open_item(settings, request.args.get("item", ""))
    if rel not in ledger.digest(name).files[1:]:
        raise Refused("Berkas itu bukan lampiran item ini.", status=404)
    response = send_from_directory(ledger.content, rel, as_attachment=True)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


@bp.get("/pratinjau/")
@bp.get("/pratinjau/<path:page>")
@needs()
def pratinjau(page: str = "") -> Any:
    """Serve the last good preview build, under a sandbox that runs no script."""
    built, _ = previews().fresh(wait=0)
    if built is None:
        raise Refused("Pratinjau sedang dibangun. Muat ulang halaman sebentar lagi.", status=503)
    if page == "" or page.endswith("/"):
        page += "index.html"
    response = send_from_directory(built.folder, page)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


@bp.post("/api/tugas/siapkan")
@needs(*ROLE_IDS)
def siapkan() -> Any:
    """Prepare a decision: the WebAuthn options whose challenge is the sign-off's payload."""
    sent = request.get_json(silent=True) or {}
    return signing.prepare(current_app.config["MEJA_SETTINGS"], g.account, sent)


@bp.post("/api/tugas/selesai")
@needs(*ROLE_IDS)
def selesai() -> Any:
    """Record the signed decision, commit it in the person's name, hand the item on."""
    from .repo import commit

    settings = current_app.config["MEJA_SETTINGS"]
    made, _ = signing.finish(settings, g.account, request.get_json(silent=True) or {})
    ledger, name = signing.open_item(settings, made.item)
    role = worklist.role_name(ledger, made.role)
    word = signing.WORDS[made.decision]
    try:
        commit(
            settings.root, settings.data, [made.path], f"{word}: {made.item} ({role})", g.account
        )
    except DeskError as error:  # the signed file is written and counts; git refused it
        raise Refused(
            f"Keputusan Anda sudah ditandatangani dan tersimpan, tetapi belum masuk riwayat "
            f"git: {error.message}",
            status=500,
            hint=error.hint,
        ) from None
    worklist.decided(g.account, made.item, made.digest)
    handoff = push.hand_on(made.item, ledger)
    verdict = ledger.verdict(name)
    done = "disetujui" if made.decision == "setuju" else "ditolak"
    return {
        "pesan": f"Keputusan Anda tercatat: {made.item} {done} sebagai {role}.",
        "status": verdict.reason,
        "berkas": str(made.path.relative_to(settings.root)),
        "serah": handoff,
    }
