"""``invoke preview`` with broken items, and after a preview that was killed or stopped.

Each broken input sits beside a good item in a real site: the preview is still made
(exit 0, no traceback), the good item's page is there, the CLI prints one Indonesian
line for the problem, and the broken item is marked on its own page or, when Pelican
cannot read it at all, listed on the preview's front page with the reason. A preview
killed mid-build (SIGKILL, a real child process stopped at a failpoint) leaves a folder
that the next ``invoke preview`` and ``invoke watch`` clean up by themselves.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest

from editorial.preview.inject import MARKER
from previewkit import PATIENCE_S, Watch, invoke, page, panel, preview, preview_dir
from sitekit import REPO, ROLES, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

GOOD = "berita/rapat.md"
GOOD_URL = "berita/rapat-pleno/"
LEFT_OUT = "; item ini tidak ada di pratinjau, item lain tetap dipratinjau."
HEADER = (
    "Ada 1 masalah; item lain tetap dipratinjau dan halaman depan pratinjau mendaftar semuanya:"
)
RECOVERED = "Pratinjau sebelumnya tidak selesai (terhenti atau gagal); sisanya sudah dibersihkan."


def _write(site: Site, item: str, text: str | bytes) -> None:
    path = site.content / item
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)


def _with_good_item(site: Site) -> Site:
    site.article(GOOD, "Rapat Pleno", "Isi TOKENBAIK.")
    site.approve_all(GOOD, ROLES[:1])
    return site


def _made(site: Site) -> subprocess.CompletedProcess[str]:
    """Run the preview; it must be made, say no traceback, and show the good item."""
    done = preview(site)
    assert "Traceback" not in done.stdout + done.stderr
    assert "TOKENBAIK" in page(site, GOOD_URL)
    for html in preview_dir(site).rglob("*.html"):
        assert MARKER in html.read_text(encoding="utf-8"), html
    return done


def _problems(done: subprocess.CompletedProcess[str]) -> list[str]:
    """Return the problem lines the preview printed (between its header and last line)."""
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Ada "))
    return lines[start + 1 : -1]


def _front_box(site: Site) -> str:
    html = page(site, "index.html")
    found = re.search(r"<!--kpu-pratinjau-masalah-->(.*?)<!--/kpu-pratinjau-masalah-->", html, re.S)
    assert found, "the front page lists the problems"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


# --- items Pelican cannot read: listed on the front page, with the reason -------------------

UNREADABLE: dict[str, tuple[str, str | bytes, str]] = {
    "tanpa-judul": (
        "berita/tanpa.md",
        "Date: 2026-11-20 08:00\n\nTanpa judul.\n",
        "content/berita/tanpa.md: metadata wajib 'title' tidak ada"
        + LEFT_OUT
        + " Tambahkan baris 'Title: ...' di bagian atas naskah.",
    ),
    "tanggal-rusak": (
        "berita/tanggal.md",
        "Title: Tanggal\nDate: bukan-tanggal\n\nIsi.\n",
        "content/berita/tanggal.md:2: tanggal 'bukan-tanggal' tidak dikenali"
        + LEFT_OUT
        + " Tulis tanggal seperti 'Date: 2026-11-20 08:00'.",
    ),
    "status-asing": (
        "berita/status.md",
        "Title: Status\nDate: 2026-11-20 08:00\nStatus: rusak\n\nIsi.\n",
        "content/berita/status.md:3: status 'rusak' tidak dikenal"
        + LEFT_OUT
        + " Pakai published, hidden atau draft.",
    ),
    "bukan-utf8": (
        "berita/biner.md",
        b"Title: Biner\nDate: 2026-11-20 08:00\n\nIsi \xff\xfe rusak.\n",
        "content/berita/biner.md: berkas bukan teks UTF-8 (byte tidak sah di posisi 41)"
        + LEFT_OUT
        + " Simpan ulang berkas itu sebagai UTF-8.",
    ),
    "markdown-terlalu-dalam": (
        "berita/dalam.md",
        "Title: Dalam\nDate: 2026-11-20 08:00\n\n" + "* " * 2000 + "x\n",
        "content/berita/dalam.md: isinya bersarang terlalu dalam (daftar atau kutipan di "
        "dalam daftar atau kutipan) sehingga Markdown tidak dapat mengolahnya"
        + LEFT_OUT
        + " Kurangi tingkat susunan bersarangnya.",
    ),
    "rst-rusak": (
        "berita/rst.rst",
        "Rst\n###\n\n:date: 2026-11-20 08:00\n\n.. tidakada::\n",
        "content/berita/rst.rst:6: reStructuredText tidak valid: Unknown directive type "
        '"tidakada".' + LEFT_OUT + " Perbaiki baris itu.",
    ),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE), ids=sorted(UNREADABLE))
def test_an_item_pelican_cannot_read_is_listed_and_the_others_are_previewed(
    site: Site, case: str
) -> None:
    item, text, line = UNREADABLE[case]
    _with_good_item(site)
    _write(site, item, text)
    done = _made(site)
    assert done.stdout.splitlines()[0].startswith("Pratinjau selesai: 1 item")
    assert _problems(done) == [line]
    assert HEADER in done.stdout
    box = _front_box(site)
    assert "Tidak dapat ditampilkan dengan benar (1)" in box
    assert line in box


# --- items that render: marked on their own page --------------------------------------------


def _missing_attachment(site: Site) -> tuple[str, str]:
    _write(
        site,
        "berita/lampiran.md",
        "Title: Lampiran\nDate: 2026-11-20 08:00\n\n[PDF]({attach}hilang.pdf)\n",
    )
    return "berita/lampiran/", "Lampiran tidak ditemukan: berita/hilang.pdf"


def _missing_static_in_a_page(site: Site) -> tuple[str, str]:
    _write(site, "pages/profil.md", "Title: Profil\n\n![Foto]({static}/gambar/hilang.jpg)\n")
    return "profil/", "gambar/hilang.jpg"


def _symlink_attachment(site: Site) -> tuple[str, str]:
    secret = site.root / "rahasia.txt"
    secret.write_text("TOKENRAHASIA")
    _write(
        site,
        "berita/tautan.md",
        "Title: Tautan\nDate: 2026-11-20 08:00\n\n[PDF]({attach}tautan.pdf)\n",
    )
    os.symlink(secret, site.content / "berita" / "tautan.pdf")
    return "berita/tautan/", "Bukan berkas biasa (tautan simbolik (symlink))"


def _fifo_attachment(site: Site) -> tuple[str, str]:
    _write(
        site, "berita/pipa.md", "Title: Pipa\nDate: 2026-11-20 08:00\n\n[PDF]({attach}pipa.pdf)\n"
    )
    os.mkfifo(site.content / "berita" / "pipa.pdf")
    return "berita/pipa/", "Bukan berkas biasa (pipa bernama (FIFO))"


def _broken_signoff(site: Site) -> tuple[str, str]:
    folder = site.approvals / "berita" / "rapat"
    (folder / "kasubbag-tekmas-setuju-2026-11-21T0920.yml").write_text("item: [rusak\n  : :\n")
    return GOOD_URL, "YAML tidak valid"


MARKED: dict[str, Callable[[Site], tuple[str, str]]] = {
    "lampiran-hilang": _missing_attachment,
    "static-hilang-di-halaman": _missing_static_in_a_page,
    "lampiran-symlink": _symlink_attachment,
    "lampiran-fifo": _fifo_attachment,
    "persetujuan-rusak": _broken_signoff,
}


@pytest.mark.parametrize("case", sorted(MARKED), ids=sorted(MARKED))
def test_an_item_with_a_problem_is_marked_on_its_page_and_named_by_file(
    site: Site, case: str
) -> None:
    _with_good_item(site)
    url, problem = MARKED[case](site)
    done = _made(site)
    [line] = [line for line in _problems(done) if problem in line]
    html = page(site, url)
    banner = re.search(r'<div class="kpu-pratinjau-banner".*?</div>', html, re.S)
    assert banner and "perlu diperbaiki" in banner.group(0), "the banner marks the item"
    _, text = panel(html)
    assert f"Catatan masalah{line}" in text, "the panel shows the CLI's line, file:line and hint"
    assert problem in _front_box(site)
    assert not any(
        b"TOKENRAHASIA" in p.read_bytes() for p in preview_dir(site).rglob("*") if p.is_file()
    ), "a symlinked file is never copied into the preview"


def test_two_items_at_one_address_keep_one_and_name_the_other(site: Site) -> None:
    site.article(GOOD, "Rapat Pleno", "Isi TOKENBAIK.")
    site.article("berita/rapat-lagi.md", "Rapat Pleno", "Isi TOKENKEMBAR.")
    done = preview(site)
    [line] = _problems(done)
    found = re.fullmatch(
        r"content/berita/(rapat|rapat-lagi)\.md: alamat halamannya \(berita/rapat-pleno/"
        r"index\.html\) sama dengan berita/(rapat|rapat-lagi)\.md; halaman item ini tidak "
        r"dibuat\. Ubah judulnya atau tulis metadata 'Slug: \.\.\.' yang lain\.",
        line,
    )
    assert found and found.group(1) != found.group(2)
    shown = "TOKENBAIK" if found.group(2) == "rapat" else "TOKENKEMBAR"
    assert shown in page(site, GOOD_URL)
    assert line in _front_box(site)


def test_an_item_the_theme_fails_on_gets_a_page_without_the_theme(site: Site) -> None:
    _with_good_item(site)
    article = site.root / "theme" / "templates" / "article.html"
    article.write_text(
        "{% if article.slug == 'meledak' %}{{ article.title.tidak_ada() }}{% endif %}"
        + article.read_text()
    )
    site.article("berita/meledak.md", "Meledak", "Isi TOKENMELEDAK.")
    done = _made(site)
    [line] = _problems(done)
    assert line.startswith(
        "content/berita/meledak.md: halaman item tidak dapat dibuat dengan tema situs: "
        "UndefinedError: "
    )
    assert line.endswith(
        "; ditampilkan tanpa tema. Perbaiki naskah atau lampirannya; bila naskahnya benar, "
        "laporkan ke pengelola tema."
    )
    html = page(site, "berita/meledak/")
    assert "Halaman ini tidak dapat dibuat dengan tema situs; ditampilkan tanpa tema." in html
    assert "TOKENMELEDAK" in html and MARKER in html
    assert "<strong>DRAF - belum disetujui</strong>" in html
    rows, _ = panel(html)
    assert rows[1][:2] == ["Web Admin", "Menunggu (giliran sekarang)"]


def test_an_item_outside_the_sop_kinds_does_not_stop_the_preview(site: Site) -> None:
    _with_good_item(site)
    site.article("aneh/x.md", "Aneh", "Isi TOKENANEH.")
    done = _made(site)
    assert done.returncode == 0
    pages = [p for p in preview_dir(site).rglob("*.html") if "TOKENANEH" in p.read_text()]
    assert pages, "the item of an unknown kind folder is previewed"


# --- a finding of the gate, shown generically ------------------------------------------------


def test_every_finding_of_the_verdict_is_shown_with_file_line_and_hint(site: Site) -> None:
    _with_good_item(site)
    _write(
        site,
        "berita/dua.md",
        "Title: Dua\nDate: 2026-11-20 08:00\n\n[A]({attach}a.pdf) [B]({attach}b.pdf)\n",
    )
    done = _made(site)
    lines = [line for line in _problems(done) if "content/berita/dua.md" in line]
    assert len(lines) == 2
    _, text = panel(page(site, "berita/dua/"))
    for line in lines:
        assert line in text, "the panel shows the same file:line: message hint as the CLI"


# --- after a crash or a kill ------------------------------------------------------------------


def _stopped_at_a_page(site: Site, tmp_path: Path) -> subprocess.Popen[str]:
    """Start ``invoke preview`` and return it paused after writing its first page."""
    flag = tmp_path / "failpoint"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "invoke",
            "-r",
            str(REPO),
            "preview",
            "--settings",
            str(site.settings),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "KPU_FAILPOINT": "pratinjau-halaman", "KPU_FAILPOINT_FILE": str(flag)},
    )
    deadline = time.monotonic() + PATIENCE_S
    while not flag.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the preview never reached its first page"
        time.sleep(0.05)
    return child


def _killed_mid_build(site: Site, tmp_path: Path) -> None:
    child = _stopped_at_a_page(site, tmp_path)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    folder = preview_dir(site)
    assert not (folder / "robots.txt").exists(), "killed before the preview finished"
    assert any(MARKER not in p.read_text() for p in folder.rglob("*.html")), "a page unmarked"


def test_a_preview_killed_mid_build_is_cleaned_by_the_next_preview(
    site: Site, tmp_path: Path
) -> None:
    _with_good_item(site)
    _killed_mid_build(site, tmp_path)
    done = _made(site)
    assert done.stdout.splitlines()[1] == RECOVERED
    assert (preview_dir(site) / "robots.txt").exists()
    assert RECOVERED not in preview(site).stdout, "only once"


def test_the_watch_starts_after_a_preview_killed_mid_build(site: Site, tmp_path: Path) -> None:
    _with_good_item(site)
    _killed_mid_build(site, tmp_path)
    watch = Watch(site.settings)
    try:
        said = "Pratinjau sebelumnya tidak selesai; sisanya sudah dibersihkan."
        assert watch.wait_for_line(said) == said
        watch.until(GOOD_URL, lambda text: "TOKENBAIK" in text)
    finally:
        assert watch.stop() == 0


def test_a_preview_stopped_with_sigterm_says_so_and_the_next_one_cleans_up(
    site: Site, tmp_path: Path
) -> None:
    _with_good_item(site)
    child = _stopped_at_a_page(site, tmp_path)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=PATIENCE_S)
    assert child.returncode == 143
    assert err.strip() == (
        "Pratinjau GAGAL: dihentikan oleh sinyal SIGTERM sebelum selesai. Naskah dan situs "
        "tidak berubah; sisa pratinjau ini dibersihkan sendiri oleh 'invoke preview' atau "
        "'invoke watch' berikutnya."
    )
    assert _made(site).stdout.splitlines()[1] == RECOVERED


def test_a_folder_left_by_an_older_crashed_preview_is_recognised(site: Site) -> None:
    _with_good_item(site)
    leftover = preview_dir(site) / "berita" / "lama" / "index.html"
    leftover.parent.mkdir(parents=True)
    leftover.write_text(f"<html><head>{MARKER}</head><body>lama</body></html>")
    _made(site)
    assert not leftover.exists()


def test_a_preview_busy_in_another_process_names_it_and_the_command_to_stop_it(
    site: Site, tmp_path: Path
) -> None:
    _with_good_item(site)
    child = _stopped_at_a_page(site, tmp_path)
    try:
        done = invoke(
            "preview", "--settings", str(site.settings), env={"KPU_PRATINJAU_TUNGGU": "1"}
        )
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    pid = (tmp_path / "failpoint").read_text().split()[1]
    assert done.returncode == 30
    assert done.stderr.strip() == (
        f"Pratinjau GAGAL: Folder pratinjau {preview_dir(site)} sedang dibangun oleh proses "
        f"{pid} (invoke preview atau invoke watch); pratinjau ini tidak mengubah apa pun. "
        f"Tunggu sampai selesai; bila proses itu macet, hentikan dengan: kill {pid}, lalu ulangi."
    )
    _made(site)  # the lock died with its holder


def test_the_default_folder_holding_other_files_names_them_and_a_command_that_works(
    site: Site,
) -> None:
    _with_good_item(site)
    folder = preview_dir(site)
    folder.mkdir(parents=True)
    (folder / "catatan.txt").write_text("bukan pratinjau")
    done = invoke("preview", "--settings", str(site.settings))
    assert done.returncode == 30
    assert done.stderr.strip() == (
        f"Pratinjau GAGAL: sitecfg.py: Folder {folder} berisi berkas yang bukan pratinjau "
        "(catatan.txt); setiap pratinjau mengosongkan foldernya lebih dulu, jadi folder itu "
        "tidak dipakai. Pindahkan berkas itu ke tempat lain, atau bila tidak diperlukan hapus "
        f"foldernya dengan: rm -rf '{folder}', lalu ulangi."
    )
    command = done.stderr.split("dengan: ", 1)[1].split(", lalu ulangi.")[0]
    subprocess.run(command, shell=True, check=True)
    _made(site)


def test_a_listing_page_the_theme_fails_on_gets_a_stand_in_with_the_problems(site: Site) -> None:
    _with_good_item(site)
    index = site.root / "theme" / "templates" / "index.html"
    index.write_text("{{ tidak_ada.sama_sekali() }}" + index.read_text())
    done = _made(site)
    [line] = _problems(done)
    assert line.startswith(
        "index.html: halaman index.html tidak dapat dibuat dengan tema situs: UndefinedError: "
    )
    assert line.endswith(". Periksa naskah yang tampil di halaman itu.")
    assert line in _front_box(site), "the stand-in front page still lists the problems"


def test_watch_on_a_port_that_does_not_exist_says_so(site: Site) -> None:
    done = invoke("watch", "--port", "70000", "--settings", str(site.settings))
    assert done.returncode == 31  # ExitCode.WATCH
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().endswith(
        "Port 70000 tidak ada (port 1 sampai 65535); pratinjau tidak disajikan. "
        "Pakai port lain, misalnya --port 8002."
    )
