"""Where and when an item was published: read from the publication archive.

``invoke publish`` writes signed records (``publishing/archive``) under
``approvals/_arsip/<year>/``; a demo publish of the sample site writes to
``var/arsip-contoh/`` instead. A publish writes a pending record before its switch and a
complete one after; the items are listed in the pending one. This module only reads
them, for the approval sheet and the report, and only through the archive's checks: a
record that is unsigned, forged, renamed or unreadable is reported as a problem and
ignored, never guessed at; a pending record without its complete one is reported (the
publish stopped after or before its switch) and not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from approval_gate.api import ARCHIVE_FOLDER, as_moment

from publishing.archive import PENDING_SUFFIX, ArchiveError, Record, read_complete, verify_record

if TYPE_CHECKING:
    from approval_gate.api import Roster

DEMO_FOLDER = "arsip-contoh"


@dataclass(frozen=True)
class Publication:
    """One publication of one item, as the archive records it."""

    item: str
    at: datetime
    target: str
    target_type: str
    location: str
    url: str
    digest: str
    record: str  # the record file, for people to find it
    demo: bool


def archive_folders(approvals: Path, state: Path) -> list[tuple[Path, bool]]:
    """Return the archive folders to read: the official one, then the demo one."""
    return [(approvals / ARCHIVE_FOLDER, False), (state / DEMO_FOLDER, True)]


def _entries(record: Record, shown: str, demo: bool) -> list[Publication]:
    content = record.content
    if "published" not in content:
        return []  # an unchanged re-publish: the record it names lists the items
    at = as_moment(content.get("published_at"))
    target = record.data["target"]
    if at is None or not isinstance(content["published"], list):
        raise ArchiveError("kolom published_at atau published tidak sesuai")
    found = []
    for entry in content["published"]:
        if isinstance(entry, dict) and isinstance(entry.get("item"), str):
            found.append(
                Publication(
                    entry["item"],
                    at,
                    str(target.get("name", "")),
                    str(target.get("type", "")),
                    str(target.get("location", "")),
                    str(entry.get("url", "")),
                    str(entry.get("digest", "")),
                    shown,
                    demo,
                )
            )
    return found


def _pending_problem(path: Path, shown: str, roster: Roster) -> str | None:
    """Return what to say about a pending record: nothing once its complete record exists."""
    if path.with_name(path.name.removesuffix(PENDING_SUFFIX) + ".yml").exists():
        return None
    try:
        verify_record(path, roster)
    except ArchiveError as error:
        return _ignored(shown, error)
    return (
        f"{shown}: catatan tertunda tanpa catatan selesai: penerbitan itu berhenti sebelum "
        "selesai dicatat (rilisnya mungkin sudah tayang). Itemnya tidak dihitung di sini; "
        "tanyakan Web Admin."
    )


def _ignored(shown: str, error: ArchiveError) -> str:
    return (
        f"{shown}: catatan arsip diabaikan: {error.message}. Hanya catatan yang "
        "ditandatangani mesin penerbit di roster yang dihitung; periksa asal berkas itu "
        "bersama Web Admin."
    )


def read_publications(
    folders: list[tuple[Path, bool]], root: Path, roster: Roster
) -> tuple[dict[str, list[Publication]], list[str]]:
    """Return every item's publications (oldest first) and problems with records.

    Records are checked against ``roster`` (its publishing machines) before they count.
    """
    found: dict[str, list[Publication]] = {}
    problems: list[str] = []
    for folder, demo in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.yml")):
            shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            if path.name.endswith(PENDING_SUFFIX):
                problem = _pending_problem(path, shown, roster)
                problems += [problem] if problem else []
                continue
            try:
                entries = _entries(read_complete(folder, path, roster), shown, demo)
            except ArchiveError as error:
                problems.append(_ignored(shown, error))
                continue
            for entry in entries:
                found.setdefault(entry.item, []).append(entry)
    for entries in found.values():
        entries.sort(key=lambda p: p.at)
    return found, problems
