"""Sharing and search engines: share image, share links, JSON-LD and feed language.

The shipped sample is built once and read as WhatsApp, Facebook, X and a search engine
read it: every page's ``og:image`` must be a file of the output, an item with pictures
shares its first one, the share links are exact plain links, the JSON-LD parses with the
required properties and names only pages that exist, and every feed says its language.
A small site of its own shows that a title holding ``</script>`` cannot leave its script
element, and that a sealed publish accounts for the share image byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

import feedparser
import pytest
from PIL import Image

from publishing.audit import audit_output
from publishkit import local_targets, publish_settings, run, sealed_for
from site_theme import sharing, structured
from sitekit import REPO, Site
from themekit import CHROMIUM, CHROMIUM_ARGS, Sample, build_sample, serve

BASE = "http://127.0.0.1:8000"  # pelicanconf.py's FEED_DOMAIN (canonical and share URLs)
SHARE_SOURCE = REPO / "theme" / "static" / "img" / "bagikan.png"
GALLERY = "dokumentasi/sosialisasi-pemilih-pemula/"


@dataclass
class Page:
    """What a crawler reads of one page."""

    meta: dict[str, str] = field(default_factory=dict)
    jsonld: list[str] = field(default_factory=list)  # raw text of each ld+json element
    share: list[dict[str, Any]] = field(default_factory=list)  # a's in section.bagikan
    share_extra: list[str] = field(default_factory=list)  # any other tag inside the section
    first_img: dict[str, str] | None = None  # the first <img> inside the article body
    h1: str = ""
    scripts: int = 0


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._script: list[str] | None = None
        self._share = 0  # inside section.bagikan
        self._link: dict[str, Any] | None = None
        self._body = False
        self._h1: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.page.meta.setdefault(a.get("property") or a["name"], a.get("content", ""))
        if tag == "script":
            self.page.scripts += 1
            if a.get("type") == "application/ld+json":
                self._script = []
        if tag == "section" and "bagikan" in a.get("class", "").split():
            self._share = 1
        elif self._share:
            if tag == "a":
                self._link = {**a, "text": ""}
            elif tag not in ("li", "span", "ul", "h2"):
                self.page.share_extra.append(tag)
        if tag == "div" and "isi" in a.get("class", "").split():
            self._body = True
        if tag == "img" and self._body and self.page.first_img is None:
            self.page.first_img = a
        if tag == "h1":
            self._h1 = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.page.jsonld.append("".join(self._script))
            self._script = None
        if tag == "a" and self._link is not None:
            self.page.share.append(self._link)
            self._link = None
        if tag == "section" and self._share:
            self._share = 0
        if tag == "h1" and self._h1 is not None:
            self.page.h1, self._h1 = "".join(self._h1).strip(), None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        if self._link is not None:
            self._link["text"] += data
        if self._h1 is not None:
            self._h1.append(data)


def read(path: Path) -> Page:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.page


def objects(page: Page) -> dict[str, dict[str, Any]]:
    """Return the page's JSON-LD objects by their @type (each must parse on its own)."""
    found = [json.loads(text) for text in page.jsonld]
    return {obj["@type"]: obj for obj in found}


def output_file(output: Path, url: str) -> Path:
    """Return the output file an absolute site URL points at (``/x/`` is ``x/index.html``)."""
    assert url.startswith(BASE + "/"), url
    path = unquote(urlparse(url).path).lstrip("/")
    return output / (path + "index.html" if path.endswith("/") or not path else path)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return build_sample(tmp_path_factory.mktemp("bagikan"))


def _pages(sample: Sample) -> list[Path]:
    return sorted(
        p
        for p in sample.output.rglob("*.html")
        if not p.relative_to(sample.output).parts[0] == "pagefind"
    )


