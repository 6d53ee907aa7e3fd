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
import errno
import os
import posixpath
from pathlib import Path, PurePosixPath

from .digest import SOURCE_SUFFIXES
from .errors import UnknownItem

#: Folders under content/ that hold site furniture, never items.
FURNITURE_FOLDERS = frozenset({"static", "extra"})


#: What ``Path.is_file`` reads as "no file" rather than an error (pathlib's own list).
_NO_FILE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})
_ITEM_SUFFIXES = frozenset(SOURCE_SUFFIXES - {".html", ".htm"})


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Return ``Path.is_file()`` of an entry (follows a symlink) without another stat."""
    try:
        return entry.is_file()
    except OSError as error:
        if error.errno in _NO_FILE:
            return False
        raise


def discover_items(content: Path) -> list[str]:
    """Return every content source under ``content`` as a POSIX path, sorted.

    The same files as ``content.rglob("*")`` filtered by suffix, walked with
    ``os.scandir`` (pathlib's objects cost a tenth of a second at 5,000 items): folders
    that are symlinks are not entered and a folder that may not be read is passed over,
    as pathlib does.
    """
    root = str(content)
    if not os.path.isdir(root):
        return []
    items = []
    folders = [""]
    while folders:
        rel = folders.pop()
        try:
            with os.scandir(os.path.join(root, rel) if rel else root) as entries:
                listed = list(entries)
        except PermissionError:
            continue
        for entry in listed:
            name = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir(follow_symlinks=False):  # a symlinked folder is not entered
                if rel or entry.name not in FURNITURE_FOLDERS:
                    folders.append(name)
            elif os.path.splitext(entry.name)[1].lower() in _ITEM_SUFFIXES and _is_file(entry):
                items.append(name)
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
