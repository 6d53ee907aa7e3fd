"""The built sample checked by tools nobody here wrote, on every kind of page.

The Nu HTML checker (``vnu.jar``, the W3C's validator, installed by ``.ci/run`` from the
npm registry and run with Debian's Java) reads every HTML page of the output; axe-core
(bundled with axe-playwright-python) reads one page of every kind at phone and desktop
width in Debian's chromium; every feed parses. Screenshots of every kind at 320, 390 and
1280 px go to test-artefacts/screenshots/ (``halaman-<kind>-<width>.png``) for people to
look at.

A "kind" of page is its place in the output with the names taken out: ``berita/*`` is every
news item, ``arsip/*/*`` every month archive, ``ppid`` the PPID page. New kinds of pages are
picked up without changing this file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from sitekit import REPO
from themekit import Sample

VNU = REPO / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = REPO / "test-artefacts" / "screenshots"
WIDTHS = {"320": (320, 640), "390": (390, 844), "1280": (1280, 900)}
#: The search page is checked with results showing (its script fills them in).
QUERIES = {"cari": "?q=pemilih"}


def _pages(output: Path) -> list[str]:
    """Every HTML page of the output, as the path a browser asks for."""
    pages = []
    for path in sorted(output.rglob("*.html")):
        rel = path.relative_to(output).as_posix()
        pages.append(rel.removesuffix("index.html"))
    return pages


def _kind(page: str) -> str | None:
    """Return the kind of ``page`` (its folders with the names taken out), or None."""
    parts = [part for part in page.split("/") if part]
    if parts and re.fullmatch(r"index\d+\.html", parts[-1]):
        return None  # a further page of a listing: the same template as its first page
    if not parts:
        return "beranda"
    return "/".join([parts[0], *("*" for _ in parts[1:])]).removesuffix(".html")


def kinds(output: Path) -> dict[str, str]:
    """One page of every kind: kind -> the path a browser asks for."""
    chosen: dict[str, str] = {}
    for page in _pages(output):
        kind = _kind(page)
        if kind is not None and kind not in chosen:
            chosen[kind] = "/" + page + QUERIES.get(kind, "")
    return chosen


@pytest.mark.slow
def test_nu_html_checker_finds_no_error_on_any_page(theme_sample: Sample) -> None:
    java = shutil.which("java")
    assert java and VNU.is_file(), "Nu HTML checker belum terpasang: jalankan .ci/run"
    pages = sorted(str(p) for p in theme_sample.output.rglob("*.html"))
    styles = sorted(str(p) for p in theme_sample.output.rglob("*.css"))
    assert len(pages) > 40
    done = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", "--also-check-css"]
        + pages
        + styles,
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    assert messages == [], json.dumps(messages, indent=1, ensure_ascii=False)[:4000]


def test_every_kind_of_page_is_found(theme_sample: Sample) -> None:
    found = kinds(theme_sample.output)
    for kind in (
        "beranda",
        "berita/*",
        "regulasi/*",
        "dokumentasi/*",
        "kategori/*",
        "topik/*",
        "arsip/*",
        "cari",
        "persetujuan",
        "404",
        "ppid",
    ):
        assert kind in found, sorted(found)


def test_every_feed_parses(theme_sample: Sample) -> None:
    feeds = sorted((theme_sample.output / "feeds").glob("*.xml"))
    assert any(f.name.endswith(".rss.xml") for f in feeds)
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed.name, parsed.get("bozo_exception"))
        assert parsed.entries, feed.name


def _open(browser: Browser, width: str) -> Page:
    w, h = WIDTHS[width]
    return browser.new_context(viewport={"width": w, "height": h}, locale="id-ID").new_page()


def _settle(page: Page, path: str) -> None:
    """Wait until the page shows what a reader sees (search results, every image)."""
    if path.startswith("/cari/"):
        page.locator("#cari-hasil li").first.wait_for(timeout=15_000)
    page.evaluate("""async () => {
        for (const img of document.images) img.loading = "eager";
        await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
    }""")


@pytest.mark.browser
@pytest.mark.parametrize("width", ["390", "1280"])
def test_axe_finds_no_violation_on_any_kind_of_page(
    browser: Browser, base: str, theme_sample: Sample, width: str
) -> None:
    page = _open(browser, width)
    failures = {}
    for kind, path in kinds(theme_sample.output).items():
        page.goto(base + path)
        _settle(page, path)
        results = Axe().run(page)
        if results.violations_count:
            failures[kind] = results.generate_report()
    page.context.close()
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


@pytest.mark.browser
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_screenshots_of_every_kind_of_page(
    browser: Browser, base: str, theme_sample: Sample, width: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, width)
    for kind, path in kinds(theme_sample.output).items():
        page.goto(base + path)
        _settle(page, path)
        name = kind.replace("/*", "").replace("/", "-")
        target = SCREENSHOTS / f"halaman-{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 5_000
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{path} bergeser ke samping {overflow} px pada lebar {width}"
    page.context.close()
