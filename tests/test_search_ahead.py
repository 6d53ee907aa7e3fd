"""The search index's new parts are made while Pelican still writes the listings.

The Pelican child tells the publishing process when the last approved item page is
written (publishing/item_notice.py); the publishing process then indexes those pages
into the search cache, one Pagefind run at a time and only within the memory a publish
may hold (publishing/search_ahead.py). What a reader can find must stay exactly what
``index_site`` makes from the gate's manifest: the notice is a hint, a part indexed
ahead is only a cache entry for the exact bytes of its pages, and a notice naming a page
the gate left out never puts it in the index.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import publishing.search
from publishing import build, search_ahead, search_parts, search_runs
from publishing.item_notice import NOTICE, ItemPages, read_notice
from publishing.search import audit_search, index_site
from publishing.search_ahead import IndexAhead
from publishing.tree import list_output
from searchkit import (
    ITEMS,
    LEAK,
    approved_pages,
    built_news,
    manifest,
    records,
    without_index,
    words,
)
from sitekit import Keys, Site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Site:
    """Three approved items and one that is not, built once."""
    return built_news(tmp_path_factory.mktemp("ahead"), keys)


@pytest.fixture(autouse=True)
def room(monkeypatch: pytest.MonkeyPatch) -> None:
    """Room for every run ahead, whatever this test process holds (one test takes it away)."""
    monkeypatch.setattr(search_ahead, "BUDGET", 2**40)
    monkeypatch.setattr(search_runs, "_available", lambda: 8 * search_runs.RUN_MEMORY)


@pytest.fixture
def runs(pagefind_runs: list[list[str]]) -> list[list[str]]:
    """The pages of every Pagefind run from now on, ahead or not (conftest.py)."""
    return pagefind_runs


def _copied(built: Site, tmp_path: Path) -> tuple[Path, Path]:
    """Return a copy of the built output without its index, and a new search cache."""
    return without_index(built, tmp_path / "keluaran"), tmp_path / "cache"


def _ahead(output: Path, pages: list[str], cache: Path) -> IndexAhead:
    """Index ahead the ``pages`` a notice names, to the end; return what was done."""
    notice = output.parent / NOTICE
    notice.write_text(json.dumps({"pages": pages}), encoding="utf-8")
    with IndexAhead(output, notice, cache) as ahead:
        assert ahead.done.wait(120)
    return ahead


def _indexed(built: Site, output: Path, cache: Path) -> None:
    """Make the index of ``output`` as the build does, from the manifest and the listing."""
    index_site(output, manifest(built), cache, list_output(output))


def test_the_notice_comes_once_the_last_item_page_is_written(tmp_path: Path) -> None:
    told: list[tuple[Path, dict[str, Any]]] = []
    notice = tmp_path / NOTICE
    pages = ItemPages(notice, lambda path, data: told.append((path, data)))
    out = str(tmp_path / "keluaran")
    articles = SimpleNamespace(
        output_path=out,
        articles=[SimpleNamespace(save_as="berita/b/index.html")],
        translations=[SimpleNamespace(save_as="berita/b-en/index.html")],
        hidden_articles=[],
    )
    other = SimpleNamespace(output_path=out, pages=[SimpleNamespace(save_as="tentang.html")])
    pages.expect([articles, other, SimpleNamespace()])
    pages.written(f"{out}/index.html")  # a listing: not an item page
    pages.written(f"{out}/berita/b/index.html")
    pages.written(f"{out}/tentang.html")
    assert told == []
    pages.written(f"{out}/berita/./b-en/index.html")
    expected = ["berita/b-en/index.html", "berita/b/index.html", "tentang.html"]
    assert told == [(notice, {"pages": expected})]
    pages.written(f"{out}/berita/b/index.html")  # written again: told once only
    assert len(told) == 1


def test_a_site_with_no_approved_item_is_told_at_once(tmp_path: Path) -> None:
    told: list[dict[str, Any]] = []
    pages = ItemPages(tmp_path / NOTICE, lambda path, data: told.append(data))
    pages.expect([SimpleNamespace(output_path=str(tmp_path), articles=[], pages=[])])
    assert told == [{"pages": []}]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"pages": "a.html"}',
        '{"pages": [1]}',
        '{"pages": ["../rahasia.html"]}',
        '{"pages": ["/etc/passwd"]}',
        '{"pages": ["berita/../../x.html"]}',
        '{"pages": ["berita//a.html"]}',
        '{"pages": ["a\\u0000.html"]}',
    ],
)
def test_a_notice_that_is_not_one_reads_as_none(tmp_path: Path, text: str) -> None:
    (tmp_path / NOTICE).write_text(text, encoding="utf-8")
    assert read_notice(tmp_path / NOTICE) is None
    assert read_notice(tmp_path / "tidak-ada.json") is None


def test_a_notice_reads_as_its_pages_sorted_once_each(tmp_path: Path) -> None:
    pages = ["b/index.html", "a.html", "b/index.html"]
    (tmp_path / NOTICE).write_text(json.dumps({"pages": pages}), encoding="utf-8")
    assert read_notice(tmp_path / NOTICE) == ["a.html", "b/index.html"]


@pytest.mark.slow
def test_a_build_indexes_the_approved_pages_its_child_names(
    built: Site, monkeypatch: pytest.MonkeyPatch, runs: list[list[str]], small_parts: None
) -> None:
    """A real build: the child's notice names exactly the manifest's pages, indexed ahead."""
    seen: list[IndexAhead] = []
    notices: list[list[str] | None] = []

    class Watched(IndexAhead):
        def finish(self) -> None:  # the child has ended
            notices.append(read_notice(self.notice))  # before the child's folder goes
            # all of it ahead, however short the child's tail on a loaded machine
            assert self.done.wait(120)
            super().finish()
            seen.append(self)

    monkeypatch.setattr(build, "IndexAhead", Watched)
    shutil.rmtree(built.root / "var" / "pagefind-cache", ignore_errors=True)
    built.build()
    pages = sorted(approved_pages(built))
    assert notices == [pages]
    parts = len(search_parts.split(pages))
    assert len(seen) == 1 and len(seen[0].made) == len(runs) == parts  # all ahead
    urls = [record["url"] for record in records(built.output)]
    assert urls == sorted(f"/berita/berita-{name}/" for name in ITEMS)
    assert LEAK.lower().encode() not in words(built.output)
    assert audit_search(built.output, approved_pages(built)) == []


@pytest.mark.slow
def test_parts_indexed_ahead_are_the_parts_the_build_takes(
    built: Site, tmp_path: Path, runs: list[list[str]], small_parts: None
) -> None:
    output, cache = _copied(built, tmp_path)
    pages = sorted(approved_pages(built))
    ahead = _ahead(output, pages, cache)
    parts = len(search_parts.split(pages))
    assert len(ahead.made) == len(runs) == parts
    _indexed(built, output, cache)
    assert len(runs) == parts  # nothing indexed again
    assert audit_search(output, approved_pages(built)) == []
    assert all(word.lower().encode() in words(output) for word in ITEMS.values())


@pytest.mark.slow
def test_a_page_changed_after_it_was_indexed_ahead_is_indexed_again(
    built: Site, tmp_path: Path, runs: list[list[str]], small_parts: None
) -> None:
    output, cache = _copied(built, tmp_path)
    pages = sorted(approved_pages(built))
    _ahead(output, pages, cache)
    page = next(p for p in pages if "bravo" in p)
    path = output / page
    text = path.read_text(encoding="utf-8").replace("Zelpim", "Plonkit")
    path.unlink()  # a new file, as Pelican writes one
    path.write_text(text, encoding="utf-8")
    runs.clear()
    _indexed(built, output, cache)
    assert runs == [next(part for part in search_parts.split(pages) if page in part)]
    found = words(output)
    assert b"plonkit" in found and b"zelpim" not in found


@pytest.mark.slow
def test_a_notice_naming_an_unapproved_page_never_puts_it_in_the_index(
    built: Site, tmp_path: Path, runs: list[list[str]], small_parts: None
) -> None:
    output, cache = _copied(built, tmp_path)
    secret = "berita/berita-rahasia/index.html"
    (output / secret).parent.mkdir(parents=True)
    (output / secret).write_text(f"<html><body><main>Isi {LEAK}.</main></body></html>")
    forged = sorted([*approved_pages(built), secret])
    ahead = _ahead(output, forged, cache)
    assert len(ahead.made) == len(search_parts.split(forged))  # indexed, into the cache only
    _indexed(built, output, cache)
    found = words(output)
    assert LEAK.lower().encode() not in found
    assert all(word.lower().encode() in found for word in ITEMS.values())
    assert audit_search(output, approved_pages(built)) == []


@pytest.mark.slow
def test_no_run_goes_ahead_beyond_the_memory_a_publish_may_hold(
    built: Site, tmp_path: Path, runs: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_ahead, "BUDGET", 2**20)  # less than this process holds
    output, cache = _copied(built, tmp_path)
    ahead = _ahead(output, sorted(approved_pages(built)), cache)
    assert ahead.made == [] and runs == []
    _indexed(built, output, cache)
    assert len(runs) == 1 and b"wumbat" in words(output)


@pytest.mark.slow
def test_a_failed_run_ahead_leaves_the_index_to_the_build(
    built: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> dict[str, bytes]:
        raise publishing.search.SearchIndexError("Pagefind rusak")

    output, cache = _copied(built, tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(publishing.search, "run_pagefind", broken)
        ahead = _ahead(output, sorted(approved_pages(built)), cache)
    assert ahead.made == []
    _indexed(built, output, cache)
    assert audit_search(output, approved_pages(built)) == []


def test_a_build_that_ends_before_the_notice_stops_waiting(tmp_path: Path) -> None:
    with IndexAhead(tmp_path, tmp_path / NOTICE, tmp_path / "cache") as ahead:
        pass  # the child ended without telling (it failed): nothing to wait for
    assert ahead.done.is_set() and ahead.made == []
    assert not (tmp_path / "cache").exists()


def test_a_run_goes_ahead_only_when_its_estimate_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = IndexAhead(tmp_path, tmp_path / NOTICE, tmp_path / "cache")
    held = search_ahead.held_now()
    assert held is not None
    run = search_runs.run_need(600)  # a part of 600 pages
    monkeypatch.setattr(search_ahead, "BUDGET", held + run + 40 * 2**20)
    assert ahead.fits(600)
    monkeypatch.setattr(search_ahead, "BUDGET", held + run - 40 * 2**20)
    assert not ahead.fits(600) and ahead.fits(100)
    monkeypatch.setattr(search_ahead, "BUDGET", 2**40)  # the machine short of memory
    monkeypatch.setattr(search_runs, "_available", lambda: search_runs.RUN_MEMORY - 1)
    assert not ahead.fits(1)


def test_the_memory_counted_holds_this_process_and_its_children() -> None:
    alone = search_ahead.held_now()
    assert alone is not None and alone > 10 * 2**20
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; x = bytearray(80 * 2**20); sys.stdin.read()"],
        stdin=subprocess.PIPE,
    )
    try:
        for _ in range(100):  # until the child has touched its 80 MB
            held = search_ahead.held_now()
            assert held is not None
            if held - alone > 75 * 2**20:
                break
            time.sleep(0.05)
        assert held - alone > 75 * 2**20
    finally:
        child.communicate(b"")
