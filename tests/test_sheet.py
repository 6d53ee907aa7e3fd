"""``invoke sheet``: the printable approval sheet for the SOP's paper archive.

The sheet is read back the way a person reads it: the HTML's tables cell by cell, and
the PDF (made by the Chromium installed by .ci/run) through its text.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from approval_gate.api import ARCHIVE_NAMESPACE, sign_with_ssh_keygen
from pypdf import PdfReader

from sitekit import PUBLISHER, REPO, Site
from workflowkit import at, run

ITEM = "berita/rapat.md"


class _Rows(HTMLParser):
    """Every table row of a page as a list of its cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def rows(page: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(page)
    return parser.rows


@pytest.fixture
def reviewed(site: Site) -> Site:
    """An item rejected once by the Sekretaris, corrected, then approved by all four.

    A fifth "approval" signed with an outsider's key does not count.
    """
    site.attach("berita/undangan.pdf", b"%PDF-1.4 undangan rapat\n")
    site.article(ITEM, "Rapat Pleno Terbuka", "Versi satu. [Undangan]({attach}undangan.pdf)")
    site.sign(ITEM, "web-admin", at=at("2026-11-20 10:10"))
    site.sign(ITEM, "kasubbag-tekmas", at=at("2026-11-20 10:40"))
    site.sign(
        ITEM, "sekretaris", decision="tolak", note="Sumber data kurang.", at=at("2026-11-20 11:40")
    )
    site.article(ITEM, "Rapat Pleno Terbuka", "Versi dua. [Undangan]({attach}undangan.pdf)")
    for role, moment in (
        ("web-admin", "13:20"),
        ("kasubbag-tekmas", "13:35"),
        ("sekretaris", "13:55"),
        ("komisioner", "14:30"),
    ):
        site.sign(ITEM, role, at=at(f"2026-11-20 {moment}"))
    site.sign(ITEM, "komisioner", at=at("2026-11-20 14:40"), key="luar")
    return site


def _sheet(
    site: Site, tmp_path: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], str]:
    target = tmp_path / "lembar.html"
    done = run(site, "sheet", f"content/{ITEM}", "--output", str(target), *extra, env=env)
    return done, target.read_text(encoding="utf-8") if target.is_file() else ""


def test_sheet_lists_every_decision_with_role_name_time_and_note(
    reviewed: Site, tmp_path: Path
) -> None:
    done, page = _sheet(reviewed, tmp_path, "--no-pdf")
    assert done.returncode == 0, done.stderr
    current = reviewed.digest(ITEM)[7:15]
    decisions = [r for r in rows(page) if r and r[0].isdigit()]
    old = [r[6] for r in decisions[:3]]
    assert len(set(old)) == 1 and old[0].startswith("versi lama ") and current not in old[0]
    assert [r[:6] + r[7:] for r in decisions] == [
        ["1", "2026-11-20 10:10", "Web Admin", "Pejabat Andi (andi)", "SETUJU", "-", "-"],
        ["2", "2026-11-20 10:40", "Kasubbag Tekmas", "Pejabat Sri (sri)", "SETUJU", "-", "-"],
        [
            "3",
            "2026-11-20 11:40",
            "Sekretaris",
            "Pejabat Bambang (bambang)",
            "TOLAK",
            "Sumber data kurang.",
            "-",
        ],
        ["4", "2026-11-20 13:20", "Web Admin", "Pejabat Andi (andi)", "SETUJU", "-", "ya"],
        ["5", "2026-11-20 13:35", "Kasubbag Tekmas", "Pejabat Sri (sri)", "SETUJU", "-", "ya"],
        ["6", "2026-11-20 13:55", "Sekretaris", "Pejabat Bambang (bambang)", "SETUJU", "-", "ya"],
        ["7", "2026-11-20 14:30", "Komisioner", "Pejabat Dewi (dewi)", "SETUJU", "-", "ya"],
    ]
    assert {r[6] for r in decisions[3:]} == {f"versi ini {current}"}
    files = [r[0] for r in rows(page) if r and r[0].startswith("Berkas: ")]
    assert files[2] == "Berkas: approvals/berita/rapat/20261120T114000-sekretaris-tolak.yml"


def test_sheet_names_the_item_its_digest_and_the_files_it_covers(
    reviewed: Site, tmp_path: Path
) -> None:
    _, page = _sheet(reviewed, tmp_path, "--no-pdf")
    table = {r[0]: r[1] for r in rows(page) if len(r) == 2}
    assert table["Judul"] == "Rapat Pleno Terbuka"
    assert table["Jenis"] == "berita"  # no Category: Pelican uses the folder's name
    assert table["Berkas"] == f"content/{ITEM}"
    assert table["Digest versi ini"] == reviewed.digest(ITEM)
    assert table["Status saat dicetak"] == "lengkap, siap terbit"
    for rel in (ITEM, "berita/undangan.pdf"):
        assert table[rel] == hashlib.sha256((reviewed.content / rel).read_bytes()).hexdigest()
    assert "LEMBAR PERSETUJUAN PUBLIKASI" in page and "@page{size:A4" in page


def test_signatures_that_do_not_count_are_listed_apart(reviewed: Site, tmp_path: Path) -> None:
    _, page = _sheet(reviewed, tmp_path, "--no-pdf")
    section = page[page.index("<h2>Catatan pemeriksaan</h2>") :]
    assert (
        "approvals/berita/rapat/20261120T144000-komisioner-setuju.yml: Ditandatangani "
        f"dengan kunci {reviewed.keys.fingerprint('luar')} yang tidak terdaftar di roster."
        in section
    )
    assert (
        'Pejabat Dewi (dewi)</td><td><strong>SETUJU</strong></td><td>-</td><td class="nw">versi ini'
        in page
        and page.count("Pejabat Dewi (dewi)") == 1
    )


