"""One item's rounds and end-to-end cycles: the SOP clock of a single naskah, pure.

A *round* is one version of the text going through the approvers. Each review step
runs from the moment the item reached the role (the version's start for Web Admin, the
previous role's counted approval for the others) to that role's counted approval, or to
the rejection that sent the round back to the writer. Which approvals count is decided
by ``rules.judge``, the function that decides publication, so the report and the site
never disagree. Rounds are numbered over the item's whole history. A *cycle* is the
end-to-end path from the first draft (or from the first version after the previous
completion) to the fourth approval, or to publication when the archive records it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from approval_gate.api import Decision, Role, judge

from ..published import Publication
from .version_times import Start

#: SOP 11/2023: the whole procedure, first draft to publication ("Mutu Baku" total).
END_TO_END_MINUTES = 175
WAITING = {"draf", "menunggu", "kedaluwarsa"}
#: How a cycle ended: when (None: still running), its outcome, and now (for a running one).
Ending = tuple[datetime | None, str, datetime]


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
    first_round: int = 1  # the item's round number this cycle began with

    @property
    def within(self) -> bool | None:
        """Tell whether the cycle kept to the SOP's 175 minutes."""
        return None if self.minutes is None else self.minutes <= self.standard

    @property
    def round_label(self) -> str:
        """Return the item's rounds in this cycle as the step rows number them: 2 or 1–2."""
        last = self.first_round + self.rounds - 1
        return str(last) if last == self.first_round else f"{self.first_round}–{last}"


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


def first_signed(decisions: Iterable[Decision]) -> dict[str, datetime]:
    """Return each signed digest's first counted sign-off (no version starts after it)."""
    first: dict[str, datetime] = {}
    for decision in decisions:
        if decision.digest not in first or decision.signed_at < first[decision.digest]:
            first[decision.digest] = decision.signed_at
    return first


def _versions(entry: ItemInput) -> list[str]:
    """Return the item's versions in the order they were reviewed, current one last."""
    first = first_signed(entry.decisions)
    ordered = sorted(first, key=lambda d: first[d])
    if entry.digest in ordered:
        ordered.remove(entry.digest)
    return [*ordered, entry.digest]


def _earlier(first: Start, other: Start) -> Start:
    """Return the earlier known start: a cycle cannot begin after its first round did."""
    if other.at is not None and (first.at is None or other.at < first.at):
        return other
    return first


def _cycle(entry: ItemInput, begin: Start, first: int, states: list[str], end: Ending) -> Cycle:
    """Return one cycle of ``entry``: its rounds from ``first`` (``states``) to ``end``."""
    at, outcome, now = end
    return Cycle(
        entry.item,
        entry.title,
        begin,
        at,
        outcome,
        len(states),
        sum(state == "ditolak" for state in states),
        _minutes(begin.at, at if at is not None else now),
        first_round=first,
    )


def item_rounds(
    entry: ItemInput, roles: tuple[Role, ...], now: datetime
) -> tuple[list[Step], list[Cycle]]:
    """Return every step and every end-to-end cycle of one item.

    Rounds are numbered over the item's whole history; a cycle names the rounds it
    spans, so a text approved, edited and approved again shows rounds 1 and 2.
    """
    steps: list[Step] = []
    cycles: list[Cycle] = []
    begin: Start | None = entry.first_seen
    first, states = 1, []
    for number, digest in enumerate(_versions(entry), 1):
        start = entry.starts.get(digest, Start(None, "tidak-diketahui"))
        if begin is None:  # the first round after a completed one
            begin = start
        elif number == 1:
            begin = _earlier(begin, start)
        found, state, done = _round(entry, number, digest, roles, now)
        steps += found
        states.append(state)
        if done is not None:
            published = next(
                (p for p in entry.publications if p.digest == digest and p.at >= done), None
            )
            outcome = "terbit" if published else "lengkap (belum terbit)"
            cycles.append(
                _cycle(
                    entry, begin, first, states, (published.at if published else done, outcome, now)
                )
            )
            begin, first, states = None, number + 1, []
    if begin is not None and states:  # the last version is not complete yet
        cycles.append(_cycle(entry, begin, first, states, (None, "berjalan", now)))
    return steps, cycles
