"""Notifications on the phone: the service worker, subscriptions, and hand-offs (issue 14).

A person opens ``/notifikasi`` and taps "Aktifkan notifikasi": the browser asks for
permission, registers ``/sw.js`` (the service worker, at the root scope so a click can
open any desk page) and subscribes at its push service with the desk's VAPID public key
(``/api/notifikasi/kunci``); the subscription (endpoint and the browser's keys) is kept
in ``push_subscriptions`` for that account. From then on ``notify_next`` (notify.py),
called after every step, and the overdue reminders reach that browser.

``notify_next`` and ``Notice`` are re-exported here: the other pages import them from
this module. Importing it registers the reminder worker in ``server.WORKERS``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes
from flask import Blueprint, current_app, g, jsonify, render_template, request, send_from_directory

from approval_gate.api import Ledger, now

from .accounts import Account, needs, store
from .errors import Refused
from .notify import Notice, notify_next, reminders
from .vapid import public_key, send

__all__ = ["Notice", "bp", "notify_next"]

bp = Blueprint("notifikasi", __name__)
#: Most browsers one account may subscribe (a phone, a tablet, an office computer...).
MOST_PER_ACCOUNT = 10
LONGEST_ENDPOINT = 2048


def _account() -> Account:
    """Return the logged-in account, or refuse (the API answers JSON, never a redirect)."""
    account: Account | None = g.get("account")
    if account is None:
        raise Refused("Anda belum masuk ke meja.", status=401, hint="Masuk dulu, lalu ulangi.")
    return account


@bp.get("/sw.js")
def service_worker() -> Any:
    """Serve the service worker from the root, so its scope is the whole desk."""
    response = send_from_directory(bp.root_path + "/static", "sw.js", max_age=0)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/notifikasi")
@needs()
def halaman() -> Any:
    """Show the page that turns notifications on or off for this browser."""
    rows = store().query("SELECT endpoint FROM push_subscriptions WHERE account = ?", g.account.id)
    return render_template("notifikasi.html", account=g.account, jumlah=len(rows))


@bp.get("/api/notifikasi/kunci")
def kunci() -> Any:
    """Answer the desk's VAPID public key (the browser's applicationServerKey)."""
    return jsonify({"kunci": public_key(current_app)})


def _subscription(data: Any, secure: bool) -> tuple[str, str, str]:
    """Return (endpoint, p256dh, auth) of a browser's PushSubscription JSON, or refuse."""
    wrong = Refused(
        "Data langganan notifikasi dari peramban tidak lengkap atau rusak.",
        hint="Muat ulang halaman Notifikasi, lalu ketuk Aktifkan notifikasi lagi.",
    )
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise wrong
    endpoint, keys = data.get("endpoint"), data["keys"]
    if not isinstance(endpoint, str) or len(endpoint) > LONGEST_ENDPOINT:
        raise wrong
    allowed = ("https",) if secure else ("https", "http")
    # https always; plain http only while the desk itself runs on http://localhost (tests).
    if not urlsplit(endpoint).hostname or urlsplit(endpoint).scheme not in allowed:
        raise wrong
    try:
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64url_to_bytes(p256dh))
        if len(base64url_to_bytes(auth)) != 16:
            raise ValueError("auth")
    except (KeyError, ValueError, TypeError):
        raise wrong from None
    return endpoint, p256dh, auth


@bp.post("/api/notifikasi/langganan")
def langganan() -> Any:
    """Keep this browser's subscription for the logged-in account."""
    account = _account()
    settings = current_app.config["MEJA_SETTINGS"]
    endpoint, p256dh, auth = _subscription(request.get_json(silent=True), settings.secure)
    with store().transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO push_subscriptions VALUES (?, ?, ?, ?, ?)",
            (endpoint, account.id, p256dh, auth, now().isoformat()),
        )
        db.execute(  # the oldest beyond the limit go
            "DELETE FROM push_subscriptions WHERE account = ? AND endpoint NOT IN (SELECT "
            "endpoint FROM push_subscriptions WHERE account = ? ORDER BY created DESC LIMIT ?)",
            (account.id, account.id, MOST_PER_ACCOUNT),
        )
    return jsonify({"pesan": "Notifikasi aktif di perangkat ini."})


@bp.post("/api/notifikasi/berhenti")
def berhenti() -> Any:
    """Forget this browser's subscription (the person turned notifications off)."""
    account = _account()
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        raise Refused(
            "Perangkat mana yang dihentikan tidak disebutkan.",
            hint="Muat ulang halaman Notifikasi, lalu coba lagi.",
        )
    with store().transaction() as db:
        db.execute(
            "DELETE FROM push_subscriptions WHERE endpoint = ? AND account = ?",
            (endpoint, account.id),
        )
    return jsonify({"pesan": "Notifikasi dimatikan di perangkat ini."})


@bp.post("/api/notifikasi/uji")
def uji() -> Any:
    """Send a test notification to every browser of the logged-in account."""
    account = _account()
    rows = store().query("SELECT * FROM push_subscriptions WHERE account = ?", account.id)
    message = {
        "title": "Uji notifikasi Meja Persetujuan",
        "body": "Notifikasi sampai di perangkat ini.",
        "url": current_app.config["MEJA_SETTINGS"].origin + "/notifikasi",
    }
    sent = send(current_app._get_current_object(), rows, message)  # type: ignore[attr-defined]
    return jsonify({"terkirim": sent, "pesan": f"Notifikasi uji terkirim ke {sent} perangkat."})


def hand_on(item: str, ledger: Ledger | None = None) -> dict[str, Any] | None:
    """Tell whoever acts next on ``item``; return the hand-off for the page (or None).

    Called after a committed step (a naskah submitted, a decision signed). Guarded: a
    failed notification never undoes what is already committed.
    """
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        notice = notify_next(app, item, ledger)
    except Exception:  # noqa: BLE001
        current_app.logger.exception("notifikasi untuk %s gagal", item)
        return None
    return notice.as_dict() if notice is not None else None


def _register_worker() -> None:
    from .server import WORKERS

    if reminders not in WORKERS:
        WORKERS.append(reminders)


_register_worker()
