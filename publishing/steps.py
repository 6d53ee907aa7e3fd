"""The steps around a sealed build: the checks other modules provide, and what a publish leaves.

``invoke publish`` (publish.py) calls these at fixed points, so each check has one place:

* ``check_history`` right after the export, before any of its code runs;
* ``rails_before_build`` after the input was assembled, before the build;
* ``rails_after_plan`` after the target's plan, before the pending archive record;
* ``archive_pending`` before the deploy, ``went_live`` right after the switch (the
  machine's state and release log), ``archive_complete`` after it;
* ``reserve_room`` before the pending record: room for what must be written after the
  switch (the complete record, the machine's state), given back just before it;
  ``archive_repair`` before that: the complete records an earlier publish could not write.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import (
    MachineCache,
    Roster,
    fingerprint,
    git_text,
    now,
    pinned_anchor,
)

from . import archive, rails
from .faults import AGAIN, Reservation, clear_reservations, is_storage, storage_error
from .archive.records import NOTHING_PUBLISHED
from .build import BuildResult
from .prepare import Prepared
from .seal import SealedInput, history
from .seal.history import HistoryReport
from .seal.source import environment
from .state import MachineState
from .targets import Plan, Sent


#: The steps of a publish in their order, as ``--kemajuan`` names them when each is done.
STEP_WORDS = {
    "check": "Commit diekspor; riwayat dan tanda tangan kodenya diperiksa",
    "seal": "Masukan build disegel: hanya berkas yang disetujui",
    "build": "Situs dibangun dan diaudit",
    "plan": "Rencana kirim dihitung",
    "deploy": "Rilis dikirim dan ditayangkan",
    "archive": "Catatan arsip publikasi ditulis",
}


@dataclass
class Run:
    """One publish in progress: where it reads from, and how long each step took."""

    repo: Path
    commit: str
    settings_rel: str  # the settings file's path in the repository (and in the export)
    var: Path  # the checkout's var/: lock, builds, exports
    env: dict[str, str]
    demo: bool
    machine: MachineState
    seconds: dict[str, float] = field(default_factory=dict)
    clock: float = field(default_factory=time.perf_counter)
    #: Told each finished step in words (``invoke publish --kemajuan``: the desk's live view).
    progress: Callable[[str], None] | None = None

    def lap(self, step: str) -> None:
        """Record how long ``step`` took (bench/publish_bench.py reads these); say it."""
        tick = time.perf_counter()
        self.seconds[step], self.clock = tick - self.clock, tick
        if self.progress is not None and step in STEP_WORDS:
            number = list(STEP_WORDS).index(step) + 1
            seconds = f"{self.seconds[step]:.1f}".replace(".", ",")
            self.progress(f"[{number}/{len(STEP_WORDS)}] {STEP_WORDS[step]} ({seconds} detik)")

    @property
    def archive_folder(self) -> Path:
        """Return where this publish's records go (a demo's stay in ``var/``)."""
        return archive.archive_folder(self.repo / "approvals", self.var, self.demo)


@dataclass(frozen=True)
class Built:
    """A sealed build and what the rest of the publish needs from its making."""

    ready: Prepared
    roster: Roster  # the ledger's over the export, with this machine's anchor: trusted
    sealed: SealedInput
    result: BuildResult
    key: Path  # this machine's archive key, checked against the roster before the build


# --- the call points of the checks other modules provide -------------------------------------


def check_history(run: Run, roster: Roster) -> HistoryReport:
    """Check that history moves forward, sign-offs only grow and code changes are signed.

    Runs on the export before ANY of its code runs (settings, plugins, theme): the roster
    is verified with this machine's anchor, so its ``code: true`` officials decide which
    code may run. A first ``--demo`` publish accepts its commit as the demo state's base,
    recorded as such; a real first publish needs ``invoke terima-riwayat``.
    """
    if run.demo and history.starting_point(run.machine) is None:
        history.accept_history(
            run.repo,
            run.commit,
            run.machine,
            reason="penerbitan contoh (--demo) pertama di mesin ini: commit ini diterima "
            "otomatis sebagai titik awal riwayat contoh",
            by=archive.who(),
            git_user=git_text(run.repo, "config", "user.name") or "-",
            at=now(),
            env=run.env,
        )
        run.machine.save()
    report = history.check_history(run.repo, run.commit, run.machine, roster, env=run.env)
    history.check_roster_version(roster, run.machine)  # the mark is saved with the publish
    return report


def rails_before_build(
    run: Run,
    ready: Prepared,
    newest_signed: datetime | None,
    report: HistoryReport,
    moment: datetime,
) -> None:
    """Refuse a clock behind what this machine has seen, and demo mixed with real releases."""
    rails.check_clock(
        moment,
        *rails.known_moments(
            run.machine, commit=run.commit, committed=report.newest, signed=newest_signed
        ),
    )
    with environment(run.env):
        pinned = pinned_anchor()
    rails.check_demo_separation(run.machine, ready.target.name, run.demo, pinned)


def rails_after_plan(run: Run, built: Built, plan: Plan, *, allow_withdrawal: bool) -> list[str]:
    """Refuse to take down more live items than the settings allow; return what goes."""
    manifest = built.result.manifest
    reasons = {entry["item"]: entry["reason"] for entry in manifest["excluded"]}
    return rails.check_withdrawal(
        run.machine,
        built.ready.target.name,
        run.archive_folder,
        built.roster,
        [entry["item"] for entry in manifest["included"]],
        threshold=built.ready.config.max_withdrawal,
        allowed=allow_withdrawal,
        reasons=reasons,
        scheduled=[e["item"] for e in manifest["excluded"] if e["state"] == "berakhir"],
    )


# --- what a publish leaves behind ------------------------------------------------------------


def went_live(
    run: Run, release: str, target: str, at: datetime, *, deployed: bool, sent: Sent
) -> None:
    """Record the published commit; a release that was switched to goes into the log.

    An unchanged site makes no release at the target, so there is nothing to roll back
    to: only ``last`` moves. What was sent is noted too, so a later publish can complete
    the archive record this one could not write (``archive_repair``).
    """
    entry: Mapping[str, Any] = {
        "release": release,
        "target": target,
        "commit": run.commit,
        "at": at.isoformat(),
        "sent": {
            "location": sent.location,
            "files": sent.objects,
            "bytes": sent.bytes,
            "deleted": sent.deleted,
        },
    }
    run.machine.last = dict(entry)
    run.machine.saw(at)
    if deployed:
        run.machine.went_live({**entry, "demo": run.demo})
    run.machine.save()


def archive_pending(
    run: Run, built: Built, release: str, moment: datetime, plan: Plan
) -> archive.Written:
    """Write the signed pending record before the deploy (publishing/archive).

    It lists what changed since the newest verified record of the target and names that
    record; a full list when there is none, when the chain has grown to
    ``archive.FULL_EVERY`` records, or when another key signed it.
    """
    ready, roster, manifest = built.ready, built.roster, built.result.manifest
    previous = archive.newest(run.archive_folder, ready.target.name, roster, _state_cache(run))
    full = previous is None or (
        previous.state.depth + 1 >= archive.FULL_EVERY or previous.state.signers != {_signer(built)}
    )
    source = archive.provenance(run.repo, run.commit)
    data = archive.pending_record(
        release=release,
        at=moment,
        by=archive.who(),
        source=source,
        target=ready.target.name,
        kind=ready.target.kind,
        location=ready.target.describe(),
        manifest=manifest,
        plan=plan,
        demo=run.demo,
        previous=previous,
        full=full,
    )
    archive.forget_states()  # needed no more in this publish: the deploy reuses its memory
    return archive.write_pending(run.archive_folder, data, built.key, roster)


def _state_cache(run: Run) -> MachineCache:
    """Return this machine's cache of archive states (publishing/archive/chain.py)."""
    return archive.machine_cache(run.machine.folder)


