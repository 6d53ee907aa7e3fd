"""Logging in and enrolling with a passkey: ``/masuk``, ``/undangan/<token>``, ``/keluar``.

There are no passwords. A person enrols once through an invitation link (their phone
creates a passkey; its public key is the account's credential, and for an official also
their proposed roster key) and afterwards logs in by touching the fingerprint sensor or
unlocking the screen: the passkey is discoverable, so nobody types a name. The pages'
script is ``static/masuk.js`` (the CSP allows no inline script); the WebAuthn exchange
goes through the JSON endpoints under ``/api/masuk/`` and ``/api/undangan/``, each
answer checked against a stored one-use challenge.

Login and invitation use are rate-limited per client address (``accounts.limited``);
the admin pages ``/undangan`` and ``/roster`` are nested here as blueprints of their own
modules.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from approval_gate.api import ROLE_IDS, now

from . import accounts, invitations, roster_change
from .accounts import COOKIE, Account, find_account, limited, start_session
from .errors import Refused
from .passkeys import (
    Enrolled,
    credential_id_of,
    login_options,
    registration_options,
    save_challenge,
    take_challenge,
    verify_enrolment,
    verify_login,
)
from .settings import DeskSettings
from .store import Store

bp = Blueprint("masuk", __name__)
bp.register_blueprint(invitations.bp)
bp.register_blueprint(roster_change.bp)

#: (attempts, seconds) per client address; tests may set MEJA_LIMIT_MASUK / _UNDANGAN.
LOGIN_LIMIT = (30, 300)
INVITATION_LIMIT = (30, 900)


def _settings() -> DeskSettings:
    return current_app.config["MEJA_SETTINGS"]  # type: ignore[no-any-return]


def _limit(what: str, default: tuple[int, int]) -> None:
    most, seconds = current_app.config.get(f"MEJA_LIMIT_{what.upper()}", default)
    limited(f"{what}:{request.remote_addr}", most, seconds)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("Permintaan tidak berisi data yang diharapkan.")
    return data


def _next(given: str | None) -> str:
    """Return where to go after login: a path of this desk only, else the front page."""
    target = (given or "").rstrip("?")
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _logged_in(account: Account, target: str) -> Any:
    """Open a session for ``account`` and answer with its cookie and where to go."""
    settings = _settings()
    token, _ = start_session(account, settings.session_hours)
    answer = jsonify({"lanjut": target})
    answer.set_cookie(
        COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.secure,
        path="/",
    )
    return answer


# --- login ------------------------------------------------------------------------------------


@bp.get("/masuk")
def halaman() -> Any:
    """Show the login button (a person already logged in goes on)."""
    target = _next(request.args.get("lanjut"))
    if g.get("account") is not None:
        return redirect(target)
    return render_template("masuk.html", lanjut=target)


@bp.post("/api/masuk/mulai")
def masuk_mulai() -> Any:
    """Answer the options for a discoverable passkey and the challenge's id."""
    _limit("masuk", LOGIN_LIMIT)
    options, challenge = login_options(_settings())
    challenge_id = save_challenge(
        accounts.store(), "masuk", {"challenge": bytes_to_base64url(challenge)}, None
    )
    return jsonify({"id": challenge_id, "options": options})


@bp.post("/api/masuk/selesai")
def masuk_selesai() -> Any:
    """Verify the passkey's answer, update its counter and start the session."""
    _limit("masuk", LOGIN_LIMIT)
    data = _body()
    waiting = take_challenge(accounts.store(), data.get("id"), "masuk")
    credential = data.get("credential")
    row = accounts.store().one(
        "SELECT * FROM credentials WHERE id = ?", credential_id_of(credential)
    )
    account = find_account(row["account"]) if row else None
    if row is None or account is None:
        raise Refused(
            "Passkey ini tidak terdaftar di meja ini.",
            status=403,
            hint="Bila Anda berganti ponsel, minta Web Admin mengirim undangan baru.",
        )
    count = verify_login(_settings(), credential, base64url_to_bytes(waiting["challenge"]), row)
    with accounts.store().transaction() as db:
        db.execute("UPDATE credentials SET sign_count = ? WHERE id = ?", (count, row["id"]))
    return _logged_in(account, _next(data.get("lanjut")))


