"""Named points where a test can stop a publish dead, to prove nothing is half-done.

A test sets ``KPU_FAILPOINT=<name>`` and ``KPU_FAILPOINT_FILE=<path>`` for a child
``invoke publish``; when the publish reaches that point it writes the file and waits,
and the test kills the whole process group with SIGKILL. Outside tests the variables are
unset and a failpoint costs one dictionary lookup. The names are listed in
docs/publishing.md ("Kill tests").
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def failpoint(name: str) -> None:
    """Pause here forever (until killed) if a test asked for the point ``name``."""
    if os.environ.get("KPU_FAILPOINT") != name:
        return
    marker = os.environ.get("KPU_FAILPOINT_FILE")
    if marker:
        Path(marker).write_text(f"{name} {os.getpid()}\n", encoding="utf-8")
    while True:  # the test kills us; never continue past a requested failpoint
        time.sleep(1)
