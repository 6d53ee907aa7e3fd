"""Memory of a publish: the manifest written in pieces (the very text json.dumps made as
one string); the archive states a publish worked out dropped once its pending record is made.
"""

from __future__ import annotations

import inspect
import json
from datetime import datetime, UTC
from pathlib import Path

import pytest

from approval_gate.api import Manifest, write_whole
from publishing.archive import chain

# tests import only the gate's API (tests/test_architecture.py): the function by its module
json_pieces = inspect.getmodule(Manifest).json_pieces  # type: ignore[union-attr]


def _one_shot(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=None) + "\n"


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("batch", [1, 2, 3])
def test_pieces_add_up_to_the_one_shot_text(count: int, batch: int) -> None:
    data = {
        "format": 1,
        "build_id": None,
        "judul": 'Pengumuman \u00e9\u4e2d "kutip" \\ \u2028',
        "included": [
            {"item": f"berita/{i}.md", "signoffs": [{"role": "ketua"}]} for i in range(count)
        ],
        "kosong": [],
        "angka": [1.5, float("inf"), True, None],
        "peta": {"a": [1, 2, 3, 4, 5], "b": {}},
    }
    assert "".join(json_pieces(data, batch)) == _one_shot(data)


def test_an_empty_mapping() -> None:
    assert "".join(json_pieces({})) == _one_shot({})


def test_manifest_file_is_byte_identical(tmp_path: Path) -> None:
    manifest = Manifest("b1", datetime(2026, 12, 2, tzinfo=UTC), {"version": 3}, False)
    manifest.included = [
        {"item": f"berita/{i:05}.md", "digest": f"sha256:{i}", "url": f"b/{i}/", "signoffs": []}
        for i in range(1234)
    ]
    manifest.static = [{"source": f"gambar/{i}.png", "save_as": f"g/{i}.png"} for i in range(777)]
    manifest.exclude("berita/x.md", "ditahan", "Belum disetujui \u2014 ketua")
    path = tmp_path / "gate-manifest.json"
    manifest.write(path)
    assert path.read_bytes() == _one_shot(manifest.as_dict()).encode("utf-8")


def test_write_whole_takes_pieces(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    write_whole(path, iter(["a", "\u00e9", "c"]))
    assert path.read_bytes() == "a\u00e9c".encode()
    write_whole(path, b"bytes")
    assert path.read_bytes() == b"bytes"
    write_whole(path, "teks")
    assert path.read_text() == "teks"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temporary file left


def test_forget_states_drops_what_the_publish_worked_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chain, "publishers_fingerprint", lambda roster: "penerbit")
    monkeypatch.setattr(chain, "_MEMO", type(chain._MEMO)())
    state = chain.state_of([{"item": "berita/a.md", "digest": "d"}], 0, ["k"])
    chain.remember(tmp_path, "sha256:1", None, state)  # type: ignore[arg-type]
    assert chain.remembered(tmp_path, "sha256:1", None) is state  # type: ignore[arg-type]
    chain.forget_states()
    assert chain.remembered(tmp_path, "sha256:1", None) is None  # type: ignore[arg-type]
