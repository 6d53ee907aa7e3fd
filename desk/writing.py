"""The writers' pages: my naskah, a new naskah (form or Word .docx), fixing a naskah.

Every page needs the writer's role (``penulis``) or Web Admin. What a writer sends
becomes the files ``invoke new`` makes, committed in their name after the gate's naskah
checks pass (``submit.py``); problems are shown on the form by field and nothing is
committed. A writer's text is shown to the desk only escaped (Jinja) or inside the
sandboxed preview frame (``render.py``): it never runs script in the desk's origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, g, jsonify, render_template, request

from approval_gate.api import (
    NEEDS_FIX,
    KpuError,
    UnknownItem,
    discover_items,
    existing_item,
    git_lines,
    now,
    open_ledger,
    status_rows,
    wib_text,
)

from editorial.meta import read_metadata

from . import compose, naskah_form, push, render, submit
from .accounts import ADMIN, WRITER, needs
from .docx import DocxRefused, convert
from .errors import Refused
from .form_problems import Problem
from .settings import DeskSettings

bp = Blueprint("naskah", __name__)
#: The largest text the preview renders (the gate's default limit of a source).
PREVIEW_LIMIT = 1024 * 1024
#: The states in which the writer acts next (listed first).
WRITER_NEXT = ("ditolak", NEEDS_FIX)


def _desk() -> DeskSettings:
    return current_app.config["MEJA_SETTINGS"]  # type: ignore[no-any-return]


def _refused(error: KpuError) -> Refused:
    """Return the page's refusal for an error of the gate or git (a refusal stays one)."""
    if isinstance(error, Refused):
        return error
    return Refused(error.message, status=500, hint=error.hint)


@bp.get("/naskah")
@needs(WRITER, ADMIN)
def daftar() -> Any:
    """List the writer's naskah and every naskah not yet complete, with their SOP state."""
    try:
        ledger = open_ledger(_desk().settings_file)
        rows = status_rows(ledger, discover_items(ledger.content))
    except KpuError as error:
        raise _refused(error) from None
    mine = set(
        git_lines(
            ledger.content,
            "log",
            f"--author=<{g.account.email}>",
            "--format=",
            "--name-only",
            "--relative",
            "--",
            ".",
        )
        or []
    )
    entries = [
        {
            "item": r.verdict.item,
            "state": r.verdict.state,
            "reason": r.verdict.reason,
            "title": read_metadata(ledger.content / r.verdict.item).get("title") or r.verdict.item,
            "editable": r.verdict.item.endswith(".md"),
            "overdue": r.overdue,
        }
        for r in rows
    ]
    entries.sort(key=lambda e: e["state"] not in WRITER_NEXT)  # what the writer must fix first
    return render_template(
        "naskah_daftar.html",
        mine=[e for e in entries if e["item"] in mine],
        open=[e for e in entries if e["item"] not in mine and e["state"] != "lengkap"],
    )


def _form_values() -> dict[str, str]:
    return {key: value for key, value in request.form.items() if key != "csrf"}


def _answer(template: str, outcome: submit.Outcome, **context: Any) -> Any:
    if outcome.item:
        return _done(outcome)
    return render_template(
        template, problems=outcome.problems, kinds=naskah_form.kinds(), **context
    ), 422


@bp.route("/naskah/baru", methods=["GET", "POST"])
@needs(WRITER, ADMIN)
def baru() -> Any:
    """Show the new-naskah form; on submission, check and commit it as the writer."""
    if request.method == "GET":
        values = {"tanggal": f"{now():%Y-%m-%d}", "penulis": g.account.name}
        return render_template(
            "naskah_baru.html", kinds=naskah_form.kinds(), values=values, problems=()
        )
    form = _form_values()
    kind_id = form.get("jenis", "")
    new = submit.NewNaskah(
        kind_id,
        form.get("judul", ""),
        naskah_form.moment(form.get("tanggal", "")),
        naskah_form.metadata(form, kind_id, g.account.name),
        form.get("isi", ""),
        tuple(naskah_form.uploads("lampiran")),
    )
    try:
        outcome = submit.create(_desk(), g.account, new)
    except KpuError as error:
        raise _refused(error) from None
    return _answer("naskah_baru.html", outcome, values=form, preview=_preview_of(None, form))


