"""Large blocks given back while the Pelican child runs, reused once the search index is made.

glibc serves a request of at least ``M_MMAP_THRESHOLD`` bytes (128 KB at first) with a
mapping of its own, unmapped again on ``free``; but after each such free it raises the
threshold to the block's size, so later blocks of that size come from the heap and stay
there once freed between blocks still in use. A publish frees such blocks before and
while its Pelican child runs, and what stays is held at the moment a first publish is at
its largest, the end of the child's writing: 60-64 MB in the publishing process at
10,000 items with the moving threshold, 58 MB with it fixed (docs/publishing.md, "Large
blocks given back"). Fixing the threshold (any ``mallopt`` of it stops the moving) keeps
such blocks mappings, given back when freed.

A mapping costs its pages again each time it is made: every buffer of at least 128 KB
(zlib's and brotli's state, a file copy's 1 MB) is then a fresh mapping whose pages fault
in one by one. Compressing a first publish's copies at 5,000 items took 21-30 s in a
publish with the threshold fixed, 9-10 s without (alone on two threads: 42-48 CPU-s, two
thirds of them in the kernel, against 19-20). So once
the search index is made, when no Pelican child or Pagefind run is beside the publishing
process any more and the largest moment is past, the build raises the threshold to
``REUSE`` (``reuse_large_blocks``); the next build fixes it again when it starts.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable

#: glibc's ``M_MMAP_THRESHOLD`` parameter number (malloc.h).
_M_MMAP_THRESHOLD = -3
#: Its value while a build's Pelican child and search index run: glibc's own starting value.
THRESHOLD = 128 * 1024
#: Its value afterwards: glibc's own ceiling for the moving threshold on 64-bit systems.
REUSE = 32 * 1024 * 1024


@functools.cache  # the lookup, once per process; the value is set by each call below
def _mallopt() -> Callable[[int, int], int] | None:
    """Return glibc's ``mallopt``, looked up among the symbols the process already has.

    ``CDLL(None)``: nothing is searched for on disk. None where there is no such function.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt  # type: ignore[no-any-return]


def _threshold(value: int) -> bool:
    """Fix the mmap threshold at ``value``; False where there is no glibc ``mallopt``."""
    mallopt = _mallopt()
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, value))


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at ``THRESHOLD`` (a build's start); False without glibc."""
    return _threshold(THRESHOLD)


def reuse_large_blocks() -> bool:
    """Fix it at ``REUSE`` (after the search index); False without glibc."""
    return _threshold(REUSE)
