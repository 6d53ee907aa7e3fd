"""A publish starts its Pelican child while the input is sealed; it never outlives the publish.

The warm child (publishing/pelican_run.py ``WarmChild``) imports Pelican and its
libraries and waits for its arguments. It must build exactly what a child started for
the build builds, be used only for the folder and environment it was started with, and
end with the publish however the publish ends: finished, stopped with Ctrl-C, or killed.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from publishing import pelican_child
from publishing.build import build_site
from publishing.pelican_run import WarmChild
from publishkit import local_targets, publish_settings, run, snapshot, start, wait_for
from sitekit import Site


def warm_children(root: Path) -> list[int]:
    """Return the pids of live ``pelican_child.py --warm`` processes working under ``root``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            folder = os.readlink(entry / "cwd")
        except OSError:  # ended meanwhile, or a zombie: gone
            continue
        script = any(part.endswith(b"pelican_child.py") for part in command)
        if script and b"--warm" in command and folder.startswith(str(root)):
            found.append(int(entry.name))
    return found


def one_warm(root: Path, seconds: float = 10.0) -> int:
    """Return the pid of the one warm child under ``root``, once it runs the script."""
    deadline = time.monotonic() + seconds
    while not (found := warm_children(root)) and time.monotonic() < deadline:
        time.sleep(0.02)  # between fork and exec it is still this interpreter
    (pid,) = found
    return pid


def gone(root: Path, seconds: float = 10.0) -> bool:
    """Wait until no warm child works under ``root``; return whether none is left."""
    deadline = time.monotonic() + seconds
    while warm_children(root):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def two_items(site: Site) -> Path:
    site.article("berita/satu.md", "Berita Satu", "Isi SATU.", category="Berita")
    site.approve_all("berita/satu.md")
    site.article("berita/dua.md", "Berita Dua", "Isi DUA.", category="Berita")  # not approved
    return site.write_settings()


def test_a_warm_child_builds_what_a_child_started_for_the_build_builds(site: Site) -> None:
    settings = two_items(site)
    env = dict(os.environ)
    cold = build_site(settings, site.root / "dingin", env)
    with WarmChild() as warm:
        warm.start(settings.parent, env)
        pid = one_warm(site.root)
        result = build_site(settings, site.root / "hangat", env, warm=warm)
        assert not warm_children(site.root)  # handed its arguments: it built, and ended
    assert pid  # the build above was that child's
    assert snapshot(site.root / "hangat").keys() == snapshot(site.root / "dingin").keys()
    assert [e["item"] for e in result.manifest["included"]] == ["berita/satu.md"]
    assert [e["item"] for e in cold.manifest["included"]] == ["berita/satu.md"]
    assert not site.hits("DUA") and not list((site.root / "hangat").rglob("dua*"))


def test_a_warm_child_is_used_only_for_its_own_folder_and_environment(site: Site) -> None:
    settings = two_items(site)
    with WarmChild() as warm:
        warm.start(settings.parent, {**os.environ, "KPU_LAIN": "1"})
        pid = one_warm(site.root)
        build_site(settings, site.output, dict(os.environ), warm=warm)  # another environment
        assert warm_children(site.root) == [pid]  # not taken: still waiting
    assert gone(site.root)  # the ``with`` block ended it
    assert (site.output / "berita" / "berita-satu" / "index.html").is_file()


def test_a_warm_child_that_cannot_start_leaves_the_build_to_start_its_own(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = two_items(site)

    def no_process(*args: object, **kwargs: object) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    with WarmChild() as warm:
        with monkeypatch.context() as patch:
            patch.setattr(subprocess, "Popen", no_process)
            warm.start(settings.parent, dict(os.environ))  # no error: simply not started
        assert warm._process is None
        build_site(settings, site.output, dict(os.environ), warm=warm)  # its own child
    assert (site.output / "berita" / "berita-satu" / "index.html").is_file()
    assert not warm_children(site.root)


def test_a_warm_child_never_used_ends_without_a_result(site: Site) -> None:
    settings = two_items(site)
    warm = WarmChild()
    warm.start(settings.parent, dict(os.environ))
    process = warm._process
    assert process is not None
    started = time.monotonic()
    warm.close()
    assert process.returncode == 0 and time.monotonic() - started < 5
    assert not site.output.exists() and not warm_children(site.root)


@pytest.fixture
def as_the_child(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the child's functions in this process, and put back what they change here."""
    monkeypatch.syspath_prepend(str(Path(pelican_child.__file__).parent))  # as its script
    handlers, thresholds = list(logging.getLogger().handlers), gc.get_threshold()
    yield
    logging.getLogger().handlers[:] = handlers
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("as_the_child")
def test_what_the_imports_log_is_judged_like_any_pelican_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error logged while a warm child imports fails the build as if logged later."""
    (tmp_path / "berisik.py").write_text(
        "import logging\nlogging.getLogger('berisik').error('modul rusak: %s', 'berisik')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(pelican_child, "WARM_MODULES", ("berisik",))
    result = tmp_path / "hasil.json"
    argv = ["--result", str(result), "--version"]
    monkeypatch.setattr(sys, "stdin", _Lines(json.dumps(argv) + "\n"))
    got, early = pelican_child.warm()
    assert got == argv and [r.getMessage() for r in early] == ["modul rusak: berisik"]
    assert pelican_child.run(got[2:], result, early) == 0  # Pelican printed its version
    errors = json.loads(result.read_text())["errors"]
    assert errors == [{"level": "ERROR", "message": "modul rusak: berisik"}]


class _Lines:
    """A stdin that holds ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def readline(self) -> str:
        line, _, self.text = self.text.partition("\n")
        return line + "\n" if line else ""


def test_a_closed_stdin_is_no_build(tmp_path: Path) -> None:
    """The child script with ``--warm`` and an empty stdin exits 0 and writes nothing."""
    done = subprocess.run(
        [sys.executable, str(Path(pelican_child.__file__)), "--warm"],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0 and not list(tmp_path.iterdir()), done.stderr


@pytest.fixture
def publishing(site: Site, tmp_path: Path) -> tuple[Site, Path, Path]:
    """A site published once to a local target, and one more approved item committed."""
    web = tmp_path / "web"
    settings = publish_settings(site, local_targets(web))
    site.article("berita/satu.md", "Berita Satu", "Isi SATU.", category="Berita")
    site.approve_all("berita/satu.md")
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert gone(site.root)  # a finished publish leaves no warm child
    site.article("berita/dua.md", "Berita Dua", "Isi DUA.", category="Berita")
    site.approve_all("berita/dua.md")
    site.commit()
    return site, settings, web


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_publish_stopped_while_sealing_leaves_no_warm_child(
    publishing: tuple[Site, Path, Path], tmp_path: Path, how: signal.Signals
) -> None:
    """Stopped at the failpoint ``seal``: the child is warming, the input not sealed yet.

    Only the publishing process gets the signal (not its group): Ctrl-C ends the child
    through ``WarmChild.close``, SIGKILL through ``PR_SET_PDEATHSIG``.
    """
    site, settings, web = publishing
    before = snapshot(web / "current")
    marker = tmp_path / "berhenti"
    child = start(settings, failpoint="seal", marker=marker)
    try:
        wait_for(marker, child)
        assert one_warm(site.root), "the publish started no warm child"
        os.kill(child.pid, how)
        child.communicate(timeout=60)
        assert child.returncode != 0
        assert gone(site.root)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
    assert snapshot(web / "current") == before
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert b"DUA" in snapshot(web / "current")["berita/berita-dua/index.html"]
    assert gone(site.root)
