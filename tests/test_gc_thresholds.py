"""A build scans for garbage cycles less often; the processes that host it get theirs back.

Why it matters (publishing/gc_thresholds.py): at 5,000 items the collector ran about
2,200 times in a one-change publish for nearly 2 s and freed next to nothing. The whole
build still comes out as before: the gate's decisions are the same, only the moment a
cycle is freed moves.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from publishing.gc_thresholds import THRESHOLDS, collecting_less
from publishkit import local_targets, run, snapshot
from sitekit import Site, copy_project, invoke_build

RECORD = (
    "import gc as _gc, os as _os\n"
    "with open({mark!r}, 'a') as _mark:\n"
    "    _mark.write(f'{{_os.getpid()}} {{_gc.get_threshold()}}\\n')\n"
)


def _seen(mark: Path) -> dict[str, str]:
    """Return the thresholds each process that ran the settings file saw, by its pid."""
    return dict(line.split(" ", 1) for line in mark.read_text().splitlines())


def test_pelican_builds_the_site_with_the_build_thresholds(site: Site, tmp_path: Path) -> None:
    """The settings file, run by Pelican's child, sees the build's thresholds."""
    site.article("berita/disetujui.md", "Disetujui", "TOKENSETUJU")
    site.approve_all("berita/disetujui.md")
    site.article("berita/draf.md", "Draf", "TOKENDRAF")  # nobody signed it
    mark = tmp_path / "ambang.txt"
    settings = site.write_settings(extra=RECORD.format(mark=str(mark)))
    before = gc.get_threshold()
    site.build(settings, dict(os.environ))
    seen = _seen(mark)
    children = {pid: value for pid, value in seen.items() if pid != str(os.getpid())}
    assert children and set(children.values()) == {f"{THRESHOLDS}"}
    assert gc.get_threshold() == before  # the building process keeps its own
    assert site.hits("TOKENSETUJU") and not site.hits("TOKENDRAF")


@pytest.mark.slow
def test_invoke_build_and_its_pelican_child_collect_less(site: Site, tmp_path: Path) -> None:
    """``invoke build`` reads the settings file itself, then Pelican's child runs it."""
    site.article("berita/disetujui.md", "Disetujui", "TOKENSETUJU")
    site.approve_all("berita/disetujui.md")
    mark = tmp_path / "ambang.txt"
    settings = site.write_settings(extra=RECORD.format(mark=str(mark)))
    project = copy_project(tmp_path / "proyek", tests=False)  # its own output/ and var/
    done = invoke_build(project, settings)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = _seen(mark)
    assert len(seen) >= 2 and set(seen.values()) == {f"{THRESHOLDS}"}
    assert done.stdout.startswith("Build selesai: 1 item terbit, 0 ditahan")
    assert (project / "output" / "index.html").is_file()


@pytest.mark.slow
def test_every_process_of_a_publish_collects_less(site: Site, tmp_path: Path) -> None:
    """The publishing process, its forks and Pelican's child all run the settings file."""
    site.article("berita/disetujui.md", "Disetujui", "TOKENSETUJU")
    site.approve_all("berita/disetujui.md")
    site.article("berita/draf.md", "Draf", "TOKENDRAF")
    mark = tmp_path / "ambang.txt"
    targets = local_targets(tmp_path / "web")
    settings = site.write_settings(
        "terbitcfg.py",
        extra=f"PUBLISH_TARGETS = {targets}\nPUBLISH_TARGET = 'uji'\n"
        + RECORD.format(mark=str(mark)),
    )
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = _seen(mark)
    assert len(seen) >= 2 and set(seen.values()) == {f"{THRESHOLDS}"}
    live = snapshot(tmp_path / "web" / "current")
    assert any(b"TOKENSETUJU" in data for data in live.values())
    assert not any(b"TOKENDRAF" in data for data in live.values())


def test_the_thresholds_come_back_after_the_block_even_when_it_fails() -> None:
    """A publish run inside a test or the preview leaves the process as it found it."""
    before = gc.get_threshold()
    with collecting_less():
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), collecting_less():
        raise RuntimeError("gagal")
    assert gc.get_threshold() == before


def test_cycles_are_still_freed_under_the_build_thresholds() -> None:
    """The collector is not switched off: a cycle goes at the next full scan."""

    class Node:
        other: Node | None = None

    with collecting_less():
        assert gc.isenabled()
        first, second = Node(), Node()
        first.other, second.other = second, first
        del first, second
        assert gc.collect() >= 2
