"""Stored files are checked at every use: what a shortcut past the read-back must still catch.

Cached pages, provenance pieces (render_cache/page_files.py) and compressed copies
(publishing/compress_store.py) are read-only files named by their SHA-256, hard-linked
into each build and read back. Skipping the read-back for a file whose identity (device,
inode, size, modification and change time) is the one recorded after its last check was
evaluated for issue 12 and not built: every flow removes the previous build's links
(the publish's sweep, the local build's swap), and removing a link moves the stored
file's change time, so no recorded identity would still match (docs/rendering.md).
These poison tests pin what any such shortcut must keep: a stored file rewritten with
its times put back, or replaced by a FIFO, is never placed, and is made again.
"""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

from publishing import compress, compress_store
from publishing.compress import Compression, compress_output
from publishing.compress_store import STORE
from publishing.tree import list_output
from render_cache import page_files

PAGE = ("<!DOCTYPE html><html lang='id'><p>" + "Rapat pleno terbuka KPU Rembang. " * 40).encode()


def _rewrite_keeping_times(path: Path, data: bytes) -> None:
    """Write ``data`` into ``path`` in place, then put its size and times back."""
    before = path.stat()
    assert len(data) == before.st_size
    path.chmod(0o644)
    with path.open("r+b") as stream:
        stream.write(data)
    path.chmod(0o444)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )


def _placed_in_thread(files: page_files.PageFiles, name: str, path: str) -> list[bytes | None]:
    """Return what ``place`` gave, from a thread (a read that waits would never end)."""
    found: list[bytes | None] = []
    worker = threading.Thread(target=lambda: found.append(files.place(name, path)), daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "a FIFO in the page store made the build wait"
    return found


def test_a_stored_page_rewritten_with_its_times_put_back_is_never_placed(tmp_path: Path) -> None:
    files, output = page_files.PageFiles(tmp_path / "cache"), tmp_path / "output"
    output.mkdir()
    name = files.store(PAGE, str(output / "a.html"))
    _rewrite_keeping_times(files.folder / name, PAGE.replace(b"Rapat", b"RACUN"))

    assert files.place(name, str(output / "b.html")) is None
    assert not (output / "b.html").exists() and not (files.folder / name).exists()
    # made again from the rendered bytes, the next use takes it
    assert files.store(PAGE, str(output / "b.html")) == name
    assert files.place(name, str(output / "c.html")) == PAGE
    files.close()


def test_a_fifo_in_the_page_store_is_removed_not_waited_for(tmp_path: Path) -> None:
    files, output = page_files.PageFiles(tmp_path / "cache"), tmp_path / "output"
    output.mkdir()
    name = files.store(PAGE, str(output / "a.html"))
    (files.folder / name).unlink()
    os.mkfifo(files.folder / name, 0o644)

    assert _placed_in_thread(files, name, str(output / "b.html")) == [None]
    assert not (output / "b.html").exists() and not (files.folder / name).exists()
    assert page_files.read_back(str(output / "a.html")) == PAGE  # a regular file still reads
    files.close()


def test_warming_the_store_reads_ahead_and_never_waits_nor_places_anything(
    tmp_path: Path,
) -> None:
    """The warmer opens what the last build named (unchecked) only to have it read ahead."""
    files, output = page_files.PageFiles(tmp_path / "cache"), tmp_path / "output"
    output.mkdir()
    good = files.store(PAGE, str(output / "a.html"))
    fifo = "f" * 64
    os.mkfifo(files.folder / fifo, 0o644)
    link = "e" * 64
    (files.folder / link).symlink_to(files.folder / good)
    named = [b"[]", b"RACUN", ("0" * 64).encode(), fifo.encode(), link.encode(), good.encode()]
    files.warm(lambda: named)
    files.close()  # joins the warmer: it never waited on the FIFO
    assert sorted(p.name for p in files.folder.iterdir()) == sorted([good, fifo, link])
    assert sorted(p.name for p in output.iterdir()) == ["a.html"]  # nothing placed

    broken = page_files.PageFiles(tmp_path / "cache")

    def fails() -> list[bytes]:
        raise ValueError("pak rusak")

    broken.warm(fails)  # a warmer that fails leaves the reads cold, nothing else
    assert broken.place(good, str(output / "b.html")) == PAGE
    broken.close()


def _site(folder: Path) -> Path:
    output = folder / "keluaran"
    for rel, data in {
        "berita/a/index.html": PAGE,
        "theme/js/cari.js": b"const x = 1;\n" * 40,
    }.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_bytes(data)
    return output


def test_a_stored_copy_rewritten_with_its_times_put_back_is_made_again(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    first = _site(tmp_path / "1")
    assert compress_output(first, list_output(first), how).made == 4
    gz = compress.gzip_bytes(PAGE)
    stored = tmp_path / "cache" / STORE / compress_store.sha(gz)
    other = compress.gzip_bytes(PAGE.replace(b"Rapat", b"RACUN"))
    _rewrite_keeping_times(stored, other[: len(gz)].ljust(len(gz), b"\0"))

    second = _site(tmp_path / "2")
    written = compress_output(second, list_output(second), how)
    assert written.made == 2  # the page's copies, made again; the script's were linked
    copy = second / "berita/a/index.html.gz"
    assert gzip.decompress(copy.read_bytes()) == PAGE
    assert written.files["berita/a/index.html.gz"].sha256 == compress_store.sha(gz)


def test_a_fifo_in_the_copy_store_is_removed_not_waited_for(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    first = _site(tmp_path / "1")
    compress_output(first, list_output(first), how)
    stored = tmp_path / "cache" / STORE / compress_store.sha(compress.brotli_bytes(PAGE))
    stored.unlink()
    os.mkfifo(stored, 0o644)

    second = _site(tmp_path / "2")
    done: list[int] = []
    worker = threading.Thread(
        target=lambda: done.append(compress_output(second, list_output(second), how).made),
        daemon=True,
    )
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "a FIFO in the copy store made the build wait"
    assert done == [2]
    assert compress.unbrotli_bounded((second / "berita/a/index.html.br").read_bytes(), 10**6) == (
        PAGE
    )
    assert not stored.is_fifo() and stored.is_file()  # made again as a regular file


def test_reading_the_kept_copies_ahead_never_waits_and_changes_nothing(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    first = _site(tmp_path / "1")
    compress_output(first, list_output(first), how)
    store = tmp_path / "cache" / STORE
    os.mkfifo(store / ("f" * 64), 0o644)
    (store / ("e" * 64)).symlink_to(tmp_path / "1" / "berita" / "a" / "index.html")
    (store / ".neu-1-1").write_bytes(b"sisa")
    kept = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file() and not p.is_symlink()}

    finish = compress_store.read_kept_ahead(tmp_path / "cache")
    waiter = threading.Thread(target=finish, daemon=True)
    waiter.start()
    waiter.join(60)
    assert not waiter.is_alive(), "a FIFO in the copy store made the warmer wait"
    assert {p.name: p.read_bytes() for p in store.iterdir() if p.name in kept} == kept
    compress_store.read_kept_ahead(None)()  # no store: nothing started
    compress_store.read_kept_ahead(tmp_path / "tidak-ada")()  # no folder: nothing read

    second = _site(tmp_path / "2")  # the next build still links and checks every copy
    assert compress_output(second, list_output(second), how).made == 0
