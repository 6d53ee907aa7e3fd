"""``invoke publish``: one commit, sealed, built, audited, deployed, archived, or nothing.

1. The commit (``--commit REV``, default ``HEAD``) is resolved; the work tree is never
   read, so an edit or a ``git pull`` during the publish cannot matter.
2. One publish at a time (publish lock). The commit's tree is exported from git objects
   into ``var/segel/<release>/`` (publishing/seal/export.py).
3. Settings and the target (options, credentials, reachability) are checked from the
   EXPORTED settings file, before anything is built (prepare.py).
4. The gate's ledger is opened over the export with this machine's pinned anchor; its
   ``content/`` is cut down to the approved items, the files their digests cover and the
   furniture (publishing/seal/assemble.py). Pelican reads nothing else. This runs in a
   forked process (forked.py) that hands back only the sealed input and the roster, so
   the ledger's memory is not kept while the publishing process waits for Pelican.
5. A fresh gated build into ``var/terbit/<release>``, audited (publishing/build.py); only
   a manifest marked ``sealed`` may be deployed. The export and, after the deploy, the
   build are thrown out; a detached low-priority process removes them (trash.py).
6. The target compares and deploys atomically; an unchanged site sends nothing. The
   machine's state (publishing/state.py) records the commit and the release that went
   live; the signed archive records are written before (pending) and after (complete).

The checks other modules provide run at the call points of steps.py. A failure at any
step raises a typed error whose message is Indonesian; the live site is then the
previous one. A full disk or a read-only folder is such an error too (publishing/
faults.py), with its path. Once the target has switched, Ctrl-C and SIGTERM wait until
the machine's state and the complete record are written (publishing/interrupts.py), and
a failure there is ``Unfinished`` (exit code 16): the release is live, its signed pending
record stands for it, and the next publish writes the complete record. What a killed
publish left (builds, exports, a target's ``.partial`` folders, reserved room) is
removed by the next one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import ConfigError, KpuError, now

from . import archive, interrupts
from .build import BuildFailed, build_site
from .compress import SERVED_BY, Compression
from .config import load_config
from .disk_ahead import DiskAhead
from .failpoints import failpoint
from .faults import AGAIN, MACHINE_NOTE, Unfinished, is_storage, storage_error
from .forked import in_fork
from .gc_thresholds import collecting_less
from .lock import publish_lock
from .pelican_run import WarmChild
from .prepare import DEMO_ENV, Prepared, prepare, publish_env, release_name
from .seal import SealError
from .seal.assemble import amend, trusted_roster
from .seal.blobs import STORE
from .seal.export import export_commit
from .seal.gitlog import resolve_commit
from .seal.history import machine_state
from .seal.sealing import SEAL_LOST, Sealing, seal_input
from .seal.source import (
    PREVIOUS,
    checkout,
    exported_settings,
    machine_anchor,
    read_settings,
    sealed_folders,
)
from .rollback import rollback
from .steps import (
    Built,
    Run,
    archive_complete,
    archive_pending,
    archive_repair,
    check_history,
    rails_after_plan,
    rails_before_build,
    reserve_room,
    went_live,
)
from .targets import Plan, Sent, Target, TargetError
from .targets.local import LocalTarget
from .trash import sweep_later, throw_out


#: What may be missing after the switch (``Unfinished``).
COMPLETE_RECORD = "catatan arsip selesainya"


@dataclass
class PublishResult:
    """What a publish (or a dry run) did."""

    release: str
    dry_run: bool
    target: Target
    manifest: dict[str, Any]
    plan: Plan
    sent: Sent | None
    build: Path
    archive: Path | None = None
    warning: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # per step, for bench/
    commit: str = ""
    skipped: list[str] = field(default_factory=list)  # symlinks etc. left out of content/
    withdrawn: list[str] = field(default_factory=list)  # live items this publish takes down
    cleaned: list[str] = field(default_factory=list)  # what killed publishes left at the target
    completed: list[str] = field(default_factory=list)  # earlier releases whose record it wrote
    interrupted: int | None = None  # a signal that arrived during the switch (finished first)
    #: The build's warnings: items published without a part that could not be read
    #: (``BuildResult.warnings``; ``invoke publish`` shows them, publishing/problems.py).
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _sealed_build(run: Run, target: str | None, release: str, moment: datetime) -> Built:
    """Export, check, assemble and build one commit; the export is kept for the next."""
    with (
        sealed_folders(run.var, release, keep=True) as (folder, cache),
        WarmChild() as warm,
        DiskAhead() as disk,  # the build's reads asked of the disk ahead (disk_ahead.py)
    ):
        ready, anchor, seal, key = _checked(run, target, folder, cache, moment, warm, disk)
        run.lap("seal")
        sealed = seal.sealed
        result = build_site(
            sealed.settings_file,
            run.var / "terbit" / release,
            env=run.env,
            state_dir=run.var,
            allow_demo_keys=run.demo,
            extra={
                "APPROVAL_GATE_ANCHOR": anchor,
                "APPROVAL_GATE_ALLOW_DEMO_KEYS": run.demo,
                "APPROVAL_GATE_CACHE_PATH": str(cache),
                "APPROVAL_GATE_SEALED": True,
                # Converted and rendered approved bytes, kept between publishes on this
                # machine (plugins/render_cache; entries sealed with the machine's key).
                "RENDER_CACHE_PATH": str(run.var / "render-cache"),
                # Static files (attachments) linked from the export, not copied (below).
                "STATIC_CREATE_LINKS": _linkable(sealed.settings_file, run.var / "terbit"),
            },
            amend=lambda manifest: amend(sealed, manifest),
            sealed=sealed,
            compression=Compression(  # only for hosts that serve the copies (docs/hosting.md)
                ready.config.compress and ready.target.kind in SERVED_BY,
                run.var / "compress-cache",
            ),
            warm=warm,
            look_ahead=ready.target.look_ahead,  # the live site, for the plan (build.py)
        )
    if result.manifest.get("sealed") is not True:
        raise SealError(
            "Manifest build ini tidak bertanda 'sealed' (bukan build dari commit); "
            "tidak ada yang diterbitkan."
        )
    run.lap("build")
    run.seconds.update(result.seconds)  # the build's parts, for bench/
    return Built(ready, seal.roster, sealed, result, key)


def _linkable(source: Path, folder: Path) -> bool:
    """Tell whether a file of the export can be hard-linked into the builds' folder.

    The export's files are the blob store's read-only files (publishing/seal/blobs.py),
    so Pelican may link an attachment instead of copying it: about 100 MB of PDFs were
    copied into every build at 5,000 items (issue 12). Tried with one real link, since a
    link across file systems or mount points fails; then Pelican would make symlinks,
    which the audit refuses, so the files are copied as before.
    """
    probe = folder / ".uji-tautan"  # one name: the publish lock is held
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.unlink(missing_ok=True)
        os.link(source, probe, follow_symlinks=False)
        probe.unlink()
    except OSError:
        return False
    return True


def _checked(
    run: Run,
    target: str | None,
    folder: Path,
    cache: Path,
    moment: datetime,
    warm: WarmChild,
    disk: DiskAhead,
) -> tuple[Prepared, str, Sealing, Path]:
    """Export the commit, check its history and settings, and seal the build input.

    Returns the target, the machine's anchor, the sealed input and this machine's
    archive key: the export's listing ends here, and the ledger (the gate's tables,
    every verified sign-off) is opened in a forked process (publishing/forked.py), so
    the publishing process does not keep its memory while it waits for Pelican. The
    build's Pelican child starts importing meanwhile (``warm``, pelican_run.py), once
    the commit's code is known to be signed and its settings are read.
    """
    exported = export_commit(run.repo, run.commit, folder, run.var / STORE, run.var / PREVIOUS)
    disk.start(exported.folder, exported.files, run.var)  # read by the seal and the build
    anchor = machine_anchor(run.env, run.demo)
    # Nothing of the export runs before its code is known to be signed: the roster is
    # read as data, verified with this machine's anchor, and judges the history.
    report = check_history(run, trusted_roster(exported, anchor, run.demo))
    settings_file = exported_settings(folder, run.settings_rel, run.commit)
    ready = prepare(settings_file, target, run.env, run.demo, root=run.var.parent)
    run.lap("check")
    warm.start(settings_file.parent, run.env)
    failpoint("seal")  # the build's Pelican child is importing; the input is not sealed yet
    seal = in_fork(
        lambda: seal_input(
            exported, settings_file, ready.settings, anchor=anchor, demo=run.demo, cache=cache
        ),
        lambda: SealError(SEAL_LOST),
    )
    rails_before_build(run, ready, seal.newest_signed, report, moment)
    return ready, anchor, seal, archive.check_publisher_key(seal.roster, run.env, run.demo)


def publish(
    settings_file: Path,
    *,
    target: str | None = None,
    dry_run: bool = False,
    demo: bool = False,
    env: Mapping[str, str] | None = None,
    commit: str | None = None,
    allow_withdrawal: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PublishResult:
    """Publish the approved site of one commit to the configured target (module docstring).

    ``progress`` is told each finished step in one Indonesian line (``--kemajuan``).
    """
    env = publish_env(env, demo)
    repo, rel = checkout(settings_file)
    sha = resolve_commit(repo, commit or "HEAD")
    var = settings_file.parent / "var"
    run = Run(repo, sha, rel, var, env, demo, machine_state(repo, env, demo=demo))
    run.progress = progress
    try:
        with publish_lock(var / "publish.lock"), collecting_less():
            return _locked(run, target, dry_run, allow_withdrawal)
    except OSError as error:  # before the switch: what comes after it is ``Unfinished``
        if not is_storage(error):
            raise
        raise storage_error(error, then=AGAIN) from None


def _locked(run: Run, target: str | None, dry_run: bool, allow_withdrawal: bool) -> PublishResult:
    """Build, plan and (unless ``dry_run``) deploy and record, holding the publish lock.

    What this and earlier publishes threw out (publishing/trash.py) is handed, at the
    end, to a detached low-priority remover: removing it while Pelican ran slowed Pelican.
    """
    try:
        throw_out(run.var / "terbit", run.var)  # earlier builds (dry runs, killed publishes)
        return _built(run, target, dry_run, allow_withdrawal)
    finally:
        sweep_later(run.var)


def _built(run: Run, target: str | None, dry_run: bool, allow_withdrawal: bool) -> PublishResult:
    """Build, plan, deploy and record (``_locked``); the build is thrown out afterwards."""
    moment = now()
    release = release_name(moment)
    built = _sealed_build(run, target, release, moment)
    output, chosen, manifest = built.result.output, built.ready.target, built.result.manifest
    try:
        chosen.known = built.result.files  # hashed once by the build (publishing/tree.py)
        chosen.ahead = built.result.ahead  # the live site, looked at during the audit
        plan = chosen.plan(output)
        run.lap("plan")
        withdrawn = rails_after_plan(run, built, plan, allow_withdrawal=allow_withdrawal)
        outcome = PublishResult(
            release, dry_run, chosen, manifest, plan, None, output, seconds=run.seconds
        )
        outcome.commit, outcome.skipped = run.commit, list(built.sealed.skipped)
        outcome.warnings = list(built.result.warnings)
        outcome.withdrawn = withdrawn
        if not dry_run:
            _deploy(run, built, outcome, moment)
            outcome.interrupted = interrupts.release()
            throw_out(output, run.var)  # removed after this publish, detached (trash.py)
            run.lap("archive")
        return outcome
    except BaseException:
        if not dry_run:  # a failed deploy: nothing of it is left behind
            shutil.rmtree(output, ignore_errors=True)
        raise
    finally:
        interrupts.release()  # a failed deploy: the error is what the command reports


def _deploy(run: Run, built: Built, outcome: PublishResult, moment: datetime) -> None:
    """Tidy the target, complete old records, reserve room, record, switch, record."""
    chosen, plan, release = outcome.target, outcome.plan, outcome.release
    outcome.cleaned = chosen.tidy()
    outcome.completed, warnings = archive_repair(run, built)
    free = reserve_room(run, release)
    try:
        pending = archive_pending(run, built, release, moment, plan)
        outcome.sent = (
            chosen.deploy(outcome.build, release)
            if not plan.empty
            else Sent(location=chosen.describe())
        )
        interrupts.hold()  # switched (or unchanged): the records below always follow
    finally:
        free()
    run.lap("deploy")
    outcome.archive, warning = _recorded(run, built, pending, outcome.sent, moment, not plan.empty)
    outcome.warning = "\n".join([*warnings, *([warning] if warning else [])]) or None


def _recorded(
    run: Run, built: Built, pending: archive.Written, sent: Sent, moment: datetime, deployed: bool
) -> tuple[Path, str | None]:
    """Note the live release on this machine and complete its archive record.

    The release is live now: a failure here is ``Unfinished`` (exit code 16), never "the
    live site is unchanged"; the next publish completes the record (``archive_repair``).
    """
    chosen, release = built.ready.target, str(pending.data["release"])
    try:
        went_live(run, release, chosen.name, moment, deployed=deployed, sent=sent)
    except OSError as error:
        if not is_storage(error):
            raise
        raise Unfinished(
            release, chosen.describe(), MACHINE_NOTE, storage_error(error, then=AGAIN)
        ) from None
    try:
        return archive_complete(run, built, pending, sent, release)
    except KpuError as error:
        raise Unfinished(release, chosen.describe(), COMPLETE_RECORD, error) from None


def published_folder(settings_file: Path, env: Mapping[str, str] | None = None) -> Path:
    """Return the live folder of the local target, for ``invoke serve --published``.

    ``ConfigError`` when no target is local, ``TargetError`` when nothing was published.
    """
    env = dict(env if env is not None else os.environ)
    config = load_config(read_settings(settings_file, env), settings_file.name)
    local = next(
        (name for name, entry in config.targets.items() if entry["type"] == LocalTarget.kind), None
    )
    if local is None:
        raise ConfigError(f"Tidak ada target lokal di PUBLISH_TARGETS ({settings_file.name}).")
    root = settings_file.parent
    target = LocalTarget(
        local, config.targets[local], env, root, root / "var", source=config.source
    )
    current = target.path / "current"
    if not current.is_dir():
        raise TargetError(f"Belum ada situs terbit di {current}. Jalankan 'invoke publish' dulu.")
    return current


__all__ = [
    "DEMO_ENV",
    "BuildFailed",
    "Prepared",
    "PublishResult",
    "prepare",
    "publish",
    "published_folder",
    "release_name",
    "rollback",
]
