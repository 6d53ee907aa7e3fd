"""Old exports and builds leave the critical path (publishing/trash.py); one listing is reused.

A good publish renames its export and build out of the way; at its end a detached
low-priority process removes them (and whatever a killed publish left). A
complete listing of the build's own folder stands for that folder (publishing/tree.py
``fresh``); any other listing is only a hint, so a file added behind it is still found.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from publishkit import run, snapshot
from sitekit import Site
from test_faults import first_publish

from publishing.faults import TRASH_PREFIX
from publishing.targets.local import compare
from publishing.trash import sweep_later, throw_out
from publishing.tree import fresh, list_output, rooted


def _trash(var: Path) -> set[str]:
    return {path.name for path in var.glob(f"{TRASH_PREFIX}*")}


def _swept(var: Path, seconds: float = 60.0, stays: frozenset[str] = frozenset()) -> set[str]:
    """Return the trash left once the detached remover is done (or after ``seconds``).

    ``stays``: what the remover must leave (waiting for it to go would always take the
    whole ``seconds``).
    """
    deadline = time.monotonic() + seconds
    while _trash(var) - stays and time.monotonic() < deadline:
        time.sleep(0.05)
    return _trash(var)


def test_thrown_out_folders_are_removed_by_a_detached_process(tmp_path: Path) -> None:
    var, outside = tmp_path / "var", tmp_path / "luar"
    (var / "segel" / "rilis" / "content").mkdir(parents=True)
    (var / "segel" / "rilis" / "content" / "a.md").write_text("x")
    outside.mkdir()
    (outside / "penting.txt").write_text("jangan dihapus")
    throw_out(var / "segel", var)
    throw_out(var / "tidak-ada", var)  # nothing there: nothing to do
    (name,) = _trash(var)
    assert name.startswith(f"{TRASH_PREFIX}segel-") and not (var / "segel").exists()
    (var / "terbit").mkdir()  # not trash: stays
    # A symlink named like trash, named to be handed over first: once the folder after
    # it is gone, the remover has already passed it.
    os.symlink(outside, var / f"{TRASH_PREFIX}a-tautan")
    process = sweep_later(var)
    assert process is not None and process.returncode == 0  # reaped: the remover is detached
    link = frozenset({f"{TRASH_PREFIX}a-tautan"})
    assert _swept(var, 60, stays=link) == link  # never followed, never removed
    assert (outside / "penting.txt").read_text() == "jangan dihapus"
    assert (var / "terbit").is_dir()
    os.unlink(var / f"{TRASH_PREFIX}a-tautan")
    assert sweep_later(var) is None and sweep_later(tmp_path / "tidak-ada") is None


def test_trash_is_removed_here_when_no_remover_can_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    var = tmp_path / "var"
    (var / f"{TRASH_PREFIX}lama" / "a").mkdir(parents=True)
    monkeypatch.setattr("sys.executable", str(tmp_path / "tidak-ada-python"))
    assert sweep_later(var) is None
    assert _trash(var) == set()


def test_a_listing_stands_for_its_folder_only_when_complete_and_its_own(tmp_path: Path) -> None:
    output, target = tmp_path / "keluaran", tmp_path / "web"
    (output / "berita").mkdir(parents=True)
    (output / "index.html").write_text("beranda")
    os.symlink(output / "index.html", output / "berita" / "tautan.html")
    listing = list_output(output)
    assert sorted(listing) == ["index.html"] and listing.links == ["berita/tautan.html"]
    assert fresh(listing, output) is listing
    moved = output.rename(tmp_path / "pindah")
    again = rooted(listing, moved)
    assert fresh(listing, moved) is None and fresh(again, moved) is again
    assert again["index.html"].path.read_text() == "beranda"
    assert fresh(list_output(moved, under="berita"), moved) is None  # one folder only
    assert fresh(dict(again), moved) is None  # a plain mapping is a hint of hashes only
    # Poison: a file added behind a listing that is not the folder's own is still found.
    (moved / "berita" / "baru.html").write_text("baru")
    assert "berita/baru.html" in compare(moved, target, listing).new
    assert "berita/baru.html" not in compare(moved, target, again).new  # trusted as made


@pytest.mark.slow
def test_publishes_remove_what_they_and_earlier_ones_threw_out(site: Site, tmp_path: Path) -> None:
    web, var = tmp_path / "web", site.root / "var"
    settings = first_publish(site, web)
    assert _swept(var) == set()  # the export and the build: renamed, then removed detached
    assert not (var / "segel").exists() and not list((var / "terbit").iterdir())
    (var / "segel" / "dibunuh" / "content").mkdir(parents=True)  # a killed publish's export
    (var / "segel" / "dibunuh" / "content" / "x.md").write_text("x")
    (var / f"{TRASH_PREFIX}sisa" / "a").mkdir(parents=True)  # a sweep a kill cut short
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _swept(var) == set()  # this publish's own, the earlier ones' and the killed one's
    assert not (var / "segel").exists()
    assert any(b"TOKENBARU" in data for data in snapshot(web / "current").values())
