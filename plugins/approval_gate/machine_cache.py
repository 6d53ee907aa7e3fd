"""Caches that can only make things faster: keyed on bytes, sealed with the machine's key.

A publish must cost what changed, so results worked out from approved bytes (a verified
sign-off, a converted Markdown text, a rendered page) are kept on the machine and reused
when the same bytes come again. Such a cache must never change what is published: an
entry is found by a key that is a hash of everything that shaped it (the source bytes,
the code, settings and theme versions), and every entry carries an HMAC-SHA256 made with
a random key that only this machine's account can read (``.kunci``, mode 0600, made on
first use). An entry that is missing, truncated, copied from another key or namespace,
written by another machine or edited by hand fails its check and reads as missing, so
the caller works the result out again. Nothing here ever raises for a bad entry.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from .atomic import write_new, write_whole
from .cache_pack import Pack
from .json_tables import key_text

KEY_FILE = ".kunci"
#: An entry's file is the machine account's alone (as ``mkstemp`` made them).
ENTRY_MODE = 0o600
_MAC = hashlib.sha256().digest_size


def cache_key(*parts: Any) -> str:
    """Return the hex sha256 of ``parts`` in one canonical encoding (JSON, sorted keys).

    Non-JSON values are encoded with ``repr``; pass plain data (strings, numbers, lists,
    dicts) so the fingerprint does not depend on an object's memory address. The text is
    ``json_tables.key_text``'s (orjson).
    """
    return hashlib.sha256(key_text(parts).encode("utf-8")).hexdigest()


def code_digest(*files: Path) -> str | None:
    """Return the hex sha256 of these source files (name and bytes, in the order given).

    Caches put it in their keys so entries made by other code are never read back as this
    code's results. None when a file cannot be read: the caller then keeps nothing.
    """
    hasher = hashlib.sha256()
    try:
        for path in files:
            hasher.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return hasher.hexdigest()


def _machine_key(folder: Path) -> bytes:
    """Return this cache folder's secret key, making it (0600, atomically) when missing."""
    path = folder / KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    temporary = folder / f".{KEY_FILE}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
    try:
        os.link(temporary, path)  # the first writer wins; a racing one reads its key
    except FileExistsError:
        key = path.read_bytes()
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _touch(fd: int) -> None:
    """Set an open file's times to now; a file that cannot be touched is left as it is."""
    try:
        os.utime(fd)
    except OSError:
        pass  # still read: pruning by age may then remove it, and it is made again


