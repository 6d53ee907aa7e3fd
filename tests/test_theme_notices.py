"""Announcements' validity, Regulasi's metadata block and browsing, bare addresses as links.

Real sites in temporary folders, built like ``invoke build`` (the gate, the audit); the
assertions are on the text readers get. The clock is the tests' (2026-11-24 10:00 WIB),
or the gate's ``APPROVAL_GATE_NOW`` where a test moves it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from approval_gate.api import MachineCache, code_digest
from publishing.audit import audit_output
from publishing.build import BuildResult, build_site
from publishing.inventory import UNACCOUNTED
from publishkit import sealed_for
from sitekit import Keys, Site

#: Whole-site builds in child processes: seconds each.
pytestmark = pytest.mark.slow

HELD = "Keputusan-Rahasia-Belum-Disetujui"
VERIFY = {"KPU_RENDER_CACHE_VERIFY": "1"}


def _items(site: Site) -> None:
    """Write the announcements, regulations and the text with addresses; approve most."""
    for slug, title, berlaku, date in (
        ("terbuka", "Rekrutmen Terbuka", "2026-11-20 s.d. 2026-11-30", "2026-11-20 08:00"),
        ("tutup", "Rekrutmen Sudah Tutup", "2026-11-01 s.d. 2026-11-10", "2026-11-01 08:00"),
        ("salah", "Pengumuman Tanggal Salah", "minggu depan", "2026-11-02 08:00"),
    ):
        site.article(
            f"pengumuman/{slug}.md",
            title,
            f"Isi pengumuman {slug}.",
            date=date,
            category="Pengumuman",
            tags="rekrutmen",
            authors="Sekretariat",
            slug=slug,
            berlaku=berlaku,
        )
    site.article(
        "regulasi/pkpu-2-2024.md",
        "PKPU Nomor 2 Tahun 2024 tentang Tahapan",
        "Ringkasan. Naskah di jdih.kpu.go.id.",
        date="2026-10-15 10:00",
        category="Regulasi",
        slug="pkpu-2-2024",
        nomor="2",
        tahun="2024",
        jenis="Peraturan KPU",
        ditetapkan="2024-01-26",
        keberlakuan="Dicabut",
        dicabut_oleh="pkpu-8-2025",
        diubah_oleh="Peraturan KPU Nomor 9 Tahun 2030",
        sumber_resmi="https://jdih.kpu.go.id/data/pkpu-2-2024.pdf",
    )
    site.article(
        "regulasi/pkpu-8-2025.md",
        "PKPU Nomor 8 Tahun 2025 tentang Tahapan Baru",
        "Ringkasan.",
        date="2026-10-16 10:00",
        category="Regulasi",
        slug="pkpu-8-2025",
        nomor="8",
        tahun="2025",
        jenis="Peraturan KPU",
        keberlakuan="berlaku",
    )
    site.article(
        "regulasi/salah.md",
        "Regulasi Isian Salah",
        "Ringkasan.",
        date="2026-10-17 10:00",
        category="Regulasi",
        slug="salah",
        nomor="3",
        tahun="2O24",
        ditetapkan="26-01-2024",
        keberlakuan="Kedaluwarsa",
        sumber_resmi="jdih kpu",
    )
    site.article(
        "berita/tautan.md",
        "Cek Daftar Pemilih",
        "Cek di cekdptonline.kpu.go.id. Lihat juga https://jdih.kpu.go.id/data/x.pdf (resmi).\n\n"
        "Kode `kpu.go.id`, tautan [laman KPU](https://kpu.go.id) dan surel ppid@kpu.go.id.",
        category="Berita",
        slug="tautan",
    )
    for item in (
        "pengumuman/terbuka.md",
        "pengumuman/tutup.md",
        "pengumuman/salah.md",
        "regulasi/pkpu-2-2024.md",
        "regulasi/pkpu-8-2025.md",
        "regulasi/salah.md",
        "berita/tautan.md",
    ):
        site.approve_all(item)
    site.article(  # never approved: must appear in no page and no browsing page
        "regulasi/rahasia.md",
        HELD,
        "Draf.",
        category="Regulasi",
        slug="rahasia",
        nomor="1",
        tahun="2023",
        jenis="Keputusan KPU",
    )
    site.approve_all("regulasi/rahasia.md", ("web-admin",))


@dataclass
class Built:
    site: Site
    result: BuildResult
    pages: dict[str, str] = field(default_factory=dict)

    def html(self, page: str) -> str:
        if page not in self.pages:
            self.pages[page] = (self.site.output / page).read_text(encoding="utf-8")
        return self.pages[page]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Built:
    site = Site(tmp_path_factory.mktemp("maklumat") / "site", keys)
    _items(site)
    return Built(site, site.build())


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_validity_is_shown_on_the_item_in_every_list_and_on_the_home_page(built: Built) -> None:
    item = _text(built.html("pengumuman/terbuka/index.html"))
    assert "Berlaku 20–30 November 2026" in item
    assert "Sudah berakhir" not in item
    for listing in (
        "kategori/pengumuman/index.html",
        "topik/rekrutmen/index.html",
        "penulis/sekretariat/index.html",
        "arsip/2026/11/index.html",
    ):
        text = _text(built.html(listing))
        assert "Berlaku 20–30 November 2026" in text, listing
        assert "Berlaku 1–10 November 2026 Sudah berakhir" in text, listing
    home = built.html("index.html")
    assert "Berlaku 20–30 November 2026" in _text(_section(home, "pengumuman-judul"))
    assert "Berlaku 20–30 November 2026" in _text(_section(home, "terbaru-judul"))


def test_an_ended_announcement_says_so_and_leaves_the_home_page(built: Built) -> None:
    item = built.html("pengumuman/tutup/index.html")
    assert "Berlaku 1–10 November 2026" in _text(item)
    assert '<strong class="berakhir">Sudah berakhir</strong>' in item
    home = built.html("index.html")
    assert "Rekrutmen Terbuka" in _section(home, "terbaru-judul")
    assert "Rekrutmen Sudah Tutup" not in home
    assert "Rekrutmen Sudah Tutup" not in _section(home, "pengumuman-judul")
    assert "Rekrutmen Sudah Tutup" in built.html("kategori/pengumuman/index.html")


def _line(site: Site, item: str, key: str) -> int:
    lines = (site.content / item).read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.lower().startswith(f"{key}:"))


def test_unreadable_values_give_a_warning_with_file_and_line_and_still_build(
    built: Built,
) -> None:
    site, log = built.site, built.result.log
    expected = {
        ("pengumuman/salah.md", "berlaku"): "Masa berlaku 'minggu depan' tidak dapat dibaca; "
        "pengumuman ini tetap terbit, tetapi tanpa keterangan masa berlaku.",
        ("regulasi/salah.md", "ditetapkan"): "Tanggal penetapan '26-01-2024' tidak dapat dibaca; "
        "regulasi ini tetap terbit tanpa tanggal penetapan.",
        ("regulasi/salah.md", "keberlakuan"): "Status 'Kedaluwarsa' tidak dikenal; regulasi ini "
        "tetap terbit tanpa status. Pilih salah satu: Berlaku, Dicabut, Diubah.",
        ("regulasi/salah.md", "tahun"): "Tahun '2O24' tidak dapat dibaca; regulasi ini tidak "
        "masuk penelusuran per tahun.",
        ("regulasi/salah.md", "sumber_resmi"): "Sumber resmi 'jdih kpu' bukan alamat web; "
        "regulasi ini tetap terbit tanpa tautan sumber resmi.",
    }
    flat = re.sub(r"\s+", " ", log)
    for (item, key), message in expected.items():
        assert f"content/{item}:{_line(site, item, key)}: {message}" in flat, (item, key)
    assert "Traceback" not in log
    block = _block(built.html("regulasi/salah/index.html"))
    assert "<dt>Nomor</dt><dd>3</dd>" in block
    for absent in ("Tanggal penetapan", "Status", "Sumber resmi", "Kedaluwarsa", "Tahun"):
        assert absent not in block
    assert 'class="masa' not in built.html("pengumuman/salah/index.html")


def _block(html: str) -> str:
    """Return the regulation block of an item page."""
    start = html.index('class="regulasi-data"')
    return html[start : html.index("</section>", start)]


def test_the_regulation_block_shows_its_fields_and_links(built: Built) -> None:
    block = _block(built.html("regulasi/pkpu-2-2024/index.html"))
    rows = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", block))
    assert _text(rows["Jenis"]) == "Peraturan KPU"
    assert 'href="../../kategori/regulasi/jenis/peraturan-kpu/"' in rows["Jenis"]
    assert rows["Nomor"] == "2"
    assert 'href="../../kategori/regulasi/tahun/2024/"' in rows["Tahun"]
    assert rows["Tanggal penetapan"] == '<time datetime="2024-01-26">26 Januari 2024</time>'
    assert _text(rows["Status"]) == "Dicabut"
    assert rows["Dicabut oleh"] == (
        '<a href="../../regulasi/pkpu-8-2025/">PKPU Nomor 8 Tahun 2025 tentang Tahapan Baru</a>'
    )
    assert rows["Diubah oleh"] == "Peraturan KPU Nomor 9 Tahun 2030"  # not on the site
    assert rows["Sumber resmi"] == (
        '<a href="https://jdih.kpu.go.id/data/pkpu-2-2024.pdf" rel="external">'
        "Naskah resmi di jdih.kpu.go.id</a>"
    )
    assert "Berlaku" in _text(built.html("regulasi/pkpu-8-2025/index.html"))
    assert "PKPU Nomor 2 Tahun 2024 tentang Tahapan" in built.html("kategori/regulasi/index.html")
    assert " · Dicabut</p>" in built.html("kategori/regulasi/index.html")


def test_regulations_are_browsable_by_year_and_jenis_with_approved_items_only(
    built: Built,
) -> None:
    kind = built.html("kategori/regulasi/index.html")
    nav = kind[kind.index('class="telusur-regulasi"') :]
    assert re.findall(r'href="([^"]+)">([^<]+)</a>', nav.split("</nav>")[0]) == [
        ("../../kategori/regulasi/tahun/2025/", "2025"),
        ("../../kategori/regulasi/tahun/2024/", "2024"),
        ("../../kategori/regulasi/jenis/peraturan-kpu/", "Peraturan KPU"),
        ("../../kategori/regulasi/", "Semua regulasi"),
    ]
    pages = sorted(
        p.relative_to(built.site.output / "kategori" / "regulasi").as_posix()
        for p in (built.site.output / "kategori" / "regulasi").rglob("*.html")
    )
    assert pages == [
        "index.html",
        "jenis/peraturan-kpu/index.html",
        "tahun/2024/index.html",
        "tahun/2025/index.html",
    ]
    year = built.html("kategori/regulasi/tahun/2024/index.html")
    assert "<h1>Regulasi tahun 2024</h1>" in year
    assert re.findall(r'<h2 class="kartu-judul"><a href="([^"]+)">', year) == [
        "../../../../regulasi/pkpu-2-2024/"
    ]
    jenis = built.html("kategori/regulasi/jenis/peraturan-kpu/index.html")
    assert "<h1>Regulasi: Peraturan KPU</h1>" in jenis
    assert re.findall(r'<h2 class="kartu-judul"><a href="([^"]+)">', jenis) == [
        "../../../../regulasi/pkpu-8-2025/",
        "../../../../regulasi/pkpu-2-2024/",
    ]
    assert built.site.hits(HELD) == []
    assert built.site.hits("Keputusan KPU") == []
    assert not (built.site.output / "kategori" / "regulasi" / "tahun" / "2023").exists()


def test_the_sealed_audit_accepts_exactly_the_browsing_pages(built: Built, tmp_path: Path) -> None:
    site, manifest = built.site, built.result.manifest
    sealed = sealed_for(site, manifest)
    output = tmp_path / "salinan"
    shutil.copytree(site.output, output)

    def audit() -> list[str]:
        found = audit_output(output, manifest, manifest["build_id"], False, sealed)
        return [f.render() for f in found]

    assert audit() == []
    for forged in (
        "kategori/regulasi/tahun/20x4/index.html",
        "kategori/regulasi/tahun/2024/lain.html",
        "kategori/regulasi/tahun/2024/index2.html",
        "kategori/regulasi/jenis/Keputusan_KPU/index.html",
        "kategori/regulasi/bulan/2024/index.html",
    ):
        (output / forged).parent.mkdir(parents=True, exist_ok=True)
        (output / forged).write_text(f"<p>{HELD}</p>")
        assert audit() == [f"{forged}: {UNACCOUNTED}"], forged
        (output / forged).unlink()


def test_bare_addresses_become_links_but_not_in_code_links_or_mail(built: Built) -> None:
    html = built.html("berita/tautan/index.html")
    body = html[html.index('<div class="isi') :]
    assert '<a href="https://cekdptonline.kpu.go.id">cekdptonline.kpu.go.id</a>.' in body
    assert (
        '<a href="https://jdih.kpu.go.id/data/x.pdf">https://jdih.kpu.go.id/data/x.pdf</a> (resmi)'
        in body
    )
    assert "<code>kpu.go.id</code>" in body
    assert '<a href="https://kpu.go.id">laman KPU</a>' in body
    assert "surel ppid@kpu.go.id." in body
    regulation = built.html("regulasi/pkpu-2-2024/index.html")
    assert '<a href="https://jdih.kpu.go.id">jdih.kpu.go.id</a>' in regulation


def _cache_build(site: Site, settings: Path, env: dict[str, str] | None = None) -> dict[str, bytes]:
    build_site(settings, site.output, {**os.environ, **(env or {})})
    return {p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.files()}


def test_an_announcement_ending_between_cached_builds_is_shown_ended(site: Site) -> None:
    site.article(
        "pengumuman/rapat.md",
        "Pengumuman Rapat Pleno",
        "Rapat pleno terbuka.",
        category="Pengumuman",
        slug="rapat",
        berlaku="2026-11-20 s.d. 2026-11-25",
    )
    site.approve_all("pengumuman/rapat.md")
    site.article("berita/satu.md", "Berita Satu", "Isi.", category="Berita", slug="satu")
    site.approve_all("berita/satu.md")
    cache = f"RENDER_CACHE_PATH = {str(site.root.parent / 'render')!r}\n"
    before = _cache_build(site, site.write_settings("a.py", extra=cache))
    assert "Sudah berakhir" not in before["pengumuman/rapat/index.html"].decode()
    later = "APPROVAL_GATE_NOW = '2026-11-27T10:00:00+07:00'\n"
    after = _cache_build(site, site.write_settings("b.py", extra=cache + later), VERIFY)
    page = after["pengumuman/rapat/index.html"].decode()
    assert "Berlaku 20–25 November 2026" in _text(page)
    assert '<strong class="berakhir">Sudah berakhir</strong>' in page
    assert "Sudah berakhir" in after["kategori/pengumuman/index.html"].decode()
    home = after["index.html"].decode()
    assert "Pengumuman Rapat Pleno" not in home
    plain = _cache_build(
        site, site.write_settings("c.py", extra="RENDER_CACHE_PATH = None\n" + later)
    )
    assert sorted(after) == sorted(plain)
    assert [name for name in after if after[name] != plain[name]] == []


def test_the_markdown_cache_keeps_the_links_and_is_keyed_on_the_extension(site: Site) -> None:
    from render_cache import readers

    site.article("berita/cek.md", "Cek", "Buka cekdptonline.kpu.go.id sekarang.", category="Berita")
    site.approve_all("berita/cek.md")
    folder = site.root.parent / "render"
    settings = site.write_settings("a.py", extra=f"RENDER_CACHE_PATH = {str(folder)!r}\n")
    first = _cache_build(site, settings)
    again = _cache_build(site, settings, VERIFY)
    assert first == again
    link = '<a href="https://cekdptonline.kpu.go.id">cekdptonline.kpu.go.id</a>'
    assert link in first["berita/cek/index.html"].decode()
    cache = MachineCache(folder, readers.NAMESPACE)
    contents = [
        json.loads(cache.get(p.name) or b"{}").get("content", "")
        for p in (folder / readers.NAMESPACE).rglob("*")
        if p.is_file()
    ]
    assert any(link in text for text in contents)
    # The key holds the extension's own code: an edit of linkify.py misses every entry.
    import site_theme.linkify as linkify

    assert readers._code("site_theme.linkify") == code_digest(Path(linkify.__file__))
    markdown = {"extension_configs": {"site_theme.linkify": {}}}
    real = readers.fingerprint(markdown, ["summary"], readers.CachingMarkdown)
    original = readers._code
    try:
        readers._code = lambda module: "lain"  # type: ignore[assignment]
        edited = readers.fingerprint(markdown, ["summary"], readers.CachingMarkdown)
    finally:
        readers._code = original
    assert edited != real
