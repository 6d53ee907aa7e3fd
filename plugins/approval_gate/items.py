"""Which files under content/ are items, and how people name them on the command line.

An item is a Markdown or reStructuredText source outside the furniture folders
(``static/``, ``extra/``); its path under content/, in POSIX form, is its name in
sign-offs, manifests and messages. People type it as ``content/berita/x.md``,
``berita/x.md`` or an absolute path; ``item_name`` turns each into the name.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from .digest import SOURCE_SUFFIXES
from .errors import UnknownItem

#: Folders under content/ that hold site furniture, never items.
FURNITURE_FOLDERS = frozenset({"static", "extra"})


def discover_items(content: Path) -> list[str]:
    """Return every content source under ``content`` as a POSIX path, sorted."""
    items = []
    for path in content.rglob("*"):
        rel = path.relative_to(content)
        if (
            path.is_file()
            and path.suffix.lower() in SOURCE_SUFFIXES - {".html", ".htm"}
            and rel.parts[0] not in FURNITURE_FOLDERS
        ):
            items.append(rel.as_posix())
    return sorted(items)


def item_name(content: Path, given: str) -> str:
    """Return the item path (under content/) that ``given`` names; existence is not checked.

    An absolute path must lie in content/; a leading ``content/`` is dropped.
    """
    path = Path(given)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(content.resolve())
        except ValueError:
            raise UnknownItem(
                f"Berkas {given!r} tidak berada di folder {content}.",
                hint="Sebutkan item di bawah content/, mis. "
                "content/berita/2026-11-10-rapat-pleno-dpt.md.",
            ) from None
    elif path.parts and path.parts[0] == "content":
        path = Path(*path.parts[1:])
    return path.as_posix()


def existing_item(content: Path, given: str) -> str:
    """Return the item ``given`` names, or raise ``UnknownItem`` with the closest item."""
    rel = item_name(content, given)
    items = discover_items(content)
    if rel not in items:
        close = difflib.get_close_matches(rel, items, n=1, cutoff=0.5)
        guess = f" Mungkin maksudnya content/{close[0]}?" if close else ""
        raise UnknownItem(
            f"Item content/{rel} tidak ditemukan.{guess}",
            hint="Daftar semua item ada di 'invoke status'.",
        )
    return rel
