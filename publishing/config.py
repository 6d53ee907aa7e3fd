"""Publishing settings: which target, with which options, validated before any build.

Read from the same settings file as the build (``publishconf.py``), under one prefix,
``PUBLISH_``. Options say where; credentials never live here (targets read them from
the environment). An unknown ``PUBLISH_*`` key, an unknown target or target type is an
error naming the file and key, with a close-match hint.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .targets import Target, TargetError

PREFIX = "PUBLISH_"
KNOWN = ("PUBLISH_TARGET", "PUBLISH_TARGETS", "PUBLISH_ARCHIVE_COMMIT")
DEFAULT_TARGETS = {"lokal": {"type": "lokal", "path": "var/situs"}}

#: Target types and the classes that implement them (imported only when used).
TYPES = {"lokal": "publishing.targets.local:LocalTarget",
         "rsync": "publishing.targets.rsync:RsyncTarget",
         "s3": "publishing.targets.s3:S3Target",
         "github-pages": "publishing.targets.ghpages:GhPagesTarget"}


class PublishConfigError(TargetError):
    """A ``PUBLISH_*`` setting is missing, unknown or of the wrong kind."""

    exit_code = 3

    def __init__(self, message: str, source: str, hint: str = "") -> None:
        super().__init__(f"{source}: {message} {hint}".strip())


@dataclass(frozen=True)
class PublishConfig:
    """The validated publishing settings."""

    target: str
    targets: dict[str, dict[str, Any]]
    archive_commit: bool
    source: str


def _hint(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    return f"Mungkin maksud Anda {close[0]!r}?" if close else \
        f"Pilihan: {', '.join(repr(c) for c in choices)}."


def load_config(settings: Mapping[str, Any], source: str,
                target: str | None = None) -> PublishConfig:
    """Validate the ``PUBLISH_*`` settings; ``target`` (from --target) overrides the default."""
    for key in settings:
        if key.startswith(PREFIX) and key not in KNOWN:
            raise PublishConfigError(f"Pengaturan tidak dikenal: {key!r}.", source,
                                     _hint(key, list(KNOWN)))
    targets = settings.get("PUBLISH_TARGETS", DEFAULT_TARGETS)
    if not isinstance(targets, dict) or not targets:
        raise PublishConfigError(f"'PUBLISH_TARGETS' harus dict nama -> pengaturan target, "
                                 f"bukan {targets!r}.", source)
    for name, options in targets.items():
        if not isinstance(options, dict) or "type" not in options:
            raise PublishConfigError(f"PUBLISH_TARGETS[{name!r}] harus dict dengan kunci "
                                     f"'type', bukan {options!r}.", source)
        if options["type"] not in TYPES:
            raise PublishConfigError(f"PUBLISH_TARGETS[{name!r}]['type'] tidak dikenal: "
                                     f"{options['type']!r}.", source,
                                     _hint(str(options["type"]), list(TYPES)))
    chosen = target or settings.get("PUBLISH_TARGET", "lokal")
    if chosen not in targets:
        raise PublishConfigError(f"Target {chosen!r} tidak ada di PUBLISH_TARGETS.", source,
                                 _hint(str(chosen), list(targets)))
    commit = settings.get("PUBLISH_ARCHIVE_COMMIT", True)
    if not isinstance(commit, bool):
        raise PublishConfigError(f"'PUBLISH_ARCHIVE_COMMIT' harus True atau False, bukan "
                                 f"{commit!r}.", source)
    return PublishConfig(str(chosen), {str(k): dict(v) for k, v in targets.items()}, commit,
                         source)


def make_target(config: PublishConfig, env: Mapping[str, str], root: Path,
                state: Path) -> Target:
    """Return the configured target object (its module is imported only now)."""
    options = config.targets[config.target]
    module, _, name = TYPES[options["type"]].partition(":")
    cls = getattr(importlib.import_module(module), name)
    target: Target = cls(config.target, {k: v for k, v in options.items() if k != "type"},
                         env, root, state)
    return target
