"""An unexpected error on the desk: what to do on the page, the details in the log only.

When the desk fails in a way nobody wrote a message for (a bug, a full disk under its
SQLite file), the person sees status 500, the plain "Permintaan tidak dapat dilayani.",
what to do (try again shortly; if it keeps happening, tell the Web Admin the error code
and the time) and where the Web Admin finds the details; the traceback goes to the log
of ``invoke meja`` only, on a line carrying the same code. Broken three ways: a store
whose every statement fails with SQLite's full-disk error, an ``invoke meja`` whose
database file became a folder SQLite cannot open, and a page whose own code meets a full
disk (the store still works there, so chromium sees the styled page for axe).
"""

from __future__ import annotations

import errno
import html
import logging
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from deskkit import free_port, running_desk
from desk.app import create_app
from desk.settings import read_desk_settings
from desk.store import Store
from sitekit import REPO

SHOTS = REPO / "test-artefacts" / "screenshots"

#: The three paragraphs of the page, with the code and the time left as groups.
PAGE = re.compile(
    r'<p class="galat" role="alert">Permintaan tidak dapat dilayani\.</p>\n'
    r"<p>Silakan coba lagi beberapa saat lagi\. Bila tetap gagal, beri tahu Web Admin kode "
    r"galat (?P<code>[0-9A-F]{8}) dan waktunya, (?P<time>\w+, \d+ \w+ \d{4} pukul \d\d\.\d\d "
    r"WIB)\.</p>\n"
    r"<p>Untuk Web Admin: rinciannya tercatat di keluaran \(log\) 'invoke meja' pada waktu "
    r"itu, di baris yang memuat kode (?P=code)\.</p>\n"
)


class FullDisk(Store):
    """The desk's store once its disk is full: every statement fails as SQLite says it."""

    full = False

    def _connection(self) -> sqlite3.Connection:
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")
        return super()._connection()


def _disk_full() -> str:
    """A page whose own code meets a full disk."""
    raise OSError(errno.ENOSPC, "No space left on device", "/var/meja/berkas")


def _settings(tmp_path: Path) -> Path:
    path = tmp_path / "pelicanconf.py"
    path.write_text("SITENAME = 'x'\n")
    return path


def _page(text: str) -> re.Match[str]:
    found = PAGE.search(html.unescape(text))
    assert found, text
    return found


def test_a_full_disk_gives_what_to_do_and_a_code_found_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = read_desk_settings(_settings(tmp_path))
    app = create_app(settings)
    store = app.config["MEJA_STORE"] = FullDisk(settings.data / "meja.sqlite3")
    store.full = True
    client = app.test_client()
    client.set_cookie("meja_sesi", "sesi-seseorang")  # the session is looked up: it fails
    with caplog.at_level(logging.ERROR, logger="desk"):
        page = client.get("/tugas")
        answer = client.post("/api/masuk/mulai", json={})
    assert page.status_code == 500 and answer.status_code == 500
    text = page.get_data(as_text=True)
    code = _page(text)["code"]
    for internal in ("disk is full", "sqlite", "Traceback", "OperationalError", str(tmp_path)):
        assert internal not in text
    assert "Content-Security-Policy" in page.headers  # still the desk's own headers
    script = answer.get_json()
    assert script["galat"] == "Permintaan tidak dapat dilayani."
    assert script["saran"].startswith("Silakan coba lagi beberapa saat lagi. Bila tetap gagal")
    other = re.search(r"kode galat ([0-9A-F]{8})", script["saran"])
    assert other and other[1] != code  # each error its own code
    logged = [r for r in caplog.records if r.name == "desk"]
    assert [r.getMessage().split(" WIB) ")[1] for r in logged] == [
        "pada GET /tugas",
        "pada POST /api/masuk/mulai",
    ]
    assert logged[0].getMessage().startswith(f"Galat tak terduga (kode {code}, ")
    assert logged[0].exc_info and "database or disk is full" in str(logged[0].exc_info[1])


def _assets(page: str) -> list[str]:
    """Return the desk files a page asks for (its styles, scripts and manifest)."""
    found = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any(a.endswith(".css") for a in found) and any(a.endswith(".js") for a in found)
    return found


