"""The public site as a reader in Rembang gets it: Indonesian, navigable, valid, no leaks.

Every test reads the real sample site, built once with the project's settings and
theme (``theme_sample`` in conftest.py), the way a reader or a crawler would.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import feedparser
import pytest
import xmlschema

from approval_gate import api
from test_sample_site import EXCLUDED
from themekit import Sample

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

SCHEMAS = Path(__file__).parent / "data"
#: Category -> its slug on the site, for every SOP kind (the ids are the slugs).
KINDS = {kind.category: kind.id for kind in api.KINDS if kind.category}
BASE = "http://127.0.0.1:8000"  # FEED_DOMAIN of pelicanconf.py: absolute URLs start here


class _Links(HTMLParser):
    """Collects every URL a page points at, its ids and its <base href>."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.base: str | None = None
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "base":
            self.base = values.get("href")
        if tag == "script":
            self.scripts.append(values)
        for name in ("href", "src"):
            if values.get(name) and not (tag == "meta"):
                self.urls.append(str(values[name]))
        if tag == "meta" and values.get("property") in ("og:url", "og:image"):
            self.urls.append(str(values.get("content")))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html") if "pagefind" not in p.parts)


def _target(output: Path, page: Path, url: str, base: str | None) -> tuple[Path, str] | None:
    """Return the file a URL on ``page`` reaches and its fragment, or None if external."""
    here = f"{BASE}/{page.relative_to(output).as_posix()}"
    absolute = urljoin(urljoin(here, base) if base else here, url)
    if not absolute.startswith(BASE + "/"):
        return None
    parsed = urlparse(absolute)
    path = parsed.path.lstrip("/")
    if path.endswith("/") or not path:
        path += "index.html"
    return output / path, parsed.fragment


def test_every_page_is_in_indonesian_and_sealed_by_the_gate(theme_sample: Sample) -> None:
    for page in _pages(theme_sample.output):
        text = page.read_text()
        assert text.startswith('<!DOCTYPE html>\n<html lang="id">'), page
        assert "Langsung ke isi utama" in text, page


def test_english_translation_is_marked_as_english_inside_the_indonesian_page(
    theme_sample: Sample,
) -> None:
    text = theme_sample.html("artikel/mengenal-tahapan-pilkada/en.html")
    assert '<article class="item" lang="en" data-pagefind-body>' in text
    assert 'hreflang="id"' in text
    original = theme_sample.html("artikel/mengenal-tahapan-pilkada/")
    assert 'hreflang="en" lang="en">English</a>' in original


@pytest.mark.parametrize(
    ("page", "date"),
    [
        ("berita/rapat-pleno-dpt/", "10 November 2026"),
        ("regulasi/pkpu-2-2024-tahapan/", "15 Oktober 2026"),
        ("bahan-sosialisasi/ayo-cek-dpt/", "20 Oktober 2026"),
    ],
    ids=["november", "oktober-regulasi", "oktober-bahan"],
)
def test_dates_are_written_the_indonesian_way(theme_sample: Sample, page: str, date: str) -> None:
    text = theme_sample.html(page)
    assert f">{date}</time>" in text
    assert "October" not in text and "2026-10-" not in re.sub(r'"[^"]*"', "", text)


def test_sign_off_times_are_shown_with_roles_in_sop_order(theme_sample: Sample) -> None:
    text = theme_sample.html("berita/rapat-pleno-dpt/")
    section = text[text.index('id="persetujuan"') :]
    roles = re.findall(r'<span class="peran">([^<]+)</span>', section)
    assert roles == [
        "Web Admin",
        "Kasubbag Tekmas",
        "Sekretaris",
        "Komisioner Divisi Sosdiklih, Parmas dan SDM",
    ]
    assert "10 November 2026 pukul 15.30 WIB" in section
    assert "Andi" not in section  # names only with SITE_PROVENANCE = "peran-nama-dan-tanggal"


