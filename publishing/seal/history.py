"""History only moves forward: what the publishing machine checks between two publishes.

A writer may commit anything under content/ and approvals/ but holds no official's key.
Against what the officials and the last publish did, the repository alone proves
nothing, so the machine's own record (``publishing.state``) is the reference:

* the commit to publish must descend from the last one published here, or from the base
  the web admin accepted deliberately (``invoke terima-riwayat``);
* approvals are append-only: no file under approvals/ may be deleted, changed or renamed
  on the way (a deleted ``tolak`` would bring back a withdrawn item); the roster changes
  only by a newer version signed by the anchor (``check_roster_version`` keeps its
  high-water mark here, outside .cache), archive records under ``_arsip/`` only by new
  records;
* code needs a signature: every first-parent commit on the way that changes a path
  outside content/ and approvals/, or the furniture content/static/ and content/extra/,
  verifies with ``git verify-commit`` against the roster's code signers. A merge is judged
  by its diff against its first parent, so a software update arrives as one signed merge
  whatever its side branch holds.

Both rules are checked per first-parent commit (a ``tolak`` added and removed between two
publishes is still caught) AND on the whole diff start..commit: when the start is not on
the commit's first-parent line (a merge brought it in as a second parent), a path can
differ from what was published without any first-parent commit touching it, e.g. code
reverted by a merge that kept an old side. Diffs use ``--no-renames``: a renamed record is
a deleted record, and is refused under its old name.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import (
    OFFICE_ANCHOR_FILE,
    AnchorError,
    ExitCode,
    Roster,
    code_allowed_signers,
)

from publishing.seal import SealError
from publishing.state import MachineState, load_state, site_id, state_root

from .gitlog import (
    Env,
    Step,
    committed,
    describe,
    descends,
    first_parent_steps,
    net_changes,
    resolve_commit,
    verify_commit,
)
from .history_text import ACCEPT_COMMAND, approval_refusal, not_forward, short, unsigned_refusal

CONTENT = "content/"
APPROVALS = "approvals/"
#: Site furniture under content/: copied as it is, so it is code and needs a signature.
FURNITURE = ("content/static/", "content/extra/")
#: The roster may change (a newer version signed by the anchor; checked elsewhere), and
#: with it the office's record of the anchor, which no publish reads (anchor.py).
ROSTER_FILES = ("approvals/roster.yml", "approvals/roster.yml.sig", APPROVALS + OFFICE_ANCHOR_FILE)


def needs_signature(path: str) -> bool:
    """Tell whether a change of ``path`` must come in a commit signed by a code signer."""
    return not path.startswith((CONTENT, APPROVALS)) or path.startswith(FURNITURE)


@dataclass(frozen=True)
class JudgedCommit:
    """One first-parent commit between the start and the published commit."""

    sha: str
    committed: datetime
    code_files: tuple[str, ...]  # paths needing a signature it changed (vs its first parent)
    signer: str | None = None  # the roster person whose key verified it
    key: str | None = None  # that key's fingerprint
    subject: str = ""
    author: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form (manifest, archive)."""
        return {
            "commit": self.sha,
            "committed": self.committed.isoformat(),
            "code_files": list(self.code_files),
            "signer": self.signer,
            "key": self.key,
            "subject": self.subject,
        }