def test_the_default_share_image_is_a_1200_by_630_png_copied_as_it_is(sample: Sample) -> None:
    published = sample.output / "theme" / "img" / "bagikan.png"
    assert published.read_bytes() == SHARE_SOURCE.read_bytes()
    with Image.open(published) as image:
        assert (image.format, image.size) == ("PNG", (1200, 630))
    assert len(published.read_bytes()) < 100_000  # small enough for a phone's preview


def test_every_page_names_a_share_image_that_exists_with_its_size(sample: Sample) -> None:
    pages = _pages(sample)
    assert len(pages) >= 50
    for path in pages:
        meta = read(path).meta
        where = path.relative_to(sample.output).as_posix()
        image = output_file(sample.output, meta["og:image"])
        assert image.is_file(), where
        with Image.open(image) as opened:
            size = opened.size
        assert (int(meta["og:image:width"]), int(meta["og:image:height"])) == size, where
        assert meta["og:image:alt"].strip(), where
        assert meta["twitter:card"] == "summary_large_image", where
    home = read(sample.output / "index.html").meta
    assert home["og:image"] == f"{BASE}/theme/img/bagikan.png"
    assert home["og:image:alt"] == "Logo dan nama Komisi Pemilihan Umum Kabupaten Rembang"


def test_an_item_with_pictures_shares_its_first_one(sample: Sample) -> None:
    page = read(sample.output / GALLERY / "index.html")
    first = page.first_img
    assert first is not None
    shown = (output_file(sample.output, f"{BASE}/{GALLERY}").parent / first["src"]).resolve()
    assert shown.name.startswith("sosialisasi-pemula-1.")  # the image or one of its variants
    # the image itself, or (with image variants, images.py) its JPEG nearest 1200 px
    shared = re.escape(f"{BASE}/dokumentasi/sosialisasi-pemula-1") + r"(?:\.[0-9]+w)?\.jpg"
    assert re.fullmatch(shared, page.meta["og:image"])
    assert page.meta["og:image:alt"] == first["alt"] and first["alt"]
    assert page.meta["og:image:type"] == "image/jpeg"
    article = objects(page)["Article"]
    assert article["image"] == [page.meta["og:image"]]
    # an item without a picture shares the default image
    assert (
        read(sample.output / "berita/rapat-pleno-dpt/index.html")
        .meta["og:image"]
        .endswith("/theme/img/bagikan.png")
    )


def test_share_links_are_exact_plain_links_with_indonesian_names(sample: Sample) -> None:
    page = read(sample.output / "berita/rapat-pleno-dpt/index.html")
    url = f"{BASE}/berita/rapat-pleno-dpt/"
    title = page.h1
    assert title.startswith("KPU Kabupaten Rembang Gelar Rapat Pleno")
    expected = [
        ("Bagikan ke WhatsApp", "https://wa.me/?text=" + quote(f"{title} {url}", safe="")),
        (
            "Bagikan ke Facebook",
            "https://www.facebook.com/sharer/sharer.php?u=" + quote(url, safe=""),
        ),
        (
            "Bagikan ke X",
            "https://twitter.com/intent/tweet?url="
            + quote(url, safe="")
            + "&text="
            + quote(title, safe=""),
        ),
    ]
    assert [(a["text"], a["href"]) for a in page.share] == expected
    assert "%20" in expected[0][1] and " " not in "".join(h for _, h in expected)
    assert all(a["rel"] == "noopener" and a["target"] == "_blank" for a in page.share)
    assert page.share_extra == []  # no script, image or frame among the links
    # every item page has them, pages too; listings and the home page do not
    for item in sample.manifest["included"]:
        assert len(read(sample.output / item["save_as"]).share) == 3, item["save_as"]
    assert read(sample.output / "index.html").share == []
    assert read(sample.output / "kategori/berita/index.html").share == []