def test_menu_offers_every_sop_kind_and_the_service_pages(theme_sample: Sample) -> None:
    home = theme_sample.html("")
    menu = home[
        home.index('aria-label="Menu utama"') : home.index(
            "</nav>", home.index('aria-label="Menu utama"')
        )
    ]
    labels = re.findall(r">([^<>]+)</a>", menu)
    assert labels == [*KINDS, "Profil", "Informasi Publik (PPID)", "Kontak"]
    for slug in KINDS.values():
        assert f'href="./kategori/{slug}/"' in menu


def test_home_puts_current_announcements_before_the_latest_items(theme_sample: Sample) -> None:
    home = theme_sample.html("")
    current = home.index("Pengumuman terkini")
    latest = home.index(">Terbaru<")
    assert current < latest
    box = home[current:latest]
    assert "pengumuman/pendaftaran-pantarlih/" in box
    assert "Berlaku 15–30 November 2026" in box  # site_theme/notices.py
    cards = re.findall(r'<h3 class="kartu-judul"><a href="\./([^"]+)"', home[latest:])
    assert cards[0] == "pengumuman/pendaftaran-pantarlih/"  # newest first
    assert len(cards) == 8  # every approved Indonesian article (fewer than a page of 10)


def test_regulasi_offers_its_pdf_with_format_and_size_beside_the_summary(
    theme_sample: Sample,
) -> None:
    text = theme_sample.html("regulasi/pkpu-2-2024-tahapan/")
    aside = text[text.index('<aside class="dokumen"') : text.index("</aside>")]
    assert re.search(
        r'<a href="([^"]+pkpu-2-2024-tahapan\.pdf)" download>Unduh ringkasan '
        r'PKPU Nomor 2 Tahun 2024</a> <span class="berkas">PDF, 4,1 KB</span>',
        aside,
    )
    assert text.index("<aside") < text.index('<div class="isi">')


def test_data_item_offers_its_csv(theme_sample: Sample) -> None:
    text = theme_sample.html("data/rekapitulasi-dpt/")
    assert '<span class="berkas">CSV, 537 B</span>' in text
    assert 'class="tabel-gulir" role="region" tabindex="0"' in text


def test_gallery_images_have_their_size_and_load_lazily(theme_sample: Sample) -> None:
    text = theme_sample.html("dokumentasi/sosialisasi-pemilih-pemula/")
    gallery = text[text.index('<div class="galeri">') :]
    # thumbnails: a <picture> of the variants, linked to the largest (tests/test_theme_images.py)
    images = re.findall(r'<figure><a class="galeri-foto" [^>]+><picture>.*?<img ([^>]+)>', gallery)
    assert len(images) == 3
    for number, attrs in enumerate(images):
        assert 'width="800" height="533"' in attrs and 'alt="' in attrs and "srcset=" in attrs
        assert ('loading="lazy"' in attrs) == (number > 0)


def test_pages_need_no_script_and_load_nothing_from_elsewhere(theme_sample: Sample) -> None:
    for page in _pages(theme_sample.output):
        parsed = _parse(page)
        name = page.relative_to(theme_sample.output).as_posix()
        # JSON-LD (application/ld+json) is a data block: browsers never run it.
        data = [s for s in parsed.scripts if s.get("type") == "application/ld+json"]
        runs = [s for s in parsed.scripts if s not in data]
        assert not any(s.get("src") for s in data), name
        if name == "cari/index.html":
            assert [s.get("src") for s in runs] == ["../theme/js/cari.js"]
        elif name == "persetujuan/periksa/index.html":  # "Periksa keaslian", on demand only
            assert runs == [{"type": "module", "src": "../../theme/js/keaslian.js"}]
        else:
            assert runs == [], name
        text = page.read_text()
        assert "@font-face" not in text and "@import" not in text, name
        for resource in re.findall(
            r'<(?:link rel="(?:stylesheet|icon)"|img|script)[^>]*'
            r'(?:href|src)="([^"]+)"',
            text,
        ):
            assert not urlparse(resource).netloc, (name, resource)


