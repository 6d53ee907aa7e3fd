"""Attachments are linked from the export's blob store into a sealed build, never copied.

The export's files are the blob store's read-only files (publishing/seal/blobs.py), so a
sealed publish lets Pelican hard-link static files (``STATIC_CREATE_LINKS``) where one
real link into the builds' folder works (``publish._linkable``); else they are copied as
before, never symlinked. A linked file is shared with the store and with the live
release, so nothing that writes into a build after the static files may write through
a file already there: the provenance record, the roster files, the logo and the search
index's list of parts are new files.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from publishing.publish import _linkable
from publishkit import kill, local_targets, publish_settings, run, start, wait_for
from sitekit import Site
from site_theme.provenance import write_record

ARTICLE = "berita/rapat.md"
DATA = b"no,nama\n1,asli\n"


def _blob(site: Site, rel: str) -> Path:
    oid = subprocess.run(
        ["git", "-C", str(site.root), "rev-parse", f"HEAD:{rel}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return site.root / "var" / "segel-blob" / oid


@pytest.mark.slow
def test_a_built_attachment_is_the_blob_stores_file(site: Site, tmp_path: Path) -> None:
    site.article(ARTICLE, "Rapat Pleno", "Isi. [unduh]({attach}sk.csv)", category="Berita")
    site.attach("berita/sk.csv", DATA)
    site.approve_all(ARTICLE)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    marker = tmp_path / "berhenti"
    child = start(settings, failpoint="audit", marker=marker)  # built and audited
    try:
        wait_for(marker, child)
        built = list((site.root / "var" / "terbit").glob(".*staging*/berita/sk.csv"))
        stored = _blob(site, "content/berita/sk.csv")
        assert len(built) == 1 and not built[0].is_symlink()
        assert built[0].stat().st_ino == stored.stat().st_ino  # linked, not copied
        assert not (site.root / "var" / "terbit" / ".uji-tautan").exists()
    finally:
        kill(child)
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    live = tmp_path / "web" / "current" / "berita" / "sk.csv"
    assert live.read_bytes() == DATA and not live.is_symlink()
    assert _blob(site, "content/berita/sk.csv").read_bytes() == DATA


def test_linking_is_tried_with_one_real_link(tmp_path: Path) -> None:
    source = tmp_path / "ekspor" / "pelicanconf.py"
    source.parent.mkdir()
    source.write_text("X = 1\n")
    assert _linkable(source, tmp_path / "var" / "terbit")
    assert list((tmp_path / "var" / "terbit").iterdir()) == []  # the probe is gone
    assert source.stat().st_nlink == 1
    assert not _linkable(tmp_path / "tidak-ada", tmp_path / "var" / "terbit")
    other = Path("/dev/shm")
    if other.is_dir() and os.access(other, os.W_OK):
        if other.stat().st_dev != tmp_path.stat().st_dev:  # another file system: copied
            assert not _linkable(source, other / f"kpu-uji-{os.getpid()}" / "terbit")


def test_the_record_is_written_as_new_files_never_through_a_linked_one(tmp_path: Path) -> None:
    """A static file linked at a path the record writes keeps the store's bytes."""
    stored = tmp_path / "segel-blob" / "abc"
    stored.parent.mkdir()
    stored.write_bytes(DATA)
    stored.chmod(0o444)
    output = tmp_path / "output"
    for rel in ("persetujuan/allowed_signers", "persetujuan/roster.yml"):
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        os.link(stored, output / rel)
    write_record(output, {}, "penanda-tangan\n", {"persetujuan/roster.yml": b"version: 2\n"})
    assert stored.read_bytes() == DATA
    assert (output / "persetujuan/allowed_signers").read_text() == "penanda-tangan\n"
    assert (output / "persetujuan/roster.yml").read_bytes() == b"version: 2\n"
