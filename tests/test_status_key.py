"""The status snapshot's key and file: shared between two processes, never a stale answer.

``identities.py`` cuts a folder's walk into units so a forked child can walk a share of
approvals/; whichever process walks a unit, the key is the same, and any file added,
removed, renamed, replaced or edited in place, at any depth, gives another key.
``snapshot_file.py`` keeps the chains apart from the table: chains of another snapshot,
edited or cut short, are never shown (``invoke status --json`` judges everything again).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from approval_gate.api import MachineCache, site_status
from sitekit import ROLES, Site
from test_gate_cache_speed import _judging  # counts the runs that judged everything

ITEM = "berita/rapat.md"


def _identities(site: Site) -> Any:
    """Return identities.py, loaded as ``invoke status`` loads it (through the API)."""
    site_status(site.settings)
    return sys.modules["approval_gate.identities"]


def _tree(root: Path) -> None:
    """A folder shaped like approvals/: files at the top, kinds, item folders, deeper."""
    root.mkdir()
    (root / "roster.yml").write_text("versi: 1\n")
    for kind in ("berita", "artikel"):
        for n in range(4):
            item = root / kind / f"butir-{n}"
            item.mkdir(parents=True)
            for role in ("a", "b"):
                (item / f"{role}.yml").write_text(f"{kind} {n} {role}\n")
    (root / "berita" / "catatan.txt").write_text("di tingkat jenis\n")
    (root / "artikel" / "butir-0" / "dalam").mkdir()
    (root / "artikel" / "butir-0" / "dalam" / "c.yml").write_text("dalam\n")
    (root / "_arsip").mkdir()
    (root / "_arsip" / "lama.yml").write_text("arsip\n")


def _keys(ids: Any, root: Path) -> tuple[str | None, str | None]:
    """Return the key walked here alone and the key with every other unit elsewhere."""
    alone = ids.listing(root, "_arsip")
    shared = ids.shared_listing(root, "_arsip", lambda unit: unit % 2 == 1, lambda: None)
    return alone, shared


CHANGES: dict[str, Callable[[Path], Any]] = {
    "a file at the top edited": lambda r: (r / "roster.yml").write_text("versi: 2\n"),
    "a file of a kind edited": lambda r: (r / "berita" / "catatan.txt").write_text("lain\n"),
    "a sign-off edited, same size": lambda r: (r / "berita" / "butir-1" / "a.yml").write_text(
        "berita 1 x\n"
    ),
    "a sign-off added": lambda r: (r / "artikel" / "butir-3" / "c.yml").write_text("baru\n"),
    "a sign-off removed": lambda r: (r / "berita" / "butir-2" / "b.yml").unlink(),
    "a sign-off renamed": lambda r: (r / "berita" / "butir-0" / "a.yml").rename(
        r / "berita" / "butir-0" / "z.yml"
    ),
    "a sign-off replaced by a copy": lambda r: os.replace(
        r / "berita" / "butir-3" / "b.yml", r / "berita" / "butir-3" / "a.yml"
    ),
    "a file two folders deeper edited": lambda r: (
        r / "artikel" / "butir-0" / "dalam" / "c.yml"
    ).write_text("diubah\n"),
    "an empty item folder added": lambda r: (r / "berita" / "butir-9").mkdir(),
    "an empty kind added": lambda r: (r / "regulasi").mkdir(),
    "an item folder moved to another kind": lambda r: (r / "berita" / "butir-1").rename(
        r / "artikel" / "butir-1b"
    ),
    "an item folder removed": lambda r: shutil.rmtree(r / "artikel" / "butir-2"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_at_any_depth_gives_another_key_however_the_walk_is_shared(
    site: Site, tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _identities(site)
    monkeypatch.setattr(ids, "core_free", lambda: True)  # a child when it can
    root = tmp_path / "approvals"
    _tree(root)
    before = _keys(ids, root)
    assert before[0] is not None and before[0] == before[1]
    assert _keys(ids, root) == before  # nothing changed: the same key again
    CHANGES[change](root)
    after = _keys(ids, root)
    assert after[0] is not None and after[0] == after[1]
    assert after[0] != before[0], change


def test_the_skipped_folder_is_named_but_never_entered(site: Site, tmp_path: Path) -> None:
    ids = _identities(site)
    root = tmp_path / "approvals"
    _tree(root)
    before = _keys(ids, root)
    (root / "_arsip" / "lama.yml").write_text("arsip lain\n")
    assert _keys(ids, root) == before
    (root / "_arsip").rename(root / "_arsip2")
    assert _keys(ids, root)[0] != before[0]


@pytest.mark.parametrize("where", ["", "berita", "berita/butir-1", "artikel/butir-0/dalam"])
def test_a_symlink_anywhere_gives_no_key(site: Site, tmp_path: Path, where: str) -> None:
    ids = _identities(site)
    root = tmp_path / "approvals"
    _tree(root)
    (root / where / "tautan").symlink_to(tmp_path)
    assert _keys(ids, root) == (None, None)


def test_a_child_that_finds_a_symlink_is_checked_here(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child's "symlink" (None) is walked again here: only a real symlink means no key."""
    ids = _identities(site)
    root = tmp_path / "approvals"
    _tree(root)
    expected = ids.listing(root, "_arsip")
    monkeypatch.setattr(ids, "elsewhere", lambda work: lambda: None)
    assert ids.shared_listing(root, "_arsip", lambda u: True, lambda: None) == expected


# --- The snapshot's file: the chains of another snapshot are never shown ---------------

MAC = 32
LENGTH = 12


def _file(site: Site) -> Path:
    return site.root / ".cache" / "gate" / "status.json"


def _parts(blob: bytes) -> tuple[bytes, bytes]:
    """Split a snapshot file into its table's part and its chains' part."""
    end = LENGTH + MAC + int(blob[:LENGTH])
    return blob[:end], blob[end:]


def _chains(site: Site) -> dict[str, list[str]]:
    view = site_status(site.settings)
    return {r.verdict.item: [d.path for d in r.verdict.chain] for r in view.rows}


def test_chains_of_another_snapshot_edited_or_cut_are_never_shown(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.approve_all(ITEM, ROLES[:2])
    site.approve_all(site.article("berita/lain.md", "Lain", "Isi.", category="Berita"))
    first = _chains(site)
    old_table, old_chains = _parts(_file(site).read_bytes())
    site.sign(ITEM, ROLES[2])
    right = _chains(site)
    assert right != first and len(right[ITEM]) == 3
    table, chains = _parts(_file(site).read_bytes())
    opened = _judging(monkeypatch)
    assert _chains(site) == right and opened == []  # the snapshot answers
    edited = bytearray(chains)
    edited[-5] ^= 1
    other_key = MachineCache(tmp_path / "lain", "approval-gate")
    resealed = other_key.seal(table[LENGTH : LENGTH + MAC] + chains[MAC:], "status.json#rantai")
    for n, bad in enumerate(
        (
            table + old_chains,  # the chains of the snapshot before (same machine key)
            table + bytes(edited),  # one byte of the chains changed
            table + chains[: len(chains) // 2],  # cut short
            table,  # no chains at all
            table + resealed[:MAC] + chains[MAC:],  # sealed with another folder's key
        ),
        start=1,
    ):
        _file(site).write_bytes(bad)
        assert _chains(site) == right, n
        assert len(opened) == n, n  # judged everything again, never shown those chains
    _file(site).write_bytes(old_table + chains)  # the old table: another key, judged
    assert _chains(site) == right and len(opened) == 6
