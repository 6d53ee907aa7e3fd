"""The files of a built output as the targets compare them: path, size and checksums.

Every target decides "changed or not" from the same listing, so an unchanged site sends
nothing whichever target it goes to. SHA-256 is what the audit, the plans and the
publication archive use; MD5 is worked out only when asked (S3 ETags of single-part
uploads are MD5 hex digests), so a target that never asks never pays for it.

A publish hashes each output file once: the build lists its output, and the audit, the
plan and the deploy reuse that listing (``known``). A listing is only ever a hint: each
entry is reused only while the file at that place is still the very same file (device,
inode, size, modification and change times, ``stamp``), so a file written, replaced or
touched since is hashed again, never trusted from its old hash. The one exception is
a complete ``Listing`` of the folder itself (``fresh``): the build makes it after the
last write into its staging folder, and the audit, the plan and the local deploy take it
as the folder's contents instead of walking the folder again (``rooted`` follows the
rename into place), so a publish walks its output twice, not six times.
"""

from __future__ import annotations

import errno
import hashlib
import mimetypes
import os
import stat
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeGuard

#: (device, inode, size, mtime_ns, ctime_ns): the same file, unchanged, at one place.
Stamp = tuple[int, int, int, int, int]
#: The stamp of an entry that has none (made from bytes, not read from a file).
NO_STAMP: Stamp = (0, 0, 0, 0, 0)


@dataclass(frozen=True)
class OutputFile:
    """One file of a built output."""

    rel: str  # POSIX path relative to the output root
    root: Path  # the output root
    size: int
    sha256: str
    stamp: Stamp = field(default=NO_STAMP, compare=False)

    @cached_property
    def path(self) -> Path:
        """Return where the file is (made on first use: most files are only compared)."""
        return self.root / self.rel

    @cached_property
    def md5(self) -> str:
        """Return the file's MD5 hex digest (S3's ETag), read on first use only."""
        md5 = hashlib.md5(usedforsecurity=False)
        with self.path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                md5.update(chunk)
        return md5.hexdigest()

    @property
    def content_type(self) -> str:
        """Return the Content-Type a web server should send for this file."""
        return content_type(self.rel)


_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pf_meta": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pagefind": "application/octet-stream",
    ".wasm": "application/wasm",
    # A file published as .gz/.br (an approved attachment) is itself the download: never
    # the type of its inner name without its encoding (docs/hosting.md).
    ".gz": "application/gzip",
    ".br": "application/octet-stream",
}


def content_type(rel: str) -> str:
    """Return the Content-Type for ``rel``, independent of the machine's mime tables."""
    suffix = Path(rel).suffix.lower()
    if rel.endswith(".atom.xml"):
        return "application/atom+xml; charset=utf-8"
    if rel.endswith(".rss.xml"):
        return "application/rss+xml; charset=utf-8"
    return _TYPES.get(suffix) or mimetypes.guess_type(rel)[0] or "application/octet-stream"


def cache_control(rel: str) -> str:
    """Return the Cache-Control header: pages and feeds revalidate, assets may be cached.

    Pages must show a withdrawal or correction quickly, so they are revalidated every
    time; the theme's assets and attachments change rarely and may be kept for a day.
    """
    if rel.endswith((".html", ".xml", ".txt", ".json")) or rel.startswith("pagefind/"):
        return "public, max-age=0, must-revalidate"
    return "public, max-age=86400"


def stamp_of(status: os.stat_result) -> Stamp:
    """Return what identifies one unchanged file at one place (see the module docstring)."""
    return (
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )


def unchanged(before: OutputFile | None, stamp: Stamp) -> TypeGuard[OutputFile]:
    """Tell whether ``before`` (an earlier entry) still holds for the file now ``stamp``.

    Only while the stamp is exactly the one read when it was hashed; an entry without a
    stamp never does.
    """
    return before is not None and before.stamp == stamp and stamp != NO_STAMP


