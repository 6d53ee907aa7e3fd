"""The publication archive: signed records, written once, pending before the switch.

The SOP's last step says the published item is "disimpan sebagai arsip". Each publish
writes two records under ``approvals/_arsip/<year>/`` (``var/arsip-contoh/`` for a demo):

1. before the deploy, ``<release>-<target>.tertunda.yml`` (status ``tertunda``): when, who,
   which commit, which target, what changed since the previous record of the target
   (items added, changed and withdrawn with their digests and sign-offs, files sent; the
   previous record named by path and SHA-256; every 50th record lists every item), and
   what is held back and why (chain.py, walk.py);
2. after the deploy, ``<release>-<target>.yml`` (status ``selesai``): what was sent, and
   the pending record it completes, by path and SHA-256.

Records are never rewritten, so a publish killed between the switch and the second record
leaves a signed pending record naming the live release. Both are signed by the publishing
machine (``<record>.sig``, ``keys.py``) and written only through real folders (``store.py``).
Everything that reads a record (the next record, ``published_items``, the report and
the sheet) goes through ``check.read_signed`` and ``walk.py``, which check the signatures
and the chain's SHA-256 links first: a planted, forged or edited record is never cited.
Room for the complete record is reserved before the deploy; a live release whose
complete record could not be written anyway is completed by the next publish
(``repair.py``). The records are
committed to git on their own (``git commit --only``), so other work in progress is
never swept into that commit.
"""

from __future__ import annotations

from .chain import (
    FULL_EVERY,
    Previous,
    State,
    forget_states,
    machine_cache,
    put_state,
    state_of,
)
from .check import Record, complete_records, verify_record
from .keys import KEY_VARIABLE, check_publisher_key, publisher_key_file
from .records import (
    Provenance,
    Written,
    archive_folder,
    commit_record,
    complete,
    pending_record,
    provenance,
    published_digest,
    published_list,
    who,
    write_pending,
)
from .repair import unfinished
from .walk import newest, previous_same, published_items, read_complete, record_state
from .store import (
    PENDING_SUFFIX,
    ArchiveError,
    ArchiveKeyError,
    ArchiveStorageError,
    record_name,
    reserve,
    unreserve,
)

__all__ = [
    "FULL_EVERY",
    "KEY_VARIABLE",
    "PENDING_SUFFIX",
    "ArchiveError",
    "ArchiveKeyError",
    "ArchiveStorageError",
    "Previous",
    "Provenance",
    "Record",
    "State",
    "Written",
    "archive_folder",
    "check_publisher_key",
    "commit_record",
    "complete",
    "complete_records",
    "forget_states",
    "machine_cache",
    "newest",
    "pending_record",
    "previous_same",
    "provenance",
    "published_digest",
    "published_items",
    "published_list",
    "publisher_key_file",
    "put_state",
    "read_complete",
    "record_name",
    "record_state",
    "reserve",
    "state_of",
    "unfinished",
    "unreserve",
    "verify_record",
    "who",
    "write_pending",
]
