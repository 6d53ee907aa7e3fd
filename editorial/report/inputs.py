"""Gather what ``compute.build_report`` needs from the ledger, git and the archive.

Kept apart from ``compute.py`` so the computation stays pure and testable with plain
data, and apart from the task so the same gathering serves tests and the command.
"""

from __future__ import annotations

from pathlib import Path

from approval_gate.api import Ledger, discover_items

from ..meta import read_metadata
from ..published import archive_folders, read_publications
from .compute import ItemInput, Report, build_report
from .period import Period
from .version_times import History, first_seen, version_starts


def gather(ledger: Ledger, state: Path, period: Period) -> tuple[Report, list[str]]:
    """Return the report over every item under content/, and problems found on the way."""
    content = ledger.content
    publications, problems = read_publications(
        archive_folders(ledger.approvals, state), ledger.approvals.parent, ledger.roster
    )
    history = History(content)
    items = []
    try:
        for item in discover_items(content):
            digest = ledger.digest(item)
            decisions = tuple(ledger.decisions.get(item, ()))
            starts = version_starts(
                history,
                content,
                item,
                digest.value,
                digest.files[1:],
                {d.digest for d in decisions},
            )
            title = read_metadata(content / item).get("title") or item
            items.append(
                ItemInput(
                    item,
                    title,
                    digest.value,
                    decisions,
                    starts,
                    first_seen(history, content, item),
                    tuple(publications.get(item, ())),
                )
            )
    finally:
        history.close()
    ledger.save_cache()
    if not history.available:
        problems.append(
            "Folder content/ bukan repositori git: waktu mulai setiap versi "
            "diperkirakan dari waktu berkas."
        )
    return build_report(ledger.roster.roles, items, ledger.now, period), problems
