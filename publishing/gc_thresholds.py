"""Fewer runs of Python's cycle collector in a build's and a publish's processes.

Why: CPython scans its youngest generation every 700 new container objects and the
older ones every ten and hundred of those scans. A build makes millions of objects that
live until it ends (every item, its metadata, the pages' contexts, the listings of
50,000 output files), so nearly every scan finds nothing to free: at 5,000 items the
Pelican child ran the collector 530 times for 0.5-0.8 s, the seal step's fork for
0.75 s and the publishing process 1,600 times for about 1 s of a one-change publish
(issue 12; docs/benchmarks.md, "Thirteenth round"). With the youngest generation
scanned every 50,000 objects the child ran it 7 times (0.1-0.2 s) and its peak memory
moved by 1-3 %: what a build frees it frees by reference counting, not by the collector.

The collector is never switched off: cycles are still freed, only later. ``publish()``
and the ``invoke build`` task restore the process's own thresholds when they end, since
the tests run a publish inside their own long-lived process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: New container objects between scans of the youngest generation, its scans between
#: scans of the middle one, and those between full scans (CPython's: 700, 10, 10). A full
#: scan also waits until the objects that survived since the last one are a quarter of
#: all (CPython's own rule), so a build makes none or a few.
THRESHOLDS = (50_000, 20, 100)


def collect_less() -> None:
    """Set this process's collector to ``THRESHOLDS`` for good (the Pelican child)."""
    gc.set_threshold(*THRESHOLDS)


@contextmanager
def collecting_less() -> Iterator[None]:
    """Run the block with ``THRESHOLDS``; restore the thresholds it found afterwards."""
    before = gc.get_threshold()
    collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*before)
