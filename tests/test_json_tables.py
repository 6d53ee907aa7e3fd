"""The machine's kept tables: orjson's JSON, read back as exactly the values json gives."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from approval_gate.api import cache_key, dump_bytes, key_text, load_bytes

TABLE = {
    "halaman/berita-ω/index.html": ["ab" * 32, [64769, 2**64 - 1, 5120, 1764900000123456789, 0]],
    "pengumuman": {"p": False, "m": True, "x": [["https://kpu.example/", "index.html"]]},
    "angka": [0, -1, 2**63 - 1, -(2**63)],
    "teks": "Rapat pleno \u201cterbuka\u201d di Kecamatan Sluke\n\ttanpa\u0000batas",
    "kosong": [None, True, False, {}, []],
}


def test_a_table_reads_back_as_json_reads_it() -> None:
    data = dump_bytes(TABLE)
    assert load_bytes(data) == json.loads(json.dumps(TABLE)) == TABLE
    assert load_bytes(memoryview(data)) == TABLE
    assert load_bytes(data.decode("utf-8")) == TABLE


def test_sorted_tables_are_the_canonical_compact_json() -> None:
    canonical = json.dumps(TABLE, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert dump_bytes(TABLE, sort_keys=True) == canonical.encode("utf-8")
    assert b" " not in dump_bytes({"a": [1, 2]})


@pytest.mark.parametrize(
    "value",
    [
        {1: "kunci angka", "2": "kunci teks"},  # json writes the key as text
        {"nama": "berkas-\udcff.md"},  # a file name that is not UTF-8 (surrogateescape)
        {"besar": 2**70, "kecil": -(2**70)},  # beyond 64 bits
    ],
)
def test_what_orjson_refuses_is_written_and_read_as_json_does(value: dict) -> None:
    data = dump_bytes(value)
    assert load_bytes(data) == json.loads(json.dumps(value))


def test_a_type_json_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        dump_bytes({"waktu": datetime(2026, 12, 5, 9, 0)})
    with pytest.raises(TypeError):
        dump_bytes({"berkas": object()})


@pytest.mark.parametrize("data", [b"", b"{", b'{"a":}', b"\xff\xfe", "[1,,2]"])
def test_a_broken_table_is_a_value_error(data: bytes | str) -> None:
    with pytest.raises(ValueError):
        load_bytes(data)


def test_json_only_text_is_still_read() -> None:
    assert load_bytes(b'{"a": NaN, "b": "\\ud800"}')["b"] == "\ud800"


KEY = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)


@pytest.mark.parametrize(
    "value",
    [
        ("halaman", 5, ["ω", {"b": 1, "a": [True, None]}], 2**63 - 1),
        {"tanggal": datetime(2026, 12, 5, 9, 0), "himpunan": frozenset({1})},  # by repr
        ("kunci \udcff", {1: "a"}, 2**70),  # what orjson refuses: json's text
        1.5,
    ],
)
def test_a_cache_keys_text_is_the_canonical_json(value: object) -> None:
    assert key_text(value) == KEY.encode(value)


def test_no_float_that_is_not_a_number_is_written_as_none() -> None:
    none = {key_text(None), key_text((None,)), key_text(("a", None))}
    for odd in (float("nan"), float("inf"), float("-inf")):
        assert key_text(odd) not in none and key_text((odd,)) not in none
        assert key_text(("a", odd)) not in none
    assert cache_key("a", float("nan")) != cache_key("a", None)
