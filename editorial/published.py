"""Where and when an item was published: read from the publication archive.

``invoke publish`` writes one record per publish (``publishing/archive.py``) under
``approvals/_arsip/<year>/``; a demo publish of the sample site writes to
``var/arsip-contoh/`` instead. Each record lists every published item with its digest
and URL. This module only reads them, for the approval sheet and the report; a record
that cannot be read is reported, never guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from approval_gate.api import ARCHIVE_FOLDER, as_moment

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


def _entries(data: object, shown: str, demo: bool) -> list[Publication]:
    if not isinstance(data, dict):
        raise ValueError("bukan pemetaan YAML")
    at = as_moment(data.get("published_at"))
    target = data.get("target")
    if isinstance(data.get("published_same_as"), str) and "published" not in data:
        return []  # an unchanged re-publish: the record it names lists the items
    if at is None or not isinstance(target, dict) or not isinstance(data.get("published"), list):
        raise ValueError("kolom published_at, target atau published tidak sesuai")
    found = []
    for entry in data["published"]:
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


def read_publications(
    folders: list[tuple[Path, bool]], root: Path
) -> tuple[dict[str, list[Publication]], list[str]]:
    """Return every item's publications (oldest first) and problems with records."""
    found: dict[str, list[Publication]] = {}
    problems: list[str] = []
    for folder, demo in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.yml")):
            shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            try:
                entries = _entries(yaml.safe_load(path.read_text(encoding="utf-8")), shown, demo)
            except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as error:
                problems.append(
                    f"{shown}: catatan arsip tidak dapat dibaca ({error}); "
                    "periksa berkas itu, jangan diubah tanpa sepengetahuan "
                    "Web Admin."
                )
                continue
            for entry in entries:
                found.setdefault(entry.item, []).append(entry)
    for entries in found.values():
        entries.sort(key=lambda p: p.at)
    return found, problems
