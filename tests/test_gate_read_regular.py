"""``digest.read_regular`` reads a file to its end, or refuses it past its limit.

It asks for the size ``fstat`` gave plus one byte (a file object's ``read(limit + 1)``
had Python allocate the whole limit, 1 MB for every source and 50 MB for every
attachment, five times the cost of the read). A file that grew or shrank after its
``fstat`` must still be read whole, or refused, exactly as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from approval_gate.api import FileRefused, read_regular

#: The module whose ``os.fstat`` is made to answer another size (loaded by the API above).
digest: Any = sys.modules["approval_gate.digest"]


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 70_000, 300_000])
def test_a_file_within_its_limit_is_read_whole(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    (tmp_path / "f.pdf").write_bytes(data)
    assert read_regular(str(tmp_path), "f.pdf", 300_000) == data
    assert read_regular(str(tmp_path), "f.pdf", None) == data


def test_one_byte_over_the_limit_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f.md").write_bytes(b"x" * 101)
    assert read_regular(str(tmp_path), "f.md", 101) == b"x" * 101
    with pytest.raises(FileRefused, match="101 bita, batasnya 100 bita"):
        read_regular(str(tmp_path), "f.md", 100, "APPROVAL_GATE_MAX_SOURCE_BYTES")


@pytest.mark.parametrize("told", [0, 10, 99_999, 400_000])
def test_a_file_whose_size_changed_after_its_fstat_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, told: int
) -> None:
    """``fstat`` saying less (the file grew) or more (it shrank) than there is to read."""
    data = os.urandom(200_000)
    (tmp_path / "f.pdf").write_bytes(data)
    real = os.fstat

    def fstat(fd: int) -> SimpleNamespace:
        return SimpleNamespace(st_mode=real(fd).st_mode, st_size=told)

    monkeypatch.setattr(digest.os, "fstat", fstat)
    assert read_regular(str(tmp_path), "f.pdf", None) == data
    if told <= 200_000:
        assert read_regular(str(tmp_path), "f.pdf", 200_000) == data
    else:  # refused by its fstat, unread, as before
        with pytest.raises(FileRefused, match="400000 bita, batasnya 200000 bita"):
            read_regular(str(tmp_path), "f.pdf", 200_000)
    if told <= 150_000:  # within the limit by fstat, over it by what was read
        with pytest.raises(FileRefused, match="150001 bita, batasnya 150000 bita"):
            read_regular(str(tmp_path), "f.pdf", 150_000)
