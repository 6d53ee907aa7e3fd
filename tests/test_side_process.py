"""A side process answers its publishing process and leaves nothing behind.

The work beside the audit (publishing/side_process.py) answers in an unnamed temporary
file. A publish is sometimes killed (the kill tests, a power cut, an impatient admin);
then neither process can remove anything, so nothing may have a name in the first place.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from publishing.side_process import PROJECT, SideProcess


def test_the_work_answers_through_the_file_it_was_handed() -> None:
    work = SideProcess("ANSWER.write(sys.stdin.buffer.read() + ARGS[0].encode())", ["!"], b"ya")
    assert work.result() == b"ya!"
    assert work.result() is None  # taken once


def test_a_work_that_fails_answers_nothing() -> None:
    work = SideProcess("ANSWER.write(b'setengah'); ANSWER.flush(); sys.exit(3)", [], b"")
    assert work.result() is None  # a half-written answer is never taken


def test_a_killed_publish_leaves_nothing_in_the_temporary_folder(tmp_path: Path) -> None:
    """SIGKILL the publishing process while its side work runs: no file, no process."""
    spool = tmp_path / "tmp"
    spool.mkdir()
    publish = textwrap.dedent(
        f"""
        import os, signal, sys, time
        sys.path.insert(0, {str(PROJECT)!r})
        from publishing.side_process import SideProcess
        work = SideProcess("import time; time.sleep(60)", [], b"")
        time.sleep(0.5)
        print(work._process.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", publish],
        env={**os.environ, "TMPDIR": str(spool)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    side = int(done.stdout.split()[-1])
    assert list(spool.iterdir()) == []
    for _ in range(100):  # the work dies with its publish (PR_SET_PDEATHSIG)
        if not _running(side):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the side work outlived its publish")


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (a dead one nobody has reaped yet does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
