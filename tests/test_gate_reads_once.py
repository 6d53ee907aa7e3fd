"""A source is read once per build: the gate's digest takes the bytes Pelican's reader read.

In a sealed publish every source's identity moves between the publishing process's check
and the Pelican child (the export's files are links to the blob store, and each link made
or removed moves their ``ctime``), so the digest read and hashed every source a second
time after the caching reader had. The reader now keeps, for the build, the hash of what
it read from a regular file that is no symlink (``read_item_source``), and the gate hands
it to the content cache as known bytes (``read_by_reader``). These tests show the digest
reads no source then, and that nothing else changes: a source read through a symlinked
folder, or over its limit, or changed after the cache saw it, or read in an earlier build
or under another folder, is digested exactly as without the reader.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from approval_gate.api import ContentDigest, Limits, content_digest, read_item_source

from sitekit import ROLES, Site

#: The gate's own modules (loaded by the API name above): the pieces under test.
naskah_cache = sys.modules["approval_gate.naskah_cache"]
digest_module = sys.modules["approval_gate.digest"]
ContentCache: Any = sys.modules["approval_gate.cache"].ContentCache
SourceSeen: Any = naskah_cache.SourceSeen
forget_sources_read = naskah_cache.forget_sources_read
read_by_reader = naskah_cache.read_by_reader

ITEM = "berita/a.md"
TEXT = b"Title: A\nDate: 2026-11-20 08:00\n\nIsi A dengan [lampiran]({attach}a.pdf).\n"


def _digest(root: Path, cache: Any, limits: Limits | None = None) -> ContentDigest:
    return content_digest(root, ITEM, SourceSeen(root, cache, limits or Limits(), ITEM))


def _move_identity(path: Path) -> None:
    """Move the file's ``ctime`` (as the export's blob links do), keeping its bytes."""
    before = os.lstat(path).st_ctime_ns
    while os.lstat(path).st_ctime_ns == before:
        extra = path.with_name(path.name + ".tautan")
        os.link(path, extra)
        extra.unlink()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "berita").mkdir(parents=True)
    (root / ITEM).write_bytes(TEXT)
    (root / "berita" / "a.pdf").write_bytes(b"%PDF-1.4 lampiran")
    forget_sources_read()
    return root


@pytest.fixture
def source_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every content file the gate's own safe reader opens."""
    opened: list[str] = []
    real = digest_module.read_regular

    def spy(root: str, rel: str, *args: object) -> bytes | None:
        opened.append(rel)
        return real(root, rel, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(digest_module, "read_regular", spy)
    return opened


def _reader_read(root: Path, rel: str = ITEM) -> bytes:
    data, sha = read_item_source(str(root), str(root / rel))
    assert data == (root / rel).read_bytes()
    assert sha == hashlib.sha256(data).hexdigest()
    return data


def test_a_source_whose_identity_moved_is_not_read_again(
    content: Path, tmp_path: Path, source_reads: list[str]
) -> None:
    cache = ContentCache(tmp_path / "cache")
    first = _digest(content, cache)
    _move_identity(content / ITEM)
    _reader_read(content)
    source_reads.clear()
    read_by_reader(content, ITEM, cache, Limits())
    assert cache.known == {ITEM: hashlib.sha256(TEXT).hexdigest()}
    assert _digest(content, cache) == first
    assert ITEM not in source_reads  # the reader's bytes served; the attachment is read
    # Without the reader's hash the same digest reads the source again, as before.
    forget_sources_read()
    _move_identity(content / ITEM)
    source_reads.clear()
    assert _digest(content, ContentCache(tmp_path / "cache")) == first
    assert ITEM in source_reads


def _symlinked_folder(content: Path, tmp_path: Path) -> None:
    """Copy the item's folder outside content/ and put a symlink to the copy in its place."""
    elsewhere = tmp_path / "lain"
    shutil.copytree(content / "berita", elsewhere)
    shutil.rmtree(content / "berita")
    (content / "berita").symlink_to(elsewhere)


def _symlinked_source(content: Path, tmp_path: Path) -> None:
    shutil.copyfile(content / ITEM, tmp_path / "a.md")
    (content / ITEM).unlink()
    (content / ITEM).symlink_to(tmp_path / "a.md")


def _edited_after_the_read(content: Path, tmp_path: Path) -> None:
    """The cache saw other bytes: the reader's hash is not the cached one."""
    del tmp_path
    (content / ITEM).write_bytes(TEXT.replace(b"Isi A", b"Isi RACUN"))


@pytest.mark.parametrize(
    ("poison", "limits", "refused"),
    [
        (_symlinked_folder, Limits(), True),
        (_symlinked_source, Limits(), True),
        (_edited_after_the_read, Limits(), False),
        (lambda content, tmp_path: None, Limits(source=len(TEXT) - 1), True),
    ],
    ids=["folder-symlink", "source-symlink", "other-bytes", "over-limit"],
)
def test_what_the_safe_reader_would_refuse_or_read_anew_is_digested_as_without_the_reader(
    content: Path, tmp_path: Path, poison: object, limits: Limits, refused: bool
) -> None:
    cache = ContentCache(tmp_path / "cache")
    first = _digest(content, cache)  # cached from the safe reader's bytes
    poison(content, tmp_path)  # type: ignore[operator]
    _reader_read(content)
    read_by_reader(content, ITEM, cache, limits)
    with_reader = _digest(content, cache, limits)
    fresh = content_digest(content, ITEM, SourceSeen(content, ContentCache(None), limits, ITEM))
    assert with_reader == fresh
    assert with_reader.value != first.value
    assert bool(with_reader.problems) is refused


def test_reads_of_an_earlier_build_or_another_folder_are_never_used(
    content: Path, tmp_path: Path
) -> None:
    cache = ContentCache(tmp_path / "cache")
    _digest(content, cache)
    _reader_read(content)
    forget_sources_read()  # the next build starts (gate.on_generator_init)
    read_by_reader(content, ITEM, cache, Limits())
    assert cache.known == {}
    other = tmp_path / "lain"
    shutil.copytree(content, other)
    _reader_read(other)
    read_by_reader(content, ITEM, cache, Limits())
    assert cache.known == {}


def test_a_non_regular_source_is_read_as_before_and_not_kept(content: Path) -> None:
    opened = len(os.listdir("/proc/self/fd"))
    with pytest.raises(IsADirectoryError):
        read_item_source(str(content), str(content / "berita"))
    with pytest.raises(FileNotFoundError):
        read_item_source(str(content), str(content / "berita" / "tidak-ada.md"))
    assert len(os.listdir("/proc/self/fd")) == opened  # nothing left open
    cache = ContentCache(None)
    read_by_reader(content, "berita", cache, Limits())
    assert cache.known == {}


def test_a_build_with_a_symlinked_folder_after_a_cached_build_still_holds_the_item(
    site: Site, tmp_path: Path
) -> None:
    site.article("berita/aman.md", "Aman", "Isi TOKENAMAN.")
    site.article("kabar/lain.md", "Lain", "Isi TOKENLAIN.")
    for item in ("berita/aman.md", "kabar/lain.md"):
        site.approve_all(item, ROLES)
    site.build()
    assert site.hits("TOKENLAIN") and site.hits("TOKENAMAN")
    elsewhere = tmp_path / "kabar-lain"
    shutil.copytree(site.content / "kabar", elsewhere)  # new files: the cache misses them
    shutil.rmtree(site.content / "kabar")
    (site.content / "kabar").symlink_to(elsewhere)
    held = site.build().manifest
    assert site.hits("TOKENLAIN") == [] and site.hits("TOKENAMAN")
    assert [e["item"] for e in held["excluded"]] == ["kabar/lain.md"]
    assert "tautan simbolik (symlink)" in held["excluded"][0]["reason"]
