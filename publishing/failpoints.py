"""Named points where a test can stop a publish dead, to prove nothing is half-done.

A test sets ``KPU_FAILPOINT=<name>`` and ``KPU_FAILPOINT_FILE=<path>`` for a child
``invoke publish``; when the publish reaches that point it writes the file and waits,
and the test kills the whole process group with SIGKILL, or sends it a signal (Ctrl-C,
SIGTERM). With ``KPU_FAILPOINT_RESUME=<path>`` the publish goes on once that file
exists, so a test can change the world at that point (fill a disk) and let it continue.
Outside tests the variables are unset and a failpoint costs one dictionary lookup. The
names are listed in docs/publishing.md ("Kill tests").
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from approval_gate.api import write_whole


def failpoint(name: str) -> None:
    """Pause here (until killed, or until the resume file exists) if a test asked for ``name``."""
    if os.environ.get("KPU_FAILPOINT") != name:
        return
    marker = os.environ.get("KPU_FAILPOINT_FILE")
    if marker:
        # Whole or not at all: a test polling for the file must never read it half-written.
        write_whole(Path(marker), f"{name} {os.getpid()}\n")
    resume = os.environ.get("KPU_FAILPOINT_RESUME")
    while not (resume and Path(resume).exists()):  # the test kills us, or lets us go on
        time.sleep(0.05)
