"""Regulasi as a legal-documents reader needs it: the metadata block and browsing pages.

A regulation's item carries, besides its required ``Nomor`` and ``Tahun`` (the SOP's
kind, approval_gate/sop.py), ``Jenis``, ``Ditetapkan`` (tanggal penetapan),
``Keberlakuan`` (Berlaku, Dicabut or Diubah), ``dicabut_oleh`` / ``diubah_oleh`` (other
regulations, by slug, title or "Nomor N Tahun YYYY", separated by ";") and
``sumber_resmi`` (the official text's address). Each value is checked once per build; a
value that cannot be read is left out of the page with a warning naming the file and
line, never a crash. References are linked when the regulation they name is on the site
(approved in this build): the lists here are the gate's, after it removed the rest.

The block's data goes into the item's metadata too: the page cache keys pages on it, so a
linked regulation that is renamed or withdrawn re-renders the pages linking to it.
Browsing pages (by year, by jenis) live under the Regulasi kind's own address
(``kategori/regulasi/tahun/2024/``, ``kategori/regulasi/jenis/peraturan-kpu/``) and list
only the items of this build's lists. No module here imports Pelican (theme.py is the glue).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from .notices import Warn
from .regulation_pages import CONTEXT, Browse, Entry, Link, browse, slug, write_pages

__all__ = ["ATTRIBUTE", "CONTEXT", "Browse", "Regulation", "prepare", "write_pages"]

#: The item attribute (and metadata key) templates read: ``article.data_regulasi``.
ATTRIBUTE = "data_regulasi"
STATUSES = ("Berlaku", "Dicabut", "Diubah")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_SOURCE = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_NUMBERED = re.compile(r"\bnomor\s+([\w./-]+)\s+tahun\s+(\d{4})\b", re.IGNORECASE)
_FIX = "Perbaiki baris itu, lalu minta persetujuan ulang."


@dataclass(frozen=True)
class Regulation:
    """The metadata block of one regulation's page (None: not given or not readable)."""

    jenis: Link | None
    nomor: str | None
    tahun: Link | None
    ditetapkan: date | None
    status: str | None
    dicabut_oleh: tuple[Link, ...]
    diubah_oleh: tuple[Link, ...]
    sumber: str | None
    sumber_host: str | None


def _text(item: Any, key: str) -> str | None:
    value = getattr(item, key, None)
    text = str(value).strip() if value is not None else ""
    return text or None


@dataclass(frozen=True)
class _Fields:
    """The checked values of one item (what could not be read is None)."""

    jenis: str | None
    nomor: str | None
    tahun: str | None
    ditetapkan: date | None
    status: str | None
    sumber: str | None


def _date(item: Any, warn: Warn) -> date | None:
    written = _text(item, "ditetapkan")
    if written is None:
        return None
    try:
        if _ISO_DATE.match(written):
            return date.fromisoformat(written)
    except ValueError:
        pass
    warn(
        item,
        "ditetapkan",
        f"Tanggal penetapan {written!r} tidak dapat dibaca; regulasi ini tetap terbit "
        "tanpa tanggal penetapan.",
        f"Tulis sebagai TTTT-BB-HH (mis. 2024-01-26). {_FIX}",
    )
    return None


def _fields(item: Any, warn: Warn) -> _Fields:
    """Read and check one item's values; warn about each one that cannot be used."""
    status = _text(item, "keberlakuan")
    if status is not None and status.capitalize() not in STATUSES:
        warn(
            item,
            "keberlakuan",
            f"Status {status!r} tidak dikenal; regulasi ini tetap terbit tanpa status.",
            f"Pilih salah satu: {', '.join(STATUSES)}. {_FIX}",
        )
        status = None
    year = _text(item, "tahun")
    if year is not None and not _YEAR.match(year):
        warn(
            item,
            "tahun",
            f"Tahun {year!r} tidak dapat dibaca; regulasi ini tidak masuk penelusuran per tahun.",
            f"Tulis tahun dengan angka, seperti 2024. {_FIX}",
        )
        year = None
    source = _text(item, "sumber_resmi")
    if source is not None and not _SOURCE.match(source):
        warn(
            item,
            "sumber_resmi",
            f"Sumber resmi {source!r} bukan alamat web; regulasi ini tetap terbit tanpa "
            "tautan sumber resmi.",
            f"Tulis alamat lengkapnya, mis. https://jdih.kpu.go.id/... {_FIX}",
        )
        source = None
    return _Fields(
        _text(item, "jenis"),
        _text(item, "nomor"),
        year,
        _date(item, warn),
        status.capitalize() if status else None,
        source,
    )


