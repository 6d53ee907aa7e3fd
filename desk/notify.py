"""Hand-offs on the desk: whoever acts next on an item is told on their phone.

After every step (a writer submits, an official approves or rejects) the ledger says who
acts next: the next role in SOP order, the writer after a rejection or a text that needs
fixing, or the web admin to publish once the record is complete. Every desk account of
that role gets a Web Push on each browser it subscribed (vapid.py), linking to the item
on the desk, and the caller gets the same hand-off as a WhatsApp message (the one
``invoke status --pesan`` prints, editorial/handoff.py) for people who are not subscribed.

Items that wait past their role's SOP standard are told again by a background worker
(``reminders``), at most once per ``MEJA_REMIND_MINUTES`` for each (item, digest, role),
as recorded in the ``notified`` table. Time is the gate's clock (``APPROVAL_GATE_NOW``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import Flask

from approval_gate.api import (
    NEEDS_FIX,
    Ledger,
    StatusRow,
    all_of,
    discover_items,
    git_lines,
    item_name,
    open_ledger,
    status_rows,
)
from editorial.handoff import Handoff, handoff, item_title

from .accounts import ADMIN, WRITER, Account
from .store import Store
from .vapid import send

LOG = logging.getLogger("meja.notifikasi")
#: The ``notified`` role of "the record is complete: the web admin publishes".
PUBLISH = "terbit"
#: Seconds between the reminder worker's rounds (Flask config ``MEJA_REMIND_EVERY``).
ROUND_SECONDS = 60.0
#: The e-mail domain the desk gives its people's commits (repo.py, Account.email).
DESK_MAIL = "@" + Account("", "", ()).email.split("@")[1]


@dataclass(frozen=True)
class Notice:
    """What was told, to whom, about one item's next step."""

    item: str
    digest: str
    role: str  # a role id, "penulis" (the writer) or "terbit" (the web admin publishes)
    title: str
    body: str
    url: str
    accounts: tuple[str, ...]  # the desk accounts told
    sent: int  # messages the push services accepted
    handoff: Handoff | None  # the WhatsApp hand-off, when somebody must act

    @property
    def whatsapp(self) -> str | None:
        """Return the ``https://wa.me/`` link of the hand-off ("Kirim lewat WhatsApp")."""
        return self.handoff.link if self.handoff else None

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form a page's script reads after a step."""
        return {
            "peran": self.role,
            "judul": self.title,
            "isi": self.body,
            "tautan": self.url,
            "terkirim": self.sent,
            "kepada": self.handoff.recipient if self.handoff else None,
            "teks": self.handoff.text if self.handoff else None,
            "whatsapp": self.whatsapp,
        }


def duration_words(minutes: int | None) -> str:
    """Return minutes as people say them: "2 hari 3 jam", "1 jam 5 menit", "40 menit"."""
    if minutes is None:
        return "belum diketahui"
    hours, mins = divmod(max(0, minutes), 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "hari"), (hours, "jam")] + ([(mins, "menit")] if not days else [])
    words = [f"{count} {unit}" for count, unit in parts if count]
    return " ".join(words) or "0 menit"


def holding(store: Store, role: str) -> list[str]:
    """Return the enabled desk accounts holding ``role``."""
    rows = store.query("SELECT id, roles FROM accounts WHERE disabled = 0 ORDER BY id")
    return [row["id"] for row in rows if role in row["roles"].split()]


def writers(store: Store, ledger: Ledger, item: str) -> list[str]:
    """Return the desk accounts who wrote ``item`` (its commits' authors), else every writer."""
    emails = git_lines(ledger.content, "log", "--format=%ae", "--", item) or []
    authors = {e[: -len(DESK_MAIL)] for e in emails if e.endswith(DESK_MAIL)}
    rows = store.query("SELECT id FROM accounts WHERE disabled = 0 ORDER BY id")
    mine = [row["id"] for row in rows if row["id"] in authors]
    return mine or holding(store, WRITER)


def _official_text(ledger: Ledger, row: StatusRow, reminder: bool) -> tuple[str, str]:
    """Return (role id, body) of the message to the role that must sign next."""
    role = ledger.roster.role(row.verdict.role or "")
    name = role.name if role else row.verdict.role
    waited, standard = duration_words(row.waited_minutes), duration_words(row.standard_minutes)
    if reminder:
        body = (
            f"Terlambat: sudah menunggu {waited}, melewati standar SOP {standard}. "
            f"Mohon diperiksa sebagai {name}."
        )
    else:
        body = f"Giliran Anda sebagai {name}. Menunggu {waited} dari standar SOP {standard}."
        if row.verdict.state == "kedaluwarsa":
            body = "Isinya berubah setelah disetujui; mohon persetujuan ulang. " + body
    return str(row.verdict.role), body


