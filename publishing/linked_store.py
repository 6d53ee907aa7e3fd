"""Output files kept between builds as read-only files named by their SHA-256, linked in.

A build writes into a fresh folder, and on a slow disk creating a file costs about ten
times what a hard link costs (docs/benchmarks.md, "Compressed copies"). Files that come
out the same from build to build (compressed copies, the search index's bundles) are
therefore kept once in a store folder (mode 0444, named by the SHA-256 of their bytes)
and each build links them into its output instead of writing them again, as
publishing/seal/blobs.py does for the export.

A stored file is trusted for nothing: after linking, the build reads the linked file
back and the listing entry it gets carries the SHA-256 of the bytes actually read. A
file whose bytes are not its name (edited, replaced, truncated, a symlink) is unlinked
from the output and from the store, and the caller makes it again, so a damaged store
costs time, never a wrong file. After a build, the store keeps only what that build
used (``keep_only``).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
from collections.abc import Iterable
from pathlib import Path

from approval_gate.api import OPEN_FOLDER, read_stored
from approval_gate.api import write_new as new_file

from .tree import OutputFile, stamp_of

MODE = 0o444
_HEX = re.compile(r"[0-9a-f]{64}")
_temporary = itertools.count()  # next() is atomic under the GIL: one name per thread's use


def sha(data: bytes) -> str:
    """Return the hex SHA-256 of ``data`` (a stored file's name)."""
    return hashlib.sha256(data).hexdigest()


def is_name(name: str) -> bool:
    """Tell whether ``name`` is a stored file's name (64 lowercase hex digits)."""
    return _HEX.fullmatch(name) is not None


def write_new(path: Path | str, data: bytes, folder_fd: int | None = None) -> None:
    """Write ``data`` as a new read-only file ``path`` (never through one already there)."""
    new_file(path, data, folder_fd, MODE)


def listed(output: Path, rel: str, size: int, digest: str) -> OutputFile:
    """Return the listing entry of a file just written (its stat as the listing sees it)."""
    return OutputFile(rel, output, size, digest, stamp_of((output / rel).stat()))


class LinkedStore:
    """Read-only files by SHA-256 in ``folder``, hard-linked into a build's output.

    Opening raises OSError when the folder cannot be made or opened; the caller then
    writes every file, as without a store.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.fd = os.open(folder, OPEN_FOLDER)

    def place(self, name: str, output: Path, rel: str) -> OutputFile | None:
        """Link the stored file ``name`` as ``output/rel``; None when it is missing or wrong.

        The entry returned carries the hash of the bytes read back from ``output/rel``;
        a file that is not exactly ``name``'s bytes is removed from both places. The path
        is a plain string: a ``Path`` made per file was a third of placing 15,000 copies.
        """
        path = os.path.join(output, rel)
        try:
            os.link(name, path, src_dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError:  # another file system, too many links: a write says what is wrong
            return self._copy(name, output, rel)
        found = read_stored(path)  # status first: a later change has a newer stamp
        if found is None or sha(found[0]) != name:
            os.unlink(path)
            self.forget(name)
            return None
        return OutputFile(rel, output, len(found[0]), name, stamp_of(found[1]))

    def _copy(self, name: str, output: Path, rel: str) -> OutputFile | None:
        """Write the stored file's bytes as a new file (where it cannot be linked)."""
        found = read_stored(name, self.fd)
        if found is None or sha(found[0]) != name:
            self.forget(name)
            return None
        write_new(output / rel, found[0])
        return listed(output, rel, len(found[0]), name)

    def adopt(self, path: Path, name: str, data: bytes) -> None:
        """Keep the new file at ``path`` (``data``, hashing to ``name``) for later builds."""
        temporary = f".neu-{os.getpid()}-{next(_temporary)}"
        try:
            try:
                os.link(path, temporary, dst_dir_fd=self.fd, follow_symlinks=False)
            except OSError:  # another file system: the store gets its own file
                write_new(temporary, data, self.fd)
            os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except OSError:  # a store that cannot be written only makes the next build slower
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self.fd)

    def forget(self, name: str) -> None:
        """Remove a stored file that is not what its name says (it is made again)."""
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=self.fd)

    def keep_only(self, names: Iterable[str]) -> None:
        """Remove every stored file (and leftover) but ``names``."""
        keep = set(names)
        with contextlib.suppress(OSError):
            for name in os.listdir(self.fd):
                if name not in keep:
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=self.fd)

    def close(self) -> None:
        """Close the store's folder."""
        os.close(self.fd)
