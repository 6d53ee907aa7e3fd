"""Committing what the desk made: the person's files, in their name, one at a time.

Git is the database of content and decisions. Every desk action that makes files
(a naskah, a sign-off, a roster proposal) writes them into the work tree and commits
exactly those paths with the person as author and the desk as committer. Commits are
serialised by a lock file under the desk's data folder (``fcntl``: threads of this
process and any other desk or CLI process that takes it), so concurrent approvals never
interleave an index or lose a commit.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from approval_gate.api import run_git

from .accounts import Account
from .errors import DeskError

COMMITTER = ("Meja Persetujuan", "meja@kpu-rembang.invalid")
_THREADS = threading.Lock()


@contextmanager
def repository_lock(data: Path) -> Iterator[None]:
    """Hold the desk's repository lock (threads and processes) for the block."""
    with _THREADS, open(data / "git.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def commit(root: Path, data: Path, paths: Sequence[Path], message: str, author: Account) -> str:
    """Commit exactly ``paths`` (files under ``root``) as ``author``; return the commit sha.

    Call it with the files already written. Raises ``DeskError`` (with git's words) when
    git refuses; the files stay in the work tree for the web admin to look at.
    """
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": COMMITTER[0],
        "GIT_COMMITTER_EMAIL": COMMITTER[1],
    }
    names = [str(Path(p).resolve().relative_to(root.resolve())) for p in paths]
    with repository_lock(data):
        for args in (
            ("add", "--", *names),
            ("commit", "-q", "--no-verify", "-m", message, "--", *names),
        ):
            done = run_git(root, *args, env=env)
            if done is None:
                raise DeskError(
                    "Program git tidak ditemukan di server meja.",
                    hint="Pasang git (Debian: paket git).",
                )
            if done.returncode != 0:
                raise DeskError(
                    f"git menolak menyimpan perubahan: {done.error.strip()}",
                    hint="Berkasnya tetap ada di folder situs; beri tahu Web Admin.",
                )
        head = run_git(root, "rev-parse", "HEAD", env=env)
    return head.text.strip() if head else ""
