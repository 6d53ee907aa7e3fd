"""How the search index's Pagefind runs go: which binary, how many at once, where.

A full publish indexes every part (8 at 5,000 items) and a changed one at least one;
each run is one Pagefind process of 130-200 MB that keeps about one core busy. So the
runs of one build go ``WORKERS`` at once (fewer when the cores or the free memory say
so: ``workers``), each in a thread of the publishing process that only waits for it,
and a run goes beside another only while the publish stays within its memory bound
(``room_beside_me``).
A failed run, or Ctrl-C (which reaches the main thread only), kills the runs still going
(``InFlight``) instead of waiting for them.

Pagefind reads a folder holding only its part's pages, one folder per page (Pelican's
``<slug>/index.html``). On the publishing machine's disk, removing those folders took a
third of a part's wall time (``rmdir`` waits for the journal), so the pages are copied
into a memory file system (``SCRATCH``) when it has room for the runs at once, and
hard-linked beside the output otherwise. A killed build's scratch folder is removed by
the next build (its process is gone), so a memory file system does not fill up.
"""

from __future__ import annotations

import errno
import functools
import importlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from approval_gate.api import process_alive

#: Pagefind runs at once, at most: the machine has 2 cores, and each run takes 130-200 MB.
WORKERS = 2
#: Pagefind's memory for one page of a part (measured: about 180 KB, Pagefind 1.5.2).
RUN_BYTES = 180 * 2**10
#: Pagefind's memory besides its pages.
RUN_BASE = 24 * 2**20
#: The most a publish may hold (issue 12, at 10,000 items): the publishing process, its
#: children (the Pelican child while it runs) and the Pagefind runs together.
BUDGET = 400 * 2**20
#: Memory to keep free per run at once: Pagefind's peak, its pages in scratch, the bundle.
RUN_MEMORY = 400 * 2**20
#: How often a run waiting for room looks again (a run's end wakes it at once).
WAIT_S = 0.5
#: A memory file system for the pages Pagefind reads (used when it has room).
SCRATCH = Path("/dev/shm")
SCRATCH_PREFIX = "kpu-pagefind-"


@functools.cache
def binary() -> str | None:
    """Return the Pagefind binary ``python -m pagefind`` would run, or None to let it look.

    The same order as ``pagefind.service.get_executable`` (its module imports asyncio, a
    tenth of a CPU-second, so it is not imported): ``PAGEFIND_BINARY_PATH``, then the
    extended and the plain binary package. Running the binary directly saves a Python
    start per part.
    """
    if named := os.environ.get("PAGEFIND_BINARY_PATH"):
        return named
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found = importlib.import_module(package).get_executable()
        except ImportError:
            continue
        except OSError:  # a broken install: ``python -m pagefind`` says what is wrong
            return None
        return str(found) if Path(found).is_file() else None
    return None


@dataclass(frozen=True)
class Scratch:
    """Where the runs of one build put their pages: ``copy`` into a memory file system."""

    folder: Path
    copy: bool

    def folder_for_run(self) -> tempfile.TemporaryDirectory[str]:
        """Return a new private folder for one run, removed when the run is done."""
        prefix = f"{SCRATCH_PREFIX}{os.getpid()}-" if self.copy else ".pagefind-"
        return tempfile.TemporaryDirectory(prefix=prefix, dir=self.folder)

    def place(self, output: Path, pages: list[str], site: Path) -> None:
        """Put ``pages`` of ``output`` under ``site``: copied, or hard-linked (copied if not)."""
        for page in pages:
            target = site / page
            target.parent.mkdir(parents=True, exist_ok=True)
            if not self.copy:
                try:
                    os.link(output / page, target)
                    continue
                except OSError:
                    pass
            shutil.copyfile(output / page, target)


