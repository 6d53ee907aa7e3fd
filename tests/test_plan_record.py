"""Plans that cost what changed: each file hashed once, the live release from its record.

The build's listing is reused by the plan (``tree.list_output(known=)``); the local
target records the hashes of each live release beside it, sealed with the machine's key.
A recorded hash is used only for a file that is still exactly the recorded file, so a
live file edited by hand (even with its old size and modification time put back), a
missing or forged record, or a rollback all mean hashing again: a plan never sends less
than what changed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from approval_gate.api import MachineCache
from publishing import tree
from publishing.targets.local import (
    LocalTarget,
    compare,
    deploy_local,
    plan_local,
    rollback_local,
)
from publishing.targets.local_record import FORMAT, read_record, record_path


def site_of(folder: Path, pages: dict[str, str]) -> Path:
    """Write ``pages`` (path -> text) into ``folder``; return it."""
    for rel, text in pages.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


PAGES = {"index.html": "beranda", "berita/a/index.html": "A", "berita/b/index.html": "B"}


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path a listing hashes (``tree.hashed_file``), in order."""
    seen: list[str] = []
    real = tree.hashed_file

    def counting(path: str) -> tuple[str, os.stat_result]:
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(tree, "hashed_file", counting)
    return seen


@pytest.fixture
def seal(tmp_path: Path) -> MachineCache:
    return MachineCache(tmp_path / "var" / "target-cache", "lokal")


def released(folder: Path, seal: MachineCache) -> Path:
    """Return a local target in ``folder`` whose live release r1 has PAGES, recorded."""
    target = folder / "situs"
    deploy_local(site_of(folder / "b1", PAGES), target, "r1", seal=seal)
    return target


def test_a_listing_is_reused_after_a_rename_but_never_for_a_changed_file(
    tmp_path: Path, hashed: list[str]
) -> None:
    staging = site_of(tmp_path / "staging", PAGES)
    known = tree.list_output(staging)
    output = staging.rename(tmp_path / "output")
    hashed.clear()
    assert {rel: f.sha256 for rel, f in tree.list_output(output, known).items()} == {
        rel: f.sha256 for rel, f in known.items()
    }
    assert hashed == []
    (output / "berita/a/index.html").write_text("X")  # same size, other bytes
    listed = tree.list_output(output, known)
    assert hashed == [str(output / "berita/a/index.html")]
    assert listed["berita/a/index.html"].sha256 == tree.sha256_of(output / "berita/a/index.html")
    assert listed["index.html"].path == output / "index.html"


def test_the_plan_reads_the_live_release_from_its_record(
    tmp_path: Path, seal: MachineCache, hashed: list[str]
) -> None:
    target = released(tmp_path, seal)
    assert record_path(target, "r1").is_file()
    assert not (target / "current" / ".kpu-hashes").exists()  # beside the release, not in it
    assert sorted(p.name for p in (target / "releases").iterdir()) == ["r1"]
    output = site_of(tmp_path / "b2", {**PAGES, "berita/a/index.html": "A, diperbaiki"})
    known = tree.list_output(output)
    hashed.clear()
    plan = plan_local(output, target, compare(output, target, known, seal))
    assert hashed == []  # neither tree read again
    assert (plan.upload, plan.unchanged, plan.delete) == (["berita/a/index.html"], 2, [])


