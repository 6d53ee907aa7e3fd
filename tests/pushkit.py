"""Helpers for the desk's notification tests: a push service and a browser, both local.

``PushService`` is a small HTTP server on 127.0.0.1 standing in for a browser vendor's
push service: it records every POST (path, headers, body) and answers 201, or the status
a test set for a path (410: "this subscription is gone"). ``Browser`` subscribes as a
browser does: a fresh P-256 key pair and a 16-byte auth secret, handed to the desk as
PushSubscription JSON; ``read`` decrypts what the push service received (RFC 8291,
aes128gcm) with that private key, as the browser would before showing it.
``desk_for(site)`` serves the desk of a ``sitekit.Site`` (its own settings file).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from deskkit import Desk, free_port
from desk.server import Running
from desk.settings import read_desk_settings


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Received:
    """One POST the push service received."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class PushService:
    """A push service on loopback that records what it is sent."""

    received: list[Received] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)  # path -> status (default 201)
    url: str = ""

    def endpoint(self, name: str) -> str:
        return f"{self.url}/push/{name}"

    def to(self, name: str) -> list[Received]:
        """Return what was sent to the endpoint ``name``."""
        return [r for r in self.received if r.path == f"/push/{name}"]

    def wait_for(self, count: int, seconds: float = 30.0) -> list[Received]:
        """Wait until ``count`` messages arrived (bounded); return them all."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


@contextmanager
def push_service() -> Iterator[PushService]:
    """Run a recording push service on a free port of 127.0.0.1 until the block ends."""
    service = PushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            service.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self.send_response(service.answers.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    """A browser's push subscription: its keys, as ``PushManager.subscribe`` makes them."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self) -> dict[str, Any]:
        """Return ``PushSubscription.toJSON()``."""
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def read(self, received: Received) -> dict[str, str]:
        """Decrypt one message as the browser would; return its JSON."""
        plain = http_ece.decrypt(
            received.body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain.decode("utf-8"))  # type: ignore[no-any-return]


@contextmanager
def desk_for(settings_file: Path, **config: Any) -> Iterator[Desk]:
    """Serve the desk of the site whose settings file is ``settings_file``."""
    port = free_port()
    origin = f"http://localhost:{port}"
    settings = read_desk_settings(settings_file, origin=origin)
    running = Running(settings, "127.0.0.1", port, **config).start()
    try:
        yield Desk(settings_file.parent, origin, settings, running)
    finally:
        running.close()
