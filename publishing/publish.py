"""``invoke publish``: build, audit, deploy, archive, in that order, or nothing at all.

1. Settings and the target (options, credentials, reachability) are checked first, so
   a publish that cannot finish never starts.
2. One publish at a time (publish lock).
3. A fresh gated build with the publish settings into a new folder, audited
   (publishing/build.py); any finding stops here and nothing leaves the machine.
4. The target compares and deploys atomically; an unchanged site sends nothing.
5. The archive record is written once and committed (publishing/archive.py).
A failure at any step raises a typed error whose message is Indonesian; the live site
is then the previous one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import WIB, ConfigError, GateSettings, load_settings, now, read_settings_file

from . import archive
from .build import BuildFailed, build_site
from .config import PublishConfig, load_config, make_target
from .lock import publish_lock
from .targets import Plan, Sent, Target, TargetError
from .targets.local import LocalTarget

#: Environment that makes the publish settings accept the sample's demo keys and serve
#: the result on this machine (``invoke publish --demo``; the local target only).
DEMO_ENV = {"KPU_DEMO": "1", "KPU_SITEURL": "http://127.0.0.1:8000"}


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
    uncommitted: bool = False
    seconds: dict[str, float] = field(default_factory=dict)  # per step, for bench/


def _settings(settings_file: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Run the settings file with ``env`` as the environment it reads (``ConfigError``)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return read_settings_file(settings_file)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def release_name(moment: datetime) -> str:
    """Return a new release name: WIB time first (sorts by age), then a random tail."""
    local = moment.astimezone(WIB)
    return f"{local:%Y%m%dT%H%M%S}.{local.microsecond // 1000:03d}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Prepared:
    """Validated settings and a checked target: everything a publish needs to start."""

    gate: GateSettings
    config: PublishConfig
    target: Target
    state: Path


def prepare(
    settings_file: Path, target: str | None, env: Mapping[str, str], demo: bool
) -> Prepared:
    """Validate settings and check the target before anything is built."""
    settings = _settings(settings_file, env)
    gate = load_settings(settings)
    config = load_config(settings, settings_file.name, target)
    state = settings_file.parent / "var"
    chosen = make_target(config, env, settings_file.parent, state)
    if demo and chosen.kind != "lokal":
        raise TargetError(
            "Mode contoh (--demo) hanya boleh menerbitkan ke target lokal, "
            f"bukan ke '{chosen.name}' ({chosen.kind})."
        )
    chosen.check()
    return Prepared(gate, config, chosen, state)


def publish(
    settings_file: Path,
    *,
    target: str | None = None,
    dry_run: bool = False,
    demo: bool = False,
    env: Mapping[str, str] | None = None,
) -> PublishResult:
    """Publish the approved site to the configured target; see the module docstring."""
    env = dict(env if env is not None else os.environ)
    if demo:
        env["KPU_DEMO"] = DEMO_ENV["KPU_DEMO"]
        env.setdefault("KPU_SITEURL", DEMO_ENV["KPU_SITEURL"])
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(step: str) -> None:
        nonlocal clock
        tick = time.perf_counter()
        seconds[step], clock = tick - clock, tick

    ready = prepare(settings_file, target, env, demo)
    gate, config, chosen, state = ready.gate, ready.config, ready.target, ready.state
    lap("check")
    with publish_lock(state / "publish.lock"):
        moment = now()
        release = release_name(moment)
        builds = state / "terbit"
        if builds.exists():  # earlier builds (dry runs, killed publishes) are disposable
            shutil.rmtree(builds)
        output = builds / release
        result = build_site(
            settings_file, output, env=env, state_dir=state, allow_demo_keys=gate.allow_demo_keys
        )
        lap("build")
        plan = chosen.plan(output)
        lap("plan")
        outcome = PublishResult(
            release, dry_run, chosen, result.manifest, plan, None, output, seconds=seconds
        )
        if dry_run:
            return outcome
        outcome.sent = (
            chosen.deploy(output, release) if not plan.empty else Sent(location=chosen.describe())
        )
        lap("deploy")
        source = archive.provenance(settings_file.parent)
        outcome.uncommitted = source.dirty
        folder = archive.archive_folder(gate.approvals_path, state, demo)
        same = (
            archive.previous_same(
                folder,
                chosen.name,
                archive.published_digest(archive.published_list(result.manifest)),
            )
            if plan.empty
            else None
        )
        data = archive.record(
            release=release,
            at=moment,
            by=archive.who(),
            source=source,
            target=chosen.name,
            kind=chosen.kind,
            location=outcome.sent.location,
            manifest=result.manifest,
            plan=plan,
            sent=outcome.sent,
            demo=gate.allow_demo_keys,
            same_as=same,
        )
        outcome.archive = archive.write_record(folder, data)
        if config.archive_commit and not demo:
            outcome.warning = archive.commit_record(settings_file.parent, outcome.archive, release)
        shutil.rmtree(output)
        lap("archive")
        return outcome


def published_folder(settings_file: Path, env: Mapping[str, str] | None = None) -> Path:
    """Return the live folder of the local target, for ``invoke serve --published``.

    ``ConfigError`` when no target is local, ``TargetError`` when nothing was published.
    """
    env = dict(env if env is not None else os.environ)
    config = load_config(_settings(settings_file, env), settings_file.name)
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


__all__ = ["BuildFailed", "PublishResult", "publish", "published_folder", "release_name"]
