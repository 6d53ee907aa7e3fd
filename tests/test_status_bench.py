"""The status benchmark runs: a 30-item site, cold and warm for two codes, interleaved.

``bench/status_bench.py`` measures ``invoke status`` alone (issue 12: < 3 s cold, < 0.5 s
warm at 5,000 items), each run checked by the script (exit code 0 and every item ready).
Here it is given this tree as the baseline too, so both codes run: it ends with 0,
alternates which code goes first, prints a row with numbers for each code and kind, does
not judge the 5,000-item target at 30 items, and removes its site.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
NUMBER = r"\d+\.\d\d"
ROW = re.compile(
    rf"^\| (before|after) \([0-9a-f]+\+?\) \| (cold|warm) \| {NUMBER} \({NUMBER}-{NUMBER}\) "
    rf"\| {NUMBER} \({NUMBER}-{NUMBER}\) \| \d+ \| < [0-9.]+ s at 5,000 items: - \|$",
    re.MULTILINE,
)


def test_status_runs_cold_and_warm_for_both_codes_interleaved(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "status_bench.py"),
            *("--items", "30", "--rounds", "2", "--baseline", str(REPO)),
            *("--workdir", str(tmp_path), "--markdown", str(tmp_path / "status.md")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = ROW.findall(done.stdout)
    assert sorted(rows) == [(c, k) for c in ("after", "before") for k in ("cold", "warm")]
    order = re.findall(r"round (\d) (before|after) cold", done.stdout)
    assert order == [("1", "before"), ("1", "after"), ("2", "after"), ("2", "before")]
    assert (tmp_path / "status.md").read_text().count("| cold |") == 2
    assert list(tmp_path.iterdir()) == [tmp_path / "status.md"]  # the site is removed