@bp.route("/naskah/unggah", methods=["GET", "POST"])
@needs(WRITER, ADMIN)
def unggah() -> Any:
    """Take a Word .docx: convert it, then check and commit it like the form."""
    if request.method == "GET":
        return render_template(
            "naskah_unggah.html", kinds=naskah_form.kinds(), values={}, problems=()
        )
    form = _form_values()
    sent = request.files.get("docx")
    if sent is None or not sent.filename:
        outcome = submit.Outcome((Problem("docx", "Pilih dokumen Word (.docx)."),))
        return _answer("naskah_unggah.html", outcome, values=form)
    try:
        converted = convert(sent.read(), sent.filename)
    except DocxRefused as error:
        outcome = submit.Outcome(
            (
                Problem(
                    "docx", str(error), "Simpan dokumen sebagai .docx di Word, lalu unggah lagi."
                ),
            )
        )
        return _answer("naskah_unggah.html", outcome, values=form)
    problems = [
        Problem(
            "docx",
            f"Gambar ke-{n} di dokumen belum punya teks alternatif.",
            "Di Word: klik kanan gambar, pilih Edit Alt Text (Teks Alt), tulis apa "
            "yang tampak, simpan, lalu unggah lagi.",
        )
        for n in converted.images_without_alt
    ]
    title = form.get("judul", "").strip() or converted.title
    if not title:
        problems.append(
            Problem(
                "judul",
                "Dokumen ini tidak punya judul (Heading 1).",
                "Tulis judulnya di kolom Judul.",
            )
        )
    if problems:
        return _answer("naskah_unggah.html", submit.Outcome(tuple(problems)), values=form)
    kind_id = form.get("jenis", "")
    new = submit.NewNaskah(
        kind_id,
        title,
        now(),
        naskah_form.metadata(form, kind_id, g.account.name),
        converted.markdown,
        converted.images,
        body_field="docx",
    )
    try:
        outcome = submit.create(_desk(), g.account, new)
    except KpuError as error:
        raise _refused(error) from None
    return _answer("naskah_unggah.html", outcome, values=form)


def _done(outcome: submit.Outcome) -> Any:
    """Show the committed naskah's state; tell the next official (Web Push, WhatsApp link)."""
    return render_template("naskah_hasil.html", outcome=outcome, notice=push.hand_on(outcome.item))


def _item(given: str) -> str:
    """Return the Markdown item ``given`` names (the gate's item name), or refuse."""
    content = submit.gate_settings(_desk()).content_path
    try:
        item = existing_item(content, given, cwd=content)
    except UnknownItem as error:
        if not error.message.startswith("Item "):  # outside content/: no server path shown
            raise Refused(
                "Alamat naskah itu tidak berada di folder content/.",
                status=404,
                hint="Buka naskah dari daftar Naskah.",
            ) from None
        raise Refused(error.message, status=404, hint="Buka naskah dari daftar Naskah.") from None
    if not item.endswith(".md"):
        raise Refused("Hanya naskah Markdown (.md) yang dapat diubah di meja.", status=404)
    return item


@bp.route("/naskah/ubah/<path:item>", methods=["GET", "POST"])
@needs(WRITER, ADMIN)
def ubah(item: str) -> Any:
    """Edit a naskah (after a rejection): its notes first, then title, summary, tags, body."""
    item = _item(item)
    if request.method == "POST":
        form = _form_values()
        try:
            outcome = submit.edit(
                _desk(),
                g.account,
                item,
                form.get("judul", ""),
                form.get("ringkasan", ""),
                form.get("tag", ""),
                form.get("isi", ""),
            )
        except KpuError as error:
            raise _refused(error) from None
        if outcome.item:
            return _done(outcome)
        return render_template(
            "naskah_ubah.html", problems=outcome.problems, values=form, **_standing(item)
        ), 422
    return render_template(
        "naskah_ubah.html", problems=(), values=_current(item), **_standing(item)
    )


def _current(item: str) -> dict[str, str]:
    path = submit.gate_settings(_desk()).content_path / item
    text = submit.read_item(path)
    meta = read_metadata(path)
    return {
        "judul": meta.get("title", ""),
        "ringkasan": meta.get("summary", ""),
        "tag": meta.get("tags", ""),
        "isi": compose.split_text(text)[1],
    }


def _standing(item: str) -> dict[str, Any]:
    """Return the item's verdict and its rejection notes (newest first) for the edit page."""
    try:
        ledger = open_ledger(_desk().settings_file)
        verdict = ledger.verdict(item)
    except KpuError as error:
        raise _refused(error) from None
    roles = {role.id: role.name for role in ledger.roster.roles}
    people = {person.id: person.name for person in ledger.roster.people.values()}
    notes = [
        {
            "role": roles.get(d.role, d.role),
            "person": people.get(d.person, d.person),
            "at": wib_text(d.signed_at),
            "note": d.note,
            "current": d.digest == verdict.digest,
        }
        for d in sorted(ledger.decisions.get(item, []), key=lambda d: d.signed_at, reverse=True)
        if d.decision == "tolak"
    ]
    return {
        "item": item,
        "verdict": verdict,
        "notes": notes,
        "preview": _preview_of(item, _current(item)),
    }


def _preview_of(item: str | None, values: dict[str, str]) -> str:
    folder = None
    if item:
        folder = submit.gate_settings(_desk()).content_path / Path(item).parent
    title = " ".join(values.get("judul", "").split())
    text = f"Title: {title or '-'}\n\n{values.get('isi', '')}"
    return render.preview(_desk().settings_file, title, text, folder)


@bp.post("/naskah/pratinjau")
@needs(WRITER, ADMIN)
def pratinjau() -> Any:
    """Return the preview document of the text being written (for the sandboxed frame)."""
    sent = request.get_json(silent=True) or {}
    body, title = str(sent.get("isi", "")), str(sent.get("judul", ""))
    if len(body.encode("utf-8")) > PREVIEW_LIMIT:
        raise Refused("Naskah terlalu panjang untuk dipratinjau (paling besar 1 MB).", status=413)
    item = _item(str(sent["item"])) if sent.get("item") else None
    return jsonify({"html": _preview_of(item, {"judul": title, "isi": body})})
