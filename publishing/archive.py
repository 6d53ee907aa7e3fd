"""The publication archive: one record per publish, written once, kept in the repository.

The SOP's last step says the published item is "disimpan sebagai arsip". Each publish
writes ``approvals/_arsip/<year>/<release>-<target>.yml``: when, who ran it, from which
commit, to which target, every item published with its digest and sign-offs, and what
was left out and why. A record is created with ``O_EXCL`` and never rewritten; the gate
ignores this folder (it holds no sign-offs). The record is committed to git on its own
(``git commit --only``), so other work in progress is never swept into that commit.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from approval_gate.api import ARCHIVE_FOLDER, git_text

from .targets import Plan, Sent

#: Seconds a git command may take before the archive treats git as unavailable.
GIT_TIMEOUT = 30
HEADER = (
    "# Arsip publikasi situs KPU Kabupaten Rembang (SOP 11/2023, langkah terakhir).\n"
    "# Ditulis sekali oleh 'invoke publish'. JANGAN diubah atau dihapus.\n"
)


@dataclass(frozen=True)
class Provenance:
    """Where a publish came from: the commit and whether the tree had local changes."""

    commit: str | None
    dirty: bool
    git_user: str | None


def provenance(root: Path) -> Provenance:
    """Return the commit being published and whether content or approvals differ from it."""
    commit = git_text(root, "rev-parse", "HEAD", timeout=GIT_TIMEOUT)
    changes = git_text(
        root,
        "status",
        "--porcelain",
        "--",
        "content",
        "approvals",
        f":(exclude)approvals/{ARCHIVE_FOLDER}",
        "theme",
        "plugins",
        "pelicanconf.py",
        "publishconf.py",
        timeout=GIT_TIMEOUT,
    )
    user = git_text(root, "config", "user.name", timeout=GIT_TIMEOUT)
    return Provenance(commit, bool(changes), user or None)


def who() -> str:
    """Return ``user@host`` of the person running the publish."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def published_list(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every published item with its URL, digest and sign-offs, as recorded."""
    return [
        {
            "item": e["item"],
            "url": e["url"],
            "lang": e["lang"],
            "digest": e["digest"],
            "signoffs": [
                {
                    "role": s["role"],
                    "signer": s["signer"],
                    "signed_at": s["signed_at"],
                    "file": s["file"],
                }
                for s in e["signoffs"]
            ],
        }
        for e in manifest["included"]
    ]


def published_digest(published: list[dict[str, Any]]) -> str:
    """Return a digest of the published list (items, digests, sign-offs), order included."""
    text = json.dumps(published, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


_DIGEST_LINE = re.compile(r"^published_sha256: (sha256:[0-9a-f]{64})$", re.M)


def previous_same(folder: Path, target: str, digest: str) -> str | None:
    """Return the newest earlier record of ``target`` that published exactly ``digest``."""
    records = sorted(folder.glob(f"*/*-{target}.yml"), key=lambda p: p.name)
    for path in reversed(records):
        with path.open(encoding="utf-8") as handle:
            head = handle.read(4096)
        match = _DIGEST_LINE.search(head)
        if match:
            return path.relative_to(folder).as_posix() if match[1] == digest else None
    return None


def record(
    *,
    release: str,
    at: datetime,
    by: str,
    source: Provenance,
    target: str,
    kind: str,
    location: str,
    manifest: dict[str, Any],
    plan: Plan,
    sent: Sent | None,
    demo: bool,
    same_as: str | None = None,
) -> dict[str, Any]:
    """Return the archive record of one publish (plain data, ready for YAML).

    With ``same_as`` (an earlier record of this target that published exactly the same
    items, digests and sign-offs, and nothing was sent) the list of published items is
    replaced by that reference, so frequent scheduled re-publishes of an unchanged site
    stay small; ``published_sha256`` lets anyone check the reference.
    """
    published = published_list(manifest)
    data: dict[str, Any] = {
        "release": release,
        "published_at": at.isoformat(timespec="seconds"),
        "published_sha256": published_digest(published),
        "published_count": len(published),
        "by": by,
        "git_user": source.git_user,
        "commit": source.commit,
        "uncommitted_changes": source.dirty,
        "demo_keys": demo,
        "roster_version": manifest["roster"]["version"],
        "target": {"name": target, "type": kind, "location": location},
        "sent": {
            "files": sent.objects if sent else 0,
            "bytes": sent.bytes if sent else 0,
            "deleted": sent.deleted if sent else 0,
            "unchanged": plan.unchanged,
        },
        "next_change": manifest.get("next_change"),
    }
    if same_as is not None:
        data["published_same_as"] = same_as
    else:
        data["published"] = published
    data["withheld"] = [
        {"item": e["item"], "state": e["state"], "reason": e["reason"]}
        for e in manifest["excluded"]
    ]
    return data


def archive_folder(approvals: Path, state: Path, demo: bool) -> Path:
    """Return where records go: ``approvals/_arsip``, or ``var/arsip-contoh`` for demos.

    A demo publish (the sample site, demo keys) is not a publication of the KPU and must
    not enter its archive.
    """
    return state / "arsip-contoh" if demo else approvals / ARCHIVE_FOLDER


def write_record(folder: Path, data: dict[str, Any]) -> Path:
    """Write the record under ``folder/<year>/``; never overwrite one."""
    year = data["release"][:4]
    path = folder / year / f"{data['release']}-{data['target']['name']}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    with path.open("x", encoding="utf-8") as handle:  # O_EXCL: written once
        handle.write(text)
    return path


def commit_record(root: Path, path: Path, release: str) -> str | None:
    """Commit only the record to git; return a warning (Indonesian) if that failed."""

    def git(*args: str) -> str | None:
        return git_text(root, *args, timeout=GIT_TIMEOUT)

    if git("rev-parse", "--git-dir") is None or not path.is_relative_to(root):
        return f"Catatan arsip {path} ditulis, tetapi folder ini bukan repositori git."
    rel = path.relative_to(root).as_posix()
    identity = (
        []
        if git("config", "user.name") and git("config", "user.email")
        else [
            "-c",
            "user.name=Penerbit KPU Rembang",
            "-c",
            f"user.email={getpass.getuser()}@{socket.gethostname()}",
        ]
    )
    added = git("add", "--", rel)
    done = (
        added is not None
        and git(*identity, "commit", "-q", "--only", "-m", f"Arsip publikasi {release}", "--", rel)
        is not None
    )
    if not done:
        return (
            f"Catatan arsip {rel} ditulis, tetapi commit git gagal. Commit berkas itu "
            "secara manual (git add lalu git commit)."
        )
    return None
