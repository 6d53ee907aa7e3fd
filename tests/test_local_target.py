"""The local-folder target: whole releases, an atomic switch, rollback, one publish at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from publishing.targets.local import (
    DeployError,
    current_release,
    deploy_local,
    releases,
    rollback_local,
)
from publishing.lock import LockHeld, publish_lock
from sitekit import REPO


def _site(folder: Path, text: str) -> Path:
    (folder / "berita").mkdir(parents=True)
    (folder / "index.html").write_text(text)
    (folder / "berita" / "a.html").write_text(text)
    return folder


def test_each_release_is_kept_and_current_switches(tmp_path: Path) -> None:
    target = tmp_path / "situs"
    deploy_local(_site(tmp_path / "b1", "satu"), target, "20261124T0900")
    deploy_local(_site(tmp_path / "b2", "dua"), target, "20261124T1000")
    assert releases(target) == ["20261124T0900", "20261124T1000"]
    assert (target / "current" / "index.html").read_text() == "dua"
    assert rollback_local(target, "20261124T0900") == "20261124T0900"
    assert (target / "current" / "berita" / "a.html").read_text() == "satu"
    with pytest.raises(DeployError, match="^Rilis 20261124T0800 tidak ada lagi di "):
        rollback_local(target, "20261124T0800")


def test_a_release_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "situs"
    deploy_local(_site(tmp_path / "b1", "satu"), target, "r1")
    with pytest.raises(DeployError, match="rilis tidak pernah ditimpa"):
        deploy_local(_site(tmp_path / "b2", "dua"), target, "r1")
    assert (target / "current" / "index.html").read_text() == "satu"


def test_publish_killed_while_copying_leaves_the_live_site_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "situs"
    deploy_local(_site(tmp_path / "b1", "lama"), target, "r1")
    big = _site(tmp_path / "b2", "baru")
    for index in range(3000):
        (big / f"f{index}.html").write_text("x" * 2000)
    script = textwrap.dedent(f"""
        import sys; sys.path[:0] = [{str(REPO)!r}, {str(REPO / "plugins")!r}]
        from pathlib import Path
        from publishing.targets.local import deploy_local
        deploy_local(Path({str(big)!r}), Path({str(target)!r}), "r2")
    """)
    child = subprocess.Popen([sys.executable, "-c", script])
    partial = target / "releases" / ".r2.partial"
    while child.poll() is None and not partial.exists():
        pass
    child.kill()
    child.wait()
    assert current_release(target) == "r1"
    assert (target / "current" / "index.html").read_text() == "lama"
    assert sorted(p.name for p in (target / "current").rglob("*")) == [
        "a.html",
        "berita",
        "index.html",
    ]
    assert releases(target) == ["r1"]


def test_second_publish_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "var" / "publish.lock"
    with publish_lock(lock):
        script = (
            f"import sys; sys.path[:0] = [{str(REPO)!r}, {str(REPO / 'plugins')!r}]\n"
            "from pathlib import Path\nfrom publishing.lock import publish_lock\n"
            f"with publish_lock(Path({str(lock)!r})): pass\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert done.returncode != 0
        assert "Penerbitan lain sedang berjalan" in done.stderr
        assert f"pid {os.getpid()}" in done.stderr
    with publish_lock(lock):  # released when the holder is done
        pass


def test_lock_of_a_killed_publish_is_released_by_the_kernel(tmp_path: Path) -> None:
    lock = tmp_path / "publish.lock"
    script = (
        f"import sys, time; sys.path[:0] = [{str(REPO)!r}, {str(REPO / 'plugins')!r}]\n"
        "from pathlib import Path\nfrom publishing.lock import publish_lock\n"
        f"with publish_lock(Path({str(lock)!r})):\n    print('ok', flush=True)\n"
        "    time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ok"
    with pytest.raises(LockHeld):
        with publish_lock(lock):
            pass
    child.kill()
    child.wait()
    with publish_lock(lock):
        pass