@dataclass(frozen=True)
class HistoryReport:
    """What ``check_history`` judged: from where, which commits, who signed the code."""

    start: str  # the commit judged from
    start_source: str  # "last" (the last publish) or "base" (accepted with terima-riwayat)
    commit: str  # the published commit (full sha)
    commits: tuple[JudgedCommit, ...]  # first-parent commits in (start, commit], newest first
    newest: datetime  # the newest committer time among them and the commit (clock rail)

    @property
    def signed(self) -> tuple[JudgedCommit, ...]:
        """Return the commits that changed code, each verified, with its signer."""
        return tuple(c for c in self.commits if c.signer is not None)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form (manifest, archive)."""
        return {
            "start": self.start,
            "start_source": self.start_source,
            "commit": self.commit,
            "commits": len(self.commits),
            "newest": self.newest.isoformat(),
            "signed": [c.as_dict() for c in self.signed],
        }


def starting_point(state: MachineState) -> tuple[str, str] | None:
    """Return (commit, "last" | "base") the next publish must descend from, if known.

    The last publish counts, unless the web admin accepted a base after it: the base
    names the last publish it replaced (``replaces``), so the newer decision wins
    without comparing clocks.
    """
    last = (state.last or {}).get("commit")
    base = state.base or {}
    if base.get("commit") and (last is None or base.get("replaces") == last):
        return str(base["commit"]), "base"
    return (str(last), "last") if last else None


def _append_only(status: str, path: str) -> bool:
    """Tell whether this change breaks "approvals only grow" (the roster is judged apart)."""
    return path.startswith(APPROVALS) and path not in ROSTER_FILES and status != "A"


def _check_approvals(
    repo: Path, steps: list[Step], net: list[tuple[str, str]], start: str, env: Env
) -> None:
    found: list[tuple[str, str, str | None, list[str]]] = []
    for step in reversed(steps):  # oldest first, as they happened
        for status, path in step.changes:
            if _append_only(status, path):
                found.append((status, path, step.sha, describe(repo, step.sha, env)[3:]))
    flagged = {path for _, path, _, _ in found}
    for status, path in net:
        if _append_only(status, path) and path not in flagged:
            found.append((status, path, None, []))
    if found:
        raise approval_refusal(found, start)


def _verify(repo: Path, steps: list[Step], roster: Roster, env: Env) -> list[JudgedCommit]:
    """Verify every step that changed code; return all steps judged, offending ones refused."""
    judged: list[JudgedCommit] = []
    offending: list[tuple[JudgedCommit, str]] = []
    with tempfile.TemporaryDirectory(prefix="kpu-kode-") as folder:
        signers = Path(folder) / "allowed_signers"
        signers.write_text(code_allowed_signers(roster), encoding="utf-8")
        for step in steps:
            files = tuple(path for _, path in step.changes if needs_signature(path))
            if not files:
                judged.append(JudgedCommit(step.sha, step.committed, ()))
                continue
            status, key, signer, author, subject = describe(repo, step.sha, env, signers)
            good = status == "G" and bool(signer) and verify_commit(repo, step.sha, signers, env)
            entry = JudgedCommit(
                step.sha, step.committed, files, signer if good else None,
                key if good else None, subject, author,
            )  # fmt: skip
            judged.append(entry)
            if not good:
                offending.append((entry, status))
    if offending:
        offending.reverse()  # oldest first, as they happened
        raise unsigned_refusal(offending, no_signers=not roster.code_signers())
    return judged


def check_history(
    repo: Path, commit: str, state: MachineState, roster: Roster, *, env: Env = None
) -> HistoryReport:
    """Refuse a commit whose history does not move forward from this machine's last publish.

    ``roster`` is the verified roster of the commit (its code signers judge the code);
    ``env`` is the environment git runs with. Raises ``SealError`` naming the commits
    and files; returns what was judged. See the module docstring for the rules.
    """
    commit = resolve_commit(repo, commit, env=env)
    found = starting_point(state)
    if found is None:
        raise SealError(
            "Mesin ini belum punya titik awal riwayat untuk situs ini "
            "(belum pernah terbit di sini dan belum ada riwayat yang diterima).",
            hint=f"Periksa commit {short(commit)}, lalu terima sebagai titik awal: "
            + ACCEPT_COMMAND.format(commit=short(commit)),
        )
    start, source = found
    known, forward = descends(repo, start, commit, env)
    if not forward:
        raise not_forward(start, source, commit, known=known)
    steps = first_parent_steps(repo, start, commit, env)
    net = net_changes(repo, start, commit, env)
    _check_approvals(repo, steps, net, start, env)
    touched = {path for step in steps for _, path in step.changes}
    hidden = sorted({path for _, path in net if needs_signature(path)} - touched)
    if hidden:
        raise unsigned_refusal([], no_signers=False, hidden=hidden, start=start)
    judged = _verify(repo, steps, roster, env)
    newest = max([step.committed for step in steps] + [committed(repo, commit, env)])
    return HistoryReport(start, source, commit, tuple(judged), newest)


def check_roster_version(roster: Roster, state: MachineState) -> bool:
    """Refuse a roster older than this machine's high-water mark; raise the mark if newer.

    An older, validly signed roster may still list a revoked key; the mark lives in the
    machine's state (not .cache), so a fresh checkout cannot bring it back. Returns
    whether the mark moved; the caller saves the state after a successful publish.
    """
    seen = int(state.roster_versions.get(roster.anchor, 0))
    if roster.version < seen:
        raise AnchorError(
            f"Roster versi {roster.version} lebih lama dari versi {seen} yang sudah "
            f"pernah diterima di mesin ini (jangkar {roster.anchor}).",
            path=roster.path,
            hint="Roster lama dapat memuat kunci yang sudah dicabut; gunakan roster terbaru "
            "yang ditandatangani Ketua KPU.",
        )
    if roster.version > seen:
        state.roster_versions[roster.anchor] = roster.version
        return True
    return False


def machine_state(repo: Path, env: Mapping[str, str], *, demo: bool = False) -> MachineState:
    """Return this machine's record of the site in ``repo`` (the demo site's apart)."""
    site = site_id(repo)
    return load_state(state_root(env) / (f"contoh-{site}" if demo else site), site)


def accept_history(
    repo: Path,
    rev: str,
    state: MachineState,
    *,
    reason: str,
    by: str,
    git_user: str,
    at: datetime,
    env: Env = None,
) -> dict[str, Any]:
    """Accept ``rev`` as the start of the publishing history, recorded with who, when, why.

    The first publish on a machine and a deliberate replacement of history start here;
    the next publish must descend from it. The caller saves the state.
    """
    if not reason.strip():
        raise SealError(
            "--alasan wajib diisi, karena menerima riwayat adalah keputusan yang dicatat.",
            hint="Contoh: " + ACCEPT_COMMAND.format(commit=rev),
            exit_code=ExitCode.BAD_VALUE,
        )
    base = {
        "commit": resolve_commit(repo, rev, env=env),
        "at": at.isoformat(timespec="seconds"),
        "by": by,
        "git_user": git_user,
        "reason": reason.strip(),
        "replaces": (state.last or {}).get("commit"),
    }
    state.base = base
    state.record("terima-riwayat", **base)
    return base
