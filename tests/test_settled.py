"""Files hashed while Pelican still runs are reused only while they are the very same file.

publishing/settled.py hashes the output's settled files during the child's run; the
listing after it (tree.list_output) must still hold each file's real hash whatever
happened to a file after it was hashed early.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from publishing import build, settled
from publishing.settled import Settled
from publishing.tree import Packed
from publishing.tree import OutputFile, list_output, stamp_of
from sitekit import Site


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_file_rewritten_in_place_after_it_was_hashed_is_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settled, "QUIET_S", 0.2)
    (tmp_path / "berita").mkdir()
    page = tmp_path / "berita" / "index.html"
    page.write_bytes(b"<p>lama</p>")
    other = tmp_path / "lain.html"
    other.write_bytes(b"<p>tetap</p>")
    time.sleep(0.3)
    early = Settled(tmp_path)
    early.sweep()
    assert early.files["berita/index.html"].sha256 == sha(b"<p>lama</p>")
    with page.open("r+b") as stream:  # the same inode, the same size, other bytes
        stream.write(b"<p>BARU</p>")
    listed = list_output(tmp_path, early.files)
    assert listed["berita/index.html"].sha256 == sha(b"<p>BARU</p>")
    kept = early.files["lain.html"]  # untouched: reused as it was
    assert listed["lain.html"] == kept and listed["lain.html"].stamp == kept.stamp


def test_the_packed_hashes_give_back_each_file_exactly_as_it_was_read(tmp_path: Path) -> None:
    """72 bytes a file (settled.py): the hash and every part of the stamp come back whole,
    the largest device and inode numbers and times before 1970 too."""
    early = Packed(tmp_path)
    (tmp_path / "a.html").write_bytes(b"A")
    real = stamp_of((tmp_path / "a.html").stat())
    odd = (2**64 - 1, 2**64 - 2, 2**63, -(2**63), 2**63 - 1)
    early.add("a.html", sha(b"A"), real)
    early.add("lama/b.html", sha(b""), odd)
    assert early["a.html"] == OutputFile("a.html", tmp_path, 1, sha(b"A"))
    assert early["a.html"].stamp == real and early["a.html"].root is tmp_path
    assert early["lama/b.html"].stamp == odd and early["lama/b.html"].size == 2**63
    assert early.get("c.html") is None and "c.html" not in early and "a.html" in early
    assert sorted(early) == ["a.html", "lama/b.html"] and len(early) == 2
    with pytest.raises(KeyError):
        early["c.html"]


def test_a_file_written_just_now_is_left_for_the_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settled, "QUIET_S", 30.0)
    (tmp_path / "baru.html").write_bytes(b"<p>baru</p>")
    early = Settled(tmp_path)
    early.sweep()
    assert "baru.html" not in early.files
    assert list_output(tmp_path, early.files)["baru.html"].sha256 == sha(b"<p>baru</p>")


def test_a_file_replaced_or_linked_after_it_was_hashed_is_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settled, "QUIET_S", 0.2)
    (tmp_path / "a.html").write_bytes(b"A")
    (tmp_path / "b.html").write_bytes(b"B")
    time.sleep(0.3)
    early = Settled(tmp_path)
    early.sweep()
    (tmp_path / "a.new").write_bytes(b"Z")
    os.replace(tmp_path / "a.new", tmp_path / "a.html")  # another inode at the same path
    os.link(tmp_path / "b.html", tmp_path / "b2.html")  # a link: b.html's change time moves
    listed = list_output(tmp_path, early.files)
    assert listed["a.html"].sha256 == sha(b"Z")
    assert listed["b.html"].sha256 == sha(b"B")
    assert listed["b.html"].stamp != early.files["b.html"].stamp  # read again, not reused


def test_a_build_lists_the_real_hash_of_every_file_it_wrote(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No quiet time at all: files are hashed early while Pelican writes them, and the
    listing still holds each file's real hash (the stamps catch every change)."""
    monkeypatch.setattr(settled, "QUIET_S", 0.0)
    monkeypatch.setattr(settled, "PAUSE_S", 0.02)
    made: list[Settled] = []

    class Kept(Settled):
        def __enter__(self) -> Settled:
            made.append(self)
            return super().__enter__()

    monkeypatch.setattr(build, "Settled", Kept)
    for number in range(40):
        item = f"berita/berita-{number}.md"
        site.article(item, f"Berita {number}", f"Isi {number}. " * 200, category="Berita")
        site.approve_all(item)
    result = site.build()
    (early,) = made
    assert early.files, "nothing was hashed while Pelican ran"
    assert len(result.files) > len(early.files) > 0
    for rel, file in result.files.items():
        assert file.sha256 == sha((site.output / rel).read_bytes()), rel


def test_a_build_with_no_thread_to_spare_hashes_everything_after_pelican(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoThread:
        ident = None

        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    class Refused(Settled):
        def __enter__(self) -> Settled:
            self._thread = NoThread()  # type: ignore[assignment]
            return super().__enter__()

    monkeypatch.setattr(build, "Settled", Refused)
    site.article("berita/satu.md", "Berita Satu", "Isi satu.", category="Berita")
    site.approve_all("berita/satu.md")
    result = site.build()
    page = "berita/berita-satu/index.html"
    assert result.files[page].sha256 == sha((site.output / page).read_bytes())
