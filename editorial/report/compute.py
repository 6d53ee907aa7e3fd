"""How long each SOP step took, against the SOP's time standards: pure computation.

No I/O: ``inputs`` gathers the roster's roles, every item's counted decisions, the
start of each version (``version_times``) and its publications (``editorial.published``),
and this module returns figures; ``render`` turns them into a table, CSV or HTML.

A *round* is one version of the text going through the approvers. Each review step
runs from the moment the item reached the role (the version's commit for Web Admin,
the previous role's counted approval for the others) to that role's counted approval,
or to the rejection that sent the round back to the writer. Which approvals count is
decided by ``rules.judge``, the function that decides publication, so the report and
the site never disagree. A *cycle* is the end-to-end path from the first draft (or
from the first version after the previous completion) to the fourth approval, or to
publication when the archive records it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from approval_gate.api import Decision, Role, judge

from ..published import Publication
from .period import Period
from .version_times import SOURCES, Start

#: SOP 11/2023: the whole procedure, first draft to publication ("Mutu Baku" total).
END_TO_END_MINUTES = 175
END_TO_END = "ujung-ke-ujung"
END_TO_END_NAME = "Ujung ke ujung"
WAITING = {"draf", "menunggu", "kedaluwarsa"}


@dataclass(frozen=True)
class ItemInput:
    """Everything the report needs about one item, gathered by the task."""

    item: str
    title: str
    digest: str  # current
    decisions: tuple[Decision, ...]
    starts: dict[str, Start]  # by digest, the current one included
    first_seen: Start
    publications: tuple[Publication, ...] = ()


@dataclass(frozen=True)
class Step:
    """One review step of one round: who, from when, until when, and the outcome."""

    item: str
    round: int
    digest: str
    role: str
    role_name: str
    signer: str | None
    start: Start
    end: datetime | None  # None: still waiting
    decision: str  # setuju, tolak or menunggu
    minutes: int | None  # None: the start is unknown
    since_version: int | None
    standard: int
    note: str = ""

    @property
    def within(self) -> bool | None:
        """Tell whether the step kept to its standard (None when not measurable)."""
        return None if self.minutes is None else self.minutes <= self.standard


@dataclass(frozen=True)
class Cycle:
    """One end-to-end path of an item from draft to completion or publication."""

    item: str
    title: str
    start: Start
    end: datetime | None
    outcome: str  # terbit, lengkap (belum terbit), berjalan
    rounds: int
    rejections: int
    minutes: int | None
    standard: int = END_TO_END_MINUTES

    @property
    def within(self) -> bool | None:
        """Tell whether the cycle kept to the SOP's 175 minutes."""
        return None if self.minutes is None else self.minutes <= self.standard


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


def _minutes(start: datetime | None, end: datetime) -> int | None:
    if start is None or start > end:
        return None
    return int((end - start).total_seconds() // 60)


def _round(
    entry: ItemInput, number: int, digest: str, roles: tuple[Role, ...], now: datetime
) -> tuple[list[Step], str, datetime | None]:
    """Return the steps of one round, its state, and when it completed (if it did)."""
    verdict = judge(entry.item, digest, roles, list(entry.decisions))
    start = entry.starts.get(digest, Start(None, "tidak-diketahui"))
    steps = []

    def step(index: int, end: Decision | None) -> Step:
        role = roles[index]
        reached = min(index, len(verdict.chain))  # a role acting out of turn: last approval
        begin = (
            start if reached == 0 else Start(verdict.chain[reached - 1].signed_at, "persetujuan")
        )
        moment = end.signed_at if end else now
        minutes = _minutes(begin.at, moment)
        if begin.at is not None and minutes is None:
            begin = Start(None, "sesudah-tanda-tangan")
        return Step(
            entry.item,
            number,
            digest,
            role.id,
            role.name,
            end.person if end else None,
            begin,
            end.signed_at if end else None,
            end.decision if end else "menunggu",
            minutes,
            _minutes(start.at, moment),
            role.standard_minutes,
            end.note if end else "",
        )

    for index, approval in enumerate(verdict.chain):
        steps.append(step(index, approval))
    index_of = {role.id: n for n, role in enumerate(roles)}
    if verdict.state == "ditolak" and verdict.role is not None:
        rejection = max(
            (
                d
                for d in entry.decisions
                if d.digest == digest and d.role == verdict.role and d.decision == "tolak"
            ),
            key=lambda d: d.signed_at,
        )
        steps.append(step(index_of[verdict.role], rejection))
    elif verdict.state in WAITING and digest == entry.digest and verdict.role:
        steps.append(step(index_of[verdict.role], None))
    done = verdict.chain[-1].signed_at if verdict.state == "lengkap" else None
    return steps, verdict.state, done


def _versions(entry: ItemInput) -> list[str]:
    """Return the item's versions in the order they were reviewed, current one last."""
    first: dict[str, datetime] = {}
    for decision in entry.decisions:
        if decision.digest not in first or decision.signed_at < first[decision.digest]:
            first[decision.digest] = decision.signed_at
    ordered = sorted(first, key=lambda d: first[d])
    if entry.digest in ordered:
        ordered.remove(entry.digest)
    return [*ordered, entry.digest]


def item_rounds(
    entry: ItemInput, roles: tuple[Role, ...], now: datetime
) -> tuple[list[Step], list[Cycle]]:
    """Return every step and every end-to-end cycle of one item."""
    steps: list[Step] = []
    cycles: list[Cycle] = []
    begin: Start | None = entry.first_seen
    rounds, rejections = 0, 0
    for number, digest in enumerate(_versions(entry), 1):
        if begin is None:
            begin = entry.starts.get(digest, Start(None, "tidak-diketahui"))
        found, state, done = _round(entry, number, digest, roles, now)
        steps += found
        rounds += 1
        rejections += state == "ditolak"
        if done is not None:
            published = next(
                (p for p in entry.publications if p.digest == digest and p.at >= done), None
            )
            end = published.at if published else done
            cycles.append(
                Cycle(
                    entry.item,
                    entry.title,
                    begin,
                    end,
                    "terbit" if published else "lengkap (belum terbit)",
                    rounds,
                    rejections,
                    _minutes(begin.at, end),
                )
            )
            begin, rounds, rejections = None, 0, 0
    if begin is not None and rounds:  # the last version is not complete yet
        cycles.append(
            Cycle(
                entry.item,
                entry.title,
                begin,
                None,
                "berjalan",
                rounds,
                rejections,
                _minutes(begin.at, now),
            )
        )
    return steps, cycles


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
    return Report(
        period, now, steps, cycles, totals, notes, {entry.item: entry.title for entry in items}
    )
