"""``invoke report``: how long each SOP step took, against the SOP's time standards.

The site's content has a real git history with chosen commit dates and sign-offs at
chosen times, so every figure in the report is known in advance. The clock of every
sitekit site stands at 2026-11-24 10:00 WIB.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from approval_gate.api import ARCHIVE_NAMESPACE, sign_with_ssh_keygen

from sitekit import PUBLISHER, ROLES, Site
from workflowkit import at, commit, init_repo, run

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

PERIOD = ("--dari", "2026-11-01", "--sampai", "2026-11-30")


def _sign_chain(site: Site, item: str, *times: str) -> None:
    for role, moment in zip(ROLES, times, strict=False):
        site.sign(item, role, at=at(moment))


@pytest.fixture
def timeline(site: Site) -> Site:
    """Four items with known histories (times in WIB).

    * berita/cepat.md: committed 11-20 08:00; approved 08:20, 08:45, 09:30, 09:50.
    * berita/tolak.md: committed 11-20 10:00; approved 10:10, 10:40; the Sekretaris
      rejects at 11:40. Fixed and committed 13:00; approved 13:20, 13:35, 13:55, 14:30.
    * berita/macet.md: committed 11-23 09:00; Web Admin approved 09:10; Kasubbag Tekmas
      has not acted (overdue now).
    * berita/lama.md: committed and approved in October (outside the period).
    """
    init_repo(site)
    site.article("berita/lama.md", "Lama", "Isi lama.", date="2026-10-01 08:00")
    commit(site, "lama", "2026-10-01T08:00:00+07:00")
    _sign_chain(
        site,
        "berita/lama.md",
        "2026-10-01 08:10",
        "2026-10-01 08:20",
        "2026-10-01 08:30",
        "2026-10-01 08:40",
    )
    site.article("berita/cepat.md", "Cepat", "Isi cepat.")
    commit(site, "cepat", "2026-11-20T08:00:00+07:00")
    _sign_chain(
        site,
        "berita/cepat.md",
        "2026-11-20 08:20",
        "2026-11-20 08:45",
        "2026-11-20 09:30",
        "2026-11-20 09:50",
    )
    site.article("berita/tolak.md", "Tolak", "Isi versi satu.")
    commit(site, "tolak v1", "2026-11-20T10:00:00+07:00")
    _sign_chain(site, "berita/tolak.md", "2026-11-20 10:10", "2026-11-20 10:40")
    site.sign(
        "berita/tolak.md",
        "sekretaris",
        decision="tolak",
        note="Sumber data kurang.",
        at=at("2026-11-20 11:40"),
    )
    site.article("berita/tolak.md", "Tolak", "Isi versi dua, dengan sumber data.")
    commit(site, "tolak v2", "2026-11-20T13:00:00+07:00")
    _sign_chain(
        site,
        "berita/tolak.md",
        "2026-11-20 13:20",
        "2026-11-20 13:35",
        "2026-11-20 13:55",
        "2026-11-20 14:30",
    )
    site.article("berita/macet.md", "Macet", "Isi macet.")
    commit(site, "macet", "2026-11-23T09:00:00+07:00")
    _sign_chain(site, "berita/macet.md", "2026-11-23 09:10")
    return site


def _summary(stdout: str) -> dict[str, list[str]]:
    lines = stdout.splitlines()
    start = lines.index("RINGKASAN PER PERAN") + 2
    rows = {}
    for line in lines[start:]:
        if not line or line.startswith("  "):
            break
        name, rest = re.split(r"\s{2,}", line, maxsplit=1)
        rows[name] = re.split(r"\s{2,}", rest)
    return rows


def test_report_measures_each_role_against_the_sop_standard(timeline: Site) -> None:
    done = run(timeline, "report", *PERIOD)
    assert done.returncode == 0, done.stderr
    assert "Periode: 2026-11-01 s.d. 2026-11-30; dihitung 2026-11-24 10:00 WIB." in done.stdout
    # LANGKAH, MEDIAN, DALAM STANDAR, STANDAR, DITOLAK, TERLAMBAT SAAT INI
    assert _summary(done.stdout) == {
        "Web Admin": ["4", "15m", "100% (4/4)", "30m", "0", "0"],
        "Kasubbag Tekmas": ["3", "25m", "100% (3/3)", "30m", "0", "1"],
        "Sekretaris": ["3", "45m", "33% (1/3)", "30m", "1", "0"],
        "Komisioner": ["2", "27,5m", "50% (1/2)", "30m", "0", "0"],
        "Ujung ke ujung": ["2", "3j 10m", "50% (1/2)", "175m", "1", "1"],
    }
    assert "  terlambat saat ini, Kasubbag Tekmas: berita/macet.md" in done.stdout
    assert "  terlambat saat ini, Ujung ke ujung: berita/macet.md" in done.stdout


def test_a_rejection_round_starts_again_at_the_corrected_commit(timeline: Site) -> None:
    lines = run(timeline, "report", *PERIOD).stdout.splitlines()
    steps = [re.split(r"\s{2,}", line) for line in lines if line.startswith("berita/tolak.md")]
    assert steps == [
        # PER ITEM: PUTARAN, DITOLAK, MULAI, SELESAI, WAKTU, STATUS
        [
            "berita/tolak.md",
            "1–2",
            "1",
            "2026-11-20 10:00",
            "2026-11-20 14:30",
            "4j 30m",
            "lengkap (belum terbit) TERLAMBAT",
        ],
        # PER LANGKAH: PUTARAN, PERAN, MULAI, SELESAI, WAKTU, STANDAR, KEPUTUSAN
        [
            "berita/tolak.md",
            "1",
            "Web Admin",
            "2026-11-20 10:00",
            "2026-11-20 10:10",
            "10m",
            "30m",
            "setuju",
        ],
        [
            "berita/tolak.md",
            "1",
            "Kasubbag Tekmas",
            "2026-11-20 10:10",
            "2026-11-20 10:40",
            "30m",
            "30m",
            "setuju",
        ],
        [
            "berita/tolak.md",
            "1",
            "Sekretaris",
            "2026-11-20 10:40",
            "2026-11-20 11:40",
            "1j 0m",
            "30m",
            "tolak TERLAMBAT",
        ],
        [
            "berita/tolak.md",
            "2",
            "Web Admin",
            "2026-11-20 13:00",
            "2026-11-20 13:20",
            "20m",
            "30m",
            "setuju",
        ],
        [
            "berita/tolak.md",
            "2",
            "Kasubbag Tekmas",
            "2026-11-20 13:20",
            "2026-11-20 13:35",
            "15m",
            "30m",
            "setuju",
        ],
        [
            "berita/tolak.md",
            "2",
            "Sekretaris",
            "2026-11-20 13:35",
            "2026-11-20 13:55",
            "20m",
            "30m",
            "setuju",
        ],
        [
            "berita/tolak.md",
            "2",
            "Komisioner",
            "2026-11-20 13:55",
            "2026-11-20 14:30",
            "35m",
            "30m",
            "setuju TERLAMBAT",
        ],
    ]


def test_the_item_waiting_now_is_shown_as_overdue(timeline: Site) -> None:
    lines = run(timeline, "report", *PERIOD).stdout.splitlines()
    assert [re.split(r"\s{2,}", line) for line in lines if line.startswith("berita/macet")] == [
        ["berita/macet.md", "1", "0", "2026-11-23 09:00", "-", "1h 1j 0m", "berjalan TERLAMBAT"],
        [
            "berita/macet.md",
            "1",
            "Web Admin",
            "2026-11-23 09:00",
            "2026-11-23 09:10",
            "10m",
            "30m",
            "setuju",
        ],
        [
            "berita/macet.md",
            "1",
            "Kasubbag Tekmas",
            "2026-11-23 09:10",
            "-",
            "1h 0j 50m",
            "30m",
            "menunggu TERLAMBAT",
        ],
    ]


def test_items_outside_the_period_are_left_out(timeline: Site) -> None:
    inside = run(timeline, "report", *PERIOD).stdout
    assert "berita/lama.md" not in inside
    october = run(timeline, "report", "--dari", "2026-10-01", "--sampai", "2026-10-31").stdout
    assert "berita/lama.md" in october and "berita/cepat.md" not in october
    assert _summary(october)["Web Admin"] == ["1", "10m", "100% (1/1)", "30m", "0", "0"]


def test_csv_has_one_row_per_step_and_per_item(timeline: Site, tmp_path: Path) -> None:
    target = tmp_path / "laporan.csv"
    done = run(timeline, "report", *PERIOD, "--csv", str(target))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == [
        "jenis_baris",
        "item",
        "judul",
        "putaran",
        "peran",
        "nama_peran",
        "penanda_tangan",
        "mulai",
        "sumber_mulai",
        "selesai",
        "keputusan",
        "menit",
        "menit_sejak_versi",
        "standar_menit",
        "dalam_standar",
        "ditolak",
        "catatan",
        "digest",
    ]
    tolak = [row[:17] for row in rows if row[1] == "berita/tolak.md"]
    assert tolak == [
        [
            "langkah",
            "berita/tolak.md",
            "Tolak",
            "1",
            "web-admin",
            "Web Admin",
            "andi",
            "2026-11-20T10:00:00+07:00",
            "commit versi",
            "2026-11-20T10:10:00+07:00",
            "setuju",
            "10",
            "10",
            "30",
            "ya",
            "0",
            "",
        ],
        [
            "langkah",
            "berita/tolak.md",
            "Tolak",
            "1",
            "kasubbag-tekmas",
            "Kasubbag Tekmas",
            "sri",
            "2026-11-20T10:10:00+07:00",
            "persetujuan peran sebelumnya",
            "2026-11-20T10:40:00+07:00",
            "setuju",
            "30",
            "40",
            "30",
            "ya",
            "0",
            "",
        ],
        [
            "langkah",
            "berita/tolak.md",
            "Tolak",
            "1",
            "sekretaris",
            "Sekretaris",
            "bambang",
            "2026-11-20T10:40:00+07:00",
            "persetujuan peran sebelumnya",
            "2026-11-20T11:40:00+07:00",
            "tolak",
            "60",
            "100",
            "30",
            "tidak",
            "1",
            "Sumber data kurang.",
        ],
        [
            "langkah",
            "berita/tolak.md",
            "Tolak",
            "2",
            "web-admin",
            "Web Admin",
            "andi",
            "2026-11-20T13:00:00+07:00",
            "commit versi",
            "2026-11-20T13:20:00+07:00",
            "setuju",
            "20",
            "20",
            "30",
            "ya",
            "0",
            "",
        ],
        [
            "langkah",
            "berita/tolak.md",
            "Tolak",
            "2",
            "kasubbag-tekmas",
            "Kasubbag Tekmas",
            "sri",
            "2026-11-20T13:20:00+07:00",
            "persetujuan peran sebelumnya",
            "2026-11-20T13:35:00+07:00",
            "setuju",
            "15",
            "35",
            "30",
            "ya",
            "0",
            "",
        ],
        [
            "langkah",
            "berita/tolak.md",
            "Tolak",
            "2",
            "sekretaris",
            "Sekretaris",
            "bambang",
            "2026-11-20T13:35:00+07:00",
            "persetujuan peran sebelumnya",
            "2026-11-20T13:55:00+07:00",
            "setuju",
            "20",
            "55",
            "30",
            "ya",
            "0",
            "",
        ],
        [
            "langkah",
            "berita/tolak.md",
            "Tolak",
            "2",
            "komisioner",
            "Komisioner",
            "dewi",
            "2026-11-20T13:55:00+07:00",
            "persetujuan peran sebelumnya",
            "2026-11-20T14:30:00+07:00",
            "setuju",
            "35",
            "90",
            "30",
            "tidak",
            "0",
            "",
        ],
        [
            "ujung-ke-ujung",
            "berita/tolak.md",
            "Tolak",
            "1–2",
            "ujung-ke-ujung",
            "Ujung ke ujung",
            "",
            "2026-11-20T10:00:00+07:00",
            "commit pertama berkas",
            "2026-11-20T14:30:00+07:00",
            "lengkap (belum terbit)",
            "270",
            "",
            "175",
            "tidak",
            "1",
            "",
        ],
    ]
    digests = {row[17] for row in rows if row[1] == "berita/tolak.md" and row[0] == "langkah"}
    assert len(digests) == 2 and all(d.startswith("sha256:") for d in digests)
    assert len(rows) == 1 + 4 + 7 + 2 + 3  # header, steps of cepat, tolak, macet, item rows
    assert target.read_bytes().count(b"\r\n") == len(rows)


def test_html_page_has_an_inline_chart_and_no_external_resources(
    timeline: Site, tmp_path: Path
) -> None:
    target = tmp_path / "laporan.html"
    done = run(timeline, "report", *PERIOD, "--html", str(target))
    assert done.returncode == 0, done.stderr
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="id">' in page
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert "Median waktu setiap peran dibanding standar SOP" in chart
    assert chart.count("<rect") == 5  # four roles and the end-to-end path
    assert "median 45m · standar 30m · 33% (1/3) dalam standar" in chart
    assert 'fill="#c62828"><title>Sekretaris' in chart  # over the standard: red
    assert 'fill="#2e7d32"><title>Web Admin' in chart
    assert not re.search(r"(src|href)=\"https?:|<script", page)
    assert "<td>berita/macet.md</td>" in page


def test_start_time_falls_back_to_the_first_commit_and_says_so(site: Site) -> None:
    init_repo(site)
    site.article("berita/a.md", "A", "Versi satu.")
    commit(site, "a", "2026-11-20T08:00:00+07:00")
    site.article("berita/a.md", "A", "Versi yang tidak pernah di-commit.")
    site.sign("berita/a.md", "web-admin", at=at("2026-11-20 09:00"))
    site.article("berita/a.md", "A", "Versi dua.")
    commit(site, "a v2", "2026-11-20T10:00:00+07:00")
    site.sign("berita/a.md", "web-admin", at=at("2026-11-20 10:15"))
    done = run(site, "report")
    assert done.returncode == 0, done.stderr
    rows = [
        re.split(r"\s{2,}", line)
        for line in done.stdout.splitlines()
        if line.startswith("berita/a.md")
    ]
    assert rows[1] == [
        "berita/a.md",
        "1",
        "Web Admin",
        "2026-11-20 08:00*",
        "2026-11-20 09:00",
        "1j 0m",
        "30m",
        "setuju TERLAMBAT",
    ]
    assert rows[2] == [
        "berita/a.md",
        "2",
        "Web Admin",
        "2026-11-20 10:00",
        "2026-11-20 10:15",
        "15m",
        "30m",
        "setuju",
    ]
    assert (
        "  berita/a.md: mulai putaran 1 dihitung dari commit pertama berkas (perkiraan)"
        in done.stdout
    )


def test_without_git_the_file_time_is_used_and_said(site: Site) -> None:
    site.article("berita/a.md", "A", "Isi.")
    moment = at("2026-11-24 09:00").timestamp()
    os.utime(site.content / "berita/a.md", (moment, moment))
    done = run(site, "report")
    assert done.returncode == 0, done.stderr
    row = [
        re.split(r"\s{2,}", line)
        for line in done.stdout.splitlines()
        if line.startswith("berita/a.md")
    ][1]
    assert row == [
        "berita/a.md",
        "1",
        "Web Admin",
        "2026-11-24 09:00*",
        "-",
        "1j 0m",
        "30m",
        "menunggu TERLAMBAT",
    ]
    assert (
        "! Folder content/ bukan repositori git: waktu mulai setiap versi diperkirakan "
        "dari waktu berkas." in done.stdout
    )


def test_published_items_end_at_their_publication(timeline: Site) -> None:
    record = timeline.approvals / "_arsip" / "2026" / "20261120T100000.000-abc-situs.yml"
    record.parent.mkdir(parents=True)
    digest = timeline.digest("berita/cepat.md")
    record.write_text(
        "release: 20261120T100000.000-abc\npublished_at: '2026-11-20T10:00:00+07:00'\n"
        "target: {name: situs, type: lokal, location: /srv/situs}\n"
        f"published:\n- {{item: berita/cepat.md, url: berita/cepat/, lang: id, "
        f"digest: '{digest}', signoffs: []}}\nwithheld: []\n"
    )
    signature = sign_with_ssh_keygen(
        record.read_bytes(), timeline.keys.private(PUBLISHER), ARCHIVE_NAMESPACE
    )  # by the publishing machine: only signed records count
    record.with_name(f"{record.name}.sig").write_text(signature)
    lines = run(timeline, "report", *PERIOD).stdout.splitlines()
    row = next(re.split(r"\s{2,}", line) for line in lines if line.startswith("berita/cepat.md"))
    assert row == [
        "berita/cepat.md",
        "1",
        "0",
        "2026-11-20 08:00",
        "2026-11-20 10:00",
        "2j 0m",
        "terbit",
    ]


def _rows(stdout: str, item: str) -> list[list[str]]:
    """Return the item's rows: its PER ITEM rows first, then its PER LANGKAH rows."""
    return [re.split(r"\s{2,}", line) for line in stdout.splitlines() if line.startswith(item)]