@pytest.mark.parametrize("cookie", [True, False])
def test_a_broken_store_still_serves_the_styles_so_its_pages_stay_styled(
    tmp_path: Path, cookie: bool
) -> None:
    """The error page's (and the login page's) CSS and JS never go through the session."""
    settings = read_desk_settings(_settings(tmp_path))
    app = create_app(settings)
    store = app.config["MEJA_STORE"] = FullDisk(settings.data / "meja.sqlite3")
    store.full = True  # every statement fails: only a request that never asks succeeds
    client = app.test_client()
    if cookie:
        client.set_cookie("meja_sesi", "sesi-seseorang")
    page = client.get("/masuk")
    assert page.status_code == (500 if cookie else 200)
    text = page.get_data(as_text=True)
    if cookie:
        _page(text)
    else:
        assert "masuk.js" in text
    for asset in [*_assets(text), "/sw.js"]:
        answer = client.get(asset)
        assert answer.status_code == 200, (asset, answer.get_data(as_text=True)[:300])
        kind = {"css": "text/css", "js": "text/javascript"}.get(asset.rsplit(".", 1)[1])
        if kind:
            assert answer.mimetype == kind, asset
        assert "Content-Security-Policy" in answer.headers  # still the desk's own headers
    css = client.get("/static/meja.css").get_data(as_text=True)
    assert css == (REPO / "desk" / "static" / "meja.css").read_text()
    assert client.get("/static/tidak-ada.css").status_code == 404  # a 404, not a 500


@pytest.mark.slow
def test_invoke_meja_logs_the_code_the_page_shows_with_the_details(tmp_path: Path) -> None:
    port = free_port()
    desk = subprocess.Popen(
        [sys.executable, "-m", "invoke", "-r", str(REPO), "meja"]
        + ["--settings", str(_settings(tmp_path)), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert desk.stdout and "Meja Persetujuan berjalan" in desk.stdout.readline()
        database = tmp_path / "var" / "meja" / "meja.sqlite3"
        for path in database.parent.glob("meja.sqlite3*"):
            path.unlink()
        database.mkdir()  # what the desk opened is gone: SQLite cannot open it any more
        page = requests.get(
            f"http://127.0.0.1:{port}/", cookies={"meja_sesi": "sesi-seseorang"}, timeout=60
        )
        style = requests.get(  # the page's styles do not go through the broken store
            f"http://127.0.0.1:{port}/static/meja.css",
            cookies={"meja_sesi": "sesi-seseorang"},
            timeout=60,
        )
    finally:
        desk.terminate()  # SIGTERM, as systemd stops it
        out, err = desk.communicate(timeout=60)
    assert page.status_code == 500
    assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")
    assert style.text == (REPO / "desk" / "static" / "meja.css").read_text()
    found = _page(page.text)
    assert "sqlite" not in page.text and "Traceback" not in page.text
    (line,) = [line for line in err.splitlines() if found["code"] in line]
    assert re.fullmatch(
        rf"\[[-\d :,]+\] ERROR in app: Galat tak terduga \(kode {found['code']}, "
        r"\d{4}-\d\d-\d\d \d\d:\d\d WIB\) pada GET /",
        line,
    )
    hour = found["time"].split(" pukul ")[1].removesuffix(" WIB").replace(".", ":")
    assert line.endswith(f" {hour} WIB) pada GET /")  # the page's time is the log line's
    assert "sqlite3.OperationalError: unable to open database file" in err
    assert desk.returncode == 0, out + err


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_the_error_page_passes_axe_on_a_phone_and_a_computer(
    browser: Browser, tmp_path: Path, width: int
) -> None:
    _settings(tmp_path)
    with running_desk(tmp_path) as desk:
        # A page failing in its own code (the store still works, so the CSS loads): styled.
        desk.running.app.add_url_rule("/uji-galat", "uji_galat", _disk_full)
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="id-ID")
        page = context.new_page()
        answer = page.goto(desk.url + "/uji-galat", wait_until="load")
        assert answer is not None and answer.status == 500
        _page(page.content())
        assert "No space left" not in page.content() and "/var/meja" not in page.content()
        results = Axe().run(page)
        assert not results.violations_count, results.generate_report()
        assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"meja-halaman-galat-500-{width}.png"), full_page=True)
        context.close()