class _Finder:
    """Finds the regulation a reference names: by slug, by title, or by number and year."""

    def __init__(self, items: list[Any], fields: dict[int, _Fields]) -> None:
        self.slugs = {str(getattr(i, "slug", "")).lower(): i for i in items}
        self.titles = {Markup(i.title).striptags().lower(): i for i in items}
        self.numbered: dict[tuple[str, str], list[Any]] = {}
        for item in items:
            found = fields[id(item)]
            if found.nomor and found.tahun:
                self.numbered.setdefault((found.nomor.lower(), found.tahun), []).append(item)

    def find(self, text: str) -> Any:
        wanted = text.strip().lower()
        if wanted in self.slugs:
            return self.slugs[wanted]
        if wanted in self.titles:
            return self.titles[wanted]
        match = _NUMBERED.search(text)
        same = self.numbered.get((match[1].lower(), match[2]), []) if match else []
        return same[0] if len(same) == 1 else None

    def links(self, item: Any, key: str) -> tuple[Link, ...]:
        written = _text(item, key)
        links = []
        for part in (written or "").split(";"):
            if not part.strip():
                continue
            target = self.find(part)
            if target is None or target is item:
                links.append(Link(part.strip()))
            else:
                text = (
                    Markup(target.title).striptags()
                    if part.strip().lower() in self.slugs
                    else part.strip()
                )
                links.append(Link(str(text), target.url))
        return tuple(links)


def _base(item: Any) -> str:
    """Return the kind page's folder (``kategori/regulasi``) from its category's save_as."""
    return posixpath.dirname(str(item.category.save_as)) or "regulasi"


def _host(url: str | None) -> str | None:
    return url.split("://", 1)[1].split("/", 1)[0] if url else None


def prepare(
    articles: Iterable[Any], translations: Iterable[Any], kind: str, warn: Warn
) -> Browse | None:
    """Annotate every regulation of ``kind`` with its block; return the browsing pages.

    ``articles`` are the build's listed items in the default language (only they are
    linked and browsed); ``translations`` get their block too.
    """

    def of_kind(items: Iterable[Any]) -> list[Any]:
        return [i for i in items if getattr(getattr(i, "category", None), "name", None) == kind]

    listed, others = of_kind(articles), of_kind(translations)
    if not listed and not others:
        return None
    fields = {id(item): _fields(item, warn) for item in (*listed, *others)}
    finder = _Finder(listed, fields)
    base = _base((listed or others)[0])
    for item in (*listed, *others):
        found = fields[id(item)]
        block = Regulation(
            Link(found.jenis, f"{base}/jenis/{slug(found.jenis)}/")
            if found.jenis and slug(found.jenis)
            else None,
            found.nomor,
            Link(found.tahun, f"{base}/tahun/{found.tahun}/") if found.tahun else None,
            found.ditetapkan,
            found.status,
            finder.links(item, "dicabut_oleh"),
            finder.links(item, "diubah_oleh"),
            found.sumber,
            _host(found.sumber),
        )
        setattr(item, ATTRIBUTE, block)
        item.metadata[ATTRIBUTE] = block
    if not listed:
        return None
    return browse([_entry(item, fields[id(item)]) for item in listed], base, kind)


def _entry(item: Any, found: _Fields) -> Entry:
    """Return a listed regulation as the browsing pages show it."""
    return Entry(
        str(item.title), str(item.url), found.nomor, found.tahun, found.jenis, found.status
    )