def test_each_round_has_its_own_row_numbered_over_the_items_history(site: Site) -> None:
    """Rejected, approved, then edited: rounds 1-2 make one cycle, round 3 a second one."""
    init_repo(site)
    site.article("berita/ubah.md", "Ubah", "Versi satu.")
    commit(site, "v1", "2026-11-20T08:00:00+07:00")
    site.sign("berita/ubah.md", "web-admin", at=at("2026-11-20 08:10"))
    site.sign(
        "berita/ubah.md",
        "kasubbag-tekmas",
        decision="tolak",
        note="Foto belum ada.",
        at=at("2026-11-20 08:30"),
    )
    site.article("berita/ubah.md", "Ubah", "Versi dua, dengan foto.")
    commit(site, "v2", "2026-11-20T10:00:00+07:00")
    _sign_chain(
        site,
        "berita/ubah.md",
        "2026-11-20 10:10",
        "2026-11-20 10:20",
        "2026-11-20 10:30",
        "2026-11-20 10:40",
    )
    site.article("berita/ubah.md", "Ubah", "Versi tiga, sesudah terbit diubah lagi.")
    commit(site, "v3", "2026-11-21T09:00:00+07:00")
    site.sign("berita/ubah.md", "web-admin", at=at("2026-11-21 09:15"))
    done = run(site, "report")
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout, "berita/ubah.md")
    assert rows[:2] == [  # PER ITEM: PUTARAN, DITOLAK, MULAI, SELESAI, WAKTU, STATUS
        [
            "berita/ubah.md",
            "1–2",
            "1",
            "2026-11-20 08:00",
            "2026-11-20 10:40",
            "2j 40m",
            "lengkap (belum terbit)",
        ],
        ["berita/ubah.md", "3", "0", "2026-11-21 09:00", "-", "3h 1j 0m", "berjalan TERLAMBAT"],
    ]
    # PER LANGKAH: PUTARAN, PERAN, MULAI, SELESAI, WAKTU, KEPUTUSAN
    assert [(r[1], r[2], r[3], r[4], r[5], r[7]) for r in rows[2:]] == [
        ("1", "Web Admin", "2026-11-20 08:00", "2026-11-20 08:10", "10m", "setuju"),
        ("1", "Kasubbag Tekmas", "2026-11-20 08:10", "2026-11-20 08:30", "20m", "tolak"),
        ("2", "Web Admin", "2026-11-20 10:00", "2026-11-20 10:10", "10m", "setuju"),
        ("2", "Kasubbag Tekmas", "2026-11-20 10:10", "2026-11-20 10:20", "10m", "setuju"),
        ("2", "Sekretaris", "2026-11-20 10:20", "2026-11-20 10:30", "10m", "setuju"),
        ("2", "Komisioner", "2026-11-20 10:30", "2026-11-20 10:40", "10m", "setuju"),
        ("3", "Web Admin", "2026-11-21 09:00", "2026-11-21 09:15", "15m", "setuju"),
        ("3", "Kasubbag Tekmas", "2026-11-21 09:15", "-", "3h 0j 45m", "menunggu TERLAMBAT"),
    ]


