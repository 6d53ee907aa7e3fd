"""The gate's caches: verified sign-offs and content hashes, sealed with the machine key.

A warm build must not re-read, re-parse and re-verify tens of thousands of unchanged
files, and a sealed publish, which reads a fresh export every time, must not verify
twenty thousand unchanged sign-offs again. So a sign-off's verification is kept under
the hash of its BYTES (``verified``: who signed exactly these bytes, or why nobody
validly did, and a passkey's web origin), with the path under approvals/ it was judged
at and the code that judged it. Whether that signer may sign for a role, and whether
that origin is the desk's, are roster questions, answered afresh on every run
(rules.py): a changed roster or anchor never reuses a judgement.

Files are found again by identity (their folder, inode, size, modification and change
time; ``ctime`` no user-space tool can set back, the identity git's index trusts): an
unchanged file is neither read nor hashed. A file in another folder (a new export) is
read and hashed, then found by its bytes. A sign-off whose SHA-256 the caller vouches for
(a sealed publish's export) is found by those bytes alone and never by identity: an
export is a new folder on every publish, and its files' change times move whenever the
blob store they are linked from is linked or swept (export_hashes.py), so the identity
table (``signoffs.json``) is then neither read nor written.

Each cache is one JSON file sealed with an HMAC under the cache folder's machine key
(machine_cache.py): a file edited by hand, copied from another machine or folder, or
cut short reads as empty and everything is worked out again. Signed payloads and
signatures are not stored: a restored sign-off was verified when cached.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import stat
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from .atomic import write_whole
from .digest import ContentFiles, Limits
from .json_tables import dump_bytes, load_bytes
from .machine_cache import MachineCache, code_digest
from .records import SignOff

CACHE_FORMAT = 4
#: Who validly signed a sign-off: the key, why nobody did, a passkey's web origin.
Signer = tuple[str | None, str | None, str | None]
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
    "origin",
)
#: The modules whose code decides what a sign-off file says and who signed it: a change
#: to any verifies every sign-off again.
_VERIFYING = (
    "records.py",
    "yamlfile.py",
    "signatures.py",
    "passkeys.py",
    "sshwire.py",
    "signoff_reading.py",
    "cache.py",
)


def _verify_version() -> str:
    """Return a hash of the verifying code; empty (keep nothing by bytes) without sources."""
    digest = code_digest(*(Path(__file__).parent / name for name in _VERIFYING))
    return digest[:16] if digest else ""


VERIFY_VERSION = _verify_version()


#: Sign-off caches of at least this many files are written by a forked child while
#: this process judges (a cold run at 20,000 sign-offs: 17 MB, about 0.25 s of its path).
BACKGROUND_SAVE = 4000
_saving: list[int] = []
_HOME = os.getpid()


def wait_for_saves() -> None:
    """Wait until every cache this process handed to a child is written (or given up).

    Called before any cache is read and at exit, so nothing in this process, nor a
    command run after it, ever sees a cache half saved (each file is replaced whole
    anyway: at worst the older one is read, and work is done again).
    """
    while _saving:
        try:
            os.waitpid(_saving.pop(), 0)
        except ChildProcessError:
            pass


atexit.register(wait_for_saves)


def place(folder: str) -> str:
    """Return a short name of ``folder`` for identities (the cache may serve two folders)."""
    return hashlib.sha256(folder.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def identity(stat: os.stat_result) -> str:
    """Return the identity of a file version: inode, size, mtime and ctime."""
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


class _JsonCache:
    """A sealed JSON file of named tables, loaded once and written back only when changed."""

    name = ""
    tables: tuple[str, ...] = ()
    #: Read on the first use of ``data`` instead of when made: a table some runs never
    #: need (the sign-offs' identities, in a sealed publish) costs them nothing.
    lazy = False

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.file = folder / self.name if folder else None
        self.sealer = MachineCache(folder, "approval-gate") if folder else None
        self._data: dict[str, dict[str, Any]] = {table: {} for table in self.tables}
        self.changed = False
        self._unread = bool(self.file and self.sealer)
        if not self.lazy:
            self._read()
        elif self._unread:
            wait_for_saves()  # as when read now: never a file a child is still writing

    @property
    def data(self) -> dict[str, dict[str, Any]]:
        """The tables, read from the file on first use."""
        if self._unread:
            self._read()
        return self._data

    @property
    def loaded(self) -> bool:
        """Tell whether the tables were read (or there is no file to read them from)."""
        return not self._unread

    def _read(self) -> None:
        self._unread = False
        if self.file and self.sealer:
            self._load(self.file, self.sealer)

    def code(self) -> str:
        """Return the version of the code whose results the tables hold ("": any).

        A file written by other code is not loaded at all: its tables would be read,
        held in memory and copied to every worker, only for nothing in them to match.
        """
        return ""

    def _load(self, file: Path, sealer: MachineCache) -> None:
        wait_for_saves()
        try:
            blob = file.read_bytes()
        except OSError:
            return
        try:
            data = sealer.unseal(blob, self.name)
        except OSError:  # no key and none can be made here: work everything out again
            return
        if data is None:
            return  # edited, from another machine or folder, or cut short: work it out again
        try:
            loaded = load_bytes(data)
            if loaded.get("format") == CACHE_FORMAT and loaded.get("code", "") == self.code():
                self._data = {table: dict(loaded[table]) for table in self.tables}
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # a broken cache only makes this run slower

    def save(self) -> None:
        """Write the cache atomically, only if something changed."""
        if not self.file or not self.sealer or not self.changed:
            return
        kept = {"format": CACHE_FORMAT, "code": self.code(), **self._data}
        try:
            write_whole(self.file, self.sealer.seal(dump_bytes(kept), self.name))
        except OSError:
            pass  # a cache that cannot be written only makes the next run slower
        self.changed = False


def content_key(rel: str, data: bytes, namespace: str) -> str | None:
    """Return the key of a sign-off's verification: its bytes, path, namespace and code."""
    return key_of(rel, hashlib.sha256(data).hexdigest(), namespace)


