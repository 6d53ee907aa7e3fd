"""The web admin's Terbitkan page: plan, publish as a child, the lock, rollback, the report.

Every test serves a real desk (waitress) over a git copy of the whole project (the
sample's content, demo keys and demo roster) and publishes with the real ``invoke
publish --demo`` to the copy's local target (``var/situs``). A publish is paused at the
build's ``audit`` failpoint (publishing/failpoints.py) when a test needs it to be
running: that is how a second publish meets the lock, and how the browser sees the
progress before the result, without timing anything.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from deskkit import Desk, running_desk
from desk.store import Store
from sitekit import GIT_ENV, REPO, copy_project, machine_env

#: The sample's held items and the gate's reasons, as a dry run states them.
KOMISIONER = "menunggu Komisioner Divisi Sosdiklih, Parmas dan SDM"
HELD = {
    "artikel/2026-11-18-partisipasi-pemilih-muda.md": KOMISIONER,
    "berita/2026-11-19-hasil-rapat-evaluasi.md": (
        "ditolak Sekretaris: Daftar hadir PPK belum dilampirkan dan angka partisipasi belum "
        "bersumber. Mohon dilengkapi lalu diajukan kembali."
    ),
    "berita/2026-11-20-persiapan-logistik.md": "draf, menunggu Web Admin",
    "berita/2026-11-21-rakor-ppk-kragan.md": "menunggu Kasubbag Tekmas",
    "data/2026-11-16-daftar-tps.md": (
        "kedaluwarsa: persetujuan yang ada untuk versi lama; isi telah berubah sejak disetujui "
        "pada Senin, 16 November 2026 pukul 12.15 WIB; menunggu Web Admin menyetujui ulang"
    ),
    "pengumuman/2026-11-17-jadwal-kampanye.md": KOMISIONER,
    "pengumuman/2026-11-22-seleksi-kpps.md": "menunggu Sekretaris",
}
APPROVED = "berita/2026-11-10-rapat-pleno-dpt.md"
APPROVED_PAGE = "berita/rapat-pleno-dpt/index.html"
SCREENSHOTS = REPO / "test-artefacts" / "screenshots"
#: What the desk runs for the sample, as the web admin would type it.
COMMAND = "invoke publish --settings publishconf.py --demo --kemajuan"


def _text(html: str) -> str:
    """Return a page's text with tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("&#39;", "'")


def _until(done: Callable[[], object], what: str, seconds: float = 300) -> object:
    """Poll ``done`` until it answers something true (bounded; never a timed assert)."""
    deadline = time.monotonic() + seconds
    while not (answer := done()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)
    return answer


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git copy of the project and its own publishing machine (state, no anchor)."""
    root = copy_project(tmp_path / "situs", tests=False)
    for key, value in machine_env(root).items():
        monkeypatch.setenv(key, value)  # the desk's children inherit the desk's environment
    monkeypatch.delenv("KPU_SITEURL", raising=False)
    monkeypatch.delenv("KPU_FAILPOINT", raising=False)
    return root


@pytest.fixture
def desk(project: Path) -> Iterator[Desk]:
    """The desk of ``project`` with a web admin ``admin`` and a writer ``tulis``."""
    with running_desk(project) as running:
        running.account("admin", "Andi Admin", "web-admin")
        running.account("tulis", "Tari Penulis", "penulis")
        yield running


def _job(desk: Desk, session: requests.Session, response: requests.Response) -> dict:
    """Follow the job a POST started (its 303 names it) until it ends; return its view."""
    assert response.status_code == 303, response.text
    job_id = response.headers["Location"].split("tugas=")[1]

    def ended() -> dict | None:
        view = desk.get(f"/api/terbit/tugas/{job_id}", session).json()
        return None if view["berjalan"] else view

    return _until(ended, f"job {job_id} ends")  # type: ignore[return-value]


def _publish(desk: Desk, session: requests.Session, demo: bool = True) -> requests.Response:
    data = {"csrf": session.csrf, **({"demo": "1"} if demo else {})}  # type: ignore[attr-defined]
    return desk.post("/terbit/mulai", session, data=data, allow_redirects=False)


def _pause_publishes(monkeypatch: pytest.MonkeyPatch, folder: Path) -> tuple[Path, Path]:
    """Make the next publishes wait at the build's audit; return (reached, resume) files."""
    reached, resume = folder / "sampai", folder / "lanjut"
    monkeypatch.setenv("KPU_FAILPOINT", "audit")
    monkeypatch.setenv("KPU_FAILPOINT_FILE", str(reached))
    monkeypatch.setenv("KPU_FAILPOINT_RESUME", str(resume))
    return reached, resume


