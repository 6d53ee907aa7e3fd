"""Search: the index is made after the gate, holds the approved pages only, and is audited.

A record of an unapproved page planted in the index (or any stray file in its folder)
must stop the build; so must a Pagefind that fails.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

import publishing.search
from publishing.audit import audit_output
from publishing.build import BuildFailed
from sitekit import Site
from themekit import Sample

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _audit(sample: Sample, output: Path) -> list[str]:
    manifest = sample.manifest
    return [f.render() for f in audit_output(output, manifest, manifest["build_id"], True)]


def _copy(sample: Sample, tmp_path: Path) -> Path:
    output = tmp_path / "salinan"
    shutil.copytree(sample.output, output)
    return output


def test_index_holds_every_approved_page_and_nothing_else(theme_sample: Sample) -> None:
    pages = {e["save_as"] for e in theme_sample.manifest["included"]}
    found = set()
    for record in theme_sample.search_records():
        path = record["url"].lstrip("/")
        found.add(path + "index.html" if path.endswith("/") else path)
    assert found == pages
    titles = {r["meta"]["title"] for r in theme_sample.search_records()}
    assert "PKPU Nomor 2 Tahun 2024 tentang Tahapan dan Jadwal Pemilihan Tahun 2024" in titles
    assert not (theme_sample.output / "pagefind" / "pagefind-ui.js").exists()


def test_planted_search_record_of_an_unapproved_page_is_found(
    theme_sample: Sample, tmp_path: Path
) -> None:
    output = _copy(theme_sample, tmp_path)
    leak = (
        b"pagefind_dcd"
        + json.dumps(
            {"url": "/berita/persiapan-logistik/", "content": "Kotak-Suara-Cadangan-Sluke"}
        ).encode()
    )
    (output / "pagefind" / "fragment" / "id_bocor00.pf_fragment").write_bytes(gzip.compress(leak))
    findings = _audit(theme_sample, output)
    assert (
        "pagefind/fragment/id_bocor00.pf_fragment: rekaman indeks pencarian menunjuk ke "
        "'/berita/persiapan-logistik/' yang bukan halaman item disetujui"
    ) in findings
    assert any(
        f.startswith("pagefind/pagefind-entry.json: jumlah halaman indeks") for f in findings
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "bocor.html",
            b"<html>Kotak-Suara-Cadangan-Sluke</html>",
            "berkas ini bukan bagian indeks pencarian",
        ),
        ("fragment/id_rusak00.pf_fragment", b"bukan gzip", "tidak dapat dibaca"),
    ],
    ids=["stray-page", "unreadable-record"],
)
def test_anything_unexpected_in_the_index_folder_is_found(
    theme_sample: Sample, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    output = _copy(theme_sample, tmp_path)
    (output / "pagefind" / name).write_bytes(data)
    assert any(
        f.startswith(f"pagefind/{name}: ") and message in f for f in _audit(theme_sample, output)
    )


def test_failing_pagefind_publishes_nothing(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    site.article("berita/a.md", "A", "TOKENA")
    site.approve_all("berita/a.md")
    site.build()
    before = {p: p.read_bytes() for p in site.files()}
    monkeypatch.setattr(publishing.search, "pagefind_command", lambda: ["false"])
    with pytest.raises(BuildFailed) as caught:
        site.build()
    assert caught.value.message.startswith(
        "Indeks pencarian gagal dibuat (Pagefind, kode keluar 1); tidak ada yang diterbitkan."
    )
    assert {p: p.read_bytes() for p in site.files()} == before


def test_site_without_approved_items_has_no_index(site: Site) -> None:
    site.article("berita/a.md", "A", "TOKENA")
    site.build()
    assert not (site.output / "pagefind").exists()
    assert (site.output / "cari" / "index.html").is_file()


def test_unchanged_pages_give_a_byte_identical_search_index(site, tmp_path) -> None:
    """Pagefind is not repeatable by itself; the index of identical pages is reused."""
    from publishing.build import build_site

    for name in ("satu", "dua"):
        site.article(
            f"berita/{name}.md",
            f"Berita {name.title()}",
            f"Isi TOKEN{name.upper()}.",
            category="Berita",
        )
        site.approve_all(f"berita/{name}.md")
    first = build_site(site.settings, tmp_path / "a", state_dir=site.root / "var").output
    again = build_site(site.settings, tmp_path / "b", state_dir=site.root / "var").output

    def index(folder):
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in (folder / "pagefind").rglob("*")
            if p.is_file()
        }

    assert index(first) and index(first) == index(again)
    site.article("berita/tiga.md", "Berita Tiga", "Isi TOKENTIGA.", category="Berita")
    site.approve_all("berita/tiga.md")
    third = build_site(site.settings, tmp_path / "c", state_dir=site.root / "var").output
    from publishing.search import _record_url

    urls = {_record_url(data) for rel, data in index(third).items() if "fragment" in rel}
    assert any(url and "berita-tiga" in url for url in urls)  # not the cached index
