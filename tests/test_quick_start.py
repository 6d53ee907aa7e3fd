"""The README's quick start works: publish the sample to the local target and serve it.

The command is read from the README itself and run, minus the venv set-up, in a copy of
the project as a fresh clone has it (a git repository with one commit, no var/, output/
or caches), on a free port, with the machine's state in a temporary folder.
"""

from __future__ import annotations

import pytest

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sitekit import REPO, copy_project
from test_sample_site import EXCLUDED

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _quick_start() -> list[str]:
    readme = (REPO / "README.md").read_text()
    block = readme[readme.index("## Quick start") :]
    line = re.search(r"```sh\n(.+?)\n```", block, re.S)
    assert line, "README quick start has no sh block"
    *setup, main = line.group(1).split(" && ")
    assert setup == ["python3 -m venv .venv", ".venv/bin/pip install -e ."]
    assert main.startswith(".venv/bin/invoke ")
    return main.removeprefix(".venv/bin/invoke ").split()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_readme_quick_start_publishes_the_sample_and_serves_it(tmp_path: Path) -> None:
    args = _quick_start()
    assert args == ["publish", "--demo", "serve", "--published"]
    project = copy_project(tmp_path / "proyek")
    port = _free_port()
    env = {
        **os.environ,
        "KPU_SITEURL": f"http://127.0.0.1:{port}",
        "KPU_ROSTER_ANCHOR": "",
        "KPU_PUBLISHER_KEY": "",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "invoke", "-r", str(project), *args, "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert child.poll() is None, child.communicate()[0]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    home = page.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the site was never served"
                time.sleep(0.2)
        assert "KPU Kabupaten Rembang" in home
        assert f"http://127.0.0.1:{port}/" in home  # links work on this machine
        live = project / "var" / "situs" / "current"
        assert live.is_symlink() and (live / "index.html").read_text() == home
        text = "\n".join(
            p.read_text(errors="replace")
            for p in live.rglob("*")
            if p.is_file() and p.suffix in {".html", ".xml"}
        )
        for _state, marker, slug in EXCLUDED.values():
            assert marker not in text and slug not in text
        records = sorted(p.name for p in (project / "var" / "arsip-contoh").rglob("*.yml"))
        assert len(records) == 2 and records[0].endswith(".tertunda.yml")  # pending, complete
        assert not (project / "approvals" / "_arsip").exists()
        [log] = (tmp_path / "state" / "kpu-rembang").glob("contoh-*/releases.jsonl")
        assert json.loads(log.read_text())["demo"] is True  # the demo's own machine state
    finally:
        child.terminate()
        output = child.communicate(timeout=30)[0]
    assert "terbit " in output and "Situs tersaji di http://127.0.0.1:" in output
    # The sample's forged sign-off is named by file, the full list kept beside the site.
    forged = "approvals/pengumuman/2026-11-17-jadwal-kampanye/20261117T111500-komisioner-setuju.yml"
    assert f"  ! {forged}: Ditandatangani dengan kunci" in output
    assert forged in (project / "var" / "masalah-terbit.txt").read_text()
