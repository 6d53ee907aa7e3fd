"""The audit of a sealed publish accounts for every output file; no folder is trusted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from publishing.audit import audit_output
from publishing.inventory import UNACCOUNTED
from publishing.seal import SealedInput as Sealed
from publishkit import sealed_for
from sitekit import REPO, Keys, Site

#: Whole-site builds: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[tuple[Site, dict]]:
    """One approved article with an attachment and a translation, a page, furniture."""
    site = Site(tmp_path_factory.mktemp("segel") / "site", keys)
    site.article("berita/a.md", "A", "Isi. [pdf]({attach}a.pdf)", slug="a", tags="pemilu")
    site.article("berita/a-en.md", "A en", "Body.", slug="a", lang="en")
    site.attach("berita/a.pdf", b"%PDF a")
    site.attach("static/gambar.png", b"PNG gambar")
    # the settings' SITE_LOGO is the project's logo; the export holds it as furniture
    shutil.copyfile(REPO / "content/static/logo-kpu.svg", site.content / "static/logo-kpu.svg")
    for item in ("berita/a.md", "berita/a-en.md"):
        site.approve_all(item)
    site.article("pages/profil.md", "Profil", "Profil. ![g]({static}/static/gambar.png)")
    site.approve_all("pages/profil.md")
    yield site, site.build().manifest


@pytest.fixture
def built(built_once: tuple[Site, dict], tmp_path: Path) -> tuple[Sealed, dict, Path]:
    site, manifest = built_once
    copy = tmp_path / "salinan"
    shutil.copytree(site.output, copy)
    return sealed_for(site, manifest), manifest, copy


def _audit(manifest: dict, output: Path, sealed: Sealed) -> list[str]:
    return [f.render() for f in audit_output(output, manifest, manifest["build_id"], False, sealed)]


def test_clean_sealed_build_accounts_for_every_file(built: tuple[Sealed, dict, Path]) -> None:
    sealed, manifest, output = built
    pages = {e["save_as"] for e in manifest["included"]}
    assert {"berita/a/index.html", "berita/a/en.html"} <= pages
    assert (output / "theme" / "logo.svg").is_file() and (output / "pagefind").is_dir()
    assert _audit(manifest, output, sealed) == []


def _plant(output: Path, path: str, data: bytes | None) -> None:
    """Write ``data`` at ``path``, or (None) flip the last byte of the file there."""
    target = output / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        old = target.read_bytes()
        data = old[:-1] + bytes([old[-1] ^ 1])
    target.write_bytes(data)


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("static/baru.html", b"<p>Pengumuman palsu</p>", UNACCOUNTED),
        ("static/gambar.png", None, "perabot bertanda tangan 'content/static/gambar.png'"),
        ("static/logo-kpu.svg", None, "perabot bertanda tangan 'content/static/logo-kpu.svg'"),
        ("theme/css/cetak.css", None, "perabot bertanda tangan 'theme/static/css/cetak.css'"),
        ("theme/logo.svg", None, UNACCOUNTED),
        ("theme/js/lain.js", b"alert(1)", UNACCOUNTED),
        ("berita/a.pdf", None, "tidak sama dengan 'berita/a.pdf' yang disetujui"),
        ("kategori/x/evil.svg", b"<svg onload='alert(1)'/>", UNACCOUNTED),
        ("arsip/foo.html", b"<p>foo</p>", UNACCOUNTED),
        ("berita/a/lain.html", b"<p>lain</p>", UNACCOUNTED),
        ("berita/a/index2.html", b"<p>lain</p>", UNACCOUNTED),
        ("kategori/berita/index1.html", b"<p>lain</p>", UNACCOUNTED),
        ("feeds/sub/x.xml", b"<feed/>", UNACCOUNTED),
    ],
    ids=[
        "static-baru",
        "perabot-diubah",
        "logo-statis-diubah",
        "tema-diubah",
        "logo-tema-diubah",
        "tema-baru",
        "lampiran-diubah",
        "kategori-svg",
        "arsip-halaman",
        "halaman-di-folder-item",
        "halaman-bernomor-di-folder-item",
        "halaman-bernomor-satu",
        "umpan-di-subfolder",
    ],
)
def test_every_file_not_accounted_for_is_a_finding(
    built: tuple[Sealed, dict, Path], path: str, data: bytes | None, message: str
) -> None:
    sealed, manifest, output = built
    _plant(output, path, data)
    [finding] = _audit(manifest, output, sealed)
    assert finding.startswith(f"{path}: ") and message in finding


def test_planted_search_file_is_found_by_both_checks(built: tuple[Sealed, dict, Path]) -> None:
    sealed, manifest, output = built
    _plant(output, "pagefind/pagefind-ui.js", b"alert(1)")
    findings = _audit(manifest, output, sealed)
    assert findings and all(f.startswith("pagefind/pagefind-ui.js: ") for f in findings)


def test_without_the_sealed_input_the_local_audit_trusts_its_folders(
    built: tuple[Sealed, dict, Path],
) -> None:
    _, manifest, output = built
    for path in ("static/baru.html", "kategori/x/evil.svg", "theme/js/lain.js"):
        _plant(output, path, b"<svg/>")
    assert audit_output(output, manifest, manifest["build_id"], False) == []


def test_manifest_maps_each_copied_file_to_its_source(site: Site) -> None:
    site.article("berita/b.md", "B", "[csv]({attach}lampiran/data-b.csv)")
    site.attach("berita/lampiran/data-b.csv", b"a,b\n1,2\n")
    site.attach("static/gambar.png", b"PNG")
    site.approve_all("berita/b.md")
    site.article("berita/c.md", "C", "[pdf]({attach}c.pdf)")  # not approved: dropped
    site.attach("berita/c.pdf", b"%PDF c")
    manifest = site.build().manifest
    assert manifest["static"] == [
        {"source": "berita/lampiran/data-b.csv", "save_as": "berita/lampiran/data-b.csv"},
        {"source": "static/gambar.png", "save_as": "static/gambar.png"},
        {"source": "static/logo-kpu.svg", "save_as": "static/logo-kpu.svg"},
    ]
    assert sorted(e["save_as"] for e in manifest["static"]) == manifest["static_files"]
    for entry in manifest["static"]:
        copied = (site.output / entry["save_as"]).read_bytes()
        assert copied == (site.content / entry["source"]).read_bytes()
    assert manifest["dropped_files"] == ["berita/c.pdf"]
