"""``invoke watch``: the preview served locally and rebuilt as people edit and sign.

Each test runs the real command on a site in a temporary folder, changes files the way
a writer or an approver does, and reads the served pages over HTTP until they show the
change (no time is asserted: a test fails only if the change never shows). One test
drives a real browser (chromium) to see the open page reload by itself.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from editorial.preview.inject import mark

from previewkit import Watch, panel, preview_dir
from sitekit import ROLES, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

ITEM = "berita/rapat.md"
URL = "berita/rapat-pleno/"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def watched(site: Site) -> Iterator[tuple[Site, Watch]]:
    site.article(ITEM, "Rapat Pleno", "Isi TOKENPERTAMA.")
    site.article("berita/lain.md", "Berita Lain", "Isi lain.")
    site.approve_all("berita/lain.md")
    watch = Watch(site.settings)
    try:
        yield site, watch
    finally:
        assert watch.stop() == 0
        assert watch.lines[-1] == "Pratinjau berhenti."


def _first_row(html: str) -> list[str]:
    """Return the panel's first role row (decision and who), or [] for a page without one."""
    rows, _ = panel(html)
    return rows[1][:2] if len(rows) > 1 else []


def _version(watch: Watch, path: str) -> dict[str, object]:
    status, text = watch.get(f"__pratinjau/versi?halaman=/{path}")
    assert status == 200
    return dict(json.loads(text))


def test_edited_article_is_rebuilt_and_served(watched: tuple[Site, Watch]) -> None:
    site, watch = watched
    status, first = watch.get(URL)
    assert status == 200 and "TOKENPERTAMA" in first and "DRAF - belum disetujui" in first
    with urllib.request.urlopen(watch.url + URL) as answer:
        assert answer.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert answer.headers["Cache-Control"] == "no-store"
    assert "kpu-pratinjau: muat ulang otomatis" in first
    before = _version(watch, URL)
    other = _version(watch, "berita/berita-lain/")
    site.article(ITEM, "Rapat Pleno", "Isi TOKENKEDUA.")
    text = watch.until(URL, lambda t: "TOKENKEDUA" in t)
    assert "TOKENPERTAMA" not in text
    assert _version(watch, URL)["versi"] != before["versi"]
    watch.wait_for_line("Pratinjau diperbarui (semua halaman)")
    assert _version(watch, "berita/berita-lain/")["versi"] == other["versi"]


def test_a_new_sign_off_updates_the_panel(watched: tuple[Site, Watch]) -> None:
    site, watch = watched
    site.sign(ITEM, ROLES[0])
    text = watch.until(URL, lambda t: "Disetujui" in panel(t)[1])
    rows, body = panel(text)
    assert rows[1] == ["Web Admin", "Disetujui", "Pejabat Andi", "2026-11-21 09:00 WIB"]
    assert rows[2] == ["Kasubbag Tekmas", "Menunggu (giliran sekarang)", "Pejabat Sri", "-"]
    assert "Berikutnya: Kasubbag Tekmas (Pejabat Sri)" in body


def test_a_new_article_appears_and_a_deleted_one_goes(watched: tuple[Site, Watch]) -> None:
    site, watch = watched
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.")
    watch.until("berita/berita-baru/", lambda t: "TOKENBARU" in t)
    (site.content / "berita" / "baru.md").unlink()
    missing = watch.until("berita/berita-baru/", lambda t: True, status=404)
    assert "Halaman ini belum ada di pratinjau" in missing
    assert "kpu-pratinjau: muat ulang otomatis" in missing  # it reloads when it comes back
    watch.wait_for_line("Pratinjau diperbarui (semua halaman)")
    watch.until(URL, lambda t: "TOKENPERTAMA" in t)
    assert watch.get("berita/berita-baru/")[0] == 404


