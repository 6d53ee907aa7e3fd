"""How the project runs git: read-only questions never take the lock a commit needs.

The desk commits sign-offs while previews and pages ask ``git status``. Plain ``git
status`` refreshes the index when it can, holding ``index.lock`` for that moment, and an
official's commit made in that moment failed with "index.lock: File exists" (seen in the
twenty-people load test). ``run_git`` turns those optional locks off.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from approval_gate.api import run_git


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "situs"
    root.mkdir()
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Uji",
        "GIT_AUTHOR_EMAIL": "uji@kpu",
        "GIT_COMMITTER_NAME": "Uji",
        "GIT_COMMITTER_EMAIL": "uji@kpu",
    }
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "naskah.md").write_text("Title: Uji\n\nIsi.\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "awal"], check=True, env=env)
    return root


def _stale(root: Path) -> None:
    """Give the file a new time, so a plain ``git status`` would rewrite the index."""
    later = (root / "naskah.md").stat().st_mtime_ns + 5_000_000_000
    os.utime(root / "naskah.md", ns=(later, later))


def test_a_status_question_leaves_the_index_for_the_committer(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _stale(root)
    index = root / ".git" / "index"
    before = index.stat()
    done = run_git(root, "status", "--porcelain=v1")
    assert done is not None and done.ok and done.text == ""
    after = index.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_plain_git_status_would_have_taken_the_lock(tmp_path: Path) -> None:
    """The control: without ``run_git``'s setting the same question rewrites the index."""
    root = _repo(tmp_path)
    _stale(root)
    index = root / ".git" / "index"
    before = index.stat()
    env = {k: v for k, v in os.environ.items() if k != "GIT_OPTIONAL_LOCKS"}
    subprocess.run(["git", "-C", str(root), "status", "--porcelain"], check=True, env=env)
    after = index.stat()
    assert (after.st_ino, after.st_mtime_ns) != (before.st_ino, before.st_mtime_ns)
