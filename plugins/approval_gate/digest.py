r"""Content digests: what exactly an approver approved.

Canonical form (documented in docs/approval-records.md, reproducible with ``sha256sum``):
the digest is ``sha256:`` + hex SHA-256 of the UTF-8 text

    kpu-rembang-digest-v1\\n
    <sha256 hex of the item's source bytes>  <item path>\\n
    <sha256 hex of each referenced file>  <its path>\\n      (sorted by path, once each)

Paths are POSIX paths relative to the content folder. A referenced file that does not
exist is listed as ``MISSING  <path>`` so it cannot be added later unnoticed. Referenced
files are those linked with ``{attach}``, ``{static}`` or ``{filename}`` (the latter only
when it points at a non-source file such as a PDF), in the body or the metadata.
Files are hashed as bytes: no end-of-line or encoding conversion, ever.

Only regular files are read, each within the gate's size limit (``Limits``, from the
settings): a symlink (anywhere on the path), a FIFO, a device or a file over its limit
is never opened for reading (or is opened non-blocking and let go after ``fstat``), so a
bad file cannot hang or exhaust the build. It becomes a ``Finding`` in
``ContentDigest.problems`` and holds only its item; its line in the canonical text is
``REFUSED  <path>``, which no approved digest contains.
"""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import Finding

DIGEST_HEADER = "kpu-rembang-digest-v1\n"
SOURCE_SUFFIXES = frozenset({".md", ".markdown", ".mkd", ".rst", ".html", ".htm"})
#: Pelican's internal links (``{attach}x``, ``|static|x`` ...): keyword and target.
LINK = re.compile(r"[{|](attach|static|filename)[}|]([^\s\"'()<>\[\]]+)")
SOURCE_SETTING = "APPROVAL_GATE_MAX_SOURCE_BYTES"
ATTACHMENT_SETTING = "APPROVAL_GATE_MAX_ATTACHMENT_BYTES"
_KINDS = (
    (stat.S_ISLNK, "tautan simbolik (symlink)"),
    (stat.S_ISDIR, "folder"),
    (stat.S_ISFIFO, "pipa bernama (FIFO)"),
    (stat.S_ISSOCK, "soket"),
    (stat.S_ISCHR, "perangkat"),
    (stat.S_ISBLK, "perangkat"),
)
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Limits:
    """The largest item source and attachment the gate reads (settings.py declares them)."""

    source: int = 1024 * 1024
    attachment: int = 50 * 1024 * 1024

    def of(self, rel: str) -> tuple[int, str]:
        """Return the limit of a content file and the setting that changes it.

        Files Pelican reads as items (.md, .rst, .html ...) are sources wherever they are
        linked from; everything else is an attachment.
        """
        if posixpath.splitext(rel)[1].lower() in SOURCE_SUFFIXES:
            return self.source, SOURCE_SETTING
        return self.attachment, ATTACHMENT_SETTING


