"""The export's SHA-256 of every sign-off, handed from the seal step to the Pelican child.

A sealed publish knows each exported file's SHA-256 (from blobs checked against their
git object ids, publishing/seal/export.py), and its seal step finds every sign-off
verified before by that hash without reading it (``Known``). The Pelican child reads
the same export again and could not: the export's files are hard links into the blob
store, whose change time moves whenever another export's links are made or swept (the
sweep runs while Pelican does), so no sign-off was found by identity and all of them
were read and hashed again (20,002 files at 5,000 items, in the forked reader; issue 12).

So the seal step writes those hashes here, sealed with the gate cache's machine key and
bound to the export's approvals folder, and the child's sign-off reader takes them as
the seal step's did. A file that is missing, damaged, written for another export or by
anyone without the key reads as nothing: the child reads and hashes every sign-off, as
before. Only sign-offs' hashes travel: nothing Pelican reads or copies (a source, an
attachment) is ever taken by a hash the child's gate did not compute from its bytes
(docs/gate.md, "Speed and caches").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .atomic import write_whole
from .json_tables import dump_bytes, load_bytes
from .machine_cache import MachineCache

FILE = "export-hashes.json"
NAMESPACE = "approval-gate"  # the gate cache's; the file name is part of every MAC


def _bound(approvals: Path) -> str:
    """Return the folder a file of hashes is for (its real path: one folder, one name)."""
    return os.path.realpath(approvals)


def write_export_hashes(cache: Path | None, approvals: Path, hashes: Mapping[str, str]) -> None:
    """Keep the SHA-256 of each file under ``approvals`` (by path there) for the child.

    Called by the seal step only, with the export's hashes of bytes it verified. A
    failed write is ignored (the child then reads every sign-off).
    """
    if cache is None:
        return
    data = dump_bytes({"approvals": _bound(approvals), "hashes": dict(hashes)})
    try:
        write_whole(cache / FILE, MachineCache(cache, NAMESPACE).seal(data, FILE))
    except OSError:
        pass


def read_export_hashes(cache: Path | None, approvals: Path) -> dict[str, str] | None:
    """Return the hashes the seal step kept for exactly ``approvals``, or None."""
    if cache is None:
        return None
    try:
        blob = (cache / FILE).read_bytes()
        data = MachineCache(cache, NAMESPACE).unseal(blob, FILE)
        loaded = load_bytes(data) if data is not None else None
    except (OSError, ValueError):
        return None
    if not isinstance(loaded, dict) or loaded.get("approvals") != _bound(approvals):
        return None
    hashes = loaded.get("hashes")
    if not isinstance(hashes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in hashes.items()
    ):
        return None
    return hashes
