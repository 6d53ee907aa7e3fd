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

The hashes are held packed (``tree.Packed``), 72 bytes a file, because they are held at the
moment that sets a publish's peak memory: the end of Pelican's writing, when the child
is at its largest. As ``OutputFile`` entries they took about 620 bytes each, 16 MB for
the 26,000 files of a 10,000-item site (docs/publishing.md, "Memory of a publish").
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from .tree import Packed, hashed_file, stamp_of, walk

#: How long a file must have been left alone before it is hashed early (seconds).
QUIET_S = 1.0
#: Pause between two walks of the folder while the child runs (seconds).
PAUSE_S = 0.5


class Settled:
    """Hash the settled files of ``folder`` in a thread until ``stop``; ``files`` holds them."""

    def __init__(self, folder: Path) -> None:
        self.files = Packed(folder)  # a hint for list_output, never whole
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
