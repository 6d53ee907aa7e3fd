"""What a record says, how it is written (pending, then complete), and its git commit.

Each publish writes two records under ``<archive>/<year>/``: before the deploy the pending
record ``<release>-<target>.tertunda.yml`` (status ``tertunda``: everything that will go
live and what is held back), after it the complete record ``<release>-<target>.yml``
(status ``selesai``: what was sent, and the pending record by path and SHA-256). Neither
is ever rewritten: a publish killed after the switch leaves a signed pending record that
names the live release.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml


from approval_gate.api import ARCHIVE_FOLDER, git_text

from ..failpoints import failpoint
from ..targets import Plan, Sent
from .chain import Previous, changes_between, published_digest, published_list
from .keys import public_half, publisher_of, sign
from .store import ArchiveKeyError, create_once, real_folder, record_name

if TYPE_CHECKING:
    from approval_gate.api import Roster

#: Seconds a git command may take before the archive treats git as unavailable.
GIT_TIMEOUT = 30
HEADER = (
    "# Arsip publikasi situs KPU Kabupaten Rembang (SOP 11/2023, langkah terakhir).\n"
    "# Ditulis sekali oleh 'invoke publish'. JANGAN diubah atau dihapus.\n"
)

#: libyaml's safe dumper: a record of thousands of items is written in well under a second.
_DUMPER: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class Provenance:
    """Where a publish came from: the commit and whether the tree had local changes."""

    commit: str | None
    dirty: bool
    git_user: str | None


def provenance(root: Path, commit: str) -> Provenance:
    """Return where a sealed publish of ``commit`` came from, and git's name for its user.

    A sealed publish builds the commit's own files, never the work tree, so the record
    never says the tree had changes (``dirty``): asking git for the tree's status cost
    0.13 s of every publish at 5,000 items and its answer was thrown away.
    """
    user = git_text(root, "config", "user.name", timeout=GIT_TIMEOUT)
    return Provenance(commit, False, user or None)


def who() -> str:
    """Return ``user@host`` of the person running the publish."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def pending_record(
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
    demo: bool,
    same_as: str | None = None,
    previous: Previous | None = None,
    full: bool = True,
) -> dict[str, Any]:
    """Return the pending record of one publish: what is about to go live, and why not.

    With ``previous`` (``check.newest``: the newest verified record of this target) the
    record names it by path and SHA-256, and unless ``full`` it lists only what changed
    since (``changes``, chain.py); a full record lists every item (``published``).
    ``published_sha256`` is the digest of the whole list either way, so anyone can check
    what the chain adds up to. ``same_as`` is the older way to say "unchanged" (records
    of earlier versions still carry it); a record of no changes says it more simply now.
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
        "plan": {
            "upload": len(plan.upload),
            "bytes": plan.upload_bytes,
            "delete": len(plan.delete),
            "unchanged": plan.unchanged,
        },
        "next_change": manifest.get("next_change"),
    }
    if previous is not None:
        data["previous"] = previous.record
        data["previous_sha256"] = previous.sha256
        data["chain_depth"] = 0 if full else previous.state.depth + 1
    if same_as is not None:
        data["published_same_as"] = same_as
    elif previous is not None and not full:
        data["changes"] = changes_between(previous.state.items, published, plan.upload, plan.delete)
    else:
        data["published"] = published
    data["withheld"] = [
        {"item": e["item"], "state": e["state"], "reason": e["reason"]}
        for e in manifest["excluded"]
    ]
    return data


@dataclass(frozen=True)
class Written:
    """A record written and signed: where it is and what it says."""

    folder: Path  # the archive folder (approvals/_arsip or var/arsip-contoh)
    path: Path
    signature: Path
    data: dict[str, Any]
    payload: bytes


def _write(folder: Path, data: dict[str, Any], key: Path, roster: Roster, after: str) -> Written:
    """Sign ``data`` as this machine's record and create it (and its .sig) once."""
    found = publisher_of(roster, public_half(key))
    if found is None:  # check_publisher_key ran before the build; the roster is the same
        raise ArchiveKeyError(f"Kunci {key} bukan kunci mesin penerbit di roster.", hint=after)
    status, rest = data["status"], {k: v for k, v in data.items() if k != "status"}
    data = {"status": status, "publisher": found.id, **rest}
    payload = (
        HEADER + yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100)
    ).encode()
    armored, signer = sign(payload, key, roster)
    if signer != found.id:
        raise ArchiveKeyError(f"Kunci {key} bukan kunci {found.id} (berkas .pub tidak cocok).")
    release = data["release"]
    name = record_name(release, data["target"]["name"], status == "tertunda")
    path = folder / release[:4] / name
    shown = f"{folder.parent.name}/{folder.name}/{release[:4]}/{name}"
    with real_folder(folder, release[:4], after) as descriptor:
        create_once(descriptor, f"{name}.sig", armored.encode(), f"{shown}.sig", after)
        try:
            create_once(descriptor, name, payload, shown, after)
        except BaseException:  # a signature without its record is no record: take it back
            with suppress(OSError):
                os.unlink(f"{name}.sig", dir_fd=descriptor)
            raise
    return Written(folder, path, Path(f"{path}.sig"), data, payload)


