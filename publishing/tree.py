"""The files of a built output as the targets compare them: path, size and checksums.

Every target decides "changed or not" from the same listing, so an unchanged site sends
nothing whichever target it goes to. MD5 is kept because S3 ETags of single-part uploads
are MD5 hex digests; SHA-256 is what the publication archive records.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OutputFile:
    """One file of a built output."""

    rel: str  # POSIX path relative to the output root
    path: Path
    size: int
    md5: str
    sha256: str

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


def _digests(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def list_output(output: Path) -> dict[str, OutputFile]:
    """Return every regular file under ``output`` keyed by its relative POSIX path."""
    files = {}
    for path in sorted(output.rglob("*")):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(output).as_posix()
            md5, sha = _digests(path)
            files[rel] = OutputFile(rel, path, path.stat().st_size, md5, sha)
    return files
