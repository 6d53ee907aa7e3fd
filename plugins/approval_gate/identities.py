"""Every file's identity under a folder, for keys that must change when any file does.

The status snapshot (snapshot.py) is keyed on the identity (mode, inode, size, mtime and
ctime) of every file under content/ and approvals/: 25,000 ``lstat`` calls at 5,000
items, the largest cost of a warm ``invoke status`` and mostly the kernel's. ``elsewhere``
lets one listing run in a forked child on the other core while this process does the
rest.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path


def _identities(root: str, skip: str, out: list[str]) -> bool:
    """Append the identity of every file under ``root``; False if any entry is a symlink.

    A folder is listed, not stat'ed: any entry added, removed or renamed shows in its
    listing, and a folder that cannot be listed is recorded as such. A symlink (which the
    gate refuses, but through which a folder could reach files elsewhere) means no
    snapshot at all.
    """
    folders = [""]
    while folders:
        rel = folders.pop()
        try:
            with os.scandir(os.path.join(root, rel) if rel else root) as entries:
                listed = list(entries)
        except OSError as error:
            out.append(f"{rel}\0!{error.errno}")
            continue
        for entry in listed:
            name = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    out.append(f"{name}/")
                    if name != skip:
                        folders.append(name)
                    continue
                if entry.is_symlink():
                    return False
                info = entry.stat(follow_symlinks=False)
            except OSError as error:
                out.append(f"{name}\0!{error.errno}")
                continue
            out.append(
                f"{name}\0{info.st_mode}\0{info.st_ino}\0{info.st_size}"
                f"\0{info.st_mtime_ns}\0{info.st_ctime_ns}"
            )
    return True


def listing(root: Path, skip: str) -> str | None:
    """Return a hash of the identities under ``root`` (None: a symlink lies under it)."""
    seen: list[str] = [f"\0root\0{root}"]
    if not _identities(str(root), skip, seen):
        return None
    return hashlib.sha256("\n".join(seen).encode("utf-8", "surrogateescape")).hexdigest()


def core_free() -> bool:
    """Tell whether another core is likely idle (the last minute's load is below the cores)."""
    cores = os.cpu_count() or 1
    try:
        return cores > 1 and os.getloadavg()[0] < cores
    except OSError:
        return False


def elsewhere(work: Callable[[], str | None]) -> Callable[[], str | None]:
    """Start ``work`` in a forked child; return a function that waits for its answer.

    One ``lstat`` per file is the warm ``invoke status``'s largest cost, and mostly the
    kernel's: a child lists approvals/ (four files in five) on the other core while this
    process lists content/ and reads the snapshot. Not forked (the work is then done when
    its answer is asked for, here) when threads run, which a fork would leave in an
    unknown state, when no core is free (measured: under a load of 8 on two cores the
    child only made the wait longer) or when the fork fails; a child that gives no
    answer changes nothing either, its work is done again here.
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
            os.write(write, b"=" + (found or "").encode("ascii"))
            code = 0
        finally:
            os._exit(code)
    os.close(write)

    def answer() -> str | None:
        with os.fdopen(read, "rb") as stream:
            data = stream.read()
        os.waitpid(pid, 0)
        if not data.startswith(b"="):
            return work()
        return data[1:].decode("ascii") or None

    return answer
