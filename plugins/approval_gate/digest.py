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
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

DIGEST_HEADER = "kpu-rembang-digest-v1\n"
SOURCE_SUFFIXES = frozenset({".md", ".markdown", ".mkd", ".rst", ".html", ".htm"})
_LINK = re.compile(r"[{|](attach|static|filename)[}|]([^\s\"'()<>\[\]]+)")


@dataclass(frozen=True)
class ContentDigest:
    """The digest of one item and the files it covers (the item's source first)."""

    item: str
    value: str
    files: tuple[str, ...]
    missing: tuple[str, ...]


def referenced_files(item: str, source_text: str) -> list[str]:
    """Return the content-relative paths of local files the item links to, sorted."""
    found: set[str] = set()
    base = posixpath.dirname(item)
    for match in _LINK.finditer(source_text):
        kind, raw = match.groups()
        path = unquote(urlparse(raw).path)
        if not path:
            continue
        if kind == "filename" and posixpath.splitext(path)[1].lower() in SOURCE_SUFFIXES:
            continue  # a link to another item, not a file published with this one
        joined = path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
        normal = posixpath.normpath(joined)
        if not normal.startswith("../") and normal != "..":
            found.add(normal)
    return sorted(found)


class ContentFiles:
    """Reads content files for digests; ``cache.CachedContentFiles`` remembers them.

    Subclasses that read another version of the files (a git commit, for the editorial
    preview and report) override only ``read``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, rel: str) -> bytes | None:
        """Return the bytes of a content file, or None if it does not exist."""
        path = self.root / rel
        return path.read_bytes() if path.is_file() else None

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


def content_digest(
    content_root: Path, item: str, files: ContentFiles | None = None
) -> ContentDigest:
    """Compute the digest of ``item`` (a path under ``content_root``) in canonical form."""
    files = files or ContentFiles(content_root)
    source_sha, refs = files.source(item)
    lines = [DIGEST_HEADER, f"{source_sha}  {item}\n"]
    covered = [item]
    missing = []
    for ref in refs:
        sha = files.sha256(ref)
        if sha is not None:
            lines.append(f"{sha}  {ref}\n")
            covered.append(ref)
        else:
            lines.append(f"MISSING  {ref}\n")
            missing.append(ref)
    value = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    return ContentDigest(item, f"sha256:{value}", tuple(covered), tuple(missing))
