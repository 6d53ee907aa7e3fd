"""Publishing settings: which target, with which options, validated before any build.

Read from the same settings file as the build (``publishconf.py``), under one prefix,
``PUBLISH_``, with the project's one option engine. Options say where; credentials never
live here (targets read them from the environment). An unknown ``PUBLISH_*`` key, an
unknown target or target type, or a misspelled option of the chosen target is a
``ConfigError`` (exit 3) naming the file and key, with a close-match hint.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approval_gate.api import ConfigError, options

from . import compress
from .targets import Target, target_types

DEFAULT_TARGETS = {"lokal": {"type": "lokal", "path": "var/situs"}}


def _targets(value: Any) -> dict[str, dict[str, Any]]:
    """Accept a non-empty dict of target name -> options (each checked by ``load_config``)."""
    if not isinstance(value, dict) or not value:
        raise options.Invalid("")
    return {str(name): entry for name, entry in value.items()}


def _share(value: Any) -> float:
    """Accept a share between 0 and 1 (0.2 = 20 %), as a number, never True/False."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise options.Invalid("")
    return float(value)


OPTIONS = options.OptionSet(
    (
        options.Option("TARGET", "nama target di PUBLISH_TARGETS", options.text, default="lokal"),
        options.Option(
            "TARGETS", "dict nama -> pengaturan target", _targets, default=DEFAULT_TARGETS
        ),
        options.Option("ARCHIVE_COMMIT", "True atau False", options.boolean, default=True),
        options.Option(
            "MAX_WITHDRAWAL",
            "bagian antara 0 dan 1 dari item yang tayang, mis. 0.2 (20 %)",
            _share,
            default=0.2,
        ),
        compress.OPTION,  # the .gz/.br copies beside text files (docs/hosting.md)
    ),
    prefix="PUBLISH_",
    hint="Perbaiki nilai itu lalu jalankan perintahnya lagi.",
)


@dataclass(frozen=True)
class PublishConfig:
    """The validated publishing settings."""

    target: str
    targets: dict[str, dict[str, Any]]
    archive_commit: bool
    source: str
    #: The largest share of the live items one publish may take down (``rails.withdrawal``).
    max_withdrawal: float = 0.2
    #: Whether the build writes precompressed copies (publishing/compress.py).
    compress: bool = True


def load_config(
    settings: Mapping[str, Any], source: str, target: str | None = None
) -> PublishConfig:
    """Validate the ``PUBLISH_*`` settings; ``target`` (from --target) overrides the default."""
    values = OPTIONS.read(settings, source)
    targets: dict[str, dict[str, Any]] = values["TARGETS"]
    for name, entry in targets.items():
        if not isinstance(entry, dict) or "type" not in entry:
            raise ConfigError(
                f"PUBLISH_TARGETS[{name!r}] harus dict dengan kunci 'type', bukan {entry!r}.",
                path=source,
            )
        if entry["type"] not in target_types():
            raise ConfigError(
                f"PUBLISH_TARGETS[{name!r}]['type'] tidak dikenal: {entry['type']!r}.",
                path=source,
                hint=options.did_you_mean(str(entry["type"]), target_types()),
            )
    chosen = target or values["TARGET"]
    if chosen not in targets:
        raise ConfigError(
            f"Target {chosen!r} tidak ada di PUBLISH_TARGETS.",
            path=source,
            hint=options.did_you_mean(str(chosen), targets),
        )
    return PublishConfig(
        chosen,
        {name: dict(entry) for name, entry in targets.items()},
        values["ARCHIVE_COMMIT"],
        source,
        values["MAX_WITHDRAWAL"],
        compress=values["COMPRESS"],
    )


def make_target(
    config: PublishConfig, env: Mapping[str, str], root: Path, state: Path, name: str | None = None
) -> Target:
    """Return the chosen (or the ``name``d) target, its options read and checked.

    Its module is imported only now, so a site without S3 needs no S3 library.
    """
    name = name or config.target
    entry = config.targets[name]
    module, _, cls_name = target_types()[entry["type"]].partition(":")
    cls = getattr(importlib.import_module(module), cls_name)
    made: Target = cls(name, entry, env, root, state, source=config.source)
    return made
