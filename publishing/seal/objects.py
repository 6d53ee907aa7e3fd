"""The git objects of one commit: its tree (every entry, with mode and size) and its blobs.

Read straight from the object database, never through a work tree: ``git ls-tree`` lists
the tree, and one long-running ``git cat-file --batch`` streams the blobs, each checked
against its object id as it is read, so what the export writes is exactly the commit.
Replace objects are ignored (``GIT_NO_REPLACE_OBJECTS``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from approval_gate.api import run_git

from . import SealError

#: The commit's own objects, never a ``refs/replace`` substitute.
NO_REPLACE = {"GIT_NO_REPLACE_OBJECTS": "1"}
CHUNK = 1 << 20


@dataclass(frozen=True)
class Entry:
    """One entry of ``git ls-tree -r``: mode, object type, object id and path (bytes)."""

    mode: str
    kind: str
    oid: str
    raw: bytes
    size: int = 0

    @property
    def path(self) -> str:
        """Return the path for people and messages (undecodable bytes escaped)."""
        return self.raw.decode("utf-8", errors="backslashreplace")


def _git_env() -> dict[str, str]:
    return {**os.environ, **NO_REPLACE}


def list_tree(repo: Path, commit: str) -> list[Entry]:
    """Return every entry of ``commit``'s tree, or raise ``SealError``."""
    done = run_git(repo, "ls-tree", "-r", "-z", "-l", "--full-tree", commit, env=_git_env())
    if done is None or not done.ok:
        raise SealError(
            f"Isi commit {commit[:12]} tidak dapat dibaca dari git: "
            f"{done.error.strip() if done else 'git tidak ditemukan'}."
        )
    entries = []
    for record in done.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        mode, kind, oid, size = meta.decode("ascii").split()
        entries.append(Entry(mode, kind, oid, raw, int(size) if size.isdigit() else 0))
    return entries


class Blobs:
    """Blob contents through one long-running ``git cat-file --batch`` process.

    A stream, not a command: one process answers every blob of the export, so it is
    started here rather than through ``run_git`` (which runs one command to its end).
    The object ids are fed from a thread while the answers are read in order.
    """

    def __init__(self, repo: Path, oids: list[str]) -> None:
        self.process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=repo,
            env=_git_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.feeder = threading.Thread(target=self._feed, args=(oids,), daemon=True)
        self.feeder.start()

    def _feed(self, oids: list[str]) -> None:
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        try:
            for oid in oids:
                stdin.write(oid.encode("ascii") + b"\n")
            stdin.close()
        except OSError:  # git stopped early: the reader reports it
            pass

    def read(self, oid: str) -> Iterator[bytes]:
        """Yield the next blob's bytes in chunks; it must be ``oid`` and hash to it."""
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        header = stdout.readline().split()
        if len(header) != 3 or header[0].decode() != oid or header[1] != b"blob":
            raise SealError(f"Objek git {oid} tidak dapat dibaca sebagai berkas.")
        size = int(header[2])
        check = (hashlib.sha1 if len(oid) == 40 else hashlib.sha256)(b"blob %d\0" % size)
        left = size
        while left:
            chunk = stdout.read(min(CHUNK, left))
            if not chunk:
                raise SealError(f"Objek git {oid} terpotong saat dibaca.")
            check.update(chunk)
            left -= len(chunk)
            yield chunk
        stdout.read(1)  # the newline after each object
        if check.hexdigest() != oid:
            raise SealError(f"Isi objek git {oid} tidak cocok dengan sidiknya.")

    def close(self) -> None:
        """Stop the git process (also after an error)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.feeder.join(timeout=5)
