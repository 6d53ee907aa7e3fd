"""A hung test fails on its own, shows where it waited, and the run goes on.

``pyproject.toml`` gives every test a time limit (pytest-timeout, ``timeout``) with the
``signal`` method: the limit raises inside the test, so its ``with`` blocks and fixtures
still stop what it started. Here a child pytest, with this project's settings and the
limit cut to 3 s, runs a test that waits on the pipe of a child process that never ends
(how ``test_gate_cache_speed`` once hung), beside a fixture that started a server and a
test that passes: the first fails with the timeout and the line it waited on, the server
is stopped, the child process is gone and the second test still runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitekit import REPO

#: A command in a child process: seconds (docs/architecture.md).
pytestmark = pytest.mark.slow

HANGING = """
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def server():
    started = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    (HERE / "server.pid").write_text(str(started.pid))
    try:
        yield started
    finally:
        started.kill()
        started.wait()
        (HERE / "server-stopped").write_text("ya")


def test_waits_on_a_pipe_forever(server):
    child = "import os, sys, time; print(os.getpid(), flush=True); time.sleep(600)"
    with open(HERE / "child.out", "w") as out:
        subprocess.run([sys.executable, "-c", child], stdout=out, stderr=subprocess.PIPE)


def test_the_run_goes_on():
    assert True
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_a_hung_test_fails_with_its_stack_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text(HANGING)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(REPO / "pyproject.toml")]
        + ["--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-o", "timeout=3"]
        + ["test_hang.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, out  # failed, not killed
    assert "timeout: 3.0s" in out and "timeout method: signal" in out  # pyproject's method
    assert "Failed: Timeout (>3.0s) from pytest-timeout." in out
    assert "1 failed, 1 passed" in out
    assert "FAILED test_hang.py::test_waits_on_a_pipe_forever" in out
    assert "subprocess.run([sys.executable" in out  # the test's line it waited on
    assert "stderr = self.stderr.read()" in out  # and where: on the child's pipe
    assert (tmp_path / "server-stopped").read_text() == "ya"  # the fixture's teardown ran
    server = int((tmp_path / "server.pid").read_text())
    child = int((tmp_path / "child.out").read_text())
    assert not _alive(server) and not _alive(child)  # nothing left running
