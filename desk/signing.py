"""Setujui / Tolak from a phone: the official's passkey signs; the desk only relays.

Two requests make one decision. ``prepare`` asks the gate for the pending decision
(``prepare_decision``: every refusal ``invoke approve`` makes, in the same words) and
answers with WebAuthn request options whose challenge is the SSHSIG signed-data blob of
the sign-off's canonical payload; what it prepared is kept in a ``challenges`` row (five
minutes, one use). ``finish`` takes the browser's assertion, packs it into an OpenSSH
signature and lets the gate record it (``record_decision`` verifies it fully: the key is
the person's in the signed roster, the flags, the desk's origin, the exact payload).
The decision is made again from the challenge row, never from what the browser sends,
and only the sign-off file is committed, in the official's name.

The desk cannot forge a decision: without the person's device there is no signature
the gate accepts.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from approval_gate import api

from .accounts import Account, store
from .errors import Refused
from .settings import DeskSettings

PURPOSE = "keputusan"
CHALLENGE_MINUTES = 5
WORDS = {"setuju": "Setuju", "tolak": "Tolak"}


def refused(error: api.KpuError, status: int = 409) -> Refused:
    """Return a gate refusal as the page shows it (CLI-only hints left out)."""
    hint = "" if "--" in error.hint or "invoke " in error.hint else error.hint
    message = error.message
    findings = getattr(error, "findings", ())
    if findings:
        message += " " + "; ".join(f.message for f in findings[:3])
    return Refused(message, status=status, hint=hint)


def check_role(account: Account, role: str) -> None:
    """Refuse a role this account does not hold (an official acts only for their own)."""
    if role not in api.ROLE_IDS or role not in account.roles:
        raise Refused(
            f"Anda tidak memegang peran {role!r} di meja ini; keputusan tidak dibuat.",
            status=403,
            hint="Pilih peran Anda sendiri. Bila peran Anda berubah, minta Web Admin mengubahnya.",
        )


def roster_keys(account: Account, roster: api.Roster) -> list[tuple[str, str]]:
    """Return (credential id, ssh key) of the account's passkeys that the roster holds."""
    rows = store().query("SELECT id, ssh_key FROM credentials WHERE account = ?", account.id)
    found = []
    for row in rows:
        key = api.normalise_key(row["ssh_key"])
        person = roster.person_with_key(key)
        if person is not None and person.id == account.id:
            found.append((row["id"], key))
    if not found:
        raise Refused(
            "Passkey Anda belum tercatat di roster yang ditandatangani Ketua KPU, jadi "
            "keputusan Anda belum dapat dihitung; tidak ada yang ditandatangani.",
            status=409,
            hint="Minta Web Admin mengajukan perubahan roster dan Ketua KPU menandatanganinya.",
        )
    return found


def _pending(
    ledger: api.Ledger, item: str, role: str, decision: str, note: str, key: str, moment: datetime
) -> Any:
    try:
        return api.prepare_decision(ledger, item, role, decision, note, key, moment)
    except api.KpuError as error:
        raise refused(error) from None


def asked(account: Account, sent: dict[str, Any]) -> tuple[str, str, str]:
    """Return the (role, decision, note) the page asked for, or refuse it before any work."""
    role, decision = str(sent.get("peran") or ""), str(sent.get("keputusan") or "")
    note = str(sent.get("catatan") or "").strip()
    check_role(account, role)
    if decision not in WORDS:
        raise Refused("Keputusan harus Setujui atau Tolak.", status=400)
    if decision == "tolak" and not note:
        raise Refused(
            "Penolakan wajib disertai alasan.",
            status=400,
            hint="Tuliskan alasannya di Catatan, lalu tekan Tolak lagi.",
        )
    return role, decision, note


def request_options(settings: DeskSettings, payload: bytes, credentials: list[str]) -> Any:
    """Return WebAuthn request options (JSON) whose challenge is the payload's SSHSIG blob."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import (
        PublicKeyCredentialDescriptor,
        UserVerificationRequirement,
    )

    options = generate_authentication_options(
        rp_id=settings.rp_id,
        challenge=api.sshsig_challenge(payload, api.SIGNOFF_NAMESPACE),
        timeout=CHALLENGE_MINUTES * 60 * 1000,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in credentials
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(options_to_json(options))


def keep_challenge(account: Account, data: dict[str, Any]) -> str:
    """Store what was prepared (five minutes, one use); return the challenge's id."""
    token = secrets.token_urlsafe(24)
    expires = api.now() + timedelta(minutes=CHALLENGE_MINUTES)
    with store().transaction() as db:
        db.execute("DELETE FROM challenges WHERE expires < ?", (api.now().isoformat(),))
        db.execute(
            "INSERT INTO challenges VALUES (?, ?, ?, ?, ?)",
            (token, account.id, PURPOSE, json.dumps(data), expires.isoformat()),
        )
    return token