@bp.post("/keluar")
def keluar() -> Any:
    """End the session (the CSRF check of every POST has run) and go to the login page."""
    token = request.cookies.get(COOKIE)
    if token:
        accounts.end_session(token)
    answer = redirect(url_for("masuk.halaman"), code=303)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=_settings().secure)
    return answer


# --- enrolment through an invitation ---------------------------------------------------------


@bp.get("/undangan/<token>")
def undangan(token: str) -> Any:
    """Show whom the invitation is for and the button that creates the passkey."""
    _limit("undangan", INVITATION_LIMIT)
    row = invitations.waiting(accounts.store(), token)
    names = invitations.role_names(_settings())
    return render_template(
        "undangan.html",
        invitation=row,
        token=token,
        role=names.get(row["role"], row["role"]),
        official=row["role"] in ROLE_IDS,
    )


@bp.post("/api/undangan/<token>/mulai")
def undangan_mulai(token: str) -> Any:
    """Answer the creation options for the invited account and the challenge's id."""
    _limit("undangan", INVITATION_LIMIT)
    store = accounts.store()
    row = invitations.waiting(store, token)
    existing = [
        r["id"] for r in store.query("SELECT id FROM credentials WHERE account = ?", row["account"])
    ]
    options, challenge = registration_options(_settings(), row["account"], row["name"], existing)
    asked = {"challenge": bytes_to_base64url(challenge), "token": row["token_hash"]}
    challenge_id = save_challenge(store, "daftar", asked, None)
    return jsonify({"id": challenge_id, "options": options})


@bp.post("/api/undangan/<token>/selesai")
def undangan_selesai(token: str) -> Any:
    """Verify the new passkey, use the invitation, make or extend the account, log in."""
    _limit("undangan", INVITATION_LIMIT)
    settings, store, data = _settings(), accounts.store(), _body()
    row = invitations.waiting(store, token)
    waiting = take_challenge(store, data.get("id"), "daftar")
    if waiting.get("token") != row["token_hash"]:
        raise Refused("Permintaan passkey ini bukan untuk undangan ini.", status=403)
    enrolled = verify_enrolment(
        settings, data.get("credential"), base64url_to_bytes(waiting["challenge"])
    )
    since = roster_change.enrolment_day(settings) if row["role"] in ROLE_IDS else ""
    try:
        used = _enrol(store, token, enrolled, since)
    except sqlite3.IntegrityError:
        raise Refused(
            "Passkey ini sudah terdaftar di meja.",
            status=409,
            hint="Masuk saja dengan passkey itu di halaman Masuk.",
        ) from None
    account = find_account(used["account"])
    assert account is not None
    return _logged_in(account, "/")


def _enrol(store: Store, token: str, enrolled: Enrolled, since: str) -> sqlite3.Row:
    """Use the invitation and store the account, its passkey and (officials) the roster key.

    One transaction: an invitation used twice at once, or a passkey already known, leaves
    nothing behind.
    """
    with store.transaction() as db:
        used = invitations.claim(db, token)
        person = db.execute("SELECT * FROM accounts WHERE id = ?", (used["account"],)).fetchone()
        if person is None:
            db.execute(
                "INSERT INTO accounts (id, name, roles, created) VALUES (?, ?, ?, ?)",
                (used["account"], used["name"], used["role"], now().isoformat()),
            )
        else:
            roles = list(dict.fromkeys([*person["roles"].split(), used["role"]]))
            db.execute(
                "UPDATE accounts SET roles = ?, disabled = 0 WHERE id = ?",
                (" ".join(roles), used["account"]),
            )
        db.execute(
            "INSERT INTO credentials (id, account, cose_key, ssh_key, sign_count, "
            "created) VALUES (?, ?, ?, ?, ?, ?)",
            (
                enrolled.credential_id,
                used["account"],
                enrolled.cose_key,
                enrolled.ssh_key,
                enrolled.sign_count,
                now().isoformat(),
            ),
        )
        if since:
            roster_change.record_enrolment(
                db, used["account"], used["name"], used["role"], enrolled.ssh_key, since
            )
    return used
