"""Roster changes awaiting the chair: enrolled passkeys become keys in a proposed roster.

When an official enrols a passkey, its OpenSSH key must enter ``approvals/roster.yml``
before any of their sign-offs count, and only the KPU chair's anchor signature makes a
roster trusted. The desk therefore never touches the live roster on enrolment (a roster
changed without the anchor's signature would stop every build): it records the new key
in its own data folder (``roster_changes``) and PREPARES the next roster from the live
one, with every enrolment still waiting (several enrolments before the chair signs make
one proposal), the desk's origin in ``desk_origins`` and the version one higher.

The web admin downloads that exact text for the chair (``/roster``), the chair signs it
with the anchor key on their own computer, and the web admin uploads the signature. The
desk installs it only when it is the pinned anchor's signature over exactly those bytes
and the result reads as a roster the gate accepts; then roster.yml and roster.yml.sig
are committed in the uploading admin's name. The desk only ever sees public keys.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, g, render_template, request

from approval_gate.api import (
    DEMO_FINGERPRINTS,
    ROSTER_NAMESPACE,
    KpuError,
    fingerprint,
    load_roster,
    load_trusted,
    now,
    read_settings_file,
    settings_now,
    verify_anchor,
    write_office_anchor,
    write_whole,
)

from . import accounts
from .accounts import ADMIN, Account, needs
from .errors import DeskError, Refused
from .repo import commit
from .roster_text import NewHolding, NewKey, edit_roster
from .settings import DeskSettings
from .store import Store

if TYPE_CHECKING:
    from approval_gate.api import GateSettings, Roster

#: The largest signature file accepted (an SSHSIG of an ed25519 key is about 300 bytes).
SIGNATURE_LIMIT = 16 * 1024
_INSTALLING = threading.Lock()


@dataclass(frozen=True)
class Proposal:
    """The next roster: its exact text, what it changes in words, and the keys it adds."""

    text: str
    version: int
    words: tuple[str, ...]
    keys: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def data(self) -> bytes:
        """The exact bytes the chair signs."""
        return self.text.encode("utf-8")

    @property
    def digest(self) -> str:
        """The SHA-256 of those bytes: which proposal a page showed."""
        return hashlib.sha256(self.data).hexdigest()


def live_roster(settings: DeskSettings) -> tuple[GateSettings, Roster]:
    """Return the gate's settings and the live roster, verified against the pinned anchor."""
    try:
        return load_trusted(read_settings_file(settings.settings_file))
    except KpuError as error:
        raise Refused(
            f"Roster yang berlaku tidak dapat dibaca: {error.render()}",
            status=503,
            hint="Tanpa roster yang sah meja tidak dapat menambah pejabat; 'invoke status' "
            "menunjukkan masalahnya.",
        ) from None


def enrolment_day(settings: DeskSettings) -> str:
    """Return the day (YYYY-MM-DD, the site's clock) a holding made today starts."""
    return settings_now(read_settings_file(settings.settings_file)).date().isoformat()


def record_enrolment(
    db: sqlite3.Connection, person: str, name: str, role: str, key: str, since: str
) -> None:
    """Add an official's new passkey key to the proposal awaiting the chair.

    Runs in ``db``'s transaction: the key is proposed exactly when the enrolment is stored.
    """
    db.execute(
        "INSERT OR IGNORE INTO roster_changes (key, person, name, role, since, added) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (key, person, name, role, since, now().isoformat()),
    )