def test_share_links_wrap_within_a_320_px_screen(sample: Sample) -> None:
    css = (REPO / "theme" / "styles" / "situs.css").read_text()
    block = css[css.index("/* --- S: share links") :]
    assert ".bagikan ul{" in block and "flex-wrap:wrap" in block
    assert "min-height:44px" in block  # a thumb can hit each link


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 390])
def test_share_links_fit_a_small_phone_without_script(sample: Sample, width: int) -> None:
    from playwright.sync_api import sync_playwright

    shots = REPO / "test-artefacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with serve(sample.output) as base, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": width, "height": 640}, java_script_enabled=False
            )
            tab = context.new_page()
            tab.goto(f"{base}/berita/rapat-pleno-dpt/")
            section = tab.locator("section.bagikan")
            section.scroll_into_view_if_needed()
            for name in ("WhatsApp", "Facebook", "X"):
                link = tab.get_by_role("link", name=f"Bagikan ke {name}", exact=True)
                box = link.bounding_box()
                assert box is not None and box["height"] >= 44, name
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
            whole = section.bounding_box()
            assert whole is not None and whole["x"] + whole["width"] <= width
            section.screenshot(path=str(shots / f"bagikan-tautan-{width}.png"))
        finally:
            browser.close()


def _check_trail(sample: Sample, trail: dict[str, Any], last: str) -> None:
    steps = trail["itemListElement"]
    assert [s["position"] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[0] == {"@type": "ListItem", "position": 1, "name": "Beranda", "item": f"{BASE}/"}
    assert steps[-1]["item"] == f"{BASE}/{last}"
    for step in steps:
        assert output_file(sample.output, step["item"]).is_file(), step


def test_the_home_page_describes_the_organisation(sample: Sample) -> None:
    found = objects(read(sample.output / "index.html"))
    org = found["GovernmentOrganization"]
    assert org["@context"] == "https://schema.org"
    assert org["name"] == "Komisi Pemilihan Umum Kabupaten Rembang"
    assert org["url"] == f"{BASE}/"
    assert output_file(sample.output, org["logo"]).is_file()
    assert org["address"]["streetAddress"].startswith("Jl. Pemuda Barat No. 18")
    assert found["WebSite"]["inLanguage"] == "id"
    assert found["WebSite"]["potentialAction"]["target"] == f"{BASE}/cari/?q={{search_term_string}}"


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("berita/rapat-pleno-dpt/", "NewsArticle"),
        ("liputan-kegiatan/bimtek-ppk/", "NewsArticle"),
        ("artikel/mengenal-tahapan-pilkada/", "Article"),
        ("regulasi/pkpu-2-2024-tahapan/", "Article"),
    ],
)
def test_items_are_news_or_articles_with_the_required_properties(
    sample: Sample, page: str, kind: str
) -> None:
    html = read(sample.output / page / "index.html")
    found = objects(html)
    item = found[kind]
    assert item["headline"] == html.h1
    assert item["inLanguage"] == "id"
    assert item["datePublished"] == html.meta["article:published_time"]
    assert item["dateModified"] >= item["datePublished"]
    assert item["mainEntityOfPage"] == {"@type": "WebPage", "@id": f"{BASE}/{page}"}
    assert item["publisher"]["name"] == "Komisi Pemilihan Umum Kabupaten Rembang"
    assert output_file(sample.output, item["publisher"]["logo"]["url"]).is_file()
    assert item["author"] and all("name" in a or "@id" in a for a in item["author"])
    assert all(output_file(sample.output, url).is_file() for url in item["image"])
    _check_trail(sample, found["BreadcrumbList"], page)
    assert len(found["BreadcrumbList"]["itemListElement"]) == 3


def test_a_translation_declares_its_own_language(sample: Sample) -> None:
    found = objects(read(sample.output / "artikel/mengenal-tahapan-pilkada/en.html"))
    assert found["Article"]["inLanguage"] == "en"


@pytest.mark.parametrize(
    "page", ["kategori/berita/", "topik/dpt/", "penulis/tim-teknis-dan-hupmas/", "profil/"]
)
def test_listings_and_pages_carry_their_breadcrumb_trail(sample: Sample, page: str) -> None:
    found = objects(read(sample.output / page / "index.html"))
    _check_trail(sample, found["BreadcrumbList"], page)
    assert len(found["BreadcrumbList"]["itemListElement"]) == 2


