"""The item pages' kept compressed copies, linked in while the Pelican child ends.

compress_ahead.py places them on the child's notice; compress_output takes each only
while it is still the very file placed for its page's bytes (docs/theme.md).
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from pathlib import Path

import brotli
import pytest

from publishing import build, search_ahead
from publishing.audit import audit_output
from publishing.build import BuildFailed
from publishing.compress import Compression, compress_output
from publishing.compress_ahead import CopiesAhead
from publishing.item_notice import NOTICE
from publishing.search import SearchIndexError
from publishing.tree import Packed
from publishing.tree import list_output
from searchkit import LEAK, approved_pages, built_news, manifest
from sitekit import Keys, Site
from test_compress import OTHER, PAGE, _folder, _replace

ITEM = "berita/a/index.html"
NEW = PAGE.replace(b"terbuka", b"tertutup")  # an item page changed in this build


@pytest.fixture(autouse=True)
def room(monkeypatch: pytest.MonkeyPatch) -> None:
    """Room to compress ahead, whatever this test process holds (one test takes it away)."""
    monkeypatch.setattr(search_ahead, "BUDGET", 2**40)


def _kept(tmp_path: Path) -> Compression:
    """Return a compression whose store keeps the copies of a first build of ``_folder``."""
    how = Compression(True, tmp_path / "cache")
    first = _folder(tmp_path / "1")
    compress_output(first, list_output(first), how)
    return how


def _ahead(output: Path, pages: list[str] | None, how: Compression) -> CopiesAhead:
    """Run ``CopiesAhead`` on a notice naming ``pages`` (None: no notice) to its end."""
    notice = output.parent / NOTICE
    if pages is not None:
        notice.write_text(json.dumps({"pages": pages}), encoding="utf-8")
    ahead = CopiesAhead(output, notice, how, Packed(output))
    with ahead:
        if pages is not None:
            assert ahead.done.wait(60)
    return ahead


def test_the_item_pages_copies_are_linked_or_made_before_the_child_ends(
    tmp_path: Path,
) -> None:
    how = _kept(tmp_path)
    output = _folder(tmp_path / "2")
    changed = "berita/b/index.html"
    (output / changed).parent.mkdir(parents=True)
    (output / changed).write_bytes(NEW)  # not kept: compressed here
    ahead = _ahead(output, [changed, ITEM, "kecil.html"], how)
    assert ahead.copies == [f"{ITEM}.br", f"{ITEM}.gz", f"{changed}.br", f"{changed}.gz"]
    assert gzip.decompress((output / f"{ITEM}.gz").read_bytes()) == PAGE
    assert brotli.decompress((output / f"{changed}.br").read_bytes()) == NEW
    assert all(rel in ahead.early for rel in ahead.copies)  # not read again by the listing
    written = compress_output(output, list_output(output, ahead.early), how, ahead)
    assert written.made == 0  # the rest linked from the store
    assert set(ahead.copies) <= set(written.files)
    third = _folder(tmp_path / "3")  # the store kept what was taken ahead, made ahead too
    (third / changed).parent.mkdir(parents=True)
    (third / changed).write_bytes(NEW)
    assert compress_output(third, list_output(third), how).made == 0


def test_the_files_the_child_has_left_alone_get_theirs_before_its_notice(
    tmp_path: Path,
) -> None:
    """A first build: the settled files are compressed while the child still writes."""
    how = Compression(True, tmp_path / "cache")
    output = _folder(tmp_path / "1")
    early = Packed(output)
    for rel, file in list_output(output).items():  # what settled.py hashed so far
        early.add(rel, file.sha256, file.stamp)
    notice = output.parent / NOTICE
    with CopiesAhead(output, notice, how, early) as ahead:
        for _ in range(500):  # no notice yet: the child is still writing
            if len(ahead.copies) == 6:
                break
            time.sleep(0.01)
        assert ahead.copies == sorted(
            f"{rel}{suffix}"
            for rel in (ITEM, "persetujuan/allowed_signers", "theme/js/cari.js")
            for suffix in (".br", ".gz")
        )
        notice.write_text(json.dumps({"pages": [ITEM]}), encoding="utf-8")
        assert ahead.done.wait(60)
    written = compress_output(output, list_output(output, early), how, ahead)
    assert written.made == 0 and set(ahead.copies) <= set(written.files)
    second = _folder(tmp_path / "2")  # and the store keeps them for the next build
    assert compress_output(second, list_output(second), how).made == 0


def test_a_page_changed_after_its_copies_were_placed_gets_new_ones(tmp_path: Path) -> None:
    how = _kept(tmp_path)
    output = _folder(tmp_path / "2")
    ahead = _ahead(output, [ITEM], how)
    _replace(output / ITEM, OTHER)  # written again after the notice
    written = compress_output(output, list_output(output, ahead.early), how, ahead)
    assert gzip.decompress((output / f"{ITEM}.gz").read_bytes()) == OTHER
    assert brotli.decompress((output / f"{ITEM}.br").read_bytes()) == OTHER
    assert written.made == 2  # the page's two, made again; the placed ones removed
    assert f"{ITEM}.gz" in written.files and f"{ITEM}.br" in written.files


def test_a_file_written_over_a_placed_copy_is_the_outputs_own(tmp_path: Path) -> None:
    how = _kept(tmp_path)
    output = _folder(tmp_path / "2")
    ahead = _ahead(output, [ITEM], how)
    _replace(output / f"{ITEM}.gz", b"bukan salinan")  # the child wrote that name since
    written = compress_output(output, list_output(output, ahead.early), how, ahead)
    assert (output / f"{ITEM}.gz").read_bytes() == b"bukan salinan"  # never written over
    assert f"{ITEM}.gz" not in written.files and f"{ITEM}.br" in written.files


def test_a_name_the_output_has_is_never_placed_over(tmp_path: Path) -> None:
    how = _kept(tmp_path)
    output = _folder(tmp_path / "2")
    (output / f"{ITEM}.br").write_bytes(b"milik keluaran")
    ahead = _ahead(output, [ITEM], how)
    assert ahead.copies == [f"{ITEM}.gz"]
    assert (output / f"{ITEM}.br").read_bytes() == b"milik keluaran"


@pytest.mark.parametrize("notice", ["none", "not-one"])
def test_without_a_notice_nothing_is_placed_and_the_store_is_closed(
    tmp_path: Path, notice: str
) -> None:
    how = _kept(tmp_path)
    output = _folder(tmp_path / "2")
    if notice == "not-one":
        (output.parent / NOTICE).write_text("{", encoding="utf-8")
    ahead = _ahead(output, None, how)
    assert ahead.done.is_set() and ahead.copies == []
    store = ahead.store
    assert store is not None
    ahead.close()
    with pytest.raises(OSError):
        os.fstat(store.fd)
    assert ahead.take_store() is None


def test_a_first_builds_item_pages_are_compressed_ahead(tmp_path: Path) -> None:
    output = _folder(tmp_path / "1")
    how = Compression(True, tmp_path / "cache")
    ahead = _ahead(output, [ITEM, "kecil.html"], how)
    assert ahead.copies == [f"{ITEM}.br", f"{ITEM}.gz"]  # kecil.html: too small for copies
    written = compress_output(output, list_output(output, ahead.early), how, ahead)
    assert written.made == 4  # the files the notice did not name, after the child
    assert gzip.decompress((output / f"{ITEM}.gz").read_bytes()) == PAGE


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Site:
    """Three approved items and one that is not, built once."""
    return built_news(tmp_path_factory.mktemp("salinan"), keys)


def test_a_build_takes_the_copies_placed_while_its_child_ended(
    built: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real build: every approved item page's copies placed ahead, audited, whole."""
    seen: list[CopiesAhead] = []

    class Watched(CopiesAhead):
        def __exit__(self, *exc: object) -> None:  # the child has ended
            assert self.done.wait(60)  # all of it ahead, however short the child's tail
            super().__exit__(*exc)
            seen.append(self)

    monkeypatch.setattr(build, "CopiesAhead", Watched)
    built.build()
    pages = sorted(approved_pages(built))
    assert len(seen) == 1
    assert seen[0].copies == sorted(
        f"{page}{suffix}" for page in pages for suffix in (".br", ".gz")
    )
    for page in pages:
        data = (built.output / page).read_bytes()
        assert gzip.decompress((built.output / f"{page}.gz").read_bytes()) == data
        assert brotli.decompress((built.output / f"{page}.br").read_bytes()) == data
    assert manifest(built)["excluded"]  # the unapproved item: no page, no copy
    assert audit_output(built.output, manifest(built), manifest(built)["build_id"], True) == []
    for copy in built.output.rglob("*.gz"):  # nothing of the unapproved item, compressed
        assert LEAK.encode() not in gzip.decompress(copy.read_bytes())


