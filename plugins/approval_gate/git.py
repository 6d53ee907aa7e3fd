"""The one way this project runs git: no prompts, no pager, missing git told apart.

Status times, the preview's and the report's history, the approval sheet's commit, the
publication archive and the GitHub Pages target all ask git something. They do it through
``run_git``, which never lets git prompt or page, turns "git is not installed" into
``None`` instead of a traceback, and leaves the meaning of a failure to the caller.

``None`` also means "the folder is gone", so a caller that is about to say "not a git
repository" first calls ``require_git``: a machine without git hears that git is
missing (``GitMissing``, exit code ``GIT_MISSING``), not that its checkout is wrong.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ExitCode, KpuError

#: Environment that keeps git from asking anything or opening a pager, and keeps read-only
#: commands (``git status`` refreshes the index when it may) from taking ``index.lock``:
#: the desk commits while previews and status pages ask git questions, and a reader's
#: optional lock would make a writer's commit fail with "index.lock: File exists".
QUIET = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_OPTIONAL_LOCKS": "0",
}
#: What a person reads when a command that needs git finds none.
GIT_MISSING_TEXT = (
    "Program git tidak ditemukan; pasang git (Debian/Ubuntu: 'sudo apt install git'; "
    "Windows: https://git-scm.com/download/win, lalu buka terminal baru) dan jalankan "
    "perintah ini lagi. Tidak ada yang diubah."
)


class GitMissing(KpuError):
    """The command needs the git program and this machine has none (on its PATH)."""

    exit_code = ExitCode.GIT_MISSING

    def __init__(self) -> None:
        super().__init__(GIT_MISSING_TEXT)


def git_missing(env: Mapping[str, str] | None = None) -> bool:
    """Tell whether no ``git`` program can be found on the PATH (of ``env`` if given)."""
    path = (env if env is not None else os.environ).get("PATH")
    return shutil.which("git", path=path) is None


def require_git(env: Mapping[str, str] | None = None) -> None:
    """Raise ``GitMissing`` when git is not installed; return quietly when it is."""
    if git_missing(env):
        raise GitMissing()


@dataclass(frozen=True)
class GitOutput:
    """What one git command did: its exit status and its output, as bytes."""

    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        """Tell whether git succeeded."""
        return self.returncode == 0

    @property
    def text(self) -> str:
        """Return stdout decoded (UTF-8; undecodable bytes replaced)."""
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def lines(self) -> list[str]:
        """Return stdout's lines."""
        return self.text.splitlines()

    @property
    def error(self) -> str:
        """Return stderr decoded."""
        return self.stderr.decode("utf-8", errors="replace")


def run_git(
    cwd: Path | str | None,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float | None = None,
) -> GitOutput | None:
    """Run ``git args`` in ``cwd``; return its output, or None if git cannot be run.

    ``env`` replaces the environment when given (a target's own identity and
    credentials); the ``QUIET`` settings are always added. Paths are never quoted
    (``core.quotepath=off``), so names with non-ASCII letters read as they are.
    """
    base = dict(env) if env is not None else dict(os.environ)
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            env={**base, **QUIET},
            input=input,
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return GitOutput(done.returncode, done.stdout, done.stderr)


def git_text(cwd: Path | str | None, *args: str, timeout: float | None = None) -> str | None:
    """Return git's stdout stripped, or None when git failed or is missing."""
    done = run_git(cwd, *args, timeout=timeout)
    return done.text.strip() if done is not None and done.ok else None


def git_lines(cwd: Path | str | None, *args: str) -> list[str] | None:
    """Return git's stdout lines, or None when git failed or is missing."""
    done = run_git(cwd, *args)
    return done.lines if done is not None and done.ok else None
