"""publishing/forked.py: a step run in a fork answers as it would in the process itself.

The sealed publish opens the gate's ledger in a fork (docs/publishing.md, "Memory of a
publish"): its result, its errors and its death must reach the publishing process, and
nothing the fork does may be taken for success when it gave no answer.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

from approval_gate.api import ExitCode, KpuError  # noqa: E402

from publishing.forked import in_fork  # noqa: E402
from publishing.seal import SealError  # noqa: E402


def _lost() -> SealError:
    return SealError("hilang")


def test_the_result_comes_back_and_the_work_ran_elsewhere() -> None:
    assert in_fork(lambda: {"pid": os.getpid(), "data": [1, 2]}, _lost) != {
        "pid": os.getpid(),
        "data": [1, 2],
    }
    answer = in_fork(lambda: {"pid": os.getpid(), "data": [1, 2]}, _lost)
    assert answer["data"] == [1, 2] and answer["pid"] != os.getpid()


def test_an_error_keeps_its_type_text_and_exit_code() -> None:
    def refuse() -> None:
        raise SealError("ditolak", path="content/x.md", hint="Perbaiki.", exit_code=ExitCode.ANCHOR)

    with pytest.raises(SealError) as caught:
        in_fork(refuse, _lost)
    assert caught.value.exit_code == ExitCode.ANCHOR and caught.value.path == "content/x.md"
    assert str(caught.value) == "content/x.md: ditolak Perbaiki."


def test_a_storage_error_stays_an_os_error() -> None:
    def full() -> None:
        raise OSError(28, "No space left on device", "/var/x")

    with pytest.raises(OSError) as caught:
        in_fork(full, _lost)
    assert caught.value.errno == 28 and caught.value.filename == "/var/x"


class _Odd(KpuError):
    exit_code = ExitCode.TARGET

    def __init__(self, a: str, b: str) -> None:  # cannot be made again from its text
        super().__init__(a + b)


def test_an_error_that_cannot_travel_still_fails_with_its_text_and_code() -> None:
    def odd() -> None:
        raise _Odd("satu ", "dua")

    with pytest.raises(KpuError) as caught:
        in_fork(odd, _lost)
    assert caught.value.exit_code == ExitCode.TARGET and "satu dua" in str(caught.value)


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_a_fork_without_an_answer_is_the_lost_error(how: str) -> None:
    def die() -> None:
        if how == "exit":
            os._exit(0)
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(SealError, match="hilang"):
        in_fork(die, _lost)


def test_a_result_that_cannot_be_sent_back_is_an_error() -> None:
    with pytest.raises(AttributeError):  # pickle: a local function cannot travel
        in_fork(lambda: lambda: None, _lost)
