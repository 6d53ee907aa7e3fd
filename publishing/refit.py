"""An old folder made into a new one: what is exactly right stays, only what differs changes.

On this machine's disk a ``mkdir`` costs several times a link, and removing a folder
tree costs as much as making it. Two trees of tens of thousands of files are made
again on every publish although consecutive publishes share nearly all of them: the
export of the commit (seal/export.py, 25,000 links in 5,000 folders at 5,000 items) and
the local target's release (targets/local.py, 43,000 links in 5,100 folders). Each is
made instead from a tree that is thrown away anyway (the last good publish's export; the
release beyond ``keep``), renamed into place and refitted here (issue 12).

Nothing in the old folder is trusted by name. The caller says which entry may stay
(``kept``: in both callers, a regular file whose inode, as the folder listing gives it,
is the very file the new tree would link) and how a missing file is made (``make``).
Every other entry (another file, a copy, a symlink, a FIFO, a folder in a file's place,
anything the new tree does not have) is removed. Folders are opened relative to their
parent without following symlinks; a folder on another device (a mount point, which
only root can make) stops the caller with an error.
So the refitted folder holds exactly what a fresh one would, the very same inodes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable
from typing import Union

from approval_gate.api import OPEN_FOLDER


#: A folder of the new tree: name -> what the caller makes a file from, or a folder.
Tree = dict[str, Union[str, "Tree"]]
#: Whether an existing entry is already the file wanted (the want, the entry).
Kept = Callable[[str, os.DirEntry[str]], bool]
#: Make the missing file ``name`` in the open folder (the want, the folder, the name;
#: what it returns is not used).
Make = Callable[[str, int, str], object]


def tree_of(paths: list[tuple[list[str], str]]) -> Tree:
    """Return the nested folders of ``(path parts, want)`` pairs."""
    root: Tree = {}
    for parts, want in paths:
        here = root
        for name in parts[:-1]:
            nested = here.setdefault(name, {})
            assert isinstance(nested, dict)  # a path is never also a folder
            here = nested
        here[parts[-1]] = want
    return root


def refit(folder_fd: int, tree: Tree, kept: Kept, make: Make) -> None:
    """Make the open folder hold exactly ``tree``: ``kept`` entries stay, ``make`` the rest."""
    _refit(folder_fd, os.fstat(folder_fd).st_dev, tree, kept, make)


def _refit(folder_fd: int, device: int, tree: Tree, kept: Kept, make: Make) -> None:
    with os.scandir(folder_fd) as entries:
        present = list(entries)
    have = set()
    for entry in present:
        want = tree.get(entry.name)
        if isinstance(want, str):
            if entry.is_file(follow_symlinks=False) and kept(want, entry):
                have.add(entry.name)
                continue
        elif isinstance(want, dict) and entry.is_dir(follow_symlinks=False):
            have.add(entry.name)
            continue
        remove(folder_fd, entry)
    folders = []
    for name, want in tree.items():
        if isinstance(want, str):
            if name not in have:
                make(want, folder_fd, name)
        else:
            if name not in have:
                os.mkdir(name, 0o755, dir_fd=folder_fd)
            folders.append((name, want))
    for name, want in folders:
        fd = os.open(name, OPEN_FOLDER, dir_fd=folder_fd)
        try:
            if os.fstat(fd).st_dev != device:  # a mount point: only root can make one
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), name)
            _refit(fd, device, want, kept, make)
        finally:
            os.close(fd)


def remove(folder_fd: int, entry: os.DirEntry[str]) -> None:
    """Remove one entry of the open folder: a folder with all it holds, never followed."""
    if entry.is_dir(follow_symlinks=False):
        fd = os.open(entry.name, OPEN_FOLDER, dir_fd=folder_fd)
        try:
            with os.scandir(fd) as inside:
                for sub in list(inside):
                    remove(fd, sub)
        finally:
            os.close(fd)
        os.rmdir(entry.name, dir_fd=folder_fd)
    else:
        os.unlink(entry.name, dir_fd=folder_fd)


def take_over(previous: str, folder: str) -> bool:
    """Rename the old folder to ``folder`` if it is a real folder; else clear it away.

    False (make afresh) when there is none, when it is anything but a folder (removed),
    or when it cannot be renamed: an old folder only ever saves time.
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


def refit_folder(folder: str, tree: Tree, kept: Kept, make: Make) -> None:
    """Refit the folder at the path ``folder`` (opened without following a symlink)."""
    fd = os.open(folder, OPEN_FOLDER)
    try:
        refit(fd, tree, kept, make)
    finally:
        os.close(fd)
