"""Worker processes read the sign-off files themselves on a cold run (issue 12, round 4).

The parent only lists approvals/ and hands paths over; each worker reads, parses and
verifies, makes the cache key from the very bytes it verified, and sends the sign-off
back as the entry the cache keeps. Whatever is wrong with a file, the findings have the
same words as when this process reads and checks everything itself, and every cached
verification is under the key of the bytes that are in the file.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sitekit import PEOPLE, Site

from approval_gate.api import (
    SIGNOFF_NAMESPACE,
    Finding,
    canonical_payload,
    open_ledger,
    render_signoff,
    sign_with_ssh_keygen,
    signoff_fields,
    signoff_path,
    site_status,
)

#: The internals under test, loaded with ``open_ledger`` (ledger.py reads sign-offs with
#: them), as tests/test_gate_cache_speed.py reaches them.
_LOADED_BY = open_ledger
_cache: Any = sys.modules["approval_gate.cache"]
_files: Any = sys.modules["approval_gate.signoff_files"]
_reading: Any = sys.modules["approval_gate.signoff_reading"]
SignoffCache, content_key = _cache.SignoffCache, _cache.content_key
FolderReader, read_text = _files.FolderReader, _files.read_text
_check_task, read_signoffs = _reading._check_task, _reading.read_signoffs

ITEM = "berita/rapat.md"


def _write(site: Site, role: str, namespace: str, edit: str = "", at: str = "09:00") -> Path:
    """Write a sign-off by ``role``'s official, signed in ``namespace``, then ``edit``-ed."""
    moment = datetime.fromisoformat(f"2026-11-21T{at}:00+07:00")
    fields = signoff_fields(ITEM, role, PEOPLE[role], "setuju", "", moment, site.digest(ITEM))
    payload = canonical_payload(fields)
    signature = sign_with_ssh_keygen(payload.encode(), site.keys.private(PEOPLE[role]), namespace)
    text = render_signoff(fields, signature, payload)
    if edit == "ubah-catatan":
        text = text.replace('note: ""', 'note: "diubah"')  # the field and the payload
    target = site.approvals / signoff_path(ITEM, role, "setuju", moment)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


@pytest.fixture
def messy(site: Site) -> Site:
    """Valid sign-offs beside a tampered one, another namespace, non-UTF-8, broken YAML."""
    site.article(ITEM, "Rapat", "Isi rapat.", category="Berita")
    _write(site, "web-admin", SIGNOFF_NAMESPACE, at="09:00")
    _write(site, "kasubbag-tekmas", SIGNOFF_NAMESPACE, at="09:20")
    _write(site, "sekretaris", "kpu-rembang-roster", at="09:40")
    _write(site, "komisioner", SIGNOFF_NAMESPACE, "ubah-catatan", at="10:00")
    folder = site.approvals / "berita" / "rapat"
    (folder / "20261121T110000-web-admin-setuju.yml").write_bytes(b"item: \xff\xfe\n")
    (folder / "20261121T120000-web-admin-setuju.yml").write_text("item: [tidak\n")
    return site


def _read(site: Site, cache: Path, parallel: bool) -> tuple[list[str], list[tuple[str, str]]]:
    done, findings = read_signoffs(site.approvals, cache, parallel=parallel)
    signed = sorted(f"{s.path} {s.key is not None} {s.signature_error}" for s in done)
    return signed, sorted((f.path, f.message) for f in findings)


