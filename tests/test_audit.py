"""The output audit: an independent check of a built site before it may leave the machine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from publishing.audit import audit_output
from publishing.build import BuildFailed
from sitekit import Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


@pytest.fixture
def built(site: Site) -> tuple[Site, dict, Path]:
    site.article("berita/a.md", "A", "TOKENA [pdf]({attach}a.pdf)")
    site.attach("berita/a.pdf", b"%PDF a")
    site.approve_all("berita/a.md")
    site.article("pages/profil.md", "Profil", "Profil.")
    site.approve_all("pages/profil.md")
    result = site.build()
    copy = site.root / "salinan"
    shutil.copytree(site.output, copy)
    return site, result.manifest, copy


def _audit(manifest: dict, output: Path, allow_demo: bool = False) -> list[str]:
    return [f.render() for f in audit_output(output, manifest, manifest["build_id"], allow_demo)]


def test_clean_build_passes_the_audit(built: tuple[Site, dict, Path]) -> None:
    _, manifest, output = built
    assert _audit(manifest, output) == []


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("berita/bocor/index.html", b"<html>bocor</html>", "bukan milik item yang disetujui"),
        ("berita/bocor/lampiran.pdf", b"%PDF", "tidak ditautkan item yang disetujui"),
        ("approvals/berita/x/1-web-admin-setuju.yml", b"item: x", "berkas pribadi"),
        ("static/kunci", b"-----BEGIN OPENSSH PRIVATE KEY-----\n", "berkas pribadi"),
        ("var/gate-manifest.json", b'{"build_id": "x"}', "berkas pribadi"),
    ],
    ids=["halaman-bocor", "lampiran-bocor", "berkas-persetujuan", "kunci-privat", "manifest"],
)
def test_planted_file_is_found(
    built: tuple[Site, dict, Path], path: str, data: bytes, message: str
) -> None:
    _, manifest, output = built
    (output / path).parent.mkdir(parents=True, exist_ok=True)
    (output / path).write_bytes(data)
    [finding] = _audit(manifest, output)
    assert finding.startswith(f"{path}: ") and message in finding


def test_feed_entry_for_an_unapproved_item_is_found(built: tuple[Site, dict, Path]) -> None:
    _, manifest, output = built
    feed = output / "feeds" / "semua.atom.xml"
    text = feed.read_text()
    entry = (
        '<entry><title>Bocor</title><link href="http://127.0.0.1:8000/berita/bocor/" '
        'rel="alternate"/><id>x</id><updated>2026-11-20T08:00:00+07:00</updated></entry>'
    )
    feed.write_text(text.replace("</feed>", entry + "</feed>"))
    assert _audit(manifest, output) == [
        "feeds/semua.atom.xml: menautkan ke 'http://127.0.0.1:8000/berita/bocor/' yang bukan "
        "item disetujui"
    ]


def test_sitemap_url_of_an_unapproved_item_is_found(built: tuple[Site, dict, Path]) -> None:
    _, manifest, output = built
    sitemap = output / "sitemap.xml"
    sitemap.write_text(
        sitemap.read_text().replace(
            "</urlset>", "<url><loc>http://127.0.0.1:8000/berita/bocor/</loc></url></urlset>"
        )
    )
    assert len(_audit(manifest, output)) == 1


def test_demo_keys_are_refused_unless_allowed(built: tuple[Site, dict, Path]) -> None:
    _, manifest, output = built
    demo = {**manifest, "demo_keys_allowed": True}
    assert _audit(demo, output) == ["manifest: build ini menerima kunci CONTOH (demo)"]
    assert _audit(demo, output, allow_demo=True) == []


def test_build_that_would_copy_approvals_into_the_output_publishes_nothing(
    built: tuple[Site, dict, Path],
) -> None:
    site, _, _ = built
    before = sorted(p.name for p in site.files())
    (site.content / "static").mkdir(exist_ok=True)
    (site.content / "static" / "arsip").symlink_to(site.approvals)  # an honest mistake
    with pytest.raises(BuildFailed) as caught:
        site.build()
    assert "Audit hasil build menemukan" in caught.value.message
    assert ".yml: berkas pribadi" in caught.value.message
    assert sorted(p.name for p in site.files()) == before
    assert json.loads((site.root / "var" / "gate-manifest.json").read_text())
