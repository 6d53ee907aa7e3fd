"""Old exports and builds are removed after a publish, by a detached low-priority process.

A publish used to delete the commit's export (one hard link per file of the commit) and
its own build output on its critical path: at 5,000 items some 70,000 ``unlink`` and
10,000 ``rmdir`` calls, seconds in which nothing else happened. A publish that succeeded
therefore only renames them out of the way (``throw_out``: one ``rename``, so the name
is free at once). They were then removed by the next publish, in a thread while its
Pelican child ran; but on this disk that sweep slowed the child by more than it took
alone (docs/publishing.md, "Deleting is off the critical path"). Now every publish ends,
good or failed and still under the publish lock, by handing every ``.buang-*`` folder of
``var/`` to a detached process at the lowest CPU priority (``sweep_later``; the kernel
derives its disk priority from it), so the live site switches and the command returns
without waiting for the disk. If that process cannot be started, the folders are removed here.

A publish that fails or is stopped still removes its folders before it says so (the
kill tests), and whatever a killed process could not remove stays a ``.buang-*`` folder
that the end of a later publish hands to the remover (``faults.discard`` renames to the
same names).
"""

from __future__ import annotations

import errno
import secrets
import subprocess
import sys
from pathlib import Path

from .faults import TRASH_PREFIX, sweep


def throw_out(folder: Path, into: Path) -> None:
    """Rename ``folder`` to a ``.buang-*`` folder in ``into`` (same file system), if it exists.

    ``sweep_later`` (or ``faults.sweep``) of ``into`` removes it.
    """
    if not folder.exists() and not folder.is_symlink():
        return
    trash = into / f"{TRASH_PREFIX}{folder.name}-{secrets.token_hex(4)}"
    try:
        folder.rename(trash)
    except OSError as error:
        if error.errno != errno.ENOENT:
            raise


#: Run by the detached remover: leave the publishing process's session (a second fork, so
#: the publish reaps its child at once and nothing is left a zombie), take the lowest
#: priority, remove each folder named. ``-I``: no site packages, no environment paths.
_REMOVER = """
import os, shutil, sys
if os.fork():
    os._exit(0)
os.setsid()
os.setpriority(os.PRIO_PROCESS, 0, 19)
for path in sys.argv[1:]:
    shutil.rmtree(path, ignore_errors=True)
"""


def sweep_later(parent: Path) -> subprocess.Popen[bytes] | None:
    """Hand every ``.buang-*`` folder of ``parent`` to a detached remover (best effort).

    Returns the started process (already ended: the remover is its own child) or None
    when there was nothing to remove or the remover could not be started, in which case
    the folders were removed here. Symlinks named like trash are never followed
    (``shutil.rmtree`` refuses them).
    """
    trash = sorted(str(path) for path in parent.glob(f"{TRASH_PREFIX}*")) if parent.is_dir() else []
    if not trash:
        return None
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", _REMOVER, *trash],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        process.wait(timeout=30)
    except (OSError, subprocess.SubprocessError):
        sweep(parent)
        return None
    return process