def compose(
    ledger: Ledger, store: Store, origin: str, row: StatusRow, reminder: bool = False
) -> tuple[str, list[str], str, str, str] | None:
    """Return (role, accounts, title, body, url) for whoever acts next, or None."""
    verdict = row.verdict
    item = verdict.item
    title = item_title(ledger.content, item)
    path = quote(item, safe="/")
    if verdict.state in ("ditolak", NEEDS_FIX):
        reason = verdict.reason[:1].upper() + verdict.reason[1:]
        body = f"{reason.rstrip('.')}. Perbaiki naskahnya, lalu kirim ulang."
        return (
            WRITER,
            writers(store, ledger, item),
            f"Perlu perbaikan: {title}",
            body,
            f"{origin}/naskah/ubah/{path}",
        )
    if verdict.state == "lengkap":
        body = (
            f"{all_of(len(ledger.roster.roles)).capitalize()} persetujuan sudah lengkap. "
            "Terbitkan lewat Meja."
        )
        admins = holding(store, ADMIN)
        return PUBLISH, admins, f"Siap diterbitkan: {title}", body, f"{origin}/terbit"
    if verdict.role is None:
        return None
    role, body = _official_text(ledger, row, reminder)
    return role, holding(store, role), f"Menunggu Anda: {title}", body, f"{origin}/tugas/{path}"


def tell(app: Flask, ledger: Ledger, row: StatusRow, reminder: bool = False) -> Notice | None:
    """Send the message about ``row``'s next step and record it; return what was told."""
    settings, store = app.config["MEJA_SETTINGS"], app.config["MEJA_STORE"]
    made = compose(ledger, store, settings.origin, row, reminder)
    if made is None:
        return None
    role, people, title, body, url = made
    verdict = row.verdict
    subscriptions = (
        store.query(
            f"SELECT * FROM push_subscriptions WHERE account IN ({','.join('?' * len(people))})",
            *people,
        )
        if people
        else []
    )
    message = {"title": title, "body": body, "url": url, "tag": verdict.item}
    sent = send(app, subscriptions, message)
    if subscriptions:
        with store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO notified VALUES (?, ?, ?, ?)",
                (verdict.item, verdict.digest, role, ledger.now.isoformat()),
            )
    named = item_title(ledger.content, verdict.item)
    told = handoff(verdict, ledger.roster, ledger.now, named, url)
    return Notice(verdict.item, verdict.digest, role, title, body, url, tuple(people), sent, told)


def notify_next(app: Flask, item: str, ledger: Ledger | None = None) -> Notice | None:
    """Tell whoever acts next on ``item`` (call it after a step is committed).

    Returns the notice (with the WhatsApp hand-off for the page), or None when nobody
    acts next or anything failed: a failure is logged and never stops the step itself.
    ``ledger``: one the caller opened after the step (saves reading every sign-off again).
    """
    try:
        ledger = ledger or open_ledger(app.config["MEJA_SETTINGS"].settings_file)
        name = item_name(ledger.content, item, ledger.content)
        (row,) = status_rows(ledger, [name])
        return tell(app, ledger, row)
    except Exception:  # noqa: BLE001 - the step is committed; telling is best effort
        LOG.exception("notifikasi untuk %s tidak terkirim", item)
        return None


def remind_round(app: Flask, now: datetime | None = None) -> list[Notice]:
    """Tell again every role whose item waits past its standard, once per remind interval."""
    settings, store = app.config["MEJA_SETTINGS"], app.config["MEJA_STORE"]
    if store.one("SELECT 1 FROM push_subscriptions LIMIT 1") is None:
        return []  # nobody can be told: do not read the ledger every minute for nothing
    ledger = open_ledger(settings.settings_file, now=now)
    interval = timedelta(minutes=settings.remind_minutes)
    told = []
    for row in _rows(ledger):
        if not row.overdue or row.next_role is None:
            continue
        last = store.one(
            "SELECT at FROM notified WHERE item = ? AND digest = ? AND role = ?",
            row.verdict.item,
            row.verdict.digest,
            row.next_role,
        )
        if last is not None and ledger.now - datetime.fromisoformat(last["at"]) < interval:
            continue
        notice = tell(app, ledger, row, reminder=True)
        if notice is not None:
            told.append(notice)
    return told


def _rows(ledger: Ledger) -> list[StatusRow]:
    """Return every item's status row; an item that cannot be judged is left out, logged."""
    items = discover_items(ledger.content)
    try:
        return status_rows(ledger, items)
    except Exception:  # noqa: BLE001 - one broken item must not silence every reminder
        rows = []
        for item in items:
            try:
                rows += status_rows(ledger, [item])
            except Exception as error:  # noqa: BLE001
                LOG.warning("pengingat: %s tidak dapat dinilai (%s)", item, error)
        return rows


def reminders(app: Flask, stop: threading.Event) -> None:
    """Background worker (server.WORKERS): a reminder round every minute until stopped."""
    every = float(app.config.get("MEJA_REMIND_EVERY", ROUND_SECONDS))
    while not stop.wait(every):
        try:
            remind_round(app)
        except Exception:  # noqa: BLE001 - a broken round is logged; the next one tries again
            LOG.exception("putaran pengingat notifikasi gagal")
