"""Web Push from the desk: its VAPID key, and one message to one subscription.

A browser's push service (Google's for Chrome, Mozilla's, Apple's) accepts a message only
from the server whose public key the subscription was made with (VAPID, RFC 8292). The
desk makes its key pair once, in its data folder (``vapid.pem``, mode 0600: whoever holds
it can send notifications to every subscribed phone), and keeps it across restarts so the
phones' subscriptions stay valid. The message is encrypted for the subscription's own
keys (RFC 8291, ``aes128gcm``): the push service relays it without reading it.

Sending never raises: a phone that cannot be reached must not stop a sign-off. A
subscription the push service says is gone (404/410: the person unsubscribed, or
reinstalled the browser) is deleted.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from flask import Flask
from py_vapid import Vapid
from webauthn.helpers import bytes_to_base64url
from pywebpush import WebPushException, webpush

LOG = logging.getLogger("meja.notifikasi")
KEY_FILE = "vapid.pem"
#: How long a push service keeps a message for a phone that is off (seconds): a day.
TTL = 24 * 60 * 60
#: Seconds to wait for a push service: to connect, then to answer.
TIMEOUT = (3.05, 10)
#: The push service's answers that mean "this subscription no longer exists".
GONE = (404, 410)
_LOCK = threading.Lock()


def _made_once(path: Path) -> None:
    """Write a new key to ``path`` unless one is there (atomically: link, never overwrite)."""
    key = Vapid()
    key.generate_keys()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, key.private_pem())
        os.fsync(handle)
        os.close(handle)
        os.link(temporary, path)  # fails if another process made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def vapid_key(app: Flask) -> Vapid:
    """Return the desk's VAPID key, made on first use in the data folder (0600)."""
    key = app.config.get("MEJA_VAPID")
    if key is None:
        with _LOCK:
            path = app.config["MEJA_SETTINGS"].data / KEY_FILE
            if not path.exists():
                _made_once(path)
            key = Vapid.from_pem(path.read_bytes())
            app.config["MEJA_VAPID"] = key
    return key  # type: ignore[no-any-return]


def public_key(app: Flask) -> str:
    """Return the applicationServerKey: the public key, uncompressed point, base64url."""
    raw = vapid_key(app).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return bytes_to_base64url(raw)


def _deliver(key: Vapid, contact: str, subscription: Any, message: str) -> int | None:
    """Send one message; return None when taken, else the push service's status (0: none)."""
    info = {
        "endpoint": subscription["endpoint"],
        "keys": {"p256dh": subscription["p256dh"], "auth": subscription["auth"]},
    }
    try:
        webpush(
            info,
            data=message,
            vapid_private_key=key,
            vapid_claims={"sub": contact},
            ttl=TTL,
            headers={"Urgency": "high"},
            timeout=TIMEOUT,
        )
        return None
    except WebPushException as error:
        LOG.warning("notifikasi ke %s gagal: %s", info["endpoint"], error.message)
        return error.status_code or 0
    except Exception as error:  # noqa: BLE001 - a phone never stops a sign-off
        LOG.warning("notifikasi ke %s gagal: %s", info["endpoint"], error)
        return 0


def send(app: Flask, subscriptions: Sequence[Any], message: dict[str, str]) -> int:
    """Send ``message`` (title, body, url, tag) to ``push_subscriptions`` rows at once.

    Return how many the push services took. A gone subscription is deleted; every other
    failure is logged. The rows are sent to in parallel, so a push service that does not
    answer holds the caller for one ``TIMEOUT``, not one per browser.
    """
    if not subscriptions:
        return 0
    try:
        key, contact = vapid_key(app), app.config["MEJA_SETTINGS"].push_contact
    except Exception:  # noqa: BLE001 - an unreadable key is logged, the step goes on
        LOG.exception("kunci VAPID tidak dapat dibaca: notifikasi tidak dikirim")
        return 0
    text = json.dumps(message, ensure_ascii=False)
    with ThreadPoolExecutor(max_workers=min(8, len(subscriptions))) as pool:
        answers = list(pool.map(lambda row: _deliver(key, contact, row, text), subscriptions))
    gone = [
        row["endpoint"]
        for row, status in zip(subscriptions, answers, strict=True)
        if status in GONE
    ]
    if gone:
        with app.config["MEJA_STORE"].transaction() as db:
            db.executemany(
                "DELETE FROM push_subscriptions WHERE endpoint = ?",
                [(endpoint,) for endpoint in gone],
            )
        LOG.info("langganan yang sudah tidak ada dihapus: %s", ", ".join(gone))
    return answers.count(None)
