"""Git plumbing for the GitHub Pages target, in its own bare working repository.

Every command runs through the project's one git runner (``api.run_git``) with
``--git-dir`` pointing at ``var/ghpages/<target>``, so the project's repository, index and
working tree are never touched, and with the target's environment (identity,
credentials, no prompts). Failures become ``TargetError`` with git's last lines and what
to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from approval_gate.api import ConfigError, run_git

from . import TargetError

_DIAGNOSES = (
    (
        ("non-fast-forward", "fetch first", "[rejected]"),
        "cabang di remote berubah sejak diambil (ada penerbitan lain?). Ulangi penerbitan",
    ),
    (
        (
            "Authentication failed",
            "403",
            "401",
            "could not read Username",
            "Permission to",
            "denied to",
        ),
        "remote menolak kredensial. Periksa KPU_GITHUB_TOKEN (izin menulis isi repositori) "
        "atau kunci SSH",
    ),
    (
        ("Host key verification failed",),
        "kunci host SSH remote tidak dikenal. Tambahkan ke ~/.ssh/known_hosts setelah "
        "mencocokkan sidik jarinya",
    ),
    (
        ("Permission denied (publickey)",),
        "remote menolak kunci SSH. Periksa ssh-agent atau kunci deploy repositori",
    ),
    (
        (
            "Could not resolve host",
            "Failed to connect",
            "Connection refused",
            "Could not read from remote",
            "does not appear to be a git repository",
            "not found",
        ),
        "remote tidak dapat dihubungi atau tidak ada. Periksa PUBLISH_TARGETS 'remote' "
        "dan jaringan",
    ),
)


def remote_kind(remote: str, target: str, source: str = "publishconf.py") -> str:
    """Return ``https``, ``ssh`` or ``local`` for a remote; unsafe forms are ``ConfigError``.

    The remote is not repeated in the message: it may hold a password or token.
    """
    if "://" in remote:
        parts = urlsplit(remote)
        if parts.scheme == "https" and "@" in parts.netloc:
            raise ConfigError(
                f"PUBLISH_TARGETS['{target}']['remote'] memuat nama pengguna "
                "atau token di URL. Hapus bagian itu; token hanya lewat "
                "variabel lingkungan KPU_GITHUB_TOKEN.",
                path=source,
            )
        if parts.scheme in ("https", "ssh", "file"):
            return "local" if parts.scheme == "file" else parts.scheme
        raise ConfigError(
            f"PUBLISH_TARGETS['{target}']['remote'] memakai skema "
            f"{parts.scheme!r}; gunakan https://, ssh:// (atau git@host:...) "
            "atau folder lokal.",
            path=source,
        )
    return "ssh" if ":" in remote.split("/")[0] else "local"


def explain(stderr: str) -> str:
    """Return an Indonesian sentence for a git failure, with git's own last lines."""
    tail = " | ".join(line.strip() for line in stderr.strip().splitlines()[-3:])
    for needles, text in _DIAGNOSES:
        if any(needle in stderr for needle in needles):
            return f"{text}. (Pesan git: {tail})"
    return f"perintah git gagal. (Pesan git: {tail or 'tidak ada'})"


