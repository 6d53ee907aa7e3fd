"""A paused failpoint that nobody comes back for ends by itself, as a killed publish does.

The kill tests pause a publish at a failpoint (publishing/failpoints.py) and then kill or
resume it. When such a test fails in between, nothing comes back for the publish: the
wait is bounded by ``KPU_FAILPOINT_TIMEOUT`` (seconds) and by the test's own marker file,
and the process then SIGKILLs itself, so the next publish cleans up as after any kill.
The bound is set short here; nothing is timed, each test waits for the process to end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publishkit import local_targets, publish_settings, run, snapshot, start
from sitekit import REPO, Site

#: A process that stops at the failpoint ``uji`` and says so when let go.
PAUSED = "from publishing.failpoints import failpoint; failpoint('uji'); print('lanjut')"


def _paused(tmp_path: Path, **env: str) -> tuple[subprocess.Popen[str], Path, Path]:
    """Start a small process paused at ``uji``; return it, its marker and its resume file."""
    marker, resume = tmp_path / "berhenti", tmp_path / "lanjut"
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSED],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "KPU_FAILPOINT": "uji",
            "KPU_FAILPOINT_FILE": str(marker),
            "KPU_FAILPOINT_RESUME": str(resume),
            "PYTHONPATH": os.pathsep.join((str(REPO), str(REPO / "plugins"))),
            **env,
        },
    )
    return child, marker, resume


def _wait_for(marker: Path, child: subprocess.Popen[str]) -> None:
    """Wait until the process stands at the failpoint (it writes ``marker`` there)."""
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        time.sleep(0.05)


def test_a_pause_nobody_resumes_ends_after_the_bound_as_if_killed(tmp_path: Path) -> None:
    child, marker, _ = _paused(tmp_path, KPU_FAILPOINT_TIMEOUT="0.2")
    out, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL
    assert out == ""
    assert err == (
        "Failpoint 'uji' berhenti menunggu: tidak dilanjutkan dalam 0.2 detik "
        "(KPU_FAILPOINT_TIMEOUT); proses diakhiri (SIGKILL).\n"
    )
    assert marker.read_text() == f"uji {child.pid}\n"  # it did stop there first


def test_a_pause_whose_marker_is_gone_ends_at_once(tmp_path: Path) -> None:
    child, marker, _ = _paused(tmp_path, KPU_FAILPOINT_TIMEOUT="3600")
    _wait_for(marker, child)
    marker.unlink()  # what the test's folder being cleaned away looks like
    out, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL
    assert err == (
        f"Failpoint 'uji' berhenti menunggu: berkas penanda {marker} sudah tidak ada "
        "(tesnya sudah selesai); proses diakhiri (SIGKILL).\n"
    )


def test_a_resumed_pause_goes_on_as_before(tmp_path: Path) -> None:
    child, marker, resume = _paused(tmp_path, KPU_FAILPOINT_TIMEOUT="3600")
    _wait_for(marker, child)
    resume.write_text("")
    assert child.communicate(timeout=120) == ("lanjut\n", "")
    assert child.returncode == 0


@pytest.mark.parametrize("given", ["lima", "0", "-1", "nan"])
def test_a_wrong_bound_is_refused_before_the_pause(tmp_path: Path, given: str) -> None:
    child, marker, _ = _paused(tmp_path, KPU_FAILPOINT_TIMEOUT=given)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 1 and out == ""
    assert f"ValueError: KPU_FAILPOINT_TIMEOUT={given!r} bukan jumlah detik yang positif." in err
    assert not marker.exists()  # a test never sees a pause that cannot end


@pytest.mark.slow
def test_a_forgotten_paused_publish_ends_and_the_next_one_cleans_up(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    site.article("berita/rapat.md", "Rapat Pleno", "Isi TOKENRAPAT.", category="Berita")
    site.approve_all("berita/rapat.md")
    settings = publish_settings(site, local_targets(web))
    site.commit()
    marker = tmp_path / "berhenti"
    child = start(  # some data copied, not switched; no resume file will ever come
        settings, failpoint="upload", marker=marker, env={"KPU_FAILPOINT_TIMEOUT": "0.5"}
    )
    out, err = child.communicate(timeout=300)
    assert child.returncode == -signal.SIGKILL, out + err
    assert err.endswith(
        "Failpoint 'upload' berhenti menunggu: tidak dilanjutkan dalam 0.5 detik "
        "(KPU_FAILPOINT_TIMEOUT); proses diakhiri (SIGKILL).\n"
    )
    assert marker.exists() and not (web / "current").exists()
    (partial,) = (web / "releases").glob(".*.partial")
    done = run(settings)  # the lock died with the process, as after a kill
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"  Dibersihkan: sisa penerbitan yang terhenti di target (releases/{partial.name})."
        in done.stdout.splitlines()
    )
    assert not list((web / "releases").glob(".*"))
    assert any(b"TOKENRAPAT" in data for data in snapshot(web / "current").values())
