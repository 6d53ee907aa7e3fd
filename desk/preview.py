"""The desk's preview: every item rendered by the public theme, rebuilt when the tree changed.

An official approves exactly what will be published, so the item page shows the item as
the editorial preview builds it (the public theme, with the DRAF banner and the approval
panel). The desk builds that preview into its own data folder (``<data>/pratinjau``),
never into ``var/pratinjau`` that ``invoke watch`` owns.

When: on demand. A request asks for a preview of the tree as it is now (git HEAD plus
the dirty files and their sizes and times); when the last good build is of another
state, one build starts (one at a time, in a child process: Pelican's plugins and
signals are process-wide, and a crash of the build must not take the desk down). Each
build goes into a fresh numbered folder, and only a build that finished becomes the one
served (``terkini.json``), so a half-written folder is never shown and a failed build
leaves the previous one in place, with its failure said on the page.

Run as ``python -m desk.preview SETTINGS OUTPUT`` it is that child: it builds once and
prints a JSON line (``{"ok": true, ...}`` or ``{"ok": false, "galat": "..."}``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from approval_gate.api import KpuError, now, run_git, write_whole

from .settings import DeskSettings

#: Subfolder of the desk's data folder holding the builds and the pointer to the good one.
FOLDER = "pratinjau"
POINTER = "terkini.json"
#: Longest a build may run before it is stopped (seconds).
BUILD_LIMIT = 900


@dataclass(frozen=True)
class Built:
    """A finished preview: where it is, which tree state it shows, its item addresses."""

    folder: Path  # the site's pages (served under /pratinjau/)
    state: str
    at: str
    pages: dict[str, str]  # item -> page address relative to the site

    def page(self, item: str) -> str | None:
        """Return the address of the item's page in this build, if it has one."""
        return self.pages.get(item)


def tree_state(root: Path, data: Path) -> str:
    """Return a fingerprint of what a preview shows: HEAD, dirty files, their sizes and times.

    The desk's own data folder (its builds, its database) is left out when it lies in the
    tree: otherwise every build would change the state it was built for.
    """
    head = run_git(root, "rev-parse", "HEAD")
    skip = []
    if data.resolve().is_relative_to(root.resolve()) and data.resolve() != root.resolve():
        skip = [f":(exclude){data.resolve().relative_to(root.resolve()).as_posix()}"]
    status = run_git(
        root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", *skip
    )
    digest = hashlib.sha256(head.stdout if head is not None else b"no-git")
    listed = status.stdout if status is not None else b""
    digest.update(listed)
    for entry in listed.split(b"\0"):
        name = entry[3:].decode("utf-8", errors="replace")
        try:
            info = (root / name).stat()
        except OSError:
            continue
        digest.update(f"{name}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


class Previews:
    """The desk's preview builds of one site (one per desk; thread-safe)."""

    def __init__(self, settings: DeskSettings) -> None:
        self.settings = settings
        self.base = settings.data / FOLDER
        self._lock = threading.Condition()
        self._building: str | None = None
        self.failure: tuple[str, str] | None = None  # (state, message) of the last failure

    def current(self) -> Built | None:
        """Return the last good build, or None before the first one finished."""
        try:
            data = json.loads((self.base / POINTER).read_text(encoding="utf-8"))
            folder = self.base / str(data["nomor"]) / "situs"
            pages = json.loads((folder.parent / "pratinjau-alamat.json").read_text("utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return Built(folder, str(data["keadaan"]), str(data["waktu"]), dict(pages))

    def fresh(self, wait: float) -> tuple[Built | None, bool]:
        """Return the last good build and whether it shows the tree as it is now.

        Starts a build when the tree changed since the last good one (unless a build of
        this very state already failed), then waits up to ``wait`` seconds for it.
        """
        state = tree_state(self.settings.root, self.settings.data)
        deadline = time.monotonic() + wait
        with self._lock:
            while True:
                built = self.current()
                if built is not None and built.state == state:
                    return built, True
                if self.failure is not None and self.failure[0] == state:
                    return built, False
                if self._building is None:
                    self._start(state)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return built, False
                self._lock.wait(remaining)

    def _start(self, state: str) -> None:
        self._building = state
        threading.Thread(target=self._build, args=(state,), daemon=True, name="pratinjau").start()

    def _build(self, state: str) -> None:
        """Build once in a child process; make it the served one when it finished."""
        previous = self.current()
        number = self._next_number()
        output = self.base / str(number) / "situs"
        error = run_child(self.settings.settings_file, output)
        with self._lock:
            if error is None:
                write_whole(
                    self.base / POINTER,
                    json.dumps({"nomor": number, "keadaan": state, "waktu": now().isoformat()}),
                )
                self.failure = None
                self._prune(keep={str(number), previous.folder.parent.name if previous else ""})
            else:
                self.failure = (state, error)
                shutil.rmtree(output.parent, ignore_errors=True)
            self._building = None
            self._lock.notify_all()

    def _next_number(self) -> int:
        self.base.mkdir(parents=True, exist_ok=True)
        taken = [int(p.name) for p in self.base.iterdir() if p.name.isdigit()]
        return max(taken, default=0) + 1

    def _prune(self, keep: set[str]) -> None:
        """Remove older builds (the one a page may still be reading is kept)."""
        for entry in self.base.iterdir():
            if entry.name.isdigit() and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)


def run_child(settings_file: Path, output: Path) -> str | None:
    """Build the preview of ``settings_file`` into ``output`` in a child; None or the error."""
    output.parent.mkdir(parents=True, exist_ok=True)
    project = Path(__file__).resolve().parent.parent  # the desk's own code, and the gate's
    paths = [str(project), str(project / "plugins"), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "desk.preview", str(settings_file), str(output)],
            cwd=settings_file.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_LIMIT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"pembangunan pratinjau tidak selesai ({error})"
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except ValueError:
        answer = {}
    if done.returncode == 0 and answer.get("ok"):
        return None
    return str(answer.get("galat") or done.stderr.strip()[-500:] or "pratinjau gagal dibangun")


def main(argv: list[str]) -> int:
    """Build one preview (the child of ``run_child``) and print the outcome as JSON."""
    from editorial.preview.build import build_preview

    settings_file, output = Path(argv[0]), Path(argv[1])
    try:
        report = build_preview(settings_file, output)
    except KpuError as error:
        print(json.dumps({"ok": False, "galat": error.render()}, ensure_ascii=False))
        return 1
    print(json.dumps({"ok": True, "halaman": report.pages, "item": report.items}))
    return 0


if __name__ == "__main__":
    from publishing.pelican_child import leave

    leave(main(sys.argv[1:]))  # the whole site's objects are not freed one by one
