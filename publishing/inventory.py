"""The inventory of a sealed publish: every output file is accounted for, one by one.

A local build's audit trusts the site's furniture folders as a whole; a sealed publish
trusts no folder. Each file must be an approved item's page, a page of one of the exact
shapes Pelican generates from the lists (pelicanconf.py's ``*_SAVE_AS``), a file
Pagefind writes, a copy whose bytes equal what an approval covers or what a signed
commit holds as furniture, or the theme's own static files and logo, byte for byte.
Anything else came from somewhere nobody signed, so the publish stops.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from .image_audit import DerivedImages
from .search import FOLDER as SEARCH_FOLDER
from .search import KNOWN as SEARCH_FILES


class Sealed(Protocol):
    """What the inventory needs of the sealed input (``publishing.seal.SealedInput``)."""

    @property
    def covered(self) -> Mapping[str, str]:
        """Content-relative path -> sha256 of every file an approved item's digest covers."""

    @property
    def furniture(self) -> Mapping[str, str]:
        """Export-relative path -> sha256 of content/static, content/extra, theme/static."""

    @property
    def folder(self) -> Path:
        """The sealed export (its approvals/ holds the roster the gate verified)."""


#: The content folder and the theme's static folder inside the export (pelicanconf.py:
#: PATH, THEME, Pelican's THEME_STATIC_PATHS) and where the theme's files are copied to
#: (Pelican's THEME_STATIC_DIR).
CONTENT = "content/"
THEME_SOURCE = "theme/static/"
THEME_OUTPUT = "theme/"
#: The copy plugins/site_theme makes of SITE_LOGO.
LOGO = re.compile(r"^theme/logo(\.[a-z]+)$")

#: Pelican's pagination of a listing: index.html, index2.html, index3.html, ...
_PAGED = r"index(?:[2-9]|[1-9][0-9]+)?\.html"
#: Pelican's slugify keeps word characters and hyphens only: no dots, no slashes.
_SLUG = r"[\w-]+"
#: The pages Pelican generates from the lists, in the shapes of pelicanconf.py's settings.
GENERATED = re.compile(
    rf"^(?:{_PAGED}"
    rf"|(?:kategori|topik|penulis)/{_SLUG}/{_PAGED}"
    # the Regulasi browsing pages (plugins/site_theme/regulations.py): by year, by jenis
    rf"|kategori/{_SLUG}/(?:tahun/[0-9]{{4}}|jenis/[a-z0-9-]+)/index\.html"
    rf"|arsip/[0-9]{{4}}/(?:[0-9]{{2}}/)?{_PAGED}"
    r"|feeds/[\w.-]+\.xml|persetujuan/catatan/[0-9a-f]{20}\.json)$"
)
#: Single generated files: direct templates, the sitemap and the theme's provenance record.
GENERATED_FILES = frozenset(
    {
        # the indexes: ARCHIVES_SAVE_AS, TAGS_SAVE_AS, CATEGORIES_SAVE_AS, AUTHORS_SAVE_AS,
        # UMPAN_SAVE_AS (the feeds page); Pelican's root archives.html & co. are not written
        "arsip/index.html",
        "topik/index.html",
        "kategori/index.html",
        "penulis/index.html",
        "umpan/index.html",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "cari/index.html",
        "persetujuan/index.html",
        "persetujuan/allowed_signers",
        # the browser check and what it reads; provenance.py checks the roster files' bytes
        "persetujuan/periksa/index.html",
        "persetujuan/roster.yml",
        "persetujuan/roster.yml.sig",
        "persetujuan/jangkar.pub",
        "daftar-informasi-publik/index.html",  # DIP_SAVE_AS: the Daftar Informasi Publik
    }
)
UNACCOUNTED = "berkas ini tidak berasal dari item yang disetujui maupun perabot bertanda tangan"


def _hex(value: object) -> str:
    """Return a sha256 as bare hex, whether or not it carries a ``sha256:`` prefix."""
    return str(value).removeprefix("sha256:")


class Inventory:
    """The files a sealed publish may contain, from the manifest and the sealed input."""

    def __init__(self, manifest: dict[str, Any], sealed: Sealed) -> None:
        self.pages = {entry["save_as"] for entry in manifest["included"]}
        self.copies: dict[str, list[str]] = {}
        for entry in manifest.get("static", []):
            self.copies.setdefault(entry["save_as"], []).append(entry["source"])
        self.covered = {path: _hex(value) for path, value in sealed.covered.items()}
        self.furniture = {path: _hex(value) for path, value in sealed.furniture.items()}
        self.images = DerivedImages(manifest, self.covered)  # variants: exactly as recorded

    def page(self, rel: str) -> bool:
        """Return whether ``rel`` is an approved item's page or a generated one."""
        return rel in self.pages or rel in GENERATED_FILES or bool(GENERATED.match(rel))

    def account(self, rel: str, digest: str) -> str | None:
        """Return why ``rel`` may not be published, or None when it is accounted for.

        ``digest`` is the file's SHA-256 from the publish's listing (hashed once).
        """
        if self.page(rel):
            return None
        if rel.startswith(f"{SEARCH_FOLDER}/") and SEARCH_FILES.match(
            rel[len(SEARCH_FOLDER) + 1 :]
        ):
            return None  # each record is checked by audit_search (publishing/search.py)
        if self.images.claims(rel):  # before copies: a stripped copy replaces the upload
            return self.images.account(rel, digest)
        if rel in self.copies:
            return self._copied(self.copies[rel], digest)
        if rel.startswith(THEME_OUTPUT):
            return self._theme(rel, digest)
        return UNACCOUNTED

    def _copied(self, sources: list[str], digest: str) -> str | None:
        """Check a copied file: its bytes must be the approved or signed bytes of its source."""
        problems = []
        for source in sources:
            approved, signed = self.covered.get(source), self.furniture.get(CONTENT + source)
            if digest in (approved, signed):
                return None
            if approved is not None:
                problems.append(f"isi berkas ini tidak sama dengan {source!r} yang disetujui")
            elif signed is not None:
                problems.append(
                    f"isi berkas ini tidak sama dengan perabot bertanda tangan {CONTENT + source!r}"
                )
        return "; ".join(problems) or UNACCOUNTED

    def _theme(self, rel: str, digest: str) -> str | None:
        """Check a theme file: a copy of theme/static/ or a logo equal to signed furniture."""
        source = THEME_SOURCE + rel[len(THEME_OUTPUT) :]
        if self.furniture.get(source) == digest:
            return None
        logo = LOGO.match(rel)
        if logo and any(
            value == digest and posixpath.splitext(path)[1].lower() == logo.group(1)
            for path, value in self.furniture.items()
        ):
            return None
        if source in self.furniture:
            return f"isi berkas ini tidak sama dengan perabot bertanda tangan {source!r}"
        return UNACCOUNTED