class MachineCache:
    """Entries of bytes under hex keys in ``folder``, each sealed with the machine key.

    ``namespace`` separates the users of one folder (a sign-off result can never be read
    back as a page). Entries live in ``folder/<namespace>/<key[:2]>/<key>``. With
    ``packed`` the entries a build reads are also kept together in
    ``folder/<namespace>.pak`` for the next build (cache_pack.py); the build ends its
    packs with ``finish_packs``.
    """

    def __init__(
        self, folder: Path, namespace: str, *, touch: bool = False, packed: bool = False
    ) -> None:
        self.folder = Path(folder)
        self.namespace = namespace
        # ``touch``: a read entry gets a new modification time, so a cache pruned by age
        # keeps what builds still read (render_cache/prune.py)
        self.touch = touch
        self._key: bytes | None = None
        # plain strings: a build looks up ~17,000 entries, and pathlib's joins and
        # ``read_bytes`` cost as much as the HMAC itself (issue 12)
        self._root = os.path.join(str(self.folder), namespace)
        self._prefix = f"{namespace}\0".encode()
        self.packed = packed

    @property
    def key(self) -> bytes:
        """The machine key, read (or made) on first use so an unused cache costs nothing."""
        if self._key is None:
            self._key = _machine_key(self.folder)
        return self._key

    def _mac(self, name: str, data: bytes) -> bytes:
        message = self._prefix + name.encode() + b"\0" + data
        return hmac.digest(self.key, message, "sha256")  # one C call, same HMAC-SHA256

    def seal(self, data: bytes, name: str = "") -> bytes:
        """Return ``data`` with its MAC in front (for a one-file cache the caller writes)."""
        return self._mac(name, data) + data

    def unseal(self, blob: bytes, name: str = "") -> bytes | None:
        """Return the data of a sealed ``blob``, or None when its MAC does not match."""
        if len(blob) < _MAC:
            return None
        mac, data = blob[:_MAC], blob[_MAC:]
        try:
            expected = self._mac(name, data)
        except OSError:  # the key cannot be read or made (a read-only or full disk)
            return None
        return data if hmac.compare_digest(mac, expected) else None

    def path_of(self, key: str) -> Path:
        """Where the entry for ``key`` lives (two-letter folders keep listings short)."""
        return Path(self._where(key))

    def _where(self, key: str) -> str:
        """``path_of`` as a plain string (the one spelling of the layout)."""
        return os.path.join(self._root, key[:2], key)

    def get(self, key: str) -> bytes | None:
        """Return the entry stored under ``key``, or None (missing or failing its check)."""
        pack = self._pack() if self.packed else None
        if pack is not None:
            blob = pack.blob(key)
            data = self.unseal(blob, key) if blob is not None else None
            if data is not None:
                pack.note(key, hit=True)
                return data
        blob = self._read(key, self.touch)
        if blob is None:
            return None
        data = self.unseal(blob, key)
        if pack is not None and data is not None:
            pack.note(key, hit=False)
        return data

    def has(self, key: str) -> bool:
        """Tell whether an entry for ``key`` is kept (in the pack or its file), unchecked.

        For work planned ahead (the Markdown pool converts what is not kept): the entry
        is checked when it is read, and a bad one is then made again.
        """
        if self.packed and self._pack().holds(key):
            return True
        return os.path.isfile(self._where(key))

    def unchecked_packed(self) -> list[bytes]:
        """Return the data of every entry the pack holds, in its order, **unchecked**.

        Only to warm what a build is about to read (the stored pages, page_files.py); a
        value here may be anything and is never used as an entry. Opens a pack of its
        own (not this build's), so nothing is counted.
        """
        pack = Pack(str(self.folder), self.namespace)
        try:
            return [blob[_MAC:] for blob in pack.unchecked()]
        finally:
            pack.close()

    def read_file(self, key: str) -> bytes | None:
        """Return the sealed blob of ``key``'s own file, unchecked, or None (cache_pack.py)."""
        return self._read(key, touch=False)

    def _read(self, key: str, touch: bool) -> bytes | None:
        """Return ``key``'s file as it is (``touch``: dated now), or None if unreadable."""
        try:
            with open(self._where(key), "rb") as stream:
                blob = stream.read()
                if touch:
                    _touch(stream.fileno())
        except (OSError, ValueError):
            return None
        return blob

    def put(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key``; a full disk is ignored.

        A new entry is written straight under its name, opened ``NEW_FILE`` (never
        through a file or link planted there), in plain calls: a first publish at 5,000
        items puts 15,600 entries, and ``write_whole``'s paths, ``mkstemp``, folder check
        and rename took about twice the write (issue 12). One whose name is taken (an
        entry made again after failing its check, rare) is replaced by ``write_whole``.
        A write cut short leaves a truncated entry, which fails its check and reads as
        missing like any damaged one.
        """
        if self.packed:
            self._pack().wrote(key)  # read from its file for the rest of the build
        where = self._where(key)
        try:
            blob = self.seal(value, key)
            try:
                _write_entry(where, blob)
            except FileExistsError:
                write_whole(Path(where), blob)  # a new file renamed over it (mode 0600)
        except OSError:
            pass  # a cache that cannot be written only makes the next run slower

    def _pack(self) -> Pack:
        """Return this process's open pack of the namespace (opened on first use)."""
        found = _packs.get(self._root)
        if found is None:
            found = _packs[self._root] = (Pack(str(self.folder), self.namespace), self)
        return found[0]


def _write_entry(where: str, blob: bytes) -> None:
    """Write ``blob`` as the new file ``where``, making its two-letter folder if new."""
    try:
        write_new(where, blob, mode=ENTRY_MODE)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(where), exist_ok=True)
        write_new(where, blob, mode=ENTRY_MODE)


#: The packs opened by this process since its last ``finish_packs``, by namespace folder.
_packs: dict[str, tuple[Pack, MachineCache]] = {}


def finish_packs() -> int:
    """End this build's packs: write those that no longer fit (cache_pack.py); count them.

    Called when a build's last entry has been read (the render cache's ``finalized``,
    after the theme's provenance record); a pack opened later starts the next build's
    count. Never raises: a pack that cannot be written leaves the one on disk.
    """
    written = 0
    while _packs:
        _, (pack, cache) = _packs.popitem()
        written += pack.finish(cache)
    return written
