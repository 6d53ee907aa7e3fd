"""Verified git blobs kept between publishes, hard-linked into each export.

Creating tens of thousands of files is most of an export's cost on a slow disk, while a
hard link costs a tenth of that or less (bench/seal_bench.py). So a blob's bytes are
written once, checked against their git object id as they stream from ``git cat-file``,
into ``var/segel-blob/<object id>`` (read-only), and every export links the blobs of its
commit from there; blobs its commit no longer holds are removed afterwards. The store
sits in the publishing machine's ``var/`` beside the exports (one file system, out of a
writer's reach), is opened without following symlinks, and the publish lock makes the
export its only user. ``sha256.json`` keeps each blob's SHA-256 (the digests' hash), so
a linked file needs no second reading.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from approval_gate.api import NEW_FILE, OPEN_FOLDER, dump_bytes, load_bytes

from . import SealError

#: The store's folder under the checkout's ``var/``.
STORE = "segel-blob"
INDEX = "sha256.json"


def write_chunks(fd: int, chunks: Iterator[bytes]) -> str:
    """Write every chunk to ``fd`` (partial writes continued); return their SHA-256."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]
    return digest.hexdigest()


class BlobStore:
    """The verified blobs of the last export, by git object id."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        try:
            self.fd = os.open(folder, OPEN_FOLDER)
        except OSError as error:
            raise SealError(
                f"Penyimpanan salinan commit bukan folder biasa: {error.strerror}.",
                path=str(folder),
                hint="Hapus folder itu (ia dibuat lagi oleh penerbitan berikutnya).",
            ) from None
        self.folder = folder
        self.saved: dict[str, str] = {}  # what the index file on disk lists
        #: Every name in the store's folder: as listed once (by ``_index``), plus each blob
        #: stored since (``add``). ``keep_only`` removes those the export no longer needs.
        self.names: set[str] = set()
        #: Each stored blob's inode as the listing gave it (``holds``: a refitted export
        #: keeps a file only when it is that very file).
        self.inodes: dict[str, int] = {}
        self.sha256 = self._index()

    def _index(self) -> dict[str, str]:
        """Read the hashes of the blobs that are still in the store (regular files).

        One listing of the store (its entries' types come with it, no ``stat`` per blob)
        also tells ``keep_only`` what to remove.
        """
        regular = set()
        with os.scandir(self.fd) as entries:
            for entry in entries:
                self.names.add(entry.name)
                if entry.is_file(follow_symlinks=False):
                    regular.add(entry.name)
                    self.inodes[entry.name] = entry.inode()
        try:
            with open(INDEX, "rb", opener=self._opener) as handle:
                known = load_bytes(handle.read())
        except (OSError, ValueError):
            return {}
        if not isinstance(known, dict):
            return {}
        self.saved = {str(oid): str(sha) for oid, sha in known.items()}
        return {oid: sha for oid, sha in self.saved.items() if oid in regular}

    def _opener(self, name: str, flags: int) -> int:
        return os.open(name, flags | os.O_NOFOLLOW, dir_fd=self.fd)

    def missing(self, oids: Iterable[str]) -> list[str]:
        """Return the object ids not in the store yet, each once, in order."""
        return [oid for oid in dict.fromkeys(oids) if oid not in self.sha256]

    def add(self, oid: str, chunks: Iterator[bytes]) -> None:
        """Store one blob; ``chunks`` raises ``SealError`` when the bytes are not ``oid``'s."""
        temporary = f".neu-{oid}-{os.getpid()}"
        fd = os.open(temporary, NEW_FILE, 0o444, dir_fd=self.fd)
        try:
            sha = write_chunks(fd, chunks)
            os.close(fd)
            os.replace(temporary, oid, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self.fd)
            raise
        self.sha256[oid] = sha
        self.names.add(oid)
        # The old file under this name (an index that did not vouch for it) is no longer
        # the store's: an export's link to it must never count as this blob (``holds``).
        self.inodes.pop(oid, None)

    def link(self, oid: str, folder_fd: int, name: str) -> str:
        """Hard-link the stored blob as ``name`` in the open folder; return its SHA-256."""
        os.link(oid, name, src_dir_fd=self.fd, dst_dir_fd=folder_fd, follow_symlinks=False)
        return self.sha256[oid]

    def holds(self, oid: str, entry: os.DirEntry[str]) -> bool:
        """Tell whether an old export's entry is this store's very file for ``oid``.

        The inode comes from the folder listings, without a ``stat``; a blob stored again
        since the listing (``add``) has none, so an old link to the old file never counts.
        """
        return entry.inode() == self.inodes.get(oid)

    def keep_only(self, oids: Iterable[str]) -> None:
        """Remove every blob (and leftover) not in ``oids``; save the index if it changed."""
        keep = set(oids)
        for name in self.names - keep - {INDEX}:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=self.fd)
        self.sha256 = {oid: sha for oid, sha in self.sha256.items() if oid in keep}
        if self.sha256 == self.saved and INDEX in self.names:
            return  # the same blobs as the index on disk lists: nothing to write
        temporary = f".{INDEX}.{os.getpid()}"
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=self.fd)
        with open(temporary, "xb", opener=self._opener) as handle:
            handle.write(dump_bytes(self.sha256))
        os.replace(temporary, INDEX, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        self.saved, self.names = dict(self.sha256), {*self.sha256, INDEX}

    def close(self) -> None:
        """Close the store's folder."""
        os.close(self.fd)
