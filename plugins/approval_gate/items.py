"""Which files under content/ are items, and how people name them on the command line.

An item is a Markdown or reStructuredText source outside the furniture folders
(``static/``, ``extra/``); its path under content/, in POSIX form, is its name in
sign-offs, manifests and messages. People type it as ``content/berita/x.md``,
``berita/x.md``, an absolute path, a path relative to the folder they are in
(``2026-11-10-x.md`` inside content/berita/), with Windows backslashes or not;
``item_name`` turns each into the name, so every command that names an item agrees.
"""

from __future__ import annotations

import difflib
import posixpath
from pathlib import Path, PurePosixPath

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


def _under(content: Path, path: Path) -> str | None:
    """Return ``path`` relative to content/ in POSIX form, or None if it lies outside."""
    try:
        return path.resolve().relative_to(content.resolve()).as_posix()
    except ValueError:
        return None


def _outside(given: str, content: Path) -> UnknownItem:
    return UnknownItem(
        f"Berkas {given!r} tidak berada di folder {content}.",
        hint="Sebutkan item di bawah content/, mis. content/berita/2026-11-10-rapat-pleno-dpt.md.",
    )


def item_name(content: Path, given: str, cwd: Path | None = None) -> str:
    """Return the item path (under content/) that ``given`` names; existence is not checked.

    An absolute path must lie in content/. A relative one is first read from the
    current folder ``cwd`` (so ``x.md`` works inside content/berita/ and
    ``content/berita/x.md`` at the top), then as a path under content/ with or without
    a leading ``content/``; backslashes count as folder separators.
    """
    typed = given.strip().replace("\\", "/")
    path = Path(typed)
    if path.is_absolute():
        name = _under(content, path)
        if name is None:
            raise _outside(given, content)
        return name
    folder = Path.cwd() if cwd is None else cwd
    here = _under(content, folder / path)
    if here is not None and (content / here).is_file():
        return here
    parts = PurePosixPath(posixpath.normpath(typed)).parts
    if parts[:1] in (("content",), (content.name,)):
        parts = parts[1:]
    name = PurePosixPath(*parts).as_posix() if parts else ""
    if here is not None and _under(content, folder) is not None and not (content / name).is_file():
        return here  # typed inside content/: the folder the person is in is meant
    if name == ".." or name.startswith("../"):
        raise _outside(given, content)
    return name


def existing_item(content: Path, given: str, cwd: Path | None = None) -> str:
    """Return the item ``given`` names, or raise ``UnknownItem`` with the closest item."""
    rel = item_name(content, given, cwd)
    items = discover_items(content)
    if rel not in items:
        close = difflib.get_close_matches(rel, items, n=1, cutoff=0.5)
        guess = f" Mungkin maksudnya content/{close[0]}?" if close else ""
        raise UnknownItem(
            f"Item content/{rel} tidak ditemukan.{guess}",
            hint="Daftar semua item ada di 'invoke status'.",
        )
    return rel
