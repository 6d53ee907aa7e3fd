"""Embargo and expiry: when an approved item may be on the site.

An approved item whose ``Date`` lies in the future is held until that moment (embargo);
an item may carry ``berlaku_sampai`` (an announcement whose period ends), after which
the next publish removes it from the site while the archive keeps its record. Both
moments are part of the approved text, so no one can move them without a new approval.
Pure functions: the caller passes ``now`` and reports the next moment at which a
rebuild would change the site, so a scheduler can publish exactly then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from .errors import Finding
from .clock import WIB, wib_text

#: Metadata key of the end of an item's validity ("berlaku sampai" = valid until).
EXPIRY_KEY = "berlaku_sampai"
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d")


@dataclass(frozen=True)
class Timing:
    """Whether an approved item is on the site now, and when that changes."""

    state: str  # "tayang" (on the site), "terjadwal" (embargoed) or "berakhir" (expired)
    reason: str
    next_change: datetime | None


def _shown(moment: datetime) -> str:
    return wib_text(moment)


def _line_of(source: Path | None, key: str) -> int | None:
    if source is None:
        return None
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:", re.IGNORECASE)
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), None)


def parse_expiry(
    value: object, source: Path | None, shown: str, item: str
) -> datetime | Finding | None:
    """Return the end of validity, a finding if it cannot be read, or None if absent.

    A bare date means "valid through that whole day": the item leaves at midnight WIB.
    """
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=WIB)
    text = str(value).strip()
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).replace(tzinfo=WIB)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            parsed = datetime.combine(parsed.date(), time.min, WIB) + timedelta(days=1)
        return parsed
    return Finding(
        shown,
        f"Tanggal '{EXPIRY_KEY}' tidak dapat dibaca: {text!r}.",
        "Tulis sebagai TTTT-BB-HH atau TTTT-BB-HH JJ:MM (mis. 2026-12-31 "
        "23:59), lalu minta persetujuan ulang.",
        _line_of(source, EXPIRY_KEY),
        item,
    )


def timing(starts: datetime | None, ends: datetime | None, now: datetime) -> Timing:
    """Return whether an approved item with this window is on the site at ``now``."""
    if starts is not None and starts > now:
        return Timing("terjadwal", f"disetujui; dijadwalkan terbit {_shown(starts)}", starts)
    if ends is not None and ends <= now:
        return Timing(
            "berakhir",
            f"masa berlaku berakhir {_shown(ends)}; arsip tetap menyimpan catatannya",
            None,
        )
    return Timing("tayang", "tayang", ends)
