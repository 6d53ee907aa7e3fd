"""A small fresh interpreter that works beside the publishing process and answers in a file.

Why: after Pelican the publishing process runs Python on one core (listing, audit) while
the second core idles, and some of the work left is independent of it (issue 12). A
thread waits for the other's hold on the interpreter, and a fork doubles every page
either process writes while the audit touches most of the process's memory (measured at
10,000 items: the peak after Pelican rose past the 400 MB target; docs/benchmarks.md,
"Twenty-seventh round"). A fresh ``python -I`` that imports only what its script names
(``publishing/tree.py``: the standard library) shares nothing and holds a few tens of MB.

The work gets its input on standard input and writes its answer to a file, so it never
waits for the busy publishing process to read a pipe. The file is unnamed (``O_TMPFILE``,
handed over as an open descriptor): it is gone when both processes have closed it, so
even a publish killed with SIGKILL leaves nothing in the temporary folder. The work ends
with the publishing process (``PR_SET_PDEATHSIG``), never outlives the publish, and
whatever goes wrong with it (it cannot start, dies, exits with an error) is an answer of
None: each caller then does the work itself, as it did before.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

#: The project folder, so the work imports this tree's ``publishing`` package.
PROJECT = Path(__file__).resolve().parent.parent

#: Run before every script: die with the parent (argv[1] its pid), find the project
#: (argv[2]); ``ANSWER`` is the open file to write (descriptor argv[3]), ``ARGS`` the
#: caller's arguments.
_PROLOGUE = """
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0)
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
sys.path.insert(0, sys.argv[2])
ANSWER, ARGS = open(int(sys.argv[3]), "wb"), sys.argv[4:]
"""


class SideProcess:
    """``script`` run by a fresh interpreter with ``given`` on its standard input."""

    def __init__(self, script: str, args: list[str], given: bytes) -> None:
        self._answer: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self._answer = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result or cancel
            fd = self._answer.fileno()
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-c", _PROLOGUE + script, str(os.getpid())]
                + [str(PROJECT), str(fd), *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                pass_fds=(fd,),
            )
            assert self._process.stdin is not None
            with self._process.stdin as handed:
                handed.write(given)
        except OSError:  # it could not start, or died before it read its input
            self.cancel()

    def result(self) -> bytes | None:
        """Wait for the work; return its answer, or None when it gave none."""
        process, self._process = self._process, None
        answer, self._answer = self._answer, None
        try:
            if process is None or answer is None or process.wait() != 0:
                return None
            answer.seek(0)
            return answer.read()
        except OSError:
            return None
        finally:
            if answer is not None:
                answer.close()

    def cancel(self) -> None:
        """End the work unless it has ended (its answer is no longer wanted)."""
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()
        if self._answer is not None:
            self._answer.close()
            self._answer = None
