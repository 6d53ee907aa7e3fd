"""Work moved to a second thread after the Pelican child: the same results, the same errors.

``publishing/meanwhile.py`` makes half of a local release's links beside the other half.
A failure in either thread is raised as before (a full disk with its path, the main
thread's error first), the worker is stopped and joined before anything is raised, and
the release made is exactly the one made one link after the other.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

from approval_gate.api import MachineCache
from publishing import meanwhile
from publishing.targets import TargetError
from publishing.targets.local import current_release, deploy_local
from publishing.tree import list_output

PAGE = b"<html><body>" + b"<p>Rapat pleno terbuka KPU.</p>" * 40 + b"</body></html>"


def _full(path: str) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", path)


def test_the_workers_full_disk_is_raised_with_its_path_after_the_main_work() -> None:
    done = []

    def work(stop: threading.Event) -> None:
        raise _full("/situs/berita/a/index.html.gz")

    with pytest.raises(OSError) as failed:
        meanwhile.alongside(work, lambda: done.append("utama"))
    assert done == ["utama"]  # the main work ran to its end first
    assert (failed.value.errno, failed.value.filename) == (
        errno.ENOSPC,
        "/situs/berita/a/index.html.gz",
    )


def test_an_error_in_the_main_work_stops_the_worker_and_is_raised_first() -> None:
    seen: list[str] = []

    def work(stop: threading.Event) -> None:
        while not stop.wait(0.01):
            pass
        time.sleep(0.05)  # still joined: nothing is raised while the worker writes
        seen.append("berhenti")
        raise _full("/lain")

    def main() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        meanwhile.alongside(work, main)
    assert seen == ["berhenti"]
    assert not [t for t in threading.enumerate() if t.name == "kpu-meanwhile"]


def _site(folder: Path, count: int) -> Path:
    for n in range(count):
        (folder / f"berita/{n}").mkdir(parents=True)
        (folder / f"berita/{n}/index.html").write_text(f"halaman {n}")
    return folder


def test_a_release_linked_in_two_threads_is_the_whole_release(tmp_path: Path) -> None:
    target, seal = tmp_path / "situs", MachineCache(tmp_path / "kunci", "lokal")
    deploy_local(_site(tmp_path / "b1", 600), target, "r1", seal=seal)
    output = _site(tmp_path / "b2", 600)
    (output / "berita/7/index.html").write_text("halaman 7, diperbaiki")
    sent = deploy_local(output, target, "r2", seal=seal)
    assert sent.objects == 1 and current_release(target) == "r2"
    release = target / "releases" / "r2"
    assert {rel: f.sha256 for rel, f in list_output(release).items()} == {
        rel: f.sha256 for rel, f in list_output(output).items()
    }
    for n in range(600):
        old = target / "releases" / "r1" / f"berita/{n}/index.html"
        assert os.path.samefile(old, release / f"berita/{n}/index.html") == (n != 7)


def test_a_full_disk_in_the_second_linking_thread_leaves_the_live_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "situs"
    deploy_local(_site(tmp_path / "b1", 600), target, "r1")
    real = os.link

    def link(source: str, dest: str, **kwargs: object) -> None:
        if threading.current_thread().name == "kpu-meanwhile" and dest.endswith("/599/index.html"):
            raise _full(dest)
        real(source, dest, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(TargetError) as refused:
        deploy_local(_site(tmp_path / "b2", 600), target, "r2")
    assert "Disk target penuh" in str(refused.value)
    assert current_release(target) == "r1"
    assert sorted(p.name for p in (target / "releases").iterdir()) == ["r1"]