def test_unpublished_item_says_so(reviewed: Site, tmp_path: Path) -> None:
    _, page = _sheet(reviewed, tmp_path, "--no-pdf")
    assert "<h2>Penerbitan</h2>\n<p>Belum diterbitkan.</p>" in page


def test_published_item_shows_when_where_and_its_address(reviewed: Site, tmp_path: Path) -> None:
    record = reviewed.approvals / "_arsip/2026/20261120T150000.000-abc123-situs.yml"
    record.parent.mkdir(parents=True)
    record.write_text(
        "release: 20261120T150000.000-abc123\npublished_at: '2026-11-20T15:00:00+07:00'\n"
        "target: {name: situs, type: rsync, location: 'web@kpu:/srv/situs'}\n"
        f"published:\n- {{item: {ITEM}, url: berita/rapat/, lang: id, "
        f"digest: '{reviewed.digest(ITEM)}', signoffs: []}}\nwithheld: []\n"
    )
    signature = sign_with_ssh_keygen(
        record.read_bytes(), reviewed.keys.private(PUBLISHER), ARCHIVE_NAMESPACE
    )  # by the publishing machine: only signed records count
    record.with_name(f"{record.name}.sig").write_text(signature)
    done, page = _sheet(reviewed, tmp_path, "--no-pdf")
    assert done.returncode == 0, done.stderr
    assert [
        "2026-11-20 15:00",
        "situs (rsync) web@kpu:/srv/situs",
        "berita/rapat/",
        "versi ini",
        "approvals/_arsip/2026/20261120T150000.000-abc123-situs.yml",
    ] in rows(page)
    assert "Belum diterbitkan" not in page


@pytest.mark.browser
def test_pdf_is_printed_with_the_installed_browser(reviewed: Site, tmp_path: Path) -> None:
    assert shutil.which("chromium"), "chromium is installed by .ci/run (APT_PACKAGES)"
    done, _ = _sheet(reviewed, tmp_path)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "lembar.pdf"
    assert (
        done.stdout.splitlines()[-1] == f"Lembar persetujuan (PDF, dibuat dengan chromium): {pdf}"
    )
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
        210,
        297,
    )  # A4 in millimetres
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "LEMBAR PERSETUJUAN PUBLIKASI" in text and "Sumber data kurang." in text
    assert "Halaman 1 dari" in text


def test_without_a_pdf_converter_only_the_html_is_made_and_that_is_said(
    reviewed: Site, tmp_path: Path
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    done, page = _sheet(reviewed, tmp_path, env={"PATH": str(empty)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"Lembar persetujuan (HTML, A4): {tmp_path / 'lembar.html'}",
        "PDF tidak dibuat: tidak ada pengubah PDF yang terpasang (chromium, wkhtmltopdf atau "
        "LibreOffice). Buka berkas HTML itu di peramban lalu pilih Cetak (Ctrl+P), ukuran "
        "kertas A4.",
    ]
    assert page and not (tmp_path / "lembar.pdf").exists()


def test_a_failing_converter_is_reported_and_the_html_kept(reviewed: Site, tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    broken = tools / "wkhtmltopdf"
    broken.write_text("#!/bin/sh\necho 'Exit with code 1 due to network error' >&2\nexit 1\n")
    broken.chmod(0o755)
    done, page = _sheet(reviewed, tmp_path, env={"PATH": str(tools)})
    assert done.returncode == 25
    assert done.stderr.strip() == (
        f"{tmp_path / 'lembar.html'}: wkhtmltopdf gagal membuat PDF (Exit with code 1 due to "
        "network error). Berkas HTML tetap dapat dicetak dari peramban (Ctrl+P, A4)."
    )
    assert "LEMBAR PERSETUJUAN PUBLIKASI" in page


def test_default_location_is_under_var(reviewed: Site) -> None:
    done = run(reviewed, "sheet", f"content/{ITEM}", "--no-pdf")
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip() == "Lembar persetujuan (HTML, A4): "
        "var/lembar-persetujuan/berita--rapat.html"
    )
    assert (reviewed.root / "var/lembar-persetujuan/berita--rapat.html").is_file()


def test_unknown_item_gets_a_close_match(reviewed: Site) -> None:
    done = run(reviewed, "sheet", "content/berita/rapat-pleno.md", "--no-pdf")
    assert done.returncode == 24
    assert done.stderr.strip() == (
        "Item content/berita/rapat-pleno.md tidak ditemukan. Mungkin "
        "maksudnya content/berita/rapat.md? Daftar semua item ada "
        "di 'invoke status'."
    )


@pytest.mark.slow
def test_sheet_of_the_sample_site(tmp_path: Path) -> None:
    target = tmp_path / "contoh.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "-r",
            str(REPO),
            "sheet",
            "content/berita/2026-11-19-hasil-rapat-evaluasi.md",
            "--output",
            str(target),
            "--no-pdf",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    decisions = [r for r in rows(target.read_text()) if r and r[0].isdigit()]
    assert [(r[2], r[4], r[5]) for r in decisions] == [
        ("Web Admin", "SETUJU", "-"),
        ("Kasubbag Tekmas", "SETUJU", "-"),
        (
            "Sekretaris",
            "TOLAK",
            "Daftar hadir PPK belum dilampirkan dan angka partisipasi "
            "belum bersumber. Mohon dilengkapi lalu diajukan kembali.",
        ),
    ]
