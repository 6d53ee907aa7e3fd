"""Large blocks of memory given back to the system as soon as they are freed.

glibc serves a request of at least ``M_MMAP_THRESHOLD`` bytes (128 KB at first) with a
mapping of its own, unmapped again on ``free``; but after each such free it raises the
threshold to the block's size, so later blocks of that size come from the heap and stay
there once freed between blocks still in use. A publish frees such blocks before and
while its Pelican child runs, and what stays is held at the moment a first publish is at
its largest, the end of the child's writing: 60-64 MB in the publishing process at
10,000 items with the moving threshold, 58 MB with it fixed (docs/publishing.md, "Large
blocks given back"). Fixing the threshold (any ``mallopt`` of it stops the moving) keeps
such blocks mappings, given back when freed.
"""

from __future__ import annotations

import ctypes
import functools

#: glibc's ``M_MMAP_THRESHOLD`` parameter number (malloc.h).
_M_MMAP_THRESHOLD = -3
#: Its value fixed here: glibc's own starting value.
THRESHOLD = 128 * 1024


@functools.cache  # a setting of the process: once is enough, however many builds it runs
def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold at ``THRESHOLD``; False where there is no glibc ``mallopt``.

    ``mallopt`` is looked up among the symbols the process already has (``CDLL(None)``),
    so nothing is searched for on disk.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, THRESHOLD))