def test_structured_data_names_only_published_pages(sample: Sample) -> None:
    excluded = [e["item"] for e in sample.manifest["excluded"]]
    titles = []
    for item in excluded:
        head = (REPO / "content" / item).read_text(encoding="utf-8").splitlines()[0]
        titles.append(head.removeprefix("Title:").strip())
    assert len(titles) == len(excluded) >= 5

    def urls(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [u for v in value.values() for u in urls(v)]
        if isinstance(value, list):
            return [u for v in value for u in urls(v)]
        return [value] if isinstance(value, str) and value.startswith(BASE + "/") else []

    seen = 0
    for path in _pages(sample):
        for text in read(path).jsonld:
            data = json.loads(text)
            for url in urls(data):
                if "{search_term_string}" not in url:
                    assert output_file(sample.output, url).is_file(), (path, url)
            assert not any(title in text for title in titles), path
            seen += 1
    assert seen >= 50


def test_every_feed_declares_its_language_and_parses(sample: Sample) -> None:
    feeds = sorted((sample.output / "feeds").glob("*.xml"))
    assert any(f.name.endswith(".rss.xml") for f in feeds) and len(feeds) > 5
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed.name, parsed.get("bozo_exception"))
        expected = "en" if feed.name == "semua-en.atom.xml" else "id"
        assert parsed.feed.get("language") == expected, feed.name
        text = feed.read_text()
        if feed.name.endswith(".rss.xml"):
            assert f"<language>{expected}</language>" in text
        else:
            assert f'<feed xml:lang="{expected}"' in text


def test_json_ld_escapes_what_could_close_the_script_element() -> None:
    title = 'A </script><script>alert(1)</script> <!-- & "B"'
    text = str(structured.script({"headline": title}))
    assert text.startswith('<script type="application/ld+json">')
    assert text.count("</script>") == 1 and text.endswith("</script>\n")
    inner = text.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert not {"<", ">", "&"} & set(inner)  # "</script>" and "<!--" cannot occur
    assert json.loads(inner) == {"headline": title}


#: A title is HTML in Pelican: this is how a title reading "</script>..." is written.
TRICKY_SOURCE = "Rapat &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!-- DPT"
TRICKY = "Rapat </script><script>alert(1)</script> & <!-- DPT"


@pytest.mark.slow
def test_a_title_with_a_script_end_tag_stays_data_in_a_real_build(site: Site) -> None:
    site.article("berita/rapat.md", TRICKY_SOURCE, "Isi.", category="Berita", slug="rapat")
    site.approve_all("berita/rapat.md")
    site.build()
    page = read(site.output / "berita/rapat/index.html")
    found = objects(page)
    assert found["NewsArticle"]["headline"] == TRICKY
    assert found["BreadcrumbList"]["itemListElement"][-1]["name"] == TRICKY
    assert page.scripts == len(page.jsonld) == 2  # nothing else became a script element
    assert page.h1 == TRICKY
    text = (site.output / "berita/rapat/index.html").read_text()
    assert "<script>alert(1)" not in text and TRICKY_SOURCE in text  # title and h1 escaped
    # A browser ends script data at the first "</script": each element must hold all its JSON.
    raw = re.findall(r'<script type="application/ld\+json">(.*?)</script', text, re.S)
    assert [json.loads(r)["@type"] for r in raw] == ["NewsArticle", "BreadcrumbList"]
    assert not any("<" in r for r in raw)
    assert page.share[0]["href"] == "https://wa.me/?text=" + quote(
        f"{TRICKY} {BASE}/berita/rapat/", safe=""
    )
    parsed = feedparser.parse((site.output / "feeds/semua.atom.xml").read_bytes())
    assert not parsed.bozo and parsed.feed.language == "id"


