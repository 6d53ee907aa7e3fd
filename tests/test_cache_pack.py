"""A cache's pack: the entries one build read, in one file, trusted exactly as their files.

The pack (plugins/approval_gate/cache_pack.py) only saves opening thousands of files: an
entry read from it passes the same seal check as its file, a pack that is damaged, swapped
or lying reads as no pack, and a key written during a build is read from its file.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from approval_gate.api import MachineCache, cache_key, finish_packs, process_alive, writer_gone
from sitekit import PACK_HEAD as HEAD, PACK_MAGIC as MAGIC, PACK_ROW, pack_rows as _rows

RECORD = PACK_ROW.size


def _build(folder: Path, entries: dict[str, bytes], read: list[str] | None = None) -> int:
    """One build: read ``read`` (all keys by default) through a packed cache; end it."""
    cache = MachineCache(folder, "uji", packed=True)
    for key in entries if read is None else read:
        assert cache.get(key) == entries[key]
    return finish_packs()


def _entries(folder: Path, count: int) -> dict[str, bytes]:
    plain = MachineCache(folder, "uji")
    entries = {cache_key("entri", n): f"isi {n} ".encode() * (n + 1) for n in range(count)}
    for key, value in entries.items():
        plain.put(key, value)
    return entries


def _files_gone(folder: Path) -> None:
    for path in (folder / "uji").rglob("*"):
        if path.is_file():
            path.unlink()


def test_a_build_reads_next_time_from_the_pack_what_it_read_this_time(tmp_path: Path) -> None:
    entries = _entries(tmp_path, 40)
    assert _build(tmp_path, entries) == 1  # no pack yet: one is written
    pack = tmp_path / "uji.pak"
    assert pack.read_bytes().startswith(MAGIC)
    assert sorted(key.hex() for key, _, _ in _rows(pack)) == sorted(entries)
    _files_gone(tmp_path)  # now only the pack holds them
    assert _build(tmp_path, entries) == 0  # every read hit it: not written again
    cache = MachineCache(tmp_path, "uji", packed=True)
    assert all(cache.has(key) for key in entries)
    assert not cache.has(cache_key("tidak ada"))
    finish_packs()


def test_the_pack_is_written_again_only_when_it_no_longer_fits(tmp_path: Path) -> None:
    entries = _entries(tmp_path, 200)
    keys = list(entries)
    _build(tmp_path, entries)
    more = MachineCache(tmp_path, "uji")
    extra = {cache_key("baru", n): b"baru" for n in range(3)}
    for key, value in extra.items():
        more.put(key, value)
    everything = {**entries, **extra}
    assert _build(tmp_path, everything) == 0  # 3 of 203 reads missed it: kept as it is
    assert len(_rows(tmp_path / "uji.pak")) == 200
    extra = {cache_key("baru lagi", n): b"baru" for n in range(10)}
    for key, value in extra.items():
        more.put(key, value)
    everything.update(extra)
    assert _build(tmp_path, everything) == 1  # 13 of 213 missed: written again, all in
    assert len(_rows(tmp_path / "uji.pak")) == 213
    assert _build(tmp_path, everything, keys[:100]) == 1  # half of it unread: written again
    assert sorted(key.hex() for key, _, _ in _rows(tmp_path / "uji.pak")) == sorted(keys[:100])


def test_a_key_written_during_a_build_is_read_from_its_file_and_packed_anew(
    tmp_path: Path,
) -> None:
    entries = _entries(tmp_path, 20)
    _build(tmp_path, entries)
    key = next(iter(entries))
    cache = MachineCache(tmp_path, "uji", packed=True)
    assert cache.get(key) == entries[key]  # from the pack
    cache.put(key, b"ditulis ulang")
    assert cache.get(key) == b"ditulis ulang"  # the file, not the pack's older blob
    assert finish_packs() == 1  # a key written over: the pack is written again
    _files_gone(tmp_path)
    assert MachineCache(tmp_path, "uji", packed=True).get(key) == b"ditulis ulang"
    finish_packs()


@pytest.mark.parametrize(
    "damage",
    ["a blob edited", "rows swapped", "truncated", "another magic", "a huge count", "empty"],
)
def test_a_damaged_pack_reads_as_no_pack_and_never_raises(tmp_path: Path, damage: str) -> None:
    entries = _entries(tmp_path, 30)
    _build(tmp_path, entries)
    pack = tmp_path / "uji.pak"
    data = bytearray(pack.read_bytes())
    rows = _rows(pack)
    if damage == "a blob edited":
        offset = rows[0][1]
        data[offset + 40] ^= 0xFF
    elif damage == "rows swapped":  # one key's blob under another key
        (k1, o1, n1), (k2, o2, n2) = rows[0], rows[1]
        struct.pack_into("<32sQI", data, HEAD, k1, o2, n2)
        struct.pack_into("<32sQI", data, HEAD + RECORD, k2, o1, n1)
    elif damage == "truncated":
        del data[len(data) // 2 :]
    elif damage == "another magic":
        data[:8] = b"XXXXXXXX"
    elif damage == "a huge count":
        struct.pack_into("<I", data, len(MAGIC), 2**32 - 1)
    else:
        data = bytearray()
    pack.write_bytes(bytes(data))
    cache = MachineCache(tmp_path, "uji", packed=True)
    assert {key: cache.get(key) for key in entries} == entries  # from the files
    finish_packs()
    _files_gone(tmp_path)
    cache = MachineCache(tmp_path, "uji", packed=True)
    found = {key: cache.get(key) for key in entries}
    finish_packs()
    assert all(found[key] in (entries[key], None) for key in entries)  # never a wrong one
    assert all(value is not None for value in found.values())  # the build rewrote the pack


def test_a_pack_of_another_machine_or_namespace_is_not_trusted(tmp_path: Path) -> None:
    entries = _entries(tmp_path, 10)
    _build(tmp_path, entries)
    other = tmp_path / "mesin-lain"
    other.mkdir()
    (other / "uji.pak").write_bytes((tmp_path / "uji.pak").read_bytes())
    (tmp_path / "lain.pak").write_bytes((tmp_path / "uji.pak").read_bytes())
    foreign = MachineCache(other, "uji", packed=True)
    renamed = MachineCache(tmp_path, "lain", packed=True)
    assert [foreign.get(key) for key in entries] == [None] * len(entries)
    assert [renamed.get(key) for key in entries] == [None] * len(entries)
    assert not (other / ".kunci").read_bytes() == (tmp_path / ".kunci").read_bytes()
    finish_packs()


def test_a_pack_a_killed_build_was_writing_is_removed_by_the_next_one(tmp_path: Path) -> None:
    entries = _entries(tmp_path, 5)
    dead = tmp_path / ".uji.pak.999999999.tmp"  # no such process
    dead.write_bytes(b"setengah ditulis" * 1000)
    alive = tmp_path / f".markdown.pak.{os.getppid()}.tmp"  # another build, still running
    alive.write_bytes(b"sedang ditulis")
    assert _build(tmp_path, entries) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == [alive.name]


def test_the_packs_unchecked_data_come_in_the_order_the_build_read_them(tmp_path: Path) -> None:
    entries = _entries(tmp_path, 10)
    order = list(entries)[::-1]
    _build(tmp_path, entries, order)
    # only to warm what the next build reads (page_files.py); nothing counted as a read
    assert MachineCache(tmp_path, "uji").unchecked_packed() == [entries[k] for k in order]
    assert MachineCache(tmp_path, "kosong").unchecked_packed() == []


def test_a_leftover_is_removed_only_once_its_writer_has_ended() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # ended and reaped: its pid names no process
    assert process_alive(os.getpid()) and not writer_gone(str(os.getpid()))
    assert not process_alive(child.pid) and writer_gone(str(child.pid))
    for odd in ("x", str(2**70)):  # no process id: counted as still writing, left alone
        assert process_alive(odd) and not writer_gone(odd)
