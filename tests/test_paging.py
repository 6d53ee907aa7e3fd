"""Listing pages that keep their items (plugins/site_theme/paging.py, issue 12).

A reader bookmarks an older page of a listing and finds the same items there tomorrow;
a new item changes the first page only (and, once in ``DEFAULT_PAGINATION`` items, the
page split off it). The chain from the first page still reaches every item once,
newest first.
"""

from __future__ import annotations

import html
import posixpath
import re
from typing import Any

import pytest
from pelican.paginator import PaginationRule

from site_theme.paging import StablePaginator
from sitekit import Site

#: Pelican's own address patterns (pelicanconf.py keeps them).
SETTINGS = {
    "DEFAULT_ORPHANS": 0,
    "PAGINATION_PATTERNS": [
        PaginationRule(1, "{name}{extension}", "{name}{extension}"),
        PaginationRule(2, "{name}{number}{extension}", "{name}{number}{extension}"),
    ],
}
TITLE = re.compile(r'class="kartu-judul"><a href="[^"]*">([^<]+)</a>')
OLDER = re.compile(r'<a rel="next" href="([^"]+)">Lebih lama')
NEWER = re.compile(r'<a rel="prev" href="([^"]+)">&larr; Lebih baru')


def _pages(count: int, per: int) -> list[tuple[str, list[int]]]:
    """Return the chain of a list of ``count`` items (``count`` newest ... 1 oldest)."""
    paginator = StablePaginator("index.html", "", list(range(count, 0, -1)), SETTINGS, per)
    chain = [paginator.page(n) for n in range(1, paginator.num_pages + 1)]
    return [(page.save_as, list(page.object_list)) for page in chain]


@pytest.mark.parametrize("per", [1, 2, 3, 10])
def test_older_pages_keep_their_items_while_items_are_added(per: int) -> None:
    kept: dict[str, list[int]] = {}
    for count in range(0, 5 * per + 2):
        chain = _pages(count, per)
        assert [item for _, items in chain for item in items] == list(range(count, 0, -1))
        first = chain[0][1]
        assert len(first) == count if count < 2 * per else per <= len(first) < 2 * per
        older = dict(chain[1:])
        assert all(len(items) == per for items in older.values())
        for name, items in kept.items():  # every older page ever made holds what it held
            assert older[name] == items, (count, name)
        kept = older
    assert len(kept) == (5 * per + 1) // per - 1  # every page but the first


def test_an_older_page_is_named_by_its_place_from_the_oldest() -> None:
    chain = _pages(25, 10)
    assert [(name, items[0], items[-1]) for name, items in chain] == [
        ("index.html", 25, 11),  # the first page takes the newest fifteen
        ("index2.html", 10, 1),  # the oldest ten, whatever comes after them
    ]
    assert [name for name, _ in _pages(30, 10)] == ["index.html", "index3.html", "index2.html"]


def _listing(site: Site, count: int) -> Any:
    """Write ``count`` approved news items, one a day, two to a listing page."""
    for day in range(1, count + 1):
        _news(site, day)
    return site.write_settings("dua.py", extra="DEFAULT_PAGINATION = 2\n")


def _news(site: Site, day: int) -> None:
    site.article(
        f"berita/b{day}.md",
        f"Berita Hari {day}",
        f"Isi berita hari {day}.",
        category="Berita",
        date=f"2026-11-{day:02d} 08:00",
    )
    site.approve_all(f"berita/b{day}.md")


def _chain(site: Site, first: str) -> list[tuple[str, list[str], str]]:
    """Follow "Lebih lama" from ``first``: each page's name, titles and date range."""
    chain, name = [], first
    while True:
        text = (site.output / name).read_text(encoding="utf-8")
        shown = re.search(r'<nav class="halaman"[^>]*>.*?<span>([^<]+)</span>', text, re.S)
        chain.append(
            (name, [html.unescape(t) for t in TITLE.findall(text)], shown[1] if shown else "")
        )
        older = OLDER.search(text)
        if older is None:
            return chain
        name = posixpath.normpath(posixpath.join(posixpath.dirname(name), older[1]))
        name += "/index.html" if older[1].endswith("/") else ""
        newer = NEWER.search((site.output / name).read_text(encoding="utf-8"))
        assert newer is not None  # and back again


@pytest.mark.slow
def test_a_reader_reaches_every_item_once_newest_first_and_old_pages_stay(site: Site) -> None:
    settings = _listing(site, 7)
    site.build(settings)
    before = _chain(site, "kategori/berita/index.html")
    assert [(name, len(titles)) for name, titles, _ in before] == [
        ("kategori/berita/index.html", 3),
        ("kategori/berita/index3.html", 2),
        ("kategori/berita/index2.html", 2),
    ]
    titles = [t for _, shown, _ in before for t in shown]
    assert titles == [f"Berita Hari {day}" for day in range(7, 0, -1)]
    assert before[2][2] == "1 November 2026 – 2 November 2026"  # the oldest page's dates
    first = (site.output / "kategori/berita/index.html").read_text(encoding="utf-8")
    assert "7 tulisan, terbaru lebih dulu." in first
    old = (site.output / "kategori/berita/index2.html").read_bytes()
    assert "Tulisan 1 November 2026 – 2 November 2026, terbaru lebih dulu.".encode() in old

    _news(site, 8)  # the next day's item: the older pages are left as they were
    site.build(settings)
    after = _chain(site, "kategori/berita/index.html")
    assert [(name, len(shown)) for name, shown, _ in after] == [
        ("kategori/berita/index.html", 2),  # a full page was split off the first
        ("kategori/berita/index4.html", 2),
        ("kategori/berita/index3.html", 2),
        ("kategori/berita/index2.html", 2),
    ]
    assert [t for _, shown, _ in after for t in shown] == [
        f"Berita Hari {day}" for day in range(8, 0, -1)
    ]
    assert (site.output / "kategori/berita/index2.html").read_bytes() == old
    assert after[2][1] == before[1][1]  # index3.html: the same two items
