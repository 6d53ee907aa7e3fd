"""The page cache keeps what the last few builds used, and nothing older (render_cache/prune.py).

Before, every edit left the old versions of its item page and listings in the cache for
ever. The whole-build test edits one item build after build and checks that the cache
holds only what the last builds looked up, that an unchanged build still takes every
page from it, and that the pages are exactly those of a build without the cache. The
others call the prune on a cache folder made by hand: what it must never remove.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from approval_gate.api import MachineCache, cache_key
from imagekit import camera_jpeg
from render_cache.page_files import FOLDER as FILES
from render_cache.prune import KEEP, MARGIN_NS, MOST, USED, aged, prune, record
from site_theme.images import CACHE_NAMESPACE
from sitekit import Site
from test_render_cache_pages import CACHED, VERIFY, _build, _cache, _same, _site, _stats

KEY = "ab" + "0" * 62


def _entries(cache: Path, namespace: str = "halaman") -> set[str]:
    return {p.name for p in (cache / namespace).rglob("*") if p.is_file()}


def _lists(cache: Path) -> list[Path]:
    return sorted((cache / USED).iterdir(), key=lambda p: int(p.name.split("-")[0]))


def _keys(path: Path) -> set[str]:
    return set(path.read_text().split("\n")[1:-1])


def _edit(site: Site, text: str) -> None:
    source = site.content / "berita" / "satu.md"
    body = source.read_text().split("Paragraf kedua.")[0]
    source.write_text(f"{body}Paragraf kedua. {text}\n")
    site.approve_all("berita/satu.md")


@pytest.mark.slow
def test_after_many_edits_the_cache_holds_only_what_the_last_builds_used(site: Site) -> None:
    cached, plain = _site(site)
    dua = site.content / "berita" / "dua.md"  # with a photo: its variants are kept too
    dua.write_text(dua.read_text() + "\n![Foto]({attach}dua.jpg)\n")
    site.attach("berita/dua.jpg", camera_jpeg((1000, 700), seed=7))
    site.approve_all("berita/dua.md")
    cache = _cache(site)
    box = MachineCache(cache, "halaman")
    box.put(KEY, b"f" * 64)  # an entry left by builds long gone, and its stored file
    (cache / FILES).mkdir(parents=True)
    (cache / FILES / ("f" * 64)).write_bytes(b"<p>versi lama</p>")
    (cache / FILES / ".neu-1-1").write_bytes(b"sisa build yang terhenti")
    time.sleep(MARGIN_NS / 1e9 + 0.2)  # older than any build below, whatever the clock
    for version in range(KEEP):  # the first builds: each edit makes new keys
        _edit(site, f"Versi {version}.")
        _build(site, cached)
        assert "dibuang" not in _stats(site)  # nothing is pruned before 2 x KEEP builds
    first = _entries(cache)
    markdown_first = _entries(cache, "markdown")
    pieces_first = _entries(cache, "catatan")
    time.sleep(MARGIN_NS / 1e9 + 0.2)  # the kept builds begin after the margin
    for version in range(KEEP, 2 * KEEP):
        _edit(site, f"Versi {version}.")
        _build(site, cached)
    pruned = _stats(site)["dibuang"]
    lists = _lists(cache)
    assert len(lists) == KEEP  # the older lists went with what only they named
    kept = set().union(*(_keys(p) for p in lists))
    assert _entries(cache) <= kept
    assert KEY not in _entries(cache)
    gone = len(first - kept) + len(markdown_first - _entries(cache, "markdown"))
    assert pruned["entri"] == gone + len(pieces_first - _entries(cache, "catatan"))
    assert len(first - kept) > 0
    # converted Markdown: the four other items and the versions the kept builds read
    assert len(_entries(cache, "markdown")) == 4 + KEEP
    assert len(markdown_first - _entries(cache, "markdown")) == KEEP
    pieces = _entries(cache, "catatan")
    images = _entries(cache, CACHE_NAMESPACE)
    assert len(images) == 1  # read by every build, so kept
    assert len(pieces_first - pieces) == KEEP  # the edited item's older pieces
    names = set(os.listdir(cache / FILES))
    assert "f" * 64 not in names and ".neu-1-1" not in names
    assert pruned["berkas"] >= 2
    # nothing the next build wants was removed: an unchanged build renders no page
    after = _build(site, cached, VERIFY)
    assert (_stats(site)["dari_cache"], _stats(site)["dirender"]) == (len(CACHED), 0)
    # nor converted again, nor a provenance piece made again: no new entry at all
    assert len(_entries(cache, "markdown")) == 4 + KEEP
    assert _entries(cache, "catatan") == pieces
    assert _entries(cache, CACHE_NAMESPACE) == images
    _same(after, _build(site, plain))


def _cache_folder(tmp_path: Path, lists: int) -> tuple[Path, int]:
    """A cache with ``lists`` builds' lists, the last ``KEEP`` starting well in the future.

    Every file made here is then older than the kept builds (as if made long before).
    """
    cache = tmp_path / "cache"
    (cache / "halaman" / "ab").mkdir(parents=True)
    (cache / FILES).mkdir()
    future = time.time_ns() + 60 * 10**9
    for number in range(lists):
        started = future - (lists - number) * 10**6
        record(cache, started, bytes.fromhex(KEY) if number == lists - 1 else b"")
    return cache, future


def test_a_list_that_cannot_be_read_stops_the_prune_before_anything_is_removed(
    tmp_path: Path,
) -> None:
    cache, _ = _cache_folder(tmp_path, 2 * KEEP)
    old = cache / "halaman" / "ab" / ("ab" + "1" * 62)
    old.write_bytes(b"entri lama")
    (cache / FILES / ("c" * 64)).write_bytes(b"halaman lama")
    last = _lists(cache)[-1]
    last.write_text(last.read_text()[:-1])  # cut short: its last key is not whole
    assert prune(cache, "halaman") is None
    assert old.exists() and (cache / FILES / ("c" * 64)).exists()
    assert len(_lists(cache)) == 2 * KEEP


def test_the_prune_waits_for_enough_builds_and_keeps_what_they_used(tmp_path: Path) -> None:
    cache, _ = _cache_folder(tmp_path, 2 * KEEP - 1)
    used = cache / "halaman" / "ab" / KEY
    used.write_bytes(b"entri yang dipakai")
    old = cache / "halaman" / "ab" / ("ab" + "1" * 62)
    old.write_bytes(b"entri lama")
    assert prune(cache, "halaman") is None  # one build short: nothing yet
    record(cache, time.time_ns() + 61 * 10**9, b"")
    assert prune(cache, "halaman") is not None
    assert used.exists() and not old.exists()


def test_the_prune_never_removes_new_files_or_follows_a_symlink(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ("d" * 64)).write_bytes(b"bukan milik cache")  # older than the builds
    cache, future = _cache_folder(tmp_path, 2 * KEEP)
    (cache / "halaman" / "zz").symlink_to(elsewhere)  # a planted shard
    os.rmdir(cache / FILES)
    (cache / FILES).symlink_to(elsewhere)  # and a planted store
    fresh = cache / "halaman" / "ab" / ("ab" + "2" * 62)
    fresh.write_bytes(b"baru saja ditulis build yang masih berjalan")
    os.utime(fresh, ns=(future, future))  # written after the oldest kept build began
    found = prune(cache, "halaman")
    assert found is not None and (found.entries, found.files) == (0, 0)
    assert fresh.exists()
    assert (elsewhere / ("d" * 64)).exists()


def test_a_list_a_killed_build_was_writing_goes_with_the_old_lists(tmp_path: Path) -> None:
    cache, future = _cache_folder(tmp_path, 2 * KEEP)
    gone = _dead_pid()
    killed = cache / USED / f".{future - 10**12}-{gone}.txt.x1y2.tmp"  # long before
    running = cache / USED / f".{future - 10**12}-{os.getpid()}.txt.x3y4.tmp"  # still alive
    recent = cache / USED / f".{future}-{gone}.txt.x5y6.tmp"  # begun after the kept builds
    for path in (killed, running, recent):
        path.write_text("halaman-dipakai 1\n")
    found = prune(cache, "halaman")
    assert found is not None and found.lists == KEEP + 1
    assert not killed.exists()
    assert running.exists() and recent.exists()


def _dead_pid() -> int:
    """Return the number of a process that has just ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_cache_grown_large_is_cleared_a_share_per_build(tmp_path: Path) -> None:
    cache, _ = _cache_folder(tmp_path, 2 * KEEP)
    shard = cache / "halaman" / "ab"
    for number in range(1, MOST + 101):  # (0 is KEY, which the last build used)
        (shard / f"ab{number:062x}").write_bytes(b"entri lama")
    first = prune(cache, "halaman")
    assert first is not None and (first.entries, first.lists) == (MOST, 0)
    assert len(_lists(cache)) == 2 * KEEP  # kept: the next build prunes again
    second = prune(cache, "halaman")
    assert second is not None and (second.entries, second.lists) == (100, KEEP)
    assert list(shard.iterdir()) == []


