"""The Regulasi browsing pages: one per year and one per jenis, and the links to them.

Made from the regulations of this build's lists (regulations.py hands over one ``Entry``
per listed item, after the gate), so a page lists approved items only and exists only for
a year or jenis that has one. Written through the build's writer with the theme's
``regulasi_telusur.html``; every value is plain data, so the page cache keys it whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: The shared-context name of the browsing links (``regulasi_telusur``, category.html).
CONTEXT = "regulasi_telusur"
TEMPLATE = "regulasi_telusur"


@dataclass(frozen=True)
class Link:
    """A reference as written, and the address of the regulation it names on the site."""

    text: str
    url: str | None = None  # site-relative (``regulasi/x/``); None: not on this site


@dataclass(frozen=True)
class Entry:
    """One regulation in a browsing list."""

    title: str
    url: str
    nomor: str | None
    tahun: str | None
    jenis: str | None
    status: str | None


@dataclass(frozen=True)
class BrowsePage:
    """One browsing page: its address, heading and the regulations it lists."""

    save_as: str
    url: str
    heading: str
    description: str
    items: tuple[Entry, ...]


@dataclass(frozen=True)
class Index:
    """The browsing links the Regulasi kind page and the browsing pages show."""

    category_url: str
    years: tuple[Link, ...]
    jenis: tuple[Link, ...]


@dataclass(frozen=True)
class Browse:
    """What a build shows for browsing: the links and the pages to write."""

    index: Index
    pages: tuple[BrowsePage, ...]


def slug(text: str) -> str:
    """Return an address part for a jenis: lower case ASCII words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def browse(entries: list[Entry], base: str, kind: str) -> Browse:
    """Return the pages by year (newest first) and by jenis (alphabetical)."""
    years: dict[str, list[Entry]] = {}
    kinds: dict[str, tuple[str, list[Entry]]] = {}
    for entry in entries:
        if entry.tahun:
            years.setdefault(entry.tahun, []).append(entry)
        if entry.jenis and slug(entry.jenis):
            kinds.setdefault(slug(entry.jenis), (entry.jenis, []))[1].append(entry)
    pages = [
        _page(f"{base}/tahun/{year}/", f"{kind} tahun {year}", found)
        for year, found in sorted(years.items(), reverse=True)
    ]
    pages += [
        _page(f"{base}/jenis/{key}/", f"{kind}: {name}", found)
        for key, (name, found) in sorted(kinds.items())
    ]
    index = Index(
        f"{base}/",
        tuple(Link(year, f"{base}/tahun/{year}/") for year in sorted(years, reverse=True)),
        tuple(Link(name, f"{base}/jenis/{key}/") for key, (name, _) in sorted(kinds.items())),
    )
    return Browse(index, tuple(pages))


def _page(url: str, heading: str, entries: list[Entry]) -> BrowsePage:
    ordered = sorted(entries, key=lambda e: (e.tahun or "", _number(e.nomor)), reverse=True)
    return BrowsePage(
        f"{url}index.html",
        url,
        heading,
        f"Daftar {heading}, terbaru lebih dulu.",
        tuple(ordered),
    )


def _number(nomor: str | None) -> int:
    digits = re.match(r"\d+", nomor or "")
    return int(digits.group()) if digits else -1


def write_pages(browse: Browse, generator: Any, writer: Any) -> None:
    """Write the browsing pages with the theme's template through the build's writer."""
    template = generator.get_template(TEMPLATE)
    for page in browse.pages:
        writer.write_file(
            page.save_as,
            template,
            generator.context,
            relative_urls=generator.settings.get("RELATIVE_URLS", False),
            template_name=TEMPLATE,
            url=page.url,
            halaman_regulasi=page,
        )
