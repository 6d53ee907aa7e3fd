"""The sealed-publishing benchmark runs: its smoke mode prints the table with numbers.

``bench/seal_bench.py --items 100 --repeat 1`` generates a 100-item site and publishes it
six times (today's code and the sealed code, full / unchanged / one changed item). It
needs the checkout of today's code (commit 4f3e517 with its own .venv) at /tmp/baseline;
without it the test is skipped (docs/benchmarks.md says how to make one).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
BASELINE = Path("/tmp/baseline")
#: One row of the main table: items, kind, then today, sealed, ratio, export, share.
ROW = re.compile(
    r"^\| 100 \| (full|unchanged|changed) \| (\d+\.\d+) \| (\d+\.\d+) \| (\d+\.\d+) "
    r"\| (\d+\.\d+) \| (\d+\.\d) % \| .* \| (yes|\*\*no\*\*) \|$",
    re.MULTILINE,
)


@pytest.mark.skipif(
    not (BASELINE / ".venv" / "bin" / "python").is_file(),
    reason="no checkout of today's code (4f3e517) with its .venv at /tmp/baseline",
)
def test_the_smoke_mode_prints_the_table_with_numbers(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "seal_bench.py"),
            "--items",
            "100",
            "--repeat",
            "1",
            "--workdir",
            str(tmp_path),
            "--markdown",
            str(tmp_path / "tulis.md"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = ROW.findall(done.stdout)
    assert [row[0] for row in rows] == ["full", "unchanged", "changed"], done.stdout
    for _, today, sealed, ratio, export, export_share, _ in rows:
        assert float(today) > 0 and float(sealed) > 0 and float(export) > 0
        assert float(ratio) == pytest.approx(float(sealed) / float(today), abs=0.01)
        assert 0 < float(export_share) < 100
    assert "| 100 | full | sealed |" in done.stdout  # the per-step table
    assert (tmp_path / "tulis.md").read_text() in done.stdout
    assert list(tmp_path.iterdir()) == [tmp_path / "tulis.md"]  # the site is removed
