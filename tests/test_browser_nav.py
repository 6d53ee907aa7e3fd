"""Navigation on a phone and a desktop, in Debian's chromium (issue 13, part N).

Every link of the menu and the footer is followed and must land on a page of its own
(HTTP 200, not the home page); at 320 px nothing scrolls sideways and the "Cari" button
is whole; at 390 px the menu is folded behind "Menu" (no script) with the headline on the
first screen, and one tap opens it; at 1280 px the menu shows open. Screenshots at
320/390/1280 px go to test-artefacts/screenshots/nav-*.png.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from sitekit import REPO

#: Debian chromium through Playwright (docs/architecture.md).
pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "test-artefacts" / "screenshots"
NARROW = {"width": 320, "height": 640}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGES = {
    "beranda": "/",
    "daftar": "/kategori/berita/",
    "artikel": "/berita/rapat-pleno-dpt/",
    "arsip": "/arsip/",
    "umpan": "/umpan/",
}


def _open(browser: Browser, viewport: dict[str, int], **options: Any) -> Page:
    context = browser.new_context(viewport=viewport, locale="id-ID", **options)
    return context.new_page()


def _links(page: Page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "links => links.map(a => a.href)")


def test_every_menu_and_footer_link_lands_on_a_page_that_is_not_home(
    browser: Browser, base: str
) -> None:
    page = _open(browser, DESKTOP, java_script_enabled=False)
    page.goto(base + "/")
    links = _links(page, 'nav[aria-label="Menu utama"] a, nav[aria-label="Tautan kaki halaman"] a')
    assert len(links) >= 18, links
    home = page.locator("h1").inner_text()
    for link in links:
        response = page.goto(link)
        assert response is not None and response.status == 200, link
        assert urlparse(page.url).path != "/", link
        if page.url.endswith(".xml"):
            continue
        assert page.locator("h1").inner_text() != home, link
        expect(page.locator("h1")).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_at_320_px_nothing_scrolls_sideways_and_cari_is_whole(
    browser: Browser, base: str, name: str
) -> None:
    page = _open(browser, NARROW)
    page.goto(base + PAGES[name])
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    button = page.locator(".cari-kepala button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
    page.context.close()


@pytest.mark.parametrize("name", ["beranda", "daftar", "artikel"])
def test_at_390_px_the_menu_is_folded_and_the_headline_is_on_the_first_screen(
    browser: Browser, base: str, name: str
) -> None:
    page = _open(browser, PHONE, has_touch=True, java_script_enabled=False)
    page.goto(base + PAGES[name])
    menu = page.locator('nav[aria-label="Menu utama"] a')
    for index in range(menu.count()):
        expect(menu.nth(index)).to_be_hidden()
    headline = page.locator("h1").bounding_box()
    assert headline is not None and headline["y"] + headline["height"] <= PHONE["height"]
    button = page.get_by_text("Menu", exact=True)
    expect(button).to_be_visible()
    button.tap()
    for index in range(menu.count()):
        expect(menu.nth(index)).to_be_visible()
    page.get_by_role("link", name="Regulasi", exact=True).first.tap()
    expect(page.locator("h1")).to_have_text("Regulasi")
    page.context.close()


def test_at_1280_px_the_menu_shows_open_without_a_button(browser: Browser, base: str) -> None:
    page = _open(browser, DESKTOP, java_script_enabled=False)
    page.goto(base + "/")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    menu = page.locator('nav[aria-label="Menu utama"] a')
    assert menu.count() >= 8
    for index in range(menu.count()):
        expect(menu.nth(index)).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("viewport", [NARROW, PHONE, DESKTOP], ids=["320", "390", "1280"])
@pytest.mark.parametrize("name", ["beranda", "arsip", "umpan"])
def test_header_and_indexes_have_no_accessibility_violations(
    browser: Browser, base: str, viewport: dict[str, int], name: str
) -> None:
    page = _open(browser, viewport)
    page.goto(base + PAGES[name])
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    if viewport is PHONE:
        page.get_by_text("Menu", exact=True).click()
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    page.context.close()


@pytest.mark.parametrize("viewport", [NARROW, PHONE, DESKTOP], ids=["320", "390", "1280"])
def test_screenshots_of_home_a_list_and_an_article(
    browser: Browser, base: str, viewport: dict[str, int]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, viewport)
    for name in ("beranda", "daftar", "artikel"):
        page.goto(base + PAGES[name])
        path = SCREENSHOTS / f"nav-{name}-{viewport['width']}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 1000
    if viewport is PHONE:
        page.goto(base + "/")
        page.get_by_text("Menu", exact=True).click()
        page.screenshot(path=str(SCREENSHOTS / "nav-menu-terbuka-390.png"))
    page.context.close()
