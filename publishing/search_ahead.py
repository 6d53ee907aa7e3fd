"""The search index's new parts made while the Pelican child finishes the build.

Why: the child writes every item page first and then 1-2 s of listings, feeds and the
build's records (5,000 items), while the publishing process only waited; the one part a
changed item needs re-indexed (a Pagefind run of about a second) came after all of it.
``IndexAhead`` waits in a thread for the child's notice that the item pages are written
(publishing/item_notice.py), splits them into parts as ``index_site`` will, and runs
Pagefind, one run at a time and on one core (the child keeps the other), on each part
the search cache does not hold, putting the bundle in the cache under the part's key.
``index_site`` after the child then finds it; a run still going when the child ends is
waited for, and no other starts.

Sound because nothing here reaches the output: a part made ahead is only a cache entry
keyed on Pagefind, its options and the exact bytes of every page of the part (the same
``part_key`` ``index_site`` computes from the build's listing), sealed with the machine
key. A page that changes after it was indexed ahead, or a list of pages that is not the
manifest's, gives another key, and ``index_site`` makes that part itself. A failed run
only leaves the part to ``index_site``.

Memory: a run ahead goes beside the child at its largest, so it starts only while the
child, this process and the run's estimate (``search_runs.run_need``) stay within
``BUDGET``, the bound a publish keeps at 10,000 items (docs/publishing.md, "Memory of a
publish"); otherwise the part waits for ``index_site``, after the child has ended.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from approval_gate.api import MachineCache

from . import search
from . import search_parts as parts
from . import search_runs as runs
from .item_notice import wait_for
from .search_runs import BUDGET
from .tree import OutputFile, digest_now


class IndexAhead:
    """Index the item pages named by ``notice`` into the search cache while the child runs.

    ``early``: the files hashed while the child runs (settled.py), reused while their
    stamp is unchanged.
    """

    def __init__(
        self,
        output: Path,
        notice: Path,
        cache: Path,
        early: Mapping[str, OutputFile] | None = None,
    ) -> None:
        self.output = output
        self.notice = notice
        self.cache = cache
        self.early = early or {}
        self.made: list[str] = []  # keys of the parts made ahead (for tests)
        self.done = threading.Event()  # set when the thread has nothing more to do
        self._ended = threading.Event()
        self._flight = runs.InFlight()
        self._thread = threading.Thread(target=self._run, name="kpu-cari-awal", daemon=True)

    def __enter__(self) -> IndexAhead:
        try:
            self._thread.start()
        except RuntimeError:  # no thread to be had: the index is made after the child
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:  # the build failed: a run going is killed, not waited for
            self._flight.stop()
        self.finish()

    def finish(self) -> None:
        """Start no other run (the child has ended); wait for the one going, if any."""
        self._ended.set()
        if self._thread.ident is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            pages = wait_for(self.notice, self._ended)
            if pages:
                self._index(pages)
        except Exception:  # noqa: BLE001, S110 - a hint only: index_site makes what is missing
            pass
        finally:
            self.done.set()

    def _index(self, pages: list[str]) -> None:
        if not self.fits(len(pages) // parts.part_count(len(pages))):
            return  # not even a part of average size fits: nothing is hashed for nothing
        digests, sizes = {}, {}
        for page in pages:
            found = digest_now(self.output, page, self.early)
            if found is None:
                return  # a page the notice names is not there: the manifest decides later
            digests[page], sizes[page] = found
        store = MachineCache(self.cache, parts.NAMESPACE)
        for number, part, key in search.keyed_parts(pages, digests):
            if self._ended.is_set():
                return
            if store.has(key) or not self.fits(len(part)):
                continue
            # room for the part's pages in the memory file system, as index_site asks
            scratch = runs.scratch(self.output, sum(sizes[p] for p in part) + 2**26)
            made = search.run_pagefind(
                self.output, part, number == 0, scratch, self._flight, runs.one_core()
            )
            blob = parts.pack(made, number == 0)
            if blob is not None:
                store.put(key, blob)
                self.made.append(key)

    def fits(self, pages: int) -> bool:
        """Tell whether a run over ``pages`` pages fits beside the child within ``BUDGET``."""
        held = held_now()
        fits = held is not None and held + runs.run_need(pages) <= BUDGET
        return fits and runs.room_for_one()


def held_now(*, resident: bool = False) -> int | None:
    """Return the memory this process and its children hold now, or None if unknown.

    This process by its resident set, each child (the Pelican child) by its
    proportional set, or its resident set where the kernel gives no proportional one.
    None where /proc cannot tell: then no run goes ahead. ``resident``: each child by
    its resident set (more than it takes, so a bound checked on it holds): reading the
    proportional set walks the child's memory map and holds up its allocations, too
    dear for a check made every second beside it.
    """
    me = os.getpid()
    held = runs.kb_field(f"/proc/{me}/status", "VmRSS:")
    if not held:
        return None
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    for name in names:
        if name.isdigit() and _parent(name) == me:
            proc = f"/proc/{name}"
            size = None if resident else runs.kb_field(f"{proc}/smaps_rollup", "Pss:")
            held += size or runs.kb_field(f"{proc}/status", "VmRSS:") or 0
    return held


def _parent(pid: str) -> int | None:
    """Return the parent of process ``pid`` (None if it is gone or unreadable)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stream:
            return int(stream.read().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None
