"""Old exports and builds are removed while the Pelican child runs, not while a publish waits.

A publish used to delete the commit's export (one hard link per file of the commit) and
its own build output on its critical path: at 5,000 items some 70,000 ``unlink`` and
10,000 ``rmdir`` calls, seconds in which nothing else happened. Now a publish that
succeeded only renames them out of the way (``throw_out``: one ``rename``, so the name is
free at once), and the next publish removes every ``.buang-*`` folder of ``var/`` in a
thread (``Sweeper``) while its Pelican child runs and the publishing process would only
wait. The thread is joined before that publish returns, under the publish lock.

A publish that fails or is stopped still removes its folders before it says so (the
kill tests), and whatever a killed process could not remove stays a ``.buang-*`` folder
that the next publish sweeps (``faults.discard`` renames to the same names).
"""

from __future__ import annotations

import errno
import secrets
import threading
from pathlib import Path

from .faults import TRASH_PREFIX, sweep


def throw_out(folder: Path, into: Path) -> None:
    """Rename ``folder`` to a ``.buang-*`` folder in ``into`` (same file system), if it exists.

    The next ``Sweeper`` (or ``faults.sweep``) of ``into`` removes it.
    """
    if not folder.exists() and not folder.is_symlink():
        return
    trash = into / f"{TRASH_PREFIX}{folder.name}-{secrets.token_hex(4)}"
    try:
        folder.rename(trash)
    except OSError as error:
        if error.errno != errno.ENOENT:
            raise


class Sweeper:
    """Remove the ``.buang-*`` folders of one folder in a background thread (best effort)."""

    def __init__(self, parent: Path) -> None:
        self.parent = parent
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start removing (once); the caller goes on at once."""
        if self.thread is None:
            self.thread = threading.Thread(
                target=sweep, args=(self.parent,), name="kpu-sweep", daemon=True
            )
            self.thread.start()

    def join(self) -> None:
        """Wait until the thread is done (or sweep here, if it was never started)."""
        if self.thread is None:
            sweep(self.parent)
        else:
            self.thread.join()
