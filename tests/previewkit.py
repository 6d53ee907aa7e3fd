"""Helpers for the preview, watch and hand-off tests: the real commands, read like a user.

``invoke preview`` and ``invoke watch`` run as child processes on sites made with
``sitekit``; pages are read from the preview folder or over HTTP from the watch server,
and the approval panel is read back into rows the way a person reads the table.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from sitekit import REPO, Site
from themekit import write_settings

#: How long a test waits for something the watcher must do before it fails (no timing
#: is asserted; this only keeps a broken watcher from hanging the test run).
PATIENCE_S = 90


def invoke(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``invoke`` of this repository with ``args``."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(REPO), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def preview(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``invoke preview`` on ``site`` and fail with its output if it fails."""
    done = invoke("preview", "--settings", str(site.settings), *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def preview_dir(site: Site) -> Path:
    """Return the site's preview folder."""
    return site.root / "var" / "pratinjau"


def page(site: Site, url: str) -> str:
    """Return a preview page by its URL path (``berita/x/``)."""
    path = preview_dir(site) / url
    return (path / "index.html" if url.endswith("/") else path).read_text(encoding="utf-8")


class _Text(HTMLParser):
    """Collects the text of the approval panel: its table rows and its paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag == "aside" and "kpu-pratinjau-panel" in classes:
            self.depth = 1
        elif self.depth:
            self.depth += tag not in {"br", "meta", "img"}
            if tag == "tr":
                self.rows.append([])
            elif tag in {"td", "th"}:
                self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag in {"td", "th"} and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)
            if self.cell is not None:
                self.cell.append(data)


def panel(html: str) -> tuple[list[list[str]], str]:
    """Return the approval panel's table rows (header first) and its whole text."""
    parser = _Text()
    parser.feed(html)
    return parser.rows, "".join(parser.text)


def sample_settings(root: Path) -> Path:
    """Write settings for the shipped sample: its content, temporary outputs, fixed clock."""
    root.mkdir(parents=True, exist_ok=True)
    return write_settings(root)


def fetch(url: str) -> tuple[int, str]:
    """GET ``url``; return the status and the text (404 and the like included)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


class Watch:
    """``invoke watch --port 0`` on a site, its output lines collected as they come."""

    def __init__(self, settings: Path) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "invoke",
                "-r",
                str(REPO),
                "watch",
                "--port",
                "0",
                "--settings",
                str(settings),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        said = self.wait_for_line("tersaji di")
        self.url = said.split("tersaji di ")[1].split()[0]
        self.wait_for_line("Pratinjau diperbarui (semua halaman)")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self.new.put(line.rstrip("\n"))

    def wait_for_line(self, text: str) -> str:
        """Wait for the next output line containing ``text`` and return it."""
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            try:
                line = self.new.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if text in line:
                return line
        raise AssertionError(f"watch did not say {text!r}; it said:\n" + "\n".join(self.lines))

    def get(self, path: str) -> tuple[int, str]:
        """GET a path of the watch server."""
        return fetch(self.url + path.lstrip("/"))

    def until(self, path: str, check: Callable[[str], bool], status: int = 200) -> str:
        """Fetch ``path`` until it answers ``status`` and ``check`` accepts its text."""
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            answer, text = self.get(path)
            if answer == status and check(text):
                return text
            time.sleep(0.05)
        raise AssertionError(
            f"{path} never passed the check; watch said:\n" + "\n".join(self.lines)
        )

    def stop(self) -> int:
        """Stop the watcher as a service manager would (SIGTERM); return its exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=PATIENCE_S)
