"""Named points where a test can stop a publish dead, to prove nothing is half-done.

A test sets ``KPU_FAILPOINT=<name>`` and ``KPU_FAILPOINT_FILE=<path>`` for a child
``invoke publish``; when the publish reaches that point it writes the file and waits,
and the test kills the whole process group with SIGKILL, or sends it a signal (Ctrl-C,
SIGTERM). With ``KPU_FAILPOINT_RESUME=<path>`` the publish goes on once that file
exists, so a test can change the world at that point (fill a disk) and let it continue.
Outside tests the variables are unset and a failpoint costs one dictionary lookup. The
names are listed in docs/publishing.md ("Kill tests").

A test that fails between the pause and its kill or resume never comes back for the
process, so the wait is bounded: after ``KPU_FAILPOINT_TIMEOUT`` seconds (300 unless
set), or as soon as the test's ``KPU_FAILPOINT_FILE`` is gone, the paused process
SIGKILLs itself. It ends exactly as a killed publish does, so the next publish cleans up
after it the same way, and no forgotten publish sleeps on holding its lock.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from approval_gate.api import write_whole

#: Seconds a paused failpoint waits for its resume file before it ends itself.
PATIENCE_S = 300.0


def failpoint(name: str) -> None:
    """Pause here (until killed, resumed, or given up on) if a test asked for ``name``."""
    if os.environ.get("KPU_FAILPOINT") != name:
        return
    deadline = time.monotonic() + _patience()
    marker = os.environ.get("KPU_FAILPOINT_FILE")
    if marker:
        # Whole or not at all: a test polling for the file must never read it half-written.
        write_whole(Path(marker), f"{name} {os.getpid()}\n")
    resume = os.environ.get("KPU_FAILPOINT_RESUME")
    while not (resume and Path(resume).exists()):  # the test kills us, or lets us go on
        if marker and not Path(marker).exists():
            _end(name, f"berkas penanda {marker} sudah tidak ada (tesnya sudah selesai)")
        if time.monotonic() > deadline:
            _end(name, f"tidak dilanjutkan dalam {_patience():g} detik (KPU_FAILPOINT_TIMEOUT)")
        time.sleep(0.05)


def _patience() -> float:
    """Return the bound on a pause, from ``KPU_FAILPOINT_TIMEOUT`` (seconds) or the default."""
    given = os.environ.get("KPU_FAILPOINT_TIMEOUT")
    if not given:
        return PATIENCE_S
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:  # also NaN
        raise ValueError(f"KPU_FAILPOINT_TIMEOUT={given!r} bukan jumlah detik yang positif.")
    return seconds


def _end(name: str, why: str) -> None:
    """Say why, then end this process as the test's SIGKILL would have (no cleanup)."""
    sys.stderr.write(f"Failpoint '{name}' berhenti menunggu: {why}; proses diakhiri (SIGKILL).\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)