@pytest.mark.slow
def test_a_sealed_publish_accounts_for_the_share_image_byte_for_byte(
    site: Site, tmp_path: Path
) -> None:
    site.article("berita/rapat.md", "Rapat Pleno", "Isi rapat.", category="Berita", slug="rapat")
    site.approve_all("berita/rapat.md")
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    live = tmp_path / "web" / "current"
    assert (live / "theme/img/bagikan.png").read_bytes() == SHARE_SOURCE.read_bytes()
    assert (
        objects(read(live / "berita/rapat/index.html"))["NewsArticle"]["headline"] == "Rapat Pleno"
    )

    # The same inventory refuses a share image that is not the signed theme file.
    output = tmp_path / "salinan"
    result = site.build()
    shutil.copytree(result.output, output)
    manifest = result.manifest
    sealed = sealed_for(site, manifest, site.root / "theme")

    def audit() -> list[str]:
        findings = audit_output(output, manifest, manifest["build_id"], False, sealed)
        return [f.render() for f in findings]

    assert audit() == []
    image = output / "theme/img/bagikan.png"
    forged = image.read_bytes()
    image.write_bytes(forged[:-1] + bytes([forged[-1] ^ 1]))
    assert audit() == [
        "theme/img/bagikan.png: isi berkas ini tidak sama dengan perabot bertanda tangan "
        "'theme/static/img/bagikan.png'"
    ]
    image.write_bytes(forged)
    (output / "theme/img/bagikan-lain.png").write_bytes(forged)
    [finding] = audit()
    assert finding.startswith("theme/img/bagikan-lain.png: ")


def test_the_organisation_names_its_contact_only_when_the_settings_have_one() -> None:
    site = structured.Site(
        base=BASE,
        name="KPU Kabupaten Rembang",
        organisation="Komisi Pemilihan Umum Kabupaten Rembang",
        language="id",
        logo=None,
        address=None,
        contact=None,
        image=None,
    )
    assert "contactPoint" not in structured.organisation(site)
    contact = {
        "email": "sekretariat@contoh.go.id",
        "ppid_email": "ppid@contoh.go.id",
        "phone": "(0295) 691234",
        "phone_href": "tel:+62295691234",
        "map_url": "https://maps.google.com/?q=KPU",
    }
    found = structured.organisation(dataclasses.replace(site, contact=contact))
    assert found["contactPoint"] == {
        "@type": "ContactPoint",
        "contactType": "layanan informasi publik",
        "email": "ppid@contoh.go.id",
        "telephone": "+62295691234",
        "availableLanguage": "id",
    }
    assert found["hasMap"] == "https://maps.google.com/?q=KPU"


def test_with_image_variants_the_fallback_nearest_1200_px_is_shared() -> None:
    from types import SimpleNamespace as Ns

    def variant(width: int, mime: str) -> Ns:
        ext = "webp" if mime == "image/webp" else "jpg"
        return Ns(save_as=f"b/f.{width}w.{ext}", width=width, height=width // 2, mime=mime)

    picture = Ns(
        save_as="b/f.jpg",
        width=2000,
        height=1000,
        variants=tuple(
            variant(w, m) for w in (480, 960, 1600) for m in ("image/webp", "image/jpeg")
        ),
    )
    body = '<picture><img src="../f.960w.jpg" alt="Foto rapat &amp; warga"></picture>'
    view = Ns(body=Ns(images=["b/f.jpg"], html=body))
    found = sharing.item_image(BASE, None, view, "Judul", lambda path: None, {"b/f.jpg": picture})
    assert found == sharing.ShareImage(
        f"{BASE}/b/f.960w.jpg", 960, 480, "Foto rapat & warga", "image/jpeg"
    )
    # without variants (a GIF, say) the stripped copy at the original's address
    plain = Ns(save_as="b/f.jpg", width=800, height=400, variants=())
    found = sharing.item_image(BASE, None, view, "Judul", lambda path: None, {"b/f.jpg": plain})
    assert (found.url, found.width, found.type) == (f"{BASE}/b/f.jpg", 800, "image/jpeg")