def proposal(store: Store, settings: DeskSettings) -> Proposal | None:
    """Return the roster the desk proposes now, or None when nothing waits for the chair."""
    gs, roster = live_roster(settings)
    keys: list[NewKey] = []
    holdings: list[NewHolding] = []
    words: list[str] = []
    people = {pid: person.name for pid, person in roster.people.items()}
    for row in store.query("SELECT * FROM roster_changes ORDER BY added, key"):
        if roster.person_with_key(row["key"]) is not None:
            continue  # already in the live roster (installed, or added by hand)
        pid, new = row["person"], row["person"] not in people
        people.setdefault(pid, row["name"])
        keys.append(NewKey(pid, row["name"], row["key"], new))
        words.append(_key_words(people[pid], pid, row["key"], new))
        hold = NewHolding(row["role"], pid, row["since"])
        if not _holds(roster, hold) and hold not in holdings:
            holdings.append(hold)
            role = roster.role(hold.role)
            words.append(
                f"{people[pid]} ({pid}) memegang peran "
                f"{role.name if role else hold.role} mulai {hold.since}."
            )
    if not keys:
        return None
    origin = None if settings.origin in getattr(roster, "desk_origins", ()) else settings.origin
    if origin:
        words.append(
            f"Alamat meja {origin} dicatat di desk_origins: tanda tangan passkey "
            "hanya sah bila dibuat di alamat itu."
        )
    words.append(f"Versi roster naik dari {roster.version} ke {roster.version + 1}.")
    text = (gs.approvals_path / "roster.yml").read_text(encoding="utf-8")
    edited = edit_roster(text, keys, holdings, origin, roster.version + 1)
    names = tuple(dict.fromkeys(people[k.person] for k in keys))
    return Proposal(edited, roster.version + 1, tuple(words), tuple(k.key for k in keys), names)


def _holds(roster: Roster, hold: NewHolding) -> bool:
    """Tell whether the live roster already lets the person hold the role on that day."""
    from datetime import datetime

    from approval_gate.api import WIB

    moment = datetime.fromisoformat(hold.since).replace(hour=12, tzinfo=WIB)
    return roster.holding(hold.role, hold.person, moment) is not None


def _key_words(name: str, pid: str, key: str, new: bool) -> str:
    if new:
        return f"Orang baru di roster: {name} ({pid}), dengan kunci passkey {fingerprint(key)}."
    return f"Kunci passkey baru untuk {name} ({pid}): {fingerprint(key)}."


def sign_command() -> str:
    """Return the command the chair runs on the downloaded file."""
    return f"ssh-keygen -Y sign -f <kunci jangkar Ketua> -n {ROSTER_NAMESPACE} roster.yml"


@dataclass(frozen=True)
class Installed:
    """A proposal installed: the new version, the anchor that signed it, the commit."""

    version: int
    anchor: str
    names: tuple[str, ...]
    commit: str


def install(
    store: Store, settings: DeskSettings, shown: str, sent: bytes, author: Account
) -> Installed:
    """Install the proposal ``shown`` (its digest) signed by ``sent``, or refuse; commit it.

    One installation at a time: a second upload of the same signature then finds the
    proposal installed and is told so, instead of committing nothing.
    """
    with _INSTALLING:
        return _install(store, settings, shown, sent, author)


def _install(
    store: Store, settings: DeskSettings, shown: str, sent: bytes, author: Account
) -> Installed:
    gs, roster = live_roster(settings)
    plan = proposal(store, settings)
    if plan is None:
        raise Refused("Tidak ada usulan roster yang menunggu tanda tangan.", status=409)
    if shown != plan.digest:
        raise Refused(
            "Usulan roster berubah sejak halaman ini dibuka (ada pendaftaran baru); "
            "roster yang berlaku tidak diubah.",
            status=409,
            hint="Unduh usulan terbaru dan minta Ketua KPU menandatangani berkas itu.",
        )
    signature = _signature_text(sent)
    approvals = gs.approvals_path
    try:
        verify_anchor(plan.data, signature, roster.anchor, "roster.yml.sig", approvals)
        _check_reads(plan, signature, roster.anchor, gs.allow_demo_keys, settings.data)
    except KpuError as error:
        raise Refused(
            f"Tanda tangan tidak dipasang: {error.message} Roster yang berlaku tidak diubah.",
            hint="Tanda tangan harus dibuat Ketua KPU dengan kunci jangkar atas berkas usulan "
            "yang persis diunduh dari halaman ini.",
        ) from None
    paths = [approvals / "roster.yml", approvals / "roster.yml.sig"]
    write_whole(paths[0], plan.data)
    write_whole(paths[1], signature)
    if roster.anchor not in DEMO_FINGERPRINTS:
        paths.append(write_office_anchor(approvals, roster.anchor))
    message = (
        f"Roster versi {plan.version}: passkey {', '.join(plan.names)} "
        f"(ditandatangani Ketua KPU, jangkar {roster.anchor})"
    )
    try:
        sha = commit(settings.root, settings.data, paths, message, author)
    except DeskError as error:
        raise Refused(
            f"{error.message} Roster baru sudah ditulis tetapi belum disimpan di git.",
            status=500,
            hint=error.hint,
        ) from None
    with store.transaction() as db:
        db.executemany("DELETE FROM roster_changes WHERE key = ?", [(k,) for k in plan.keys])
    return Installed(plan.version, roster.anchor, plan.names, sha)


