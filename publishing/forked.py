"""Run one step of a publish in a forked process, so the memory it needs ends with it.

Why: CPython gives freed memory back to the system only when whole arenas are empty, so
a step that builds large passing structures (the gate's ledger over the export: its
sealed cache tables, every verified sign-off; 150 MB at 10,000 items) leaves the
publishing process that large for the rest of the publish, while it only waits for its
Pelican child (docs/publishing.md, "Memory of a publish"). In a fork the step runs as
before, on a copy of the process; only its small, picklable result comes back, and the
memory goes with the forked process.

Fail closed: whatever the step raises is raised in the publishing process (a KpuError
keeps its text and exit code); a forked process that ends without a result (killed,
out of memory) is a ``SealError``. The forked process dies with its parent
(``PR_SET_PDEATHSIG``) and a Ctrl-C or SIGTERM simply ends it: the publishing process
kills it and waits for it before its own error goes on, so it never outlives the
publish lock.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

from approval_gate.api import KpuError

from .interrupts import SIGNALS

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1


def in_fork(work: Callable[[], T], lost: Callable[[], BaseException]) -> T:
    """Return ``work()`` run in a forked process, or raise what it raised.

    ``lost`` makes the error for a forked process that ended without an answer.
    Linux only (``os.fork``); the publishing machine is Linux.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked process (its result is what is tested)
        os.close(read)
        _child(work, write, parent)
    os.close(write)
    answer = b""
    try:
        with os.fdopen(read, "rb") as stream:
            answer = stream.read()
    except BaseException:
        _end(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not answer:
        raise lost()
    kind, value = pickle.loads(answer)  # noqa: S301 - our own fork's bytes, through a pipe
    if kind == "error":
        raise value
    result: T = value
    return result


def _end(pid: int) -> None:
    """Kill the forked process and wait for it (the publish stops)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _child(work: Callable[[], T], write: int, parent: int) -> None:  # pragma: no cover
    """Run ``work`` in the forked process, send its result or error, and exit."""
    status = 1
    try:
        for number in SIGNALS:  # a Ctrl-C ends this process; the parent reports it
            signal.signal(number, signal.SIG_DFL)
        _die_with(parent)
        try:
            answer = pickle.dumps(("ok", work()), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # noqa: BLE001 - every error goes back to the parent
            answer = _error(error)
        with os.fdopen(write, "wb") as stream:
            stream.write(answer)
        status = 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _error(error: Exception) -> bytes:
    """Return the pickled error; one that cannot travel as it is goes as a KpuError."""
    try:
        answer = pickle.dumps(("error", error), protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(answer)  # noqa: S301 - checks it can be made again on the other side
        return answer
    except Exception:  # noqa: BLE001
        code = getattr(error, "exit_code", None)
        plain = KpuError(str(error), exit_code=code if isinstance(code, int) else None)
        return pickle.dumps(("error", plain), protocol=pickle.HIGHEST_PROTOCOL)


def _die_with(parent: int) -> None:  # pragma: no cover - runs in the forked process
    """Ask Linux to SIGKILL this process when its parent dies; end now if it already has."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)