def key_of(rel: str, sha: str, namespace: str) -> str | None:
    """Return ``content_key`` of the bytes whose SHA-256 is ``sha`` (hex).

    One SHA-256 over the fields (none of them can hold a NUL), not ``cache_key``'s JSON:
    this runs for every sign-off a fresh export holds. A sealed publish knows each
    exported file's SHA-256 already (from the verified blob store), so it finds a
    verification without reading the file (``read_signoffs``'s ``known``).
    """
    if not VERIFY_VERSION:
        return None
    text = f"{VERIFY_VERSION}\0{namespace}\0{rel}\0{sha}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def entry_of(signoff: SignOff, signer: Signer | None = None) -> list[Any]:
    """Return what is kept of a verified sign-off (not its signed text or signature).

    ``signer``: who signed it, when not yet in ``signoff`` (a worker's parsed sign-off,
    sent back as this entry). In ``_SIGNOFF_FIELDS`` order, written out: this runs for
    every sign-off of a cold run.
    """
    s = signoff
    key, error, origin = signer or (s.key, s.signature_error, s.origin)
    return [
        s.item, s.role, s.signer, s.decision, s.note, s.signed_at.isoformat(), s.digest,
        key, error, origin,
    ]  # fmt: skip


def signoff_of(entry: list[Any], path: str) -> SignOff | None:
    """Return the sign-off an entry keeps (None if the entry is damaged)."""
    try:  # positional: this runs for every sign-off of a warm run
        item, role, signer, decision, note, signed, digest, key, error, origin = entry
        moment = datetime.fromisoformat(signed)
    except (TypeError, ValueError):
        return None
    return SignOff(
        path, item, role, signer, decision, note, moment, digest, "", "", key, error, origin
    )


