"""Completing the record of a release that went live while its complete record could not be written.

A publish whose archive folder filled up (or went read-only, or that was killed) after
its switch leaves a signed pending record naming the live release, and the machine's
release log says that release went live, with what was sent. The next publish finds such
releases here and writes their complete records (``completed_later: true``), so the
archive and the live site agree again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..targets import Sent
from .check import verified_bytes
from .records import Written
from .store import ArchiveError, record_name

if TYPE_CHECKING:
    from approval_gate.api import Roster

#: How many of the newest releases of the log are looked at (a few stats each publish).
RECENT = 20


def unfinished(
    folder: Path, target: str, entries: Iterable[Mapping[str, Any]], roster: Roster
) -> list[tuple[Written, Sent]]:
    """Return the verified pending records of live releases that lack a complete record.

    ``entries`` are the machine's own notes of releases that went live (the release log
    and ``last``); only those that recorded what was sent qualify. A pending record whose
    signature does not hold is never completed.
    """
    found: dict[str, tuple[Written, Sent]] = {}
    for entry in list(entries)[-RECENT:]:
        release, sent = entry.get("release"), entry.get("sent")
        if entry.get("target") != target or not isinstance(release, str):
            continue
        if not isinstance(sent, dict) or release in found:
            continue
        complete = folder / release[:4] / record_name(release, target)
        pending = complete.with_name(record_name(release, target, pending=True))
        if complete.exists() or not pending.is_file():
            continue
        try:
            payload, data = verified_bytes(pending, roster)
        except ArchiveError:
            continue
        written = Written(folder, pending, Path(f"{pending}.sig"), data, payload)
        found[release] = (written, _sent(release, sent))
    return list(found.values())


def _sent(release: str, noted: Mapping[str, Any]) -> Sent:
    """Return what the release log says a deploy sent (see ``steps.went_live``)."""
    return Sent(
        location=str(noted.get("location", "")),
        release=release,
        objects=int(noted.get("files", 0)),
        bytes=int(noted.get("bytes", 0)),
        deleted=int(noted.get("deleted", 0)),
    )