def changed_by_hand(target: Path, how: str) -> None:
    """Change the live release at ``target`` by hand: ``berita/b`` or a file added."""
    live = target / "current" / "berita" / "b" / "index.html"
    before = live.stat()
    if how == "same-size-and-mtime":  # in place, old size and mtime put back: ctime differs
        live.write_text("X")
        os.utime(live, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif how == "replaced":
        live.unlink()
        live.write_text("Y")
        os.utime(live, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif how == "deleted":
        live.unlink()
    else:
        (target / "current" / "tambahan.html").write_text("bocor")


@pytest.mark.parametrize("how", ["same-size-and-mtime", "replaced", "deleted", "added"])
def test_a_live_file_changed_by_hand_is_found(
    tmp_path: Path, seal: MachineCache, hashed: list[str], how: str
) -> None:
    target = released(tmp_path, seal)
    changed_by_hand(target, how)
    output = site_of(tmp_path / "b2", PAGES)
    plan = plan_local(output, target, compare(output, target, tree.list_output(output), seal))
    if how == "added":
        assert (plan.upload, plan.delete) == ([], ["tambahan.html"])
    else:
        assert (plan.upload, plan.delete) == (["berita/b/index.html"], [])
    deploy_local(output, target, "r2", seal=seal)
    assert (target / "current" / "berita" / "b" / "index.html").read_text() == "B"
    assert not (target / "current" / "tambahan.html").exists()


@pytest.mark.parametrize("how", ["missing", "forged", "other-release", "other-machine"])
def test_without_a_trustworthy_record_the_live_release_is_hashed(
    tmp_path: Path, seal: MachineCache, hashed: list[str], how: str
) -> None:
    target = released(tmp_path, seal)
    live = target / "current" / "berita" / "b" / "index.html"
    record = record_path(target, "r1")
    if how == "missing":
        record.unlink()
    elif how == "forged":  # the record says the tampered file is the new one; its seal fails
        blob = record.read_bytes()
        entries = tree.Packed.from_wire(live.parent, blob[32 + len(FORMAT) :])
        live.write_text("X")
        sha = entries.sha256("berita/b/index.html") or ""
        entries.add("berita/b/index.html", sha, tree.stamp_of(live.stat()))
        record.write_bytes(blob[:32] + FORMAT + entries.wire())
    elif how == "other-release":  # a genuine record, copied beside another release
        deploy_local(site_of(tmp_path / "b0", {"index.html": "lain"}), target, "r0", seal=seal)
        rollback_local(target, "r1")
        shutil.copyfile(record_path(target, "r0"), record)
    else:
        seal = MachineCache(tmp_path / "lain" / "target-cache", "lokal")
    assert read_record(target, "r1", seal) == {}
    output = site_of(tmp_path / "b2", PAGES)
    known = tree.list_output(output)
    hashed.clear()
    plan = plan_local(output, target, compare(output, target, known, seal))
    assert sorted(hashed) == sorted(str(target / "releases" / "r1" / rel) for rel in PAGES)
    expected = ["berita/b/index.html"] if how == "forged" else []
    assert plan.upload == expected


def test_after_a_rollback_the_plan_is_still_exact(tmp_path: Path, seal: MachineCache) -> None:
    target = tmp_path / "situs"
    first = site_of(tmp_path / "b1", PAGES)
    deploy_local(first, target, "r1", seal=seal)
    second = site_of(tmp_path / "b2", {**PAGES, "berita/a/index.html": "A2"})
    deploy_local(second, target, "r2", seal=seal)
    rollback_local(target, "r1")
    plan = plan_local(second, target, compare(second, target, tree.list_output(second), seal))
    assert plan.upload == ["berita/a/index.html"]


def test_the_local_target_records_each_release_and_drops_old_records(tmp_path: Path) -> None:
    root = tmp_path / "proyek"
    target = LocalTarget(
        "situs", {"path": str(tmp_path / "web"), "keep": 1}, {}, root, root / "var"
    )
    for number in (1, 2):
        output = site_of(tmp_path / f"b{number}", {**PAGES, "index.html": f"beranda {number}"})
        target.known = tree.list_output(output)
        plan = target.plan(output)
        assert plan.upload == (["index.html"] if number == 2 else sorted(PAGES))
        target.deploy(output, f"r{number}")
    assert sorted(p.name for p in (tmp_path / "web" / "releases").iterdir()) == ["r2"]
    assert sorted(p.name for p in (tmp_path / "web" / ".kpu-hashes").iterdir()) == ["r2.sha256"]
    assert (root / "var" / "target-cache" / ".kunci").is_file()  # the machine's key, in var/


# Poison: the build hashes each file once (``tree.hashed_file``, with the status of the file
# it read) and its last listing trusts only that status; whatever changes a file behind
# the walk's back gives it another status, so it is hashed again, never listed as before.
@pytest.mark.parametrize("how", ["same-size-and-mtime", "grown-as-it-was-read"])
def test_a_file_changed_behind_the_walk_is_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hashed: list[str], how: str
) -> None:
    staging = site_of(tmp_path / "staging", PAGES)
    page = staging / "berita/a/index.html"
    if how == "grown-as-it-was-read":  # written to right after the walk hashed it
        real = tree.hashed_file

        def growing(path: str) -> tuple[str, os.stat_result]:
            found = real(path)
            if path == str(page) and page.stat().st_size == 1:  # once
                with page.open("ab") as handle:
                    handle.write(b" bocor")
            return found

        monkeypatch.setattr(tree, "hashed_file", growing)
    known = tree.list_output(staging)
    if how == "same-size-and-mtime":  # rewritten in place, old size and mtime put back
        before = page.stat()
        page.write_text("X")
        os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    hashed.clear()
    last = tree.list_output(staging, known)  # the build's last walk, stat only
    assert hashed == [str(page)]
    assert last["berita/a/index.html"].sha256 == tree.sha256_of(page)
    assert last["berita/a/index.html"].size == page.stat().st_size
    assert {rel: f.sha256 for rel, f in last.items()} == {
        rel: tree.sha256_of(staging / rel) for rel in PAGES
    }


def test_a_file_swapped_for_a_symlink_during_the_walk_is_never_hashed_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staging = site_of(tmp_path / "staging", PAGES)
    secret = tmp_path / "rahasia.txt"
    secret.write_text("kunci")
    real = tree._walk

    def swapping(root: str, prefix: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
        for rel, entry in real(root, prefix):
            if rel == "index.html":  # the walk saw a file; a symlink is put in its place
                os.unlink(entry.path)
                os.symlink(secret, entry.path)
            yield rel, entry

    monkeypatch.setattr(tree, "_walk", swapping)
    with pytest.raises(OSError):
        tree.list_output(staging)


def test_a_record_of_the_old_format_is_no_record_and_the_next_one_is_read(
    tmp_path: Path, seal: MachineCache, hashed: list[str]
) -> None:
    """A record written before its format changed (JSON) costs one plan a full hash."""
    target = released(tmp_path, seal)
    old = {
        rel: [f.sha256, list(f.stamp)]
        for rel, f in tree.list_output(target / "releases" / "r1").items()
    }
    record = record_path(target, "r1")
    record.write_bytes(seal.seal(json.dumps(old).encode(), f"lokal\0{target}\0r1"))
    assert read_record(target, "r1", seal) == {}
    output = site_of(tmp_path / "b2", {**PAGES, "baru.html": "x"})
    known = tree.list_output(output)
    hashed.clear()
    plan = plan_local(output, target, compare(output, target, known, seal))
    assert sorted(hashed) == sorted(str(target / "releases" / "r1" / rel) for rel in PAGES)
    assert plan.upload == ["baru.html"]
    deploy_local(output, target, "r2", seal=seal)  # its record in the format of today
    assert record_path(target, "r2").read_bytes()[32:].startswith(FORMAT)
    recorded = read_record(target, "r2", seal)
    assert {rel: (f.sha256, f.stamp) for rel, f in recorded.items()} == {
        rel: (f.sha256, f.stamp) for rel, f in tree.list_output(target / "releases" / "r2").items()
    }


def test_packed_files_cross_a_pipe_as_they_were_and_refuse_a_cut(tmp_path: Path) -> None:
    """``tree.Packed``'s bytes keep every path (any bytes but NUL), hash and stamp."""
    names = {"index.html": "a", "berita/é/x y.html": "b", "aneh\udcff.html": "c"}
    folder = tmp_path / "f"
    for rel, text in names.items():
        path = folder.joinpath(os.fsencode(rel).decode("utf-8", "surrogateescape"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    listed = tree.list_output(folder)
    wire = tree.pack_output(folder, listed).wire()
    packed = tree.Packed.from_wire(folder, wire)
    assert packed.wire() == wire and list(packed) == list(listed)
    assert {rel: (f.sha256, f.stamp, f.size) for rel, f in packed.items()} == {
        rel: (f.sha256, f.stamp, f.size) for rel, f in listed.items()
    }
    with pytest.raises(ValueError):
        tree.Packed.from_wire(folder, wire[:-1])
    with pytest.raises(ValueError):
        tree.Packed(folder).add("x", "ab", tree.NO_STAMP)  # not a SHA-256
