"""The office on the public site: contact links, the PPID forms, the Daftar Informasi Publik.

Built sites, read as a citizen gets them: the exact links a phone opens (``mailto:``,
``tel:``, ``wa.me``, the map), bad contact settings that stop the build naming the file
and key, the two forms downloadable from the PPID page, and the DIP listing exactly the
approved items, grouped by UU 14/2008, also after a real sealed publish.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

from publishing.audit import audit_output
from publishing.build import BuildFailed, build_site
from publishing.inventory import UNACCOUNTED
from publishkit import local_targets, publish_settings, run
from publishkit import sealed_for
from sitekit import REPO, ROLES, Keys, Site
from site_theme.formats import ukuran
from site_theme.office import public_information

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

HELD = "RAHASIA-DIP-TERTAHAN"
CONTACT = """
SITE_CONTACT = {
    "email": "info@contoh.kpu.go.id",
    "ppid_email": "ppid@contoh.kpu.go.id",
    "phone": "+62 295 691234",
    "whatsapp": "6281122334455",
    "whatsapp_text": "Halo & salam, saya bertanya?",
    "map_url": "https://www.openstreetmap.org/?mlat=-6.70&mlon=111.34",
    "hours": [("Senin–Jumat", "08.00–16.00 WIB")],
}
"""
FORMS = ("formulir-permohonan-informasi-publik.pdf", "formulir-pengajuan-keberatan.pdf")


def _items(site: Site) -> None:
    """Approved items of three kinds and two pages; one Berita still waiting (held)."""
    site.article("berita/rapat.md", "Rapat Pleno Terbuka", "Isi rapat.", category="Berita")
    site.article(
        "pengumuman/pantarlih.md",
        "Pendaftaran Pantarlih",
        "Isi pengumuman.",
        category="Pengumuman",
        berlaku="2026-11-15 s.d. 2026-12-31",
    )
    site.article(
        "regulasi/pkpu.md",
        "PKPU Tahapan",
        "Isi regulasi.",
        category="Regulasi",
        nomor="2",
        tahun="2024",
        authors="Subbagian Hukum",
    )
    site.article("pages/kontak.md", "Kontak", "Alamat kantor.", slug="kontak")
    site.article("pages/ppid.md", "Informasi Publik (PPID)", "Layanan PPID.", slug="ppid")
    for item in (
        "berita/rapat.md",
        "pengumuman/pantarlih.md",
        "regulasi/pkpu.md",
        "pages/kontak.md",
        "pages/ppid.md",
    ):
        site.approve_all(item)
    site.article("berita/tahan.md", f"Berita {HELD}", f"Isi {HELD}.", category="Berita")
    site.approve_all("berita/tahan.md", ROLES[:3])  # the last role has not approved


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[tuple[Site, dict]]:
    """A site with the office's contact settings, built once for this module."""
    site = Site(tmp_path_factory.mktemp("kantor") / "site", keys)
    _items(site)
    site.settings = site.write_settings(extra=CONTACT)
    yield site, site.build().manifest


@pytest.fixture
def office(built: tuple[Site, dict]) -> Site:
    return built[0]


def _html(site: Site, page: str) -> str:
    return (site.output / page).read_text(encoding="utf-8")


def _section(html: str, css_class: str) -> str:
    match = re.search(rf'<(section|p) class="{css_class}".*?</\1>', html, re.S)
    assert match, css_class
    return match.group(0)


def _hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


WHATSAPP = "https://wa.me/6281122334455?text=Halo%20%26%20salam%2C%20saya%20bertanya%3F"
MAP = "https://www.openstreetmap.org/?mlat=-6.70&mlon=111.34"


def test_kontak_shows_every_way_to_reach_the_office_as_plain_links(office: Site) -> None:
    block = _section(_html(office, "kontak/index.html"), "kontak-kantor")
    assert '<h2 id="kontak-kantor-judul">Hubungi kami</h2>' in block
    assert _hrefs(block) == [
        "mailto:info@contoh.kpu.go.id",
        "mailto:ppid@contoh.kpu.go.id",
        "tel:+62295691234",
        WHATSAPP,
        MAP,
    ]
    assert ">+62 811-2233-4455<" in block  # the WhatsApp number as people read it
    assert '<th scope="row">Senin–Jumat</th><td>08.00–16.00 WIB</td>' in block
    assert "Jl. Pemuda Barat No. 18" in block  # SITE_ADDRESS, as before
    # no script runs (JSON-LD data blocks are not scripts)
    assert not re.search(
        r"<script(?![^>]*application/ld\+json)", _html(office, "kontak/index.html")
    )


def test_ppid_shows_the_ppid_email_and_links_the_dip(office: Site) -> None:
    html = _html(office, "ppid/index.html")
    block = _section(html, "kontak-kantor")
    assert "Hubungi PPID" in block
    assert _hrefs(block)[0] == "mailto:ppid@contoh.kpu.go.id"
    assert "mailto:info@contoh.kpu.go.id" not in block
    assert "../daftar-informasi-publik/" in _hrefs(_section(html, "dip-tautan"))


