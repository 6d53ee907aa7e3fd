"""Gather what ``compute.build_report`` needs from the ledger, git and the archive.

Kept apart from ``compute.py`` so the computation stays pure and testable with plain
data, and apart from the task so the same gathering serves tests and the command.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from approval_gate.api import Ledger, discover_items, git_missing

from ..meta import read_metadata
from ..published import Publication, archive_folders, read_publications
from .compute import ItemInput, Report, build_report
from .period import Period
from .rounds import first_signed
from .submissions import Submissions, read_submissions
from .version_times import History, first_seen, version_starts


def _item(
    ledger: Ledger,
    history: History,
    item: str,
    recorded: Submissions,
    publications: tuple[Publication, ...],
) -> ItemInput:
    """Return one item's report input: its decisions and when each version started."""
    digest = ledger.digest(item)
    decisions = tuple(ledger.decisions.get(item, ()))
    starts = version_starts(
        history,
        ledger.content,
        item,
        (digest.value, digest.files[1:]),
        first_signed(decisions),
        ledger.now,
        partial(recorded.start, item),
    )
    return ItemInput(
        item,
        read_metadata(ledger.content / item).get("title") or item,
        digest.value,
        decisions,
        starts,
        first_seen(history, ledger.content, item),
        publications,
    )


def gather(ledger: Ledger, state: Path, period: Period) -> tuple[Report, list[str]]:
    """Return the report over every item under content/, and problems found on the way."""
    content = ledger.content
    publications, problems = read_publications(
        archive_folders(ledger.approvals, state), ledger.approvals.parent, ledger.roster
    )
    recorded = read_submissions(ledger.approvals, ledger.approvals.name)
    history = History(content)
    items = []
    try:
        for item in discover_items(content):
            items.append(_item(ledger, history, item, recorded, tuple(publications.get(item, ()))))
    finally:
        history.close()
    ledger.save_cache()
    recorded.check_used(
        {i.item: {d: s.source == "commit" for d, s in i.starts.items()} for i in items}
    )
    problems += recorded.problems
    if not history.available:
        why = "Folder content/ bukan repositori git"
        if git_missing():  # said as such: installing git is the fix, not a new clone
            why = "Program git tidak ditemukan"
        problems.append(f"{why}: waktu mulai setiap versi diperkirakan dari waktu berkas.")
    return build_report(ledger.roster.roles, items, ledger.now, period), problems