def test_no_internal_link_is_broken(theme_sample: Sample) -> None:
    output = theme_sample.output
    broken = []
    for page in _pages(output):
        parsed = _parse(page)
        for url in parsed.urls:
            target = _target(output, page, url, parsed.base)
            if target is None:
                continue
            file, fragment = target
            if not file.is_file():
                broken.append(f"{page.relative_to(output)} -> {url}")
            elif fragment and file.suffix == ".html" and fragment not in _parse(file).ids:
                broken.append(f"{page.relative_to(output)} -> {url} (no #{fragment})")
    assert broken == []


def test_every_feed_parses_as_atom_and_each_kind_has_one(theme_sample: Sample) -> None:
    feeds = sorted((theme_sample.output / "feeds").glob("*.atom.xml"))
    assert {f"kategori-{slug}.atom.xml" for slug in KINDS.values()} <= {f.name for f in feeds}
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert parsed.version == "atom10" and not parsed.bozo, feed.name
        assert parsed.feed.get("id") and parsed.feed.get("updated"), feed.name
        for entry in parsed.entries:
            assert entry.get("id") and entry.get("title") and entry.get("updated")
            assert entry.link.startswith(BASE + "/"), entry.link


def test_sitemap_validates_against_the_sitemaps_schema(theme_sample: Sample) -> None:
    schema = xmlschema.XMLSchema(
        str(SCHEMAS / "sitemap-0.9.xsd"),
        locations=[("http://www.w3.org/1999/xhtml", str(SCHEMAS / "xhtml-link.xsd"))],
    )
    sitemap = theme_sample.output / "sitemap.xml"
    schema.validate(str(sitemap))
    text = sitemap.read_text()
    assert f"<loc>{BASE}/regulasi/pkpu-2-2024-tahapan/</loc>" in text
    for hidden in ("404.html", "robots.txt", "/cari/"):
        assert hidden not in text


def test_robots_txt_allows_crawling_and_names_the_sitemap(theme_sample: Sample) -> None:
    text = (theme_sample.output / "robots.txt").read_text()
    assert "User-agent: *\nAllow: /\n" in text
    assert f"Sitemap: {BASE}/sitemap.xml" in text


def test_article_has_open_graph_and_canonical_url(theme_sample: Sample) -> None:
    text = theme_sample.html("dokumentasi/sosialisasi-pemilih-pemula/")
    url = f"{BASE}/dokumentasi/sosialisasi-pemilih-pemula/"
    assert f'<link rel="canonical" href="{url}">' in text
    assert f'<meta property="og:url" content="{url}">' in text
    assert '<meta property="og:type" content="article">' in text
    assert '<meta property="og:title" content="Galeri Foto Sosialisasi Pemilih Pemula' in text
    assert re.search(
        r'<meta property="og:image" content="http://127\.0\.0\.1:8000/'
        r'[^"]+sosialisasi-pemula-1(?:\.[0-9]+w)?\.jpg">',  # or its variant (test_theme_share)
        text,
    )
    assert '<meta property="og:locale" content="id_ID">' in text


def test_not_found_page_helps_the_reader_on(theme_sample: Sample) -> None:
    text = theme_sample.html("404.html")
    assert "<h1>Halaman tidak ditemukan</h1>" in text
    assert '<base href="/">' in text  # served at any address: links start at the root
    assert 'action="./cari/"' in text and 'href="./kategori/berita/"' in text


def test_print_style_sheet_is_linked_and_drops_the_menus(theme_sample: Sample) -> None:
    text = theme_sample.html("berita/rapat-pleno-dpt/")
    assert '<link rel="stylesheet" href="../../theme/css/cetak.css" media="print">' in text
    css = (theme_sample.output / "theme" / "css" / "cetak.css").read_text()
    assert ".menu" in css and "display:none" in css


@pytest.mark.parametrize("item", sorted(EXCLUDED), ids=lambda i: i.split("/")[1][11:])
def test_search_index_and_provenance_record_hold_no_excluded_item(
    theme_sample: Sample, item: str
) -> None:
    _, marker, slug = EXCLUDED[item]
    for record in theme_sample.search_records():
        assert marker not in record["content"] and slug not in record["url"]
    record = theme_sample.record_text()
    assert item not in record and marker not in record and f"/{slug}/" not in record