def prepare(settings: DeskSettings, account: Account, sent: dict[str, Any]) -> dict[str, Any]:
    """Prepare one decision; return the challenge's id and the WebAuthn request options."""
    role, decision, note = asked(account, sent)
    ledger, item = open_item(settings, str(sent.get("item") or ""))
    keys = roster_keys(account, ledger.roster)
    digest = ledger.digest(item).value
    if sent.get("digest") and sent["digest"] != digest:
        raise Refused(
            "Naskah ini berubah sejak halaman dibuka; tidak ada yang ditandatangani.",
            hint="Muat ulang halaman, periksa perubahannya, lalu putuskan lagi.",
        )
    pending = _pending(ledger, item, role, decision, note, keys[0][1], ledger.now)
    credentials = [c for c, _ in keys]
    token = keep_challenge(
        account,
        {
            "item": item,
            "role": role,
            "decision": decision,
            "note": note,
            "now": ledger.now.isoformat(),
            "payload": bytes_to_base64url(pending.payload),
            "credentials": credentials,
        },
    )
    options = request_options(settings, pending.payload, credentials)
    return {"id": token, "options": options, "digest": digest}


def open_item(settings: DeskSettings, given: str) -> tuple[api.Ledger, str]:
    """Open the site's ledger and name the item as the gate does (or refuse)."""
    try:
        ledger = api.open_ledger(settings.settings_file)
        return ledger, api.existing_item(ledger.content, given)
    except api.UnknownItem as error:
        raise Refused(error.message, status=404, hint=error.hint) from None
    except api.KpuError as error:
        raise refused(error, status=500) from None


def take_challenge(account: Account, token: str) -> dict[str, Any]:
    """Return the data of the account's unexpired decision challenge, used up (one use)."""
    with store().transaction() as db:
        row = db.execute(
            "SELECT data, expires FROM challenges WHERE id = ? AND account = ? AND purpose = ?",
            (token, account.id, PURPOSE),
        ).fetchone()
        db.execute("DELETE FROM challenges WHERE id = ? AND account = ?", (token, account.id))
    if row is None or datetime.fromisoformat(row["expires"]) <= api.now():
        raise Refused(
            "Permintaan tanda tangan ini sudah dipakai atau kedaluwarsa (5 menit).",
            status=410,
            hint="Tekan tombolnya sekali lagi.",
        )
    return dict(json.loads(row["data"]))


def signature(account: Account, data: dict[str, Any], assertion: Any) -> tuple[str, str]:
    """Return (ssh key, armored SSHSIG) from the browser's assertion, or refuse it."""
    assertion = assertion if isinstance(assertion, dict) else {}
    credential = str(assertion.get("id") or "")
    row = store().one(
        "SELECT ssh_key FROM credentials WHERE id = ? AND account = ?", credential, account.id
    )
    if row is None or credential not in data["credentials"]:
        raise Refused(
            "Passkey ini bukan milik akun Anda; tidak ada yang ditandatangani.", status=403
        )
    response = assertion.get("response") or {}
    try:
        parts = [
            base64url_to_bytes(str(response[k]))
            for k in ("clientDataJSON", "authenticatorData", "signature")
        ]
        armored = api.webauthn_signature(row["ssh_key"], api.SIGNOFF_NAMESPACE, *parts)
    except (KeyError, ValueError, TypeError, AttributeError):
        raise Refused(
            "Jawaban passkey tidak lengkap atau rusak; tidak ada yang ditandatangani.",
            status=400,
            hint="Ulangi dari tombol Setujui atau Tolak.",
        ) from None
    except api.KpuError as error:
        raise refused(error, status=400) from None
    return api.normalise_key(row["ssh_key"]), armored


def finish(settings: DeskSettings, account: Account, sent: dict[str, Any]) -> Any:
    """Record the decision the passkey signed; return the gate's ``Made`` and the data."""
    data = take_challenge(account, str(sent.get("id") or ""))
    key, armored = signature(account, data, sent.get("assertion"))
    ledger, item = open_item(settings, data["item"])
    moment = datetime.fromisoformat(data["now"])
    pending = _pending(ledger, item, data["role"], data["decision"], data["note"], key, moment)
    if bytes_to_base64url(pending.payload) != data["payload"]:
        raise Refused(
            "Naskah ini berubah sejak Anda menekan tombol; tidak ada yang dicatat.",
            hint="Muat ulang halaman, periksa perubahannya, lalu putuskan lagi.",
        )
    try:
        made = api.record_decision(ledger, pending, armored)
    except api.KpuError as error:
        raise refused(error) from None
    return made, data