@pytest.mark.slow
def test_the_plan_lists_held_items_with_reasons_before_anything_is_done(desk: Desk) -> None:
    admin = desk.client("admin")
    page = desk.get("/terbit", admin)
    assert page.status_code == 200
    text = _text(page.text)
    assert "akan terbit 12, ditahan 7, ditarik 0" in text
    assert len(HELD) == 7 and "Ditahan (7)" in text
    for item, reason in HELD.items():
        assert f"{item} {reason}" in text
    assert "Tidak ada perubahan terjadwal" in text
    assert 'name="demo" value="1" checked' in page.text  # the sample: --demo is offered
    for link in ('href="/undangan"', 'href="/roster"', 'href="/laporan"'):
        assert link in page.text
    assert 'id="terbitkan"' in page.text and 'id="kembalikan"' in page.text
    assert not (desk.root / "var" / "situs" / "current").exists()  # a plan changes nothing


@pytest.mark.slow
def test_publish_from_the_desk_goes_live_a_second_is_refused_and_rollback_works(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin = desk.client("admin")
    desk.get("/terbit", admin)  # the plan first, as the web admin sees it
    reached, resume = _pause_publishes(monkeypatch, tmp_path)
    first = _publish(desk, admin)
    assert first.status_code == 303
    _until(reached.exists, "the first publish reaches its audit")

    running = _text(desk.get(first.headers["Location"], admin).text)
    assert "Sedang berjalan" in running and f"$ {COMMAND}" in running
    assert "[2/6] Masukan build disegel" in running  # paused in the build: the steps before
    second = _job(desk, admin, _publish(desk, admin))
    assert second["kode"] == 11
    assert any("Penerbitan lain sedang berjalan (" in line for line in second["baris"])
    assert second["arti"] == (
        "Penerbitan lain sedang berjalan; tunggu sampai selesai, lalu coba lagi."
    )

    resume.write_text("lanjut\n")
    done = _job(desk, admin, first)
    monkeypatch.delenv("KPU_FAILPOINT")
    assert done["kode"] == 0, done["baris"]
    assert done["ringkasan"] == "terbit 12, ditahan 7"
    steps = [line.split(" (")[0] for line in done["baris"] if line.startswith("[")]
    assert steps == [  # each step said as soon as it was done (invoke publish --kemajuan)
        "[1/6] Commit diekspor; riwayat dan tanda tangan kodenya diperiksa",
        "[2/6] Masukan build disegel: hanya berkas yang disetujui",
        "[3/6] Situs dibangun dan diaudit",
        "[4/6] Rencana kirim dihitung",
        "[5/6] Rilis dikirim dan ditayangkan",
        "[6/6] Catatan arsip publikasi ditulis",
    ]
    assert done["situs"] == "http://127.0.0.1:8000"
    live = desk.root / "var" / "situs" / "current"
    assert done["lokasi"] == str(live)
    assert (live / APPROVED_PAGE).is_file()
    assert not (live / "berita" / "rakor-ppk-kragan").exists()  # held: never published
    shown = _text(desk.get(first.headers["Location"], admin).text)
    assert "terbit 12, ditahan 7 Selesai dengan baik. (kode keluar 0)" in shown
    first_release = os.readlink(live)

    # An approved item removed from the repository: the plan says it would be withdrawn.
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "rm", "-q", f"content/{APPROVED}"], cwd=desk.root, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "Tarik"], cwd=desk.root, env=env, check=True)
    plan = _text(desk.get("/terbit", admin).text)
    assert "akan terbit 11, ditahan 7, ditarik 1" in plan
    assert f"{APPROVED} tidak ada lagi di commit yang diterbitkan" in plan
    assert _job(desk, admin, _publish(desk, admin))["ringkasan"] == "terbit 11, ditahan 7"
    assert not (live / APPROVED_PAGE).exists()

    confirm = desk.get("/terbit/kembalikan", admin)
    assert "Kembalikan rilis sebelumnya?" in confirm.text
    assert 'id="yakin-kembalikan"' in confirm.text
    back = _job(
        desk,
        admin,
        desk.post(
            "/terbit/kembalikan",
            admin,
            data={"csrf": admin.csrf, "yakin": "1"},  # type: ignore[attr-defined]
            allow_redirects=False,
        ),
    )
    assert back["kode"] == 0, back["baris"]
    assert back["baris"][0] == "$ invoke rollback --settings publishconf.py --demo"
    released = first_release.split("/")[-1]
    assert back["ringkasan"] == f"Situs tayang di folder lokal {live} kembali ke rilis {released}."
    assert os.readlink(live) == first_release and (live / APPROVED_PAGE).is_file()


