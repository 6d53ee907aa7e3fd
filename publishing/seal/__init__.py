"""The sealed publish: the site is built only from bytes of one commit that were signed.

The gate used to subtract unapproved items from a live work tree that a writer controls,
and everything else went through. A sealed publish constructs its build input instead:
``export.py`` writes one commit's tree from git objects into a fresh folder (regular
files only), ``assemble.py`` keeps in its ``content/`` only the sources of approved
items, the files their digests cover and the furniture, and Pelican reads nothing else.
``SealedInput`` describes that folder, so the output audit can account for every byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approval_gate.api import ExitCode, KpuError


class SealError(KpuError):
    """The commit may not be published: unsigned code, history rewritten, no export."""

    exit_code = ExitCode.SEAL


@dataclass(frozen=True)
class SealedInput:
    """The build input of one sealed publish: what Pelican reads, and why each file is there.

    ``items`` are the approved items kept (item -> digest); ``covered`` maps every file an
    approved item's digest covers, its source included (content-relative path -> sha256
    hex); ``furniture`` maps the files of ``content/static/``, ``content/extra/`` and the
    theme's static folders (path relative to ``folder`` -> sha256 hex); ``skipped`` lists
    the symlinks and submodules of ``content/`` and ``approvals/`` that were left out;
    ``held`` are the items left out, as manifest entries (item, state, reason, digest),
    and ``findings`` the gate's findings about them (manifest form).
    """

    commit: str
    folder: Path
    settings_file: Path
    items: dict[str, str] = field(default_factory=dict)
    covered: dict[str, str] = field(default_factory=dict)
    furniture: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)


__all__ = ["SealError", "SealedInput"]
