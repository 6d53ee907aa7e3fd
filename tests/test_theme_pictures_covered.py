"""Which images an item covers, learned from the gate's digest instead of a second read.

``covered_images`` (site_theme/pictures.py) used to read every published item's source
again on each build to see whether it links an image; it now takes the files from the
digest that admitted the item (the provider's ``covered``). A real build with a spy
plugin calls it both ways and records what the gate's provider answers: the same images
and hashes either way, the digest's own files for every item, and no answer for an item
the build does not publish or whose entry names another digest (the theme then reads the
source, as before).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from approval_gate.api import content_digest
from sitekit import Keys, Site
from test_theme_images import _gallery

#: Whole-site builds: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

SPY = """
import json
from pathlib import Path

from site_theme import imaging

REPORT = Path(__file__).with_name("laporan-gambar.json")
real = imaging.covered_images


def spy(content, published, covers=None):
    report = {
        "new": real(content, published, covers),
        "old": real(content, published),
        "covers": {item: covers(item) for item in published},
        "unknown": covers("berita/tidak-ada.md"),
    }
    entry = published["berita/kabar.md"]
    kept, entry["digest"] = entry["digest"], "sha256:" + "0" * 64
    try:
        report["stale"] = covers("berita/kabar.md")
        report["stale_images"] = real(content, {"berita/kabar.md": entry}, covers)
    except Exception as error:
        report["stale_images"] = type(error).__name__ + ": " + str(error)
    finally:
        entry["digest"] = kept
    REPORT.write_text(json.dumps(report))
    return report["new"]


def register():
    imaging.covered_images = spy
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_gates_digest_gives_the_same_images_without_reading_again(
    tmp_path: Path, keys: Keys
) -> None:
    site = Site(tmp_path / "site", keys)
    _gallery(site)
    site.article("berita/teks.md", "Teks Saja", "Tanpa gambar.", category="Berita", slug="teks")
    site.approve_all("berita/teks.md")
    site.article(
        "berita/lampiran.md",
        "Lampiran",
        "Unduh [berkasnya]({attach}jadwal.pdf).",
        category="Berita",
        slug="lampiran",
    )
    site.attach("berita/jadwal.pdf", b"%PDF-1.4\n%%EOF\n")
    site.approve_all("berita/lampiran.md")
    (tmp_path / "spy_gambar.py").write_text(SPY)
    settings = site.write_settings(
        "spy.py",
        extra=f"sys.path.insert(0, {str(tmp_path)!r})\nimport spy_gambar\n"
        "PLUGINS = [*PLUGINS, spy_gambar]\n",
    )
    manifest = site.build(settings).manifest
    report = json.loads((tmp_path / "laporan-gambar.json").read_text())
    published = sorted(e["item"] for e in manifest["included"])
    assert published == [
        "berita/kabar.md",
        "berita/lampiran.md",
        "berita/teks.md",
        "dokumentasi/galeri.md",
    ]
    content = site.content
    expected = {
        "berita/kabar.md": {"berita/foto-d.jpg": _sha(content / "berita/foto-d.jpg")},
        "dokumentasi/galeri.md": {
            f"dokumentasi/{name}": _sha(content / "dokumentasi" / name)
            for name in ("foto-a.jpg", "foto-b.png", "foto-c.webp")
        },
    }
    assert report["new"] == report["old"] == expected
    for item in published:  # the files of the digest that admitted each item
        assert report["covers"][item] == list(content_digest(content, item).files), item
    assert report["covers"]["berita/teks.md"] == ["berita/teks.md"]
    assert report["unknown"] is None  # not published: the provider does not say
    # An entry naming another digest than the one worked out: no answer, so the source
    # is read and the images checked against that digest, which stops the build as before.
    assert report["stale"] is None
    assert report["stale_images"].startswith("GateError: content/berita/kabar.md: Isi item")
    assert "Isi item berubah selama build" in report["stale_images"]
    # The variants were made and recorded for exactly the items with images.
    assert {d["item"] for d in manifest["derived"]} == set(expected)
