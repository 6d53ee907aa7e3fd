"""The local-folder target: whole releases, an atomic switch, rollback, one publish at a time."""

from __future__ import annotations

import os
import shutil
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


# --- the release beyond ``keep`` is refitted into the new one (publishing/refit.py) ------

FIRST = {
    "index.html": "beranda 1",
    "berita/a/index.html": "A",
    "berita/b/index.html": "B",
    "berita/c/index.html": "C",
    "lama/x.html": "X",
    "pdf/sk.pdf": "%PDF sk",
}
SECOND = {**FIRST, "index.html": "beranda 2", "berita/a/index.html": "A2"}
THIRD = {
    **{k: v for k, v in SECOND.items() if k != "lama/x.html"},
    "index.html": "beranda 3",
    "berita/b/index.html": "B3",  # B was the same in r1 and r2: r1's entry is the live file
    "berita/d/index.html": "D",
}
RELEASE_DAMAGE = [
    "none",
    "copy",  # a copy with the live file's bytes (another inode) where a link belongs
    "symlink",  # a symlink to the live file
    "fifo",
    "folder-for-file",
    "file-for-folder",
    "extra-file",
    "extra-folder",
    "symlinked-folder",  # berita/ replaced by a symlink to a folder outside
]


def _pages(folder: Path, pages: dict[str, str]) -> Path:
    for rel, text in pages.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def _shape(release: Path) -> dict[str, tuple[str, str]]:
    """Every entry of a release: its kind and, for a file, its text."""
    found = {}
    for path in sorted(release.rglob("*")):
        rel = path.relative_to(release).as_posix()
        if path.is_symlink():
            found[rel] = ("symlink", os.readlink(path))
        elif path.is_dir():
            found[rel] = ("folder", "")
        else:
            found[rel] = ("file", path.read_text())
    return found


def _damage(old: Path, live: Path, how: str, outside: Path) -> None:
    page = old / "berita" / "c" / "index.html"
    if how == "copy":
        page.unlink()
        page.write_text("C")
    elif how == "symlink":
        page.unlink()
        page.symlink_to(live / "berita" / "c" / "index.html")
    elif how == "fifo":
        page.unlink()
        os.mkfifo(page)
    elif how == "folder-for-file":
        page.unlink()
        (page / "dalam").mkdir(parents=True)
    elif how == "file-for-folder":
        for inside in (old / "pdf").iterdir():
            inside.unlink()
        (old / "pdf").rmdir()
        (old / "pdf").write_text("bukan folder")
    elif how == "extra-file":
        (old / "berita" / "selundupan.html").write_text("tidak disetujui")
    elif how == "extra-folder":
        (old / "selundupan" / "dalam").mkdir(parents=True)
        (old / "selundupan" / "dalam" / "x.html").write_text("tidak disetujui")
    elif how == "symlinked-folder":
        _pages(outside, {"a/index.html": "luar", "c/index.html": "luar"})
        shutil.rmtree(old / "berita")
        (old / "berita").symlink_to(outside, target_is_directory=True)


@pytest.mark.parametrize("how", RELEASE_DAMAGE)
def test_the_release_beyond_keep_is_refitted_into_exactly_a_fresh_release(
    tmp_path: Path, how: str
) -> None:
    """keep=2: the third publish makes r1 into r3, as if it had made r3 from nothing."""
    refitted, fresh = tmp_path / "situs", tmp_path / "segar"
    builds = [_pages(tmp_path / f"b{n}", pages) for n, pages in enumerate((FIRST, SECOND, THIRD))]
    for target, keep in ((refitted, 2), (fresh, 0)):
        deploy_local(builds[0], target, "r1", keep=keep)
        deploy_local(builds[1], target, "r2", keep=keep)
    live = refitted / "releases" / "r2"
    before = _shape(live)
    outside = tmp_path / "luar"
    _damage(refitted / "releases" / "r1", live, how, outside)
    outside_before = _shape(outside) if outside.exists() else {}
    r1_inode = (refitted / "releases" / "r1").stat().st_ino

    sent = deploy_local(builds[2], refitted, "r3", keep=2)
    expected = deploy_local(builds[2], fresh, "r3", keep=0)

    assert releases(refitted) == ["r2", "r3"] and current_release(refitted) == "r3"
    new = refitted / "releases" / "r3"
    assert new.stat().st_ino == r1_inode  # the old folder itself, refitted
    assert (
        _shape(new)
        == _shape(fresh / "releases" / "r3")
        == {
            **{rel: ("folder", "") for rel in ("berita", "pdf")},
            **{f"berita/{x}": ("folder", "") for x in "abcd"},
            **{rel: ("file", text) for rel, text in THIRD.items()},
        }
    )
    assert (sent.objects, sent.bytes) == (expected.objects, expected.bytes) == (3, 12)
    for rel in THIRD:  # linked where unchanged (the live file itself), new files elsewhere
        unchanged = SECOND.get(rel) == THIRD[rel]
        if rel in SECOND:
            assert ((new / rel).stat().st_ino == (live / rel).stat().st_ino) == unchanged, rel
        assert (new / rel).stat().st_nlink == (2 if unchanged else 1), rel  # r2 and r3 only
    assert _shape(live) == before  # the live release was never written through
    if outside_before:
        assert _shape(outside) == outside_before  # the symlinked folder was not followed
