"""A reader's visit, in Debian's chromium driven by Playwright (headless, localhost only).

The sample site is built once, served on a free localhost port, and used as a person
would: by the menu, by search, by downloading a regulation. axe-core (bundled with
axe-playwright-python, no network) checks the key pages; screenshots at phone and
desktop widths are kept in test-artefacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from sitekit import REPO
from test_sample_site import EXCLUDED

#: Debian chromium through Playwright (docs/architecture.md).
pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "test-artefacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
KEY_PAGES = {
    "beranda": "/",
    "daftar": "/kategori/berita/",
    "artikel": "/berita/rapat-pleno-dpt/",
    "regulasi": "/regulasi/pkpu-2-2024-tahapan/",
    "cari": "/cari/?q=pemilih",
}


def _open(browser: Browser, viewport: dict[str, int] = PHONE, **options: Any) -> Page:
    context = browser.new_context(viewport=viewport, locale="id-ID", **options)
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = _open(browser, accept_downloads=True)
    yield page
    page.context.close()


def _wait_for_search(page: Page) -> str:
    status = page.locator("#cari-status")
    expect(status).to_contain_text(re.compile(r"hasil untuk|Tidak ada hasil|Maaf"))
    return status.inner_text()


def _show_all_images(page: Page) -> None:
    """Load lazy images (a full-page screenshot does not scroll) and check each shows."""
    broken = page.evaluate("""async () => {
        for (const img of document.images) img.loading = "eager";
        await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
        return [...document.images].filter(i => !i.naturalWidth).map(i => i.src);
    }""")
    assert broken == []


def test_reader_finds_a_regulation_through_the_menu(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.get_by_text("Menu", exact=True).click()  # folded on a phone (issue 13)
    menu = page.get_by_role("navigation", name="Menu utama")
    menu.get_by_role("link", name="Regulasi", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regulasi")
    expect(page).to_have_url(base + "/kategori/regulasi/")
    page.get_by_role("link", name=re.compile("PKPU Nomor 2 Tahun 2024")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PKPU Nomor 2 Tahun 2024")
    page.get_by_text("Menu", exact=True).click()
    menu = page.get_by_role("navigation", name="Menu utama")
    menu.get_by_role("link", name="Dokumentasi", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dokumentasi")
    page.get_by_text("Menu", exact=True).click()
    menu = page.get_by_role("navigation", name="Menu utama")
    menu.get_by_role("link", name="Informasi Publik (PPID)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Informasi Publik (PPID)")


def test_reader_opens_the_newest_article_from_the_home_page(page: Page, base: str) -> None:
    page.goto(base + "/")
    latest = page.get_by_role("region", name="Terbaru").get_by_role("heading", level=3).first
    title = latest.inner_text()
    latest.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    approval = page.get_by_role("region", name="Persetujuan terbit")
    expect(approval.locator(".peran")).to_have_text(
        [
            "Web Admin",
            "Kasubbag Tekmas",
            "Sekretaris",
            "Komisioner Divisi Sosdiklih, Parmas dan SDM",
        ]
    )


def test_article_works_without_javascript_and_asks_nothing_of_other_hosts(
    browser: Browser, base: str
) -> None:
    page = _open(browser, java_script_enabled=False)
    requests: list[tuple[str, str]] = []
    page.on("request", lambda r: requests.append((r.url, r.resource_type)))
    page.goto(base + "/berita/rapat-pleno-dpt/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rapat Pleno Terbuka")
    expect(page.get_by_text("501.539 pemilih").first).to_be_visible()
    page.wait_for_load_state("load")
    assert requests and all(url.startswith(base + "/") for url, _ in requests), requests
    assert not [url for url, kind in requests if kind in ("script", "font")]
    page.context.close()


def test_reader_downloads_the_regulation_pdf(page: Page, base: str, tmp_path: Path) -> None:
    page.goto(base + "/regulasi/pkpu-2-2024-tahapan/")
    documents = page.get_by_role("complementary", name="Dokumen")
    expect(documents).to_contain_text("PDF, 4,1 KB")
    with page.expect_download() as info:
        documents.get_by_role("link", name="Unduh ringkasan PKPU Nomor 2 Tahun 2024").click()
    download = info.value
    assert download.suggested_filename == "pkpu-2-2024-tahapan.pdf"
    download.save_as(tmp_path / "unduhan.pdf")
    original = REPO / "content" / "regulasi" / "pkpu-2-2024-tahapan.pdf"
    assert (tmp_path / "unduhan.pdf").read_bytes() == original.read_bytes()


def test_reader_searches_from_the_header_and_finds_an_approved_item(page: Page, base: str) -> None:
    page.goto(base + "/berita/rapat-pleno-dpt/")
    page.get_by_role("searchbox", name="Kata kunci pencarian").fill("pantarlih")
    page.get_by_role("search", name="Cari di situs").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/cari/\?q=pantarlih$"))
    assert re.match(r"\d+ hasil untuk “pantarlih”\.$", _wait_for_search(page))
    results = page.locator("#cari-hasil a")
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert "/pengumuman/pendaftaran-pantarlih/" in hrefs
    expect(page.locator("#cari-hasil mark").first).to_be_visible()


@pytest.mark.parametrize("item", sorted(EXCLUDED), ids=lambda i: i.split("/")[1][11:])
def test_search_never_finds_an_excluded_item(page: Page, base: str, item: str) -> None:
    _, marker, slug = EXCLUDED[item]
    source = (REPO / "content" / item).read_text()
    title = re.search(r"^Title: (.+)$", source, re.M).group(1)  # type: ignore[union-attr]
    for query in (title, marker, slug.replace("-", " ")):
        page.goto(f"{base}/cari/?q={query}")
        _wait_for_search(page)
        links = page.locator("#cari-hasil a")
        hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
        assert not [h for h in hrefs if slug in h], (query, hrefs)
        assert title not in [links.nth(i).inner_text() for i in range(links.count())]
        assert marker not in page.locator("#cari-hasil").inner_text()


def test_missing_address_shows_a_helpful_page(page: Page, base: str) -> None:
    response = page.goto(base + "/berita/tidak-ada/sama-sekali/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman tidak ditemukan")
    _show_all_images(page)  # the logo too: links and images start at the site's root
    page.get_by_role("main").get_by_role("link", name="Berita", exact=True).click()
    expect(page).to_have_url(base + "/kategori/berita/")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["ponsel", "desktop"])
@pytest.mark.parametrize("name", sorted(KEY_PAGES))
def test_key_pages_have_no_accessibility_violations(
    browser: Browser, base: str, name: str, viewport: dict[str, int]
) -> None:
    page = _open(browser, viewport)
    page.goto(base + KEY_PAGES[name])
    if name == "cari":
        _wait_for_search(page)
        expect(page.locator("#cari-hasil li").first).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["ponsel", "desktop"])
def test_screenshots_of_the_key_pages(
    browser: Browser, base: str, viewport: dict[str, int]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = "ponsel" if viewport == PHONE else "desktop"
    pages = {
        **KEY_PAGES,
        "dokumentasi": "/dokumentasi/sosialisasi-pemilih-pemula/",
        "persetujuan": "/persetujuan/",
        "404": "/tidak-ada/",
    }
    page = _open(browser, viewport)
    for name, path in pages.items():
        page.goto(base + path)
        if name == "cari":
            _wait_for_search(page)
        _show_all_images(page)
        target = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    page.context.close()
