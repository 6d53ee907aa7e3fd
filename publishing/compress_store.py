"""Compressed copies kept between builds as read-only files named by their SHA-256.

Writing tens of thousands of new files is nearly all that a build with few changes pays
for its ``.gz``/``.br`` copies (docs/benchmarks.md, "Compressed copies"), while a hard
link costs a tenth of that. So every copy a build makes is kept in ``<cache>/salinan/
<sha256 of the copy>`` (mode 0444, the build's own file linked in, or written there when
the cache sits on another file system), and the next build hard-links it into its output
instead of writing it again, as publishing/seal/blobs.py does for the export.

Which copies belong to which file is one table (``sibling sha256 -> [gz sha256, br
sha256]``, "" where a copy would not be smaller), sealed with the machine's key
(``approval_gate.api.MachineCache``) under the compression settings and this code's
hash. A stored file is trusted for nothing: after linking, the build reads the linked
file back, and its listing entry carries the SHA-256 of the bytes actually read. A copy
whose bytes are not its name (edited, replaced, a symlink) is unlinked from the output
and from the store and compressed again, so a damaged store costs time, never a wrong
copy. Whether a copy really is its sibling compressed is still decided by the audit
(publishing/compress_audit.py) from those true hashes: a table entry that names another
file's copy, even one sealed with the machine's key, stops the build.

After a build the table and the folder keep only that build's copies.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import shutil
from pathlib import Path

from approval_gate.api import MachineCache, read_stored
from approval_gate.api import write_new as new_file

from .tree import OutputFile, stamp_of

#: The copies' folder inside the compression cache folder.
STORE = "salinan"
#: The table's ``MachineCache`` namespace (the copies' own folder is ``STORE``).
NAMESPACE = "compress-copies"
#: Where the cache kept whole copies per entry before they were files (removed once).
OLD_NAMESPACE = "compress"
MODE = 0o444
_HEX = re.compile(r"[0-9a-f]{64}")
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_temporary = itertools.count()  # next() is atomic under the GIL: one name per thread's use


def sha(data: bytes) -> str:
    """Return the hex SHA-256 of ``data`` (a stored copy's name)."""
    return hashlib.sha256(data).hexdigest()


def write_new(path: Path | str, data: bytes, folder_fd: int | None = None) -> None:
    """Write ``data`` as a new read-only file ``path`` (never through one already there)."""
    new_file(path, data, folder_fd, MODE)


def listed(output: Path, rel: str, size: int, digest: str) -> OutputFile:
    """Return the listing entry of a copy just placed (its stat as the listing sees it)."""
    return OutputFile(rel, output, size, digest, stamp_of((output / rel).stat()))


def _read(path: Path | str, folder_fd: int | None = None) -> tuple[bytes, os.stat_result] | None:
    """Return the bytes and status of the stored copy at ``path`` (``api.read_stored``).

    Status first: a file changed while or after it is read has a newer stamp, so the
    listing hashes it again (publishing/tree.py). A copy is never empty.
    """
    found = read_stored(path, folder_fd)
    return found if found is not None and found[0] else None


def _table(blob: bytes | None, width: int) -> dict[str, list[str]]:
    """Return the well-formed entries of a stored table (names are checked: path parts)."""
    try:
        entries = json.loads(blob) if blob is not None else {}
    except ValueError:
        return {}
    table = {}
    for sibling, names in entries.items() if isinstance(entries, dict) else ():
        if (
            isinstance(names, list)
            and len(names) == width
            and all(isinstance(n, str) and (n == "" or _HEX.fullmatch(n)) for n in names)
        ):
            table[str(sibling)] = names
    return table


class CopyStore:
    """The copies of the last build, by SHA-256, and which file each belongs to."""

    def __init__(self, cache: Path, key: str, width: int) -> None:
        folder = cache / STORE
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.fd = os.open(folder, _DIRECTORY)  # OSError: the caller keeps nothing
        shutil.rmtree(cache / OLD_NAMESPACE, ignore_errors=True)
        self.cache, self.key, self.width = MachineCache(cache, NAMESPACE), key, width
        self.table = _table(self.cache.get(key), width)
        self.used: dict[str, list[str]] = {}

    def names(self, sibling: str) -> list[str] | None:
        """Return the names of ``sibling``'s copies ("" for none), or None when not kept."""
        return self.table.get(sibling)

    def keep(self, sibling: str, names: list[str]) -> None:
        """Record that this build uses ``names`` for ``sibling`` (kept by ``save``)."""
        self.used[sibling] = names

    def place(self, name: str, output: Path, rel: str) -> OutputFile | None:
        """Link the stored copy ``name`` as ``output/rel``; None when it is missing or wrong.

        The entry returned carries the hash of the bytes read back from ``output/rel``;
        a file that is not exactly ``name``'s bytes is removed from both places.
        """
        path = output / rel
        try:
            os.link(name, path, src_dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError:  # another file system, too many links: a write says what is wrong
            return self._copy(name, output, rel)
        found = _read(path)
        if found is None or sha(found[0]) != name:
            path.unlink()
            self.forget(name)
            return None
        return OutputFile(rel, output, len(found[0]), name, stamp_of(found[1]))

    def _copy(self, name: str, output: Path, rel: str) -> OutputFile | None:
        """Write the stored copy's bytes as a new file (where it cannot be linked)."""
        found = _read(name, self.fd)
        data = found[0] if found is not None else b""
        if sha(data) != name:
            self.forget(name)
            return None
        write_new(output / rel, data)
        return listed(output, rel, len(data), name)

    def adopt(self, path: Path, name: str, data: bytes) -> None:
        """Keep the new copy at ``path`` (``data``, hashing to ``name``) for later builds."""
        temporary = f".neu-{os.getpid()}-{next(_temporary)}"
        try:
            try:
                os.link(path, temporary, dst_dir_fd=self.fd, follow_symlinks=False)
            except OSError:  # another file system: the store gets its own file
                write_new(temporary, data, self.fd)
            os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except OSError:  # a cache that cannot be written only makes the next build slower
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self.fd)

    def forget(self, name: str) -> None:
        """Remove a stored copy that is not what its name says (it is made again)."""
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=self.fd)

    def save(self) -> None:
        """Keep only this build's copies: the table and the files it names."""
        keep = {name for names in self.used.values() for name in names if name}
        with contextlib.suppress(OSError):
            for name in os.listdir(self.fd):
                if name not in keep:
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=self.fd)
        self.cache.put(self.key, json.dumps(self.used, sort_keys=True).encode("utf-8"))

    def close(self) -> None:
        """Close the copies' folder."""
        os.close(self.fd)