def test_a_page_not_yet_marked_is_never_shown(watched: tuple[Site, Watch]) -> None:
    """Between Pelican writing a page and the preview marking it, a tab sees "not yet"."""
    site, watch = watched
    page = preview_dir(site) / "berita" / "setengah" / "index.html"
    page.parent.mkdir(parents=True)
    unmarked = b"<html><head></head><body>TOKENTANPADRAF</body></html>"
    page.write_bytes(unmarked)
    status, text = watch.get("berita/setengah/")
    assert status == 404 and "TOKENTANPADRAF" not in text
    assert "Halaman ini belum ada di pratinjau" in text
    assert _version(watch, "berita/setengah/")["versi"] == "-"
    page.write_bytes(mark(unmarked))
    status, text = watch.get("berita/setengah/")
    assert status == 200 and "TOKENTANPADRAF" in text
    assert _version(watch, "berita/setengah/")["versi"] != "-"


def test_an_unreadable_item_shows_why_on_its_page_until_it_is_fixed(
    watched: tuple[Site, Watch],
) -> None:
    site, watch = watched
    source = site.content / ITEM
    good = source.read_text()
    source.write_text(good.replace("Date: 2026-11-20 08:00", "Date: bukan-tanggal"))
    problem = (
        "content/berita/rapat.md:2: tanggal 'bukan-tanggal' tidak dikenali; item ini tidak ada "
        "di pratinjau, item lain tetap dipratinjau. Tulis tanggal seperti "
        "'Date: 2026-11-20 08:00'."
    )
    assert watch.wait_for_line(problem) == problem
    text = watch.until(URL, lambda t: "tidak dapat ditampilkan" in t)
    assert "Naskah ini tidak dapat ditampilkan di pratinjau." in text
    assert "tanggal &#x27;bukan-tanggal&#x27; tidak dikenali" in text
    answer = _version(watch, URL)
    assert answer["masalah"] == [problem] and answer["galat"] is None
    assert "Isi lain." in watch.get("berita/berita-lain/")[1], "the other items stay"
    source.write_text(good.replace("TOKENPERTAMA", "TOKENPULIH"))
    watch.until(URL, lambda t: "TOKENPULIH" in t)
    watch.wait_for_line("Tidak ada masalah lagi.")
    assert _version(watch, URL)["masalah"] == []
    assert "Build pratinjau GAGAL" not in "\n".join(watch.lines)


def test_a_save_read_half_written_is_read_again_when_the_save_ends(
    watched: tuple[Site, Watch],
) -> None:
    """An editor's save that truncates and then writes can be read in between.

    The torn read is made deterministic here: the item is first emptied (the state a
    truncate leaves) until the watcher has read it, then the finished text is written with
    the modification time the empty file had (a truncate and a write in one clock tick look
    like that to a cache that trusts the time). The page must show the finished text.
    """
    site, watch = watched
    source = site.content / ITEM
    good = source.read_text()
    source.write_text("")
    watch.wait_for_line("content/berita/rapat.md: metadata wajib 'title' tidak ada")
    torn = source.stat()
    source.write_text(good.replace("TOKENPERTAMA", "TOKENUTUH"))
    os.utime(source, ns=(torn.st_atime_ns, torn.st_mtime_ns))
    watch.until(URL, lambda t: "TOKENUTUH" in t)
    watch.wait_for_line("Tidak ada masalah lagi.")
    assert _version(watch, URL)["masalah"] == []


def test_a_missing_attachment_is_marked_until_the_file_is_added(
    watched: tuple[Site, Watch],
) -> None:
    site, watch = watched
    site.article(ITEM, "Rapat Pleno", "Daftar hadir: [PDF]({attach}hadir.pdf) TOKENLAMPIRAN")
    text = watch.until(URL, lambda t: "Lampiran tidak ditemukan: berita/hadir.pdf" in panel(t)[1])
    assert "TOKENLAMPIRAN" in text and "perlu diperbaiki" in text
    watch.wait_for_line("Lampiran tidak ditemukan: berita/hadir.pdf")
    site.attach("berita/hadir.pdf", b"%PDF daftar hadir")
    text = watch.until(
        URL, lambda t: "Status:" in panel(t)[1] and "Lampiran tidak ditemukan" not in t
    )
    assert "TOKENLAMPIRAN" in text and "perlu diperbaiki" not in text
    watch.wait_for_line("Tidak ada masalah lagi.")


