"""What a publish is about to read, asked of the disk ahead while it does other work.

Why: a machine left idle gives its page cache back (the kernel's reclaim), and the next
publish then reads each file from the disk at the moment it needs it. Measured at 5,000
items (docs/benchmarks.md, thirty-first round): a publish that changed one item took
13.9-15.0 s with the page cache emptied against 10.8-11.0 s warm; the Pelican child read
its 5,000 sources and the 20,000 sign-offs the provenance pieces are made from one by one,
and after it the search index's stored files were read back the same way. All of these
are known once the commit is exported, seconds before they are read.

``DiskAhead`` runs one thread in the publishing process, which only waits while the
seal and the Pelican child work: it asks the kernel to read the export's sources and
sign-offs, then the caches' packs and stored files (``approval_gate.api.read_ahead``:
each file opened as a store reader opens it and given ``posix_fadvise(WILLNEED)``). On
a machine whose page cache still holds them, opening some 60,000 files for nothing took
0.2-0.3 s from the seal and the child at 5,000 items, so the files go in runs of
``RUN``, and a run whose first and last files are in the page cache (a read that may not
wait, ``RWF_NOWAIT``, gets their first byte) is taken as warm and skipped.

It reads nothing into the publish and decides nothing: every reader still reads and
checks its bytes as before; a warmer that fails or is stopped only leaves reads cold.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from approval_gate.api import OPEN_FOLDER, READ_STORED, SOURCE_SUFFIXES, read_ahead

#: The export's folders and the files of each the Pelican child reads whole.
EXPORT_READS = (("content/", tuple(SOURCE_SUFFIXES)), ("approvals/", (".yml",)))
#: The machine's caches (under ``var/``) a publish reads whole, in the order it reads
#: them: the converted and rendered items' packs and the stored pages and provenance
#: pieces (the child links each and reads it back), the search index's stored files and
#: the compressed copies (linked and read back after it). Each is ``(folder, suffix)``;
#: "" takes every file of the folder. The stores keep what the last builds used
#: (render_cache/prune.py, ``keep_only``), so nearly all of it is read anyway.
CACHE_READS = (
    ("render-cache", ".pak"),
    ("render-cache/halaman-berkas", ""),
    ("pagefind-cache/berkas", ""),
    ("compress-cache/salinan", ""),
)
#: Files asked for together, after a look at the first and last of them.
RUN = 32


def export_reads(files: Iterable[str]) -> list[str]:
    """Return the export's paths the child reads whole: sources first, then sign-offs."""
    paths = list(files)
    return [
        path
        for prefix, suffixes in EXPORT_READS
        for path in paths
        if path.startswith(prefix) and path.endswith(suffixes)
    ]


def in_inode_order(folder: Path, keep: Callable[[os.DirEntry[str]], bool]) -> list[str]:
    """Return the names of ``folder``'s entries ``keep`` accepts, in the order of their inodes.

    Files made one after another lie near one another on the disk, so a warmer asking in
    inode order reads close to the disk's order (also ``compress_store.read_kept_ahead``).
    Raises ``OSError`` when the folder cannot be listed.
    """
    with os.scandir(folder) as entries:
        found = sorted((entry.inode(), entry.name) for entry in entries if keep(entry))
    return [name for _, name in found]


def cache_reads(folder: Path, suffix: str) -> list[str]:
    """Return the names of ``folder``'s files ending in ``suffix`` (none if it is missing).

    In the order of their inodes, near the disk's order (``in_inode_order``).
    """
    try:
        return in_inode_order(
            folder, lambda e: e.name.endswith(suffix) and e.is_file(follow_symlinks=False)
        )
    except OSError:
        return []


def on_disk(folder_fd: int, name: str) -> bool:
    """Tell whether the first byte of ``name`` would have to come from the disk.

    True also when the kernel cannot tell (no ``RWF_NOWAIT`` here): the run is then read
    ahead as if cold. False when the byte is in the page cache, and for a name that does
    not open as a plain file (missing, a symlink): nothing there to read ahead.
    """
    try:
        fd = os.open(name, READ_STORED, dir_fd=folder_fd)  # no symlink, no FIFO wait
    except OSError:
        return False
    try:
        os.preadv(fd, [bytearray(1)], 0, os.RWF_NOWAIT)
    except (OSError, AttributeError):  # BlockingIOError: cold; AttributeError: no RWF_NOWAIT
        return True
    finally:
        os.close(fd)
    return False


def read_cold(folder: Path, names: list[str], stop: threading.Event) -> None:
    """Have the kernel read ``folder``'s files ``names`` ahead, skipping runs it holds."""
    try:
        fd = os.open(folder, OPEN_FOLDER)
    except OSError:
        return
    try:
        for start in range(0, len(names), RUN):
            if stop.is_set():
                return
            run = names[start : start + RUN]
            if on_disk(fd, run[0]) or on_disk(fd, run[-1]):
                read_ahead(folder, run, stop)
    finally:
        os.close(fd)


class DiskAhead:
    """A thread asking the disk for a publish's reads ahead; stopped when the build ends."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> DiskAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, export: Path, files: Iterable[str], var: Path) -> None:
        """Start reading ahead the export's sources and sign-offs, then ``var``'s caches.

        ``files``: the export's paths (``Export.files``), relative to ``export``.
        """
        if self._thread is not None:
            return
        names = export_reads(files)

        def work() -> None:
            read_cold(export, names, self._stop)
            for folder, suffix in CACHE_READS:
                if self._stop.is_set():
                    return
                read_cold(var / folder, cache_reads(var / folder, suffix), self._stop)

        thread = threading.Thread(target=work, name="kpu-baca-awal", daemon=True)
        with contextlib.suppress(RuntimeError):  # no thread: the reads stay cold
            thread.start()
            self._thread = thread

    def stop(self) -> None:
        """Stop the thread (it stops between two files) and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
