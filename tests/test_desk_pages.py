"""Every page of the desk, as a phone and a computer show it: axe, weight, own origin only.

One desk serves a copy of the project; Chromium opens each page (logged out: login and an
invitation; logged in as a person holding every role: the rest, including a roster change
awaiting the chair and the error page) at 390 and 1280 px. axe-core must find no
violation, nothing may be fetched from another origin, and each page without the item
preview (the HTML, its CSS and JS, as transferred) must stay within 50 KB: approving
needs no framework. Screenshots go to test-artefacts/screenshots/meja-halaman-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Request

from approval_gate.api import ROLE_IDS

from deskkit import Desk, running_desk
from desk.invitations import invite_from_cli
from desk.roster_change import record_enrolment
from passkeykit import Passkey
from sitekit import copy_project

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"
WIDTHS = {"390": (390, 844), "1280": (1280, 800)}
#: The most a desk page may weigh without the preview: HTML + CSS + JS as transferred.
BUDGET = 50 * 1024
WAITING = "berita/2026-11-20-persiapan-logistik.md"  # waits for the Web Admin
REJECTED = "berita/2026-11-19-hasil-rapat-evaluasi.md"  # rejected: the writer fixes it
#: (name, path) of the pages seen logged out; then those seen logged in.
PUBLIC = (("masuk", "/masuk"), ("undangan-terima", "/undangan/{token}"))
PRIVATE = (
    ("beranda", "/"),
    ("naskah", "/naskah"),
    ("naskah-baru", "/naskah/baru"),
    ("naskah-unggah", "/naskah/unggah"),
    ("naskah-ubah", f"/naskah/ubah/{REJECTED}"),
    ("tugas", "/tugas"),
    ("tugas-item", f"/tugas/{WAITING}"),
    ("undangan", "/undangan"),
    ("roster", "/roster"),
    ("terbit", "/terbit"),
    ("terbit-kembalikan", "/terbit/kembalikan"),
    ("laporan", "/laporan"),
    ("akun", "/akun"),
    ("notifikasi", "/notifikasi"),
    ("galat", "/halaman-yang-tidak-ada"),
)


#: The outermost elements sticking out to the right (what makes a page scroll sideways).
WIDEST = """() => [...document.body.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
          && !(e.parentElement && e.parentElement.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 5)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + (typeof e.className === 'string' && e.className
               ? '.' + e.className.split(' ').join('.') : '')
            + ' ' + Math.round(e.getBoundingClientRect().width) + 'px')"""


@dataclass
class Served:
    """The running desk, an invitation token and the logged-in person's cookie."""

    desk: Desk
    token: str
    cookie: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_project(tmp_path_factory.mktemp("meja-halaman") / "situs", tests=False)
    with running_desk(root, MEJA_PRATINJAU_TUNGGU=300.0) as desk:
        desk.account("andi", "Andi Prasetyo (CONTOH)", "penulis", *ROLE_IDS)
        link, _ = invite_from_cli(desk.settings, "Sri Wahyuni", "kasubbag-tekmas", "sri")
        with desk.store.transaction() as db:  # a passkey enrolled, awaiting the chair
            record_enrolment(
                db,
                "sri",
                "Sri Wahyuni (CONTOH)",
                "kasubbag-tekmas",
                Passkey(rp_id=desk.settings.rp_id).public_key,
                "2026-11-24",
            )
        session = desk.client("andi")
        yield Served(desk, link.rsplit("/", 1)[1], session.cookies["meja_sesi"])


def _context(browser: Browser, served: Served, width: str, logged_in: bool) -> BrowserContext:
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="id-ID")
    if logged_in:
        context.add_cookies([{"name": "meja_sesi", "value": served.cookie, "url": served.desk.url}])
    return context


def _pages(served: Served) -> Iterator[tuple[str, str, bool]]:
    for name, path in PUBLIC:
        yield name, path.format(token=served.token), False
    for name, path in PRIVATE:
        yield name, path, True


def _open(page: Page, url: str) -> None:
    page.goto(url, wait_until="load", timeout=300_000)
    page.wait_for_timeout(300)  # the page's own script (deferred) has run


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_desk_page_passes_axe_and_is_shot(
    browser: Browser, served: Served, width: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, str] = {}
    for name, path, logged_in in _pages(served):
        context = _context(browser, served, width, logged_in)
        page = context.new_page()
        _open(page, served.desk.url + path)
        results = Axe().run(page)
        if results.violations_count:
            failures[f"{name} (axe)"] = results.generate_report()
        target = SHOTS / f"meja-halaman-{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        if overflow > 0:
            failures[f"{name} (lebar)"] = (
                f"{path} bergeser ke samping {overflow} px pada lebar {width}: "
                + ", ".join(page.evaluate(WIDEST))
            )
        context.close()
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


def _weight(requests: list[Request], page: Page) -> tuple[int, list[str]]:
    """Return the bytes transferred for the page's own HTML, CSS and JS, and what counted."""
    total, counted = 0, []
    for request in requests:
        if request.frame != page.main_frame or "/pratinjau/" in request.url:
            continue  # the item preview (the public theme's page) is not the desk's weight
        if request.resource_type not in {"document", "stylesheet", "script"}:
            continue
        sizes: dict[str, Any] = request.sizes()
        size = int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
        total += size
        counted.append(f"{request.url} {size}")
    return total, counted


def test_every_desk_page_is_small_and_fetches_only_from_the_desk(
    browser: Browser, served: Served
) -> None:
    failures: list[str] = []
    for name, path, logged_in in _pages(served):
        context = _context(browser, served, "390", logged_in)  # a fresh cache per page
        page = context.new_page()
        finished: list[Request] = []
        foreign: list[str] = []
        page.on("requestfinished", lambda r, done=finished: done.append(r))
        page.on(
            "request",
            lambda r, seen=foreign: (
                seen.append(r.url)
                if not r.url.startswith((served.desk.url, "data:", "blob:"))
                else None
            ),
        )
        _open(page, served.desk.url + path)
        total, counted = _weight(finished, page)
        if total > BUDGET:
            failures.append(f"{name}: {total} bytes > {BUDGET}: " + "; ".join(counted))
        if foreign:
            failures.append(f"{name}: permintaan ke luar meja: {foreign}")
        assert total > 500, f"{name}: nothing counted ({counted})"
        context.close()
    assert not failures, "\n".join(failures)
