"""The naskah checks' memory: each source is read once, and scanned once per version.

``invoke status`` and every build check every item. The digest already reads a source
whose file identity changed (and only then); ``SourceSeen`` keeps those bytes and the
source's SHA-256, so the scan needs no second read. Scans are remembered by item and
source hash in ``naskah.json`` beside the content cache: a warm run reads no source at
all, and a scan is never used for bytes other than the ones it was made from. Links are
looked up again on every run (a linked file may appear or vanish without the source
changing).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .cache import CachedContentFiles, ContentCache, _JsonCache
from .digest import Limits
from .naskah import read_source, scan_text
from .naskah_text import Link, Problem, Scan

#: The modules whose code decides a scan (``scan_text`` itself is in naskah.py): a change
#: to any makes every scan again.
_SCANNING = ("naskah.py", "naskah_text.py", "naskah_meta.py", "schedule.py", "sop.py")


def _scan_version() -> str:
    """Return a hash of the checks' own code, so a changed check never uses an old scan."""
    hasher = hashlib.sha256()
    for name in _SCANNING:
        try:
            hasher.update((Path(__file__).parent / name).read_bytes())
        except OSError:  # no source beside the module: scans are not kept between runs
            return ""
    return hasher.hexdigest()[:16]


SCAN_VERSION = _scan_version()


class SourceSeen(CachedContentFiles):
    """Content files for one item's digest that keep what the digest saw of its source."""

    def __init__(self, root: Path, cache: ContentCache, limits: Limits, item: str) -> None:
        super().__init__(root, cache, limits)
        self.item = item
        self.sha: str | None = None
        self.kept: bytes | None = None

    def source(self, item: str) -> tuple[str, list[str]]:
        """Return the source's hash and references, remembering the hash."""
        sha, refs = super().source(item)
        self.sha = sha
        return sha, refs

    def read(self, rel: str) -> bytes | None:
        """Return a content file's bytes, keeping the source's (read only when it changed)."""
        data = super().read(rel)
        if rel == self.item:
            self.kept = data
        return data


class NaskahCache(_JsonCache):
    """Scans by item and source hash, kept between runs."""

    name = "naskah.json"
    tables = ("naskah",)

    def scan(self, item: str, sha: str) -> Scan | None:
        """Return the scan made of this version of the item's source, if any."""
        entry = self.data["naskah"].get(item)
        if not entry or not SCAN_VERSION or entry[0] != SCAN_VERSION or entry[1] != sha:
            return None
        try:
            return _from_json(entry[2])
        except (TypeError, ValueError, IndexError):
            return None  # a damaged entry only costs a new scan

    def scan_of(self, content: Path, item: str, sha: str | None, limits: Limits) -> Scan:
        """Return the scan of the item's source whose hash the digest saw as ``sha``.

        A source no run has scanned yet is read here, through the gate's safe reader. No
        hash: the source was refused, which the digest's problems already say.
        """
        scan = self.scan(item, sha) if sha else None
        if scan is None and sha is not None:
            data = read_source(content, item, limits)
            if data is not None:
                scan = self.keep_scan(item, hashlib.sha256(data).hexdigest(), data)
        return scan or Scan((), ())

    def keep_scan(self, item: str, sha: str, data: bytes) -> Scan:
        """Scan the item's source ``data`` (SHA-256 ``sha``) and keep the scan for later runs."""
        scan = scan_text(item, data.decode("utf-8", "replace"))
        self.data["naskah"][item] = [SCAN_VERSION, sha, _to_json(scan)]
        self.changed = True
        return scan


def _to_json(scan: Scan) -> list[Any]:
    return [
        [[p.line, p.message, p.hint] for p in scan.problems],
        [[k.line, k.keyword, k.raw, k.target] for k in scan.links],
    ]


def _from_json(data: list[Any]) -> Scan:
    problems, links = data
    return Scan(
        tuple(Problem(line, str(message), str(hint)) for line, message, hint in problems),
        tuple(Link(int(line), str(kw), str(raw), target) for line, kw, raw, target in links),
    )
