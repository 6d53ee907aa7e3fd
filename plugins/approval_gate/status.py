"""Where every item stands in the SOP, for ``invoke status`` (no Pelican needed).

Waiting time starts at the previous approval, or for a new or changed draft at the
commit that last changed it (the file's modification time outside git), and is compared
with the time standard of the role that must act.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .clock import WIB
from .git import git_lines
from .ledger import Ledger
from .naskah import NEEDS_FIX
from .rules import Verdict


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


def status_rows(ledger: Ledger, items: list[str]) -> list[StatusRow]:
    """Judge every item and measure how long the next role has been waiting."""
    changed = changed_times(ledger.content, items)
    rows = []
    for item in items:
        verdict = ledger.verdict(item, changed.get(item))
        role = ledger.roster.role(verdict.role) if verdict.role else None
        waited = None
        if verdict.state != "lengkap" and verdict.waiting_since is not None:
            waited = max(0, int((ledger.now - verdict.waiting_since).total_seconds() // 60))
        standard = role.standard_minutes if role and verdict.state != "ditolak" else None
        next_name = role.name if role and verdict.state != "ditolak" else None
        if verdict.state in ("ditolak", NEEDS_FIX):  # the writer acts next
            next_name = "Pengampu Konsep (penulis): perbaiki naskah"
        rows.append(
            StatusRow(
                verdict,
                verdict.role if verdict.state != "ditolak" else None,
                next_name,
                waited,
                standard,
            )
        )
    return rows
