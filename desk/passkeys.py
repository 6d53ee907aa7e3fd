"""Passkeys on the desk: enrolment and login with py_webauthn, and one-use challenges.

A passkey here is more than a login: its public key becomes an OpenSSH
``sk-ecdsa-sha2-nistp256@openssh.com`` key of the person in the roster (the application
is the desk's rpId), so the same passkey later signs sign-offs that ``ssh-keygen -Y
verify`` accepts. That is why enrolment asks for ES256 only (P-256 is the one curve an
OpenSSH webauthn key has), a discoverable credential (login without typing a name) and
user verification (fingerprint or screen lock: the gate refuses a signature without it).
Attestation is ``none``: nothing here proves the key lives in a phone; trust comes from
the roster the chair signs.

Every challenge is stored in ``challenges`` for five minutes and deleted when answered,
so an answer can be used once only, by the request that asked for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, decode_credential_public_key
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from approval_gate.api import now

from .errors import Refused
from .settings import DeskSettings
from .store import Store, new_token

LOG = logging.getLogger("meja")
RP_NAME = "Meja Persetujuan KPU Kabupaten Rembang"
#: How long the browser has to answer a challenge.
CHALLENGE_MINUTES = 5
#: COSE: key type EC2 is 2, curve P-256 is 1 (RFC 9053).
_EC2, _P256 = 2, 1


@dataclass(frozen=True)
class Enrolled:
    """A verified new passkey: its id, COSE key, OpenSSH key and counter."""

    credential_id: str
    cose_key: bytes
    ssh_key: str
    sign_count: int


def user_handle(account: str) -> bytes:
    """Return the WebAuthn user handle of ``account`` (opaque, stable, 32 bytes)."""
    return hashlib.sha256(f"meja-persetujuan:{account}".encode()).digest()


# --- challenges: stored, one use, five minutes -----------------------------------------------


def save_challenge(store: Store, purpose: str, data: dict[str, Any], account: str | None) -> str:
    """Store a challenge and what it is for; return the id handed to the browser."""
    challenge_id = new_token()
    moment = now()
    with store.transaction() as db:
        db.execute("DELETE FROM challenges WHERE expires < ?", (moment.isoformat(),))
        db.execute(
            "INSERT INTO challenges (id, account, purpose, data, expires) VALUES (?, ?, ?, ?, ?)",
            (
                challenge_id,
                account,
                purpose,
                json.dumps(data),
                (moment + timedelta(minutes=CHALLENGE_MINUTES)).isoformat(),
            ),
        )
    return challenge_id


def take_challenge(store: Store, challenge_id: Any, purpose: str) -> dict[str, Any]:
    """Return the data of a waiting challenge and delete it (it works once), or refuse."""
    with store.transaction() as db:
        row = db.execute(
            "SELECT data, expires FROM challenges WHERE id = ? AND purpose = ?",
            (str(challenge_id), purpose),
        ).fetchone()
        db.execute("DELETE FROM challenges WHERE id = ?", (str(challenge_id),))
    if row is None or datetime.fromisoformat(row["expires"]) <= now():
        raise Refused(
            "Permintaan passkey ini sudah kedaluwarsa atau sudah dipakai.",
            status=400,
            hint="Tekan tombolnya sekali lagi.",
        )
    data: dict[str, Any] = json.loads(row["data"])
    return data


# --- enrolment --------------------------------------------------------------------------------


def registration_options(
    settings: DeskSettings, account: str, name: str, existing: list[str]
) -> tuple[dict[str, Any], bytes]:
    """Return the creation options (JSON-ready) for ``account`` and their challenge."""
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=RP_NAME,
        user_name=account,
        user_id=user_handle(account),
        user_display_name=name,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in existing
        ],
        supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256],
    )
    return json.loads(options_to_json(options)), options.challenge


def verify_enrolment(settings: DeskSettings, credential: Any, challenge: bytes) -> Enrolled:
    """Verify the browser's new passkey and return it with its OpenSSH key, or refuse."""
    from approval_gate.api import sk_public_key

    credential_id_of(credential)  # a JSON object with its id, or refused plainly
    try:
        made = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            require_user_verification=True,
            supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256],
        )
        key = decode_credential_public_key(made.credential_public_key)
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise _refused("Passkey tidak dapat didaftarkan", error) from None
    if (getattr(key, "kty", None), getattr(key, "crv", None)) != (_EC2, _P256):
        raise Refused(
            "Passkey ini bukan kunci P-256, jadi tidak dapat menjadi kunci tanda tangan OpenSSH.",
            hint="Pakai passkey bawaan ponsel (Android atau iPhone).",
        )
    x, y = key.x, key.y  # type: ignore[union-attr]
    return Enrolled(
        bytes_to_base64url(made.credential_id),
        made.credential_public_key,
        sk_public_key(x, y, settings.rp_id),
        made.sign_count,
    )


# --- login ------------------------------------------------------------------------------------


def login_options(settings: DeskSettings) -> tuple[dict[str, Any], bytes]:
    """Return request options for a discoverable passkey (no name typed) and the challenge."""
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(options_to_json(options)), options.challenge


def credential_id_of(credential: Any) -> str:
    """Return the credential id the browser answered with (base64url), or refuse."""
    if not isinstance(credential, dict) or not isinstance(credential.get("rawId"), str):
        raise Refused("Jawaban passkey dari peramban tidak lengkap.", hint="Coba lagi.")
    return str(credential["rawId"])


def verify_login(settings: DeskSettings, credential: Any, challenge: bytes, row: Any) -> int:
    """Verify a login answer against the stored credential ``row``; return the new counter."""
    handle = (credential.get("response") or {}).get("userHandle")
    if handle and handle != bytes_to_base64url(user_handle(row["account"])):
        raise Refused("Passkey ini tidak cocok dengan akunnya.", status=403)
    try:
        done = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            credential_public_key=bytes(row["cose_key"]),
            credential_current_sign_count=int(row["sign_count"]),
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise _refused("Masuk dengan passkey gagal", error, status=403) from None
    return int(done.new_sign_count)


def _refused(what: str, error: Exception, *, status: int = 400) -> Refused:
    """Say a py_webauthn refusal in Indonesian (its English detail goes to the server log)."""
    LOG.warning("%s: %s", what, error)
    return Refused(
        f"{what}: jawaban perangkat tidak sah.",
        status=status,
        hint="Pastikan meja dibuka lewat alamat resminya, lalu coba lagi.",
    )
