"""Who is asking: accounts, sessions, CSRF tokens, role checks and rate limits.

An account is a person of the desk: a writer (``penulis``), or an official whose
roles are the SOP's role ids; the desk's administrators are the accounts holding
``web-admin``. Whether an official may sign is never decided here: the gate decides it
from the signed roster when the sign-off is made and when the site is built.

Sessions live in ``store.py`` as the SHA-256 of a random token kept in an HttpOnly
cookie (``Secure`` on https, ``SameSite=Lax`` so a link from WhatsApp opens the desk
logged in); every state-changing request must carry the session's CSRF token (a form
field ``csrf`` or the header ``X-CSRF-Token``) and an ``Origin`` equal to the desk's.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, url_for

from approval_gate.api import ROLE_IDS, now

from .errors import Refused
from .store import Store, new_token, token_hash

COOKIE = "meja_sesi"
WRITER = "penulis"
#: Every role an account may hold: the writer and the SOP's four.
ROLES = (WRITER, *ROLE_IDS)
ADMIN = "web-admin"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Account:
    """A person of the desk."""

    id: str
    name: str
    roles: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        """Whether this person runs the desk (holds Web Admin)."""
        return ADMIN in self.roles

    @property
    def email(self) -> str:
        """The address git records for this person's commits."""
        return f"{self.id}@meja.kpu-rembang.invalid"


def store() -> Store:
    """Return the running desk's store."""
    return current_app.config["MEJA_STORE"]  # type: ignore[no-any-return]


def account_of(row: Any) -> Account:
    """Return the ``Account`` of an ``accounts`` row."""
    return Account(row["id"], row["name"], tuple(row["roles"].split()))


def find_account(account_id: str) -> Account | None:
    """Return the enabled account ``account_id``, or None."""
    row = store().one("SELECT * FROM accounts WHERE id = ? AND disabled = 0", account_id)
    return account_of(row) if row else None


def start_session(account: Account, hours: int) -> tuple[str, str]:
    """Open a session for ``account``; return (cookie token, CSRF token)."""
    token, csrf = new_token(), new_token()
    moment = now()
    with store().transaction() as db:
        db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
            (
                token_hash(token),
                account.id,
                csrf,
                moment.isoformat(),
                (moment + timedelta(hours=hours)).isoformat(),
            ),
        )
    return token, csrf


def end_session(token: str) -> None:
    """Close the session of ``token`` (logging out)."""
    with store().transaction() as db:
        db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))


def load_session() -> None:
    """Set ``g.account`` and ``g.csrf`` from the request's cookie (None when logged out)."""
    g.account, g.csrf = None, None
    token = request.cookies.get(COOKIE)
    if not token:
        return
    row = store().one(
        "SELECT s.csrf, s.expires, a.* FROM sessions s JOIN accounts a ON a.id = s.account "
        "WHERE s.token_hash = ? AND a.disabled = 0",
        token_hash(token),
    )
    if row is None or datetime.fromisoformat(row["expires"]) <= now():
        return
    g.account, g.csrf = account_of(row), row["csrf"]


def check_csrf() -> None:
    """Refuse a state-changing request without the session's token or from another origin."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin != current_app.config["MEJA_SETTINGS"].origin:
        raise Refused("Permintaan dari situs lain ditolak.", status=403)
    if g.get("csrf") is None:
        return  # no session: the login and invitation pages check their own challenge
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf") or ""
    if not hmac.compare_digest(sent, g.csrf):
        raise Refused(
            "Formulir ini sudah kedaluwarsa atau bukan dari meja ini.",
            status=403,
            hint="Muat ulang halaman, lalu ulangi.",
        )


def needs(*roles: str) -> Callable[[F], F]:
    """Let a view run only for a logged-in account holding one of ``roles`` (any, if none)."""

    def wrap(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            account: Account | None = g.get("account")
            if account is None:
                wanted = request.full_path if request.query_string else request.path
                return redirect(url_for("masuk.halaman", lanjut=wanted))
            if roles and not set(roles) & set(account.roles):
                raise Refused(
                    "Halaman ini bukan untuk peran Anda.",
                    status=403,
                    hint="Minta Web Admin menambahkan peran bila memang tugas Anda.",
                )
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap


def limited(key: str, most: int, seconds: int) -> None:
    """Refuse the request when ``key`` was tried ``most`` times in the last ``seconds``."""
    moment = time.time()
    with store().transaction() as db:
        db.execute("DELETE FROM attempts WHERE at < ?", (moment - seconds,))
        (count,) = db.execute("SELECT COUNT(*) FROM attempts WHERE key = ?", (key,)).fetchone()
        if count >= most:
            raise Refused(
                "Terlalu banyak percobaan. Tunggu beberapa menit, lalu coba lagi.", status=429
            )
        db.execute("INSERT INTO attempts VALUES (?, ?)", (key, moment))
