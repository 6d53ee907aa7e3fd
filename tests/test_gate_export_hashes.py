"""The export's sign-off hashes, handed from the seal step to the Pelican child.

They only ever save reading: a file that is forged, edited, sealed by another machine,
written for another export or under another name reads as nothing, and the child then
reads and hashes every sign-off, judging exactly as before (export_hashes.py).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import approval_gate
import pytest
from approval_gate.api import (
    MachineCache,
    load_settings,
    read_settings_file,
    write_export_hashes,
)
from sitekit import Site
from test_gate_cache_speed import ITEM, _exported, _judged_with_forgery, _reads

MAC = 32

#: The gate's own modules behind the API's names (loaded by the imports above).
export_hashes: Any = sys.modules["approval_gate.export_hashes"]
FILE = export_hashes.FILE
read_export_hashes = export_hashes.read_export_hashes
approval_gate.register()  # loads the gate's Pelican side, as every build does
gate_run: Any = sys.modules["approval_gate.gate_run"]


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    cache, approvals = tmp_path / "cache", tmp_path / "ekspor" / "approvals"
    approvals.mkdir(parents=True)
    return cache, approvals


def test_the_hashes_come_back_only_for_their_own_folder(tmp_path: Path) -> None:
    cache, approvals = _folder(tmp_path)
    hashes = {"berita/a/setuju.yaml": "1" * 64}
    write_export_hashes(cache, approvals, hashes)
    assert read_export_hashes(cache, approvals) == hashes
    assert read_export_hashes(cache, tmp_path / "lain" / "approvals") is None
    assert read_export_hashes(None, approvals) is None
    assert read_export_hashes(tmp_path / "kosong", approvals) is None


@pytest.mark.parametrize(
    "how", ["edited by hand", "sealed by another machine", "another sealed file", "cut short"]
)
def test_a_poisoned_file_of_hashes_reads_as_nothing(tmp_path: Path, how: str) -> None:
    cache, approvals = _folder(tmp_path)
    write_export_hashes(cache, approvals, {"berita/a.yaml": "1" * 64})
    path = cache / FILE
    blob = path.read_bytes()
    forged = json.dumps({"approvals": str(approvals.resolve()), "hashes": {"x": "2" * 64}})
    if how == "edited by hand":
        path.write_bytes(blob[:MAC] + forged.encode())
    elif how == "sealed by another machine":
        path.write_bytes(
            MachineCache(tmp_path / "lain", "approval-gate").seal(forged.encode(), FILE)
        )
    elif how == "another sealed file":  # a cache file of the same key, copied over it
        sealer = MachineCache(cache, "approval-gate")
        path.write_bytes(sealer.seal(forged.encode(), "signoffs.json"))
    else:
        path.write_bytes(blob[: len(blob) // 2])
    assert read_export_hashes(cache, approvals) is None


def _judged(settings: dict[str, Any], items: list[str]) -> list[tuple[Any, ...]]:
    """Judge ``items`` as the Pelican child does: start the site, then open its run."""

    class Generator:
        context: dict[str, Any] = {}

    Generator.settings = settings  # type: ignore[attr-defined]
    gate_run.start_site(settings)
    run = gate_run.run_of(Generator())
    return [(v.item, v.state, v.digest, v.findings) for v in map(run.ledger.verdict, items)]


def _pelican_settings(settings_file: Path, sealed: bool) -> dict[str, Any]:
    values = dict(read_settings_file(settings_file))
    values["APPROVAL_GATE_SEALED"] = sealed
    return values


@pytest.mark.parametrize("poisoned", [False, True])
def test_the_child_judges_a_sealed_export_the_same_with_or_without_hashes(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, poisoned: bool
) -> None:
    read_signoffs = sys.modules["approval_gate.signoff_reading"].read_signoffs

    forged, items, expected = _judged_with_forgery(site)
    export = tmp_path / "ekspor"
    settings_file = _exported(site, export)
    gs = load_settings(read_settings_file(settings_file))
    hashes = _hashes(export / "approvals")
    rel = forged.relative_to(site.approvals).as_posix()
    if poisoned:  # the forged sign-off named by the bytes of a valid one, without the key
        valid = next(r for r in hashes if r != rel and r.startswith(rel.rsplit("/", 1)[0]))
        hashes = {**hashes, rel: hashes[valid]}
        data = json.dumps({"approvals": str(gs.approvals_path.resolve()), "hashes": hashes})
        assert gs.cache_path is not None
        gs.cache_path.mkdir(parents=True, exist_ok=True)
        (gs.cache_path / FILE).write_bytes(
            MachineCache(tmp_path / "lain", "approval-gate").seal(data.encode(), FILE)
        )
    else:
        write_export_hashes(gs.cache_path, gs.approvals_path, hashes)
    got = read_export_hashes(gs.cache_path, gs.approvals_path)
    assert (got is None) == poisoned
    if got is not None:  # taken, they spare every read of a sign-off verified before
        reads = _reads(monkeypatch)
        read_signoffs(gs.approvals_path, gs.cache_path, known=got)
        assert reads == []
    assert _judged(_pelican_settings(settings_file, sealed=True), items) == expected
    assert expected[0][1] == "menunggu"  # the forged sign-off still does not count


def test_a_work_tree_build_never_takes_hashes(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.approve_all(ITEM)
    gs = load_settings(read_settings_file(site.settings))
    signoffs = _hashes(gs.approvals_path)
    write_export_hashes(gs.cache_path, gs.approvals_path, signoffs)
    taken: list[Any] = []
    real = gate_run.start_reading

    def spy(approvals: Path, cache: Path | None, known: Any = None) -> Any:
        taken.append(known)
        return real(approvals, cache, known)

    monkeypatch.setattr(gate_run, "start_reading", spy)
    assert _judged(_pelican_settings(site.settings, sealed=False), [ITEM])[0][1] == "lengkap"
    assert taken == [None]
    taken.clear()
    assert _judged(_pelican_settings(site.settings, sealed=True), [ITEM])[0][1] == "lengkap"
    assert taken == [signoffs]
