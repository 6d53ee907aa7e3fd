"""Announcements' validity as readers see it: "Berlaku 15–30 November 2026", or ended.

An announcement (the theme's ``SITE_ANNOUNCEMENT_KIND``) carries ``Berlaku: <from> s.d.
<to>``. Readers met it nowhere but the home page while current; after its closing date it
still sat under "Terbaru" with nothing saying it had closed. This module reads the period
once per build against the build's clock (the gate's ``settings_now``, never the
machine's), and gives each announcement a ``Validity`` the templates show on the item, in
every list and on the home page.

The validity is put into the item's metadata as well as onto the item: the page cache
keys every listing and item page on their items' metadata (render_cache fingerprints),
so a page showing "Sudah berakhir" is never served from an entry made while it was open.
No module here imports Pelican (theme.py is the glue).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date

from approval_gate.api import LOGGED_FINDING, Finding

from .formats import LOCALE, tanggal

#: The item attribute (and metadata key) templates read: ``a.masa_berlaku``.
ATTRIBUTE = "masa_berlaku"
#: ``2026-11-15 s.d. 2026-11-30`` (also "sd", "sampai dengan", a dash), or one closing date.
_PERIOD = re.compile(
    r"^\s*(?:(\d{4}-\d{2}-\d{2})\s*(?:s\.?\s*d\.?|sampai\s+dengan|[-–])\s*)?"
    r"(\d{4}-\d{2}-\d{2})\s*$",
    re.IGNORECASE,
)
FORM = "TTTT-BB-HH s.d. TTTT-BB-HH (mis. 2026-11-15 s.d. 2026-11-30)"

#: Called with (item, metadata key, message, hint) for a value that cannot be read.
Warn = Callable[[Any, str, str, str], None]


@dataclass(frozen=True)
class Validity:
    """An announcement's period as shown: its text, its closing date, whether it ended."""

    text: str  # "Berlaku 15–30 November 2026" or "Berlaku sampai 30 November 2026"
    end: date
    ended: bool  # the closing date is before the build's day (WIB)
    start: date | None = None


def period_text(start: date | None, end: date) -> str:
    """Return the period as people in Indonesia write it, with an en dash between days.

    "15–30 November 2026", "15 November – 5 Desember 2026", "15 Desember 2026 – 5 Januari
    2027"; Babel's own interval formats abbreviate the months ("Nov") in Indonesian.
    """
    if start is None or start == end:
        return tanggal(end)
    if start > end:
        start, end = end, start
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{tanggal(end)}"
    if start.year == end.year:
        return f"{format_date(start, 'd MMMM', locale=LOCALE)} – {tanggal(end)}"
    return f"{tanggal(start)} – {tanggal(end)}"


def parse_period(value: object) -> tuple[date | None, date] | None:
    """Return ``(start, end)`` of a ``Berlaku`` value, or None when it cannot be read."""
    match = _PERIOD.match(str(value))
    if match is None:
        return None
    try:
        start = date.fromisoformat(match.group(1)) if match.group(1) else None
        return start, date.fromisoformat(match.group(2))
    except ValueError:  # 2026-02-30: the right shape, not a day
        return None


def validity(item: Any, today: date, warn: Warn) -> Validity | None:
    """Return an announcement's validity, from ``Berlaku`` or else ``berlaku_sampai``."""
    written = getattr(item, "berlaku", None)
    if written not in (None, ""):
        period = parse_period(written)
        if period is not None:
            start, end = period
            if start is not None and start > end:
                start, end = end, start
            words = "Berlaku sampai" if start is None or start == end else "Berlaku"
            return Validity(f"{words} {period_text(start, end)}", end, end < today, start)
        warn(
            item,
            "berlaku",
            f"Masa berlaku {str(written)!r} tidak dapat dibaca; pengumuman ini tetap "
            "terbit, tetapi tanpa keterangan masa berlaku.",
            f"Tulis sebagai {FORM}, lalu minta persetujuan ulang.",
        )
    until = getattr(item, "berlaku_sampai", None)
    if isinstance(until, datetime):
        end = until.date()
        return Validity(f"Berlaku sampai {tanggal(end)}", end, end < today)
    return None


def annotate(items: Iterable[Any], kind: str | None, today: date, warn: Warn) -> None:
    """Give every announcement of ``kind`` its validity (attribute and metadata)."""
    if kind is None:
        return
    for item in items:
        if getattr(getattr(item, "category", None), "name", None) != kind:
            continue
        found = validity(item, today, warn)
        if found is not None:
            setattr(item, ATTRIBUTE, found)
            item.metadata[ATTRIBUTE] = found


def line_of(path: str, key: str) -> int | None:
    """Return the line of metadata ``key`` in a source file (None: not found, unreadable)."""
    pattern = re.compile(rf"^[ ]{{0,3}}{re.escape(key)}\s*:", re.IGNORECASE)
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    return None  # the metadata block ended
                if pattern.match(line):
                    return number
    except OSError:
        return None
    return None


def make_warn(logger: logging.Logger, content: str) -> Warn:
    """Return a ``Warn`` that logs ``content/x.md:8: message hint`` (file and line).

    A warning never stops the build: the item is published without the unreadable part.
    The record also carries the warning as a ``Finding`` (``LOGGED_FINDING``), which the
    build's child and the preview collect as data: ``invoke build``, ``invoke publish``
    and the preview show it to the people who can fix the file (publishing/problems.py).
    ``content`` is the site's content folder (Pelican's ``PATH``).
    """
    root = os.path.dirname(os.path.abspath(content))

    def warn(item: Any, key: str, message: str, hint: str) -> None:
        source = str(getattr(item, "source_path", "") or "")
        shown = os.path.relpath(source, root).replace(os.sep, "/") if source else "?"
        inside = os.path.relpath(source, content).replace(os.sep, "/") if source else None
        line = line_of(source, key) if source else None
        finding = Finding(shown, message, hint, line, inside)
        logger.warning("%s", finding.render(), extra={LOGGED_FINDING: finding.as_dict()})

    return warn
