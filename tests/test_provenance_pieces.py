"""The public provenance record in per-item pieces: a change re-sends one small file.

Built twice, a site whose items did not change writes the very same bytes for their
pieces, so a deploy that compares bytes sends only the piece of the item that changed;
an item that lost its approval loses its piece, and nothing of it is left in any piece.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from publishing.audit import audit_output
from publishing.provenance import piece_path
from approval_gate.api import GateError
from site_theme.provenance import Pieces, _signed, piece_bytes, write_record
from site_theme.provenance import piece_path as theme_piece_path
from sitekit import Site, drop_packs

#: Whole-site builds: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def test_the_theme_and_the_audit_agree_on_where_a_piece_is() -> None:
    for item in ("berita/a.md", "pages/kontak.md", "regulasi/ä ö.md"):
        assert theme_piece_path(item) == piece_path(item)


def test_pieces_are_made_one_at_a_time_as_they_are_written(tmp_path: Path) -> None:
    """The record holds no piece: each is made when written (the child's peak, issue 12)."""
    made: list[str] = []

    def make(item: str) -> bytes:
        made.append(item)
        return piece_bytes({"item": item})

    record = Pieces(make, ["b.md", "a.md"])
    assert sorted(record) == sorted(theme_piece_path(i) for i in ("a.md", "b.md"))
    assert made == []  # listing the paths (the stale pieces' sweep) makes nothing
    write_record(tmp_path, record, "signers\n")
    assert sorted(made) == ["a.md", "b.md"]  # each piece made once, when written
    for item in ("a.md", "b.md"):
        assert (tmp_path / theme_piece_path(item)).read_bytes() == piece_bytes({"item": item})


def _pieces(site: Site) -> dict[str, bytes]:
    folder = site.output / "persetujuan" / "catatan"
    return {  # the pieces themselves, not their compressed copies (publishing/compress.py)
        p.relative_to(site.output).as_posix(): p.read_bytes()
        for p in folder.iterdir()
        if p.suffix == ".json"
    }


def _snapshot(site: Site) -> dict[str, bytes]:
    return {p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.files()}


def test_unchanged_pieces_are_byte_identical_and_a_withdrawn_items_piece_is_gone(
    site: Site,
) -> None:
    for name in ("a", "b", "c"):
        site.article(
            f"berita/{name}.md", f"Berita {name.upper()}", f"Isi {name}.", category="Berita"
        )
        site.approve_all(f"berita/{name}.md")
    first = site.build()
    before = _pieces(site)
    assert sorted(before) == sorted(piece_path(f"berita/{n}.md") for n in "abc")
    whole = _snapshot(site)

    site.article("berita/b.md", "Berita B", "Isi b, diubah.", category="Berita")  # not signed
    site.article("berita/a.md", "Berita A", "Isi a, diubah.", category="Berita")
    site.approve_all("berita/a.md")
    second = site.build()
    after = _pieces(site)

    assert after[piece_path("berita/c.md")] == before[piece_path("berita/c.md")]
    assert after[piece_path("berita/a.md")] != before[piece_path("berita/a.md")]
    assert piece_path("berita/b.md") not in after  # withdrawn: its piece is gone
    digest_b = next(e["digest"] for e in second.manifest["excluded"] if e["item"] == "berita/b.md")
    for data in after.values():
        assert b"berita/b.md" not in data and digest_b.encode() not in data
    assert audit_output(site.output, second.manifest, second.manifest["build_id"], True) == []

    changed = {
        path
        for path, data in _snapshot(site).items()
        if path.startswith(("persetujuan/catatan", "persetujuan/allowed"))
        and whole.get(path) != data
    }
    piece = piece_path("berita/a.md")
    assert changed == {piece}  # the only provenance to re-send (records get no copies)
    assert first.manifest["build_id"] != second.manifest["build_id"]


def test_writing_removes_what_an_earlier_build_left_and_keeps_unchanged_files(
    tmp_path: Path,
) -> None:
    """An output that is not emptied first keeps no stale piece nor the old whole record."""
    folder = tmp_path / "persetujuan" / "catatan"
    folder.mkdir(parents=True)
    (folder / ("0" * 20 + ".json")).write_text("{}")  # an item withdrawn since
    (tmp_path / "persetujuan" / "catatan.json").write_text("{}")  # earlier versions' record
    kept = piece_bytes({"item": "berita/a.md", "digest": "sha256:" + "1" * 64})
    write_record(tmp_path, {piece_path("berita/a.md"): kept}, "signers\n")
    path = tmp_path / piece_path("berita/a.md")
    assert sorted(p.name for p in folder.iterdir()) == [path.name]
    assert not (tmp_path / "persetujuan" / "catatan.json").exists()
    assert path.read_bytes() == kept
    stamp = path.stat().st_mtime_ns
    write_record(tmp_path, {piece_path("berita/a.md"): bytes(kept)}, "signers\n")
    assert path.stat().st_mtime_ns == stamp  # the same bytes are not even rewritten


def test_stored_pieces_are_linked_and_a_damaged_one_is_never_published(
    tmp_path: Path,
) -> None:
    """Pieces linked from the page store are checked; a piece is never written through."""
    from render_cache.page_files import FOLDER

    output, store = tmp_path / "hasil", tmp_path / "cache"
    pieces = {piece_path(f"berita/{n}.md"): piece_bytes({"item": f"berita/{n}.md"}) for n in "ab"}
    write_record(output, pieces, "signers\n", store=store)
    assert {p: (output / p).read_bytes() for p in pieces} == pieces
    stored = sorted((store / FOLDER).iterdir())
    assert len(stored) == 2 and all(s.stat().st_mode & 0o777 == 0o444 for s in stored)

    # Poison: one stored piece edited (same length), the other replaced by a symlink.
    first, second = stored
    first.chmod(0o644)
    first.write_bytes(first.read_bytes()[:-6] + b"RACUN\n")
    second.unlink()
    second.symlink_to(first)
    again = tmp_path / "hasil-2"
    write_record(again, pieces, "signers\n", store=store)
    assert {p: (again / p).read_bytes() for p in pieces} == pieces
    for path in pieces:  # each a link to a good stored file, made again
        assert (again / path).stat().st_nlink == 2 and not (again / path).is_symlink()

    # Written without a store over an output of linked pieces: new files, never through.
    changed = {path: data.replace(b"berita", b"BERITA") for path, data in pieces.items()}
    write_record(again, changed, "signers\n")
    assert {p: (again / p).read_bytes() for p in pieces} == changed
    for kept in (store / FOLDER).iterdir():  # the stored files are what their names say
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == kept.name


def test_kept_pieces_are_reused_and_a_poisoned_cache_changes_nothing(site: Site) -> None:
    from approval_gate.api import MachineCache

    from site_theme.provenance import PIECE_CACHE

    for name in ("a", "b"):
        site.article(
            f"berita/{name}.md", f"Berita {name.upper()}", f"Isi {name}.", category="Berita"
        )
        site.approve_all(f"berita/{name}.md")
    site.build()
    clean = _pieces(site)
    cache = MachineCache(site.root / ".cache" / "render", PIECE_CACHE)
    entries = sorted((cache.folder / PIECE_CACHE).rglob("*"), key=lambda p: p.name)
    entries = [p for p in entries if p.is_file()]
    assert len(entries) == 2  # one kept piece per item

    # Poison: bytes edited (the seal fails), and item A's piece sealed with this very
    # machine key under item B's key (the seal holds; the piece names another item).
    first, second = entries
    first.write_bytes(first.read_bytes()[:-5] + b"RACUN")
    piece_a = clean[piece_path("berita/a.md")]
    cache.put(second.name, piece_a)
    drop_packs(cache.folder)  # the pack holds the pieces as the last build read them
    site.build()
    assert _pieces(site) == clean

    # Reused: a kept piece is not made again, so its entry is not written again either
    # (a write replaces the file: a new inode).
    entries = sorted(p for p in (cache.folder / PIECE_CACHE).rglob("*") if p.is_file())
    inodes = {p: p.stat().st_ino for p in entries}
    site.build()
    assert {p: p.stat().st_ino for p in entries} == inodes
    assert _pieces(site) == clean


def test_a_sign_off_is_read_again_for_its_piece_and_one_changed_since_stops_the_record(
    site: Site,
) -> None:
    """The piece carries the signed bytes as the file holds them after the gate counted it.

    A sign-off file edited or removed between the gate's count and the piece (by hand,
    during a build) means no record: the build stops, saying which file, never a piece
    that names a signature other than the one counted.
    """
    site.article("berita/a.md", "Berita A", "Isi a.", category="Berita")
    site.approve_all("berita/a.md")
    entry = site.build().manifest["included"][0]
    first = entry["signoffs"][0]
    assert first["file"].startswith("approvals/")  # how the gate names it
    payload, signature = _signed(site.approvals, entry, first)
    piece = json.loads((site.output / piece_path("berita/a.md")).read_bytes())
    shown = piece["signoffs"][0]
    assert (shown["role"], shown["signer"]) == (first["role"], first["signer"])
    assert base64.b64decode(shown["payload_base64"]).decode("utf-8") == payload
    assert shown["signature"] == signature.strip() + "\n"
    assert "-----BEGIN SSH SIGNATURE-----" in signature and entry["digest"] in payload

    other = entry["signoffs"][1]
    (site.root / first["file"]).write_text(
        (site.root / other["file"]).read_text(encoding="utf-8"), encoding="utf-8"
    )  # another role's sign-off copied over it
    with pytest.raises(GateError, match="berubah selama build") as changed:
        _signed(site.approvals, entry, first)
    assert changed.value.path == first["file"]
    (site.root / first["file"]).unlink()
    with pytest.raises(GateError, match="tidak dapat dibaca untuk catatan publik"):
        _signed(site.approvals, entry, first)
