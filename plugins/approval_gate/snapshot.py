"""A snapshot of every item's verdict for ``invoke status``, valid only while nothing changed.

A warm ``invoke status`` at 5,000 items spent most of its time taking 20,000 sign-offs out
of the caches, admitting them and judging every item again, although nothing had changed
since the last run. The snapshot keeps the verdicts themselves, under a key made of
everything they were judged from:

* the identity (mode, inode, size, mtime and ctime, the identity cache.py trusts) of
  every file and folder under content/ and approvals/ (the roster and its signature
  included; the publication archive, which the gate never reads, only as a folder);
* the validated settings, the verified roster (verified against the anchor on every run,
  before the snapshot is looked at) and a hash of the gate's code;
* the clock, as the judgement reads it: a sign-off dated after "now" does not count, so a
  snapshot holds only between the newest signing time at or before the moment it was
  made and the first one after it. Everything else that depends on the time (how long a
  role has waited, when a draft last changed) is worked out afresh on every run.

It is one file of two parts, the table and the chains (snapshot_file.py), each sealed
with the cache folder's machine key (machine_cache.py): edited, cut short, copied from
another folder or machine, or made for other files, settings, roster, code or time, it
is simply not used, and everything is judged again.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .atomic import write_whole
from .errors import Finding
from .identities import listing, shared_listing
from .json_tables import dump_bytes, load_bytes
from .machine_cache import MachineCache, code_digest
from .records import ARCHIVE_FOLDER
from .roster import Roster
from .rules import Decision, Verdict
from .settings import GateSettings
from .snapshot_file import packed, read_chains, read_table

SNAPSHOT_FORMAT = 3
NAME = "status.json"
NAMESPACE = "approval-gate"

#: One judged item: its verdict at no known change time, whether that time becomes its
#: waiting time (draf, kedaluwarsa, perlu-diperbaiki), whether the writer acts next.
Judged = tuple[Verdict, bool, bool]


def _code_version() -> str | None:
    """Return a hash of every module of the gate (None: not readable, keep no snapshot)."""
    return code_digest(*sorted(Path(__file__).parent.glob("*.py")))


def _in_child(unit: int) -> bool:
    """Tell whether the child walks this unit (an item's sign-offs) of approvals/: two in three.

    This process meanwhile lists content/ and reads the snapshot's table, about a third
    of the walk of approvals/ (measured at 5,000 items); with the other third of the
    units it ends about when the child does.
    """
    return unit % 3 != 0


def snapshot_key(
    gs: GateSettings, roster: Roster, meanwhile: Callable[[], None] | None = None
) -> str | None:
    """Return the key of the verdicts for the current files, settings, roster and code.

    None (keep and use no snapshot) when the gate's code cannot be read or a symlink
    lies under content/ or approvals/. ``meanwhile`` runs while approvals/ is listed.
    """
    code = _code_version()
    if code is None:
        return None
    content: list[str | None] = []

    def besides() -> None:  # while the child walks its share of approvals/
        content.append(listing(gs.content_path, ""))
        if meanwhile is not None:
            meanwhile()

    approvals = shared_listing(gs.approvals_path, ARCHIVE_FOLDER, _in_child, besides)
    listings = [*content, approvals]
    if None in listings:
        return None
    head = [SNAPSHOT_FORMAT, code, sys.version, repr(gs), repr(roster), *listings]
    return hashlib.sha256(json.dumps(head).encode("utf-8", "surrogateescape")).hexdigest()


def clock_window(signed: Sequence[datetime], now: datetime) -> tuple[str | None, str | None]:
    """Return the newest signing time at or before ``now`` and the first after it.

    ``admit`` counts a sign-off only if it is not dated after "now": between these two
    times every sign-off is on the same side of the clock as at ``now``.
    """
    times = sorted(signed)
    cut = bisect.bisect_right(times, now)
    before = times[cut - 1].isoformat() if cut else None
    after = times[cut].isoformat() if cut < len(times) else None
    return before, after


def _within(window: Any, now: datetime) -> bool:
    before, after = window
    if before is not None and now < datetime.fromisoformat(before):
        return False
    return after is None or now < datetime.fromisoformat(after)


def _finding(f: Finding) -> list[Any]:
    return [f.path, f.message, f.hint, f.line, f.item]


def _restored(cls: type[Any], names: tuple[str, ...], values: Any) -> Any:
    """Return a frozen dataclass instance from its field values, as ``pickle`` restores one.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; at
    20,000 decisions that alone was a fifth of a warm ``invoke status``.
    """
    made = object.__new__(cls)
    made.__dict__.update(zip(names, values, strict=True))
    return made


_DECISION = tuple(f.name for f in fields(Decision))
_VERDICT = tuple(f.name for f in fields(Verdict))


def _encode(judged: Judged) -> tuple[list[Any], list[Any]]:
    """Return one judged item as JSON data: the table's entry and the chain apart.

    A decision of the chain is kept without its item and digest when they are the
    verdict's (always so: ``judge`` chains only those); the snapshot is half the size.
    The chains are kept in their own part of the file (snapshot_file.py), so a run that
    shows no chain (the table) neither checks nor parses them: 4 of its 5 MB.
    """
    v, takes_changed, writer_next = judged
    chain = []
    for d in v.chain:
        own = [d.path, d.role, d.person, d.decision, d.note, d.signed_at.isoformat(), d.acting]
        chain.append(own if (d.item, d.digest) == (v.item, v.digest) else [*own, d.item, d.digest])
    since = v.waiting_since.isoformat() if v.waiting_since else None
    findings = [_finding(f) for f in v.findings]
    entry = [v.item, v.digest, v.state, v.role, v.reason, since, findings,
             takes_changed, writer_next]  # fmt: skip
    return entry, chain


def _chain(item: str, digest: str, chain: list[Any]) -> tuple[Decision, ...]:
    decisions = []
    for d in chain:
        path, r, person, decision, note, at, acting, *other = d
        of_item, of_digest = other if other else (item, digest)
        own = (path, of_item, of_digest, r, person, decision, note,
               datetime.fromisoformat(at), acting)  # fmt: skip
        decisions.append(_restored(Decision, _DECISION, own))
    return tuple(decisions)


def _decode(entry: list[Any], chain: list[Any] | None = None) -> Judged:
    """Return one judged item; its chain is empty unless ``chain`` (kept apart) is given."""
    item, digest, state, role, reason, since, findings, takes_changed, writer_next = entry
    decisions = _chain(item, digest, chain) if chain is not None else ()
    moment = datetime.fromisoformat(since) if since else None
    found = tuple(Finding(*f) for f in findings)
    values = (item, digest, state, role, reason, decisions, moment, found)
    return _restored(Verdict, _VERDICT, values), bool(takes_changed), bool(writer_next)


def without_chains(judged: list[Judged]) -> list[Judged]:
    """Return the judged items with empty chains, as ``judged(chains=False)`` gives them."""
    return [(replace(v, chain=()), takes, writer) for v, takes, writer in judged]


class StatusSnapshot:
    """The verdicts of the last ``invoke status`` of this site, found only by their key."""

    def __init__(self, gs: GateSettings, roster: Roster) -> None:
        folder = gs.cache_path
        self.file = folder / NAME if folder else None
        self.sealer = MachineCache(folder, NAMESPACE) if folder else None
        self._kept: Any = None
        self._mac = b""
        self._bare: list[Judged] = []
        self.key = snapshot_key(gs, roster, meanwhile=self._read) if folder else None

    def _read(self) -> None:
        """Read the snapshot's table and restore its verdicts without chains, ahead of its check.

        Runs while approvals/ is listed for the key; whether these verdicts are used is
        decided afterwards (``judged``): the key, the format and the clock must match.
        """
        if self.file is None or self.sealer is None:
            return
        try:
            found = read_table(self.file, self.sealer, NAME)
            if found is not None:
                self._mac, table = found
                self._kept = load_bytes(table)
                self._bare = [_decode(entry) for entry in self._kept["verdicts"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            self._kept = None  # edited, cut short, sealed with another key, broken

    def _chains(self) -> list[Any] | None:
        """Return the chains kept with the table read, one per verdict, or None."""
        if self.file is None or self.sealer is None:
            return None
        data = read_chains(self.file, self.sealer, NAME, self._mac)
        chains = load_bytes(data) if data is not None else None
        return chains if isinstance(chains, list) else None

    def judged(
        self, now: datetime, chains: bool = True
    ) -> tuple[list[Judged], list[Finding]] | None:
        """Return the verdicts and orphan findings kept for this key at ``now``, or None.

        ``chains``: False gives every verdict an empty chain (``without_chains``), for a
        caller that never shows one.
        """
        kept, bare, self._kept, self._bare = self._kept, self._bare, None, []
        if kept is None or self.key is None:
            return None
        try:
            if kept["format"] != SNAPSHOT_FORMAT or kept["key"] != self.key:
                return None
            if not _within(kept["window"], now):
                return None
            judged = bare
            if chains:
                every = self._chains()
                if every is None or len(every) != len(kept["verdicts"]):
                    return None
                judged = [_decode(e, c) for e, c in zip(kept["verdicts"], every, strict=True)]
            return judged, [Finding(*f) for f in kept["orphans"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # a broken snapshot only makes this run slower

    def keep(
        self,
        now: datetime,
        signed: Sequence[datetime],
        judged: list[Judged],
        orphans: list[Finding],
    ) -> None:
        """Seal and write the verdicts just judged (a write that fails is ignored)."""
        if self.file is None or self.sealer is None or self.key is None:
            return
        encoded = [_encode(entry) for entry in judged]
        data = {
            "format": SNAPSHOT_FORMAT,
            "key": self.key,
            "window": clock_window(signed, now),
            "verdicts": [entry for entry, _ in encoded],
            "orphans": [_finding(f) for f in orphans],
        }
        table = dump_bytes(data)
        chains = dump_bytes([chain for _, chain in encoded])
        try:
            write_whole(self.file, packed(self.sealer, NAME, table, chains))
        except OSError:
            pass
