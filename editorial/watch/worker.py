"""The build worker of ``invoke watch``: a warm Pelican in a child process.

The watcher starts ``python -m editorial.watch.worker SETTINGS OUTPUT URL`` and sends
it one JSON line per batch of changes on stdin; the worker answers one JSON line per
finished run on stdout (everything else it prints goes to stderr). Keeping Pelican in a
long-lived process keeps its parsed content and the gate's caches in memory and on
disk; keeping it out of the watcher lets a change to plugins or settings start a fresh
process instead of reloading modules in place.

For a change to some items the worker first writes only those items' pages (the page
being looked at changes within a fraction of a second), then a full pass for listings,
which it abandons as soon as a newer change arrives. A broken item is not a failed run:
each answer carries the run's problems (``masalah``, one line each), and a failed run
(``ok`` false) leaves the worker serving the next change.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from approval_gate.api import KpuError

from publishing.pelican_child import die_with_parent

from ..errors import PreviewInterrupted
from ..preview.build import PreviewBuilder, setup_logging
from ..preview.state import Request


class Inbox:
    """JSON lines arriving on a file descriptor, readable without blocking."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.closed = False

    def _fill(self, timeout: float | None) -> None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            chunk = os.read(self.fd, 65536)
            self.buffer += chunk
            self.closed = not chunk

    def poll(self) -> bool:
        """Tell whether a message (or the end of input) is waiting."""
        if b"\n" not in self.buffer and not self.closed:
            self._fill(0)
        return b"\n" in self.buffer or self.closed

    def read(self) -> dict[str, Any] | None:
        """Return the next message, waiting for it; None when the watcher has gone."""
        while b"\n" not in self.buffer and not self.closed:
            self._fill(None)
        if b"\n" not in self.buffer:
            return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return dict(json.loads(line))


class LastError(logging.Handler):
    """Remembers the last error Pelican logged (its exception then says only 'error')."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.message: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the message of an error record, with the exception being handled."""
        handled = sys.exc_info()[1]  # Pelican logs "Could not process x" inside except
        self.message = record.getMessage() + (f": {handled}" if handled else "")


@dataclass
class Wanted:
    """Every change waiting, folded into one run."""

    content: set[str] = field(default_factory=set)
    approvals: set[str] = field(default_factory=set)
    clean: bool = False

    def add(self, message: dict[str, Any]) -> None:
        """Fold one request line in."""
        self.content |= set(message.get("content", ()))
        self.approvals |= set(message.get("approvals", ()))
        self.clean = self.clean or bool(message.get("clean"))


def merge(first: dict[str, Any], inbox: Inbox) -> Wanted:
    """Fold ``first`` and every message already waiting into one request."""
    wanted = Wanted()
    wanted.add(first)
    while inbox.poll():
        more = inbox.read()
        if more is None:
            break
        wanted.add(more)
    return wanted


def describe(error: BaseException, last: LastError) -> str:
    """Return the message a person needs for a failed run."""
    if isinstance(error, KpuError):
        return error.render()
    return last.message or f"{type(error).__name__}: {error}"


class Worker:
    """One builder and the protocol around it."""

    def __init__(self, out: TextIO, inbox: Inbox, builder: PreviewBuilder, last: LastError) -> None:
        self.out, self.inbox, self.builder, self.last = out, inbox, builder, last

    def send(self, message: dict[str, Any]) -> None:
        """Write one answer line."""
        self.out.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.out.flush()

    def run(
        self, request: Request | None = None, clean: bool = False, interruptible: bool = False
    ) -> bool | None:
        """Build once and report; None when a newer change interrupted the full pass."""
        self.last.message = None
        try:
            report = self.builder.build(request, clean, self.inbox.poll if interruptible else None)
        except PreviewInterrupted:
            return None
        except Exception as error:  # any failure is reported; the worker keeps serving
            self.send({"ok": False, "galat": describe(error, self.last)})
            return False
        self.send(
            {
                "ok": True,
                "penuh": report.full,
                "detik": round(report.seconds, 3),
                "halaman": report.pages,
                "masalah": [problem.render() for problem in report.problems],
                "pulih": report.recovered,
            }
        )
        return True

    def serve(self) -> None:
        """Build whatever the watcher asks for until it closes our input."""
        pending_full = False
        while True:
            if pending_full and not self.inbox.poll():
                pending_full = self.run(interruptible=True) is None
                continue
            message = self.inbox.read()
            if message is None:
                return
            wanted = merge(message, self.inbox)
            self.builder.changed(wanted.content)  # a clean run must re-read them too
            if wanted.clean:
                self.run(clean=True)
                pending_full = False
            else:
                done = self.run(Request(frozenset(wanted.content), frozenset(wanted.approvals)))
                pending_full = bool(done)


def main(argv: list[str]) -> int:
    """Start the worker: build everything once, then serve requests."""
    die_with_parent()  # a watcher killed with SIGKILL leaves no worker holding the folder
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the watcher closes our input
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed (by Pelican or plugins) goes to stderr
    sys.stdout = sys.stderr
    settings_file, output, base_url = argv
    setup_logging()
    last = LastError()
    logging.getLogger().addHandler(last)
    inbox = Inbox(sys.stdin.fileno())
    try:
        builder = PreviewBuilder(Path(settings_file), Path(output), base_url)
    except Exception as error:  # settings, roster: reported, then the worker ends
        out.write(
            json.dumps(
                {"ok": False, "galat": describe(error, last), "akhir": True}, ensure_ascii=False
            )
            + "\n"
        )
        out.flush()
        return 2
    worker = Worker(out, inbox, builder, last)
    worker.run(clean=True)
    worker.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
