"""Where every item stands in the SOP, for ``invoke status`` (no Pelican needed).

Waiting time starts at the previous approval, or for a new or changed draft at the
commit that last changed it (the file's modification time outside git), and is compared
with the time standard of the role that must act.

``site_status`` answers for the whole site from a snapshot of the verdicts when nothing
they were judged from has changed (snapshot.py); only the waiting times, which follow the
clock and git, are worked out on every run. It imports the ledger only when it must judge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import clock
from .clock import WIB
from .errors import Finding
from .git import git_lines
from .roster import Roster
from .rules import Verdict

if TYPE_CHECKING:
    from .ledger import Ledger
    from .snapshot import Judged


@dataclass(frozen=True)
class StatusRow:
    """One item's place in the flow."""

    verdict: Verdict
    next_role: str | None
    next_role_name: str | None
    waited_minutes: int | None
    standard_minutes: int | None

    @property
    def overdue(self) -> bool:
        """Tell whether the role that must act has exceeded the SOP time standard."""
        return (
            self.waited_minutes is not None
            and self.standard_minutes is not None
            and self.waited_minutes > self.standard_minutes
        )

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by ``invoke status --json``."""
        v = self.verdict
        return {
            "item": v.item,
            "state": v.state,
            "reason": v.reason,
            "digest": v.digest,
            "next_role": self.next_role,
            "next_role_name": self.next_role_name,
            "waiting_since": v.waiting_since.isoformat() if v.waiting_since else None,
            "waited_minutes": self.waited_minutes,
            "standard_minutes": self.standard_minutes,
            "overdue": self.overdue,
            "approvals": [
                {
                    "role": d.role,
                    "signer": d.person,
                    "signed_at": d.signed_at.isoformat(),
                    "file": d.path,
                }
                for d in v.chain
            ],
            "findings": [f.as_dict() for f in v.findings],
        }


def changed_times(content: Path, items: list[str]) -> dict[str, datetime]:
    """Return when each item last changed: its last commit, or the file time if edited since."""
    times: dict[str, datetime] = {}
    stamp = None
    # No git (or not a repository): every item's time is its file's.
    log = git_lines(content, "log", "--format=%x00%ct", "--name-only", "--relative", "--", ".")
    for line in log or []:
        if line.startswith("\0"):
            stamp = datetime.fromtimestamp(int(line[1:]), WIB)
        elif line and stamp is not None and line not in times:
            times[line] = stamp
    prefix = "".join(git_lines(content, "rev-parse", "--show-prefix") or [])
    status = git_lines(content, "status", "--porcelain", "--untracked-files=all", "--", ".")
    edited = {line[3:].strip('"')[len(prefix) :] for line in status or []}
    base = str(content)
    for item in items:
        if item not in times or item in edited:
            times[item] = datetime.fromtimestamp(os.stat(os.path.join(base, item)).st_mtime, WIB)
    return times


@dataclass(frozen=True)
class StatusView:
    """What ``invoke status`` shows of the whole site."""

    now: datetime
    roster_version: int
    rows: list[StatusRow]
    orphans: list[Finding]


def judged(verdict: Verdict) -> Judged:
    """Return a verdict judged without a change time, with how a change time applies to it."""
    from .naskah import NEEDS_FIX

    takes_changed = verdict.state in ("draf", "kedaluwarsa", NEEDS_FIX)
    return verdict, takes_changed, verdict.state in ("ditolak", NEEDS_FIX)


def _row(entry: Judged, changed_at: datetime | None, roster: Roster, now: datetime) -> StatusRow:
    """Return one item's row: ``Ledger.verdict(item, changed_at)`` and its waiting time."""
    verdict, takes_changed, writer_next = entry
    if takes_changed and changed_at is not None:  # as judge and Ledger.verdict set it
        verdict = replace(verdict, waiting_since=changed_at)
    role = roster.role(verdict.role) if verdict.role else None
    waited = None
    if verdict.state != "lengkap" and verdict.waiting_since is not None:
        waited = max(0, int((now - verdict.waiting_since).total_seconds() // 60))
    standard = role.standard_minutes if role and verdict.state != "ditolak" else None
    next_name = role.name if role and verdict.state != "ditolak" else None
    if writer_next:  # the writer acts next
        next_name = "Pengampu Konsep (penulis): perbaiki naskah"
    next_role = verdict.role if verdict.state != "ditolak" else None
    return StatusRow(verdict, next_role, next_name, waited, standard)


def rows_at(content: Path, entries: list[Judged], roster: Roster, now: datetime) -> list[StatusRow]:
    """Return the rows of judged items at ``now``, with their change times read afresh.

    Only a verdict that waits since its text changed reads that time: a site whose items
    are all approved or under way asks git nothing.
    """
    waiting = [entry[0].item for entry in entries if entry[1]]
    changed = changed_times(content, waiting) if waiting else {}
    return [_row(entry, changed.get(entry[0].item), roster, now) for entry in entries]


def status_rows(ledger: Ledger, items: list[str]) -> list[StatusRow]:
    """Judge every item and measure how long the next role has been waiting."""
    entries = [judged(ledger.verdict(item)) for item in items]
    return rows_at(ledger.content, entries, ledger.roster, ledger.now)


def site_status(settings: Path, *, chains: bool = True) -> StatusView:
    """Return every item's row and the orphan findings, from the snapshot when it holds.

    The roster is verified against the anchor on every run, before the snapshot is looked
    at; on a miss the ledger judges everything and the snapshot is written again.
    ``chains``: False when the caller never reads a verdict's chain (the table of
    ``invoke status``): every verdict then has an empty one, and the snapshot restores
    none of the decisions.
    """
    from .roster_file import load_roster
    from .settings import load_settings, read_settings_file
    from .snapshot import StatusSnapshot, without_chains

    gs = load_settings(read_settings_file(settings))
    roster = load_roster(gs.approvals_path, gs.anchor, gs.allow_demo_keys)
    now = clock.now(gs.now)
    snapshot = StatusSnapshot(gs, roster)  # keyed before anything is read
    kept = snapshot.judged(now, chains)
    if kept is not None:
        entries, orphans = kept
    else:
        from .ledger import open_ledger

        ledger = open_ledger(gs, roster=roster, now=now)
        items = ledger.items()
        entries = [judged(ledger.verdict(item)) for item in items]
        orphans = ledger.orphans(set(items))
        ledger.save_cache()
        snapshot.keep(now, ledger.signed_times, entries, orphans)
        entries = entries if chains else without_chains(entries)
    rows = rows_at(gs.content_path, entries, roster, now)
    return StatusView(now, roster.version, rows, orphans)
