"""Large blocks a build frees leave the process until its search index is made (heap.py).

Each probe runs in a fresh interpreter: it frees one 16 MB block (glibc's moving
threshold then rises to 16 MB), allocates a hundred 1 MB blocks between small blocks
that stay, frees the large ones and reports its resident size before and after.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from publishing import build, heap
from sitekit import Site

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import sys
sys.path.insert(0, {root!r})
from publishing import heap
for step in {steps!r}:  # "fix": a build starts; "reuse": its search index is made
    assert (heap.return_large_blocks if step == "fix" else heap.reuse_large_blocks)()

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


def _probe(*steps: str) -> tuple[int, int]:
    code = PROBE.format(root=str(ROOT), steps=steps)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    before, after = map(int, done.stdout.split())
    return before, after


def test_with_the_threshold_fixed_freed_large_blocks_leave_the_process() -> None:
    before, after = _probe("fix")
    assert before - after >= 80  # the hundred 1 MB blocks are given back


def test_with_glibcs_moving_threshold_they_stay() -> None:
    """Why heap.py exists: the same frees, without it, give nothing back."""
    before, after = _probe()
    assert before - after < 20


def test_after_the_search_index_blocks_are_reused_not_mapped_anew() -> None:
    """Then a 1 MB buffer comes from the heap: no fresh pages to fault in for each copy."""
    before, after = _probe("fix", "reuse")
    assert before - after < 20


def test_the_next_build_gives_them_back_again() -> None:
    before, after = _probe("fix", "reuse", "fix")
    assert before - after >= 80


def test_a_build_reuses_blocks_only_once_pelican_and_the_search_index_have_ended(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threshold is raised after the largest moment (the child's end, the index)."""
    steps: list[str] = []

    def noted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            steps.append(name)
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(heap, "return_large_blocks", noted("fix", heap.return_large_blocks))
    monkeypatch.setattr(heap, "reuse_large_blocks", noted("reuse", heap.reuse_large_blocks))
    for name in ("run_pelican", "index_site", "compress_output", "audit_output"):
        monkeypatch.setattr(build, name, noted(name, getattr(build, name)))
    site.article("berita/a.md", "Rapat A", "Isi rapat pleno terbuka. " * 40, slug="a")
    site.approve_all("berita/a.md")
    site.build()
    assert steps == [
        "fix",
        "run_pelican",
        "index_site",
        "reuse",
        "compress_output",
        "audit_output",
    ]
    assert (site.output / "berita/a/index.html.br").exists()  # the copies were written