def sha256_of(path: Path) -> str:
    """Return the SHA-256 hex digest of the file at ``path``, read in 1 MiB chunks."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def digest_now(
    output: Path | str, rel: str, known: Mapping[str, OutputFile]
) -> tuple[str, int] | None:
    """Return the SHA-256 and size of ``output/rel`` now, or None when it cannot be read.

    ``known`` (files hashed earlier, such as settled.py's) is reused while the file's
    stamp is unchanged; otherwise the file is hashed. For the work done ahead while the
    Pelican child runs (search_ahead.py, compress_ahead.py).
    """
    path = os.path.join(output, rel)
    try:
        before = known.get(rel)
        stamp = stamp_of(os.stat(path, follow_symlinks=False)) if before is not None else NO_STAMP
        if unchanged(before, stamp):
            return before.sha256, before.size
        sha, status = hashed_file(path)
    except OSError:
        return None
    return sha, status.st_size


#: Never through a symlink put in a file's place, and a FIFO never makes a walk wait.
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def hashed_file(path: str) -> tuple[str, os.stat_result]:
    """Return the SHA-256 of the regular file at ``path`` and its status when it was opened.

    The status comes from the open file itself, before it is read: a file changed while
    or after it is read has a newer ``stamp`` than the one returned, so a later listing
    hashes it again. Reading stops at a short read that ends where the status said,
    without one more call to confirm the end; three system calls besides the reads,
    where ``Path.open`` and a stat of the entry took six. A symlink or anything but a
    regular file put in the entry's place since the walk saw it is refused (OSError).
    """
    fd = os.open(path, _READ)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):  # put in the file's place since the walk
            raise OSError(errno.EINVAL, "bukan berkas biasa", path)
        sha, size, total = hashlib.sha256(), status.st_size, 0
        want = min(size + 1, 1 << 20)  # one byte past the size: a file that grew is read on
        while chunk := os.read(fd, want):
            sha.update(chunk)
            total += len(chunk)
            if len(chunk) < want and total == size:
                break  # the end, where the status said: no call just to confirm it
            want = min(max(size - total, 0) + 1, 1 << 20)
        return sha.hexdigest(), status
    finally:
        os.close(fd)


def _walk(root: str, prefix: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Yield ``(rel, entry)`` of everything but folders under ``root``, in path order.

    Symlinked folders are not entered (as ``Path.rglob`` does not).
    """
    with os.scandir(root) as entries:
        found = sorted(entries, key=lambda entry: entry.name)
    for entry in found:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, f"{prefix}{entry.name}/")
        else:
            yield f"{prefix}{entry.name}", entry


