"""The naskah checks' memory: each source is read once, and scanned once per version.

``invoke status`` and every build check every item. The digest already reads a source
whose file identity changed (and only then); ``SourceSeen`` keeps those bytes and the
source's SHA-256, so the scan needs no second read. Scans are remembered by item and
source hash in ``naskah.json`` beside the content cache: a warm run reads no source at
all, and a scan is never used for bytes other than the ones it was made from. Links are
looked up again on every run (a linked file may appear or vanish without the source
changing).

In a Pelican build the caching Markdown reader (plugins/render_cache) reads every source
before the gate judges it: ``read_item_source`` gives it the bytes and keeps, for this
build, their SHA-256 when they were read as the digest reads (``digest.read_regular``: a
regular file, no symlink anywhere below the content folder). The gate hands those
hashes to the content cache as known bytes (gate.py), so the digest does not read and
hash the source a second time where the file's identity moved but its bytes did not (a
sealed publish's export, whose links to the blob store's files move their ``ctime``),
and judges the very bytes Pelican converted.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from .cache import CachedContentFiles, ContentCache, _JsonCache
from .digest import FileRefused, Limits, read_regular
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

#: Sources the reader read in this build: content folder (real path) -> path under it
#: -> (SHA-256 hex, size), for one folder at a time. Emptied as each build starts
#: (``forget_sources_read``).
_READ: dict[str, dict[str, tuple[str, int]]] = {}
_REAL: dict[str, str] = {}


def _real(root: str) -> str:
    if root not in _REAL:
        _REAL[root] = os.path.realpath(root)
    return _REAL[root]


def _kept(root: str) -> dict[str, tuple[str, int]]:
    """Return the reads kept under ``root``; those of any other folder are dropped."""
    real = _real(root)
    if real not in _READ:
        _READ.clear()  # one build reads one content folder: a long-lived process stays small
        _READ[real] = {}
    return _READ[real]


def read_item_source(root: str, path: str) -> tuple[bytes, str]:
    """Return a source's bytes (as ``Path(path).read_bytes()``) and their SHA-256 hex.

    ``root`` is the content folder (Pelican's PATH). A source below it is read by the
    digest's own reader (``read_regular``: a regular file, no symlink on the way), and
    its hash kept for the gate's digest of this build (``read_by_reader``). Anything
    else is read as the plain read does (any error is its error) and not kept, so the
    digest reads it itself, with its own checks.
    """
    top = root.rstrip(os.sep)
    if top and os.path.isabs(top) and path.startswith(top + os.sep):
        rel = path[len(top) + 1 :].replace(os.sep, "/")
        try:
            data = read_regular(top, rel, None)
        except FileRefused:
            data = None
        if data is not None:
            sha = hashlib.sha256(data).hexdigest()
            _kept(root)[rel] = (sha, len(data))
            return data, sha
    data = Path(path).read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def forget_sources_read() -> None:
    """Forget what the reader read: a new build starts (its reads are its own)."""
    _READ.clear()


def read_by_reader(content: Path, item: str, cache: ContentCache, limits: Limits) -> bool:
    """Give ``cache`` the hash of the bytes the reader read of ``item`` in this build.

    Only within the item's limit (the digest's read would refuse more), and never in
    place of a hash the cache's caller gave (a sealed publish's export): returns whether
    it gave one, so the caller takes back exactly what was given. The content cache
    takes a known hash only for a regular file within its limit whose bytes it hashed
    before (cache.py); otherwise the digest reads the source itself, as without the reader.
    """
    read = _READ.get(_real(str(content)), {}).get(item)
    if read is None or read[1] > limits.of(item)[0] or item in cache.known:
        return False
    cache.known[item] = read[0]
    return True


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
