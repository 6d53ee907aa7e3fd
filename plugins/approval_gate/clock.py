"""The one clock: Western Indonesian Time, and "now" unless a fixed moment is set.

Every decision that depends on time (embargo, expiry, who has waited how long, the
signing time of a new sign-off) asks ``now()``; tests and reproducible builds fix it
with ``APPROVAL_GATE_NOW``. Nothing else in the project calls ``datetime.now``.
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
