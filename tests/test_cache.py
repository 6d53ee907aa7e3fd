"""The gate's cache never lets a changed file keep an old verdict."""

from __future__ import annotations

import pytest

import os

from sitekit import ROLES, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def test_tampered_sign_off_is_caught_on_a_warm_build_even_with_its_old_mtime(site: Site) -> None:
    site.article("berita/a.md", "A", "TOKENCACHE")
    site.approve_all("berita/a.md", ROLES[:3])
    last = site.sign("berita/a.md", "komisioner")
    site.build()
    assert site.hits("TOKENCACHE")
    assert (site.root / ".cache" / "gate" / "signoffs.json").is_file()
    assert (site.root / ".cache" / "gate" / "content.json").is_file()
    before = os.stat(last)
    text = last.read_text()
    # same size, same modification time: only the inode change time betrays the edit
    last.write_text(text.replace('role: "komisioner"', 'role: "komisionex"', 1))
    os.utime(last, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(last).st_size == before.st_size
    result = site.build()
    assert site.hits("TOKENCACHE") == []
    assert any(f["path"].endswith(last.name) for f in result.manifest["findings"])


def test_attachment_replaced_with_same_size_and_mtime_voids_the_approval(site: Site) -> None:
    site.article("berita/a.md", "A", "TOKENLAMP [x]({attach}a.pdf)")
    site.attach("berita/a.pdf", b"%PDF asli")
    site.approve_all("berita/a.md")
    site.build()
    assert site.hits("TOKENLAMP")
    pdf = site.content / "berita" / "a.pdf"
    before = os.stat(pdf)
    pdf.write_bytes(b"%PDF palu")
    os.utime(pdf, ns=(before.st_atime_ns, before.st_mtime_ns))
    site.build()
    assert site.hits("TOKENLAMP") == []


def test_broken_cache_file_only_makes_the_build_slower(site: Site) -> None:
    site.article("berita/a.md", "A", "TOKENRUSAK")
    site.approve_all("berita/a.md")
    site.build()
    for name in ("signoffs.json", "content.json"):
        (site.root / ".cache" / "gate" / name).write_text("{rusak")
    site.build()
    assert site.hits("TOKENRUSAK")
