"""The sealing of the build input, as the publishing process receives it.

``seal_input`` opens the gate's ledger over the export and cuts the export down to the
build input (assemble.py). publish.py runs it in a forked process (publishing/forked.py):
the ledger (the gate's sealed tables, every verified sign-off) is the largest structure
of a publish's first half, and CPython would keep its memory after it is freed. Only
``Sealing`` comes back: the sealed input, the trusted roster and the newest sign-off's
time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import Roster

from . import SealedInput
from .assemble import assemble, sealed_ledger
from .export import Export

#: The error when the forked process that seals the input ends without an answer.
SEAL_LOST = (
    "Proses penyegelan masukan build berhenti tanpa hasil (mungkin kehabisan memori); "
    "tidak ada yang diterbitkan."
)


@dataclass(frozen=True)
class Sealing:
    """What sealing the build input hands back to the publishing process."""

    sealed: SealedInput
    roster: Roster  # the ledger's, verified with this machine's anchor: trusted
    newest_signed: datetime | None  # the newest sign-off's time, for the clock rail


def seal_input(
    exported: Export,
    settings_file: Path,
    settings: Mapping[str, Any],
    *,
    anchor: str,
    demo: bool,
    cache: Path,
) -> Sealing:
    """Open the gate's ledger over the export and cut it down to the build input."""
    ledger = sealed_ledger(exported, settings, anchor=anchor, demo=demo, cache=cache)
    sealed = assemble(exported, settings_file, settings, ledger)
    return Sealing(sealed, ledger.roster, ledger.newest_signed)
