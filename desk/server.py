"""Serving the desk: waitress (a pure-Python production WSGI server) plus its workers.

``invoke meja`` and the tests start the desk the same way: ``Running`` opens the port
(a taken or forbidden port is a ``DeskError`` in Indonesian), serves with a pool of
threads, and runs the background workers registered in ``WORKERS`` (the overdue
reminders of ``push.py``) until stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from .app import create_app
from .errors import DeskError
from .settings import DeskSettings

#: Background workers: each is called with (app, stop event) in a thread of its own.
WORKERS: list[Callable[[Flask, threading.Event], None]] = []
THREADS = 16


def _proxy(settings: DeskSettings) -> dict[str, Any]:
    """Return waitress's options for the trusted reverse proxy (``MEJA_PROXY``), if any.

    Behind a proxy every request comes from the proxy's address; trusting its
    ``X-Forwarded-For`` (only from that address) gives the rate limits the real client.
    """
    if not settings.proxy:
        return {}
    return {
        "trusted_proxy": settings.proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
    }


class Running:
    """A desk listening on ``host:port`` (port 0: any free port; see ``.port``)."""

    def __init__(
        self, settings: DeskSettings, host: str = "127.0.0.1", port: int = 8002, **config: Any
    ) -> None:
        from waitress.server import create_server

        self.app = create_app(settings, **config)
        self.stop_event = threading.Event()
        try:
            self.server = create_server(
                self.app,
                host=host,
                port=port,
                threads=THREADS,
                clear_untrusted_proxy_headers=True,
                **_proxy(settings),
                ident="meja",
            )
        except OSError as error:
            raise DeskError(
                f"Meja tidak dapat membuka {host}:{port} ({error.strerror or error}).",
                hint="Port itu dipakai program lain atau tidak diizinkan; pilih --port lain.",
            ) from None
        self.port: int = self.server.effective_port  # type: ignore[union-attr]
        self.host = host
        self._threads: list[threading.Thread] = []

    def start(self) -> Running:
        """Serve and run the workers in background threads; return self."""
        self._threads = [threading.Thread(target=self._serve, daemon=True, name="meja")]
        self._threads += [
            threading.Thread(target=w, args=(self.app, self.stop_event), daemon=True)
            for w in WORKERS
        ]
        for thread in self._threads:
            thread.start()
        return self

    def _serve(self) -> None:
        """Serve until closed; the loop's errors after ``close()`` are the closing itself."""
        try:
            self.server.run()
        except (OSError, ValueError):
            if not self.stop_event.is_set():
                raise

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the workers run beside it)."""
        for worker in WORKERS:
            threading.Thread(target=worker, args=(self.app, self.stop_event), daemon=True).start()
        try:
            self.server.run()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers and the server."""
        self.stop_event.set()
        # Let the request threads finish before the sockets go (otherwise a request in
        # flight writes to a closed trigger and waitress logs a traceback).
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)  # type: ignore[union-attr]
        self.server.close()