def test_workers_give_the_same_sign_offs_and_findings_as_this_process(
    messy: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _read(messy, tmp_path / "serial", parallel=False)
    module = sys.modules["approval_gate.signoff_reading"]
    monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(module, "CHUNK", 2)
    assert _read(messy, tmp_path / "workers", parallel=True) == serial
    signed, findings = serial
    assert len(signed) == 4 and len(findings) == 2
    assert sum(" True None" in line for line in signed) == 2  # the two valid ones
    assert any("keperluan lain" in line for line in signed)  # the other namespace
    assert any("tidak cocok" in line for line in signed)  # the tampered note
    assert any(message == "Berkas bukan teks UTF-8." for _, message in findings)


def test_every_verification_is_kept_under_the_key_of_the_files_bytes(
    messy: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = sys.modules["approval_gate.signoff_reading"]
    monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(module, "CHUNK", 1)
    read_signoffs(messy.approvals, tmp_path / "cache", parallel=True)
    cache = SignoffCache(tmp_path / "cache", str(messy.approvals))
    files = cache.data["files"]
    assert len(files) == 4  # the two unreadable files are never cached
    for rel, entry in files.items():
        data = (messy.approvals / rel).read_bytes()
        assert entry[1] == content_key(rel, data, SIGNOFF_NAMESPACE)
        assert cache.verified.data["verified"][entry[1]] == entry[2:]


def test_a_cache_saved_by_a_forked_child_is_the_one_saved_here(
    messy: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large sign-off cache is written by a forked child (cache.py): the same files,
    and whoever reads it in this process waits for the child first."""
    module = sys.modules["approval_gate.signoff_reading"]
    monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(module, "CHUNK", 2)
    read_signoffs(messy.approvals, tmp_path / "here", parallel=True)
    assert not _cache._saving
    monkeypatch.setattr(_cache, "BACKGROUND_SAVE", 1)
    # As in `invoke status`, whatever earlier tests of this session loaded or started:
    monkeypatch.setattr(_cache, "_HOME", os.getpid())
    monkeypatch.delitem(sys.modules, "pelican", raising=False)
    monkeypatch.setattr(_cache.threading, "active_count", lambda: 1)
    read_signoffs(messy.approvals, tmp_path / "child", parallel=True)
    assert len(_cache._saving) == 1  # one child writes both files
    child = SignoffCache(tmp_path / "child", str(messy.approvals))  # waits for the child
    assert not _cache._saving
    here = SignoffCache(tmp_path / "here", str(messy.approvals))
    assert child.data == here.data and len(here.data["files"]) == 4
    assert child.verified.data == here.verified.data


def test_a_worker_keys_what_it_read_not_what_was_listed(messy: Site) -> None:
    """The key comes from the bytes the checker read: a file changed after the listing is
    checked and keyed as it is now, never under the bytes of the version listed."""
    target = sorted((messy.approvals / "berita" / "rapat").glob("*kasubbag*"))[0]
    rel = target.relative_to(messy.approvals).as_posix()
    before = target.read_bytes()
    target.write_bytes(before.replace(b'note: ""', b'note: "lain"'))
    with FolderReader(messy.approvals) as reader:
        key, result = _check_task(reader, (f"approvals/{rel}", rel, None))
    assert key == content_key(rel, target.read_bytes(), SIGNOFF_NAMESPACE)
    assert key != content_key(rel, before, SIGNOFF_NAMESPACE)
    assert getattr(result, "key", "x") is None  # no longer validly signed


def test_a_cold_status_judges_the_items_listed_while_the_workers_verify(
    messy: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """content/ is listed once (``Ledger.items``): to work ahead on, then to judge."""
    messy.article("berita/lain.md", "Lain", "Isi lain.", category="Berita")
    monkeypatch.setattr(_reading, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(_reading, "CHUNK", 2)
    ledger_module: Any = sys.modules["approval_gate.ledger"]
    discover, listed = ledger_module.discover_items, []

    def counted(content: Path) -> list[str]:
        listed.append(content)
        return list(discover(content))

    monkeypatch.setattr(ledger_module, "discover_items", counted)
    view = site_status(messy.settings)
    assert listed == [messy.content]
    assert sorted(row.verdict.item for row in view.rows) == ["berita/lain.md", ITEM]


def test_the_folder_reader_reads_and_refuses_as_read_text(tmp_path: Path) -> None:
    """Each folder opened once, never through a symlink; any refusal in read_text's words."""
    approvals = tmp_path / "approvals"
    folder = approvals / "berita" / "a"
    folder.mkdir(parents=True)
    (folder / "biasa.yml").write_text("isi\n")
    (folder / "bukan-utf8.yml").write_bytes(b"\xff\xfe")
    (folder / "besar.yml").write_bytes(b"x" * (64 * 1024 + 1))
    (folder / "tautan.yml").symlink_to(folder / "biasa.yml")
    os.mkfifo(folder / "pipa.yml")
    outside = tmp_path / "luar"
    (outside / "a").mkdir(parents=True)
    (outside / "a" / "biasa.yml").write_text("dari luar\n")
    (approvals / "tautan-folder").symlink_to(outside)
    rels = [
        "berita/a/biasa.yml",
        "berita/a/bukan-utf8.yml",
        "berita/a/besar.yml",
        "berita/a/tautan.yml",
        "berita/a/pipa.yml",
        "berita/a/hilang.yml",
        "tautan-folder/a/biasa.yml",
        "berita/a/biasa.yml",
        "hilang/a/biasa.yml",
    ]
    with FolderReader(approvals) as reader:
        fast = [reader.read(rel, f"approvals/{rel}") for rel in rels]
    assert fast == [read_text(approvals, rel, f"approvals/{rel}") for rel in rels]
    assert fast[0] == fast[-2] == "isi\n"
    assert all(isinstance(found, Finding) for found in fast[1:7])
    assert isinstance(fast[-1], Finding)
