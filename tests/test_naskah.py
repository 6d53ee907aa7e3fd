"""Drafts are checked before anyone signs: the naskah checks, one by one and on whole sites.

An untouched ``invoke new`` draft once went through all four sign-offs and onto the site.
Now the gate itself reads the text: leftover markers, metadata in the body, unknown or
missing metadata, missing files and links, images without alt text each make the item
``perlu-diperbaiki``; ``invoke approve`` refuses it; no build publishes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from approval_gate import api
from approval_gate.api import (
    NEEDS_FIX,
    ContentFiles,
    Finding,
    Limits,
    check_naskah,
    content_digest,
    open_ledger,
    status_rows,
)
from editorial.drafting.kinds import GUIDE
from naskahkit import new_draft
from publishkit import local_targets, publish_settings, run as publish
from sitekit import NOW, PEOPLE, ROLES, Site
from test_approve_cli import invoke

ITEM = "berita/rapat.md"
HEAD = "Title: Rapat Pleno\nDate: 2026-11-20 08:00\n"


def naskah(root: Path, item: str, text: str, limits: Limits | None = None) -> list[Finding]:
    """Write ``item`` under ``root/content`` and return its naskah problems."""
    content = root / "content"
    (content / item).parent.mkdir(parents=True, exist_ok=True)
    (content / item).write_text(text, encoding="utf-8")
    digest = content_digest(content, item, ContentFiles(content, limits or Limits()))
    return list(check_naskah(content, item, digest, limits=limits))


def lines(found: list[Finding]) -> list[tuple[int | None, str]]:
    return [(f.line, f.message) for f in found]


# --- markers -----------------------------------------------------------------------------


def test_leftover_markers_are_named_with_their_lines(tmp_path: Path) -> None:
    text = (
        HEAD + "Tags: [ISI: kata kunci dipisah koma]\n\n"
        "[PETUNJUK: Hapus petunjuk ini\nsebelum diserahkan.]\n\n"
        "| 1 | [ISI] | [ISI] |\n\n![ISI: apa yang tampak di foto 1](/static/foto.jpg)\n\n"
        "[Isi lengkap](https://kpu.go.id) bukan penanda.\n"
    )
    found = naskah(tmp_path, ITEM, text)
    assert lines(found) == [
        (3, "Isian belum diganti: [ISI: kata kunci dipisah koma]."),
        (5, "Petunjuk penulisan belum dihapus: [PETUNJUK: Hapus petunjuk ini…]."),
        (8, "Isian belum diganti: [ISI], [ISI]."),
        (10, "Teks alternatif gambar belum diisi: [ISI: apa yang tampak di foto 1]."),
    ]
    assert found[0] == Finding(
        "content/berita/rapat.md",
        "Isian belum diganti: [ISI: kata kunci dipisah koma].",
        "Ganti penanda itu, termasuk kurung sikunya, dengan isi sebenarnya.",
        3,
        ITEM,
    )
    assert found[0].render().startswith("content/berita/rapat.md:3: Isian belum diganti: ")
    assert found[1].hint == (
        "Hapus petunjuk itu seluruhnya, dari '[PETUNJUK' sampai tanda ']' penutupnya."
    )


def test_a_long_marker_is_cut_short(tmp_path: Path) -> None:
    text = HEAD + "\n[ISI: " + "kata " * 20 + "]\n"
    [found] = naskah(tmp_path, ITEM, text)
    assert found.message == (
        "Isian belum diganti: [ISI: kata kata kata kata kata kata kata kata kata kata kata…]."
    )


# --- metadata ----------------------------------------------------------------------------

BLANK_LINE = (
    "Title: Pendaftaran KPPS\nDate: 2026-11-20 08:00\nCategory: Pengumuman\n\n"
    "Tags: KPPS, rekrutmen\nBerlaku: 2026-11-20 s.d. 2026-12-05\n"
    "berlaku_sampai: 2026-12-05 23:59\n\nIsi TOKENKOSONG.\n"
)


def test_metadata_after_a_blank_line_is_named_and_the_blank_line_too(tmp_path: Path) -> None:
    [found] = naskah(tmp_path, "pengumuman/kpps.md", BLANK_LINE)
    assert found == Finding(
        "content/pengumuman/kpps.md",
        "Metadata tampil sebagai isi naskah, bukan sebagai metadata: Tags, Berlaku, "
        "berlaku_sampai.",
        "Hapus baris kosong di atas baris 5: metadata berakhir pada baris kosong pertama.",
        5,
        "pengumuman/kpps.md",
    )


def test_each_paragraph_of_stray_metadata_names_its_own_blank_line(tmp_path: Path) -> None:
    text = "Title: X\n\nDate: 2026-11-20 08:00\n\n\nSummary: ringkas\n\nIsi.\n"
    assert [(f.line, f.hint) for f in naskah(tmp_path, ITEM, text)] == [
        (3, "Hapus baris kosong di atas baris 3: metadata berakhir pada baris kosong pertama."),
        (6, "Hapus baris kosong di atas baris 6: metadata berakhir pada baris kosong pertama."),
    ]


def test_a_body_that_starts_with_words_and_colons_is_not_metadata(tmp_path: Path) -> None:
    text = HEAD + "\nRapat dimulai pukul 09.00 WIB.\nTags: bukan metadata lagi\n"
    assert naskah(tmp_path, ITEM, text) == []
    assert naskah(tmp_path, ITEM, HEAD + "\nCatatan: rapat dimulai pukul 09.00 WIB.\n") == []
    assert naskah(tmp_path, ITEM, HEAD + "\nRapat dimulai.\n\nSummary: teks biasa.\n") == []


def test_an_unknown_key_gets_a_close_match(tmp_path: Path) -> None:
    text = HEAD + "Sumary: ringkas\nWarna: merah\n\nIsi.\n"
    found = naskah(tmp_path, ITEM, text)
    assert lines(found) == [
        (3, "Kolom metadata 'Sumary' tidak dikenal. Mungkin maksud Anda 'Summary'?"),
        (4, "Kolom metadata 'Warna' tidak dikenal."),
    ]
    assert found[1].hint == (
        "Perbaiki nama kolomnya atau hapus baris itu; kolom yang tidak dikenal tidak dipakai situs."
    )


def test_another_kinds_field_is_unknown_but_the_expiry_is_known_to_every_kind(
    tmp_path: Path,
) -> None:
    text = HEAD + "Nomor: 2\nberlaku_sampai: 2026-12-01\n\nIsi.\n"
    assert lines(naskah(tmp_path, ITEM, text)) == [(3, "Kolom metadata 'Nomor' tidak dikenal.")]


def test_a_pengumuman_without_its_validity_is_refused(tmp_path: Path) -> None:
    found = naskah(tmp_path, "pengumuman/kpps.md", HEAD + "\nIsi.\n")
    assert [f.render() for f in found] == [
        "content/pengumuman/kpps.md: Metadata 'Berlaku' belum ada; setiap naskah Pengumuman "
        "wajib memilikinya. Tambahkan baris 'Berlaku: ...' (masa berlaku) di bagian metadata, "
        "sebelum baris kosong pertama.",
    ]
    # Its take-down date is optional: without it the announcement stays on the site.
    assert naskah(tmp_path, "pengumuman/kpps.md", HEAD + "Berlaku: 1-5 Desember\n\nIsi.\n") == []


@pytest.mark.parametrize("kind", api.KINDS, ids=lambda k: k.id)
def test_each_kind_needs_a_title_its_date_and_its_own_fields(
    tmp_path: Path, kind: api.ContentKind
) -> None:
    found = naskah(tmp_path, f"{kind.folder}/x.md", "Slug: x\n\nIsi.\n")
    needed = ["Title", *(["Date"] if kind.dated else [])]
    needed += [key if "_" in key else key.capitalize() for key in kind.required]
    assert [f.message.split("'")[1] for f in found] == needed
    assert all(f.line is None and "belum ada" in f.message for f in found)


def test_an_item_outside_the_kinds_folders_needs_only_a_title(tmp_path: Path) -> None:
    assert lines(naskah(tmp_path, "lain/x.md", "Nomor: 2\n\nIsi.\n")) == [
        (None, "Metadata 'Title' belum ada; setiap naskah wajib memilikinya.")
    ]


def test_an_empty_value_and_an_unreadable_expiry_name_their_lines(tmp_path: Path) -> None:
    text = (
        "Title:\nDate: 2026-11-20 08:00\nBerlaku: 2026-11-20 s.d. akhir bulan\n"
        "berlaku_sampai: akhir bulan\n\nIsi.\n"
    )
    found = naskah(tmp_path, "pengumuman/x.md", text)
    assert [(f.line, f.message, f.hint) for f in found] == [
        (1, "Metadata 'Title' masih kosong.", "Tulis judul sesudah 'Title:'."),
        (
            4,
            "Tanggal 'berlaku_sampai' tidak dapat dibaca: 'akhir bulan'.",
            "Tulis sebagai TTTT-BB-HH atau TTTT-BB-HH JJ:MM (mis. 2026-12-31 23:59), lalu "
            "minta persetujuan ulang.",
        ),
    ]


def test_metadata_is_read_as_python_markdown_reads_it(tmp_path: Path) -> None:
    text = (
        "---\nTitle: Rapat\n    lanjutan judul\nDate: 2026-11-20 08:00\n---\n"
        "Summary: sesudah penutup, jadi isi\n"
    )
    assert naskah(tmp_path, ITEM, text) == []  # the closing --- ends the block, no blank line


# --- files and links ---------------------------------------------------------------------


def test_missing_files_and_broken_links_name_their_lines(tmp_path: Path) -> None:
    (tmp_path / "content" / "berita").mkdir(parents=True)
    (tmp_path / "content" / "berita" / "ada.md").write_text(HEAD + "\nIsi.\n")
    (tmp_path / "content" / "berita" / "ada.pdf").write_bytes(b"%PDF")
    text = (
        HEAD + "\n[baca]({filename}ada.md) dan [unduh]({attach}ada.pdf)\n"
        "[lama]({filename}tidak-ada.md)\n[sk]({attach}sk.pdf) lagi [sk]({attach}sk.pdf)\n"
        "![Logo]({static}/static/logo.svg)\n[luar]({static}../../rahasia.txt)\n"
    )
    found = naskah(tmp_path, ITEM, text)
    assert [(f.line, f.message, f.hint) for f in found] == [
        (
            5,
            "Tautan ke naskah lain tidak ditemukan: berita/tidak-ada.md.",
            "Periksa nama berkasnya; jalur {filename} dihitung dari folder naskah ini.",
        ),
        (
            6,
            "Lampiran tidak ditemukan: berita/sk.pdf.",
            "Tambahkan berkasnya atau perbaiki tautannya.",
        ),
        (
            7,
            "Lampiran tidak ditemukan: static/logo.svg.",
            "Tambahkan berkasnya atau perbaiki tautannya.",
        ),
        (
            8,
            "Tautan {static}../../rahasia.txt menunjuk ke luar folder content/.",
            "Simpan berkasnya di folder content/ dan tautkan dari sana.",
        ),
    ]


def test_an_attachment_over_its_limit_is_the_digests_own_finding(tmp_path: Path) -> None:
    (tmp_path / "content" / "berita").mkdir(parents=True)
    (tmp_path / "content" / "berita" / "x.pdf").write_bytes(b"%PDF" + b"0" * 5000)
    found = naskah(tmp_path, ITEM, HEAD + "\n[unduh]({attach}x.pdf)\n", Limits(attachment=4096))
    assert found == [
        Finding(
            "content/berita/x.pdf",
            "Berkas terlalu besar: 5004 bita, batasnya 4096 bita.",
            "Perkecil berkasnya, atau naikkan batasnya dengan pengaturan "
            "'APPROVAL_GATE_MAX_ATTACHMENT_BYTES'.",
            None,
            ITEM,
        )
    ]


# --- images ------------------------------------------------------------------------------


def test_images_without_alt_text_are_named(tmp_path: Path) -> None:
    text = (
        HEAD + "\n![](/a.jpg)\n![Foto rapat](/b.jpg)\n<img src='/c.jpg'>\n"
        '<img src="/d.jpg" alt=" ">\n<img data-alt="x" src="/e.jpg">\n'
        '<img alt="Foto pleno" src="/f.jpg">\n<IMG SRC=g.jpg ALT=Foto>\n'
    )
    found = naskah(tmp_path, ITEM, text)
    assert lines(found) == [
        (4, "Gambar tanpa teks alternatif: ![](...)."),
        (6, "Gambar <img> tanpa atribut alt yang berisi."),
        (7, "Gambar <img> tanpa atribut alt yang berisi."),
        (8, "Gambar <img> tanpa atribut alt yang berisi."),
    ]
    assert found[0].hint == (
        "Tulis apa yang tampak pada gambar: teks itu dibacakan untuk pembaca tunanetra dan "
        "tampil bila gambar gagal dimuat."
    )


RST = """Rapat Pleno
###########

