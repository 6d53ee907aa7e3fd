"""When each version of an item came into being, from git: where a review step starts.

A sign-off names the digest of the text it approves, not a time or a commit. The start
of a version is the commit that first made the item (with its attachments) hash to that
digest: the history of the item and of every file it ever linked to is replayed through
the gate's own digest code (``content_digest`` over blobs read with one
``git cat-file --batch`` process). When a digest is not found (signed before it was
committed, or no git at all), the current version falls back to its files' modification
time and an older one to the file's first commit, and the report says so. A version
committed only after its first sign-off (reviewed before it was committed) has no usable
commit; ``submissions`` may then supply when it was submitted.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from approval_gate.api import WIB, ContentFiles, content_digest, git_lines, referenced_files

#: How a start time was found, as the reports name it.
SOURCES = {
    "commit": "commit versi",
    "draf-pertama": "commit pertama berkas",
    "commit-pertama": "commit pertama berkas (perkiraan)",
    "berkas": "waktu berkas (perkiraan, belum di-commit)",
    "tidak-diketahui": "tidak diketahui",
    "sesudah-tanda-tangan": "tidak diketahui: di-commit sesudah ditandatangani",
    "persetujuan": "persetujuan peran sebelumnya",
    "pengajuan": "catatan pengajuan",
}


@dataclass(frozen=True)
class Start:
    """When a version started, and how that was found (a key of ``SOURCES``)."""

    at: datetime | None
    source: str

    @property
    def estimated(self) -> bool:
        """Tell whether this start is a fallback the report must point out."""
        return self.source not in ("commit", "draf-pertama", "persetujuan", "pengajuan")


#: Looks up a recorded submission: (digest, latest acceptable time) -> start or None.
Recorded = Callable[[str, datetime], Start | None]


class _Blobs:
    """File contents at any commit, through one long-running ``git cat-file --batch``.

    A stream, not a command: one process answers every read of a report, so it is
    started here rather than through ``run_git`` (which runs one command to its end).
    """

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def read(self, spec: str) -> bytes | None:
        """Return the bytes of ``<commit>:<path>``, or None if there is no such file."""
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        stdin.write(spec.encode("utf-8") + b"\n")
        stdin.flush()
        header = stdout.readline().decode("utf-8", "replace").split()
        if len(header) != 3 or header[1] != "blob":
            return None
        data = stdout.read(int(header[2]))
        stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        """Stop the git process."""
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()


class _FilesAt(ContentFiles):
    """The gate's digest inputs, read from one commit instead of the working tree."""

    def __init__(self, blobs: _Blobs, commit: str, prefix: str) -> None:
        super().__init__(Path())
        self.blobs, self.commit, self.prefix = blobs, commit, prefix

    def read(self, rel: str) -> bytes | None:
        """Return the file's bytes at this commit, or None if it has no such file."""
        return self.blobs.read(f"{self.commit}:{self.prefix}{rel}")


