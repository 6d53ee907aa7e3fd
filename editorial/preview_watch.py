"""``invoke watch``: serve the preview and rebuild it as files change.

Watched (with watchdog): the content, the approvals, the theme, the code of the gate
and the preview (``plugins/``, ``editorial/``) and the settings files. Changes are
collected until things are quiet for ``DEBOUNCE_S`` (an editor's save is several
events), then turned into one plan:

* items or attachments edited, or sign-offs added: an incremental run in the warm
  worker (only those items' pages, then the listings);
* a content file deleted or renamed: a clean full build (its old page must go);
* settings, the roster, the theme or code changed: a fresh worker process (modules are
  not reloaded in place, and plugins read some theme files once at start), which starts
  with a clean full build.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from approval_gate.settings import read_settings_file

from .preview_server import LiveState, PreviewServer
from .preview_errors import WatchError

REPO = Path(__file__).absolute().parent.parent
DEBOUNCE_S = 0.1
MAX_BATCH_S = 1.0
#: Editor back-up, swap and lock files, hidden files, Python byte code: never content.
IGNORED = re.compile(r"(^\.|~$|\.sw[a-p]x?$|\.tmp$|^4913$|^#.*#$|\.py[co]$)")
Event = tuple[str, str, str | None, bool]  # kind, path, moved-to path, is a folder


@dataclass(frozen=True)
class Roots:
    """The folders and files whose changes matter to the preview."""

    content: Path
    approvals: Path
    theme: Path
    code: tuple[Path, ...]
    settings: tuple[Path, ...]

    @classmethod
    def of(cls, settings_file: Path) -> Roots:
        """Read the paths from the settings file (without Pelican)."""
        settings = read_settings_file(settings_file)
        base = settings_file.parent

        def where(key: str, default: str) -> Path:
            value = Path(str(settings.get(key) or default))
            return (value if value.is_absolute() else base / value).resolve()

        return cls(where("PATH", "content"), where("APPROVAL_GATE_APPROVALS_PATH", "approvals"),
                   where("THEME", "theme"), (REPO / "plugins", REPO / "editorial"),
                   (settings_file.resolve(), (REPO / "pelicanconf.py").resolve()))


@dataclass
class Plan:
    """What one batch of changes asks the worker to do."""

    restart: bool = False
    clean: bool = False
    content: set[str] = field(default_factory=set)
    approvals: set[str] = field(default_factory=set)

    def empty(self) -> bool:
        """Tell whether nothing that matters changed."""
        return not (self.restart or self.clean or self.content or self.approvals)

    def message(self) -> dict[str, Any]:
        """Return the request line for the worker."""
        return {"content": sorted(self.content), "approvals": sorted(self.approvals),
                "clean": self.clean}


def _inside(path: Path, folder: Path) -> bool:
    return folder in path.parents


def _note(plan: Plan, path: Path, roots: Roots, gone: bool) -> None:
    """Add one changed (or vanished) path to the plan."""
    if IGNORED.search(path.name) or "__pycache__" in path.parts or ".git" in path.parts:
        return
    gone = gone and not path.exists()  # an editor's save by rename leaves the file there
    if path in roots.settings or any(_inside(path, folder) for folder in roots.code) or \
            _inside(path, roots.theme):  # plugins read theme files at start (its CSS)
        plan.restart = True
    elif _inside(path, roots.approvals):
        rel = path.relative_to(roots.approvals).as_posix()
        if "/" not in rel:
            plan.restart = True  # the roster: read once per worker, like the gate does
        else:
            plan.approvals.update({rel.rsplit("/", 1)[0], rel})
    elif _inside(path, roots.content):
        if gone:
            plan.clean = True
        else:
            plan.content.add(path.relative_to(roots.content).as_posix())


def plan_for(events: list[Event], roots: Roots) -> Plan:
    """Turn a batch of file-system events into one plan."""
    plan = Plan()
    for kind, src, dest, folder in events:
        if folder and kind in {"modified", "created", "closed"}:
            continue  # the files inside have their own events
        _note(plan, Path(src), roots, gone=kind in {"deleted", "moved"})
        if dest:
            _note(plan, Path(dest), roots, gone=False)
    return plan


class _Collector(FileSystemEventHandler):
    """Puts every relevant watchdog event on a queue."""

    def __init__(self, events: queue.Queue[Event]) -> None:
        self.events = events

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in {"opened", "closed_no_write"}:
            return
        dest = getattr(event, "dest_path", "") or None
        self.events.put((event.event_type, os.fsdecode(event.src_path),
                         os.fsdecode(dest) if dest else None, event.is_directory))


class WorkerProcess:
    """The build worker (``editorial.preview_worker``) and a thread reading its answers."""

    def __init__(self, settings_file: Path, output: Path, base_url: str,
                 on_answer: Callable[[dict[str, Any]], None]) -> None:
        path = os.pathsep.join([str(REPO), str(REPO / "plugins"),
                                os.environ.get("PYTHONPATH", "")])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "editorial.preview_worker", str(settings_file),
             str(output), base_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            cwd=settings_file.parent, env={**os.environ, "PYTHONPATH": path})
        self.on_answer = on_answer
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stdout: IO[bytes] | None = self.process.stdout
        assert stdout is not None
        for line in stdout:
            self.on_answer(json.loads(line))
        if self.process.wait() not in (0, 2):  # 2: it reported why it could not start
            self.on_answer({"ok": False, "akhir": True, "galat": "Proses build pratinjau "
                            "berhenti tiba-tiba; lihat pesan di atas."})

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

    def __init__(self, settings_file: Path, output: Path, host: str, port: int,
                 base_url: str | None, say: Callable[[str], None], verbose: bool = False
                 ) -> None:
        self.settings_file, self.output, self.say = settings_file, output, say
        self.roots = Roots.of(settings_file)
        self.live = LiveState()
        self.events: queue.Queue[Event] = queue.Queue()
        output.mkdir(parents=True, exist_ok=True)
        try:
            self.server = PreviewServer((host, port), output, self.live, verbose)
        except OSError as error:
            raise WatchError(f"Tidak dapat menyajikan di {host}:{port}: {error.strerror}.",
                             hint="Pakai port lain, misalnya --port 8002.") from None
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        self.url = f"http://{shown}:{self.server.server_address[1]}/"
        self.public = host not in {"127.0.0.1", "localhost", "::1"}
        self.base_url = base_url or self.url
        self.observer = Observer()
        self.worker: WorkerProcess | None = None

    def _answer(self, answer: dict[str, Any]) -> None:
        if answer.get("ok"):
            self.live.finished(None)
            what = "semua halaman" if answer.get("penuh") else "halaman yang berubah"
            seconds = f"{answer.get('detik', 0):.2f}".replace(".", ",")
            self.say(f"Pratinjau diperbarui ({what}): {answer.get('halaman')} halaman dalam "
                     f"{seconds} dtk.")
        else:
            self.live.finished(str(answer.get("galat")))
            self.say(f"Build pratinjau GAGAL: {answer.get('galat')}")

    def _start_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.say("Membangun pratinjau lengkap ...")
        self.worker = WorkerProcess(self.settings_file, self.output, self.base_url,
                                    self._answer)

    def start(self) -> None:
        """Start serving, watching and the first (clean, full) build."""
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        handler = _Collector(self.events)
        for folder in (self.roots.content, self.roots.approvals, self.roots.theme,
                       *self.roots.code):
            if folder.is_dir():
                self.observer.schedule(handler, str(folder), recursive=True)
        for folder in {path.parent for path in self.roots.settings}:
            self.observer.schedule(handler, str(folder), recursive=False)
        self.observer.start()
        self._start_worker()
        self.say(f"Pratinjau tersaji di {self.url} (Ctrl-C untuk berhenti). BUKAN situs resmi: "
                 "memuat item yang belum disetujui.")
        if self.public:
            self.say("PERHATIAN: pratinjau terbuka bagi komputer lain di jaringan ini. Naskah "
                     "yang belum disetujui dapat dibaca siapa pun di jaringan itu.")

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
        elif not self.worker.send(plan):
            self._start_worker()
        return plan

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
