"""One file per cache namespace holding the entries the last build read, in its order.

A one-change publish at 5,000 items opens about 18,000 sealed entries one file each
(page entries, converted Markdown, provenance pieces). With the files in memory that is
about half a second of ``open``/``read``/``close``; after the machine has been idle for
a while (the page cache given back) every one is a disk read, 3.9 s of a cold publish's
child (issue 12, docs/rendering.md "Entries packed per build"). A pack holds the same
sealed blobs in one file, so the next build reads them with one open and ``pread`` calls
that walk the file front to back (the kernel reads ahead).

A pack changes nothing about what an entry is worth: each blob in it is the entry's
file as ``MachineCache`` writes it (its HMAC over namespace, key and data in front) and
is checked the same way on every read; a blob that fails, a damaged index or a missing
pack only makes ``MachineCache.get`` read the entry's own file, as it always did. The
files stay the truth: every ``put`` writes one, and a key written in this build is read
from its file for the rest of the build (its pack blob may be older).

The layout: ``MAGIC``, the entry count (4 bytes, little-endian), the index (one
``RECORD``-sized row per entry: raw 32-byte key, offset in the file, length; sorted by
key), then the blobs in the order the build that wrote the pack read them (a blob left
out for failing its check leaves its index row's room unused before them).

When a build ends (``finish``), the pack is written again only if it no longer fits:
no pack yet, a key written over, or more than a fiftieth of the build's reads missed
it, or more than a quarter of it went unread. A publish that changes one item reads a
few dozen entries from files and writes no pack.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
from collections.abc import Iterator
from typing import Protocol

from .atomic import NEW_FILE, READ_STORED, writer_gone

MAGIC = b"KPU-PAK1"
_COUNT = struct.Struct("<I")
#: One index row: key (32 raw bytes), offset and length of its blob in the pack.
_ROW = struct.Struct("<32sQI")
RECORD = _ROW.size
#: Rewritten when more than one read in ``MISSES`` missed the pack (a fiftieth) ...
MISSES = 50
#: ... or more than one entry in ``UNREAD`` of the pack was not read (a quarter).
UNREAD = 4
#: A blob is never larger than this (a stored page's name, a Markdown item, a piece).
LARGEST = 64 << 20
SUFFIX = ".pak"
#: A pack being written: ``.<namespace>.pak.<pid>.tmp`` (a killed build's is removed later).
_WRITING = re.compile(r"\.(.+)\.pak\.([0-9]{1,10})\.tmp")


class Sealer(Protocol):
    """What a pack needs of its ``MachineCache``: the entry check and the file reader."""

    def unseal(self, blob: bytes, name: str = "") -> bytes | None: ...  # noqa: D102

    def read_file(self, key: str) -> bytes | None: ...  # noqa: D102


class Pack:
    """The pack of one namespace in one process, for one build (``finish`` ends it)."""

    def __init__(self, folder: str, namespace: str) -> None:
        self.path = os.path.join(folder, namespace + SUFFIX)
        self.folder = folder
        self.namespace = namespace
        self._fd: int | None = None
        self._index = b""  # the rows, sorted by key
        self._count = 0
        self._size = 0
        self.order = bytearray()  # every key read or written, raw, in order
        self.hits = 0
        self.misses = 0
        self.written: set[str] = set()  # keys ``put`` this build: read from their files
        self._open()

    def _open(self) -> None:
        """Read the index of the pack on disk; a pack that is not whole is not used."""
        try:
            fd = os.open(self.path, READ_STORED)
        except OSError:
            return
        try:
            status = os.fstat(fd)
            head = os.pread(fd, len(MAGIC) + _COUNT.size, 0)
            if len(head) != len(MAGIC) + _COUNT.size or head[: len(MAGIC)] != MAGIC:
                raise ValueError
            (count,) = _COUNT.unpack_from(head, len(MAGIC))
            start = len(head)
            if start + count * RECORD > status.st_size:
                raise ValueError
            index = os.pread(fd, count * RECORD, start)
            if len(index) != count * RECORD:
                raise ValueError
        except (OSError, ValueError, OverflowError):
            os.close(fd)
            return
        self._fd, self._index, self._count, self._size = fd, index, count, status.st_size

    def _find(self, raw: bytes) -> tuple[int, int] | None:
        """Return the offset and length of ``raw``'s blob, or None (binary search)."""
        index, low, high = self._index, 0, self._count
        while low < high:
            middle = (low + high) // 2
            at = middle * RECORD
            found = index[at : at + 32]
            if found < raw:
                low = middle + 1
            elif found > raw:
                high = middle
            else:
                _, offset, length = _ROW.unpack_from(index, at)
                return offset, length
        return None

    def blob(self, key: str) -> bytes | None:
        """Return the blob the pack holds for ``key`` (unchecked), or None."""
        if self._fd is None or key in self.written:
            return None
        place = self._row(key)
        if place is None:
            return None
        offset, length = place
        if length > LARGEST or offset + length > self._size:
            return None
        try:
            data = os.pread(self._fd, length, offset)
        except OSError:
            return None
        return data if len(data) == length else None

    def note(self, key: str, hit: bool) -> None:
        """Count a read of ``key`` (from the pack or not) for the next pack."""
        try:
            self.order += bytes.fromhex(key)
        except ValueError:
            return
        if hit:
            self.hits += 1
        else:
            self.misses += 1

    def wrote(self, key: str) -> None:
        """Note that ``key`` was written in this build (its file is newer than the pack)."""
        self.written.add(key)
        self.note(key, hit=False)

    def stale(self) -> bool:
        """Tell whether the pack should be written again for the next build."""
        if not self.order:
            return False
        if self._fd is None or any(self._has(key) for key in self.written):
            return True
        reads = self.hits + self.misses
        unread = self._count - self.hits
        return self.misses * MISSES > reads or unread * UNREAD > self._count

    def unchecked(self) -> Iterator[bytes]:
        """Yield each sealed blob in the order the pack holds them, unchecked.

        Only to warm what a build is about to read (render_cache/page_files.py): nothing
        yielded here is ever used as an entry; ``MachineCache.get`` checks what it uses.
        """
        if self._fd is None:
            return
        rows = sorted(
            _ROW.unpack_from(self._index, at)[1:] for at in range(0, len(self._index), RECORD)
        )
        for offset, length in rows:
            if length > LARGEST or offset + length > self._size:
                continue
            try:
                blob = os.pread(self._fd, length, offset)
            except OSError:
                return
            yield blob

    def keys(self) -> list[str]:
        """Return the keys the pack holds (hex), in key order."""
        index = self._index
        return [index[at : at + 32].hex() for at in range(0, self._count * RECORD, RECORD)]

    def _row(self, key: str) -> tuple[int, int] | None:
        """Return the offset and length of the hex ``key``'s blob (written over or not)."""
        try:
            return self._find(bytes.fromhex(key))
        except ValueError:
            return None

    def _has(self, key: str) -> bool:
        """Tell whether the pack's index has a row for ``key`` (written over or not)."""
        return self._row(key) is not None

    def holds(self, key: str) -> bool:
        """Tell whether the pack has a blob for ``key`` (unchecked; not counted as a read)."""
        return self._fd is not None and key not in self.written and self._has(key)

    def finish(self, cache: Sealer) -> bool:
        """End the build: write the next pack when this one is stale; return if written.

        Each blob is taken from the entry's file when the build wrote it, else from
        this pack (or the file, if the pack's blob fails), and checked before it is
        packed: a blob that fails its check is left out (the next build reads the file,
        or misses). A pack that cannot be written (a full disk) is left as it was;
        nothing is ever raised.
        """
        try:
            return self.stale() and self._write(cache)
        except OSError:
            return False
        finally:
            self.close()

    def _write(self, cache: Sealer) -> bool:
        """Write the entries this build read into a new pack, then put it in place."""
        raw = self.order
        keys = list(dict.fromkeys(raw[at : at + 32].hex() for at in range(0, len(raw), 32)))
        start = len(MAGIC) + _COUNT.size + len(keys) * RECORD
        _remove_leftovers(self.folder)
        temporary = os.path.join(self.folder, f".{self.namespace}{SUFFIX}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)  # this process's own, from a build it did not finish
        fd = os.open(temporary, NEW_FILE, 0o600)
        try:
            rows = []
            offset = start
            with os.fdopen(os.dup(fd), "wb") as stream:
                stream.seek(start)
                for key in keys:
                    blob = self._checked(cache, key)
                    if blob is None:
                        continue
                    stream.write(blob)
                    rows.append(_ROW.pack(bytes.fromhex(key), offset, len(blob)))
                    offset += len(blob)
            rows.sort()  # by key: the index is searched (the blobs stay in read order)
            os.pwrite(fd, MAGIC + _COUNT.pack(len(rows)) + b"".join(rows), 0)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        os.close(fd)
        os.replace(temporary, self.path)
        return True

    def _checked(self, cache: Sealer, key: str) -> bytes | None:
        """Return ``key``'s sealed blob as the next pack holds it, or None (left out)."""
        blob = self.blob(key)
        if blob is None or cache.unseal(blob, key) is None:
            blob = cache.read_file(key)
            if blob is None or cache.unseal(blob, key) is None:
                return None
        return blob

    def close(self) -> None:
        """Close the pack's file (the process keeps no pack beyond its build)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def packed_keys(folder: str, namespace: str) -> set[str]:
    """Return the keys (hex) the namespace's pack holds; empty when it has none.

    The prune keeps these entries' files (render_cache/prune.py): a build that reads an
    entry from the pack does not touch its file, and the file stays the entry's truth.
    """
    pack = Pack(folder, namespace)
    try:
        return set(pack.keys())
    finally:
        pack.close()


def _remove_leftovers(folder: str) -> None:
    """Remove the packs a killed build was writing (its process gone); a pack is large."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        writing = _WRITING.fullmatch(name)
        if writing is not None and writer_gone(writing[2]):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
