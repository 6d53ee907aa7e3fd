"""The theme's settings: identity from pelicanconf.py, and mistakes that stop the build.

A bad ``SITE_*`` value must never just be logged: the build stops before anything is
read, naming the settings file and the key, and the live site stays as it was.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image

from publishing.build import BuildFailed
from sitekit import Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _approved(site: Site) -> None:
    site.article("berita/a.md", "Berita A", "Isi TOKENA.", category="Berita")
    site.approve_all("berita/a.md")
    site.article("pages/kontak.md", "Kontak", "Alamat kantor.", slug="kontak")
    site.approve_all("pages/kontak.md")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "SITE_COLOUR = {}",
            "Pengaturan tema tidak dikenal: 'SITE_COLOUR'. Mungkin maksud Anda 'SITE_COLOURS'?",
        ),
        (
            "SITE_COLOURS = {'primary': '#f5c400'}",
            "Kontras 'primary' dengan 'background' hanya 1,6:1; minimal 4,5:1 agar mudah dibaca.",
        ),
        ("SITE_COLOURS = {'primary': 'merah'}", "Warna 'primary' bukan '#rrggbb'."),
        ("SITE_COLOURS = {'utama': '#000000'}", "Kunci warna tidak dikenal: 'utama'."),
        ("SITE_LOGO = '/tidak/ada/logo.svg'", "Berkas /tidak/ada/logo.svg tidak ditemukan."),
        ("SITE_PROVENANCE = 'peran-tanggal'", "Mungkin maksud Anda 'peran-dan-tanggal'?"),
        ("SITE_KINDS = 'Berita'", "'SITE_KINDS': diharapkan daftar nama kategori"),
        (
            "SITE_NAV_PAGES = ['profil']",
            "'SITE_NAV_PAGES': diharapkan daftar pasangan (slug, label",
        ),
        ("SITE_ANNOUNCEMENT_DAYS = 0", "'SITE_ANNOUNCEMENT_DAYS': diharapkan jumlah hari"),
        ("SITE_ORGANISATION = None", "Pengaturan 'SITE_ORGANISATION' belum diisi"),
    ],
    ids=[
        "typo",
        "low-contrast",
        "not-a-colour",
        "unknown-colour",
        "logo-missing",
        "provenance-choice",
        "kinds-not-a-list",
        "nav-pages-shape",
        "days",
        "organisation",
    ],
)
def test_bad_theme_setting_stops_the_build_naming_file_and_key(
    site: Site, extra: str, expected: str
) -> None:
    _approved(site)
    site.build()
    before = {p: p.read_bytes() for p in site.files()}
    with pytest.raises(BuildFailed) as caught:
        site.build(site.write_settings("tema-salah.py", extra=extra + "\n"))
    message = caught.value.message
    assert expected in message
    assert message.startswith("tema-salah.py: ")
    assert {p: p.read_bytes() for p in site.files()} == before


def test_identity_comes_from_the_settings(site: Site) -> None:
    _approved(site)
    logo = site.root / "lambang.png"
    Image.new("RGB", (300, 100), "#004488").save(logo)
    site.build(
        site.write_settings(
            "identitas.py",
            extra=(
                "SITENAME = 'KPU Kabupaten Contoh'\n"
                "SITE_ORGANISATION = 'Komisi Pemilihan Umum Kabupaten Contoh'\n"
                f"SITE_LOGO = {str(logo)!r}\n"
                "SITE_LOGO_SHOWS_NAME = False\n"  # a plain mark: the name is written beside it
                "SITE_ADDRESS = 'Jl. Contoh No. 1'\n"
                "SITE_COLOURS = {'primary': '#004488', 'accent': '#ffcc00'}\n"
                "SITE_NAV_PAGES = [('kontak', 'Hubungi kami')]\n"
            ),
        )
    )
    home = (site.output / "index.html").read_text()
    assert "--primary:#004488" in home and "--accent:#ffcc00" in home
    assert "--primary-dark:#6e0918" in home  # the default for a colour not given
    assert '<img src="./theme/logo.png" width="144" height="48" alt="">' in home
    assert (site.output / "theme" / "logo.png").read_bytes() == logo.read_bytes()
    assert '<span class="merek-nama">KPU Kabupaten Contoh</span>' in home
    assert "<strong>Komisi Pemilihan Umum Kabupaten Contoh</strong><br>Jl. Contoh No. 1" in home
    assert '<a href="./kontak/">Hubungi kami</a>' in home
    assert "#a50e24" not in home  # nothing of the sample's identity is hard-coded


@pytest.mark.parametrize(
    ("style", "shown", "hidden"),
    [
        (
            "peran-dan-tanggal",
            ['<span class="peran">Web Admin</span>, <time', "21 November 2026 pukul 09.00 WIB"],
            ["Pejabat Andi"],
        ),
        (
            "peran-nama-dan-tanggal",
            ['<span class="peran">Web Admin</span> (Pejabat Andi), <time'],
            [],
        ),
        (
            "ringkas",
            [
                "Disetujui berjenjang oleh Web Admin, Kasubbag Tekmas, Sekretaris dan "
                "Komisioner sesuai SOP No. 11/2023; persetujuan akhir <time"
            ],
            ["Pejabat Andi", "pukul"],
        ),
    ],
    ids=["roles-and-dates", "with-names", "short"],
)
def test_provenance_display_follows_the_setting(
    site: Site, style: str, shown: list[str], hidden: list[str]
) -> None:
    _approved(site)
    site.build(site.write_settings("asal.py", extra=f"SITE_PROVENANCE = {style!r}\n"))
    page = (site.output / "berita" / "berita-a" / "index.html").read_text()
    section = page[page.index('id="persetujuan"') :]
    for text in shown:
        assert text in section
    for text in hidden:
        assert text not in section
    pieces = (site.output / "persetujuan" / "catatan").glob("*.json")
    record = "".join(p.read_text() for p in pieces)
    assert ('"name":"Pejabat Andi"' in record) == (style == "peran-nama-dan-tanggal")
    assert re.search(r'"signer":"andi"', record)
