"""The local target's record of a live release's hashes, so the next plan need not rehash it.

Beside each release that went live lies ``.kpu-hashes/<release>.sha256`` (in the target
folder, outside ``releases/`` and so never served): for every file
of the release its SHA-256 and what identifies that file on disk (device, inode, size,
modification and change times, ``tree.Stamp``), sealed with the publishing machine's
key (``approval_gate.api.MachineCache``, key under var/) and bound to the target folder
and the release name. The next plan lists the live release with the record as
``known`` (``tree.list_output``): a recorded hash is used only for a file that is still
exactly the file recorded. A file edited, replaced or touched by hand on the target has
another change time at least, so it is hashed again; a missing, damaged, copied or
forged record (its seal fails) means hashing the whole live release, as before.

The record is ``tree.Packed``'s bytes after a version line (``FORMAT``): 72 bytes and
the path per file, read back without parsing (a JSON record of 10,000 items took 0.2 s
and 75 MB to read) and handed as it is to the look at the live release, which runs beside
the audit (targets/local_look.py). A record in an older format reads as missing: the
first plan after the change hashes the live release once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from approval_gate.api import MachineCache, write_whole

from ..tree import Packed, Stamp, stamp_of

#: The folder of the records in the target folder, and a record's suffix.
RECORDS = ".kpu-hashes"
RECORD = ".sha256"
#: Where the publishing machine keeps the key that seals the records (under its var/).
RECORD_KEYS = "target-cache"
#: The first line of a record (then ``tree.Packed``'s bytes); raise it when that changes.
FORMAT = b"kpu-hashes 2\n"


def record_path(target: Path, release: str) -> Path:
    """Return where the hashes of ``release`` are recorded (beside it, never served)."""
    return target / RECORDS / f"{release}{RECORD}"


def _bound(target: Path, release: str) -> str:
    """Bind a record to its target folder and release: a record moved elsewhere never opens."""
    return f"lokal\0{target}\0{release}"


def recorded(target: Path, release: str, seal: MachineCache | None) -> bytes:
    """Return the recorded files of ``release`` as ``tree.Packed`` bytes; b"" when none.

    Unsealed, not parsed: a record whose seal fails, of another target folder or
    release, or of another format is no record (b""), and bytes that do not parse fail
    where they are read (``read_record``, the look).
    """
    if seal is None:
        return b""
    try:
        data = seal.unseal(record_path(target, release).read_bytes(), _bound(target, release))
    except OSError:
        return b""
    return data[len(FORMAT) :] if data is not None and data.startswith(FORMAT) else b""


def read_record(target: Path, release: str, seal: MachineCache | None) -> Packed:
    """Return the recorded files of ``release``, or none when missing, damaged or foreign."""
    root = target / "releases" / release
    try:
        return Packed.from_wire(root, recorded(target, release, seal))
    except ValueError:
        return Packed(root)


def write_record(
    target: Path,
    release: str,
    expected: Mapping[str, tuple[str, Stamp, bool]],
    seal: MachineCache,
) -> None:
    """Record the hashes of ``release``, which just went live, for the next plan.

    ``expected`` gives per file its hash, the stamp of the file it was made from (the new
    output's file, or the live file it is a hard link to) and whether it is such a link.
    A file is recorded only when it still has that file's size and modification time
    (and, for a link, its inode): one changed during the publish is left out, and so
    hashed by the next plan. A record that cannot be written only costs that plan time.
    """
    folder = target / "releases" / release
    root, entries = f"{folder}/", Packed(folder)
    for rel, (sha, source, linked) in expected.items():
        try:
            stamp = stamp_of(os.stat(root + rel, follow_symlinks=False))
        except OSError:
            continue
        if stamp[2:4] == source[2:4] and (not linked or stamp[:2] == source[:2]):
            entries.add(rel, sha, stamp)
    data = FORMAT + entries.wire()
    try:
        write_whole(record_path(target, release), seal.seal(data, _bound(target, release)))
    except OSError:
        record_path(target, release).unlink(missing_ok=True)
