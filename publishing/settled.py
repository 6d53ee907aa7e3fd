"""The files the Pelican child has finished with, hashed while it still runs.

Why: after the child exits, the build lists its output and hashes every file once
(tree.py), 13,000 files at 5,000 items (0.5-0.7 s of a changed-one publish), while during
the child's run the publishing process only waits and the second core is mostly idle.
``Settled`` walks the staging folder in a thread while the child runs and hashes each
file whose modification and change times are at least ``QUIET_S`` old; the listing after
the child takes those as ``known`` (``tree.list_output``), so only the files written in
the child's last second, or changed since, are hashed then.

Sound because a hash is reused only while the file's stamp (device, inode, size,
modification and change times) is exactly the one read before hashing it, and because
only a file untouched for ``QUIET_S`` is hashed: any later write, truncation, rename onto
it or link to it sets a change time at least that much newer (the kernel's clock for file
times is coarse, a few milliseconds), so it never matches the stamp recorded. A file
being written when the walk reaches it is left for the listing after the child (the
"racily clean" rule git applies to its index for the same reason). What the walk finds
is only ever a hint; a file it could not read, or that vanished, is simply not in it.

The hashes are held packed (``Early``), 72 bytes a file, because they are held at the
moment that sets a publish's peak memory: the end of Pelican's writing, when the child
is at its largest. As ``OutputFile`` entries they took about 620 bytes each, 16 MB for
the 26,000 files of a 10,000-item site (docs/publishing.md, "Memory of a publish").
"""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from .tree import OutputFile, Stamp, hashed_file, stamp_of, walk

#: How long a file must have been left alone before it is hashed early (seconds).
QUIET_S = 1.0
#: Pause between two walks of the folder while the child runs (seconds).
PAUSE_S = 0.5


#: A stamp packed: device, inode and size unsigned, the two times signed (nanoseconds).
_STAMP = struct.Struct("<QQQqq")


class Early(Mapping[str, OutputFile]):
    """Files hashed early, each kept as its SHA-256 (32 bytes) and packed stamp (40 bytes).

    A hint for ``tree.list_output`` (``known``), never a listing of the folder: each
    lookup makes a new ``OutputFile`` from the packed bytes, with the hash and the stamp
    exactly as they were read.
    """

    def __init__(self, folder: Path) -> None:
        self.root = folder
        self._packed: dict[str, bytes] = {}

    def add(self, rel: str, sha256: str, stamp: Stamp) -> None:
        """Keep the hash of the file ``rel`` as it was when its ``stamp`` was taken."""
        self._packed[rel] = bytes.fromhex(sha256) + _STAMP.pack(*stamp)

    def __getitem__(self, rel: str) -> OutputFile:
        packed = self._packed[rel]
        stamp: Stamp = _STAMP.unpack_from(packed, 32)
        return OutputFile(rel, self.root, stamp[2], packed[:32].hex(), stamp)

    def names(self) -> list[str]:
        """Return the files hashed so far (a copy: the walk goes on adding to them)."""
        return list(self._packed)

    def get(self, rel: str, default: OutputFile | None = None) -> OutputFile | None:  # type: ignore[override]
        """Return the entry of ``rel``, or ``default`` (without raising for each miss)."""
        return self[rel] if rel in self._packed else default

    def __contains__(self, rel: object) -> bool:
        return rel in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


class Settled:
    """Hash the settled files of ``folder`` in a thread until ``stop``; ``files`` holds them."""

    def __init__(self, folder: Path) -> None:
        self.files = Early(folder)  # a hint for list_output, never whole
        self._folder = folder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kpu-hash-awal", daemon=True)

    def __enter__(self) -> Settled:
        try:
            self._thread.start()
        except RuntimeError:  # no thread to be had: everything is hashed after the child
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join()

    def _run(self) -> None:
        pause = PAUSE_S
        while not self._stop.wait(pause):
            started = time.perf_counter()
            try:
                self.sweep()
            except OSError:  # a folder made or removed during the walk: next time
                pass
            # at most a fifth of a core: a first build also runs Markdown on the other core
            pause = max(PAUSE_S, 4 * (time.perf_counter() - started))

    def sweep(self) -> None:
        """Hash each file settled for ``QUIET_S`` and not hashed yet.

        A file hashed by an earlier sweep is not looked at again: the listing after the
        child compares its stamp, and hashes it again if it changed.
        """
        quiet = int(QUIET_S * 1e9)
        if not self._folder.is_dir():
            return
        for rel, entry in walk(self._folder):
            if self._stop.is_set():
                return
            if rel in self.files:
                continue
            try:
                if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                    continue
                status = entry.stat(follow_symlinks=False)
                if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) < quiet:
                    continue  # still being written, maybe: hashed after the child
                sha, opened = hashed_file(entry.path)
            except OSError:  # vanished or replaced by something else: not a hint
                continue
            if time.time_ns() - max(opened.st_mtime_ns, opened.st_ctime_ns) < quiet:
                continue  # written again just now: hashed after the child
            self.files.add(rel, sha, stamp_of(opened))
