"""SOP step 9: the built site shows only items that all four officials approved.

Each test builds a whole site and searches every output file (HTML, feeds, sitemap,
copied files) for unique tokens of the items that must not be there.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from sitekit import ROLES, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _kept_and_left_out(site: Site) -> None:
    site.article(
        "berita/lengkap.md",
        "Berita Lengkap",
        "Isi TOKENLENGKAP. ![foto]({attach}lengkap.jpg)",
        category="Berita",
        tags="pemilu",
    )
    site.attach("berita/lengkap.jpg", b"JPEG TOKENFOTOLENGKAP")
    site.approve_all("berita/lengkap.md")
    # one item waiting for each role
    for done in range(4):
        item = site.article(
            f"berita/tunggu-{done}.md",
            f"TOKENJUDULTUNGGU{done}",
            f"Isi TOKENTUNGGU{done}. [unduh]({{attach}}lampiran-{done}.pdf)",
            category=f"KategoriTunggu{done}",
            tags=f"tagtunggu{done}",
            authors=f"PenulisTunggu{done}",
            slug=f"slugtunggu{done}",
        )
        site.attach(f"berita/lampiran-{done}.pdf", f"%PDF TOKENLAMPIRAN{done}".encode())
        site.approve_all(item, ROLES[:done])


def test_only_the_complete_item_reaches_any_output_file(site: Site) -> None:
    _kept_and_left_out(site)
    result = site.build()
    assert site.hits("TOKENLENGKAP")
    assert "lengkap.jpg" in [p.name for p in site.files()]
    for done in range(4):
        for token in (
            f"TOKENTUNGGU{done}",
            f"TOKENJUDULTUNGGU{done}",
            f"slugtunggu{done}",
            f"TOKENLAMPIRAN{done}",
            f"lampiran-{done}",
            f"KategoriTunggu{done}",
            f"tagtunggu{done}",
            f"PenulisTunggu{done}".lower(),
            f"PenulisTunggu{done}",
        ):
            assert site.hits(token) == [], token
    states = {e["item"]: e["reason"] for e in result.manifest["excluded"]}
    assert states == {
        "berita/tunggu-0.md": "draf, menunggu Web Admin",
        "berita/tunggu-1.md": "menunggu Kasubbag Tekmas",
        "berita/tunggu-2.md": "menunggu Sekretaris",
        "berita/tunggu-3.md": "menunggu Komisioner",
    }
    assert [e["item"] for e in result.manifest["included"]] == ["berita/lengkap.md"]


def test_period_archives_hold_no_excluded_item(site: Site) -> None:
    site.article("berita/lama.md", "Lama", "TOKENLAMA1999", date="1999-05-01 08:00")
    site.article("berita/baru.md", "Baru", "TOKENBARU", date="2026-11-20 08:00")
    site.approve_all("berita/baru.md")
    site.build()
    assert (site.output / "arsip" / "2026" / "11" / "index.html").is_file()
    assert not (site.output / "arsip" / "1999").exists()
    assert site.hits("TOKENLAMA1999") == [] and site.hits("arsip/1999") == []


def test_acting_official_may_approve_for_two_roles(site: Site) -> None:
    from sitekit import roster_text

    site.write_roster(
        roster_text(
            site.keys,
            version=2,
            extra_holders=(
                "  - {role: sekretaris, person: sri, from: 2026-11-01, until: 2026-11-30, "
                "acting: true}\n"
            ),
        )
    )
    site.article("berita/plt.md", "Plt", "TOKENPLT")
    site.approve_all("berita/plt.md", ROLES[:2])
    site.sign("berita/plt.md", "sekretaris", "sri")
    site.sign("berita/plt.md", "komisioner")
    site.build()
    assert site.hits("TOKENPLT")


def test_feeds_and_sitemap_list_only_approved_items(site: Site) -> None:
    _kept_and_left_out(site)
    site.build()
    feeds = [p for p in site.files() if p.suffix == ".xml"]
    assert any(p.name == "sitemap.xml" for p in feeds)
    assert any("atom" in p.name for p in feeds)
    for feed in feeds:
        assert b"TUNGGU" not in feed.read_bytes() and b"tunggu" not in feed.read_bytes()
    assert b"berita-lengkap/" in (site.output / "sitemap.xml").read_bytes()


def test_edit_after_approval_removes_the_article_from_every_output_file(site: Site) -> None:
    site.article("berita/ubah.md", "Berita Diubah", "Versi pertama TOKENUBAH.")
    site.approve_all("berita/ubah.md")
    site.build()
    assert site.hits("TOKENUBAH")
    site.article("berita/ubah.md", "Berita Diubah", "Versi kedua TOKENUBAH diam-diam.")
    result = site.build()
    assert site.hits("TOKENUBAH") == []
    assert result.manifest["excluded"][0]["state"] == "kedaluwarsa"


def test_changed_attachment_voids_the_approval(site: Site) -> None:
    site.article(
        "regulasi/pkpu.md", "PKPU TOKENPKPU", "[PDF]({attach}pkpu.pdf)", nomor="2", tahun="2024"
    )
    site.attach("regulasi/pkpu.pdf", b"%PDF versi 1")
    site.approve_all("regulasi/pkpu.md")
    site.build()
    assert [p.read_bytes() for p in site.output.rglob("pkpu.pdf")] == [b"%PDF versi 1"]
    site.attach("regulasi/pkpu.pdf", b"%PDF versi 2 TOKENPDFBARU")
    site.build()
    assert site.hits("TOKENPKPU") == [] and site.hits("pkpu.pdf") == []


def test_file_shared_with_an_approved_item_is_still_copied(site: Site) -> None:
    site.attach("gambar/bersama.png", b"PNG bersama")
    site.article("berita/a.md", "A", "![x]({static}/gambar/bersama.png)")
    site.article("berita/b.md", "TOKENB", "![x]({static}/gambar/bersama.png)")
    site.approve_all("berita/a.md")
    site.build()
    assert (site.output / "gambar" / "bersama.png").is_file()
    assert site.hits("TOKENB") == []


def test_attachment_in_static_paths_of_an_excluded_item_is_not_copied(site: Site) -> None:
    site.attach("static/rahasia.pdf", b"%PDF TOKENSTATIC")
    site.attach("static/logo.svg", b"<svg>logo</svg>")
    site.article("berita/x.md", "X", "[pdf]({static}/static/rahasia.pdf)")
    result = site.build()
    assert site.hits("TOKENSTATIC") == []
    assert (site.output / "static" / "logo.svg").is_file()  # site furniture stays
    assert result.manifest["dropped_files"] == ["static/rahasia.pdf"]


def test_translations_are_gated_one_by_one(site: Site) -> None:
    site.article("artikel/tahapan.md", "Tahapan Pilkada", "Isi TOKENID.", slug="tahapan")
    site.article(
        "artikel/tahapan-en.md",
        "Election Stages TOKENENJUDUL",
        "Body TOKENEN.",
        slug="tahapan",
        lang="en",
    )
    site.approve_all("artikel/tahapan.md")
    site.build()
    assert site.hits("TOKENID")
    assert site.hits("TOKENEN") == [] and site.hits("TOKENENJUDUL") == []
    assert site.hits("tahapan-en.html") == []  # no hreflang or translation link left


def test_approved_translation_of_an_unapproved_original_is_published_alone(site: Site) -> None:
    site.article("artikel/t.md", "Asli TOKENASLI", "Isi asli.", slug="t")
    site.article("artikel/t-en.md", "Translated", "Body TOKENTERJEMAH.", slug="t", lang="en")
    site.approve_all("artikel/t-en.md")
    site.build()
    assert site.hits("TOKENASLI") == []
    assert site.hits("TOKENTERJEMAH")


@pytest.mark.parametrize("status", ["draft", "hidden"], ids=["draf", "tersembunyi"])
def test_unapproved_draft_and_hidden_items_are_not_written(site: Site, status: str) -> None:
    site.article("berita/s.md", "S", f"TOKENSTATUS {status}", status=status)
    site.build()
    assert site.hits("TOKENSTATUS") == []
    assert not (site.output / "drafts").exists()


def test_a_draft_is_never_published_even_when_approved(site: Site) -> None:
    site.article("berita/d.md", "D", "TOKENDRAFT", status="draft")
    site.approve_all("berita/d.md")
    result = site.build()
    assert site.hits("TOKENDRAFT") == []
    assert result.manifest["excluded"][0]["state"] == "draft"


def test_approved_hidden_item_is_published_without_listing(site: Site) -> None:
    site.article("berita/h.md", "H", "TOKENHIDDEN", status="hidden")
    site.approve_all("berita/h.md")
    site.build()
    assert site.hits("TOKENHIDDEN") == ["berita/h/index.html"]


def test_pages_are_gated_like_articles(site: Site) -> None:
    site.article("pages/profil.md", "Profil", "TOKENPROFIL")
    site.article("pages/kontak.md", "Kontak TOKENKONTAK", "Telepon.")
    site.approve_all("pages/profil.md")
    site.build()
    assert site.hits("TOKENPROFIL") == ["profil/index.html"]
    assert site.hits("TOKENKONTAK") == []


def test_link_from_an_approved_item_to_an_excluded_one_does_not_reveal_it(site: Site) -> None:
    site.article("berita/a.md", "A", "Lihat [ini]({filename}b.md).")
    site.article("berita/b.md", "B", "TOKENTAUTAN", slug="sluggelap")
    site.approve_all("berita/a.md")
    site.build()
    assert site.hits("sluggelap") == []


def test_stale_output_of_an_earlier_build_does_not_survive(site: Site) -> None:
    site.article("berita/a.md", "A", "TOKENLAMA")
    site.approve_all("berita/a.md")
    site.build()
    assert site.hits("TOKENLAMA")
    for file in site.approvals.rglob("*komisioner*"):
        file.unlink()  # the final approval is withdrawn from the repository
    site.build()
    assert site.hits("TOKENLAMA") == []


def test_manifest_records_digests_and_sign_offs_outside_the_output(site: Site) -> None:
    site.article("berita/a.md", "A", "Isi.")
    site.approve_all("berita/a.md")
    result = site.build()
    manifest = json.loads((site.root / "var" / "gate-manifest.json").read_text())
    assert manifest == result.manifest
    entry = manifest["included"][0]
    assert entry["digest"] == site.digest("berita/a.md")
    assert [s["role"] for s in entry["signoffs"]] == list(ROLES)
    assert datetime.fromisoformat(entry["signoffs"][0]["signed_at"])
    assert not list(site.output.rglob("*manifest*"))