def _signer(built: Built) -> str:
    """Return the fingerprint of this machine's archive key."""
    return fingerprint(archive.keys.public_half(built.key))


def archive_complete(
    run: Run,
    built: Built,
    pending: archive.Written,
    sent: Sent,
    release: str,
    *,
    later: bool = False,
) -> tuple[Path, str | None]:
    """Write the signed complete record after the deploy and commit both (alone).

    Returns the complete record and a warning when the git commit failed. ``later``: an
    earlier publish's release, completed by this one (``archive_repair``). The state it
    records is kept in the machine's cache, so the next publish need not add up the chain.
    """
    done = archive.complete(
        pending, at=now(), sent=sent, key=built.key, roster=built.roster, later=later
    )
    if not later:
        with suppress(archive.ArchiveError, OSError):  # a cache: never fails the publish
            _keep_state(run, built, pending, done)
    warning = None
    if built.ready.config.archive_commit and not run.demo:
        paths = [pending.path, pending.signature, done.path, done.signature]
        warning = archive.commit_record(run.repo, paths, release)
    return done.path, warning


def _keep_state(run: Run, built: Built, pending: archive.Written, done: archive.Written) -> None:
    """Keep the state this publish recorded in the machine's cache, keyed on its record."""
    state = archive.state_of(  # the list the pending record hashed: the manifest's
        archive.published_list(built.result.manifest),
        int(pending.data.get("chain_depth") or 0),
        {_signer(built)},
        digest=str(pending.data["published_sha256"]),
    )
    digest = "sha256:" + hashlib.sha256(done.payload).hexdigest()
    archive.put_state(_state_cache(run), digest, built.roster, state)


def reserve_room(run: Run, release: str) -> Callable[[], None]:
    """Hold room for the complete record and the machine's state; return what frees it.

    Before the pending record and the deploy: a folder too full to hold it stops the
    publish here, while the live site is still the old one.
    """
    folder = run.archive_folder
    archive.reserve(folder, release[:4], release, NOTHING_PUBLISHED)
    try:
        run.machine.folder.mkdir(parents=True, exist_ok=True)
        clear_reservations(run.machine.folder)  # a killed publish's
        state = Reservation(run.machine.folder, release).make()
    except OSError as error:
        with suppress(archive.ArchiveError):
            archive.unreserve(folder, release[:4], release)
        if not is_storage(error):
            raise
        raise storage_error(
            error,
            doing="(catatan mesin penerbit)",
            unchanged="tidak ada yang diterbitkan dan situs tayang tidak berubah",
            then=AGAIN,
        ) from None

    def free() -> None:
        state.free()
        with suppress(archive.ArchiveError):
            archive.unreserve(folder, release[:4], release)

    return free


def archive_repair(run: Run, built: Built) -> tuple[list[str], list[str]]:
    """Write the complete records earlier publishes of this target could not write.

    Returns the releases completed and any warning of their git commits.
    """
    name, roster = built.ready.target.name, built.roster
    entries = [*run.machine.releases(name), *([run.machine.last] if run.machine.last else [])]
    completed, warnings = [], []
    for pending, sent in archive.unfinished(run.archive_folder, name, entries, roster):
        release = str(pending.data["release"])
        _, warning = archive_complete(run, built, pending, sent, release, later=True)
        completed.append(release)
        if warning:
            warnings.append(warning)
    return completed, warnings
