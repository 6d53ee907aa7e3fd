"""``invoke watch``: serve the preview and rebuild it as files change.

The watchdog observer collects changes until things are quiet for ``DEBOUNCE_S`` (an
editor's save is several events), ``plan.plan_for`` turns them into one plan, and the
build worker (a child process, ``worker.py``) carries it out: an incremental run, a
clean full build, or a fresh worker when settings, the roster, the theme or code
changed. The server (``server.py``) tells open pages when their file changed.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from approval_gate.api import read_settings_file

from publishing.pelican_child import PARENT_VARIABLE

from ..errors import WatchError
from ..preview.settings import check_folder
from .plan import REPO, Event, Plan, Roots, plan_for
from .server import LiveState, PreviewServer

DEBOUNCE_S = 0.1
MAX_BATCH_S = 1.0
#: The build worker, run as ``python -m WORKER``.
WORKER = "editorial.watch.worker"


class _Collector(FileSystemEventHandler):
    """Puts every relevant watchdog event on a queue."""

    def __init__(self, events: queue.Queue[Event]) -> None:
        self.events = events

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in {"opened", "closed_no_write"}:
            return
        dest = getattr(event, "dest_path", "") or None
        self.events.put(
            (
                event.event_type,
                os.fsdecode(event.src_path),
                os.fsdecode(dest) if dest else None,
                event.is_directory,
            )
        )


class WorkerProcess:
    """The build worker (``WORKER``) and a thread reading its answers."""

    def __init__(
        self,
        settings_file: Path,
        output: Path,
        base_url: str,
        on_answer: Callable[[dict[str, Any]], None],
    ) -> None:
        path = os.pathsep.join([str(REPO), str(REPO / "plugins"), os.environ.get("PYTHONPATH", "")])
        self.process = subprocess.Popen(
            [sys.executable, "-m", WORKER, str(settings_file), str(output), base_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=settings_file.parent,
            env={**os.environ, "PYTHONPATH": path, PARENT_VARIABLE: str(os.getpid())},
        )
        self.on_answer = on_answer
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stdout: IO[bytes] | None = self.process.stdout
        assert stdout is not None
        for line in stdout:
            self.on_answer(json.loads(line))
        if self.process.wait() not in (0, 2):  # 2: it reported why it could not start
            self.on_answer(
                {
                    "ok": False,
                    "akhir": True,
                    "galat": "Proses build pratinjau berhenti tiba-tiba; lihat pesan di atas.",
                }
            )

    def alive(self) -> bool:
        """Tell whether the worker can still take requests."""
        return self.process.poll() is None

    def send(self, plan: Plan) -> bool:
        """Send a request; False if the worker has gone."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.write((json.dumps(plan.message()) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def stop(self) -> None:
        """Close the worker's input (it then exits) and wait for it, killing if need be."""
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)