def test_a_build_failing_before_its_copies_closes_the_store_and_leaves_the_output(
    built: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search index fails after the copies were placed: nothing moves, nothing stays open."""
    seen: list[CopiesAhead] = []

    class Watched(CopiesAhead):
        def __exit__(self, *exc: object) -> None:
            assert self.done.wait(60)
            super().__exit__(*exc)
            seen.append(self)

    def broken(*args: object, **kwargs: object) -> None:
        raise SearchIndexError("Pagefind gagal (uji)")

    before = {p.relative_to(built.output).as_posix() for p in built.output.rglob("*")}
    monkeypatch.setattr(build, "CopiesAhead", Watched)
    monkeypatch.setattr(build, "index_site", broken)
    with pytest.raises(BuildFailed):
        built.build()
    assert len(seen) == 1 and seen[0].copies  # placed into the staging folder, then gone
    assert seen[0].take_store() is None  # closed by the build
    assert {p.relative_to(built.output).as_posix() for p in built.output.rglob("*")} == before
    assert not list(built.output.parent.glob(f".{built.output.name}.staging-*"))


def test_the_thread_takes_only_what_the_child_leaves_idle(tmp_path: Path) -> None:
    """It runs at niceness 19, that thread only: the child keeps its core."""
    how = _kept(tmp_path)
    output = _folder(tmp_path / "2")
    with CopiesAhead(output, output.parent / NOTICE, how, Packed(output)) as ahead:
        thread = ahead._thread.native_id
        for _ in range(200):  # until the thread has lowered itself (its first step)
            stat = Path(f"/proc/self/task/{thread}/stat").read_text().rpartition(")")[2]
            if int(stat.split()[16]) == 19:
                break
            time.sleep(0.01)
        assert int(stat.split()[16]) == 19  # field 19 of stat: nice
        own = Path(f"/proc/self/task/{threading.get_native_id()}/stat").read_text()
        # the build's own thread keeps its niceness
        assert int(own.rpartition(")")[2].split()[16]) == os.getpriority(os.PRIO_PROCESS, 0)
    ahead.close()


def test_nothing_is_compressed_ahead_beyond_the_memory_a_publish_may_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 10,000 items the child leaves no room: the copies are made after it."""
    monkeypatch.setattr(search_ahead, "BUDGET", 2**20)  # less than this process holds
    output = _folder(tmp_path / "1")
    how = Compression(True, tmp_path / "cache")
    ahead = _ahead(output, [ITEM], how)
    assert ahead.copies == [] and not (output / f"{ITEM}.gz").exists()
    written = compress_output(output, list_output(output), how, ahead)
    assert written.made == 6 and gzip.decompress((output / f"{ITEM}.gz").read_bytes()) == PAGE