@pytest.mark.slow
def test_ctrl_c_on_the_desk_leaves_the_publish_running_to_its_end(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``invoke meja`` stopped by Ctrl-C mid-publish: the child finishes, a new desk shows it."""
    import signal
    import sys

    from deskkit import free_port
    from desk.settings import read_desk_settings

    reached, resume = _pause_publishes(monkeypatch, tmp_path)
    port = free_port()
    origin = f"http://localhost:{port}"
    meja = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "invoke",
            "-r",
            str(project),
            "meja",
            "--port",
            str(port),
            "--origin",
            origin,
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the "terminal" Ctrl-C reaches
    )
    try:
        _until(lambda: _answers(f"{origin}/sehat"), "invoke meja answers")
        settings = read_desk_settings(project / "pelicanconf.py", origin=origin)
        desk = _Elsewhere(project, origin, settings, None)  # type: ignore[arg-type]
        admin = _admin_of(desk)
        started = _publish(desk, admin)
        assert started.status_code == 303
        _until(reached.exists, "the publish reaches its audit")
        os.killpg(meja.pid, signal.SIGINT)  # Ctrl-C on the desk's terminal
        meja.communicate(timeout=60)
    finally:
        if meja.poll() is None:
            os.killpg(meja.pid, signal.SIGKILL)
            meja.communicate()
    resume.write_text("lanjut\n")
    [rc] = _until(lambda: list((settings.data / "terbit").glob("*.rc")), "the publish ends")
    assert rc.read_text().strip() == "0"
    assert (project / "var" / "situs" / "current" / APPROVED_PAGE).is_file()
    with running_desk(project) as again:  # a restarted desk finds the job and its result
        view = again.get(f"/api/terbit/tugas/{rc.stem}", _admin_of(again)).json()
    assert view["kode"] == 0 and view["ringkasan"] == "terbit 12, ditahan 7"


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


def _admin_of(desk: Desk) -> requests.Session:
    desk.account("admin", "Andi Admin", "web-admin")
    return desk.client("admin")


class _Elsewhere(Desk):
    """deskkit's helpers for a desk running in another process (its store file)."""

    @property
    def store(self) -> Store:
        return Store(self.settings.data / "meja.sqlite3")


@pytest.mark.slow
def test_only_the_web_admin_may_publish_and_every_post_needs_the_csrf_token(desk: Desk) -> None:
    writer = desk.client("tulis")
    for path in ("/terbit", "/terbit/kembalikan", "/laporan", "/api/terbit/tugas/x"):
        answer = desk.get(path, writer)
        assert answer.status_code == 403, path
    refused = desk.post("/terbit/mulai", writer, data={"csrf": writer.csrf})  # type: ignore[attr-defined]
    assert refused.status_code == 403 and "Halaman ini bukan untuk peran Anda." in refused.text
    assert desk.get("/terbit").url.startswith(f"{desk.url}/masuk")  # logged out: to the login

    admin = desk.client("admin")
    admin.headers.pop("X-CSRF-Token")
    forged = desk.post("/terbit/mulai", admin, data={"demo": "1"}, allow_redirects=False)
    assert forged.status_code == 403
    assert "Formulir ini sudah kedaluwarsa atau bukan dari meja ini." in forged.text
    other = desk.post(
        "/terbit/kembalikan",
        admin,
        data={"csrf": "salah", "yakin": "1"},
        headers={"Origin": "https://situs-lain.example"},
        allow_redirects=False,
    )
    assert other.status_code == 403 and "Permintaan dari situs lain ditolak." in other.text
    assert list((desk.settings.data / "terbit").glob("*.json")) == []  # nothing was started
    assert not (desk.root / "var" / "situs").exists()


@pytest.mark.slow
def test_the_sop_report_is_one_tap_away_in_the_desks_own_layout(desk: Desk) -> None:
    admin = desk.client("admin")
    report = desk.get("/laporan?bulan=2026-11", admin)
    assert report.status_code == 200
    assert "Laporan waktu persetujuan (SOP 11/2023)" in report.text
    assert "Periode: 2026-11-01 s.d. 2026-11-30" in report.text
    assert "berita/2026-11-10-rapat-pleno-dpt.md" in report.text
    assert 'href="/terbit"' in report.text  # the desk's menu and a way back
    assert 'class="lebar" role="region"' in report.text  # tables scroll, not the page
    assert "script-src 'self'" in report.headers["Content-Security-Policy"]
    assert "<script>" not in report.text


@pytest.mark.slow
@pytest.mark.browser
def test_a_phone_sees_the_progress_then_the_result(
    desk: Desk,
    browser,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    def accessible() -> None:
        results = Axe().run(page)
        assert results.response["passes"]  # axe did run inside the page's CSP
        assert results.violations_count == 0, results.generate_report()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin = desk.client("admin")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    context.add_cookies(
        [{"name": "meja_sesi", "value": admin.cookies["meja_sesi"], "url": desk.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every answer the page asked for, but the browser's own favicon request (not a page's).
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    try:
        page.goto(f"{desk.url}/terbit")
        page.locator("#daftar-ditahan").wait_for()
        page.screenshot(path=str(SCREENSHOTS / "meja-terbit-rencana.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways
        accessible()
        box = page.locator("#terbitkan").bounding_box()
        assert box and box["height"] >= 44
        reached, resume = _pause_publishes(monkeypatch, tmp_path)
        page.locator("#terbitkan").click()
        page.locator("#kemajuan").wait_for()
        _until(reached.exists, "the publish reaches its audit")
        assert f"$ {COMMAND}" in page.locator("#kemajuan").inner_text()
        expect(page.locator("#status-tugas")).to_contain_text("detik di halaman ini")
        page.screenshot(path=str(SCREENSHOTS / "meja-terbit-kemajuan.png"), full_page=True)
        accessible()
        resume.write_text("lanjut\n")
        # (Playwright's locators: the page's CSP forbids the eval of wait_for_function.)
        expect(page.locator("#hasil-terbit")).to_contain_text(
            "terbit 12, ditahan 7", timeout=300_000
        )
        assert "Selesai dengan baik. (kode keluar 0)" in page.locator("#hasil-terbit").inner_text()
        assert page.locator("#situs-tayang").get_attribute("href") == "http://127.0.0.1:8000"
        assert "Penerbitan" in page.locator("#kemajuan").inner_text()  # the child's lines, live
        page.screenshot(path=str(SCREENSHOTS / "meja-terbit-hasil.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        accessible()
        page.get_by_role("link", name="Lihat rencana terbit yang baru").click()
        expect(page.locator("#jumlah-rencana")).to_have_text("akan terbit 12, ditahan 7, ditarik 0")
        expect(page.locator("main")).to_contain_text("Akan dikirim 0 berkas")  # live already
        page.locator("#kembalikan").click()
        expect(page.locator("#yakin-kembalikan")).to_be_visible()
        accessible()
        page.screenshot(path=str(SCREENSHOTS / "meja-terbit-kembalikan.png"), full_page=True)
    finally:
        context.close()
    assert errors == []
