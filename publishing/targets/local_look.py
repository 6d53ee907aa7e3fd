"""The local target's look at its live release, made by a small process while the audit runs.

Why: a changed-one publish's plan spent about 0.3 s at 5,000 items reading the live
release's hash record and walking the release (a ``stat`` per file) on one core, right
after the audit, another 0.6 s on that core, while the second core idled (issue 12).
Neither needs the other, so the walk now runs in a process of its own while the audit
runs, and the plan takes its answer (``compare``, targets/local.py).

Not a fork of the publishing process: at that moment the audit touches most of that
process's memory, and every page either of two forked processes writes is then held
twice. Measured at 10,000 items, a fork raised the publish's peak from about 390 MB to
410-430 MB, over its 400 MB limit. The look is a fresh interpreter that imports only
``publishing/tree.py`` (the standard library): it holds the record it is given (packed,
72 bytes a file), its walk and its answer, a few tens of MB.

The publishing process reads and checks the record itself (its seal needs this machine's
key) and hands its bytes over as they are on the process's standard input; the answer comes back in
a file, so the look never waits for the audit to read a pipe. It only reads the release.
Whatever goes wrong with it (it cannot start, dies, answers nothing or nonsense) costs
only time: the plan then lists the live release itself, as before.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The project folder, so the look imports this tree's ``publishing/tree.py``.
PROJECT = Path(__file__).resolve().parent.parent.parent

#: Run by ``python -I -c``: argv = project folder, release folder, answer file. It ends
#: with the publishing process (``PR_SET_PDEATHSIG``), so it never outlives the publish.
_LOOK = """
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0)
except (OSError, AttributeError):
    pass
if os.getppid() == 1:
    sys.exit(1)
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from publishing.tree import Packed, wire_output
root = Path(sys.argv[2])
answer = wire_output(root, Packed.from_wire(root, sys.stdin.buffer.read()))
with open(sys.argv[3], "xb") as out:
    out.write(answer)
"""


@dataclass(frozen=True)
class Live:
    """The live release's files as one walk found them, in ``tree.Packed``'s bytes."""

    release: str
    wire: bytes


class LocalLook:
    """The look at release ``release`` (its folder ``root``), started with its record.

    ``recorded`` is the record's ``tree.Packed`` bytes (targets/local_record.py), handed
    over as read; b"" when there is none (the look then hashes every file).
    """

    def __init__(self, release: str, root: Path, recorded: bytes) -> None:
        self.release = release
        self._folder = tempfile.mkdtemp(prefix="kpu-lihat-")
        self._answer = os.path.join(self._folder, "jawaban")
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-c", _LOOK, str(PROJECT), str(root), self._answer],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
            )
            assert self._process.stdin is not None
            with self._process.stdin as handed:
                handed.write(recorded)
        except OSError:  # it could not start, or died before it read the record
            self.cancel()

    def result(self) -> Live | None:
        """Wait for the look; return what it found, or None (the plan looks itself)."""
        process, self._process = self._process, None
        try:
            if process is None or process.wait() != 0:
                return None
            with open(self._answer, "rb") as answer:
                return Live(self.release, answer.read())
        except OSError:
            return None
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def cancel(self) -> None:
        """End the look unless it has ended (its answer is no longer wanted)."""
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)
