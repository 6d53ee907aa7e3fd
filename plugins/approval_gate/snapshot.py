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

It is one file sealed with the cache folder's machine key (machine_cache.py): edited,
cut short, copied from another folder or machine, or made for other files, settings,
roster, code or time, it is simply not used, and everything is judged again.
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
from .identities import elsewhere, listing
from .machine_cache import MachineCache, code_digest
from .records import ARCHIVE_FOLDER
from .roster import Roster
from .rules import Decision, Verdict
from .settings import GateSettings

SNAPSHOT_FORMAT = 2
NAME = "status.json"
NAMESPACE = "approval-gate"

#: One judged item: its verdict at no known change time, whether that time becomes its
#: waiting time (draf, kedaluwarsa, perlu-diperbaiki), whether the writer acts next.
Judged = tuple[Verdict, bool, bool]


def _code_version() -> str | None:
    """Return a hash of every module of the gate (None: not readable, keep no snapshot)."""
    return code_digest(*sorted(Path(__file__).parent.glob("*.py")))


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
    approvals = elsewhere(lambda: listing(gs.approvals_path, ARCHIVE_FOLDER))
    content = listing(gs.content_path, "")
    if meanwhile is not None:
        meanwhile()
    listings = [content, approvals()]
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


def _encode(judged: Judged) -> list[Any]:
    """Return one judged item as JSON data.

    A decision of the chain is kept without its item and digest when they are the
    verdict's (always so: ``judge`` chains only those); the snapshot is half the size.
    The chain is kept as one JSON text, so a run that shows no chain (the table) skips
    it whole: parsing and restoring 20,000 decisions was a third of a warm run.
    """
    v, takes_changed, writer_next = judged
    chain = []
    for d in v.chain:
        own = [d.path, d.role, d.person, d.decision, d.note, d.signed_at.isoformat(), d.acting]
        chain.append(own if (d.item, d.digest) == (v.item, v.digest) else [*own, d.item, d.digest])
    since = v.waiting_since.isoformat() if v.waiting_since else None
    findings = [_finding(f) for f in v.findings]
    text = json.dumps(chain, ensure_ascii=False, separators=(",", ":"))
    return [v.item, v.digest, v.state, v.role, v.reason, text, since, findings,
            takes_changed, writer_next]  # fmt: skip


def _chain(item: str, digest: str, text: str) -> tuple[Decision, ...]:
    decisions = []
    for d in json.loads(text):
        path, r, person, decision, note, at, acting, *other = d
        of_item, of_digest = other if other else (item, digest)
        own = (path, of_item, of_digest, r, person, decision, note,
               datetime.fromisoformat(at), acting)  # fmt: skip
        decisions.append(_restored(Decision, _DECISION, own))
    return tuple(decisions)


def _decode(entry: list[Any], chains: bool = True) -> Judged:
    item, digest, state, role, reason, chain, since, findings, takes_changed, writer_next = entry
    if not isinstance(chain, str):
        raise TypeError("chain")  # a snapshot cannot hold a chain in another form
    decisions = _chain(item, digest, chain) if chains else ()
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
        self._bare: list[Judged] = []
        self.key = snapshot_key(gs, roster, meanwhile=self._read) if folder else None

    def _read(self) -> None:
        """Read the snapshot file and restore its verdicts without chains, ahead of its check.

        Runs while approvals/ is listed for the key; whether these verdicts are used is
        decided afterwards (``judged``): the key, the format and the clock must match.
        """
        if self.file is None or self.sealer is None:
            return
        try:
            data = self.sealer.unseal(self.file.read_bytes(), NAME)
            self._kept = json.loads(data) if data is not None else None
            if self._kept is not None:
                self._bare = [_decode(entry, chains=False) for entry in self._kept["verdicts"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._kept = None  # missing, edited, cut short, sealed with another key, broken

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
            judged = [_decode(entry) for entry in kept["verdicts"]] if chains else bare
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
        data = {
            "format": SNAPSHOT_FORMAT,
            "key": self.key,
            "window": clock_window(signed, now),
            "verdicts": [_encode(entry) for entry in judged],
            "orphans": [_finding(f) for f in orphans],
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        try:
            write_whole(self.file, self.sealer.seal(text.encode("utf-8"), NAME))
        except OSError:
            pass
