"""Running ``invoke publish`` for real on a test site, and stopping it dead.

A publish is a child process (``python -m invoke publish --settings <site file>``), so
the kill tests can SIGKILL its whole process group at a named failpoint
(publishing/failpoints.py) and then look at what readers would see.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sitekit import REPO, Site


def publish_settings(
    site: Site, targets: str, name: str = "terbitcfg.py", target: str = "uji"
) -> Path:
    """Write a settings file for ``site`` whose ``PUBLISH_TARGETS`` is ``targets``."""
    return site.write_settings(
        name, extra=f"PUBLISH_TARGETS = {targets}\nPUBLISH_TARGET = {target!r}\n"
    )


def local_targets(folder: Path) -> str:
    """Return a ``PUBLISH_TARGETS`` literal with one local target at ``folder``."""
    return repr({"uji": {"type": "lokal", "path": str(folder)}})


def command(settings: Path, *args: str) -> list[str]:
    """Return the command line of ``invoke publish`` (or another task) for ``settings``."""
    task, *rest = args or ("publish",)
    return [
        sys.executable,
        "-m",
        "invoke",
        "-r",
        str(REPO),
        task,
        "--settings",
        str(settings),
        *rest,
    ]


def run(
    settings: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a task to completion and return its result."""
    return subprocess.run(
        command(settings, *args),
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def start(
    settings: Path,
    *args: str,
    env: dict[str, str] | None = None,
    failpoint: str | None = None,
    marker: Path | None = None,
) -> subprocess.Popen[str]:
    """Start a task in its own process group, optionally pausing at ``failpoint``."""
    extra = dict(env or {})
    if failpoint:
        assert marker is not None
        extra |= {"KPU_FAILPOINT": failpoint, "KPU_FAILPOINT_FILE": str(marker)}
    return subprocess.Popen(
        command(settings, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, **extra},
    )


def wait_for(path: Path, child: subprocess.Popen[str], seconds: float = 240) -> None:
    """Wait until ``path`` exists; fail with the child's output if it ended first."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if child.poll() is not None:
            out, err = child.communicate()
            raise AssertionError(
                f"publish ended (code {child.returncode}) before {path}:\n{out}\n{err}"
            )
        if time.monotonic() > deadline:
            kill(child)
            raise AssertionError(f"publish never reached {path}")
        time.sleep(0.05)


def kill(child: subprocess.Popen[str]) -> None:
    """SIGKILL the child and everything it started (Pelican, rsync, ssh, git)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.communicate()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` (following the ``current`` link) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
