"""A publish asks the disk ahead for what it will read; it decides nothing with it.

After a machine has been idle, its page cache is given back and a publish read its
sources, sign-offs and stored pages one at a time when it needed them
(publishing/disk_ahead.py). The warmer only has the kernel read those files ahead: runs
of files the page cache still holds are skipped, it ends with the build, and a publish
with it publishes exactly what one without it publishes.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from publishkit import local_targets, publish_settings, snapshot
from sitekit import Site, machine_env

from publishing import disk_ahead
from publishing.disk_ahead import DiskAhead, cache_reads, export_reads, on_disk, read_cold
from publishing.publish import publish
from publishing.seal.source import PREVIOUS


def test_the_child_reads_are_the_sources_then_the_sign_offs() -> None:
    files = [
        "approvals/berita/rapat/20261201T090000-web-admin-setuju.yml",
        "approvals/roster.yml",
        "content/berita/rapat.md",
        "content/berita/laporan.pdf",
        "content/pages/profil.md",
        "pelicanconf.py",
        "theme/templates/base.html",
    ]
    assert export_reads(files) == [
        "content/berita/rapat.md",
        "content/pages/profil.md",
        "approvals/berita/rapat/20261201T090000-web-admin-setuju.yml",
        "approvals/roster.yml",
    ]


def test_a_caches_files_are_listed_by_suffix_and_a_missing_cache_gives_none(
    tmp_path: Path,
) -> None:
    for name in ("markdown.pak", "halaman.pak", "catatan"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "folder.pak").mkdir()  # a folder is never asked for
    by_inode = sorted(
        ["markdown.pak", "halaman.pak", "catatan"], key=lambda n: os.stat(tmp_path / n).st_ino
    )
    assert cache_reads(tmp_path, ".pak") == [n for n in by_inode if n.endswith(".pak")]
    assert cache_reads(tmp_path, "") == by_inode
    assert cache_reads(tmp_path / "tidak-ada", "") == []


def _filesystem(path: Path) -> str:
    found = subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True, text=True)
    return found.stdout.strip()


def test_a_file_given_back_by_the_page_cache_is_seen_to_be_on_the_disk(tmp_path: Path) -> None:
    if _filesystem(tmp_path) in ("tmpfs", "ramfs"):
        pytest.skip(f"{tmp_path} is in memory: its pages are never given back")
    path = tmp_path / "halaman"
    path.write_bytes(os.urandom(64 * 1024))
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        path.read_bytes()
        assert not on_disk(fd, "halaman")  # just read: in the page cache
        file = os.open(path, os.O_RDONLY)
        try:
            os.fsync(file)  # written back, so the kernel may drop its pages
            os.posix_fadvise(file, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(file)
        assert on_disk(fd, "halaman")
        disk_ahead.read_ahead(tmp_path, ["halaman"])
        path.read_bytes()
        assert not on_disk(fd, "halaman")
        os.mkfifo(tmp_path / "fifo")  # opened without waiting for a writer; not readable
        os.symlink(path, tmp_path / "tautan")  # never followed
        assert on_disk(fd, "fifo")  # left to read_ahead, which skips it
        disk_ahead.read_ahead(tmp_path, ["fifo", "tautan"])
        assert not on_disk(fd, "tautan")
        assert not on_disk(fd, "tidak-ada")
    finally:
        os.close(fd)


def test_only_runs_with_a_file_on_the_disk_are_read_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"{n:03d}" for n in range(100)]  # runs 0-31, 32-63, 64-95, 96-99
    cold = {"000", "063", "070"}  # the first run's first, the second's last, inside the third
    asked: list[list[str]] = []
    monkeypatch.setattr(disk_ahead, "on_disk", lambda fd, name: name in cold)
    monkeypatch.setattr(disk_ahead, "read_ahead", lambda folder, run, stop: asked.append(run))
    read_cold(tmp_path, names, threading.Event())
    assert asked == [names[0:32], names[32:64]]  # a run is judged by its first and last
    stopped = threading.Event()
    stopped.set()
    asked.clear()
    read_cold(tmp_path, names, stopped)
    read_cold(tmp_path / "tidak-ada", names, threading.Event())
    assert asked == []


def _site(site: Site, web: Path) -> Path:
    site.article("berita/rapat.md", "Rapat Pleno", "Isi TOKENRAPAT.", category="Berita")
    site.approve_all("berita/rapat.md")
    site.article("berita/draf.md", "Draf", "Isi TOKENDRAF.", category="Berita")  # unsigned
    settings = publish_settings(site, local_targets(web))
    site.commit()
    return settings


def _publish(settings: Path) -> None:
    result = publish(settings, env={**os.environ, **machine_env(settings.parent)})
    assert not result.dry_run


def test_a_publish_asks_for_its_sources_sign_offs_and_caches_and_ends_its_thread(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[Path, list[str]]] = []
    monkeypatch.setattr(disk_ahead, "on_disk", lambda fd, name: True)  # as after idle time
    monkeypatch.setattr(
        disk_ahead,
        "read_ahead",
        lambda folder, names, stop=None: asked.append((Path(folder), list(names))),
    )
    settings = _site(site, tmp_path / "web")
    _publish(settings)
    var = settings.parent / "var"
    (export, sources), *caches = asked
    assert export.parent == var / "segel"  # this publish's export, kept as the next's
    assert sources[0] == "content/berita/draf.md"  # every source: the export is not sealed yet
    assert "content/berita/rapat.md" in sources
    assert any(name.startswith("approvals/berita/rapat/") for name in sources)
    assert not any(name.endswith(".pdf") or name.startswith("theme/") for name in sources)
    assert caches == []  # a first publish: no cache to read yet

    asked.clear()
    site.article("berita/rapat.md", "Rapat Pleno", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/rapat.md")
    site.commit()
    _publish(settings)
    read = {folder.relative_to(var).as_posix(): names for folder, names in asked[1:]}
    assert "markdown.pak" in read["render-cache"]
    stored = set(os.listdir(var / "render-cache" / "halaman-berkas"))
    assert set(read["render-cache/halaman-berkas"]) & stored  # the pages this one links
    assert read["pagefind-cache/berkas"]
    assert not [t for t in threading.enumerate() if t.name == "kpu-baca-awal"]
    live = snapshot(tmp_path / "web" / "current")
    assert b"TOKENBARU" in live["berita/rapat-pleno/index.html"]
    assert not [name for name, data in live.items() if b"TOKENDRAF" in data]
    assert (var / PREVIOUS).is_dir()


def test_a_stopped_warmer_ends_at_once_and_a_missing_folder_raises_nothing(
    tmp_path: Path,
) -> None:
    with DiskAhead() as disk:
        disk.start(tmp_path / "tidak-ada", ["content/a.md"], tmp_path / "juga-tidak")
    assert not [t for t in threading.enumerate() if t.name == "kpu-baca-awal"]