def _signature_text(sent: bytes) -> str:
    """Return the uploaded file as the armored signature text, or refuse."""
    if not sent:
        raise Refused("Pilih berkas tanda tangan (roster.yml.sig) dulu.")
    if len(sent) > SIGNATURE_LIMIT:
        raise Refused(
            "Berkas itu terlalu besar untuk sebuah tanda tangan roster.",
            hint="Unggah berkas roster.yml.sig yang dibuat ssh-keygen.",
        )
    try:
        text = sent.decode("ascii")
    except UnicodeDecodeError:
        text = ""
    if "-----BEGIN SSH SIGNATURE-----" not in text:
        raise Refused(
            "Berkas itu bukan tanda tangan SSH (roster.yml.sig).",
            hint="Unggah berkas .sig yang dibuat ssh-keygen -Y sign.",
        )
    return text


def _check_reads(plan: Proposal, signature: str, anchor: str, demo: bool, data: Path) -> None:
    """Read the signed proposal as the gate will (staged), so a bad roster is never installed."""
    with tempfile.TemporaryDirectory(prefix="roster-uji-", dir=data) as folder:
        staged = Path(folder)
        (staged / "roster.yml").write_bytes(plan.data)
        (staged / "roster.yml.sig").write_text(signature)
        load_roster(staged, anchor, demo)


# --- the page: /roster ---------------------------------------------------------------------

bp = Blueprint("roster", __name__)


@bp.get("/roster")
@needs(ADMIN)
def halaman() -> Any:
    """Show the proposal awaiting the chair, the command to sign it, and the upload."""
    plan = proposal(accounts.store(), _settings())
    return render_template("roster.html", plan=plan, command=sign_command(), done=None)


@bp.get("/roster/usulan.yml")
@needs(ADMIN)
def unduh() -> Any:
    """Give the exact bytes of the proposal to sign (as roster.yml)."""
    plan = proposal(accounts.store(), _settings())
    if plan is None:
        raise Refused("Tidak ada usulan roster yang menunggu tanda tangan.", status=404)
    return Response(
        plan.data,
        mimetype="text/yaml; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="roster.yml"',
            "X-Usulan-SHA256": plan.digest,
        },
    )


@bp.post("/roster/pasang")
@needs(ADMIN)
def pasang() -> Any:
    """Install the proposal with the chair's uploaded signature, and commit it."""
    upload = request.files.get("tanda_tangan")
    sent = upload.read(SIGNATURE_LIMIT + 1) if upload else b""
    try:
        done = install(
            accounts.store(), _settings(), request.form.get("usulan", ""), sent, g.account
        )
    except Refused as refused:  # said on the same page, beside the upload to try again
        return render_template(
            "roster.html",
            plan=proposal(accounts.store(), _settings()),
            command=sign_command(),
            done=None,
            error=f"{refused.message} {refused.hint}".strip(),
        ), refused.status
    return render_template(
        "roster.html",
        plan=proposal(accounts.store(), _settings()),
        command=sign_command(),
        done=done,
    )


def _settings() -> DeskSettings:
    return current_app.config["MEJA_SETTINGS"]  # type: ignore[no-any-return]