class History:
    """The git history of a content folder: which commits touched which file, and when."""

    def __init__(self, content: Path) -> None:
        self.content = content
        prefix = git_lines(content, "rev-parse", "--show-prefix")
        self.available = prefix is not None
        self.prefix = prefix[0] if prefix else ""
        #: path under content/ -> [(sequence, commit, time)], oldest first
        self.touched: dict[str, list[tuple[int, str, datetime]]] = {}
        self._blobs: _Blobs | None = None
        if self.available:
            self._read_log()

    def _read_log(self) -> None:
        lines = (
            git_lines(
                self.content, "log", "--format=%x00%H %ct", "--name-only", "--relative", "--", "."
            )
            or []
        )
        commits: list[tuple[str, datetime, list[str]]] = []
        for line in lines:
            if line.startswith("\0"):
                commit, stamp = line[1:].split()
                commits.append((commit, datetime.fromtimestamp(int(stamp), WIB), []))
            elif line and commits:
                commits[-1][2].append(line)
        for sequence, (commit, at, paths) in enumerate(reversed(commits)):
            for path in paths:
                self.touched.setdefault(path, []).append((sequence, commit, at))

    def first_commit(self, item: str) -> datetime | None:
        """Return when ``item`` was first committed, or None."""
        touched = self.touched.get(item)
        return touched[0][2] if touched else None

    def _reader(self) -> _Blobs:
        if self._blobs is None:
            self._blobs = _Blobs(self.content)
        return self._blobs

    def _digest_at(self, commit: str, item: str) -> str | None:
        files = _FilesAt(self._reader(), commit, self.prefix)
        try:
            return content_digest(Path(), item, files).value
        except FileNotFoundError:
            return None

    def version_times(
        self, item: str, digests: Iterable[str], current_refs: Iterable[str] = ()
    ) -> dict[str, datetime]:
        """Return, for each digest found, the time of the commit that first produced it."""
        wanted = set(digests)
        found: dict[str, datetime] = {}
        if not wanted or item not in self.touched:
            return found
        refs = set(current_refs)
        for _, commit, _ in self.touched[item]:
            data = self._reader().read(f"{commit}:{self.prefix}{item}")
            if data is not None:
                refs.update(referenced_files(item, data.decode("utf-8", errors="replace")))
        candidates = sorted(
            {entry for path in {item} | refs for entry in self.touched.get(path, ())}
        )
        for _, commit, at in candidates:
            digest = self._digest_at(commit, item)
            if digest is not None and digest not in found:
                found[digest] = at
                if wanted <= found.keys():
                    break
        return found

    def close(self) -> None:
        """Stop the git process, if one was started."""
        if self._blobs is not None:
            self._blobs.close()
            self._blobs = None


def file_time(content: Path, item: str, refs: Iterable[str] = ()) -> datetime | None:
    """Return the latest modification time of the item and its files (None if missing)."""
    times = []
    for rel in (item, *refs):
        try:
            times.append(os.stat(content / rel).st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(max(times), WIB) if times else None


def version_starts(
    history: History,
    content: Path,
    item: str,
    current: tuple[str, tuple[str, ...]],
    first_signed: Mapping[str, datetime],
    now: datetime,
    recorded: Recorded | None = None,
) -> dict[str, Start]:
    """Return the start of every signed version of ``item`` plus the current one.

    ``current`` is the current digest and the files it covers besides the item;
    ``first_signed`` maps each signed digest to its first counted sign-off. Found in
    git at or before that sign-off: the commit that produced it. Otherwise a recorded
    submission (``recorded``), if acceptable; otherwise the current version started when
    its files were last written (uncommitted edits), an older one at the file's first
    commit, and one committed only after its first sign-off is unknown.
    """
    digest_now, refs = current
    wanted = set(first_signed) | {digest_now}
    times = history.version_times(item, wanted, refs) if history.available else {}
    first = history.first_commit(item) if history.available else None
    starts: dict[str, Start] = {}
    for digest in wanted:
        limit = first_signed.get(digest, now)
        committed = times.get(digest)
        if committed is not None and committed <= limit:
            starts[digest] = Start(committed, "commit")
        elif (found := recorded(digest, limit) if recorded else None) is not None:
            starts[digest] = found
        elif committed is not None:
            starts[digest] = Start(None, "sesudah-tanda-tangan")
        elif digest == digest_now:
            starts[digest] = Start(file_time(content, item, refs), "berkas")
        elif first is not None:
            starts[digest] = Start(first, "commit-pertama")
        else:
            starts[digest] = Start(None, "tidak-diketahui")
    return starts


def first_seen(history: History, content: Path, item: str) -> Start:
    """Return when the item first entered the repository (its first draft), or its file time."""
    first = history.first_commit(item) if history.available else None
    if first is not None:
        return Start(first, "draf-pertama")
    return Start(file_time(content, item), "berkas")
