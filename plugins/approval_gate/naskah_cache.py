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
build, their SHA-256 when they were read from a regular file never through a symlink
(``read_by_reader``). The gate hands those hashes to the content cache as known bytes
(gate.py), so the digest does not read and hash the source a second time where the
file's identity moved but its bytes did not (a sealed publish's export, whose links to
the blob store's files move their ``ctime``), and judges the very bytes Pelican converted.
"""

from __future__ import annotations

import hashlib
import os
import stat
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

#: Sources the reader read in this build: content folder (real path) -> path under it
#: -> (SHA-256 hex, size), for one folder at a time. Emptied as each build starts
#: (``forget_sources_read``).
_READ: dict[str, dict[str, tuple[str, int]]] = {}
_REAL: dict[str, str] = {}
#: A regular file is opened without following a symlink and without waiting (a FIFO).
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


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


def _regular(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def read_item_source(root: str, path: str) -> tuple[bytes, str]:
    """Return a source's bytes (as ``Path(path).read_bytes()``) and their SHA-256 hex.

    ``root`` is the content folder (Pelican's PATH). A regular file that is no symlink
    is read from one open file, and its hash kept for the gate's digest of this build
    (``read_by_reader``). Anything else is read as the plain read does (any error is its
    error) and not kept, so the digest reads it itself, with its own checks.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        fd = -1
    if fd >= 0 and not _regular(fd):
        os.close(fd)  # a folder or a FIFO: read below, as before
        fd = -1
    if fd >= 0:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read()
        sha = hashlib.sha256(data).hexdigest()
        top = root.rstrip(os.sep)
        if top and os.path.isabs(top) and path.startswith(top + os.sep):
            _kept(root)[path[len(top) + 1 :].replace(os.sep, "/")] = (sha, len(data))
        return data, sha
    data = Path(path).read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def forget_sources_read() -> None:
    """Forget what the reader read: a new build starts (its reads are its own)."""
    _READ.clear()


def read_by_reader(
    content: Path, item: str, cache: ContentCache, limits: Limits, folders: dict[str, bool]
) -> None:
    """Give ``cache`` the hash of the bytes the reader read of ``item`` in this build.

    The content cache takes a known hash only for a regular file within its limit whose
    bytes it hashed before (cache.py). These were read from a regular file, never
    through a symlink (``read_item_source``); here they must be within the limit and
    below folders that are no symlinks (``folders`` remembers each folder's answer for
    the build): as the digest's own read would have found them. Otherwise the digest
    reads the source itself, as without the reader.
    """
    read = _READ.get(_real(str(content)), {}).get(item)
    if read is None or read[1] > limits.of(item)[0]:
        return
    if _plain_folders(str(content), item, folders):
        cache.known[item] = read[0]


def _plain_folders(root: str, rel: str, checked: dict[str, bool]) -> bool:
    """Tell whether every folder of ``rel`` below ``root`` is a real folder, no symlink."""
    folder = ""
    for part in rel.split("/")[:-1]:
        if part in ("", ".", ".."):
            return False
        folder = f"{folder}/{part}" if folder else part
        if folder not in checked:
            try:
                checked[folder] = stat.S_ISDIR(os.lstat(os.path.join(root, folder)).st_mode)
            except OSError:
                checked[folder] = False
        if not checked[folder]:
            return False
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
