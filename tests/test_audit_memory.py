"""The audit's facts table shares one object for the plainest facts, and stays exact.

Nearly every output file says nothing (no marker, not a feed): the table read back holds
one shared object for all of them (publishing/audit_facts.py ``_shared``, docs/
publishing.md "Memory of a publish"). Sharing must never let one file's facts become
another's: facts are made anew, never changed in place.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from approval_gate.api import MachineCache
from publishing import audit_facts
from publishing.audit_facts import PRIVATE_MARKERS, FactTable
from publishing.tree import OutputFile


def _file(root: Path, rel: str, data: bytes) -> OutputFile:
    (root / rel).write_bytes(data)
    return OutputFile(rel, root, len(data), hashlib.sha256(data).hexdigest())


def test_plain_facts_are_shared_and_a_marked_file_is_still_found(tmp_path: Path) -> None:
    cache = MachineCache(tmp_path / "cache", "audit")
    plain = [_file(tmp_path, f"p{i}.html", f"<p>{i}</p>".encode()) for i in range(3)]
    feed = _file(tmp_path, "f.xml", b"<feed><link href='https://x/a/'/></feed>")
    table = FactTable(cache)
    for file in plain:
        table.of(file, False)
    table.of(feed, True)
    table.save()
    again = FactTable(cache)
    assert all(again.known[f.sha256] is audit_facts._PLAIN for f in plain)
    assert again.known[feed.sha256] == {
        "p": False,
        "m": False,
        "x": [["https://x/a/", "a/index.html"]],
    }
    # the same name with new bytes: read again, its own facts, the shared ones untouched
    marked = _file(tmp_path, "p0.html", b"<p>" + PRIVATE_MARKERS[0] + b"</p>")
    assert again.of(marked, False)["m"] is True
    assert again.of(plain[1], False) == {"p": False, "m": False}
    assert audit_facts._PLAIN == {"p": False, "m": False}
