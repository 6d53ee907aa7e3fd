"""The previous export made into this commit's export: only what differs is changed.

An export of 5,000 items is 25,000 links to the blob store in 5,000 new folders (one
per item under ``approvals/``), and on this machine's disk a ``mkdir`` costs several
times a link: the export was half of a one-change publish's "check" step (issue 12).
Consecutive commits share nearly all of their tree, so the last good publish keeps its
export (``var/segel-lalu``) and the next one renames it into place and refits it.

Nothing in the old folder is trusted by name: an entry is kept only when it is a
regular file whose inode (as the folder listing gives it, no ``stat``) is the blob
store's file for the object id the commit has at that path, or a real folder the commit
has; every other entry (another blob, a copy, a symlink, a FIFO, a folder in a file's
place, anything the commit does not have) is removed, and what is missing is linked or
made as a fresh export would. Folders are opened relative to their parent without
following symlinks. So the refitted folder holds exactly the files a fresh export would
link, the very same inodes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import Union

from .blobs import BlobStore

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

#: A folder of the commit: name -> object id (a file) or a folder.
Tree = dict[str, Union[str, "Tree"]]


def tree_of(paths: list[tuple[list[str], str]]) -> Tree:
    """Return the nested folders of ``(path parts, object id)`` pairs."""
    root: Tree = {}
    for parts, oid in paths:
        here = root
        for name in parts[:-1]:
            nested = here.setdefault(name, {})
            assert isinstance(nested, dict)  # check_path: a path is never also a folder
            here = nested
        here[parts[-1]] = oid
    return root


def refit(folder_fd: int, tree: Tree, store: BlobStore) -> None:
    """Make the open folder hold exactly ``tree``, linking from ``store``.

    An entry stays only when it is the store's very file (``store.inodes``, from the
    store's own listing, without blobs stored again since) or a real folder.
    """
    folders = []
    with os.scandir(folder_fd) as entries:
        present = list(entries)
    have = set()
    for entry in present:
        want = tree.get(entry.name)
        if isinstance(want, str):
            if entry.is_file(follow_symlinks=False) and entry.inode() == store.inodes.get(want):
                have.add(entry.name)
                continue
        elif isinstance(want, dict) and entry.is_dir(follow_symlinks=False):
            have.add(entry.name)
            continue
        _remove(folder_fd, entry)
    for name, want in tree.items():
        if isinstance(want, str):
            if name not in have:
                store.link(want, folder_fd, name)
        else:
            if name not in have:
                os.mkdir(name, 0o755, dir_fd=folder_fd)
            folders.append((name, want))
    for name, want in folders:
        fd = os.open(name, _DIRECTORY, dir_fd=folder_fd)
        try:
            refit(fd, want, store)
        finally:
            os.close(fd)


def _remove(folder_fd: int, entry: os.DirEntry[str]) -> None:
    """Remove one entry of the open folder: a folder with all it holds, never followed."""
    if entry.is_dir(follow_symlinks=False):
        fd = os.open(entry.name, _DIRECTORY, dir_fd=folder_fd)
        try:
            with os.scandir(fd) as inside:
                for sub in list(inside):
                    _remove(fd, sub)
        finally:
            os.close(fd)
        os.rmdir(entry.name, dir_fd=folder_fd)
    else:
        os.unlink(entry.name, dir_fd=folder_fd)


def take_over(previous: str, folder: str) -> bool:
    """Rename the previous export to ``folder`` if it is a real folder; else clear it away.

    False (export afresh) when there is none, when it is anything but a folder (removed),
    or when it cannot be renamed: a kept export only ever saves time.
    """
    if os.path.islink(previous) or os.path.isfile(previous):
        with contextlib.suppress(OSError):
            os.unlink(previous)
        return False
    if not os.path.isdir(previous):
        return False
    try:
        os.rename(previous, folder)
    except OSError:
        shutil.rmtree(previous, ignore_errors=True)
        return False
    return True
