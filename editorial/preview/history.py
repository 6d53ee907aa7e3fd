"""What changed since an item was approved: the approved text, found in git history.

A sign-off records only the digest of what was approved, not the text. To show an
approver what changed in a stale (*kedaluwarsa*) item, the preview looks for the version
whose digest matches: each commit that touched the item, newest first, then the staged
version (git's index), recomputing the digest (item and attachments) from git's copy with the
gate's own ``content_digest``. If none matches (never committed, or history rewritten),
the preview says so instead of guessing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from approval_gate.api import (
    WIB,
    ContentFiles,
    content_digest,
    referenced_files,
    git_lines,
    run_git,
)

#: How many commits of one item are examined before giving up.
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class ApprovedVersion:
    """The approved text of an item as git holds it."""

    revision: str  # a commit id, or "" for the staged version (git's index)
    committed_at: datetime | None
    text: str
    attachments: dict[str, str | None]  # path -> sha256 (None: missing then)


@dataclass(frozen=True)
class Change:
    """What differs between the approved version and the current one."""

    approved_digest: str
    version: ApprovedVersion | None  # None: not found in git history
    diff: tuple[str, ...]  # unified diff lines of the item's source
    attachments: tuple[str, ...]  # attachments added, removed or changed


class _GitFiles(ContentFiles):
    """Content files as they were at one git revision (for ``content_digest``)."""

    def __init__(self, content: Path, revision: str) -> None:
        super().__init__(content)
        self.revision = revision

    def read(self, rel: str) -> bytes | None:
        """Return the file's bytes at this revision, or None if it has no such file."""
        done = run_git(self.root, "show", f"{self.revision}:./{rel}")
        return done.stdout if done is not None and done.ok else None


def _revisions(content: Path, item: str) -> list[tuple[str, datetime | None]]:
    """Return the commits that touched the item or a file it links to now, newest first."""
    links = ContentFiles(content).source(item)[1] if (content / item).is_file() else []
    log = (
        git_lines(content, "log", f"-n{HISTORY_LIMIT}", "--format=%H %ct", "--", item, *links) or []
    )
    found: list[tuple[str, datetime | None]] = []
    for line in log:
        commit, stamp = line.split()
        found.append((commit, datetime.fromtimestamp(int(stamp), WIB)))
    return found + [("", None)]  # last, the index: approved while staged, never committed


def find_approved(content: Path, item: str, digest: str) -> ApprovedVersion | None:
    """Return the version of ``item`` in git whose content digest is ``digest``, if any."""
    for revision, when in _revisions(content, item):
        files = _GitFiles(content, revision)
        try:
            if content_digest(content, item, files).value != digest:
                continue
        except FileNotFoundError:
            continue
        text = (files.read(item) or b"").decode("utf-8", errors="replace")
        refs = referenced_files(item, text)
        return ApprovedVersion(
            revision, when, text, {ref: files.sha256(ref) for ref in refs if ref != item}
        )
    return None


def changes_since(content: Path, item: str, approved_digest: str) -> Change:
    """Compare the current item with its approved version (if git still has it)."""
    version = find_approved(content, item, approved_digest)
    if version is None:
        return Change(approved_digest, None, (), ())
    current = (content / item).read_text(encoding="utf-8", errors="replace")
    label = (
        f"disetujui ({version.revision[:10]})"
        if version.revision
        else "disetujui (versi di index git)"
    )
    diff = difflib.unified_diff(
        version.text.splitlines(), current.splitlines(), label, "sekarang", lineterm="", n=2
    )
    files = ContentFiles(content)
    now = {ref: files.sha256(ref) for ref in referenced_files(item, current) if ref != item}
    changed = sorted(
        ref
        for ref in set(now) | set(version.attachments)
        if now.get(ref) != version.attachments.get(ref)
    )
    return Change(approved_digest, version, tuple(diff), tuple(changed))
