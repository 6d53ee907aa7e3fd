"""Pages for what the theme could not render, and the index's list of problems.

Pure rendering, like ``panel``: an item whose page the theme fails on (a template
error, an attachment the theme cannot read) still gets a page at its address, without
the theme: the banner and approval panel on top (added by ``inject.mark``), why the
theme failed, then the item's title and body as Pelican made them. A file Pelican could
not read at all gets a page at its previous address saying so, and the preview's index
lists both kinds, plus every item that needs fixing, so nothing broken is silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from approval_gate.api import Finding

from .inject import BOX_END, BOX_START

#: At most this many items are listed per kind of problem on the index.
LISTED = 50


@dataclass(frozen=True)
class NeedsFix:
    """An item that rendered but has problems (the gate's findings on it)."""

    item: str
    url: str  # its page, relative to the site
    findings: tuple[Finding, ...]


def _document(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body>{body}</body></html>"
    ).encode()


def notice(message: str, reason: str) -> str:
    """Return the box that says what could not be made, and why."""
    return (
        f'<section class="kpu-pratinjau-masalah" role="alert"><h2>{escape(message)}</h2>'
        f"<p>{escape(reason)}</p></section>"
    )


def plain_page(title: str) -> bytes:
    """Return an empty page (an index where the theme made none, to hold the box)."""
    return _document(title, "")


def item_page(title: str, body: str | None, reason: str) -> bytes:
    """Return an item's page without the theme (``body`` None: not even the body)."""
    shown = (
        f"<main><h1>{escape(title)}</h1>{body}</main>"
        if body is not None
        else f"<main><h1>{escape(title)}</h1><p>Isi naskah juga tidak dapat dibuat.</p></main>"
    )
    return _document(
        f"{title} (pratinjau tanpa tema)",
        notice("Halaman ini tidak dapat dibuat dengan tema situs; ditampilkan tanpa tema.", reason)
        + shown,
    )


def listing_page(page: str, reason: str) -> bytes:
    """Return a stand-in for a listing page (index, category, tag) the theme failed on."""
    return _document(
        f"{page} (pratinjau)",
        notice(f"Halaman {page} tidak dapat dibuat dengan tema situs.", reason),
    )


def unreadable_page(finding: Finding) -> bytes:
    """Return the page left at the old address of an item Pelican can no longer read."""
    return _document(
        f"{finding.path} (tidak dapat ditampilkan)",
        notice("Naskah ini tidak dapat ditampilkan di pratinjau.", finding.render()),
    )


def _entries(findings: list[Finding]) -> str:
    shown = "".join(f"<li>{escape(f.render())}</li>" for f in findings[:LISTED])
    more = len(findings) - LISTED
    return f"<ul>{shown}</ul>" + (f"<p>... dan {more} lagi.</p>" if more > 0 else "")


def index_box(broken: list[Finding], needs_fix: list[NeedsFix]) -> str:
    """Return the index's box of problems ("" when there are none), between its markers."""
    if not broken and not needs_fix:
        return ""
    parts = [f'{BOX_START}<section class="kpu-pratinjau-masalah" role="alert">']
    if broken:
        parts.append(
            f"<h2>Tidak dapat ditampilkan dengan benar ({len(broken)})</h2>{_entries(broken)}"
        )
    if needs_fix:
        rows = "".join(
            f'<li><a href="{escape(n.url)}"><code>{escape(n.item)}</code></a>: '
            f"{escape(n.findings[0].message)}"
            + (f" (dan {len(n.findings) - 1} masalah lain)" if len(n.findings) > 1 else "")
            + "</li>"
            for n in needs_fix[:LISTED]
        )
        parts.append(f"<h2>Perlu diperbaiki ({len(needs_fix)})</h2><ul>{rows}</ul>")
    parts.append(f"</section>{BOX_END}")
    return "".join(parts)
