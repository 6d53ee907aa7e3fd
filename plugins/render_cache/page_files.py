"""Cached pages as read-only files named by their SHA-256, hard-linked into each build.

A build writes every page into a fresh folder, and creating a file costs far more than
linking one (issue 12: ``open`` of 49k new files was 3 s of a one-change publish at
5,000 items, against about a tenth of that for links; docs/rendering.md). So a rendered
page's bytes are kept once in ``<RENDER_CACHE_PATH>/halaman-berkas/<sha256>`` (mode
0444) and the page cache's sealed entry (pages.py) holds only that name; a hit links
the file into the output.

A stored file is trusted for nothing: after linking, the page is read back from the
output and its bytes must hash to the name the sealed entry gave, so an edited,
replaced or truncated file (or a symlink put in its place) is unlinked from the output
and the store, and the page is rendered again. A page is never written through a file
already in the output (it could be another build's link to a stored file): an old file
is unlinked first, and a new page is made as a new file.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from approval_gate.api import OPEN_FOLDER, read_stored, reading_ahead, write_new

#: The stored pages' folder in the cache folder (beside the entries' namespaces).
FOLDER = "halaman-berkas"
MODE = 0o444
_HEX = re.compile(rb"[0-9a-f]{64}")
_temporary = itertools.count()


def name_in(entry: bytes | None) -> str | None:
    """Return the stored file's name a sealed entry gives, or None if it gives none."""
    return entry.decode("ascii") if entry is not None and _HEX.fullmatch(entry) else None


def read_back(path: str, folder_fd: int | None = None) -> bytes | None:
    """Return the bytes of the regular file ``path`` (not a symlink), or None.

    ``api.read_stored``: one read of the size the file has when opened, so a file that
    changes size while it is read gives None and the page is made again; a FIFO or
    device is never read (it could make the build wait for ever).
    """
    found = read_stored(path, folder_fd)
    return None if found is None else found[0]


def clear(path: str) -> None:
    """Remove whatever sits at ``path`` in the output (a page is always a new file)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def write_fresh(path: str, data: bytes) -> None:
    """Write ``data`` as a new file at ``path``, in place of any file already there.

    Never through the old file: it may be another build's link to a stored page.
    """
    try:
        write_new(path, data)
    except FileExistsError:
        clear(path)
        write_new(path, data)


def _link(name: str, path: str, folder_fd: int) -> None:
    """Link the stored ``name`` at ``path``, in place of any file already there."""
    try:
        os.link(name, path, src_dir_fd=folder_fd, follow_symlinks=False)
    except FileExistsError:
        clear(path)
        os.link(name, path, src_dir_fd=folder_fd, follow_symlinks=False)


class PageFiles:
    """The stored pages, by SHA-256 of their bytes; opened lazily, never required."""

    def __init__(self, cache: Path) -> None:
        self.folder = Path(cache) / FOLDER
        self._fd: int | None = None
        self.usable = True
        self._warmer: Callable[[], None] | None = None  # stops and joins the warming thread

    def warm(self, names: Callable[[], Iterable[bytes]]) -> None:
        """Have the kernel read the stored pages named by ``names()`` ahead, on a thread.

        After the machine has been idle its page cache is given back, and each page the
        build links is then read back from the disk one at a time (1.8 s of a cold
        publish's child at 5,000 items, issue 12). ``names`` are the page entries the last
        build read (unchecked: ``MachineCache.unchecked_packed``), mostly in the order
        this build will place them; the thread opens each stored file as ``place`` does
        and asks for its bytes ahead (``posix_fadvise``), so the disk works while the
        main thread keys pages. It reads nothing into the build and decides nothing:
        ``place`` still checks every page it links.
        """
        if self._warmer is None:

            def pages() -> list[bytes]:
                return [name for name in names() if _HEX.fullmatch(name)]  # no call records

            self._warmer = reading_ahead(self.folder, pages, "kpu-page-warm")

    def _folder(self) -> int | None:
        """Return the store's folder descriptor (made on first use), or None if unusable."""
        if self._fd is None and self.usable:
            try:
                self.folder.mkdir(mode=0o755, parents=True, exist_ok=True)
                self._fd = os.open(self.folder, OPEN_FOLDER)
            except OSError:
                self.usable = False  # no store: pages are written, as without one
        return self._fd

    def place(self, name: str, path: str) -> bytes | None:
        """Link the stored page ``name`` at ``path``; return its bytes, or None.

        None when the file is missing, cannot be linked, or is not what its name says
        (then it is removed from the output and the store). A file already at ``path``
        is replaced.
        """
        fd = self._folder()
        if fd is None:
            return None
        try:
            _link(name, path, fd)
        except FileNotFoundError:  # not kept (or removed): rendered
            return None
        except OSError:  # another file system, too many links: the bytes are copied
            return self._copy(name, path, fd)
        data = read_back(path)
        if data is None or hashlib.sha256(data).hexdigest() != name:
            clear(path)
            self.forget(name)
            return None
        return data

    def _copy(self, name: str, path: str, fd: int) -> bytes | None:
        """Write the stored page ``name`` at ``path`` as a new file, if it is what it says."""
        data = read_back(name, fd)
        if data is None or hashlib.sha256(data).hexdigest() != name:
            self.forget(name)
            return None
        write_fresh(path, data)
        return data

    def store(self, data: bytes, path: str) -> str:
        """Keep ``data`` and put it at ``path`` as a new file; return its name.

        The page is written once, into the store, and linked into the output; where
        that cannot be done (no store, another file system) it is written at ``path``.
        """
        name = hashlib.sha256(data).hexdigest()
        fd = self._folder()
        if fd is not None:
            temporary = f".neu-{os.getpid()}-{next(_temporary)}"
            try:
                write_new(temporary, data, fd, MODE)
                os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
                _link(name, path, fd)
                return name
            except OSError:  # a store that cannot be written only makes builds slower
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=fd)
        write_fresh(path, data)
        return name

    def forget(self, name: str) -> None:
        """Remove a stored page that is not what its name says (it is made again)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=self._fd)

    def close(self) -> None:
        """Stop the warming thread; close the store's folder."""
        if self._warmer is not None:
            self._warmer()
            self._warmer = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
