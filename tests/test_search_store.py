"""The search index's files are linked from a store between builds, and trusted for nothing.

A part reused from the machine cache was written as some 600 new files per build; its
files are now kept by SHA-256 in ``pagefind-cache/berkas`` (publishing/linked_store.py)
and hard-linked into the next build's output, read back and checked. What a reader can
find must stay exactly the approved pages whatever the store holds: a stored file with
other bytes under its name (even the unapproved item's record), a symlink or a FIFO in
its place is never published; the file is made again from the sealed cache entry.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

import publishing.search
from publishing import search_parts
from publishing.search import audit_search
from publishing.tree import list_output
from searchkit import LEAK, built_news, index_files, manifest, without_index
from sitekit import Keys, Site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Site:
    """Three approved items and a secret one, built once; the index is made again below."""
    return built_news(tmp_path_factory.mktemp("store"), keys)


def _indexed(site: Site, folder: Path, cache: Path) -> tuple[Path, dict[str, Any]]:
    """Index a fresh copy of the output with ``cache``; return it and the entries given."""
    output = without_index(site, folder)
    placed = publishing.search.index_site(output, manifest(site), cache, list_output(output))
    return output, placed


def _stored(cache: Path) -> Path:
    return cache / search_parts.STORE


def test_a_second_index_links_every_file_from_the_store(
    built: Site, tmp_path: Path, small_parts: None
) -> None:
    cache = tmp_path / "cache"
    first, placed = _indexed(built, tmp_path / "1", cache)
    second, again = _indexed(built, tmp_path / "2", cache)
    assert index_files(second) == index_files(first)
    files = {rel: data for rel, data in index_files(second).items() if rel != "bagian.json"}
    assert len(files) >= 10 and set(again) == {f"pagefind/{rel}" for rel in files}
    stored = {p.name: p for p in _stored(cache).iterdir()}
    assert set(stored) == {entry.sha256 for entry in again.values()}  # nothing else kept
    for rel, data in files.items():
        path = second / "pagefind" / rel
        entry = again[f"pagefind/{rel}"]
        assert entry.sha256 == search_parts.linked_store.sha(data) and entry.size == len(data)
        assert path.stat().st_ino == stored[entry.sha256].stat().st_ino  # linked, not written
        assert path.stat().st_mode & 0o777 == 0o444
    # the listing takes the entries as they are: no file of the index is read again
    listed = list_output(second, again, under="pagefind")
    assert all(listed[rel] is again[rel] for rel in again)
    assert audit_search(second, {e["save_as"] for e in manifest(built)["included"]}) == []


def test_a_stored_file_with_the_secret_items_record_is_never_published(
    built: Site, tmp_path: Path, small_parts: None
) -> None:
    """POISON: every stored file rewritten in place with the unapproved item's record."""
    cache = tmp_path / "cache"
    clean, _ = _indexed(built, tmp_path / "1", cache)
    shutil.rmtree(clean)  # the first build's links are gone, as after a publish
    forged = gzip.compress(
        b"pagefind_dcd" + json.dumps({"url": "/berita/berita-alfa/", "content": LEAK}).encode()
    )
    names = sorted(_stored(cache).iterdir())
    for stored in names:
        stored.chmod(0o644)
        stored.write_bytes(forged)
        stored.chmod(0o444)
    second, placed = _indexed(built, tmp_path / "2", cache)
    assert not any(LEAK.encode() in gzip.decompress(d) for d in _gz(second))
    for rel, entry in placed.items():
        assert search_parts.linked_store.sha((second / rel).read_bytes()) == entry.sha256
    for stored in _stored(cache).iterdir():  # made again from the sealed cache entry
        assert search_parts.linked_store.sha(stored.read_bytes()) == stored.name
    assert audit_search(second, {e["save_as"] for e in manifest(built)["included"]}) == []


def _gz(output: Path) -> list[bytes]:
    return [data for data in index_files(output).values() if data[:2] == b"\x1f\x8b"]


def test_a_symlink_or_fifo_in_the_store_is_replaced_not_followed(
    built: Site, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first, placed = _indexed(built, tmp_path / "1", cache)
    fragment = next(e for rel, e in placed.items() if rel.endswith(".pf_fragment"))
    meta = next(e for rel, e in placed.items() if rel.endswith(".pf_meta"))
    outside = tmp_path / "luar"
    outside.write_bytes((first / fragment.rel).read_bytes())
    (_stored(cache) / fragment.sha256).unlink()
    (_stored(cache) / fragment.sha256).symlink_to(outside)
    (_stored(cache) / meta.sha256).unlink()
    os.mkfifo(_stored(cache) / meta.sha256, 0o644)
    done: list[dict[str, Any]] = []
    worker = threading.Thread(
        target=lambda: done.append(_indexed(built, tmp_path / "2", cache)[1]), daemon=True
    )
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "a FIFO in the store made the build wait"
    second = tmp_path / "2"
    assert index_files(second) == index_files(first)
    for entry in (fragment, meta):
        path = second / entry.rel
        assert path.is_file() and not path.is_symlink()
        assert path.stat().st_ino != outside.stat().st_ino
        stored = _stored(cache) / entry.sha256
        assert stored.is_file() and not stored.is_symlink()  # a regular file again


def test_without_a_usable_store_the_index_is_written(built: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / search_parts.STORE).write_text("bukan folder")
    first, placed = _indexed(built, tmp_path / "1", cache)
    second, _ = _indexed(built, tmp_path / "2", cache)
    assert index_files(second) == index_files(first) and placed
    assert all((second / rel).stat().st_nlink == 1 for rel in placed)
