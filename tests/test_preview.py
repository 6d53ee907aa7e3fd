"""``invoke preview``: every item built, unapproved ones flagged, nothing publishable.

Sites are made with real keys and real sign-offs (sitekit), previewed with the real
command, and read as an approver reads them: the banner, the approval panel's table,
its "next" line, the rejection reasons and, for a stale item, the lines that changed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from editorial.preview.inject import MARKER, ROBOTS_META, ROBOTS_TXT
from previewkit import invoke, page, panel, preview, preview_dir, sample_settings
from publishing.audit import PREVIEW_MARKER, audit_output
from publishing.build import BuildFailed
from sitekit import ROLES, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

ITEM = "berita/rapat.md"
URL = "berita/rapat-pleno/"
HEADER = ["Peran", "Keputusan", "Pejabat", "Waktu"]
BANNER = "<strong>DRAF - belum disetujui</strong>"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Penulis", "-c", "user.email=penulis@kpu", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_item_waiting_for_the_sekretaris_shows_who_signed_and_who_is_next(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi TOKENRAPAT.")
    site.approve_all(ITEM, ROLES[:2])
    preview(site)
    html = page(site, URL)
    assert "TOKENRAPAT" in html
    assert f"{BANNER} <span>menunggu Sekretaris</span>" in html
    rows, text = panel(html)
    assert rows == [
        HEADER,
        ["Web Admin", "Disetujui", "Pejabat Andi", "2026-11-21 09:00 WIB"],
        ["Kasubbag Tekmas", "Disetujui", "Pejabat Sri", "2026-11-21 09:20 WIB"],
        ["Sekretaris", "Menunggu (giliran sekarang)", "Pejabat Bambang", "-"],
        ["Komisioner", "Belum", "-", "-"],
    ]
    assert "Status: menunggu Sekretaris" in text
    assert "Berikutnya: Sekretaris (Pejabat Bambang)" in text
    assert (
        'Mohon persetujuan Sekretaris (Pejabat Bambang) untuk "Rapat Pleno" '
        "(berita/rapat.md)." in text
    )
    # the theme's own approval line and section belong to approved items only
    assert "Disetujui sesuai SOP" not in html and "Persetujuan terbit" not in html


def test_the_sekretaris_sees_what_the_site_would_leave_out_of_a_regulation(site: Site) -> None:
    site.article(
        "regulasi/pkpu.md",
        "PKPU Kampanye",
        "Ringkasan.",
        category="Regulasi",
        slug="pkpu",
        nomor="3",
        tahun="2024",
        ditetapkan="26-01-2024",
    )
    site.approve_all("regulasi/pkpu.md", ROLES[:2])
    site.article(ITEM, "Rapat Pleno", "Isi TOKENRAPAT.")
    site.approve_all(ITEM, ROLES[:2])
    done = preview(site)
    _, text = panel(page(site, "regulasi/pkpu/"))
    warned = (
        "Peringatan"
        "Bagian berikut tidak dapat dibaca dan tidak tampil di situs sampai naskahnya "
        "diperbaiki:"
        "content/regulasi/pkpu.md:7: Tanggal penetapan '26-01-2024' tidak dapat dibaca; "
        "regulasi ini tetap terbit tanpa tanggal penetapan. Tulis sebagai TTTT-BB-HH "
        "(mis. 2024-01-26). Perbaiki baris itu, lalu minta persetujuan ulang."
    )
    assert warned in text
    assert "content/regulasi/pkpu.md:7: Tanggal penetapan '26-01-2024'" in done.stdout
    _, clean = panel(page(site, URL))
    assert "Berikutnya: Sekretaris" in clean and "Peringatan" not in clean


def test_rejected_item_shows_the_reason_and_goes_back_to_the_writer(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM, ROLES[:2])
    site.sign(ITEM, "sekretaris", decision="tolak", note="Sumber data kurang.")
    preview(site)
    html = page(site, URL)
    assert f"{BANNER} <span>ditolak Sekretaris: Sumber data kurang.</span>" in html
    rows, text = panel(html)
    assert rows[3] == [
        "Sekretaris",
        "Ditolak: Sumber data kurang.",
        "Pejabat Bambang",
        "2026-11-21 09:40 WIB",
    ]
    assert rows[4] == ["Komisioner", "Belum", "-", "-"]
    assert (
        "Berikutnya: Pengampu Konsep (penulis): perbaiki naskah, lalu ajukan kembali ke "
        "Web Admin." in text
    )
    assert (
        "Alasan penolakanSekretaris (Pejabat Bambang), 2026-11-21 09:40 WIB: Sumber data "
        "kurang." in text
    )


def test_stale_item_shows_the_lines_changed_since_the_approved_commit(site: Site) -> None:
    _git(site.root, "init", "-q")
    site.article(ITEM, "Rapat Pleno", "Rapat dihadiri 40 orang.\n\nBaris yang tetap.")
    site.approve_all(ITEM)
    _git(site.root, "add", "content")
    _git(site.root, "commit", "-q", "-m", "Naskah rapat")
    approved_commit = _git(site.root, "rev-parse", "HEAD")
    site.article(ITEM, "Rapat Pleno", "Rapat dihadiri 45 orang.\n\nBaris yang tetap.")
    preview(site)
    html = page(site, URL)
    assert f"{BANNER} <span>kedaluwarsa: persetujuan yang ada untuk versi lama" in html
    rows, text = panel(html)
    assert rows[1] == ["Web Admin", "Menunggu (giliran sekarang)", "Pejabat Andi", "-"]
    assert f"--- disetujui ({approved_commit[:10]})" in text
    assert '<span class="kpu-pratinjau-hapus">-Rapat dihadiri 40 orang.</span>' in html
    assert '<span class="kpu-pratinjau-tambah">+Rapat dihadiri 45 orang.</span>' in html
    assert '<span class="kpu-pratinjau-konteks"> Baris yang tetap.</span>' in html
    assert "Mohon persetujuan ulang Web Admin (Pejabat Andi)" in text


def test_stale_item_whose_attachment_changed_names_the_attachment(site: Site) -> None:
    _git(site.root, "init", "-q")
    site.article(ITEM, "Rapat Pleno", "Daftar hadir: [PDF]({attach}rapat.pdf)")
    site.attach("berita/rapat.pdf", b"%PDF daftar hadir lama")
    _git(site.root, "add", "content")
    _git(site.root, "commit", "-q", "-m", "Naskah dan lampiran")
    site.approve_all(ITEM)
    site.attach("berita/rapat.pdf", b"%PDF daftar hadir baru")
    preview(site)
    _, text = panel(page(site, URL))
    assert (
        "Teks naskah sama dengan versi yang disetujui.Lampiran yang berubah: "
        "berita/rapat.pdf" in text
    )


def test_stale_item_whose_approved_text_git_never_saw_says_so(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Versi yang disetujui.")
    site.approve_all(ITEM)
    site.article(ITEM, "Rapat Pleno", "Versi yang diubah.")
    preview(site)
    _, text = panel(page(site, URL))
    assert (
        "Versi yang disetujui tidak ditemukan di riwayat git, sehingga perubahannya tidak "
        "dapat ditampilkan." in text
    )
    assert '<span class="kpu-pratinjau-tambah">' not in page(site, URL)


def test_approved_item_has_no_banner_and_shows_the_four_sign_offs(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM)
    preview(site)
    html = page(site, URL)
    assert "DRAF - belum disetujui" not in html
    assert '<div class="kpu-pratinjau-banner"' not in html
    rows, text = panel(html)
    assert [row[:3] for row in rows[1:]] == [
        ["Web Admin", "Disetujui", "Pejabat Andi"],
        ["Kasubbag Tekmas", "Disetujui", "Pejabat Sri"],
        ["Sekretaris", "Disetujui", "Pejabat Bambang"],
        ["Komisioner", "Disetujui", "Pejabat Dewi"],
    ]
    assert "Berikutnya: Lengkap: keempat pejabat telah menyetujui versi ini." in text
    assert "Pesan untuk" not in text
    assert "Disetujui sesuai SOP" in html and "Persetujuan terbit" in html


def test_every_preview_page_is_marked_and_kept_out_of_search_engines(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.article("berita/lain.md", "Berita Lain", "Isi lain.")
    site.approve_all("berita/lain.md")
    site.article("pages/profil.md", "Profil", "Profil.")
    done = preview(site)
    assert "Pratinjau selesai: 3 item (2 belum disetujui, berbanner DRAF)" in done.stdout
    folder = preview_dir(site)
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) > 5
    for html in pages:
        text = html.read_text(encoding="utf-8")
        assert MARKER in text and ROBOTS_META in text, html
    assert (folder / "robots.txt").read_text() == ROBOTS_TXT
    assert ROBOTS_TXT.endswith("User-agent: *\nDisallow: /\n")
    assert not list(folder.rglob("*.xml")), "no feeds and no sitemap in a preview"


def test_preview_leaves_the_published_output_and_the_gate_manifest_alone(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi TOKENDRAF.")
    site.article("berita/lain.md", "Berita Lain", "Isi.")
    site.approve_all("berita/lain.md")
    site.build()
    output, state = _snapshot(site.output), _snapshot(site.root / "var")
    preview(site)
    assert _snapshot(site.output) == output
    assert {
        k: v for k, v in _snapshot(site.root / "var").items() if not k.startswith("pratinjau")
    } == state
    assert not site.hits("TOKENDRAF")
    assert "TOKENDRAF" in page(site, URL)


@pytest.mark.parametrize(
    ("where", "what"),
    [
        ("output", "OUTPUT_PATH (hasil build bergerbang)"),
        ("content/pratinjau", "PATH (naskah)"),
        ("approvals/pratinjau", "APPROVAL_GATE_APPROVALS_PATH (persetujuan)"),
    ],
    ids=["output", "naskah", "persetujuan"],
)
def test_preview_refuses_a_folder_that_is_published_or_a_source(
    site: Site, where: str, what: str
) -> None:
    folder = site.root / where
    done = invoke("preview", "--settings", str(site.settings), "--output", str(folder))
    assert done.returncode == 30
    protected = {
        "OUTPUT_PATH": site.output,
        "PATH": site.content,
        "APPROVAL_GATE_APPROVALS_PATH": site.approvals,
    }[what.split()[0]]
    assert done.stderr.strip() == (
        f"Pratinjau GAGAL: sitecfg.py: Folder pratinjau {folder} bertumpang tindih dengan "
        f"{what}: {protected}. Pratinjau memuat item yang belum disetujui dan tidak boleh "
        "berada di tempat yang diterbitkan. Pakai folder lain, misalnya var/pratinjau."
    )
    assert not folder.exists() or where == "output"


def test_preview_never_empties_a_folder_holding_other_files(site: Site) -> None:
    folder = site.root / "dokumen"
    folder.mkdir()
    (folder / "penting.txt").write_text("jangan dihapus")
    site.article(ITEM, "Rapat Pleno", "Isi.")
    done = invoke("preview", "--settings", str(site.settings), "--output", str(folder))
    assert done.returncode == 30
    assert done.stderr.strip() == (
        f"Pratinjau GAGAL: sitecfg.py: Folder {folder} berisi berkas yang bukan pratinjau "
        "(penting.txt); setiap pratinjau mengosongkan foldernya lebih dulu, jadi folder itu "
        "tidak dipakai. Pakai folder kosong atau folder pratinjau bawaan, misalnya "
        "var/pratinjau."
    )
    assert [p.name for p in folder.iterdir()] == ["penting.txt"]
    preview(site)
    preview(site)  # a preview folder is emptied and rebuilt without complaint


def test_approved_item_marked_as_draft_in_its_metadata_keeps_the_banner(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.", status="draft")
    site.approve_all(ITEM)
    preview(site)
    [draft] = list((preview_dir(site) / "drafts").rglob("*.html"))
    assert (
        f"{BANNER} <span>berstatus &#x27;draft&#x27; di metadata; tidak akan terbit walau "
        "disetujui</span>" in draft.read_text()
    )


def test_a_preview_page_copied_into_the_site_stops_the_build(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi TOKENDRAF.")
    site.article("berita/lain.md", "Berita Lain", "Isi.")
    site.approve_all("berita/lain.md")
    site.build()
    before = _snapshot(site.output)
    preview(site)
    (site.content / "static").mkdir(exist_ok=True)  # the site has its logo there
    (site.content / "static" / "bocor.html").write_text(page(site, URL))  # a careless copy
    with pytest.raises(BuildFailed) as caught:
        site.build()
    assert (
        "static/bocor.html: halaman PRATINJAU (dapat memuat item yang belum disetujui) "
        "tidak boleh terbit" in caught.value.message
    )
    assert _snapshot(site.output) == before


def test_the_audit_refuses_every_page_of_a_preview_folder(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM)
    manifest = site.build().manifest
    preview(site)
    folder = preview_dir(site)
    findings = audit_output(folder, manifest, manifest["build_id"], False)
    flagged = {f.path for f in findings if "halaman PRATINJAU" in f.message}
    pages = {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")}
    assert pages and pages | {"robots.txt"} <= flagged
    assert PREVIEW_MARKER in MARKER.encode()


def test_sample_site_preview_flags_exactly_the_items_status_does_not_call_complete(
    tmp_path: Path,
) -> None:
    settings = sample_settings(tmp_path / "contoh")
    done = invoke("preview", "--settings", str(settings))
    assert done.returncode == 0, done.stderr
    status = json.loads(invoke("status", "--json", "--settings", str(settings)).stdout)
    pages = json.loads((tmp_path / "contoh" / "var" / "pratinjau-alamat.json").read_text())
    folder = tmp_path / "contoh" / "var" / "pratinjau"
    flagged = 0
    for row in status["items"]:
        url = pages[row["item"]]
        html = (folder / url / "index.html" if url.endswith("/") else folder / url).read_text()
        assert (BANNER in html) == (row["state"] != "lengkap"), row["item"]
        flagged += BANNER in html
        _, text = panel(html)
        assert f"Status: {row['reason']}" in text
        if row["state"] == "ditolak":
            assert f"Alasan penolakan{row['reason'].split(': ', 1)[0].split()[1]}" in text
    assert flagged and f"({flagged} belum disetujui, berbanner DRAF)" in done.stdout
