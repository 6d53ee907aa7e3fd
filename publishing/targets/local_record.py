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
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from approval_gate.api import MachineCache, dump_bytes, load_bytes, write_whole

from ..tree import OutputFile, Stamp, stamp_of

#: The folder of the records in the target folder, and a record's suffix.
RECORDS = ".kpu-hashes"
RECORD = ".sha256"
#: Where the publishing machine keeps the key that seals the records (under its var/).
RECORD_KEYS = "target-cache"


def record_path(target: Path, release: str) -> Path:
    """Return where the hashes of ``release`` are recorded (beside it, never served)."""
    return target / RECORDS / f"{release}{RECORD}"


def _bound(target: Path, release: str) -> str:
    """Bind a record to its target folder and release: a record moved elsewhere never opens."""
    return f"lokal\0{target}\0{release}"


def read_record(
    target: Path,
    release: str,
    seal: MachineCache | None,
    share: Mapping[str, OutputFile] | None = None,
) -> dict[str, OutputFile]:
    """Return the recorded files of ``release``, or nothing when missing, damaged or foreign.

    ``share`` (the new build's listing) lends its path and hash strings to the recorded
    files that have the same path and hash, nearly all of them: the live release's listing
    then holds one copy of each, not two (about 20 MB less at 10,000 items). Only equal
    strings are shared, so what is recorded is exactly what the record says. Each parsed
    entry is dropped as soon as its file is made, so the parsed record and the files made
    from it are never both whole in memory.
    """
    if seal is None:
        return {}
    share = share or {}
    try:
        data = seal.unseal(record_path(target, release).read_bytes(), _bound(target, release))
        entries = load_bytes(data) if data is not None else {}
        del data
        root = target / "releases" / release
        found = {}
        for rel in list(entries):
            sha, stamp = entries.pop(rel)
            dev, ino, size, mtime, ctime = map(int, stamp)
            sha = str(sha)
            new = share.get(rel)
            if new is not None:
                rel = new.rel
                sha = new.sha256 if new.sha256 == sha else sha
            found[rel] = OutputFile(rel, root, size, sha, (dev, ino, size, mtime, ctime))
        return found
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


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
    root, entries = f"{target / 'releases' / release}/", {}
    for rel, (sha, source, linked) in expected.items():
        try:
            stamp = stamp_of(os.stat(root + rel, follow_symlinks=False))
        except OSError:
            continue
        if stamp[2:4] == source[2:4] and (not linked or stamp[:2] == source[:2]):
            entries[rel] = [sha, list(stamp)]
    data = dump_bytes(entries, sort_keys=True)
    try:
        write_whole(record_path(target, release), seal.seal(data, _bound(target, release)))
    except OSError:
        record_path(target, release).unlink(missing_ok=True)