#: What a refusal before the deploy leaves unchanged.
NOTHING_PUBLISHED = "Tidak ada yang diterbitkan; situs yang tayang tidak berubah."


def write_pending(folder: Path, data: dict[str, Any], key: Path, roster: Roster) -> Written:
    """Write the signed pending record (``pending_record``) before the deploy."""
    return _write(folder, {**data, "status": "tertunda"}, key, roster, NOTHING_PUBLISHED)


def complete(
    pending: Written,
    *,
    at: datetime,
    sent: Sent | None,
    key: Path,
    roster: Roster,
    later: bool = False,
) -> Written:
    """Write the signed complete record after the deploy; the pending one stays as it is.

    ``later``: written by a later publish, for a release that went live while its own
    complete record could not be written (``completed_later: true`` in the record).
    """
    if not later:
        failpoint("archive")  # the kill tests stop here: switched, only the pending record
    before = pending.data
    plan = before["plan"]
    link: dict[str, Any] = {
        k: before[k] for k in ("previous", "previous_sha256", "chain_depth") if k in before
    }
    data: dict[str, Any] = {
        "status": "selesai",
        "release": before["release"],
        "published_at": before["published_at"],
        "completed_at": at.isoformat(timespec="seconds"),
        "target": {**before["target"], **({"location": sent.location} if sent else {})},
        "pending": pending.path.relative_to(pending.folder).as_posix(),
        "pending_sha256": "sha256:" + hashlib.sha256(pending.payload).hexdigest(),
        "published_sha256": before["published_sha256"],
        "published_count": before["published_count"],
        **link,
        "sent": {
            "files": sent.objects if sent else 0,
            "bytes": sent.bytes if sent else 0,
            "deleted": sent.deleted if sent else 0,
            "unchanged": plan["unchanged"],
        },
    }
    if later:
        data["completed_later"] = True
    after = (
        f"Catatan tertunda {pending.path.name} yang bertanda tangan menjadi catatan arsipnya "
        "sampai 'invoke publish' berikutnya melengkapinya."
    )
    return _write(pending.folder, data, key, roster, after)


def archive_folder(approvals: Path, state: Path, demo: bool) -> Path:
    """Return where records go: ``approvals/_arsip``, or ``var/arsip-contoh`` for demos.

    A demo publish (the sample site, demo keys) is not a publication of the KPU and must
    not enter its archive.
    """
    return state / "arsip-contoh" if demo else approvals / ARCHIVE_FOLDER


def commit_record(root: Path, paths: Sequence[Path], release: str) -> str | None:
    """Commit only these records (and signatures) to git; return a warning if that failed."""

    def git(*args: str) -> str | None:
        return git_text(root, *args, timeout=GIT_TIMEOUT)

    if git("rev-parse", "--git-dir") is None or not all(p.is_relative_to(root) for p in paths):
        return f"Catatan arsip {paths[0]} ditulis, tetapi folder ini bukan repositori git."
    rels = [p.relative_to(root).as_posix() for p in paths]
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
    added = git("add", "--", *rels)
    message = f"Arsip publikasi {release}"
    done = (
        added is not None
        and git(*identity, "commit", "-q", "--only", "-m", message, "--", *rels) is not None
    )
    if not done:
        return (
            f"Catatan arsip {', '.join(rels)} ditulis, tetapi commit git gagal. Commit berkas "
            "itu secara manual (git add lalu git commit)."
        )
    return None
