"""Large blocks a build frees leave the process (publishing/heap.py).

Each probe runs in a fresh interpreter: it frees one 16 MB block (glibc's moving
threshold then rises to 16 MB), allocates a hundred 1 MB blocks between small blocks
that stay, frees the large ones and reports its resident size before and after.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import sys
sys.path.insert(0, {root!r})
if {fixed}:
    from publishing import heap
    assert heap.return_large_blocks()

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 >> 20

first = bytearray(16 << 20)
del first
blocks, kept = [], []
for _ in range(100):
    blocks.append(bytearray(1 << 20))
    kept.append(bytearray(100_000))  # below 128 KB: from the heap either way
before = resident()
del blocks
print(before, resident())
"""

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").exists() or sys.platform != "linux", reason="glibc on Linux"
)


def _probe(fixed: bool) -> tuple[int, int]:
    code = PROBE.format(root=str(ROOT), fixed=fixed)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    before, after = map(int, done.stdout.split())
    return before, after


def test_with_the_threshold_fixed_freed_large_blocks_leave_the_process() -> None:
    before, after = _probe(fixed=True)
    assert before - after >= 80  # the hundred 1 MB blocks are given back


def test_with_glibcs_moving_threshold_they_stay() -> None:
    """Why heap.py exists: the same frees, without it, give nothing back."""
    before, after = _probe(fixed=False)
    assert before - after < 20
