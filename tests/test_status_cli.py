"""``invoke status``: where every item stands, who must act, and for how long."""

from __future__ import annotations

import pytest

import json
from datetime import datetime

from sitekit import ROLES, Site
from test_approve_cli import invoke

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _items_in_every_state(site: Site) -> None:
    for name in ("draf", "tekmas", "sekretaris", "komisioner", "lengkap", "tolak", "lama"):
        site.article(f"berita/{name}.md", name.title(), f"Isi {name}.")
    site.approve_all("berita/tekmas.md", ROLES[:1])
    site.approve_all("berita/sekretaris.md", ROLES[:2])
    site.approve_all("berita/komisioner.md", ROLES[:3])
    site.approve_all("berita/lengkap.md")
    site.approve_all("berita/tolak.md", ROLES[:2])
    site.sign("berita/tolak.md", "sekretaris", decision="tolak", note="Sumber data kurang.")
    site.approve_all("berita/lama.md")
    site.article("berita/lama.md", "Lama", "Isi lama, diubah setelah disetujui.")


def test_status_names_each_state_and_who_acts_next(site: Site) -> None:
    _items_in_every_state(site)
    done = invoke(site, "status", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["item"]: row for row in json.loads(done.stdout)["items"]}
    assert {
        item: (row["state"], row["reason"], row["next_role"]) for item, row in rows.items()
    } == {
        "berita/draf.md": ("draf", "draf, menunggu Web Admin", "web-admin"),
        "berita/tekmas.md": ("menunggu", "menunggu Kasubbag Tekmas", "kasubbag-tekmas"),
        "berita/sekretaris.md": ("menunggu", "menunggu Sekretaris", "sekretaris"),
        "berita/komisioner.md": ("menunggu", "menunggu Komisioner", "komisioner"),
        "berita/lengkap.md": ("lengkap", "lengkap, siap terbit", None),
        "berita/tolak.md": ("ditolak", "ditolak Sekretaris: Sumber data kurang.", None),
        "berita/lama.md": ("kedaluwarsa", rows["berita/lama.md"]["reason"], "web-admin"),
    }
    assert rows["berita/lama.md"]["reason"].startswith(
        "kedaluwarsa: persetujuan yang ada untuk versi lama"
    )


def test_waiting_time_is_measured_against_the_sop_standard(site: Site) -> None:
    _items_in_every_state(site)
    rows = {r["item"]: r for r in json.loads(invoke(site, "status", "--json").stdout)["items"]}
    row = rows["berita/sekretaris.md"]
    # Kasubbag Tekmas approved 2026-11-21 09:20 WIB; the clock says 2026-11-24 10:00 WIB.
    since = datetime.fromisoformat(row["waiting_since"])
    assert since == datetime.fromisoformat("2026-11-21T09:20:00+07:00")
    assert row["waited_minutes"] == 3 * 24 * 60 + 40
    assert row["standard_minutes"] == 30 and row["overdue"] is True
    assert rows["berita/lengkap.md"]["waited_minutes"] is None
    assert [a["role"] for a in rows["berita/lengkap.md"]["approvals"]] == list(ROLES)


def test_status_table_in_indonesian(site: Site) -> None:
    _items_in_every_state(site)
    done = invoke(site, "status")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["ITEM", "STATUS", "MENUNGGU", "STANDAR"]
    row = next(line for line in lines if line.startswith("berita/sekretaris.md"))
    assert "menunggu Sekretaris" in row and "3h 0j 40m" in row and "TERLAMBAT" in row
    assert lines[-1] == "1 dari 7 item siap terbit."


def test_status_reports_bad_files_with_their_path(site: Site) -> None:
    site.article("berita/a.md", "A", "Isi.")
    bad = site.approvals / "berita/a/20261121T090000-web-admin-setuju.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("item: [\n")
    done = invoke(site, "status")
    assert (
        "    ! approvals/berita/a/20261121T090000-web-admin-setuju.yml:2: YAML tidak "
        "valid" in done.stdout
    )


def test_status_fails_closed_on_a_tampered_roster(site: Site) -> None:
    roster = site.approvals / "roster.yml"
    roster.write_text(roster.read_text().replace("version: 1", "version: 9"))
    done = invoke(site, "status")
    assert done.returncode == 5
    assert "approvals/roster.yml.sig: Tanda tangan roster tidak sah" in done.stderr