class VerifiedCache(_JsonCache):
    """Verifications by content key: loaded only when a file's identity is new."""

    name = "verified.json"
    tables = ("verified",)

    def code(self) -> str:
        """Return the verifying code's version (``VERIFY_VERSION``)."""
        return VERIFY_VERSION


class SignoffCache(_JsonCache):
    """Verified sign-offs found by file identity (``files``) or by content (``verified``).

    A warm run finds every file by identity in ``signoffs.json``, whose entries also hold
    the content key and the result, so ``verified.json`` is read only when some file is
    new to this folder (a fresh export, a new sign-off). A ``files`` row is
    ``[place|identity, content key, *entry]`` (``_file``); a ``verified`` one, the entry.
    A file whose hash the caller vouches for is found by content only (``vouched``) and
    gets no ``files`` row, so a sealed publish never reads or writes ``signoffs.json``.
    """

    name = "signoffs.json"
    tables = ("files",)
    lazy = True

    def code(self) -> str:
        """Return the verifying code's version: a file found by identity was checked by it."""
        return VERIFY_VERSION

    def __init__(self, folder: Path | None, root: str = "") -> None:
        super().__init__(folder)
        self.root = place(root)
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self._verified: VerifiedCache | None = None

    @property
    def verified(self) -> VerifiedCache:
        """The content-keyed results, read on first use."""
        if self._verified is None:
            self._verified = VerifiedCache(self.folder)
        return self._verified

    def known(self, rel: str, ident: str, path: str) -> SignOff | None:
        """Return the sign-off this file version held when it was read before."""
        self.seen.add(rel)
        entry = self.data["files"].get(rel)
        if entry is None or entry[0] != f"{self.root}|{ident}":
            return None
        found = signoff_of(entry[2:], path)
        if found is not None:
            self.used.add(str(entry[1]))
        return found

    def take(self, rel: str, ident: str, key: str, path: str) -> SignOff | None:
        """Return the verification kept for these bytes (``key``), noting this file holds them.

        The kept entry is filed as it is, not made again from the restored sign-off
        (``entry_of``): 20,000 times in each fresh export, it was a tenth of the time.
        """
        entry = self.verified.data["verified"].get(key)
        found = signoff_of(entry, path) if entry is not None else None
        if entry is not None and found is not None:
            self._file(rel, ident, key, entry)
        return found

    def vouched(self, key: str, path: str) -> SignOff | None:
        """Return the verification kept for the vouched-for bytes of ``key``, noting no file.

        No ``files`` row is made: the caller vouches for the hash, not for an identity.
        """
        entry = self.verified.data["verified"].get(key)
        found = signoff_of(entry, path) if entry is not None else None
        if found is not None:
            self.used.add(key)
        return found

    def put(self, rel: str, ident: str | None, key: str, entry: list[Any]) -> None:
        """Remember a verified sign-off by its bytes, and this file version as holding them.

        ``entry``: the sign-off as kept (``entry_of``), as the workers send it. ``ident``
        None: a file whose hash the caller vouched for, kept by its bytes only.
        """
        if ident is None:
            self.used.add(key)
        else:
            self._file(rel, ident, key, entry)
        table = self.verified.data["verified"]
        if table.get(key) != entry:
            table[key] = entry
            self.verified.changed = True

    def _file(self, rel: str, ident: str, key: str, entry: list[Any]) -> None:
        """Note that the file ``rel``, at identity ``ident``, holds the bytes of ``key``."""
        self.data["files"][rel] = [f"{self.root}|{ident}", key, *entry]
        self.changed = True
        self.used.add(key)

    def forget_unseen(self) -> None:
        """Drop entries of files that no longer exist and of bytes no file holds now."""
        tables: list[tuple[dict[str, Any], set[str], _JsonCache]] = []
        if self.loaded:  # not read (every file vouched for): left as it is
            tables.append((self._data["files"], self.seen, self))
        if self._verified is not None:  # not read: nothing new, nothing to tidy
            tables.append((self._verified.data["verified"], self.used, self._verified))
        for table, kept, cache in tables:
            stale = set(table) - kept
            for name in stale:
                del table[name]
            cache.changed |= bool(stale)

    def save(self) -> None:
        """Write both files, each only if something changed; a large pair in a child.

        A cold run's 17 MB took the main process about 0.25 s after every sign-off was
        checked, with the other core idle: a forked child writes them while this
        process judges (``wait_for_saves``). Only with one thread (a fork copies just
        the caller's) and the machine key made first, so the child seals with the key
        every later run reads.
        """
        caches = [c for c in (self, self._verified) if c is not None and c.changed]
        size = max((len(table) for c in caches for table in c._data.values()), default=0)
        if caches and size >= BACKGROUND_SAVE and self._fork_ok():
            try:
                for cache in caches:
                    if cache.sealer is not None:
                        cache.sealer.key  # noqa: B018 (made here, not in the child)
                pid = os.fork()
            except OSError:
                pid = -1
            if pid == 0:  # the child: write, then leave without running anything else
                try:
                    for cache in caches:
                        _JsonCache.save(cache)
                finally:
                    os._exit(0)
            if pid > 0:
                _saving.append(pid)
                for cache in caches:
                    cache.changed = False
                return
        for cache in caches:
            _JsonCache.save(cache)

    def _fork_ok(self) -> bool:
        """Fork only the process that loaded this module, with one thread, not a build.

        A fork copies only the calling thread; a forked process (a pool's worker, a
        publish's ``in_fork``) may end without running ``wait_for_saves``; and a build
        or publish keeps its memory figure without a copy of itself (only ``invoke
        status`` and the like, which end soon after, gain from it).
        """
        if self.file is None or not hasattr(os, "fork") or threading.active_count() != 1:
            return False
        return os.getpid() == _HOME and "pelican" not in sys.modules