def _signed_before_commit(site: Site) -> str:
    """berita/impor.md: Web Admin 09:00 and Kasubbag Tekmas 09:20 sign, then it is committed.

    Return the digest they signed.
    """
    init_repo(site)
    site.article("berita/impor.md", "Impor", "Naskah yang diperiksa sebelum ada repositori.")
    _sign_chain(site, "berita/impor.md", "2026-11-20 09:00", "2026-11-20 09:20")
    commit(site, "impor", "2026-11-20T12:00:00+07:00")
    return site.digest("berita/impor.md")


def _submission(
    site: Site, item: str, digest: str, moment: str, name: str = "pengajuan.yml"
) -> None:
    (site.approvals / name).write_text(
        f"# waktu pengajuan\n- item: {item}\n  digest: {digest}\n  diajukan: '{moment}'\n"
    )


def test_a_version_signed_before_its_commit_is_not_measured_without_a_record(
    site: Site,
) -> None:
    _signed_before_commit(site)
    done = run(site, "report")
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout, "berita/impor.md")
    assert rows[1][2:6] == ["Web Admin", "-*", "2026-11-20 09:00", "?"]
    assert _summary(done.stdout)["Web Admin"][1] == "?"
    assert (
        "  berita/impor.md: mulai putaran 1 dihitung dari tidak diketahui: "
        "di-commit sesudah ditandatangani" in done.stdout
    )


