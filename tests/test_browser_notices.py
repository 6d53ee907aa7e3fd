"""An ended announcement and a regulation as a phone shows them, in Debian's chromium.

A small real site (one announcement ended before the tests' clock, one still open, one
regulation with its metadata block) is built like ``invoke build`` and served on
localhost; chromium at 390 px reads it with JavaScript off. Screenshots are kept in
test-artefacts/screenshots/notices-*.png for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from sitekit import REPO, Keys, Site
from themekit import serve

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "test-artefacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[str]:
    site = Site(tmp_path_factory.mktemp("maklumat-peramban") / "site", keys)
    for slug, title, berlaku in (
        ("tutup", "Pendaftaran Pantarlih Gelombang Satu", "2026-11-01 s.d. 2026-11-10"),
        ("buka", "Pendaftaran KPPS", "2026-11-20 s.d. 2026-12-05"),
    ):
        site.article(
            f"pengumuman/{slug}.md",
            title,
            "Pendaftaran melalui PPS. Cek di cekdptonline.kpu.go.id.",
            category="Pengumuman",
            slug=slug,
            berlaku=berlaku,
            date=f"2026-11-{'01' if slug == 'tutup' else '20'} 08:00",
        )
        site.approve_all(f"pengumuman/{slug}.md")
    site.article(
        "regulasi/pkpu-2-2024.md",
        "PKPU Nomor 2 Tahun 2024 tentang Tahapan",
        "Ringkasan.",
        category="Regulasi",
        slug="pkpu-2-2024",
        nomor="2",
        tahun="2024",
        jenis="Peraturan KPU",
        ditetapkan="2024-01-26",
        keberlakuan="Berlaku",
        sumber_resmi="https://jdih.kpu.go.id/peraturan-kpu/pkpu-2-tahun-2024",
    )
    site.approve_all("regulasi/pkpu-2-2024.md")
    site.build()
    with serve(site.output) as url:
        yield url


def _page(browser: Browser, url: str) -> Page:
    context = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    return page


def test_an_ended_announcement_shows_sudah_berakhir_on_a_phone(browser: Browser, base: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser, f"{base}/pengumuman/tutup/")
    badge = page.get_by_text("Sudah berakhir", exact=True)
    expect(badge).to_be_visible()
    expect(page.locator(".masa-item")).to_have_text("Berlaku 1–10 November 2026 Sudah berakhir")
    box = badge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "notices-berakhir-390.png"), full_page=True)

    listing = _page(browser, f"{base}/kategori/pengumuman/")
    cards = listing.locator(".kartu")
    expect(cards.filter(has_text="Pendaftaran Pantarlih Gelombang Satu")).to_contain_text(
        "Sudah berakhir"
    )
    expect(cards.filter(has_text="Pendaftaran KPPS")).not_to_contain_text("Sudah berakhir")
    listing.screenshot(path=str(SCREENSHOTS / "notices-daftar-390.png"), full_page=True)

    home = _page(browser, f"{base}/")
    expect(home.locator("section", has_text="Terbaru")).not_to_contain_text(
        "Pendaftaran Pantarlih Gelombang Satu"
    )
    expect(home.get_by_text("Berlaku 20 November – 5 Desember 2026").first).to_be_visible()
    no_scroll = home.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_scroll


def test_the_regulation_block_reads_on_a_phone(browser: Browser, base: str) -> None:
    page = _page(browser, f"{base}/regulasi/pkpu-2-2024/")
    block = page.locator(".regulasi-data")
    expect(block).to_be_visible()
    expect(block).to_contain_text("Tanggal penetapan")
    expect(block).to_contain_text("26 Januari 2024")
    expect(block.get_by_role("link", name="Naskah resmi di jdih.kpu.go.id")).to_have_attribute(
        "href", "https://jdih.kpu.go.id/peraturan-kpu/pkpu-2-tahun-2024"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SCREENSHOTS / "notices-regulasi-390.png"), full_page=True)
    page.get_by_role("link", name="2024", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regulasi tahun 2024")