def test_caches_kept_by_last_use_lose_only_what_no_recent_build_read(tmp_path: Path) -> None:
    cache, future = _cache_folder(tmp_path, 2 * KEEP)
    box = MachineCache(cache, "markdown", touch=True)
    box.put(cache_key("naskah lama"), b"versi yang tidak dibaca lagi")
    box.put(cache_key("naskah terbit"), b"versi yang dibaca setiap build")
    read = box.path_of(cache_key("naskah terbit"))
    os.utime(read, ns=(future, future))  # read by the last builds (as get() touches it)
    found = prune(cache, "halaman", aged=("markdown",))
    assert found is not None and found.entries == 1
    assert read.exists() and not box.path_of(cache_key("naskah lama")).exists()


def test_every_cache_a_build_reads_by_last_use_is_declared_and_touches() -> None:
    from render_cache import pages, readers
    from site_theme import images, provenance

    assert aged() == ("catatan", "gambar", "halaman-templat", "markdown")
    names = (pages.CLOSURES, readers.NAMESPACE, provenance.PIECE_CACHE, images.CACHE_NAMESPACE)
    assert sorted(names) == list(aged())


def test_a_cache_folder_that_cannot_be_listed_stops_the_prune_not_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, _ = _cache_folder(tmp_path, 2 * KEEP)
    old = cache / "halaman" / "ab" / ("ab" + "1" * 62)
    old.write_bytes(b"entri lama")

    def failing(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("render_cache.prune.os.scandir", failing)
    assert prune(cache, "halaman") is None
    assert old.exists() and len(_lists(cache)) == 2 * KEEP