def test_every_page_has_the_short_contact_line_and_the_dip_in_its_footer(office: Site) -> None:
    for page in (
        "index.html",
        "berita/rapat-pleno-terbuka/index.html",
        "daftar-informasi-publik/index.html",
    ):
        html = _html(office, page)
        assert _hrefs(_section(html, "kaki-kontak")) == [
            "mailto:info@contoh.kpu.go.id",
            "tel:+62295691234",
            WHATSAPP,
            MAP,
        ]
        footer = html[html.index('<footer class="kaki">') :]
        assert re.search(
            r'href="(\./|(\.\./)+)daftar-informasi-publik/">Daftar Informasi Publik<', footer
        )
    # a page that is not a contact page gets no contact block
    assert 'class="kontak-kantor"' not in _html(office, "berita/rapat-pleno-terbuka/index.html")


def _rows(html: str, group: str) -> list[tuple[str, str, str, str]]:
    """Return (title, kind, date, unit) of each row in a DIP group's table."""
    section = re.search(rf'<h2 id="{group}">.*?</section>', html, re.S)
    assert section, group
    return [
        (unescape(title), kind, re.sub(r"<[^>]+>", "", date), unescape(unit))
        for title, kind, date, unit in re.findall(
            r'<tr><th scope="row"><a href="[^"]*">(.*?)</a></th><td>(.*?)</td><td>(.*?)</td>'
            r"<td>(.*?)</td></tr>",
            section.group(0),
        )
    ]


def test_the_dip_lists_exactly_the_approved_items_grouped_by_the_law(office: Site) -> None:
    html = _html(office, "daftar-informasi-publik/index.html")
    assert "<h1>Daftar Informasi Publik</h1>" in html
    berkala = _rows(html, "berkala")
    assert ("Rapat Pleno Terbuka", "Berita", "20 November 2026") == berkala[0][:3]
    assert [row[:2] for row in berkala[1:]] == [
        ("Informasi Publik (PPID)", "Halaman"),
        ("Kontak", "Halaman"),
    ]
    assert [r[:3] for r in _rows(html, "serta-merta")] == [
        ("Pendaftaran Pantarlih", "Pengumuman", "20 November 2026")
    ]
    assert _rows(html, "setiap-saat") == [
        ("PKPU Tahapan", "Regulasi", "20 November 2026", "Subbagian Hukum")
    ]
    assert '<th scope="col">Penanggung jawab</th>' in html
    # the item still waiting for its last approval is nowhere on the site
    assert HELD not in html
    assert office.hits(HELD) == []


def test_dip_categories_come_from_the_setting(office: Site, tmp_path: Path) -> None:
    settings = office.write_settings(
        "dip-lain.py", extra=CONTACT + "SITE_DIP_CATEGORIES = {'Regulasi': 'berkala'}\n"
    )
    output = tmp_path / "keluaran"
    build_site(settings, output)
    html = (output / "daftar-informasi-publik" / "index.html").read_text(encoding="utf-8")
    assert ("PKPU Tahapan", "Regulasi") in [r[:2] for r in _rows(html, "berkala")]
    assert _rows(html, "setiap-saat") == []
    assert "Belum ada informasi yang terbit pada golongan ini." in html
    assert [r[:2] for r in _rows(html, "serta-merta")] == [("Pendaftaran Pantarlih", "Pengumuman")]


def test_the_sealed_audit_accepts_exactly_the_dip_path(
    built: tuple[Site, dict], tmp_path: Path
) -> None:
    office, manifest = built
    sealed = sealed_for(office, manifest)
    output = tmp_path / "salinan"
    shutil.copytree(office.output, output)

    def audit(local: bool = False) -> list[str]:
        """Return the findings about the DIP's folder (other parts' files are theirs)."""
        found = audit_output(
            output, manifest, manifest["build_id"], False, None if local else sealed
        )
        return [f.render() for f in found if f.path.startswith("daftar-informasi-publik/")]

    assert (output / "daftar-informasi-publik" / "index.html").is_file()
    assert audit() == []
    for forged in ("daftar-informasi-publik/index2.html", "daftar-informasi-publik/lain.html"):
        (output / forged).write_text(f"<p>{HELD}</p>")
        assert audit() == [f"{forged}: {UNACCOUNTED}"]
        assert audit(local=True) == [f"{forged}: halaman ini bukan milik item yang disetujui"]
        (output / forged).unlink()


