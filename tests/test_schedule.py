"""Embargo and expiry: an approved item is on the site only within its dates.

The dates are part of the approved text. A future ``Date`` holds an approved item back
until that moment; ``berlaku_sampai`` takes it off the site once its period has ended.
The manifest tells the publisher the next moment at which a rebuild changes the site.
"""

from __future__ import annotations

import pytest

from sitekit import NOW, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _at(site: Site, moment: str):
    settings = site.write_settings(
        f"pada-{moment[:10]}.py", extra=f"APPROVAL_GATE_NOW = {moment!r}\n"
    )
    return site.build(settings)


def _embargoed(site: Site) -> None:
    site.article("berita/sekarang.md", "Berita Sekarang", "Isi TOKENSEKARANG.", category="Berita")
    site.approve_all("berita/sekarang.md")
    site.article(
        "berita/nanti.md",
        "Berita Nanti",
        "Isi TOKENNANTI. [unduh]({attach}nanti.pdf)",
        category="Berita",
        date="2026-11-25 09:00",
    )
    site.attach("berita/nanti.pdf", b"%PDF TOKENLAMPIRANNANTI")
    site.approve_all("berita/nanti.md")


def test_approved_item_with_a_future_date_is_held_until_that_moment(site: Site) -> None:
    _embargoed(site)
    result = site.build()
    assert site.hits("TOKENSEKARANG")
    assert site.hits("TOKENNANTI") == [] and site.hits("TOKENLAMPIRANNANTI") == []
    assert site.hits("nanti") == []
    held = {e["item"]: e for e in result.manifest["excluded"]}["berita/nanti.md"]
    assert held["state"] == "terjadwal"
    assert held["reason"] == "disetujui; dijadwalkan terbit 2026-11-25 09:00 WIB"
    assert result.manifest["next_change"] == "2026-11-25T09:00:00+07:00"
    assert result.manifest["upcoming"] == [
        {"item": "berita/nanti.md", "change": "terbit", "at": "2026-11-25T09:00:00+07:00"}
    ]


def test_embargoed_item_appears_once_its_moment_has_come(site: Site) -> None:
    _embargoed(site)
    result = _at(site, "2026-11-25T09:00:00+07:00")
    assert site.hits("TOKENNANTI") and site.hits("TOKENLAMPIRANNANTI")
    assert "berita/nanti.md" in {e["item"] for e in result.manifest["included"]}
    assert result.manifest["next_change"] is None


def test_announcement_leaves_the_site_when_its_period_ends(site: Site) -> None:
    site.article(
        "pengumuman/pendaftaran.md",
        "Pendaftaran KPPS",
        "Isi TOKENPENDAFTARAN.",
        category="Pengumuman",
        berlaku="2026-11-20 s.d. 2026-11-30",
        berlaku_sampai="2026-11-30",
    )
    site.approve_all("pengumuman/pendaftaran.md")
    result = site.build()
    assert site.hits("TOKENPENDAFTARAN")
    assert result.manifest["next_change"] == "2026-12-01T00:00:00+07:00"
    result = _at(site, "2026-12-01T00:00:00+07:00")
    assert site.hits("TOKENPENDAFTARAN") == []
    gone = {e["item"]: e for e in result.manifest["excluded"]}["pengumuman/pendaftaran.md"]
    assert gone["state"] == "berakhir"
    assert gone["reason"].startswith("masa berlaku berakhir 2026-12-01 00:00 WIB")


def test_expiry_with_a_time_of_day(site: Site) -> None:
    site.article(
        "pengumuman/rapat.md",
        "Rapat",
        "Isi TOKENRAPAT.",
        category="Pengumuman",
        berlaku="2026-11-20 s.d. 2026-11-24",
        berlaku_sampai="2026-11-24 09:30",
    )
    site.approve_all("pengumuman/rapat.md")
    site.build()  # NOW is 10:00 WIB on the 24th
    assert NOW.hour == 10
    assert site.hits("TOKENRAPAT") == []


def test_unreadable_expiry_holds_the_item_and_names_file_and_line(site: Site) -> None:
    site.article(
        "pengumuman/salah.md",
        "Salah",
        "Isi TOKENSALAH.",
        category="Pengumuman",
        berlaku_sampai="akhir bulan",
    )
    site.approve_all("pengumuman/salah.md")
    site.article("berita/baik.md", "Baik", "Isi TOKENBAIK.", category="Berita")
    site.approve_all("berita/baik.md")
    result = site.build()
    assert site.hits("TOKENSALAH") == [] and site.hits("TOKENBAIK")
    finding = next(
        f for f in result.manifest["findings"] if f["path"] == "content/pengumuman/salah.md"
    )
    assert finding["line"] == 4
    assert finding["message"] == "Tanggal 'berlaku_sampai' tidak dapat dibaca: 'akhir bulan'."
