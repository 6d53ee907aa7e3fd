"""The period a report covers: whole days in WIB, as typed on the command line.

``--dari`` and ``--sampai`` are dates (``YYYY-MM-DD``), both inclusive; a side left
out is open. A step or cycle belongs to the period when it ended inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from approval_gate.api import WIB

from ..errors import BadValue


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadValue(
            f"{option} {value!r} bukan tanggal.", hint="Pakai format YYYY-MM-DD, mis. 2026-11-01."
        ) from None


@dataclass(frozen=True)
class Period:
    """Days from ``first`` to ``last`` inclusive, in WIB; None leaves that side open."""

    first: date | None = None
    last: date | None = None

    @classmethod
    def of(cls, first: str | None, last: str | None) -> Period:
        """Read the period as typed (``--dari``/``--sampai``, YYYY-MM-DD), or raise."""
        period = cls(_day(first, "--dari"), _day(last, "--sampai"))
        if period.first and period.last and period.first > period.last:
            raise BadValue(
                f"Periode terbalik: --dari {period.first} sesudah --sampai {period.last}.",
                hint="Tukar kedua tanggal itu.",
            )
        return period

    @property
    def start(self) -> datetime | None:
        """Return the first moment inside the period."""
        return datetime.combine(self.first, time.min, WIB) if self.first else None

    @property
    def end(self) -> datetime | None:
        """Return the first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time.min, WIB) if self.last else None

    def contains(self, moment: datetime) -> bool:
        """Tell whether ``moment`` falls within the period."""
        return (self.start is None or self.start <= moment) and (
            self.end is None or moment < self.end
        )

    @property
    def label(self) -> str:
        """Return the period as the report's heading shows it."""
        if self.first is None and self.last is None:
            return "semua waktu"
        return f"{self.first or 'awal'} s.d. {self.last or 'sekarang'}"
