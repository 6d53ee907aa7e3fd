"""Before a publish builds anything: its environment, its release name, settings and target.

Settings are read from the exported settings file (the commit's), and the target is made
and checked (options, credentials, reachability) before the build, so a publish that
cannot finish never starts. Target paths resolve against the checkout, never the export.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import WIB, GateSettings, load_settings

from .config import PublishConfig, load_config, make_target
from .seal.source import read_settings
from .targets import Target, TargetError

#: Environment that makes the publish settings accept the sample's demo keys and serve
#: the result on this machine (``invoke publish --demo``; the local target only).
DEMO_ENV = {"KPU_DEMO": "1", "KPU_SITEURL": "http://127.0.0.1:8000"}


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
    settings: dict[str, Any] = field(default_factory=dict)


def prepare(
    settings_file: Path,
    target: str | None,
    env: Mapping[str, str],
    demo: bool,
    *,
    root: Path | None = None,
) -> Prepared:
    """Validate settings and check the target before anything is built.

    ``settings_file`` is the exported one; ``root`` is the checkout (default: the file's
    folder), against which target paths are resolved and where ``var/`` lives.
    """
    settings = read_settings(settings_file, env)
    gate = load_settings(settings)
    config = load_config(settings, settings_file.name, target)
    root = root or settings_file.parent
    state = root / "var"
    chosen = make_target(config, env, root, state)
    if demo and chosen.kind != "lokal":
        raise TargetError(
            "Mode contoh (--demo) hanya boleh menerbitkan ke target lokal, "
            f"bukan ke '{chosen.name}' ({chosen.kind})."
        )
    chosen.check()
    return Prepared(gate, config, chosen, state, settings)


def publish_env(env: Mapping[str, str] | None, demo: bool) -> dict[str, str]:
    """Return the environment of a publish (the demo's variables added with ``demo``)."""
    env = dict(env if env is not None else os.environ)
    if demo:
        env["KPU_DEMO"] = DEMO_ENV["KPU_DEMO"]
        env.setdefault("KPU_SITEURL", DEMO_ENV["KPU_SITEURL"])
    return env
