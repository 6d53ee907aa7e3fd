"""The build's sign-off reader: a forked process that has ended before its answer is taken.

Pelican reads the content while another process reads and verifies approvals/
(``start_reading``). The reader writes its answer to a temporary file and ends, so its
memory is gone before the Pelican process loads the answer (issue 12: peak memory). Its
answer is exactly what this process would read; a reader that gives none (killed, or the
reading failed) changes nothing but where the work is done.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sitekit import Site
from test_signoff_workers import messy as messy  # noqa: F401 - the fixture, shared

from approval_gate.api import open_ledger

_LOADED_BY = open_ledger  # ledger.py loads the reader (tests/test_signoff_workers.py)
_reading: Any = sys.modules["approval_gate.signoff_reading"]
read_signoffs, start_reading = _reading.read_signoffs, _reading.start_reading


def _here(site: Site, cache: Path) -> Any:
    """What this process reads and verifies itself, with a cache of its own."""
    return read_signoffs(site.approvals, cache, parallel=False)


def _ended(pid: int, within: float = 60.0) -> int:
    """Wait until process ``pid`` has ended, without collecting it; return its exit code."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if ended is not None:
            return ended.si_status
        time.sleep(0.02)
    raise AssertionError(f"proses pembaca {pid} belum selesai")


def test_the_reader_answers_what_this_process_reads(messy: Site, tmp_path: Path) -> None:  # noqa: F811
    reading = start_reading(messy.approvals, tmp_path / "cache-pembaca")
    signoffs, findings = reading.result()
    assert (signoffs, findings) == _here(messy, tmp_path / "cache-sini")
    assert len(signoffs) == 4 and len(findings) == 2  # the fixture's valid and broken files
    assert {s.key is not None for s in signoffs} == {True, False}  # tampered: unsigned


def test_the_reader_has_ended_before_its_answer_is_taken(messy: Site, tmp_path: Path) -> None:  # noqa: F811
    reading = start_reading(messy.approvals, tmp_path / "cache")
    assert reading.pid > 0  # forked: the work is not done in this process
    assert _ended(reading.pid) == 0  # it ends by itself, its answer written
    assert reading.result() == _here(messy, tmp_path / "cache-sini")
    with pytest.raises(ChildProcessError):  # collected once, by ``result``
        os.waitpid(reading.pid, os.WNOHANG)


def test_a_killed_reader_changes_only_where_the_work_is_done(
    messy: Site,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = os.getpid()

    def slow(*args: Any, **kwargs: Any) -> Any:  # the reader is still reading when killed
        if os.getpid() != here:
            time.sleep(60)
        return read_signoffs(*args, **kwargs)

    monkeypatch.setattr(_reading, "read_signoffs", slow)
    reading = start_reading(messy.approvals, tmp_path / "cache")
    os.kill(reading.pid, signal.SIGKILL)
    assert reading.result() == _here(messy, tmp_path / "cache-sini")


def test_a_reading_that_fails_raises_here(tmp_path: Path) -> None:
    reading = start_reading(tmp_path / "tidak-ada", tmp_path / "cache")
    assert _ended(reading.pid) != 0  # the reader gave no answer
    with pytest.raises(FileNotFoundError):
        reading.result()
