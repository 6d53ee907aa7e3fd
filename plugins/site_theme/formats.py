"""Indonesian dates, times, file sizes and format names, from CLDR data (Babel).

The machine building the site may have no Indonesian locale installed (most servers and
CI images have none), so ``strftime`` would print English month names. Babel carries
the CLDR data itself: "24 November 2026" comes out the same everywhere.
"""

from __future__ import annotations

import posixpath
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from jinja2.filters import do_striptags
from markupsafe import Markup

LOCALE = "id"

#: How a file's format is named to readers (by suffix); anything else shows its suffix.
FORMAT_NAMES = {
    ".pdf": "PDF",
    ".csv": "CSV",
    ".xlsx": "Excel",
    ".xls": "Excel",
    ".ods": "ODS",
    ".docx": "Word",
    ".doc": "Word",
    ".odt": "ODT",
    ".pptx": "PowerPoint",
    ".zip": "ZIP",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WebP",
    ".json": "JSON",
    ".txt": "Teks",
    ".mp3": "MP3",
    ".mp4": "MP4",
}


def tanggal(moment: date | datetime | None) -> str:
    """Return a date as people in Indonesia write it: ``24 November 2026``."""
    if moment is None:
        return ""
    # Babel formats a datetime's own calendar date (its wall clock, not UTC), so the
    # plain date is the whole input: one Babel call per day shown, not per page.
    return _tanggal(moment.date() if isinstance(moment, datetime) else moment)


@lru_cache(maxsize=4096)
def _tanggal(day: date) -> str:
    return format_date(day, "d MMMM y", locale=LOCALE)


@lru_cache(maxsize=1440)
def _jam(hour: int, minute: int) -> str:
    """Return the time of day as ``15.30``: the pattern reads the wall clock's hour and minute."""
    return format_time(time(hour, minute), "HH.mm", locale=LOCALE)


def tanggal_waktu(moment: datetime | None) -> str:
    """Return a moment as ``10 November 2026 pukul 15.30 WIB`` (in the moment's zone)."""
    if moment is None:
        return ""
    offset = moment.utcoffset()
    zone = {7: "WIB", 8: "WITA", 9: "WIT"}.get(
        int(offset.total_seconds() // 3600) if offset is not None else -1, ""
    )
    text = f"{tanggal(moment)} pukul {_jam(moment.hour, moment.minute)}"
    return f"{text} {zone}".strip()


def iso(moment: date | datetime | None) -> str:
    """Return the machine-readable form for ``<time datetime>``."""
    return moment.isoformat() if moment is not None else ""


def ukuran(size: int) -> str:
    """Return a file size as readers' phones show it (SI units): ``1,2 MB``, ``850 KB``."""
    if size < 1000:
        return f"{size} B"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        value = size / scale
        if value < 999.95 or unit == "GB":
            pattern = "#,##0.0" if value < 100 else "#,##0"
            return f"{format_decimal(value, pattern, locale=LOCALE)} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def nama_format(path: str) -> str:
    """Return the reader-facing name of a file's format, from its suffix."""
    suffix = posixpath.splitext(path)[1].lower()
    return FORMAT_NAMES.get(suffix, suffix.lstrip(".").upper() or "Berkas")


#: Texts stripped per build and process at most (the summaries and titles of the site's
#: items, each shown on many listings); the memo starts again when it is full.
STRIPPED_KEPT = 65536
_stripped: dict[tuple[type, str], str] = {}


def striptags(value: Any) -> str:
    """Jinja's ``striptags`` filter (tags dropped, entities decoded), once per text.

    An item's summary and title are stripped on its page and on every listing that
    shows it: 130,000 strips of some 10,000 texts in a first publish at 5,000 items, a
    regular expression, an unescape and a new string each (issue 12). The answer
    depends on the text alone for ``str`` and ``Markup`` (``do_striptags`` reads a
    ``str`` as markup too); any other value goes to Jinja's own filter, unkept.
    """
    kind = type(value)
    if kind is not str and kind is not Markup:
        return do_striptags(value)
    key = (kind, value)
    found = _stripped.get(key)
    if found is None:
        if len(_stripped) >= STRIPPED_KEPT:
            _stripped.clear()
        found = _stripped[key] = do_striptags(value)
    return found
