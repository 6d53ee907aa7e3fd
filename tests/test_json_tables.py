"""The machine's kept tables: orjson's JSON, read back as exactly the values json gives."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from approval_gate.api import dump_bytes, load_bytes

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
