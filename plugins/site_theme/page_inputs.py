"""What ``item_view`` and ``berbagi`` read, so the page cache can key them without calling them.

The page cache (render_cache/inputs.py) keys every page by all that shaped it, on every
build, hit or not. For ``item_view(article)`` and ``berbagi(article)`` it called the
helper and keyed its result (the enhanced body, the share data): about 40 % of a key
(issue 12). Both results are functions of inputs the theme can name, so each helper
declares them (``page_inputs``, set in theme.py) and the key holds those instead.

A declaration returns, as plain data, everything the result depends on **besides** what
every key of the page already holds: the item's own fingerprint (its fields, metadata,
HTML and summary as this page resolves them, the gate's entry: the page cache keys the
item beside the declaration, render_cache/fingerprints.py), the code of this package
and the libraries, and the settings. What is left:

* the page (``output_file``; the body's links are resolved against its folder) and
  ``SITEURL``, the item's kind and what the theme's settings make of it (gallery,
  documents beside the text);
* the roster's role and person names (the sign-offs shown);
* every local file the body's ``src``/``href`` attributes name, as the helpers read it:
  its suffix, size and pixel size (``enhance.py``, ``sharing.py``), and its image
  variants (``imaging.py``). The attributes are found by one scan that finds a superset
  of the URLs the helpers resolve (every ``src="…"``/``href="…"`` anywhere in the body);
  the ``href`` of a gallery's ``<picture>`` link is made from the variants (keyed) and
  names a raster file, which the download list skips;
* for ``berbagi`` also the site's facts (``structured.Site``: base URL, names, logo,
  the default share image and its size), once per build.

When a declaration cannot tell (another provider than the page's, a linked file that
cannot be read, a value of an unknown type), it returns None and the page cache calls
the helper and keys its result as before: a key can only hold more, never less.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .enhance import RASTER, Resolver, image_size

#: What opens an attribute value the helpers may resolve (enhance.py, pictures.py and
#: sharing.py read ``src`` of ``<img>`` and ``href`` of ``<a>``, up to the next quote).
_OPENERS = ('src="', 'href="')


def linked(body: str) -> list[str]:
    """Return the text after every ``src="``/``href="`` up to the next quote, as written.

    Every occurrence anywhere in the body, so a superset of the values the helpers'
    patterns find (a value holds no quote, so each of theirs starts at one of these);
    ``str.find`` is several times faster than one pattern with both names.
    """
    found = []
    for opener in _OPENERS:
        start = body.find(opener)
        while start >= 0:
            begin = start + len(opener)
            end = body.find('"', begin)
            if end < 0:
                break  # no closing quote: no attribute value (their patterns need one)
            found.append(body[begin:end])
            start = body.find(opener, start + 1)
    return found


def _digest(value: Any) -> str:
    """Return the sha256 of plain data's ``repr`` (strings, numbers, tuples, lists, dicts)."""
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def _plain(value: Any) -> Any:
    """Return a dataclass (a Picture, a Site) as nested tuples, or None if it is not one."""
    if value is None:
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.astuple(value)
    return None


class ItemInputs:
    """The declared inputs of the theme's per-item helpers, for one build's helpers."""

    def __init__(self, build: Any, theme: Any, siteurl: str, site: Any) -> None:
        self.build = build
        self.theme = theme  # the ThemeSettings the helpers were made with
        self.siteurl = siteurl
        self.site = site
        self._site: str | None = None  # the site's facts (a frozen Site, once per build)
        self._roster: tuple[Any, str] | None = None  # (roster, the digest of its names)
        self._links: tuple[Any, list[str]] = (None, [])  # the last body and its URLs

    def view(self, context: Mapping[str, Any], content: Any) -> list[Any] | None:
        """Return what ``item_view(content)`` depends on besides the item's fingerprint."""
        build = self.build
        approvals = context.get("approvals")  # the page's provider, which the key holds
        if approvals is None or approvals is not build.approvals:
            return None  # the helper then runs (and says what is wrong), its result keyed
        page = context.get("output_file") or content.save_as
        kind = getattr(getattr(content, "category", None), "name", None)
        theme = self.theme
        resolver = Resolver(page, self.siteurl, build.files.get)
        files = self.files(content.content, resolver)
        if files is None:
            return None
        return [
            page,
            self.siteurl,
            kind,
            kind in theme.gallery_kinds,
            kind in theme.document_kinds,
            self.roster(approvals.roster),
            files,
        ]

    def sharing(self, context: Mapping[str, Any], content: Any) -> list[Any] | None:
        """Return what ``berbagi(content)`` depends on besides the item's fingerprint."""
        view = self.view(context, content)
        if view is None:
            return None
        if self._site is None:
            facts = _plain(self.site)
            if facts is None:
                return None
            self._site = _digest(facts)
        return [view, self._site]

    def roster(self, roster: Any) -> str:
        """Return the digest of the names the sign-offs show (role and person id -> name).

        Once per roster: the gate's verified roster is frozen and the same object for
        the whole build (kept here, so its identity cannot be reused).
        """
        known = self._roster
        if known is None or known[0] is not roster:
            names = [
                [[role.id, role.name] for role in roster.roles],
                [[key, person.name] for key, person in roster.people.items()],
            ]
            known = self._roster = (roster, _digest(names))
        return str(known[1])

    def files(self, body: str, resolver: Resolver) -> list[Any] | None:
        """Return each local file the body links, as the helpers read it (None: unknown)."""
        found = []
        seen = set()
        pictures = getattr(self.build, "pictures", None) or {}
        if self._links[0] is not body:  # berbagi follows item_view with the same body
            self._links = (body, linked(body))  # a function of the text alone
        for raw in self._links[1]:
            out = resolver.output_path(html.unescape(raw))
            if out is None or out in seen:
                continue
            seen.add(out)
            source = resolver.files(out)
            picture = pictures.get(out)
            if source is None and picture is None:
                continue  # nothing there: the body alone (keyed) says what is shown
            fact = _file(out, source)
            shown = _plain(picture)
            if fact is None or (picture is not None and shown is None):
                return None
            found.append([out, fact, shown])
        return found


def _file(out: str, source: Path | None) -> list[Any] | None:
    """Return a linked file's suffix, size and pixel size, or None when it cannot be read."""
    if source is None:
        return ["-"]
    try:
        size = source.stat().st_size
    except OSError:
        return None  # the helper fails the same way when the page is rendered
    raster = source.suffix.lower() in RASTER or out.lower().endswith(RASTER)
    return [source.suffix, size, image_size(source) if raster else None]
