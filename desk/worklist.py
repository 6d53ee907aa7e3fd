"""What an official's pages show: the items waiting for them, and one item's facts.

Pure reading of what the gate knows (``site_status``, the ledger, git history) shaped
for the templates: the list in SOP order with the time waited against the role's
standard, and for one item its attachments (size and SHA-256, the files its digest
covers), its counted decisions, and what changed since the version this person last
opened or rejected (the ``seen`` table; the diff is ``editorial.preview.history``'s).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from approval_gate.api import (
    NEEDS_FIX,
    Decision,
    Ledger,
    StatusRow,
    now,
    site_status,
    wib_text,
)

from editorial.handoff import item_title
from editorial.preview.history import Change, changes_since

from .accounts import Account, store


@dataclass(frozen=True)
class Entry:
    """One line of the list: an item, where it stands, and how long it has waited."""

    item: str
    title: str
    role: str | None  # the role that must act (None: the writer)
    who: str  # the role's name, or the writer's step
    reason: str
    waited: str
    standard: str
    overdue: bool
    step: int
    minutes: int  # waited so far (0 when unknown)


@dataclass(frozen=True)
class Attachment:
    """A file the item's digest covers (besides its source)."""

    path: str
    size: int | None  # None: missing
    sha256: str | None


def duration(minutes: int | None) -> str:
    """Return minutes as people say them: "2 hari 3 jam", "1 jam 5 menit", "12 menit"."""
    if minutes is None:
        return "-"
    hours, mins = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} hari {hours} jam"
    return f"{hours} jam {mins} menit" if hours else f"{mins} menit"


def _entry(row: StatusRow, content: Path, steps: dict[str, int]) -> Entry:
    verdict = row.verdict
    return Entry(
        verdict.item,
        item_title(content, verdict.item),
        row.next_role,
        row.next_role_name or "Penulis",
        verdict.reason,
        duration(row.waited_minutes),
        duration(row.standard_minutes),
        row.overdue,
        steps.get(row.next_role or "", len(steps)),
        row.waited_minutes or 0,
    )


def worklist(settings_file: Path, account: Account) -> tuple[list[Entry], list[Entry]]:
    """Return (waiting for this account's roles, waiting for others), in SOP order."""
    view = site_status(settings_file)
    from approval_gate.api import load_trusted, read_settings_file

    gate, roster = load_trusted(read_settings_file(settings_file))
    steps = {role.id: index for index, role in enumerate(roster.roles)}
    mine: list[Entry] = []
    others: list[Entry] = []
    for row in view.rows:
        if row.verdict.state == "lengkap":
            continue
        entry = _entry(row, gate.content_path, steps)
        waits_for_me = row.next_role in account.roles and row.verdict.state not in (
            "ditolak",
            NEEDS_FIX,
        )
        (mine if waits_for_me else others).append(entry)
    mine.sort(key=lambda e: (e.step, -e.minutes, e.item))  # the longest wait first
    others.sort(key=lambda e: (e.step, e.item))
    return mine, others


def attachments(ledger: Ledger, item: str) -> list[Attachment]:
    """Return the files the item's digest covers besides its source, with size and SHA-256."""
    digest = ledger.digest(item)
    found = []
    for rel in (*digest.files[1:], *digest.missing):
        path = ledger.content / rel
        try:
            data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        except OSError:
            data = None
        found.append(
            Attachment(rel, len(data), hashlib.sha256(data).hexdigest())
            if data is not None
            else Attachment(rel, None, None)
        )
    return found


def size_text(size: int | None) -> str:
    """Return a file size as people read it ("1,2 MB", "340 KB", "12 byte")."""
    if size is None:
        return "tidak ada"
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} byte"


def decisions(ledger: Ledger, item: str) -> list[Decision]:
    """Return every counted decision on the item (all versions), newest first."""
    return sorted(ledger.decisions.get(item, []), key=lambda d: d.signed_at, reverse=True)


def person_name(ledger: Ledger, person: str) -> str:
    """Return the roster's name of a person id (the id when the roster has none)."""
    found = ledger.roster.people.get(person)
    return found.name if found else person


def role_name(ledger: Ledger, role: str) -> str:
    """Return the roster's name of a role id."""
    found = ledger.roster.role(role)
    return found.name if found else role


def signed_when(decision: Decision) -> str:
    """Return when a decision was signed, as tables show it."""
    return wib_text(decision.signed_at)


@dataclass(frozen=True)
class Seen:
    """What this person saw of the item before, and what changed since."""

    digest: str | None  # the version compared with (None: nothing earlier to compare)
    change: Change | None  # filled by ``changes``
    first: bool = False  # the person never opened this item before


def remember(account: Account, item: str, digest: str, *, write: bool = True) -> Seen:
    """Record that the person sees ``digest`` now; return what changed since they last saw.

    The row keeps the version seen before the current one, so opening the page again
    still shows the same changes until the item changes again. ``write=False`` only
    looks (a request that is not the person opening the page).
    """
    row = store().one("SELECT * FROM seen WHERE account = ? AND item = ?", account.id, item)
    base: str | None
    if row is None:
        base, before = None, None
    elif row["digest"] != digest:
        base, before = row["digest"], row["digest"]
    else:
        base, before = row["before_digest"], row["before_digest"]
    if not write:
        return Seen(base, None, row is None)
    with store().transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO seen (account, item, digest, commit_sha, at, before_digest) "
            "VALUES (?, ?, ?, NULL, ?, ?)",
            (account.id, item, digest, now().isoformat(), before),
        )
    return Seen(base, None, row is None)


def changes(content: Path, item: str, seen: Seen) -> Seen:
    """Return ``seen`` with the diff between its version and the item now (from git)."""
    if seen.digest is None:
        return seen
    return Seen(seen.digest, changes_since(content, item, seen.digest), seen.first)


def decided(account: Account, item: str, digest: str) -> None:
    """Record the version the person just decided on (a rejection is what they compare with)."""
    with store().transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO seen (account, item, digest, commit_sha, at, before_digest) "
            "VALUES (?, ?, ?, NULL, ?, NULL)",
            (account.id, item, digest, now().isoformat()),
        )
