"""The one clock: Western Indonesian Time, and "now" unless a fixed moment is set.

Every decision that depends on time (embargo, expiry, who has waited how long, the
signing time of a new sign-off) asks ``now()``; tests and reproducible builds fix it
with ``APPROVAL_GATE_NOW``. Nothing else in the project calls ``datetime.now``.
``moment_words`` says a moment as people in the office read it ("Selasa, 10 November
2026 pukul 09.00 WIB"), without a locale or Babel, so the gate's messages need neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

#: Western Indonesian Time (Rembang), UTC+7 all year.
WIB = timezone(timedelta(hours=7), "WIB")

#: The setting that fixes the clock ("YYYY-MM-DDTHH:MM:SS+07:00"), for tests.
FIXED_NOW_SETTING = "APPROVAL_GATE_NOW"


def now(fixed: datetime | None = None) -> datetime:
    """Return ``fixed`` if given, else the current time in WIB."""
    return fixed if fixed is not None else datetime.now(WIB)


def settings_now(settings: Mapping[str, Any]) -> datetime:
    """Return the moment fixed in Pelican settings (``APPROVAL_GATE_NOW``), else now."""
    fixed = settings.get(FIXED_NOW_SETTING)
    return datetime.fromisoformat(str(fixed)) if fixed else now()


_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def wib_text(moment: datetime) -> str:
    """Return ``moment`` as tables and lists show it: ``2026-11-24 10:00 WIB``."""
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB")


def moment_words(moment: datetime) -> str:
    """Return ``moment`` in WIB as a sentence says it: "Selasa, 10 November 2026 pukul 09.00 WIB".

    Messages name times this way instead of ISO 8601, which people in the office do not
    read; the office's zone (WIB) is used whatever zone the moment was recorded in.
    """
    local = moment.astimezone(WIB)
    return (
        f"{_DAYS[local.weekday()]}, {local.day} {_MONTHS[local.month - 1]} {local.year} "
        f"pukul {local:%H.%M} WIB"
    )