def test_a_recorded_submission_times_a_version_git_cannot_date(site: Site, tmp_path: Path) -> None:
    digest = _signed_before_commit(site)
    _submission(  # any pengajuan*.yml at the top: new entries go in new files
        site, "berita/impor.md", digest, "2026-11-20T08:45:00+07:00", "pengajuan-2.yml"
    )
    target = tmp_path / "laporan.csv"
    done = run(site, "report", "--csv", str(target))
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout, "berita/impor.md")
    assert rows[0][:6] == [
        "berita/impor.md",
        "1",
        "0",
        "2026-11-20 08:45",
        "-",
        "4h 1j 15m",
    ]
    assert rows[1][2:6] == ["Web Admin", "2026-11-20 08:45", "2026-11-20 09:00", "15m"]
    assert _summary(done.stdout)["Web Admin"][1:3] == ["15m", "100% (1/1)"]
    assert not [row for row in rows if "?" in row or "-*" in row]
    assert "* Waktu mulai" not in done.stdout
    assert (
        "Mulai 1 putaran dihitung dari catatan pengajuan (approvals/pengajuan*.yml), "
        "bukan dari riwayat git." in done.stdout.splitlines()
    )
    csv_rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r[4], r[7], r[8]) for r in csv_rows[1:3]] == [
        ("web-admin", "2026-11-20T08:45:00+07:00", "catatan pengajuan"),
        ("kasubbag-tekmas", "2026-11-20T09:00:00+07:00", "persetujuan peran sebelumnya"),
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            "  diajukan: '2026-11-20T09:30:00+07:00'\n",
            "approvals/pengajuan.yml:2: Waktu pengajuan berita/impor.md (2026-11-20 09:30) "
            "sesudah tanda tangan pertama versi itu (2026-11-20 09:00), jadi tidak dipakai. "
            "Perbaiki entri itu; waktu mulai versi tersebut dihitung tanpa catatan ini.",
        ),
        (
            "  diajukan: 2026-11-20\n",
            "approvals/pengajuan.yml:2: diajukan '2026-11-20' bukan waktu lengkap dengan "
            "zona. Tulis seperti '2026-11-10T14:40:00+07:00'.",
        ),
        (
            "  diajukan: '2026-11-20T08:45:00+07:00'\n  oleh: andi\n",
            "approvals/pengajuan.yml:2: Entri ke-1 harus berisi tepat: item, digest, diajukan. "
            "Perbaiki entri itu; waktu mulai versi tersebut dihitung tanpa catatan ini.",
        ),
    ],
    ids=["after-the-first-signature", "a-date-only", "an-unknown-key"],
)
def test_a_bad_submission_entry_is_named_and_the_start_stays_unknown(
    site: Site, entry: str, problem: str
) -> None:
    digest = _signed_before_commit(site)
    (site.approvals / "pengajuan.yml").write_text(
        f"# waktu pengajuan\n- item: berita/impor.md\n  digest: {digest}\n{entry}"
    )
    done = run(site, "report")
    assert done.returncode == 0, done.stderr
    assert f"! {problem}" in done.stdout.splitlines()
    assert _rows(done.stdout, "berita/impor.md")[1][3:6] == ["-*", "2026-11-20 09:00", "?"]


