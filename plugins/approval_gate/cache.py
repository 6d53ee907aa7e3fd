"""The gate's cache: verified sign-offs and content hashes, keyed on file identity.

A warm build must not re-read, re-parse and re-verify tens of thousands of unchanged
files. Entries are keyed on the file's path plus its inode, size, modification time and
change time (``ctime``, which no user-space tool can set back), the same identity git's
index trusts. Any write to a file changes that identity and the file is read again.

The cache lives on the publishing machine, outside the output and outside the
repository's tracked files; it holds only results of checks this machine made. Signed
payloads and signatures are not stored: a restored sign-off was verified when cached.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

from .atomic import write_whole
from .digest import ContentFiles, Limits
from .records import SignOff

CACHE_FORMAT = 2
_SIGNOFF_FIELDS = (
    "item",
    "role",
    "signer",
    "decision",
    "note",
    "signed_at",
    "digest",
    "key",
    "signature_error",
)


def identity(stat: os.stat_result) -> str:
    """Return the identity of a file version: inode, size, mtime and ctime."""
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


class _JsonCache:
    """A JSON file of named tables, loaded once and written back only when changed."""

    name = ""
    tables: tuple[str, ...] = ()

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.file = folder / self.name if folder else None
        self.data: dict[str, dict[str, Any]] = {table: {} for table in self.tables}
        self.changed = False
        if self.file and self.file.is_file():
            try:
                loaded = json.loads(self.file.read_text())
                if loaded.get("format") == CACHE_FORMAT:
                    self.data = {table: dict(loaded[table]) for table in self.tables}
            except (ValueError, KeyError, TypeError, AttributeError):
                pass  # a broken cache only makes this run slower

    def save(self) -> None:
        """Write the cache atomically, only if something changed."""
        if not self.file or not self.changed:
            return
        write_whole(
            self.file, json.dumps({"format": CACHE_FORMAT, **self.data}, separators=(",", ":"))
        )
        self.changed = False


class SignoffCache(_JsonCache):
    """Verified sign-offs by file identity."""

    name = "signoffs.json"
    tables = ("signoffs",)

    def __init__(self, folder: Path | None) -> None:
        super().__init__(folder)
        self.seen: set[str] = set()

    def signoff(self, rel: str, ident: str, path: str) -> SignOff | None:
        """Return the verified sign-off cached for this file version, if any."""
        self.seen.add(rel)
        entry = self.data["signoffs"].get(rel)
        if entry is None or entry[0] != ident:
            return None
        values = dict(zip(_SIGNOFF_FIELDS, entry[1:], strict=True))
        values["signed_at"] = datetime.fromisoformat(values["signed_at"])
        return SignOff(path=path, payload="", signature="", **values)

    def put_signoff(self, rel: str, ident: str, signoff: SignOff) -> None:
        """Remember a verified sign-off for this file version."""
        entry = [ident] + [getattr(signoff, name) for name in _SIGNOFF_FIELDS]
        entry[_SIGNOFF_FIELDS.index("signed_at") + 1] = signoff.signed_at.isoformat()
        self.data["signoffs"][rel] = entry
        self.changed = True

    def forget_unseen(self) -> None:
        """Drop entries of sign-off files that no longer exist."""
        stale = set(self.data["signoffs"]) - self.seen
        for rel in stale:
            del self.data["signoffs"][rel]
        self.changed |= bool(stale)


class ContentCache(_JsonCache):
    """Content hashes and link lists by file identity."""

    name = "content.json"
    tables = ("sources", "files")


class CachedContentFiles(ContentFiles):
    """Content hashes and link lists, recomputed only for files whose identity changed.

    Identities come from ``lstat``: only a regular file within its limit is looked up or
    remembered; anything else goes to ``ContentFiles.read``, which refuses it.
    """

    def __init__(self, root: Path, cache: ContentCache, limits: Limits | None = None) -> None:
        super().__init__(root, limits)
        self.cache = cache
        self.base = str(root)  # plain strings: pathlib costs show at thousands of files

    def _identity(self, rel: str) -> str | None:
        """Return the identity of a regular file within its limit, else None (read it)."""
        try:
            info = os.lstat(os.path.join(self.base, rel))
        except OSError:
            return None
        limit = self.limit(rel)[0]
        if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
            return None
        return identity(info)

    def source(self, item: str) -> tuple[str, list[str]]:
        """Return the source's SHA-256 and references, from the cache when unchanged."""
        ident = self._identity(item)
        entry = self.cache.data["sources"].get(item)
        if ident is not None and entry is not None and entry[0] == ident:
            return entry[1], entry[2]
        sha, refs = super().source(item)
        if ident is not None:
            self.cache.data["sources"][item] = [ident, sha, refs]
            self.cache.changed = True
        return sha, refs

    def sha256(self, rel: str) -> str | None:
        """Return a referenced file's SHA-256, from the cache when unchanged."""
        ident = self._identity(rel)
        entry = self.cache.data["files"].get(rel)
        if ident is not None and entry is not None and entry[0] == ident:
            return str(entry[1])
        sha = super().sha256(rel)
        if ident is not None and sha is not None:
            self.cache.data["files"][rel] = [ident, sha]
            self.cache.changed = True
        return sha
