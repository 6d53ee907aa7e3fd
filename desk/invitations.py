"""One-time invitations: how a person gets onto the desk (and an official into the roster).

Nobody signs up on their own: the web admin makes an invitation for a name, a role and
an account id (``/undangan``, or ``invoke meja-undang`` for the very first web admin),
sends the link (WhatsApp), and the person opens it on their own phone and creates a
passkey there. The link works once and expires after ``MEJA_INVITATION_HOURS``; only its
SHA-256 is stored, so a copy of the desk's database cannot be used to enrol.

For an official the account id is their person id in the roster: an existing person gets
the new passkey as one more key, a new person is proposed with a holding of the role
from that day. Either way the change only waits for the chair (``roster_change.py``).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, g, render_template, request

from approval_gate.api import ROLE_IDS, KpuError, moment_words, now

from editorial.handoff import whatsapp_link
from editorial.roster_setup import person_id

from . import accounts
from .accounts import ADMIN, ROLES, WRITER, needs
from .errors import Refused
from .roster_change import live_roster
from .settings import DeskSettings
from .store import Store, new_token, token_hash

#: An account id: the roster's person id form (lower-case letters, digits, hyphens).
ACCOUNT_FORM = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
NAME_LIMIT = 100
FROM_CLI = "baris-perintah"


@dataclass(frozen=True)
class Invitation:
    """A new invitation: the secret token (shown once) and what it is for."""

    token: str
    account: str
    name: str
    role: str
    expires: datetime

    def link(self, settings: DeskSettings) -> str:
        """Return the address the person opens on their phone."""
        return f"{settings.origin}/undangan/{self.token}"


def role_names(settings: DeskSettings) -> dict[str, str]:
    """Return each role a person may be invited to, with its name (the roster's names)."""
    names = {WRITER: "Penulis", **{role: role for role in ROLE_IDS}}
    try:
        names |= {role.id: role.name for role in live_roster(settings)[1].roles}
    except KpuError:
        pass  # the ids are still right; the invitation page says the roster's state
    return names


def create(
    store: Store, settings: DeskSettings, name: str, role: str, account: str | None, by: str
) -> Invitation:
    """Make an invitation for ``name`` as ``role`` (account id given or made), or refuse."""
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_LIMIT:
        raise Refused(f"Nama wajib diisi, paling panjang {NAME_LIMIT} karakter.")
    role = (role or "").strip()
    if role not in ROLES:
        raise Refused(
            f"Peran tidak dikenal: {role!r}.", hint=f"Pilih salah satu: {', '.join(ROLES)}."
        )
    account_id = _account_id(store, settings, name, role, (account or "").strip().lower())
    invitation = Invitation(
        new_token(), account_id, name, role, now() + timedelta(hours=settings.invitation_hours)
    )
    with store.transaction() as db:
        db.execute(
            "INSERT INTO invitations (token_hash, account, name, role, created_by, created, "
            "expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                token_hash(invitation.token),
                account_id,
                name,
                role,
                by,
                now().isoformat(),
                invitation.expires.isoformat(),
            ),
        )
    return invitation


def _account_id(store: Store, settings: DeskSettings, name: str, role: str, given: str) -> str:
    """Return the given id (checked) or a new one from the name that nobody has yet."""
    official = role in ROLE_IDS
    people: set[str] = set()
    if official:  # the roster must be readable: the enrolment becomes a change of it
        people = set(live_roster(settings)[1].people)
    if given:
        if not ACCOUNT_FORM.match(given):
            raise Refused(
                f"Id akun {given!r} tidak sah.",
                hint="Pakai huruf kecil, angka dan tanda hubung (1-40 karakter), "
                "untuk pejabat: id-nya di roster, mis. 'bambang'.",
            )
        return given
    taken = people | {row["id"] for row in store.query("SELECT id FROM accounts")}
    taken |= {row["account"] for row in store.query("SELECT account FROM invitations")}
    return person_id(name, taken, fallback="orang")


def invite_from_cli(
    settings: DeskSettings, name: str, role: str, account: str | None
) -> tuple[str, str]:
    """Make an invitation from ``invoke meja-undang``; return (link, until when in words)."""
    made = create(Store(settings.data / "meja.sqlite3"), settings, name, role, account, FROM_CLI)
    return made.link(settings), moment_words(made.expires)


# --- using an invitation (the login module's pages call these) -------------------------------


def waiting(store: Store, token: str) -> sqlite3.Row:
    """Return the invitation of ``token`` while it can still be used, or refuse plainly."""
    row = store.one("SELECT * FROM invitations WHERE token_hash = ?", token_hash(token))
    _usable(row)
    assert row is not None
    return row


def _usable(row: Any) -> None:
    hint = "Minta Web Admin membuat undangan baru untuk Anda."
    if row is None:
        raise Refused("Undangan ini tidak dikenal.", status=404, hint=hint)
    if row["used"]:
        raise Refused(
            "Undangan ini sudah dipakai; setiap undangan hanya berlaku sekali.",
            status=410,
            hint=hint,
        )
    if datetime.fromisoformat(row["expires"]) <= now():
        raise Refused("Undangan ini sudah kedaluwarsa.", status=410, hint=hint)


def claim(db: sqlite3.Connection, token: str) -> sqlite3.Row:
    """Mark the invitation used inside ``db``'s transaction; return it, or refuse."""
    row = db.execute(
        "SELECT * FROM invitations WHERE token_hash = ?", (token_hash(token),)
    ).fetchone()
    _usable(row)
    db.execute(
        "UPDATE invitations SET used = ? WHERE token_hash = ?",
        (now().isoformat(), token_hash(token)),
    )
    return row  # type: ignore[no-any-return]


def open_invitations(store: Store) -> list[sqlite3.Row]:
    """Return the invitations not used and not expired, newest first."""
    return store.query(
        "SELECT * FROM invitations WHERE used IS NULL AND expires > ? ORDER BY created DESC",
        now().isoformat(),
    )


# --- the admin page: /undangan ---------------------------------------------------------------

bp = Blueprint("undangan", __name__)


@bp.route("/undangan", methods=["GET", "POST"])
@needs(ADMIN)
def halaman() -> Any:
    """Make an invitation (POST) and list the open ones."""
    settings: DeskSettings = current_app.config["MEJA_SETTINGS"]
    names = role_names(settings)
    made, error = None, None
    if request.method == "POST":
        form = request.form
        try:
            made = create(
                accounts.store(),
                settings,
                form.get("nama", ""),
                form.get("peran", ""),
                form.get("akun"),
                g.account.id,
            )
        except KpuError as refused:
            error = f"{refused.message} {refused.hint}".strip()
    share = None
    if made is not None:
        share = whatsapp_link(
            f"Undangan Meja Persetujuan KPU Kabupaten Rembang untuk {made.name} "
            f"({names.get(made.role, made.role)}). Buka di ponsel Anda sendiri, lalu tekan "
            f"'Buat passkey': {made.link(settings)} (berlaku sekali, sampai "
            f"{moment_words(made.expires)})."
        )
    return render_template(
        "undangan_admin.html",
        names=names,
        made=made,
        share=share,
        error=error,
        form=request.form if error else {},
        link=made.link(settings) if made else None,
        until=moment_words(made.expires) if made else None,
        waiting=[
            (row, moment_words(datetime.fromisoformat(row["expires"])))
            for row in open_invitations(accounts.store())
        ],
    ), 400 if error else 200