def walk(root: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Yield ``(rel, entry)`` of everything but folders under ``root``, in path order."""
    return _walk(str(root))


def linked_files(output: Path) -> list[str]:
    """Return the symlinks under ``output`` that lead to a file (never published)."""
    if not output.is_dir():
        return []
    return [rel for rel, entry in _walk(str(output)) if entry.is_symlink() and entry.is_file()]


class Listing(dict[str, OutputFile]):
    """The regular files under ``root`` (by relative POSIX path), as one walk found them.

    ``links`` are the symlinks that lead to a file (never published, but audited).
    ``complete`` is False for a listing of one folder under ``root`` only (``under``).
    """

    def __init__(self, root: Path, *, complete: bool = True) -> None:
        super().__init__()
        self.root = root
        self.complete = complete
        self.links: list[str] = []


#: A stamp packed: device, inode and size unsigned, the two times signed (nanoseconds).
_STAMP = struct.Struct("<QQQqq")
#: One packed file: its SHA-256 and its stamp.
_PACKED = 32 + _STAMP.size


class Packed(Mapping[str, OutputFile]):
    """Files of one folder, each kept as its SHA-256 (32 bytes) and packed stamp (40 bytes).

    Why: a listing's ``OutputFile`` entries take about 620 bytes each, 16 MB for the
    26,000 files of a 10,000-item site, and some listings are held while a publish's
    memory is at its peak (settled.py: the hashes taken while Pelican runs) or are made
    by another process (targets/local_look.py: the live release, as ``wire`` bytes, and
    its record, targets/local_record.py). Each lookup makes a new
    ``OutputFile`` from the packed bytes, with the hash and the stamp exactly as they were
    read; ``sha256`` and ``stamp`` give one part without making it.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._packed: dict[str, bytes] = {}

    def wire(self) -> bytes:
        """Return the files as bytes (each path, a NUL, 72 packed bytes): ``from_wire``."""
        return b"".join(
            rel.encode("utf-8", "surrogateescape") + b"\0" + packed
            for rel, packed in self._packed.items()
        )

    @classmethod
    def from_wire(cls, root: Path, wire: bytes) -> Packed:
        """Return the files ``wire`` wrote (each path, a NUL, 72 packed bytes).

        ValueError when ``wire`` is not such a list.
        """
        packed, at, size = cls(root), 0, _PACKED
        while at < len(wire):
            end = wire.index(b"\0", at)
            if end + 1 + size > len(wire):
                raise ValueError("daftar berkas terpotong")
            packed._packed[wire[at:end].decode("utf-8", "surrogateescape")] = wire[
                end + 1 : end + 1 + size
            ]
            at = end + 1 + size
        return packed

    def add(self, rel: str, sha256: str, stamp: Stamp) -> None:
        """Keep the hash of the file ``rel`` as it was when its ``stamp`` was taken.

        ValueError for a hash that is not 64 hex digits or a stamp that does not pack.
        """
        digest = bytes.fromhex(sha256)
        if len(digest) != 32:
            raise ValueError(f"bukan SHA-256: {sha256!r}")
        try:
            self._packed[rel] = digest + _STAMP.pack(*stamp)
        except struct.error as error:
            raise ValueError(str(error)) from None

    def __getitem__(self, rel: str) -> OutputFile:
        packed = self._packed[rel]
        stamp: Stamp = _STAMP.unpack_from(packed, 32)
        return OutputFile(rel, self.root, stamp[2], packed[:32].hex(), stamp)

    def sha256(self, rel: str) -> str | None:
        """Return the SHA-256 of ``rel`` (hex), or None when it is not here."""
        packed = self._packed.get(rel)
        return None if packed is None else packed[:32].hex()

    def stamp(self, rel: str) -> Stamp:
        """Return the stamp of ``rel`` (KeyError when it is not here)."""
        stamp: Stamp = _STAMP.unpack_from(self._packed[rel], 32)
        return stamp

    def names(self) -> list[str]:
        """Return the files kept so far (a copy: a walk may go on adding to them)."""
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


def fresh(files: Mapping[str, OutputFile] | None, output: Path) -> Listing | None:
    """Return ``files`` if it is a complete listing of ``output`` itself, else None.

    Such a listing is made by the build after the last write to its folder, and used
    instead of walking the folder again (the audit, the plan and the local deploy); any
    other listing is only a hint of hashes (``list_output``'s ``known``).
    """
    if isinstance(files, Listing) and files.complete and files.root == output:
        return files
    return None


def rooted(files: Listing, root: Path) -> Listing:
    """Return ``files`` as they are after their folder was renamed to ``root``.

    A rename keeps every file (device, inode, times), so no file is read or stat-ed.
    """
    moved = Listing(root, complete=files.complete)
    moved.links = list(files.links)
    for rel, file in files.items():
        moved[rel] = OutputFile(rel, root, file.size, file.sha256, file.stamp)
    return moved


def list_output(
    output: Path, known: Mapping[str, OutputFile] | None = None, *, under: str = ""
) -> Listing:
    """Return every regular file under ``output`` keyed by its relative POSIX path.

    ``known`` (an earlier listing of the same files, possibly from before a rename of
    ``output``) saves hashing a file again while its ``stamp`` is unchanged. ``under``
    (a folder path) lists only that folder of ``output`` (an incomplete listing).
    """
    files = Listing(output, complete=not under)
    top = output / under if under else output
    if not top.is_dir():
        return files
    prefix = f"{under.strip('/')}/" if under else ""
    for file in _entries(output, top, prefix, known or {}, files.links):
        files[file.rel] = file
    return files


def pack_output(output: Path, known: Mapping[str, OutputFile] | None = None) -> Packed:
    """Return ``list_output(output, known)`` packed, its symlinks left out (never published).

    For a listing made in another process (targets/local_look.py: the live release,
    answered as ``Packed.wire`` bytes) or held long: each entry is packed as it is made,
    so the whole listing never exists as entries.
    """
    packed = Packed(output)
    if output.is_dir():
        for file in _entries(output, output, "", known or {}, []):
            packed.add(file.rel, file.sha256, file.stamp)
    return packed


def _entries(
    output: Path, top: Path, prefix: str, known: Mapping[str, OutputFile], links: list[str]
) -> Iterator[OutputFile]:
    """Yield the entry of each regular file under ``top``, hashing only what is not known.

    The symlinks that lead to a file are added to ``links`` (never published, but audited).
    """
    root, here = output, True  # the last root compared (a listing shares one Path per root)
    for rel, entry in _walk(str(top), prefix):
        if entry.is_symlink():
            if entry.is_file():
                links.append(rel)
            continue
        if not entry.is_file():
            continue
        before = known.get(rel)
        stamp = stamp_of(entry.stat()) if before is not None else NO_STAMP
        if unchanged(before, stamp):
            if before.root is not root:  # compared once per Path object, not per file
                root, here = before.root, before.root == output
            # the very same entry where it is the same folder: an MD5 worked out is kept
            yield before if here else OutputFile(rel, output, stamp[2], before.sha256, stamp)
        else:
            sha, status = hashed_file(entry.path)  # the stamp of the file actually read
            yield OutputFile(rel, output, status.st_size, sha, stamp_of(status))
