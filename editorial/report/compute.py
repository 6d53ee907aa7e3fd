"""How long each SOP step took, against the SOP's time standards: pure computation.

No I/O: ``inputs`` gathers the roster's roles, every item's counted decisions, the
start of each version (``version_times``) and its publications (``editorial.published``);
``rounds`` turns one item into its steps and cycles, this module adds up the period's
figures per role and end to end, and ``render`` turns them into a table, CSV or HTML.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from approval_gate.api import Role

from .period import Period
from .rounds import END_TO_END_MINUTES, Cycle, ItemInput, Step, item_rounds
from .version_times import SOURCES

__all__ = ["END_TO_END", "Cycle", "ItemInput", "Report", "Step", "Total", "build_report"]

END_TO_END = "ujung-ke-ujung"
END_TO_END_NAME = "Ujung ke ujung"


@dataclass(frozen=True)
class Total:
    """One role's figures over the period (or the end-to-end figures)."""

    role: str
    name: str
    standard: int
    count: int  # completed steps in the period
    measured: int  # of which the start was known
    median: float | None
    within: int
    rejections: int
    overdue_now: tuple[str, ...]

    @property
    def share(self) -> float | None:
        """Return the share of measured steps within the standard (0..1)."""
        return self.within / self.measured if self.measured else None


@dataclass(frozen=True)
class Report:
    """The figures of one report."""

    period: Period
    now: datetime
    steps: list[Step]
    cycles: list[Cycle]
    totals: list[Total]
    notes: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    recorded: int = 0  # rounds timed from a recorded submission (``submissions``)


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _total(
    role: str,
    name: str,
    standard: int,
    done: list[Step] | list[Cycle],
    rejections: int,
    overdue: list[str],
) -> Total:
    measured = [entry.minutes for entry in done if entry.minutes is not None]
    return Total(
        role,
        name,
        standard,
        len(done),
        len(measured),
        _median(measured),
        sum(m <= standard for m in measured),
        rejections,
        tuple(sorted(set(overdue))),
    )


def build_report(
    roles: tuple[Role, ...], items: list[ItemInput], now: datetime, period: Period
) -> Report:
    """Compute every step, cycle and per-role total for the period."""
    all_steps: list[Step] = []
    all_cycles: list[Cycle] = []
    for entry in items:
        found_steps, found_cycles = item_rounds(entry, roles, now)
        all_steps += found_steps
        all_cycles += found_cycles
    live = period.contains(now)
    steps = [
        s
        for s in all_steps
        if (s.end is not None and period.contains(s.end)) or (s.end is None and live)
    ]
    cycles = [
        c
        for c in all_cycles
        if (c.end is not None and period.contains(c.end)) or (c.end is None and live)
    ]
    by_role: dict[str, list[Step]] = defaultdict(list)
    for s in steps:
        if s.end is not None:
            by_role[s.role].append(s)
    overdue: dict[str, list[str]] = defaultdict(list)
    for s in all_steps:
        if s.end is None and s.within is False:
            overdue[s.role].append(s.item)
    totals = [
        _total(
            role.id,
            role.name,
            role.standard_minutes,
            by_role[role.id],
            sum(s.decision == "tolak" for s in by_role[role.id]),
            overdue[role.id],
        )
        for role in roles
    ]
    finished = [c for c in cycles if c.end is not None]
    late = [c.item for c in all_cycles if c.end is None and c.within is False]
    totals.append(
        _total(
            END_TO_END,
            END_TO_END_NAME,
            END_TO_END_MINUTES,
            finished,
            sum(c.rejections for c in finished),
            late,
        )
    )
    notes = sorted(
        {
            f"{s.item}: mulai putaran {s.round} dihitung dari {SOURCES[s.start.source]}"
            for s in steps
            if s.start.estimated
        }
    )
    recorded = {(s.item, s.round) for s in steps if s.start.source == "pengajuan"}
    return Report(
        period,
        now,
        steps,
        cycles,
        totals,
        notes,
        {entry.item: entry.title for entry in items},
        len(recorded),
    )
