"""Every index a reader can reach, feeds where readers look, and plain Indonesian wording.

Issue 13, part N. The sample is built once (``theme_sample``) and read as a crawler would:
every link of the menu and the footer must reach a page of its own (Pelican 4.12 has no
default ``ARCHIVES_SAVE_AS`` & co., so these links used to point at the home page), the
archive must lead to every year and month page, every feed must be linked from a page.
The audit tests show that the old root indexes are refused, sealed and local.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import feedparser
import pytest

from approval_gate import api
from publishing.audit import audit_output
from publishing.inventory import UNACCOUNTED
from publishkit import local_targets, publish_settings, run
from publishing.build import BuildFailed
from sitekit import Site
from test_audit_sealed import Sealed, _audit, _plant, built, built_once  # noqa: F401 (fixtures)
from themekit import Sample

#: Whole-site builds: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

BASE = "http://127.0.0.1:8000"
#: The index pages and where pelicanconf.py writes them.
INDEXES = {
    "arsip/index.html": "Arsip",
    "topik/index.html": "Topik",
    "kategori/index.html": "Jenis informasi",
    "penulis/index.html": "Penyusun",
    "umpan/index.html": "Ikuti lewat RSS",
}
#: Pelican's names when the settings are missing: never written any more, refused by the audit.
OLD_INDEXES = ("archives.html", "tags.html", "categories.html", "authors.html")
KINDS = {kind.category: kind.id for kind in api.KINDS if kind.category}


class _Links(HTMLParser):
    """Collects links per landmark: the menu, the footer's navigation, the head's feeds."""

    def __init__(self) -> None:
        super().__init__()
        self.where: list[str] = []
        self.links: dict[str, list[str]] = {"menu": [], "kaki": [], "head": [], "all": []}
        self.feeds: list[tuple[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "base":
            self.base = values.get("href")
        if tag == "nav":
            label = values.get("aria-label", "")
            self.where.append(
                {"Menu utama": "menu", "Tautan kaki halaman": "kaki"}.get(label, "lain")
            )
        if tag == "link" and values.get("rel") == "alternate" and values.get("type"):
            self.feeds.append((values["type"], values["href"]))
        if tag == "a" and values.get("href"):
            self.links["all"].append(values["href"])
            if self.where and self.where[-1] in self.links:
                self.links[self.where[-1]].append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.where:
            self.where.pop()


def _parse(output: Path, rel: str) -> _Links:
    parser = _Links()
    parser.feed((output / rel).read_text(encoding="utf-8"))
    return parser


def _file(output: Path, rel: str, url: str, base: str | None = None) -> str | None:
    """Return the output file (relative) a link on page ``rel`` reaches, None if elsewhere."""
    here = f"{BASE}/{rel}"
    absolute = urljoin(urljoin(here, base) if base else here, url)
    if not absolute.startswith(BASE + "/"):
        return None
    path = urlparse(absolute).path.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


#: A page of each template that shows the menu and the footer.
PAGES = [
    "index.html",
    "kategori/berita/index.html",
    "berita/rapat-pleno-dpt/index.html",
    "profil/index.html",
    "arsip/index.html",
    "arsip/2026/11/index.html",
    "topik/pantarlih/index.html",
    "cari/index.html",
    "umpan/index.html",
    "404.html",
]


def test_indexes_are_written_at_their_indonesian_addresses(theme_sample: Sample) -> None:
    output = theme_sample.output
    for rel, heading in INDEXES.items():
        text = (output / rel).read_text()
        assert f"<h1>{heading}</h1>" in text, rel
        canonical = rel.removesuffix("index.html")
        assert f'<link rel="canonical" href="{BASE}/{canonical}">' in text, rel
    for old in OLD_INDEXES:
        assert not (output / old).exists(), old


@pytest.mark.parametrize("rel", PAGES, ids=[p.split("/")[0] or "beranda" for p in PAGES])
def test_every_menu_and_footer_link_reaches_a_page_that_is_not_home(
    theme_sample: Sample, rel: str
) -> None:
    output = theme_sample.output
    parsed = _parse(output, rel)
    menu, footer = parsed.links["menu"], parsed.links["kaki"]
    assert len(menu) == len(KINDS) + 3 and len(footer) >= 9, (menu, footer)
    reached = set()
    for url in menu + footer:
        target = _file(output, rel, url, parsed.base)
        assert target is not None and target != "index.html", (rel, url)
        assert (output / target).is_file(), (rel, url)
        reached.add(target)
    assert set(INDEXES) <= reached  # all five indexes from every page's footer


def test_archive_links_every_year_and_month_page(theme_sample: Sample) -> None:
    output = theme_sample.output
    years = {p.relative_to(output).as_posix() for p in output.glob("arsip/[0-9]*/index.html")}
    months = {p.relative_to(output).as_posix() for p in output.glob("arsip/*/[0-9]*/index.html")}
    assert years == {"arsip/2026/index.html"}
    assert months == {"arsip/2026/10/index.html", "arsip/2026/11/index.html"}
    linked = {
        _file(output, "arsip/index.html", u)
        for u in _parse(output, "arsip/index.html").links["all"]
    }
    assert years | months <= linked
    text = (output / "arsip/index.html").read_text()
    assert '<a href="../arsip/2026/11/">November</a> <span class="jenis-kecil">(5)</span>' in text
    year = _parse(output, "arsip/2026/index.html").links["all"]
    assert months <= {_file(output, "arsip/2026/index.html", u) for u in year}
    month = (output / "arsip/2026/10/index.html").read_text()
    assert "<h1>Arsip Oktober 2026</h1>" in month
    assert (
        '<a href="../../../arsip/">Arsip</a></li><li><a href="../../../arsip/2026/">2026</a>'
        in month
    )


def test_topics_kinds_and_authors_indexes_lead_to_every_listing(theme_sample: Sample) -> None:
    output = theme_sample.output
    for index, folder in (("topik", "topik"), ("kategori", "kategori"), ("penulis", "penulis")):
        rel = f"{index}/index.html"
        listings = {p.relative_to(output).as_posix() for p in output.glob(f"{folder}/*/index.html")}
        assert listings, folder
        linked = {_file(output, rel, u) for u in _parse(output, rel).links["all"]}
        assert listings <= linked, folder


def test_every_feed_is_linked_and_rss_is_offered_where_readers_look(
    theme_sample: Sample,
) -> None:
    output = theme_sample.output
    feeds = {p.relative_to(output).as_posix() for p in (output / "feeds").glob("*.xml")}
    assert {f"feeds/kategori-{slug}.rss.xml" for slug in KINDS.values()} <= feeds
    page = "umpan/index.html"
    linked = {_file(output, page, u) for u in _parse(output, page).links["all"]}
    assert feeds <= linked  # every Atom and RSS feed, on the page the footer's "RSS" opens
    for rel in PAGES:
        head = _parse(output, rel).feeds
        assert ("application/rss+xml", _rel_link(rel, "feeds/semua.rss.xml")) in head, rel
    kind = "kategori/pengumuman/index.html"
    text = (output / kind).read_text()
    assert (
        '<a href="../../feeds/kategori-pengumuman.rss.xml" type="application/rss+xml">'
        "Ikuti lewat RSS</a>"
    ) in text
    assert ("application/rss+xml", "../../feeds/kategori-pengumuman.rss.xml") in _parse(
        output, kind
    ).feeds
    author = next(output.glob("penulis/*/index.html")).relative_to(output).as_posix()
    assert "Ikuti lewat RSS</a>" in (output / author).read_text()


def _rel_link(rel: str, target: str) -> str:
    """Return how a page at ``rel`` writes a relative link to ``target`` (RELATIVE_URLS)."""
    return ("../" * rel.count("/") or "./") + target


def test_rss_feeds_parse_as_rss(theme_sample: Sample) -> None:
    feeds = sorted((theme_sample.output / "feeds").glob("*.rss.xml"))
    assert len(feeds) >= 1 + len(KINDS)
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert parsed.version == "rss20" and not parsed.bozo, feed.name
        for entry in parsed.entries:
            assert entry.link.startswith(BASE + "/"), entry.link


def test_search_page_without_javascript_offers_working_browse_links(
    theme_sample: Sample,
) -> None:
    output = theme_sample.output
    rel = "cari/index.html"
    text = (output / rel).read_text()
    noscript = text[text.index("<noscript>") : text.index("</noscript>")]
    for label, target in (("jenis", "kategori"), ("topik", "topik"), ("arsip", "arsip")):
        assert f'<a href="../{target}/">{label}</a>' in noscript
    browse = text[text.index('id="jelajah-judul"') :]
    linked = {_file(output, rel, u) for u in re.findall(r'href="([^"]+)"', browse)}
    assert {f"kategori/{slug}/index.html" for slug in KINDS.values()} <= linked
    assert {"kategori/index.html", "topik/index.html", "arsip/index.html"} <= linked
    assert all((output / target).is_file() for target in linked if target)


def test_the_menu_folds_behind_a_menu_button_without_script(theme_sample: Sample) -> None:
    text = (theme_sample.output / "index.html").read_text()
    header = text[text.index('<header class="kepala">') : text.index("</header>")]
    assert '<details class="menu-lipat">\n  <summary class="menu-tombol">Menu</summary>' in header
    assert header.index("<summary") < header.index('aria-label="Menu utama"')
    assert not re.search(r"<script(?! type=\"application/ld\+json\")", text)  # JSON-LD: data


def test_wording_counts_writings_says_rss_and_names_the_site_once(theme_sample: Sample) -> None:
    output = theme_sample.output
    for page in output.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        text = page.read_text()
        rel = page.relative_to(output).as_posix()
        assert not re.search(r"\b\d+ isi\b", text), rel
        assert "umpan Atom" not in text and "Umpan Atom" not in text, rel
        assert "Isi ini terbit" not in text, rel
        header = text[text.index('<header class="kepala">') : text.index("</header>")]
        assert 'alt="KPU Kabupaten Rembang"' in header, rel  # the logo spells the name
        assert "merek-nama" not in header, rel  # ... so it is not written again
    home = (output / "index.html").read_text()
    assert '<a href="./kategori/berita/">Berita</a> <span>1 tulisan</span>' in home
    kind = (output / "kategori/berita/index.html").read_text()
    assert '<p class="keterangan">1 tulisan, terbaru lebih dulu.' in kind
    item = (output / "berita/rapat-pleno-dpt/index.html").read_text()
    assert "Halaman ini diterbitkan setelah disetujui secara berurutan oleh 4 pejabat" in item
    assert "Setiap tulisan dan halaman di situs ini diterbitkan hanya setelah disetujui" in item


def test_logo_shows_name_must_be_true_or_false(site: Site) -> None:
    site.article("berita/a.md", "A", "Isi.")
    site.approve_all("berita/a.md")
    with pytest.raises(BuildFailed) as caught:
        site.build(site.write_settings("tema-salah.py", extra="SITE_LOGO_SHOWS_NAME = 'ya'\n"))
    assert caught.value.message.startswith(
        "tema-salah.py: Nilai pengaturan 'SITE_LOGO_SHOWS_NAME': diharapkan True bila gambar "
        "logo sudah memuat nama situs (nama tidak ditulis lagi), atau False, tetapi diterima 'ya'"
    )


@pytest.mark.parametrize("old", OLD_INDEXES)
def test_old_root_indexes_are_refused_by_the_sealed_and_the_local_audit(
    built: tuple[Sealed, dict, Path],  # noqa: F811 (the fixture imported above)
    old: str,
) -> None:
    sealed, manifest, output = built
    for rel in INDEXES:
        assert (output / rel).is_file(), rel
    assert _audit(manifest, output, sealed) == []  # the new indexes are accounted for
    _plant(output, old, b"<p>Arsip palsu</p>")
    assert _audit(manifest, output, sealed) == [f"{old}: {UNACCOUNTED}"]
    local = audit_output(output, manifest, manifest["build_id"], False)
    assert [f.render() for f in local] == [f"{old}: halaman ini bukan milik item yang disetujui"]


def test_a_sealed_publish_carries_the_indexes_at_their_new_addresses(
    site: Site, tmp_path: Path
) -> None:
    site.article("berita/rapat.md", "Rapat Pleno", "Isi rapat.", slug="rapat", tags="pemilu")
    site.approve_all("berita/rapat.md")
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    live = tmp_path / "web" / "current"
    for rel, heading in INDEXES.items():
        assert f"<h1>{heading}</h1>" in (live / rel).read_text(), rel
    for old in OLD_INDEXES:
        assert not (live / old).exists(), old
    # a category outside SITE_KINDS ("berita", from the folder) is still listed and followed
    assert "feeds/kategori-berita.rss.xml" in (live / "umpan/index.html").read_text()
    assert '<a href="../kategori/berita/">berita</a>' in (live / "kategori/index.html").read_text()