def test_a_submission_record_never_overrides_a_commit(timeline: Site) -> None:
    """cepat.md was committed at 08:00, before its first sign-off: the record is refused."""
    _submission(
        timeline, "berita/cepat.md", timeline.digest("berita/cepat.md"), "2026-11-20T07:00:00+07:00"
    )
    (timeline.approvals / "pengajuan.yml").write_text(
        (timeline.approvals / "pengajuan.yml").read_text()
        + "- item: berita/hilang.md\n  digest: sha256:00\n  diajukan: '2026-11-20T07:00:00+07:00'\n"
    )
    done = run(timeline, "report", *PERIOD)
    assert done.returncode == 0, done.stderr
    assert _rows(done.stdout, "berita/cepat.md")[1][3:6] == [
        "2026-11-20 08:00",
        "2026-11-20 08:20",
        "20m",
    ]
    assert [line for line in done.stdout.splitlines() if line.startswith("! ")] == [
        "! approvals/pengajuan.yml:2: Pengajuan berita/cepat.md tidak dipakai: versi itu sudah "
        "di-commit sebelum ditandatangani, dan waktu commit yang dihitung. Biarkan saja; "
        "catatan ini tidak mengubah laporan.",
        "! approvals/pengajuan.yml:5: Item 'berita/hilang.md' tidak ada di content/. Perbaiki "
        "entri itu; waktu mulai versi tersebut dihitung tanpa catatan ini.",
    ]
    assert "catatan pengajuan" not in done.stdout


