"""The GitHub Pages target: the site as a commit on a branch, made live by one push.

The work happens in a repository of its own under ``var/ghpages/<target name>`` (never
the project's repository): the remote branch is fetched so history continues, ghp-import
commits the output onto it (with ``.nojekyll`` and ``CNAME``), and ``git push`` without
force moves the remote branch. That push is the switch: the remote updates the ref only
after it has received every object, so readers get the old commit or the new one, and a
publish killed before it leaves the remote exactly as it was. An unchanged site makes the
same tree; then nothing is pushed. Rollback pushes a new commit with an older tree:
history is never rewritten. GitHub then rebuilds the Pages site from the branch, which
takes it a minute or so; that delay is GitHub's, not a mixture of two releases.

An https remote needs a token in ``KPU_GITHUB_TOKEN``. It is handed to git only in the
environment of the git processes (``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_0``/
``GIT_CONFIG_VALUE_0``: an ``http.<host>.extraHeader`` that exists for that process only),
so it is never written to a file, the repository config or a URL. ``Sent.bytes`` is the
size of the changed files; git actually sends them as a compressed pack, usually smaller.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from approval_gate.api import options

from .. import interrupts
from ..failpoints import failpoint
from . import Plan, Sent, Target, TargetError, credential, target_options
from .gitrun import Git, remote_kind

TOKEN_VARIABLE = "KPU_GITHUB_TOKEN"
IDENTITY = {
    "GIT_AUTHOR_NAME": "KPU Rembang Publikasi",
    "GIT_AUTHOR_EMAIL": "publikasi@kpu-rembang.invalid",
    "GIT_COMMITTER_NAME": "KPU Rembang Publikasi",
    "GIT_COMMITTER_EMAIL": "publikasi@kpu-rembang.invalid",
}


def blob_ids(git: Git, output: Path, extra: dict[str, bytes]) -> dict[str, tuple[str, int]]:
    """Return path -> (git blob id, size) for the tree a deploy would commit."""
    files = sorted(p for p in output.rglob("*") if p.is_file() and not p.is_symlink())
    ids = (
        git.run(
            "hash-object", "--no-filters", "--stdin-paths", input="".join(f"{p}\n" for p in files)
        ).split()
        if files
        else []
    )
    tree = {
        p.relative_to(output).as_posix(): (blob, p.stat().st_size)
        for p, blob in zip(files, ids, strict=True)
    }
    for rel, data in extra.items():
        tree[rel] = (git.run("hash-object", "--stdin", input_bytes=data).strip(), len(data))
    return tree


def _remote(value: Any) -> str:
    """Accept a remote as text, or a local repository as a path."""
    return options.text(str(value) if isinstance(value, Path) else value)


def _branch(value: Any) -> str:
    """Accept a git branch name such as ``gh-pages`` (no ``..``, not an option)."""
    found = options.text_of(pattern=r"[A-Za-z0-9][A-Za-z0-9._/-]*")(value)
    if ".." in found:
        raise options.Invalid("")
    return found


class GhPagesTarget(Target):
    """``{"type": "github-pages", "remote": "https://github.com/kpu/situs.git"}``."""

    kind = "github-pages"
    OPTIONS = target_options(
        options.Option(
            "remote",
            "alamat repositori, mis. 'https://github.com/kpu/situs.git'",
            _remote,
            required=True,
        ),
        options.Option("branch", "nama cabang, mis. 'gh-pages'", _branch, default="gh-pages"),
        options.Option(
            "cname",
            "nama domain saja, mis. 'kpu-rembang.example'",
            options.optional(options.text_of(pattern=r"[A-Za-z0-9.-]+")),
        ),
        options.Option("nojekyll", "True atau False", options.boolean, default=True),
    )

    def configure(self, values: dict[str, Any]) -> None:
        """Keep the typed options; a remote with a token in it or a bad scheme is refused."""
        self.remote: str = values["remote"]
        self.remote_kind = remote_kind(self.remote, self.name, self.source)
        self.branch: str = values["branch"]
        self.extra: dict[str, bytes] = {".nojekyll": b""} if values["nojekyll"] else {}
        if values["cname"]:
            self.extra["CNAME"] = values["cname"].encode()

    def git(self) -> Git:
        """Return git bound to this target's working repository, remote and credentials."""
        remote, kind = self.remote, self.remote_kind
        env = {k: v for k, v in self.env.items() if not k.startswith("GIT_TRACE")}
        env.update(IDENTITY, GIT_TERMINAL_PROMPT="0")
        if kind == "https":
            token = credential(
                self, TOKEN_VARIABLE, "token GitHub dengan izin menulis isi repositori"
            )
            parts = urlsplit(remote)
            index = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
            basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
            env.update(
                {
                    "GIT_CONFIG_COUNT": str(index + 1),
                    f"GIT_CONFIG_KEY_{index}": f"http.{parts.scheme}://{parts.netloc}/.extraHeader",
                    f"GIT_CONFIG_VALUE_{index}": f"Authorization: Basic {basic}",
                }
            )
        elif kind == "ssh":
            env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        else:
            remote = str((self.root / Path(remote.removeprefix("file://"))).resolve())
        return Git(self.state / "ghpages" / self.name, remote, self.branch, env, self.name)

    def describe(self) -> str:
        """Return the remote and branch readers are served from."""
        return f"GitHub Pages: cabang {self.branch} di {self.remote}"

    def check(self) -> None:
        """Check credentials, then ask the remote for its branches."""
        self.git().ls_remote()

    def plan(self, output: Path) -> Plan:
        """Compare blob ids of the output (plus .nojekyll/CNAME) with the remote branch."""
        git = self.git()
        head = git.fetch()
        before = git.tree(head) if head else {}
        after = blob_ids(git, output, self.extra)
        plan = Plan(delete=sorted(set(before) - set(after)))
        for rel, (blob, size) in after.items():
            if before.get(rel, ("", 0))[0] == blob:
                plan.unchanged += 1
            else:
                plan.upload.append(rel)
                plan.upload_bytes += size
        return plan

    def deploy(self, output: Path, release: str) -> Sent:
        """Commit the output onto the fetched branch with ghp-import, then push it."""
        if any(p.is_symlink() for p in output.rglob("*")):
            raise TargetError(
                f"Keluaran {output} berisi symlink; situs tidak boleh memuat "
                "symlink. Bangun ulang situs."
            )
        git = self.git()
        head = git.fetch()
        git.reset_branch(head)
        extra = self.extra
        flags = ["-n"] if ".nojekyll" in extra else []
        if "CNAME" in extra:
            flags += ["-c", extra["CNAME"].decode()]
        command = [
            sys.executable,
            "-m",
            "ghp_import",
            *flags,
            "-b",
            self.branch,
            "-m",
            f"Rilis {release}",
            str(output),
        ]
        done = subprocess.run(
            command,
            cwd=git.repo,
            env={**git.env, "GIT_DIR": str(git.repo)},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        new = git.head()
        if done.returncode != 0 or not new or new == head:
            git.reset_branch(head)
            raise TargetError(
                f"ghp-import gagal membuat commit untuk rilis {release}: "
                f"{(done.stderr or done.stdout).strip()[-300:]}. Situs di "
                "remote tidak berubah."
            )
        sent = Sent(location=f"{git.remote} (cabang {self.branch})", release=release)
        if head and git.rev(f"{new}^{{tree}}") == git.rev(f"{head}^{{tree}}"):
            git.reset_branch(head)  # same site: nothing to send
            return sent
        changed, sent.deleted = git.changes(head, new)
        sent.objects, sent.bytes = len(changed), sum(changed.values())
        failpoint("upload")  # committed here; the remote ref has not moved
        interrupts.hold()  # the push and its records finish (publishing/interrupts.py)
        git.push(new)
        return sent

    def rollback(self, to: str) -> str:
        """Push a new commit whose tree is release ``to``'s (its ``Rilis`` commit); return it."""
        git = self.git()
        head = git.fetch()
        if not head:
            raise TargetError(
                f"Cabang {self.branch} belum ada di {git.remote}; tidak ada "
                "rilis untuk dikembalikan."
            )
        history = git.log(head)  # (commit, tree, subject), newest first
        tree = next((t for _, t, subject in history if subject == f"Rilis {to}"), None)
        if tree is None:
            raise TargetError(
                f"Rilis {to} tidak ada di riwayat cabang {self.branch} ({git.remote}), jadi "
                "tidak bisa dikembalikan. Situs yang tayang tidak berubah."
            )
        if tree != history[0][1]:
            commit = git.run("commit-tree", tree, "-p", head, "-m", f"Kembali ke rilis {to}")
            interrupts.hold()
            git.push(commit.strip())
        return to