class ContentCache(_JsonCache):
    """Content hashes and link lists by file identity.

    ``known``: SHA-256 of content files by path under content/, given by a caller that
    knows the bytes already (a sealed publish's export, from its verified blob store);
    never written to disk.
    """

    name = "content.json"
    tables = ("sources", "files")

    def __init__(self, folder: Path | None, known: dict[str, str] | None = None) -> None:
        super().__init__(folder)
        self.known = known or {}


class CachedContentFiles(ContentFiles):
    """Content hashes and link lists, recomputed only for files whose identity changed.

    Identities come from ``lstat`` and include the content folder, so a cache shared by
    two folders (exports of successive publishes) never takes one for the other. Only a
    regular file within its limit is looked up or remembered; anything else goes to
    ``ContentFiles.read``, which refuses it.
    """

    def __init__(self, root: Path, cache: ContentCache, limits: Limits | None = None) -> None:
        super().__init__(root, limits)
        self.cache = cache
        self.base = str(root)  # plain strings: pathlib costs show at thousands of files
        self.place = place(self.base)

    def _identity(self, rel: str) -> str | None:
        """Return the identity of a regular file within its limit, else None (read it)."""
        try:
            info = os.lstat(os.path.join(self.base, rel))
        except OSError:
            return None
        limit = self.limit(rel)[0]
        if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
            return None
        return f"{self.place}|{identity(info)}"

    def source(self, item: str) -> tuple[str, list[str]]:
        """Return the source's SHA-256 and references, from the cache when unchanged."""
        ident = self._identity(item)
        entry = self.cache.data["sources"].get(item)
        if ident is not None and entry is not None:
            if entry[0] == ident:
                return entry[1], entry[2]
            if entry[1] == self.cache.known.get(item):  # the same bytes in a new export
                self.cache.data["sources"][item] = [ident, entry[1], entry[2]]
                self.cache.changed = True
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
        known = self.cache.known.get(rel)
        sha = known if ident is not None and known is not None else super().sha256(rel)
        if ident is not None and sha is not None:
            self.cache.data["files"][rel] = [ident, sha]
            self.cache.changed = True
        return sha
