"""The machine's caches: an entry is used only when its seal holds, and nothing here raises."""

from __future__ import annotations

import os
from pathlib import Path

from approval_gate.api import MachineCache, cache_key


def test_an_entry_reads_back_only_under_its_own_key_namespace_and_machine(tmp_path: Path) -> None:
    cache = MachineCache(tmp_path, "uji")
    key, other = cache_key("a", 1), cache_key("b", 2)
    cache.put(key, b"isi")
    assert cache.get(key) == b"isi"
    assert (tmp_path / ".kunci").stat().st_mode & 0o777 == 0o600
    cache.path_of(other).parent.mkdir(parents=True, exist_ok=True)
    cache.path_of(other).write_bytes(cache.path_of(key).read_bytes())  # copied to another key
    assert cache.get(other) is None
    assert MachineCache(tmp_path, "lain").get(key) is None  # another namespace
    blob = cache.path_of(key).read_bytes()
    cache.path_of(key).write_bytes(blob[:-1] + b"X")  # edited
    assert cache.get(key) is None
    (tmp_path / "mesin-lain").mkdir()
    foreign = MachineCache(tmp_path / "mesin-lain", "uji")
    foreign.put(key, b"palsu")
    cache.path_of(key).write_bytes(foreign.path_of(key).read_bytes())  # another machine's key
    assert cache.get(key) is None


def test_a_key_that_cannot_be_read_or_written_means_no_cache_not_an_error(tmp_path: Path) -> None:
    cache = MachineCache(tmp_path, "uji")
    key = cache_key("a")
    cache.put(key, b"isi")
    (tmp_path / ".kunci").unlink()
    (tmp_path / ".kunci").mkdir()  # unreadable as a key, and cannot be replaced
    fresh = MachineCache(tmp_path, "uji")
    assert fresh.get(key) is None
    fresh.put(cache_key("b"), b"isi")  # ignored, no exception
    assert fresh.get(cache_key("b")) is None


def test_a_touching_cache_dates_each_entry_it_reads_and_a_plain_one_does_not(
    tmp_path: Path,
) -> None:
    touching = MachineCache(tmp_path, "markdown", touch=True)
    plain = MachineCache(tmp_path, "markdown")
    key = cache_key("entri")
    touching.put(key, b"isi")
    path = touching.path_of(key)
    os.utime(path, ns=(10**18, 10**18))  # as if written long ago (2001)
    assert plain.get(key) == b"isi"
    assert path.stat().st_mtime_ns == 10**18
    assert touching.get(key) == b"isi"
    assert path.stat().st_mtime_ns > 10**18 + 10**17  # read now: kept by a prune by age
    assert touching.get(cache_key("tidak ada")) is None  # a miss touches nothing


def test_an_entry_cut_short_reads_as_missing_and_is_written_again_whole(tmp_path: Path) -> None:
    cache = MachineCache(tmp_path, "uji")
    key = cache_key("terpotong")
    cache.put(key, b"isi yang panjang" * 100)
    path = cache.path_of(key)
    assert path.stat().st_mode & 0o777 == 0o600  # the machine account's alone
    path.write_bytes(path.read_bytes()[:100])  # a write killed half way
    assert cache.get(key) is None
    cache.put(key, b"isi baru")  # its name is taken: replaced whole, through a rename
    assert cache.get(key) == b"isi baru"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [key]  # no temporary left


def test_putting_an_entry_never_writes_through_a_link_planted_at_its_name(tmp_path: Path) -> None:
    cache = MachineCache(tmp_path, "uji")
    key = cache_key("tautan")
    outside = tmp_path / "di-luar.txt"
    outside.write_bytes(b"milik orang lain")
    path = cache.path_of(key)
    path.parent.mkdir(parents=True)
    path.symlink_to(outside)
    cache.put(key, b"isi")
    assert outside.read_bytes() == b"milik orang lain"
    assert not path.is_symlink() and cache.get(key) == b"isi"
