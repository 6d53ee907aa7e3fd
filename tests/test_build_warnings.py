"""A value the theme cannot read is told to the web admin, with its file and line.

A regulation whose date of enactment is written ``26-01-2024``, or whose status is not
one of the three, is still published, without that part (site_theme/regulations.py).
Before, only the build's log held the warning, and a publish shows its log only when it
fails: nobody learnt that the page went out without its date. Now ``invoke publish``
(and ``invoke build``, tests/test_build_result.py) prints each warning after the
problems, keeps them in the problems' file, and the preview lists them on the item.
Real sites, real ``invoke publish`` in a child process.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from approval_gate.api import LOGGED_FINDING, Finding
from editorial.preview.problems import PelicanLog
from publishing import pelican_child
from publishkit import local_targets, publish_settings, run
from sitekit import ROLES, Site
from site_theme import notices

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

FIX = "Perbaiki baris itu, lalu minta persetujuan ulang."
WARNED = "Ada 2 peringatan; itemnya tetap terbit, tetapi tanpa bagian yang tidak dapat dibaca:"


def _regulations(site: Site, enacted: str, status: str, day: int = 21) -> None:
    """One regulation with the values given, approved on ``day``; one with bad values, held."""
    site.article(
        "regulasi/pkpu-3-2024.md",
        "PKPU Nomor 3 Tahun 2024 tentang Kampanye",
        "Ringkasan TOKENREGULASI.",
        date="2026-10-17 10:00",
        category="Regulasi",
        slug="pkpu-3-2024",
        nomor="3",
        tahun="2024",
        jenis="Peraturan KPU",
        ditetapkan=enacted,
        keberlakuan=status,
    )
    signed = datetime.fromisoformat(f"2026-11-{day}T09:00:00+07:00")
    for number, role in enumerate(ROLES):
        site.sign("regulasi/pkpu-3-2024.md", role, at=signed + timedelta(minutes=20 * number))
    site.article(  # held (two sign-offs): a held item is listed as held, never warned about
        "regulasi/draf.md",
        "Regulasi Draf",
        "Ringkasan TOKENDRAF.",
        category="Regulasi",
        slug="draf",
        nomor="4",
        tahun="2024",
        ditetapkan="kemarin",
    )
    site.approve_all("regulasi/draf.md", ROLES[:2])


def _line(site: Site, key: str) -> int:
    lines = (site.content / "regulasi/pkpu-3-2024.md").read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.lower().startswith(f"{key}:"))


def test_the_childs_field_is_the_gates() -> None:
    # The child cannot import the gate before Pelican runs, so it spells the name itself.
    assert pelican_child.LOGGED_FINDING == LOGGED_FINDING


def test_publish_names_each_unreadable_value_and_what_to_do(site: Site, tmp_path: Path) -> None:
    _regulations(site, enacted="26-01-2024", status="Kedaluwarsa")
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    enacted, status = _line(site, "ditetapkan"), _line(site, "keberlakuan")
    full = site.root / "var" / "masalah-terbit.txt"
    expected = [
        WARNED,
        f"  ~ content/regulasi/pkpu-3-2024.md:{enacted}: Tanggal penetapan '26-01-2024' "
        "tidak dapat dibaca; regulasi ini tetap terbit tanpa tanggal penetapan. "
        f"(Tulis sebagai TTTT-BB-HH (mis. 2024-01-26). {FIX})",
        f"  ~ content/regulasi/pkpu-3-2024.md:{status}: Status 'Kedaluwarsa' tidak dikenal; "
        "regulasi ini tetap terbit tanpa status. "
        f"(Pilih salah satu: Berlaku, Dicabut, Diubah. {FIX})",
    ]
    start = lines.index(WARNED)
    assert lines[start : start + 3] == expected
    assert lines[start + 3].startswith("  Daftar lengkap: ") and lines[start + 3].endswith(
        "var/masalah-terbit.txt."
    )
    assert "regulasi/draf.md" not in "\n".join(lines[start:])  # held, so not published
    assert "    ditahan: regulasi/draf.md: menunggu Sekretaris" in lines
    kept = full.read_text()
    assert "Peringatan (2; itemnya tetap terbit tanpa bagian yang tidak dapat dibaca):" in kept
    assert expected[1] in kept and expected[2] in kept
    # What readers got: the page, without the date and the status.
    page = (tmp_path / "web" / "current" / "regulasi" / "pkpu-3-2024" / "index.html").read_text()
    assert "TOKENREGULASI" in page and "Tanggal penetapan" not in page

    # Published again unchanged (pages from the render cache): still said, every time.
    same = run(settings)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "  Situs tidak berubah: tidak ada berkas yang dikirim." in same.stdout
    assert "\n".join(expected) in same.stdout

    # Corrected and approved again: the next publish warns of nothing, the file goes.
    _regulations(site, enacted="2024-01-26", status="Berlaku", day=22)
    site.commit("Perbaiki regulasi")
    again = run(settings)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "peringatan" not in again.stdout
    assert not full.exists()
    page = (tmp_path / "web" / "current" / "regulasi" / "pkpu-3-2024" / "index.html").read_text()
    assert "Tanggal penetapan" in page and "26 Januari 2024" in page


class _Item:
    def __init__(self, source: Path) -> None:
        self.source_path = str(source)


def test_the_preview_lists_a_warning_on_its_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "regulasi").mkdir(parents=True)
    source = content / "regulasi" / "x.md"
    source.write_text("Title: X\nCategory: Regulasi\nDitetapkan: 26-01-2024\n\nIsi.\n")
    handler = PelicanLog(content, "pelicanconf.py")
    logger = logging.getLogger("site_theme.uji_peringatan")
    logger.addHandler(handler)
    try:
        warn = notices.make_warn(logger, str(content))
        warn(_Item(source), "ditetapkan", "Tanggal tidak dapat dibaca.", "Tulis 2024-01-26.")
    finally:
        logger.removeHandler(handler)
    assert handler.notes == [
        Finding(
            "content/regulasi/x.md",
            "Tanggal tidak dapat dibaca.",
            "Tulis 2024-01-26.",
            3,
            "regulasi/x.md",
        )
    ]
