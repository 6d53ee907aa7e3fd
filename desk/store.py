"""The desk's own small database (SQLite, stdlib): sessions, invitations, subscriptions.

Git stays the database of content and decisions; this file holds only what a web
application needs between requests and restarts: accounts and their passkeys (for
logging in), sessions, one-time invitations, WebAuthn challenges waiting for an answer,
Web Push subscriptions, the version of each item a person last saw, and counters for
rate limits. Losing it loses no decision; a restart loses nothing (WAL, one connection
per thread, every write in a transaction).

Secrets (session and invitation tokens) are stored only as their SHA-256: a copy of the
database lets nobody log in or use an invitation.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,          -- the roster's person id for officials, else a slug
    name TEXT NOT NULL,
    roles TEXT NOT NULL,          -- space-separated: penulis, web-admin, kasubbag-tekmas, ...
    created TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS credentials (
    id TEXT PRIMARY KEY,          -- WebAuthn credential id, base64url
    account TEXT NOT NULL REFERENCES accounts(id),
    cose_key BLOB NOT NULL,       -- the credential's public key as registered (COSE)
    ssh_key TEXT NOT NULL,        -- the same key as 'sk-ecdsa-sha2-nistp256@openssh.com ...'
    sign_count INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invitations (
    token_hash TEXT PRIMARY KEY,
    account TEXT NOT NULL,        -- the account (person id) the invitation creates or extends
    name TEXT NOT NULL,
    role TEXT NOT NULL,           -- penulis or one of the SOP's role ids
    created_by TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    used TEXT                     -- when it was used (an invitation works once)
);
CREATE TABLE IF NOT EXISTS challenges (
    id TEXT PRIMARY KEY,          -- random, handed to the browser with the options
    account TEXT,                 -- who asked (NULL before login)
    purpose TEXT NOT NULL,        -- masuk, daftar, keputusan
    data TEXT NOT NULL,           -- JSON: the challenge and what it is for
    expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS push_subscriptions (
    endpoint TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(id),
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notified (
    item TEXT NOT NULL,
    digest TEXT NOT NULL,
    role TEXT NOT NULL,
    at TEXT NOT NULL,             -- the last notification for this step (re-sent when overdue)
    PRIMARY KEY (item, digest, role)
);
CREATE TABLE IF NOT EXISTS seen (
    account TEXT NOT NULL,
    item TEXT NOT NULL,
    digest TEXT NOT NULL,         -- the version the person last opened or rejected
    commit_sha TEXT,              -- the commit holding that version (for the diff)
    at TEXT NOT NULL,
    before_digest TEXT,           -- the version seen before this one (what the diff is from)
    PRIMARY KEY (account, item)
);
CREATE TABLE IF NOT EXISTS attempts (
    key TEXT NOT NULL,            -- what is limited, e.g. 'masuk:127.0.0.1'
    at REAL NOT NULL              -- time.time() of the attempt
);
CREATE INDEX IF NOT EXISTS attempts_key ON attempts (key, at);
CREATE TABLE IF NOT EXISTS roster_changes (
    key TEXT PRIMARY KEY,         -- an enrolled passkey's OpenSSH key (sk-ecdsa-...)
    person TEXT NOT NULL,         -- the roster person id it is proposed for
    name TEXT NOT NULL,           -- the person's name (used when the person is new)
    role TEXT NOT NULL,           -- the SOP role of the invitation
    since TEXT NOT NULL,          -- YYYY-MM-DD: start of the holding, when one is needed
    added TEXT NOT NULL           -- when the passkey was enrolled (the proposal's order)
);
"""


def token_hash(token: str) -> str:
    """Return how a secret token is stored: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """Return a new secret token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class Store:
    """The SQLite file under the desk's data folder; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connection().executescript(SCHEMA)  # CREATE ... IF NOT EXISTS: idempotent

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction (``BEGIN IMMEDIATE``), committed or undone."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def query(self, sql: str, *args: object) -> list[sqlite3.Row]:
        """Return the rows of one read."""
        return self._connection().execute(sql, args).fetchall()

    def one(self, sql: str, *args: object) -> sqlite3.Row | None:
        """Return the first row of one read, or None."""
        rows = self.query(sql, *args)
        return rows[0] if rows else None