def test_the_sample_tool_makes_the_sample_report_show_every_step(tmp_path: Path) -> None:
    """On a fresh copy (committed now, after every sample signature) the tool fills the gap."""
    import subprocess
    import sys

    from sitekit import copy_project

    copy = copy_project(tmp_path / "kopi", tests=False)
    for _ in range(2):  # the second run finds nothing missing and changes nothing
        made = subprocess.run(
            [sys.executable, "tools/sample_approvals.py"], cwd=copy, capture_output=True, text=True
        )
        assert made.returncode == 0, made.stderr
    changed = subprocess.run(
        ["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert set(changed) <= {"?? approvals/pengajuan.yml"}  # no sign-off is written or changed
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(copy), "report"],
        capture_output=True,
        text=True,
        cwd=copy,
    )
    assert done.returncode == 0, done.stderr
    assert "?" not in done.stdout and "! " not in done.stdout
    summary = _summary(done.stdout)
    assert summary["Web Admin"][:3] == ["21", "20m", "100% (21/21)"]
    assert summary["Ujung ke ujung"][:3] == ["16", "1j 35m", "100% (16/16)"]
    stale = _rows(done.stdout, "data/2026-11-16-daftar-tps.md")
    assert [(r[1], r[3], r[4], r[6].split()[0]) for r in stale[:2]] == [
        ("1", "2026-11-16 10:40", "2026-11-16 12:15", "lengkap"),
        ("2", stale[6][3], "-", "berjalan"),  # round 2 starts at the copy's commit
    ]
    assert [(r[1], r[2]) for r in stale[2:]] == [
        ("1", "Web Admin"),
        ("1", "Kasubbag Tekmas"),
        ("1", "Sekretaris"),
        ("1", "Komisioner Divisi Sosdiklih, Parmas dan SDM"),
        ("2", "Web Admin"),
    ]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (
            ("--dari", "1 November"),
            "--dari '1 November' bukan tanggal. Pakai format YYYY-MM-DD, mis. 2026-11-01.",
            23,
        ),
        (
            ("--dari", "2026-11-30", "--sampai", "2026-11-01"),
            "Periode terbalik: --dari 2026-11-30 "
            "sesudah --sampai 2026-11-01. Tukar kedua tanggal itu.",
            23,
        ),
    ],
    ids=["not-a-date", "reversed"],
)
def test_a_bad_period_is_refused_with_what_to_do(
    site: Site, args: tuple[str, ...], message: str, code: int
) -> None:
    done = run(site, "report", *args)
    assert (done.returncode, done.stderr.strip()) == (code, message)


def test_report_on_the_sample_site() -> None:
    from sitekit import REPO
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(REPO), "report"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    summary = _summary(done.stdout)
    assert list(summary) == [
        "Web Admin",
        "Kasubbag Tekmas",
        "Sekretaris",
        "Komisioner Divisi Sosdiklih, Parmas dan SDM",
        "Ujung ke ujung",
    ]
    assert "berita/2026-11-19-hasil-rapat-evaluasi.md" in done.stdout
    assert re.search(
        r"berita/2026-11-19-hasil-rapat-evaluasi\.md\s+1\s+Sekretaris\s+"
        r"2026-11-19 16:25\s+2026-11-19 16:50\s+25m\s+30m\s+tolak",
        done.stdout,
    )
