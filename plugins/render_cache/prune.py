"""The page cache kept to what the last few builds used; everything older is removed.

Each build adds an entry for every page whose inputs changed, and a one-change publish
changes the key of every listing page showing the item (about 240 at 5,000 items), so
the cache only grew: the bench site held 52,000 entries (213 MB) for 7,500 pages after
about 150 publishes. Now every build writes the keys it looked up to ``halaman-dipakai/``
(``record``), and every ``KEEP`` builds ``prune`` removes what none of the last ``KEEP``
builds used:

- a page entry (``halaman/``) whose key none of them looked up and that is older than
  the oldest of them (an entry written by a build still running is newer: it stays);
- an entry of the caches whose users touch what they read (named with ``by_last_use``,
  opened ``MachineCache(touch=True)``: converted Markdown, template analyses,
  provenance pieces, image variants) last read or written before the oldest of them
  began, unless the namespace's pack holds it (a build reads a packed entry from the
  pack and leaves its file untouched; approval_gate/cache_pack.py);
- a stored page or provenance piece (``halaman-berkas/``) whose status changed before
  the oldest of them began. Linking a file into an output changes its ``ctime``, so every
  file a kept build linked or stored is newer; removing an old output changes it too,
  which only keeps such a file a few builds longer.

One prune removes at most ``MOST`` files; a cache grown large before (or left alone for
long) is cleared a share per build, the lists kept until it is done.

Removing is always safe here, only slower: a missing entry or file is a miss and the
page is rendered again (pages.py). What must not happen is removing what the next build
will want; a list that cannot be read stops the prune before anything is removed.
See docs/rendering.md, "Pruning".
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from approval_gate.api import OPEN_FOLDER, packed_keys, write_whole, writer_gone

from .page_files import FOLDER as FILES

#: The folder of the builds' lists of keys, in the cache folder.
USED = "halaman-dipakai"
#: How many builds' pages are kept; the prune runs once every this many builds.
KEEP = 4
#: Kept besides: whatever changed up to this long before the oldest kept build began. A
#: file system stamps times coarsely (a clock tick, or a whole second or two on some), so
#: a file a build touched just after it began may carry a time before its start.
MARGIN_NS = 2_000_000_000
#: At most this many files are removed by one prune (about a second on the bench
#: machine): a cache grown before pruning existed (52,000 stale entries on the bench
#: site: 10 s at once) is cleared over the next builds, one share each.
MOST = 5_000
#: The namespaces kept by last use (``by_last_use``): each is declared where it is named.
_AGED: set[str] = set()
_HEADER = "halaman-dipakai 1"
_LIST = re.compile(r"([0-9]{1,20})-([0-9]{1,10})\.txt")
#: A list being written (``write_whole``'s temporary name); left behind by a killed build.
_WRITING = re.compile(r"\.([0-9]{1,20})-([0-9]{1,10})\.txt\.[^/]*\.tmp")
_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Pruned:
    """What one prune removed (for the build's statistics, tests and bench/)."""

    entries: int
    files: int
    lists: int


def by_last_use(namespace: str) -> str:
    """Declare a namespace whose users touch each entry they read; return its name.

    Its entries are then kept while a recent build reads them (``prune``'s ``aged``):
    a module names its cache's namespace with it, so whatever a build uses is declared.
    """
    _AGED.add(namespace)
    return namespace


def aged() -> tuple[str, ...]:
    """Return the namespaces declared with ``by_last_use``, in order."""
    return tuple(sorted(_AGED))


def record(folder: Path, started_ns: int, keys: bytes) -> None:
    """Write the list of page keys one build looked up (started at ``started_ns``).

    ``keys`` are the raw SHA-256 digests one after the other: for the 15,000 pages of
    10,000 items a set of hex strings holds 2.2 MB (tracemalloc), these bytes 0.5 MB,
    at the child's peak, where a publish's memory is at its limit.
    """
    lines = (f"{keys[at : at + 32].hex()}\n" for at in range(0, len(keys), 32))
    path = folder / USED / f"{started_ns}-{os.getpid()}.txt"
    with contextlib.suppress(OSError):  # only the pruning needs it: the next prune waits
        write_whole(path, chain([_HEADER + "\n"], lines))


def prune(
    folder: Path, namespace: str, aged: Iterable[str] = (), keep: int = KEEP
) -> Pruned | None:
    """Remove what none of the last ``keep`` builds used, once ``2 * keep`` have recorded.

    ``namespace`` holds the entries the lists name; ``aged`` are namespaces whose users
    touch every entry they read (``MachineCache(touch=True)``), so their entries are
    kept by time alone. Returns None when nothing was done: too few lists yet, or one of
    the last ``keep`` could not be read (then nothing is removed).
    """
    try:
        names = os.listdir(folder / USED)
    except OSError:
        return None
    lists = sorted(
        (int(found[1]), name) for name in names if (found := _LIST.fullmatch(name)) is not None
    )
    if len(lists) < 2 * keep:
        return None
    recent = lists[-keep:]
    keys = _keys(folder / USED, [name for _, name in recent])
    if keys is None:
        return None
    since = recent[0][0] - MARGIN_NS
    try:
        entries = _prune_entries(folder / namespace, keys, since, MOST)
        for name in aged:  # the time each was last read or written decides, or its pack
            packed = packed_keys(str(folder), name)  # read from there: its file untouched
            entries += _prune_entries(folder / name, packed, since, MOST - entries)
        files = _prune_files(folder / FILES, since, MOST - entries)
    except OSError:  # a folder that cannot be listed (an I/O error): the build goes on
        return None
    removed = 0
    if entries + files < MOST:  # else the next build prunes again, lists and all
        for name in [name for _, name in lists[:-keep]] + _abandoned(names, since):
            with contextlib.suppress(OSError):
                os.unlink(folder / USED / name)
                removed += 1
    return Pruned(entries, files, removed)


def _abandoned(names: list[str], since: int) -> list[str]:
    """Return the lists a killed build was writing: begun before ``since``, its process gone."""
    found = []
    for name in names:
        writing = _WRITING.fullmatch(name)
        if writing is not None and int(writing[1]) < since and writer_gone(writing[2]):
            found.append(name)
    return found


def _keys(used: Path, names: list[str]) -> set[str] | None:
    """Return the union of the keys in ``names``, or None if any list is not whole."""
    keys: set[str] = set()
    for name in names:
        try:
            lines = (used / name).read_text(encoding="ascii").split("\n")
        except (OSError, UnicodeDecodeError):
            return None
        if lines[0] != _HEADER or lines[-1] != "" or not all(map(_KEY.fullmatch, lines[1:-1])):
            return None
        keys.update(lines[1:-1])
    return keys


def _prune_entries(namespace: Path, keys: set[str], since: int, most: int) -> int:
    """Remove up to ``most`` entries (``<key[:2]>/<key>``) not in ``keys``, older than ``since``."""
    removed = 0
    try:
        top = os.open(namespace, OPEN_FOLDER)
    except OSError:
        return 0
    try:
        with os.scandir(top) as shards:
            for shard in shards:
                if removed >= most:
                    break
                if len(shard.name) != 2 or not shard.is_dir(follow_symlinks=False):
                    continue
                try:
                    fd = os.open(shard.name, OPEN_FOLDER, dir_fd=top)
                except OSError:
                    continue
                try:
                    removed += _remove_old(fd, since, keys, most - removed)
                finally:
                    os.close(fd)
    finally:
        os.close(top)
    return removed


def _prune_files(store: Path, since: int, most: int) -> int:
    """Remove up to ``most`` stored files whose status last changed before ``since``."""
    try:
        fd = os.open(store, OPEN_FOLDER)
    except OSError:
        return 0
    try:
        return _remove_old(fd, since, None, most)
    finally:
        os.close(fd)


def _remove_old(fd: int, since: int, keys: set[str] | None, most: int) -> int:
    """Remove up to ``most`` files in folder ``fd`` not in ``keys``, changed before ``since``.

    With ``keys`` the file's modification time counts (an entry is written, never
    linked); without, its status change (a stored file is linked by every build using it).
    """
    removed = 0
    with os.scandir(fd) as entries:
        for entry in entries:
            if removed >= most:
                break
            if keys is not None and entry.name in keys:
                continue
            try:
                status = entry.stat(follow_symlinks=False)
                if entry.is_dir(follow_symlinks=False):
                    continue
                if (status.st_ctime_ns if keys is None else status.st_mtime_ns) < since:
                    os.unlink(entry.name, dir_fd=fd)
                    removed += 1
            except OSError:
                continue  # gone already (another build's prune), or not ours to remove
    return removed
