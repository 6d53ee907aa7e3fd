"""The pairs benchmark keeps its site between runs and times what it is asked to.

``bench/publish_pairs.py`` (docs/benchmarks.md): ``make`` generates a site and publishes
it once, ``run`` publishes one kind again on the same site (here a changed item, with the
timing hook on the Pelican child's run and the compressed copies), ``plain`` runs
Pelican alone, ``ratio`` both in turns, ``first`` plain Pelican and a first publish into
emptied folders. A tiny site: what is checked is that each publish really happened.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "bench" / "publish_pairs.py"
LINE = (
    r"^{code}\s+{kind}\s+wall\s+\d+\.\d\d cpu\s+\d+\.\d\d rss\s+\d+ pss\s+\d+ "
    r"\{{.*\"build\.pelican\""
)


def _pairs(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_a_kept_site_is_published_again_and_timed(tmp_path: Path) -> None:
    folder = tmp_path / "pasangan"
    made = _pairs("make", str(folder), "--items", "4")
    assert re.search(LINE.format(code="after", kind="full"), made, re.MULTILINE), made
    # a function this code lacks (a later or earlier code's) is left untimed, not an error
    timed = "publishing.build:run_pelican,publishing.compress:compress_output"
    timed += ",publishing.build:not_in_this_code,publishing.build:Absent.method"
    out = _pairs("run", str(folder), "changed", "--pairs", "2", "--time", timed)
    assert len(re.findall(LINE.format(code="after", kind="changed"), out, re.MULTILINE)) == 2
    assert out.count("publishing.build:run_pelican") == 2  # once a publish
    assert out.count("publishing.compress:compress_output") == 2
    assert re.search(r"^median after: wall \d+\.\d\d s, child \d+\.\d\d s", out, re.MULTILINE)
    # each pair published its own commit: the second changed item is live
    assert "Pembaruan 2:" in "".join(
        p.read_text(encoding="utf-8")
        for p in (folder / "situs" / "web-after" / "current").rglob("*.html")
    )
    assert re.search(
        r"^plain Pelican: wall \d+\.\d\d s", _pairs("plain", str(folder)), re.MULTILINE
    )
    # the ratio: plain, then a changed item published, each on a quiet machine
    out = _pairs("ratio", str(folder), "--rounds", "2", "--rest", "0")
    rounds = re.findall(
        r"^round: plain (\d+\.\d\d) s, changed one \(after\) (\d+\.\d\d) s, "
        r"ratio (\d+\.\d\d)$",
        out,
        re.MULTILINE,
    )
    assert len(rounds) == 2, out
    for plain, changed, ratio in rounds:  # each shown rounded to a hundredth
        low = (float(changed) - 0.005) / (float(plain) + 0.005) - 0.005
        high = (float(changed) + 0.005) / (float(plain) - 0.005) + 0.005
        assert low <= float(ratio) <= high
    assert re.search(r"^median: plain .* ratio \d+\.\d\d \(rounds .*, 2 rounds\)$", out, re.M)
    assert "Pembaruan 4:" in "".join(  # rounds 3 and 4 changed their own items
        p.read_text(encoding="utf-8")
        for p in (folder / "situs" / "web-after" / "current").rglob("*.html")
    )
    # the first publish against plain Pelican: every cache, the target and plain's output
    # emptied (no settling here: the tiny site's few files), then both run
    marker = folder / "situs" / "situs" / "kode-after" / "var" / "penanda"
    marker.write_text("lama", encoding="utf-8")
    summed = "approval_gate.machine_cache:MachineCache.put,publishing.build:run_pelican"
    out = _pairs("first", str(folder), "--settle", "0", "--time", summed, "--sum")
    # each process's total of each function, once: the publish's one Pelican run, and
    # every cache entry the first publish puts (the Pelican child's among them)
    pelican = r"publishing\.build:run_pelican \d+\.\d{3} s in (\d+) calls$"
    assert re.findall(pelican, out, re.MULTILINE) == ["1"], out
    puts = re.findall(r"MachineCache\.put \d+\.\d{3} s in (\d+) calls$", out, re.MULTILINE)
    assert puts and sum(map(int, puts)) >= 4, out  # at least the four items' entries
    plain = re.search(r"^plain Pelican: wall (\d+\.\d\d) s$", out, re.MULTILINE)
    full = re.search(LINE.format(code="after", kind="full"), out, re.MULTILINE)
    shown = re.search(r"^first publish / plain: (\d+\.\d\d)$", out, re.MULTILINE)
    assert plain and full and shown, out
    wall = re.search(r"^after\s+full\s+wall\s+(\d+\.\d\d) ", out, re.MULTILINE)
    assert wall, out
    low = (float(wall[1]) - 0.005) / (float(plain[1]) + 0.005) - 0.005
    high = (float(wall[1]) + 0.005) / (float(plain[1]) - 0.005) + 0.005
    assert low <= float(shown[1]) <= high  # the ratio of the two walls shown
    assert not marker.exists()  # the machine's var/ emptied: every cache
    live = folder / "situs" / "web-after" / "current"
    assert len(list((live.resolve().parent).iterdir())) == 1  # one release: the first
    assert "Pembaruan 4:" in "".join(p.read_text(encoding="utf-8") for p in live.rglob("*.html"))


def test_cold_waits_for_quiet_then_empties_the_page_cache_or_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import publish_pairs
    finally:
        sys.path.remove(str(REPO / "bench"))
    done: list[str] = []
    monkeypatch.setattr(publish_pairs, "_quiet", lambda bench, rest: done.append("quiet"))
    monkeypatch.setattr(publish_pairs.time, "sleep", lambda seconds: done.append("rest"))
    monkeypatch.setattr(publish_pairs, "DROP_CACHES", tmp_path / "drop_caches")
    publish_pairs._cold(object())
    assert done == ["quiet", "rest"]
    assert (tmp_path / "drop_caches").read_text() == "3\n"
    monkeypatch.setattr(publish_pairs, "DROP_CACHES", tmp_path / "tidak-ada" / "drop_caches")
    with pytest.raises(SystemExit, match="--cold: cannot empty the page cache"):
        publish_pairs._cold(object())
