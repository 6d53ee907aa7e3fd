"""Helpers for the desk's tests: a real desk (waitress) on a copy of the project.

``running_desk(root)`` serves the desk of the site in ``root`` on a free port of
127.0.0.1, its origin ``http://localhost:<port>`` (a secure context for WebAuthn, as
the office's https origin is). ``Desk.account`` adds a person straight to the desk's
store and ``Desk.client`` gives an HTTP session logged in as them (a real session row,
cookie and CSRF token: what a passkey login leaves behind), for the tests that are not
about logging in. ``authenticator(page)`` gives a browser page a CDP virtual passkey
authenticator (internal, resident keys, user verification), as on a phone.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests

from desk.server import Running
from desk.settings import DeskSettings, read_desk_settings
from desk.store import Store, new_token, token_hash

from approval_gate.api import now


def invoke(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``invoke args`` in the site ``root`` as the web admin would (output captured)."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


def git(root: Path, *args: str) -> str:
    """Run git in the site ``root``; return its output (fails the test when git fails)."""
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Desk:
    """A running desk and what a test needs to reach it."""

    root: Path
    url: str
    settings: DeskSettings
    running: Running

    @property
    def store(self) -> Store:
        return self.running.app.config["MEJA_STORE"]  # type: ignore[no-any-return]

    def account(self, account_id: str, name: str, *roles: str) -> None:
        """Add (or replace) a desk account directly in the store."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO accounts (id, name, roles, created) VALUES (?, ?, ?, ?)",
                (account_id, name, " ".join(roles), now().isoformat()),
            )

    def client(self, account_id: str) -> requests.Session:
        """Return an HTTP session logged in as ``account_id`` (cookie and CSRF header set)."""
        token, csrf = new_token(), new_token()
        moment = now()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                (
                    token_hash(token),
                    account_id,
                    csrf,
                    moment.isoformat(),
                    (moment + timedelta(hours=1)).isoformat(),
                ),
            )
        session = requests.Session()
        session.cookies.set("meja_sesi", token)
        session.headers.update({"X-CSRF-Token": csrf, "Origin": self.settings.origin})
        session.csrf = csrf  # type: ignore[attr-defined]
        return session

    def get(
        self, path: str, session: requests.Session | None = None, **kw: Any
    ) -> requests.Response:
        return (session or requests).get(self.url + path, timeout=60, **kw)

    def post(
        self, path: str, session: requests.Session | None = None, **kw: Any
    ) -> requests.Response:
        return (session or requests).post(self.url + path, timeout=120, **kw)


@contextmanager
def running_desk(root: Path, **config: Any) -> Iterator[Desk]:
    """Serve the desk of the site in ``root`` until the block ends."""
    port = free_port()
    origin = f"http://localhost:{port}"
    settings = read_desk_settings(root / "pelicanconf.py", origin=origin)
    running = Running(settings, "127.0.0.1", port, **config).start()
    try:
        yield Desk(root, origin, settings, running)
    finally:
        running.close()


def authenticator(page: Any, *, verified: bool = True) -> str:
    """Give ``page`` a virtual platform authenticator (as a phone's); return its id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": verified,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page._meja_cdp = cdp  # keep the session (and the authenticator) alive with the page
    return str(made["authenticatorId"])