def test_a_broken_sign_off_is_shown_until_it_is_fixed(watched: tuple[Site, Watch]) -> None:
    site, watch = watched
    record = site.sign(ITEM, ROLES[0])
    valid = record.read_text()
    watch.until(URL, lambda t: "Disetujui" in panel(t)[1])
    record.write_text("item: [rusak\n  : :\n")
    text = watch.until(URL, lambda t: "YAML tidak valid" in panel(t)[1])
    rows, _ = panel(text)
    assert rows[1][:2] == ["Web Admin", "Menunggu (giliran sekarang)"]
    record.write_text(valid)
    text = watch.until(URL, lambda t: _first_row(t) == ["Web Admin", "Disetujui"])
    assert "YAML tidak valid" not in panel(text)[1]


def test_a_theme_change_rebuilds_every_page(site: Site, tmp_path: Path) -> None:
    theme = tmp_path / "tema"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "base.html").write_text(
        "{% extends '!simple/base.html' %}{% block html_lang %}{{ approvals.seal() }}"
        "{{ DEFAULT_LANG }}{% endblock %}"
    )
    site.write_settings(
        extra=f"THEME = {str(theme)!r}\nPLUGINS = [approval_gate]\n"
        'DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", '
        '"archives"]\n'
    )
    site.article(ITEM, "Rapat Pleno", "Isi.")
    watch = Watch(site.settings)
    try:
        (theme / "templates" / "base.html").write_text(
            "{% extends '!simple/base.html' %}{% block html_lang %}{{ approvals.seal() }}"
            "{{ DEFAULT_LANG }}{% endblock %}{% block footer %}TOKENTEMA{% endblock %}"
        )
        watch.until(URL, lambda t: "TOKENTEMA" in t)
        watch.until("", lambda t: "TOKENTEMA" in t)
    finally:
        assert watch.stop() == 0


@pytest.mark.browser
def test_the_open_page_reloads_itself_in_a_real_browser(watched: tuple[Site, Watch]) -> None:
    assert Path(CHROMIUM).is_file(), "chromium is installed by .ci/run (APT_PACKAGES)"
    site, watch = watched
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page()
            tab.goto(watch.url + URL)
            assert "TOKENPERTAMA" in tab.inner_text("body")
            site.article(ITEM, "Rapat Pleno", "Isi TOKENDIBROWSER.")
            # Nobody touches the tab: the page's own script notices and reloads it.
            expect(tab.locator("body")).to_contain_text("TOKENDIBROWSER", timeout=90_000)
            assert "DRAF - belum disetujui" in tab.inner_text("body")
        finally:
            browser.close()


@pytest.mark.browser
def test_the_open_page_shows_the_problems_in_a_real_browser(watched: tuple[Site, Watch]) -> None:
    assert Path(CHROMIUM).is_file(), "chromium is installed by .ci/run (APT_PACKAGES)"
    site, watch = watched
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page()
            tab.goto(watch.url + "berita/berita-lain/")
            (site.content / "berita" / "rusak.md").write_text("Date: 2026-11-20 08:00\n\nIsi.\n")
            box = tab.locator("#kpu-pratinjau-masalah-langsung")
            expect(box).to_contain_text("1 masalah pratinjau", timeout=90_000)
            box.locator("summary").click()
            expect(box).to_contain_text("content/berita/rusak.md: metadata wajib 'title' tidak ada")
            (site.content / "berita" / "rusak.md").unlink()
            expect(box).to_have_count(0, timeout=90_000)
        finally:
            browser.close()
