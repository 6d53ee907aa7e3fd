"""Reading a site's history from git: first-parent steps, diffs, signatures.

All of it through ``api.run_git`` with the settings that keep a machine's or user's git
configuration from changing what is read (a ``log.showSignature`` would mix signature
text into the log, ``diff.relative`` would hide paths, ``log.showRoot=false`` a root
commit's files). Output is NUL-separated and read by position, so no file name or commit
message can pose as a header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from approval_gate.api import WIB, GitOutput, run_git

from publishing.seal import SealError

from .history_text import short

Env = Mapping[str, str] | None
#: Settings that keep the machine's git configuration from changing what is read.
GIT_READ = ("-c", "log.showSignature=false", "-c", "log.showRoot=true", "-c", "diff.relative=false")
#: Only SSH signatures count: OpenPGP and X.509 never verify, whatever the machine has.
GIT_VERIFY = (
    *("-c", "gpg.format=ssh", "-c", "gpg.ssh.program=ssh-keygen", "-c", "gpg.program=false"),
    *("-c", "gpg.openpgp.program=false", "-c", "gpg.x509.program=false"),
)
_DIFF = ("--name-status", "--no-renames", "--ignore-submodules=none", "-z")
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True)
class Step:
    """A first-parent commit and what it changed against its first parent."""

    sha: str
    committed: datetime
    changes: tuple[tuple[str, str], ...]  # (status A/D/M/T, path)


def git(repo: Path, *args: str, env: Env) -> GitOutput:
    """Run git; a missing git is a refusal (a sealed publish needs it)."""
    done = run_git(repo, *args, env=env)
    if done is None:
        raise SealError("git tidak dapat dijalankan; penerbitan dibuat dari commit git.")
    return done


def resolve_commit(repo: Path, rev: str, *, env: Env = None) -> str:
    """Return the full sha of ``rev``, refusing what is not a commit of ``repo``."""
    done = git(
        repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", env=env
    )
    if not done.ok or not _SHA.match(done.text.strip()):
        raise SealError(f"{rev!r} bukan commit di repositori {repo}.")
    return done.text.strip()


def descends(repo: Path, start: str, commit: str, env: Env) -> tuple[bool, bool]:
    """Return (``start`` is a commit here, ``commit`` descends from it)."""
    known = (
        bool(_SHA.match(start)) and git(repo, "cat-file", "-e", f"{start}^{{commit}}", env=env).ok
    )
    return known, known and git(repo, "merge-base", "--is-ancestor", start, commit, env=env).ok


def moment(seconds: str) -> datetime:
    """Return a committer time (seconds since the epoch) as a WIB datetime."""
    return datetime.fromtimestamp(int(seconds), tz=WIB)


def committed(repo: Path, commit: str, env: Env) -> datetime:
    """Return the committer time of one commit."""
    return moment(git(repo, "show", "-s", "--format=%ct", commit, env=env).text.strip())


def first_parent_steps(repo: Path, start: str, commit: str, env: Env) -> list[Step]:
    """Return the first-parent commits in (start, commit], newest first, with their changes.

    A merge's changes are its diff against its first parent (``--diff-merges``).
    """
    done = git(
        repo, *GIT_READ, "log", "--first-parent", "--diff-merges=first-parent",
        "--format=commit %H %ct", *_DIFF, f"{start}..{commit}", "--", env=env,
    )  # fmt: skip
    if not done.ok:
        raise SealError(f"Riwayat {short(start)}..{short(commit)} tidak dapat dibaca: {done.error}")
    tokens = done.stdout.split(b"\0")
    steps: list[Step] = []
    header: list[str] = []
    changes: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index].lstrip(b"\n").decode("utf-8", "replace")
        index += 1
        if token.startswith("commit "):
            if header:
                steps.append(Step(header[1], moment(header[2]), tuple(changes)))
            header, changes = token.split(), []
        elif token and index < len(tokens):
            changes.append((token, tokens[index].decode("utf-8", "replace")))
            index += 1
    if header:
        steps.append(Step(header[1], moment(header[2]), tuple(changes)))
    return steps


def net_changes(repo: Path, start: str, commit: str, env: Env) -> list[tuple[str, str]]:
    """Return (status, path) of everything that differs between ``start`` and ``commit``."""
    done = git(repo, *GIT_READ, "diff", *_DIFF, start, commit, "--", env=env)
    if not done.ok:
        raise SealError(
            f"Perbedaan {short(start)}..{short(commit)} tidak dapat dibaca: {done.error}"
        )
    tokens = [t.decode("utf-8", "replace") for t in done.stdout.split(b"\0")]
    return [(tokens[i], tokens[i + 1]) for i in range(0, len(tokens) - 1, 2)]


def describe(repo: Path, sha: str, env: Env, signers: Path | None = None) -> list[str]:
    """Return [%G?, key fingerprint, principal, author, subject] of one commit.

    The signature fields are read only with ``signers`` (the allowed-signers file);
    without it no signature is checked and they are empty.
    """
    config: tuple[str, ...] = ()
    fields = "%x00%x00%x00%an <%ae>%x00%s"
    if signers is not None:
        config = ("-c", f"gpg.ssh.allowedSignersFile={signers}", *GIT_VERIFY)
        fields = "%G?%x00%GF%x00%GS%x00%an <%ae>%x00%s"
    done = git(repo, *GIT_READ, *config, "show", "-s", f"--format={fields}", sha, env=env)
    parts = done.text.rstrip("\n").split("\0", 4)
    return parts + [""] * (5 - len(parts))


def verify_commit(repo: Path, sha: str, signers: Path, env: Env) -> bool:
    """Tell whether ``git verify-commit`` accepts the commit with these allowed signers."""
    config = ("-c", f"gpg.ssh.allowedSignersFile={signers}", *GIT_VERIFY)
    return git(repo, *config, "verify-commit", sha, env=env).ok