class FileRefused(ValueError):
    """A file exists but is not read: not a regular file, or over its size limit."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def not_regular(mode: int) -> str:
    """Return the refusal of a file of ``mode`` that is not a regular file (Indonesian)."""
    kind = next((name for test, name in _KINDS if test(mode)), "jenis lain")
    return f"Bukan berkas biasa ({kind}); hanya berkas biasa yang dibaca gerbang persetujuan."


def _not_regular(mode: int) -> FileRefused:
    return FileRefused(
        not_regular(mode),
        "Ganti dengan berkas biasa (salinan isinya), lalu minta persetujuan ulang.",
    )


def too_large(size: int, limit: int, setting: str | None) -> FileRefused:
    """Return the refusal of a file over its limit, naming the setting that raises it."""
    hint = (
        f"Perkecil berkasnya, atau naikkan batasnya dengan pengaturan '{setting}'."
        if setting
        else "Berkas sebesar ini tidak mungkin dibuat oleh 'invoke approve'; buat keputusan baru."
    )
    return FileRefused(f"Berkas terlalu besar: {size} bita, batasnya {limit} bita.", hint)


def _open_beneath(root: str, rel: str) -> int:
    """Open ``root/rel`` for reading without following a symlink anywhere below ``root``.

    Every folder on the way is opened with ``O_NOFOLLOW``; the file itself is first
    ``lstat``-ed (a FIFO or a device is refused without being opened) and then opened
    ``O_NONBLOCK``, so nothing here can wait for a writer.
    """
    parts = [part for part in rel.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise FileNotFoundError(rel)
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            except OSError as error:
                if error.errno in (errno.ENOTDIR, errno.ELOOP):
                    mode = os.stat(part, dir_fd=folder, follow_symlinks=False).st_mode
                    raise _not_regular(mode) from None
                raise
            os.close(folder)
            folder = inner
        mode = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode)
        return os.open(parts[-1], _OPEN_FLAGS, dir_fd=folder)
    finally:
        os.close(folder)


def read_regular(
    root: str, rel: str, limit: int | None, setting: str | None = None
) -> bytes | None:
    """Return the bytes of the regular file ``root/rel``, or None if it does not exist.

    Raises ``FileRefused`` for a symlink (on any part of the path), anything that is not
    a regular file, or a file over ``limit`` bytes (``setting`` is named in the hint;
    ``limit`` None reads any size).
    """
    try:
        fd = _open_beneath(root, rel)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise FileRefused(
            f"Berkas tidak dapat dibaca: {error.strerror or error}.",
            "Periksa izin dan jenis berkasnya.",
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped after the lstat: still refused
            raise _not_regular(info.st_mode)
        if limit is not None and info.st_size > limit:
            raise too_large(info.st_size, limit, setting)
        data = _read_all(fd, info.st_size, limit)
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:  # grew while being read
        raise too_large(len(data), limit, setting)
    return data


def _read_all(fd: int, size: int, limit: int | None) -> bytes:
    """Return the file's bytes to its end, or to one byte past ``limit`` (None: any size).

    Asks for the size ``fstat`` gave plus one byte, so the usual file is read in one
    call and its end seen in a second. Asking for ``limit + 1`` at once, as a file
    object does, made Python allocate (and the kernel map) a buffer of the limit for
    every file: 1 MB for a 6 KB source, five times the cost of the read itself.
    """
    chunks = []
    total = 0
    want = size + 1
    while True:
        if limit is not None:
            want = min(want, limit + 1 - total)
        chunk = os.read(fd, max(want, 1))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if limit is not None and total > limit:
            break
        want = 64 * 1024  # grew after the fstat: read on in pieces
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


@dataclass(frozen=True)
class ContentDigest:
    """The digest of one item and the files it covers (the item's source first).

    ``problems`` are files that exist but were refused (see the module's docstring): an
    item with any is held whatever its sign-offs say.
    """

    item: str
    value: str
    files: tuple[str, ...]
    missing: tuple[str, ...]
    problems: tuple[Finding, ...] = ()


def link_target(folder: str, raw: str) -> tuple[str, str | None] | None:
    """Return a link's path as written (unquoted) and where it points under content/.

    ``folder`` is the linking item's folder; a path starting with ``/`` is relative to
    content/. The second value is None when the link leaves content/; the whole result
    is None when the link has no path. The digest and the naskah checks both read links
    through this one function, so they never disagree about which file a link names.
    """
    path = unquote(urlparse(raw).path)
    if not path:
        return None
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
    normal = posixpath.normpath(joined)
    return path, None if normal == ".." or normal.startswith("../") else normal


def links_to_item(keyword: str, path: str) -> bool:
    """Tell whether a link points at another item (not a file published with this one)."""
    return keyword == "filename" and posixpath.splitext(path)[1].lower() in SOURCE_SUFFIXES


def referenced_files(item: str, source_text: str) -> list[str]:
    """Return the content-relative paths of local files the item links to, sorted."""
    found: set[str] = set()
    base = posixpath.dirname(item)
    for match in LINK.finditer(source_text):
        kind, raw = match.groups()
        target = link_target(base, raw)
        if target is None or links_to_item(kind, target[0]) or target[1] is None:
            continue
        found.add(target[1])
    return sorted(found)


class ContentFiles:
    """Reads content files for digests; ``cache.CachedContentFiles`` remembers them.

    Subclasses that read another version of the files (a git commit, for the editorial
    preview and report) override only ``read``. ``read`` may raise ``FileRefused``.
    With ``limits`` (the gate's, from the settings; the ledger passes them) a file that
    is not regular or is over its limit raises ``FileRefused``, which the digest turns
    into a finding. Without them (tools that re-check what the gate admitted: the
    preview's history, the provenance record, tests) any size is read and such a file is
    simply absent: never followed, never waited on, never a crash.
    """

    def __init__(self, root: Path, limits: Limits | None = None) -> None:
        self.root = root
        self.limits = limits

    def limit(self, rel: str) -> tuple[int | None, str | None]:
        """Return the size limit of a content file and its setting (None: no limit)."""
        return self.limits.of(rel) if self.limits else (None, None)

    def read(self, rel: str) -> bytes | None:
        """Return the bytes of a regular content file within its limit, or None if absent."""
        try:
            return read_regular(str(self.root), rel, *self.limit(rel))
        except FileRefused:
            if self.limits is None:
                return None
            raise

    def source(self, item: str) -> tuple[str, list[str]]:
        """Return the SHA-256 of the item's source and the files it references."""
        data = self.read(item)
        if data is None:
            raise FileNotFoundError(item)
        refs = referenced_files(item, data.decode("utf-8", errors="replace"))
        return hashlib.sha256(data).hexdigest(), [ref for ref in refs if ref != item]

    def sha256(self, rel: str) -> str | None:
        """Return the SHA-256 of a referenced file, or None if it does not exist."""
        data = self.read(rel)
        return hashlib.sha256(data).hexdigest() if data is not None else None


def _refused(item: str, rel: str, error: FileRefused) -> Finding:
    return Finding(f"content/{rel}", error.message, error.hint, None, item)


def content_digest(
    content_root: Path, item: str, files: ContentFiles | None = None
) -> ContentDigest:
    """Compute the digest of ``item`` (a path under ``content_root``) in canonical form."""
    files = files or ContentFiles(content_root)
    try:
        source_sha, refs = files.source(item)
    except FileRefused as error:
        text = f"{DIGEST_HEADER}REFUSED  {item}\n"
        value = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return ContentDigest(item, f"sha256:{value}", (), (), (_refused(item, item, error),))
    lines = [DIGEST_HEADER, f"{source_sha}  {item}\n"]
    covered = [item]
    missing = []
    problems = []
    for ref in refs:
        try:
            sha = files.sha256(ref)
        except FileRefused as error:
            lines.append(f"REFUSED  {ref}\n")
            problems.append(_refused(item, ref, error))
            continue
        if sha is not None:
            lines.append(f"{sha}  {ref}\n")
            covered.append(ref)
        else:
            lines.append(f"MISSING  {ref}\n")
            missing.append(ref)
    value = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    return ContentDigest(item, f"sha256:{value}", tuple(covered), tuple(missing), tuple(problems))