class Watcher:
    """The preview server, the watchdog observer and the build worker, together."""

    def __init__(
        self,
        settings_file: Path,
        output: Path,
        host: str,
        port: int,
        base_url: str | None,
        say: Callable[[str], None],
        verbose: bool = False,
    ) -> None:
        self.settings_file, self.output, self.say = settings_file, output, say
        settings = read_settings_file(settings_file)
        check_folder(output, settings, settings_file)
        self.roots = Roots.of(settings_file, settings)
        self.live = LiveState()
        self.events: queue.Queue[Event] = queue.Queue()
        output.mkdir(parents=True, exist_ok=True)
        try:
            self.server = PreviewServer((host, port), output, self.live, verbose)
        except OverflowError:
            raise WatchError(
                f"Port {port} tidak ada (port 1 sampai 65535); pratinjau tidak disajikan.",
                hint="Pakai port lain, misalnya --port 8002.",
            ) from None
        except OSError as error:
            raise WatchError(
                f"Tidak dapat menyajikan di {host}:{port}: {error.strerror}.",
                hint="Pakai port lain, misalnya --port 8002.",
            ) from None
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        self.url = f"http://{shown}:{self.server.server_address[1]}/"
        self.public = host not in {"127.0.0.1", "localhost", "::1"}
        self.base_url = base_url or self.url
        self.observer = Observer()
        self.worker: WorkerProcess | None = None

    def _answer(self, answer: dict[str, Any]) -> None:
        if not answer.get("ok"):
            self.live.finished(str(answer.get("galat")), self.live.problems)
            self.say(f"Build pratinjau GAGAL: {answer.get('galat')}")
            return
        problems = [str(line) for line in answer.get("masalah") or ()]
        before = self.live.problems
        self.live.finished(None, problems)
        what = "semua halaman" if answer.get("penuh") else "halaman yang berubah"
        seconds = f"{answer.get('detik', 0):.2f}".replace(".", ",")
        self.say(
            f"Pratinjau diperbarui ({what}): {answer.get('halaman')} halaman dalam {seconds} dtk."
        )
        if answer.get("pulih"):
            self.say("Pratinjau sebelumnya tidak selesai; sisanya sudah dibersihkan.")
        if problems != before:
            self._tell(problems)

    def _tell(self, problems: list[str]) -> None:
        """Print the problems when they changed: one line each, or that none are left."""
        if not problems:
            self.say("Tidak ada masalah lagi.")
            return
        self.say(f"Ada {len(problems)} masalah; item lain tetap dipratinjau:")
        for line in problems:
            self.say(line)

    def _start_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.say("Membangun pratinjau lengkap ...")
        self.worker = WorkerProcess(self.settings_file, self.output, self.base_url, self._answer)

    def start(self) -> None:
        """Start serving, watching and the first (clean, full) build."""
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        handler = _Collector(self.events)
        for folder in (
            self.roots.content,
            self.roots.approvals,
            self.roots.theme,
            *self.roots.code,
        ):
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=True)
        for folder in {path.parent for path in self.roots.settings}:
            self.observer.schedule(handler, str(folder), recursive=False)
        self.observer.start()
        self._start_worker()
        self.say(
            f"Pratinjau tersaji di {self.url} (Ctrl-C untuk berhenti). BUKAN situs resmi: "
            "memuat item yang belum disetujui."
        )
        if self.public:
            self.say(
                "PERHATIAN: pratinjau terbuka bagi komputer lain di jaringan ini. Naskah "
                "yang belum disetujui dapat dibaca siapa pun di jaringan itu."
            )

    def _batch(self, first: Event) -> list[Event]:
        batch, deadline = [first], time.monotonic() + MAX_BATCH_S
        while time.monotonic() < deadline:
            try:
                batch.append(self.events.get(timeout=DEBOUNCE_S))
            except queue.Empty:
                break
        return batch

    def step(self, timeout: float = 0.5) -> Plan | None:
        """Wait for changes, then act on them; return the plan (None if nothing came)."""
        try:
            first = self.events.get(timeout=timeout)
        except queue.Empty:
            return None
        plan = plan_for(self._batch(first), self.roots)
        if plan.empty():
            return plan
        if plan.restart or self.worker is None or not self.worker.alive():
            self._start_worker()
            self._reread(plan)
        elif not self.worker.send(plan):
            self._start_worker()
            self._reread(plan)
        return plan

    def _reread(self, plan: Plan) -> None:
        """Tell a fresh worker which files changed: its loaded cache may hold a torn read."""
        if plan.content and self.worker is not None:
            self.worker.send(Plan(content=plan.content))

    def run(self, stop: threading.Event) -> None:
        """Act on changes until ``stop`` is set."""
        while not stop.is_set():
            self.step()

    def close(self) -> None:
        """Stop watching, the worker and the server."""
        self.observer.stop()
        if self.worker is not None:
            self.worker.stop()
        self.server.shutdown()
        self.server.server_close()
        self.observer.join(timeout=5)