@dataclass(frozen=True)
class Git:
    """The target's working repository, its remote and branch, and the git environment."""

    repo: Path
    remote: str
    branch: str
    env: dict[str, str]
    target: str

    @property
    def tracking(self) -> str:
        """Return the local ref that mirrors the remote branch."""
        return f"refs/remotes/origin/{self.branch}"

    def run(
        self,
        *args: str,
        input: str | None = None,
        input_bytes: bytes | None = None,
        doing: str = "menjalankan git",
    ) -> str:
        """Run git in the working repository (made on first use); return its stdout."""
        if not (self.repo / "HEAD").is_file():
            self.repo.mkdir(parents=True, exist_ok=True)
            self._git(
                None, "init", "--bare", "-q", str(self.repo), doing="membuat repositori kerja"
            )
        data = input_bytes if input_bytes is not None else (input or "").encode()
        return self._git(data, f"--git-dir={self.repo}", *args, doing=doing)

    def _git(self, data: bytes | None, *args: str, doing: str) -> str:
        done = run_git(None, *args, env=self.env, input=data)
        if done is None:
            raise TargetError(
                f"Target '{self.target}': gagal {doing}: git tidak dapat "
                "dijalankan. Pasang git di komputer penerbit, lalu ulangi."
            )
        if not done.ok:
            raise TargetError(
                f"Target '{self.target}': gagal {doing}: "
                f"{explain(done.error)}. Situs di remote tidak berubah oleh "
                "kegagalan ini."
            )
        return done.text

    def rev(self, expression: str) -> str | None:
        """Return the object id of ``expression``, or None if it does not exist."""
        try:
            return self.run("rev-parse", "--verify", "-q", expression).strip() or None
        except TargetError:
            return None

    def ls_remote(self) -> str | None:
        """Return the remote branch's commit, or None if the branch does not exist yet."""
        out = self.run("ls-remote", "--heads", self.remote, doing="menghubungi remote")
        for line in out.splitlines():
            commit, _, ref = line.partition("\t")
            if ref == f"refs/heads/{self.branch}":
                return commit
        return None

    def fetch(self) -> str | None:
        """Fetch the remote branch (history continues); return its commit or None."""
        if self.ls_remote() is None:
            if self.rev(self.tracking):
                self.run("update-ref", "-d", self.tracking)
            return None
        self.run(
            "fetch",
            "-q",
            "--no-tags",
            self.remote,
            f"+refs/heads/{self.branch}:{self.tracking}",
            doing="mengambil cabang remote",
        )
        return self.rev(self.tracking)

    def head(self) -> str | None:
        """Return the local branch's commit (what ghp-import just made)."""
        return self.rev(f"refs/heads/{self.branch}")

    def reset_branch(self, commit: str | None) -> None:
        """Point the local branch at ``commit`` (or remove it), so ghp-import builds on it."""
        if commit:
            self.run("update-ref", f"refs/heads/{self.branch}", commit)
        elif self.head():
            self.run("update-ref", "-d", f"refs/heads/{self.branch}")

    def tree(self, commit: str | None) -> dict[str, tuple[str, int]]:
        """Return path -> (blob id, size) of every file in ``commit``."""
        if not commit:
            return {}
        files = {}
        for entry in self.run("ls-tree", "-r", "-l", "-z", commit).split("\0"):
            meta, _, path = entry.partition("\t")
            if path:
                _, _, blob, size = meta.split()
                files[path] = (blob, int(size))
        return files

    def changes(self, old: str | None, new: str) -> tuple[dict[str, int], int]:
        """Return (changed or added path -> size, number deleted) from ``old`` to ``new``."""
        before, after = self.tree(old), self.tree(new)
        changed = {
            p: size for p, (blob, size) in after.items() if before.get(p, ("", 0))[0] != blob
        }
        return changed, len(set(before) - set(after))

    def log(self, commit: str) -> list[tuple[str, str, str]]:
        """Return (commit, tree, subject) along first parents, newest first."""
        out = self.run("log", "--first-parent", "--format=%H %T %s", commit)
        rows = [(line.split(" ", 2) + [""])[:3] for line in out.splitlines()]
        return [(commit, tree, subject) for commit, tree, subject in rows]

    def push(self, new: str) -> None:
        """Move the remote branch to ``new``: fast-forward only, never forced."""
        self.run(
            "push",
            "-q",
            self.remote,
            f"{new}:refs/heads/{self.branch}",
            doing=f"mengirim cabang {self.branch} ke remote",
        )
        self.run("update-ref", self.tracking, new)
        self.run("update-ref", f"refs/heads/{self.branch}", new)
