"""Every file's identity under a folder, for keys that must change when any file does.

The status snapshot (snapshot.py) is keyed on the identity (mode, inode, size, mtime and
ctime) of every file under content/ and approvals/: 25,000 ``lstat`` calls and 5,000
folder listings at 5,000 items, the largest cost of a warm ``invoke status`` and mostly
the kernel's. So the work can be shared between two processes, a folder's walk is cut
in *units*: ``plan`` lists the folder and its subfolders (two levels), and each folder
two levels down (an item's sign-offs in approvals/) is one unit, walked whole and hashed
on its own. The key is the hash of the plan's identities and every unit's hash in the
plan's order, whichever process worked a unit out; ``elsewhere`` runs a share of the
units in a forked child on the other core while this process does the rest.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

_DIGEST = hashlib.sha256().digest_size


class _Symlink(Exception):
    """A symlink lies under the folder: no key at all."""


def _entries(root: str, rel: str, skip: str, out: list[str], folders: list[str]) -> None:
    """Append the identity of every entry of the folder ``rel``; its subfolders to ``folders``.

    A folder is listed, not stat'ed: any entry added, removed or renamed shows in its
    listing, and a folder that cannot be listed is recorded as such. A symlink (which the
    gate refuses, but through which a folder could reach files elsewhere) raises.
    """
    try:
        with os.scandir(os.path.join(root, rel) if rel else root) as entries:
            listed = list(entries)
    except OSError as error:
        out.append(f"{rel}\0!{error.errno}")
        return
    for entry in listed:
        name = f"{rel}/{entry.name}" if rel else entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                out.append(f"{name}/")
                if name != skip:
                    folders.append(name)
                continue
            if entry.is_symlink():
                raise _Symlink(name)
            info = entry.stat(follow_symlinks=False)
        except OSError as error:
            out.append(f"{name}\0!{error.errno}")
            continue
        out.append(
            f"{name}\0{info.st_mode}\0{info.st_ino}\0{info.st_size}"
            f"\0{info.st_mtime_ns}\0{info.st_ctime_ns}"
        )


@dataclass(frozen=True)
class Plan:
    """A folder's top two levels (identities) and the folders below them (the units)."""

    root: str
    skip: str
    head: list[str]
    units: list[str]


def plan(root: Path, skip: str) -> Plan | None:
    """List ``root`` and its subfolders; None when a symlink lies in them.

    ``skip``: a folder (relative to ``root``) recorded by name but never entered.
    """
    base = str(root)
    head: list[str] = [f"\0root\0{base}"]
    try:
        level: list[str] = []
        _entries(base, "", skip, head, level)
        units: list[str] = []
        for rel in level:
            _entries(base, rel, skip, head, units)
    except _Symlink:
        return None
    return Plan(base, skip, head, units)


def unit_digests(walk: Plan, picks: Sequence[int]) -> bytes | None:
    """Return the hash of each picked unit's whole walk, joined (None: a symlink in one)."""
    hashes = []
    for index in picks:
        unit = walk.units[index]
        seen = [unit]
        folders = [unit]
        try:
            while folders:
                _entries(walk.root, folders.pop(), walk.skip, seen, folders)
        except _Symlink:
            return None
        data = "\n".join(seen).encode("utf-8", "surrogateescape")
        hashes.append(hashlib.sha256(data).digest())
    return b"".join(hashes)


def combined(walk: Plan, digests: dict[int, bytes]) -> str:
    """Return the key of a walk from its plan and every unit's hash (by unit index)."""
    hasher = hashlib.sha256("\n".join(walk.head).encode("utf-8", "surrogateescape"))
    hasher.update(b"\0" + b"".join(digests[index] for index in range(len(walk.units))))
    return hasher.hexdigest()


def _by_index(picks: Sequence[int], joined: bytes | None) -> dict[int, bytes] | None:
    if joined is None or len(joined) != _DIGEST * len(picks):
        return None
    return {i: joined[n * _DIGEST : (n + 1) * _DIGEST] for n, i in enumerate(picks)}


def listing(root: Path, skip: str) -> str | None:
    """Return a hash of the identities under ``root`` (None: a symlink lies under it)."""
    walk = plan(root, skip)
    if walk is None:
        return None
    everything = range(len(walk.units))
    digests = _by_index(everything, unit_digests(walk, everything))
    return None if digests is None else combined(walk, digests)


def shared_listing(
    root: Path, skip: str, share: Callable[[int], bool], meanwhile: Callable[[], None]
) -> str | None:
    """Return ``listing(root, skip)``, the units ``share`` picks walked in a forked child.

    The child (``elsewhere``) walks its units while this process runs ``meanwhile`` and
    then walks the others; an answer of the wrong length counts as none.
    """
    walk = plan(root, skip)
    if walk is None:
        meanwhile()
        return None
    theirs = [i for i in range(len(walk.units)) if share(i)]
    ours = [i for i in range(len(walk.units)) if not share(i)]
    answer = elsewhere(lambda: unit_digests(walk, theirs))
    meanwhile()
    own = _by_index(ours, unit_digests(walk, ours))
    other = _by_index(theirs, answer())
    if other is None and own is not None:  # a symlink found there, or a broken answer
        other = _by_index(theirs, unit_digests(walk, theirs))
    if own is None or other is None:
        return None
    return combined(walk, {**own, **other})


def core_free() -> bool:
    """Tell whether another core is likely idle (the last minute's load is below the cores)."""
    cores = os.cpu_count() or 1
    try:
        return cores > 1 and os.getloadavg()[0] < cores
    except OSError:
        return False


def elsewhere(work: Callable[[], bytes | None]) -> Callable[[], bytes | None]:
    """Start ``work`` in a forked child; return a function that waits for its answer.

    One ``lstat`` per file is the warm ``invoke status``'s largest cost, and mostly the
    kernel's: a child walks a share of approvals/ on the other core while this process
    lists content/, reads the snapshot and walks the rest. Not forked (the work is then
    done when its answer is asked for, here) when threads run, which a fork would leave
    in an unknown state, when no core is free (measured: under a load of 8 on two cores
    the child only made the wait longer) or when the fork fails; a child that gives no
    answer (or says None) changes nothing either: the caller works it out again here.
    """
    if threading.active_count() > 1 or not hasattr(os, "fork") or not core_free():
        return work
    try:
        read, write = os.pipe()
    except OSError:
        return work
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return work
    if pid == 0:  # the child: answer through the pipe, never return into the caller
        code = 1
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            found = work()
            with os.fdopen(write, "wb") as stream:
                stream.write(b"-" if found is None else b"=" + found)
            code = 0
        finally:
            os._exit(code)
    os.close(write)

    def answer() -> bytes | None:
        with os.fdopen(read, "rb") as stream:
            data = stream.read()
        os.waitpid(pid, 0)
        return data[1:] if data.startswith(b"=") else None

    return answer
