"""The export's blob store (publishing/seal/blobs.py): a damaged store changes nothing.

The store's listing is read once per export (no ``stat`` per blob) and its index is
written only when its blobs changed. Neither may change what an export holds: a damaged
store (a blob gone, a blob replaced by a symlink or a folder, a broken index, leftovers)
gives the same export as a fresh one, or the same refusal.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from publishing.seal import SealError
from publishing.seal.blobs import INDEX, BlobStore
from publishing.seal.export import export_commit
from sitekit import commit_all


def _repo(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "repo"
    for folder in range(6):
        (repo / "approvals" / f"item-{folder}").mkdir(parents=True)
        for name in range(3):
            (repo / "approvals" / f"item-{folder}" / f"s{name}.yml").write_text(
                f"{folder}:{name}\n"
            )
    (repo / "content" / "berita").mkdir(parents=True)
    (repo / "content" / "berita" / "a.md").write_text("Title: A\n\nisi\n")
    (repo / "content" / "berita" / "b.md").write_text("Title: A\n\nisi\n")  # same blob twice
    (repo / "pelicanconf.py").write_text("X = 1\n")
    return repo, commit_all(repo, "isi")


def _contents(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.mark.parametrize("damage", ["gone", "symlink", "folder", "index", "leftovers"])
def test_a_damaged_store_gives_the_same_export(tmp_path: Path, damage: str) -> None:
    repo, commit = _repo(tmp_path)
    store = tmp_path / "var" / "segel-blob"
    first = export_commit(repo, commit, tmp_path / "pertama", store)
    blob = next(p for p in store.iterdir() if p.name != INDEX)
    forged = tmp_path / "palsu"
    forged.write_text("TOKENPALSU\n")
    if damage == "gone":
        blob.unlink()
    elif damage == "symlink":
        blob.unlink()
        blob.symlink_to(forged)
    elif damage == "folder":
        blob.unlink()
        blob.mkdir()
    elif damage == "index":
        (store / INDEX).write_text("{rusak")
    else:
        (store / f".neu-{blob.name}-1").write_text("TOKENPALSU\n")
        (store / "asing").write_text("TOKENPALSU\n")
    if damage == "folder":  # a folder in the store's place of a blob: refused, never linked
        with pytest.raises(SealError):
            export_commit(repo, commit, tmp_path / "kedua", store)
        return
    second = export_commit(repo, commit, tmp_path / "kedua", store)
    assert second.files == first.files
    assert _contents(tmp_path / "kedua") == _contents(tmp_path / "pertama")
    assert not any(p.is_symlink() for p in (tmp_path / "kedua").rglob("*"))
    names = {p.name for p in store.iterdir()}
    assert names == {INDEX, *json.loads((store / INDEX).read_text())}  # index lists the store
    assert all((store / name).is_file() and not (store / name).is_symlink() for name in names)
    index = (store / INDEX).stat()
    third = export_commit(repo, commit, tmp_path / "ketiga", store)  # same blobs: index kept
    assert third.files == first.files
    assert (store / INDEX).stat().st_ino == index.st_ino


def test_a_blob_stored_since_opening_and_not_kept_is_removed(tmp_path: Path) -> None:
    """``keep_only`` removes what the store held when opened and what was added since."""
    folder = tmp_path / "var" / "segel-blob"
    old, added, kept = "a" * 40, "b" * 40, "c" * 40
    first = BlobStore(folder)
    first.add(old, iter([b"lama\n"]))
    first.keep_only([old])
    first.close()
    store = BlobStore(folder)
    store.add(added, iter([b"baru\n"]))
    store.add(kept, iter([b"tetap\n"]))
    store.keep_only([kept])
    store.close()
    assert {p.name for p in folder.iterdir()} == {INDEX, kept}
    assert json.loads((folder / INDEX).read_text()) == {
        kept: hashlib.sha256(b"tetap\n").hexdigest()
    }


def _oid(repo: Path, commit: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", f"{commit}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _inodes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_ino
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.mark.parametrize(
    "damage",
    [
        "none",
        "extra",
        "copy",
        "other-blob",
        "symlink",
        "folder-link",
        "fifo",
        "dir-for-file",
        "file-for-dir",
        "gone",
        "folder-gone",
        "index-tampered",
    ],
)
def test_a_refitted_previous_export_is_the_fresh_export(tmp_path: Path, damage: str) -> None:
    """The last export, damaged any way, refitted for a new commit: exactly a fresh one."""
    repo, first = _repo(tmp_path)
    store = tmp_path / "var" / "segel-blob"
    previous = tmp_path / "var" / "segel-lalu"
    export_commit(repo, first, previous, store)
    (repo / "content" / "berita" / "c.md").write_text("Title: C\n\nbaru\n")
    (repo / "approvals" / "item-1" / "s0.yml").unlink()
    (repo / "approvals" / "item-9").mkdir()
    (repo / "approvals" / "item-9" / "s0.yml").write_text("9:0\n")
    second = commit_all(repo, "kedua")
    forged = tmp_path / "palsu"
    forged.write_text("TOKENPALSU\n")
    target = previous / "approvals" / "item-2" / "s1.yml"
    if damage == "extra":
        (previous / "content" / "TOKENPALSU.md").write_text("TOKENPALSU\n")
        (previous / "asing").mkdir()
        (previous / "asing" / "x").write_text("TOKENPALSU\n")
    elif damage == "copy":  # the same bytes, but not the stored blob: linked again
        data = target.read_bytes()
        target.unlink()
        target.write_bytes(data)
    elif damage == "other-blob":
        target.unlink()
        os.link(previous / "approvals" / "item-3" / "s0.yml", target)
    elif damage == "symlink":
        target.unlink()
        target.symlink_to(forged)
    elif damage == "folder-link":
        shutil.rmtree(previous / "approvals" / "item-4")
        (previous / "approvals" / "item-4").symlink_to(tmp_path)
    elif damage == "fifo":
        target.unlink()
        os.mkfifo(target)
    elif damage == "dir-for-file":
        target.unlink()
        target.mkdir()
        (target / "x").write_text("TOKENPALSU\n")
    elif damage == "file-for-dir":
        shutil.rmtree(previous / "approvals" / "item-5")
        (previous / "approvals" / "item-5").write_text("TOKENPALSU\n")
    elif damage == "gone":
        target.unlink()
    elif damage == "folder-gone":
        shutil.rmtree(previous / "content")
    elif damage == "index-tampered":  # a blob edited in place, the index no longer vouches
        blob = store / _oid(repo, second, "approvals/item-2/s1.yml")
        blob.chmod(0o644)
        blob.write_text("TOKENPALSU\n")  # the same inode, other bytes
        blob.chmod(0o444)
        (store / INDEX).write_text("{rusak")
    refitted = export_commit(repo, second, tmp_path / "baru", store, previous)
    assert not previous.exists()
    fresh = export_commit(repo, second, tmp_path / "segar", store)
    assert refitted.files == fresh.files
    assert _contents(tmp_path / "baru") == _contents(tmp_path / "segar")
    assert _inodes(tmp_path / "baru") == _inodes(tmp_path / "segar")  # the stored blobs
    every = list((tmp_path / "baru").rglob("*"))
    assert not any(p.is_symlink() for p in every)
    assert all(p.is_dir() or p.is_file() for p in every)
    assert sorted(p.relative_to(tmp_path / "baru") for p in every) == sorted(
        p.relative_to(tmp_path / "segar") for p in (tmp_path / "segar").rglob("*")
    )