class InFlight:
    """The Pagefind processes of one build, so that a stopped build stops them at once.

    A run waits for its process in a worker thread, where Ctrl-C (raised in the main
    thread) does not reach it; ``stop`` kills what runs and refuses what would start.
    """

    def __init__(self, room: Callable[[int], bool] | None = None) -> None:
        self._lock = threading.Condition()
        self._running: dict[subprocess.Popen[str], int] = {}  # each with the memory it needs
        self._stopped = False
        self._room = room

    def run(
        self,
        command: list[str],
        timeout: float,
        env: dict[str, str] | None = None,
        need: int = 0,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` like ``subprocess.run`` (output captured as text; ``env``: its own).

        ``need``: the memory the run will take. With ``room`` (given the memory the runs
        going and this one need together), a run starts beside others only when ``room``
        says they fit; it waits for one to end otherwise. A run with none going always
        starts.
        """
        with self._lock:
            while self._running and not self._stopped and not self._fits(need):
                self._lock.wait(WAIT_S)
            if self._stopped:
                raise OSError(errno.ECANCELED, "pembuatan indeks dihentikan")
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )
            self._running[process] = need
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException:
            process.kill()
            process.communicate()
            raise
        finally:
            with self._lock:
                self._running.pop(process, None)
                self._lock.notify_all()
        return subprocess.CompletedProcess(command, process.returncode, out, err)

    def _fits(self, need: int) -> bool:
        return self._room is None or self._room(sum(self._running.values()) + need)

    def stop(self) -> None:
        """Kill every running process; later ``run`` calls raise at once."""
        with self._lock:
            self._stopped = True
            for process in self._running:
                process.kill()
            self._lock.notify_all()


def room_beside_me(need: int) -> bool:
    """Tell whether runs needing ``need`` bytes fit beside this process within ``BUDGET``.

    Why: a first publish at 10,000 items peaked at 400-404 MB (PSS sum) with two runs at
    once (the publishing process 148 MB beside parts of 125 and 131 MB); the runs are
    counted by what they will need (``RUN_BYTES`` a page), not by what a run just started
    holds yet. Where /proc cannot tell, the cores decide, as in ``workers``.
    """
    own = kb_field("/proc/self/status", "VmRSS:")
    return own is None or own + need <= BUDGET


def run_need(pages: int) -> int:
    """Return the memory a Pagefind run over ``pages`` pages takes (its estimate)."""
    return pages * RUN_BYTES + RUN_BASE


def one_core() -> dict[str, str]:
    """Return the environment of a run kept to one core (its thread pools of one thread).

    Pagefind works on rayon's and tokio's thread pools, which take every core; a run
    beside the Pelican child (search_ahead.py) must leave the child its core.
    """
    return {**os.environ, "RAYON_NUM_THREADS": "1", "TOKIO_WORKER_THREADS": "1"}


def scratch(output: Path, need: int) -> Scratch:
    """Return the memory file system when it is ours to use and holds ``need`` bytes."""
    if SCRATCH.is_dir() and os.access(SCRATCH, os.W_OK | os.X_OK) and _free(SCRATCH) > need:
        _sweep(SCRATCH)
        return Scratch(SCRATCH, copy=True)
    return Scratch(output.parent, copy=False)


def workers(runs: int) -> int:
    """Return how many Pagefind runs go at once: cores, memory and runs allowing, ≥ 1."""
    return max(1, min(WORKERS, _cores(), runs, _available() // RUN_MEMORY))


def room_for_one() -> bool:
    """Tell whether the machine can still give one more run its memory (``RUN_MEMORY``)."""
    return _available() >= RUN_MEMORY


def _available() -> int:
    """Return the memory the machine can still give (bytes; Linux's ``MemAvailable``)."""
    found = kb_field("/proc/meminfo", "MemAvailable:")
    return WORKERS * RUN_MEMORY if found is None else found  # not Linux: the cores decide


def kb_field(path: str, field: str) -> int | None:
    """Return the ``kB`` line ``field`` of a /proc file in bytes; None if it has none."""
    try:
        with open(path, encoding="ascii", errors="replace") as stream:
            return next(int(n.split()[1]) * 1024 for n in stream if n.startswith(field))
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _free(folder: Path) -> int:
    try:
        stat = os.statvfs(folder)
    except OSError:
        return 0
    return stat.f_bavail * stat.f_frsize


def _sweep(folder: Path) -> None:
    """Remove this user's scratch folders of killed builds (their process is gone)."""
    for stale in folder.glob(f"{SCRATCH_PREFIX}*-*"):
        pid = stale.name.removeprefix(SCRATCH_PREFIX).partition("-")[0]
        try:
            ours = stale.lstat().st_uid == os.getuid()
        except OSError:
            continue
        if ours and pid.isdigit() and not process_alive(pid):
            shutil.rmtree(stale, ignore_errors=True)