:date: 2026-11-20 08:00
:sumary: metadata reStructuredText tidak diperiksa

[ISI: paragraf pembuka]

.. image:: {static}/static/logo.svg

.. figure:: {attach}foto.jpg
   :alt: Foto peserta rapat

   Keterangan foto.

.. figure:: {attach}foto.jpg
   :width: 400

.. |logo| image:: {attach}foto.jpg
   :alt:

`Lampiran <{attach}tidak-ada.pdf>`_ dan ![](bukan-gambar-rst.jpg)
"""


def test_restructuredtext_gets_markers_links_files_and_alt(tmp_path: Path) -> None:
    (tmp_path / "content" / "berita").mkdir(parents=True)
    (tmp_path / "content" / "berita" / "foto.jpg").write_bytes(b"jpg")
    assert lines(naskah(tmp_path, "berita/rapat.rst", RST)) == [
        (7, "Isian belum diganti: [ISI: paragraf pembuka]."),
        (9, "Gambar tanpa teks alternatif: direktif 'image' tanpa :alt:."),
        (9, "Lampiran tidak ditemukan: static/logo.svg."),
        (16, "Gambar tanpa teks alternatif: direktif 'figure' tanpa :alt:."),
        (19, "Gambar tanpa teks alternatif: direktif 'image' tanpa :alt:."),
        (22, "Lampiran tidak ditemukan: berita/tidak-ada.pdf."),
    ]


# --- the drafts of invoke new --------------------------------------------------------------


@pytest.mark.parametrize("kind", api.KINDS, ids=lambda k: k.id)
def test_an_untouched_draft_needs_fixing_and_a_filled_one_passes_every_check(
    tmp_path: Path, kind: api.ContentKind
) -> None:
    content = tmp_path / "content"
    untouched = new_draft(content, kind.id, "Draf Asli", NOW, filled=False)
    found = check_naskah(content, untouched, content_digest(content, untouched))
    assert any(f.message.startswith("Petunjuk penulisan belum dihapus") for f in found)
    assert any(f.message.startswith("Isian belum diganti") for f in found)
    filled = new_draft(content, kind.id, "Draf Terisi", NOW, filled=True)
    assert check_naskah(content, filled, content_digest(content, filled)) == ()


def test_the_drafts_guide_promises_what_the_gate_does() -> None:
    assert "akan ditolak" in GUIDE and '"perlu diperbaiki"' in GUIDE


# --- the ledger: verdicts, status, reading each source once ------------------------------


def test_a_draft_with_problems_is_perlu_diperbaiki_and_the_writer_acts_next(site: Site) -> None:
    item = new_draft(site.content, "berita", "Rapat Pleno", NOW, filled=False)
    site.approve_all(item)  # four valid sign-offs, as an attacker with the keys could make
    ledger = open_ledger(site.settings)
    verdict = ledger.verdict(item)
    assert (verdict.state, verdict.role, verdict.publishable) == (NEEDS_FIX, None, False)
    assert verdict.reason == (
        "perlu diperbaiki: isian belum diganti: [ISI: kata kunci dipisah koma] (baris 4), "
        "dan 6 masalah lain"
    )
    assert len(verdict.chain) == len(ROLES)  # the sign-offs are still shown
    assert verdict.findings == ledger.naskah(item)
    [row] = status_rows(ledger, [item])
    assert (row.next_role, row.next_role_name, row.standard_minutes) == (
        None,
        "Pengampu Konsep (penulis): perbaiki naskah",
        None,
    )


def test_each_source_is_read_once_and_not_at_all_when_unchanged(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real = os.open

    def counted(path: str, *args: object, **kwargs: object) -> int:
        if str(path).endswith("rapat.md"):
            opened.append(str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    site.article(ITEM, "Rapat", "Isi [ISI: pembuka].")
    monkeypatch.setattr(os, "open", counted)
    for _ in range(2):
        ledger = open_ledger(site.settings)
        assert ledger.verdict(ITEM).reason.startswith("perlu diperbaiki: isian belum diganti")
        ledger.save_cache()
    assert opened == ["rapat.md"]  # the cold run's digest read it; the warm run read nothing
    site.article(ITEM, "Rapat", "Isi pembuka.")
    assert open_ledger(site.settings).verdict(ITEM).state == "draf"
    assert opened == ["rapat.md", "rapat.md"]


# --- whole sites: build, approve, status, publish ----------------------------------------


def _untouched_and_approved(site: Site) -> str:
    item = new_draft(site.content, "berita", "Rapat Pleno Terbuka", NOW, filled=False)
    site.approve_all(item)
    site.article("berita/baik.md", "Berita Baik", "Isi TOKENBAIK.", category="Berita")
    site.approve_all("berita/baik.md")
    return item


@pytest.mark.slow
def test_an_untouched_draft_approved_by_all_four_is_never_published(site: Site) -> None:
    item = _untouched_and_approved(site)
    result = site.build()
    [held] = result.manifest["excluded"]
    assert (held["item"], held["state"]) == (item, NEEDS_FIX)
    assert held["reason"].startswith("perlu diperbaiki: isian belum diganti: [ISI: kata kunci")
    assert [e["item"] for e in result.manifest["included"]] == ["berita/baik.md"]
    for token in (
        "[ISI",
        "ISI:",
        "PETUNJUK",
        "Rapat Pleno Terbuka",
        "rapat-pleno-terbuka",
        "isi-nama",
    ):
        assert site.hits(token) == [], token
    assert not (site.output / "penulis" / "isi-nama-tim-atau-subbagian-penulis").exists()
    assert site.hits("TOKENBAIK")
    sitemap = (site.output / "sitemap.xml").read_text()
    assert "berita/berita-baik/" in sitemap and "rapat-pleno-terbuka" not in sitemap
    assert any(
        f["path"] == f"content/{item}" and f["line"] == 4 for f in result.manifest["findings"]
    )


@pytest.mark.slow
def test_a_pengumuman_with_a_blank_line_in_its_metadata_is_held(site: Site) -> None:
    (site.content / "pengumuman").mkdir()
    (site.content / "pengumuman" / "kpps.md").write_text(BLANK_LINE)
    site.approve_all("pengumuman/kpps.md")
    result = site.build()
    [held] = result.manifest["excluded"]
    assert held == {
        "item": "pengumuman/kpps.md",
        "state": NEEDS_FIX,
        "reason": "perlu diperbaiki: metadata tampil sebagai isi naskah, bukan sebagai "
        "metadata: Tags, Berlaku, berlaku_sampai (baris 5)",
        "digest": site.digest("pengumuman/kpps.md"),
    }
    assert site.hits("TOKENKOSONG") == [] and site.hits("berlaku_sampai") == []


@pytest.mark.slow
def test_approve_refuses_a_draft_with_the_list_and_reject_still_works(site: Site) -> None:
    item = new_draft(site.content, "berita", "Rapat Pleno", NOW, filled=False)
    key = str(site.keys.private(PEOPLE[ROLES[0]]))
    done = invoke(site, "approve", f"content/{item}", "--role", ROLES[0], "--key", key)
    assert done.returncode == api.ExitCode.WORKFLOW == 20
    shown = f"content/{item}"
    first, *listed = done.stderr.splitlines()
    assert first == (
        f"Belum bisa disetujui: {shown} perlu diperbaiki lebih dulu (7 masalah); tidak ada "
        "yang ditandatangani. Minta penulis memperbaikinya, lalu setujui versi yang sudah "
        "diperbaiki. Menolak dengan alasan (invoke reject) tetap bisa."
    )
    assert listed == [
        f"  {shown}:4: Isian belum diganti: [ISI: kata kunci dipisah koma].",
        f"  {shown}:6: Isian belum diganti: [ISI: nama tim atau subbagian penulis].",
        f"  {shown}:7: Isian belum diganti: [ISI: ringkasan satu atau dua kalimat yang tampil "
        "di daftar…].",
        f"  {shown}:9: Petunjuk penulisan belum dihapus: [PETUNJUK: Ganti setiap teks dalam "
        "kurung siku yang diawali ISI…].",
        f"  {shown}:16: Isian belum diganti: [ISI: Paragraf pembuka: apa yang terjadi, siapa, "
        "kapan (hari…].",
        f"  {shown}:18: Isian belum diganti: [ISI: Paragraf isi: rincian kegiatan, angka "
        "penting, dan…].",
        f"  {shown}:21: Isian belum diganti: [ISI: Paragraf penutup: tindak lanjut atau "
        "informasi yang…].",
    ]
    assert not (site.approvals / "berita").exists()  # nothing was signed
    rejected = invoke(
        site,
        "reject",
        f"content/{item}",
        "--role",
        ROLES[0],
        "--key",
        key,
        "--note",
        "Isian belum diganti.",
    )
    assert rejected.returncode == 0, rejected.stderr
    assert len(list((site.approvals / "berita").rglob("*-tolak.yml"))) == 1
    status = invoke(site, "status")
    assert (
        "    perlu diperbaiki: isian belum diganti: [ISI: kata kunci dipisah koma] (baris 4), "
        "dan 6 masalah lain\n" in status.stdout
    )
    assert f"    ! {shown}:4: Isian belum diganti: [ISI: kata kunci dipisah koma]. " in (
        status.stdout
    )
    [row] = json.loads(invoke(site, "status", "--json").stdout)["items"]
    assert (row["state"], row["next_role"], row["next_role_name"]) == (
        NEEDS_FIX,
        None,
        "Pengampu Konsep (penulis): perbaiki naskah",
    )


@pytest.mark.slow
def test_a_sealed_publish_holds_the_draft_and_says_why(site: Site, tmp_path: Path) -> None:
    item = _untouched_and_approved(site)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = publish(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"    ditahan: {item}: perlu diperbaiki: isian belum diganti: [ISI: kata kunci" in (
        done.stdout
    )
    live = tmp_path / "web" / "current"
    assert (live / "berita" / "berita-baik" / "index.html").is_file()
    assert not list(live.rglob("*rapat-pleno-terbuka*"))
    assert not any(b"[ISI" in p.read_bytes() for p in live.rglob("*") if p.is_file())


def test_the_exit_code_of_a_refused_approval_is_in_the_table() -> None:
    table = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()
    assert "| 20 | `WORKFLOW` |" in table and "`WorkflowError`, `NaskahRefused` |" in table
    assert api.NaskahRefused.exit_code == api.ExitCode.WORKFLOW


def test_links_to_files_without_attach_are_named_and_addresses_pages_and_anchors_are_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "content" / "berita").mkdir(parents=True)
    (tmp_path / "content" / "berita" / "foto.jpg").write_bytes(b"jpg")  # present, still broken
    text = HEAD + (
        "\n![Foto rapat](foto.jpg) dan [SK](../regulasi/sk.pdf)\n"
        "[lain](lain.md) · [situs](www.kpu.go.id)\n"
        '<img src="peta.png" alt="Peta"> <a href="/persetujuan/">cek</a>\n'
        "[ok]({attach}foto.jpg) [luar](https://kpu.go.id/a.pdf) [tel](tel:0295) [a](#atas)\n"
    )
    assert [(f.line, f.message, f.hint) for f in naskah(tmp_path, ITEM, text)] == [
        (
            4,
            "Tautan ke berkas 'foto.jpg' ditulis tanpa {attach}: berkas itu tidak ikut terbit "
            "dan tautannya akan rusak.",
            "Tulis {attach}foto.jpg (jalurnya dihitung dari folder naskah ini).",
        ),
        (
            4,
            "Tautan ke berkas '../regulasi/sk.pdf' ditulis tanpa {attach}: berkas itu tidak "
            "ikut terbit dan tautannya akan rusak.",
            "Tulis {attach}../regulasi/sk.pdf (jalurnya dihitung dari folder naskah ini).",
        ),
        (
            5,
            "Tautan ke berkas 'lain.md' ditulis tanpa {filename}: berkas itu tidak ikut terbit "
            "dan tautannya akan rusak.",
            "Tulis {filename}lain.md (jalurnya dihitung dari folder naskah ini).",
        ),
        (
            5,
            "Alamat situs 'www.kpu.go.id' ditulis tanpa https:// sehingga tautannya rusak.",
            "Tulis https://www.kpu.go.id.",
        ),
        (
            6,
            "Tautan ke berkas 'peta.png' ditulis tanpa {attach}: berkas itu tidak ikut terbit "
            "dan tautannya akan rusak.",
            "Tulis {attach}peta.png (jalurnya dihitung dari folder naskah ini).",
        ),
    ]