def test_a_sealed_publish_puts_the_dip_live_without_the_held_item(
    site: Site, tmp_path: Path
) -> None:
    _items(site)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    live = tmp_path / "web" / "current"
    html = (live / "daftar-informasi-publik" / "index.html").read_text(encoding="utf-8")
    assert ("PKPU Tahapan", "Regulasi") == _rows(html, "setiap-saat")[0][:2]
    assert HELD not in html
    assert not [p for p in live.rglob("*") if p.is_file() and HELD.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "SITE_CONTACT = {'email': 'ppid-di-kpu'}",
            "Kunci 'email': 'ppid-di-kpu' bukan alamat surel",
        ),
        (
            "SITE_CONTACT = {'email': 'a@b.id', 'phone': '0295-KPU'}",
            "Kunci 'phone': '0295-KPU' bukan nomor telepon; tulis angka saja",
        ),
        (
            "SITE_CONTACT = {'email': 'a@b.id', 'whatsapp': '081234567890'}",
            "Kunci 'whatsapp': '081234567890' bukan nomor dalam bentuk 62…",
        ),
        (
            "SITE_CONTACT = {'email': 'a@b.id', 'map_url': 'http://maps.google.com/?q=KPU'}",
            "Kunci 'map_url': 'http://maps.google.com/?q=KPU' bukan alamat https://",
        ),
        (
            "SITE_CONTACT = {'email': 'a@b.id', 'hours': ['Senin 08.00']}",
            "Kunci 'hours': tulis daftar pasangan (hari, jam)",
        ),
        (
            "SITE_CONTACT = {'email': 'a@b.id', 'whatsap': '6281234567890'}",
            "Kunci tidak dikenal: 'whatsap'. Mungkin maksud Anda 'whatsapp'?",
        ),
        ("SITE_CONTACT = {'phone': '0295 691234'}", "Kunci 'email' wajib diisi."),
        ("SITE_CONTAC = {}", "Pengaturan tema tidak dikenal: 'SITE_CONTAC'."),
        (
            "SITE_DIP_CATEGORIES = {'Pengumuman': 'sertamerta'}",
            "Golongan 'sertamerta' untuk 'Pengumuman' tidak dikenal. "
            "Mungkin maksud Anda 'serta-merta'?",
        ),
        (
            "SITE_DIP_CATEGORIES = {'Regulasii': 'berkala'}",
            "Jenis tidak dikenal: 'Regulasii'. Mungkin maksud Anda 'Regulasi'?",
        ),
    ],
    ids=[
        "email",
        "phone",
        "whatsapp",
        "map-http",
        "hours",
        "unknown-key",
        "no-email",
        "typo",
        "dip-group",
        "dip-kind",
    ],
)
def test_bad_office_setting_stops_the_build_naming_file_and_key(
    office: Site, extra: str, expected: str
) -> None:
    before = {p: p.read_bytes() for p in office.files()}
    with pytest.raises(BuildFailed) as caught:
        office.build(office.write_settings("tema-salah.py", extra=extra + "\n"))
    message = caught.value.message
    key = re.match(r"(SITE_\w+)", extra)
    assert key and message.startswith("tema-salah.py: ")
    assert f"'{key.group(1)}'" in message and expected in message
    assert {p: p.read_bytes() for p in office.files()} == before  # the site stays as it was


def test_the_ppid_forms_are_downloads_of_the_ppid_page(theme_sample) -> None:  # type: ignore[no-untyped-def]
    html = theme_sample.html("ppid/")
    assert "<h2>Formulir</h2>" in html
    downloads = _section(html, "dokumen")
    for name, title in zip(
        FORMS, ("Formulir Permohonan Informasi Publik", "Formulir Pengajuan Keberatan"), strict=True
    ):
        source = REPO / "content" / "pages" / name
        [href] = set(re.findall(rf'href="([^"]*{name})"', html))
        served = (theme_sample.output / "ppid" / href).resolve()
        assert served.read_bytes() == source.read_bytes()
        assert f'{href}" download>{title}</a> <span class="berkas">PDF, ' in downloads
        assert f"PDF, {ukuran(source.stat().st_size)}</span>" in downloads
        text = PdfReader(served, strict=True).pages[0].extract_text()
        assert title.upper() in text and "KOMISI PEMILIHAN UMUM KABUPATEN REMBANG" in text
    included = {e["item"]: e for e in theme_sample.manifest["included"]}
    assert "pages/ppid.md" in included  # re-signed after the forms were added


def test_the_forms_script_makes_the_committed_bytes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "ppid_forms.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in FORMS:
        assert (tmp_path / name).read_bytes() == (REPO / "content" / "pages" / name).read_bytes()


def test_the_dip_leaves_out_what_the_provider_does_not_publish() -> None:
    @dataclass
    class Item:
        title: str
        relative_source_path: str
        url: str = "x/"
        date: None = None
        authors: tuple[()] = ()

    shown = public_information(
        [],
        [Item("Disetujui", "pages/a.md"), Item("Tertahan", "pages/b.md")],
        {"pages/a.md": {}},
        {},
    )
    assert [[row.title for row in group.rows] for group in shown] == [["Disetujui"], [], []]
