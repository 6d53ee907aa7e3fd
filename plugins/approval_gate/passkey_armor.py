"""Packing a passkey's WebAuthn answer as the OpenSSH signature ssh-keygen verifies.

The approval desk only relays: the browser signs the SSHSIG signed-data blob of a
decision as its WebAuthn challenge (``sshsig_challenge``), and the desk packs the
authenticator's answer, byte for byte, into an armored SSHSIG of type
``webauthn-sk-ecdsa-sha2-nistp256@openssh.com`` (``webauthn_signature``) that the gate
and ``ssh-keygen -Y verify`` check. Enrolment turns the passkey's P-256 public key into
the roster's key form (``sk_public_key``). Nothing here trusts what it packs: the
result is verified like any other signature (record_decision in decide.py).
"""

from __future__ import annotations

import base64
import hashlib
import textwrap

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .passkeys import (
    EXTENSIONS,
    SK_ECDSA,
    WEBAUTHN_SK_ECDSA,
    read_client_data,
    read_sk_key,
    sk_key_blob,
)
from .signatures import SignatureInvalid, normalise_key, signed_data
from .sshwire import Fields

#: authenticatorData: rpIdHash (32), flags (1), counter (4), then extensions if ED is set.
_FLAGS_AT = 32
_HEAD = 37
_ARMOR_WIDTH = 70  # ssh-keygen's line length


def _wire(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _mpint(value: int) -> bytes:
    return _wire(value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b"")


def sshsig_challenge(payload: bytes, namespace: str) -> bytes:
    """Return the SSHSIG signed-data blob of ``payload``: a passkey's WebAuthn challenge."""
    return signed_data(payload, namespace, b"sha512")


def sk_public_key(x: bytes, y: bytes, application: str) -> str:
    """Return the roster form (``sk-ecdsa-sha2-nistp256@openssh.com AAAA...``) of a passkey.

    ``x`` and ``y`` are the P-256 coordinates (32 bytes each, from the COSE key or the
    SPKI); ``application`` is the WebAuthn rpId. A point off the curve is a ValueError.
    """
    if len(x) != 32 or len(y) != 32:
        raise ValueError("koordinat kunci passkey harus 32 bita")
    point = b"\x04" + x + y
    blob = sk_key_blob(point, application.encode("utf-8"))
    key = f"{SK_ECDSA.decode()} {base64.b64encode(blob).decode()}"
    return normalise_key(key)  # checks the point is on the curve


def armor(blob: bytes) -> str:
    """Return ``blob`` armored as ssh-keygen writes a signature (base64 at 70 columns)."""
    body = "\n".join(textwrap.wrap(base64.b64encode(blob).decode("ascii"), _ARMOR_WIDTH))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"


def _origin(client_data_json: bytes) -> bytes:
    """Return the origin the browser wrote into clientDataJSON."""
    try:
        origin = read_client_data(client_data_json).get("origin")
    except SignatureInvalid:
        raise
    except AttributeError:
        origin = None
    if not isinstance(origin, str) or not origin:
        raise SignatureInvalid("clientDataJSON passkey tidak memuat asal (origin)")
    return origin.encode("utf-8")


def webauthn_signature(
    public_key: str,
    namespace: str,
    client_data_json: bytes,
    authenticator_data: bytes,
    der_signature: bytes,
) -> str:
    """Return the armored SSHSIG a passkey's WebAuthn assertion amounts to.

    ``client_data_json`` and ``authenticator_data`` are the browser's raw bytes (never
    re-serialised: they are what was signed) and ``der_signature`` its ASN.1 ECDSA
    signature. Refuses (``SignatureInvalid``) an assertion that cannot be one for
    ``public_key``: another key type, another rpId, or malformed authenticator data.
    """
    fields = Fields(base64.b64decode(normalise_key(public_key).split()[1]), "kunci")
    if fields.text() != SK_ECDSA:
        raise SignatureInvalid("kunci ini bukan kunci passkey (sk-ecdsa-sha2-nistp256)")
    point, application = read_sk_key(fields)
    data = authenticator_data
    if len(data) < _HEAD or data[:32] != hashlib.sha256(application).digest():
        raise SignatureInvalid("data autentikator passkey bukan untuk alamat meja ini")
    flags = data[_FLAGS_AT]
    extensions = data[_HEAD:] if flags & EXTENSIONS else b""
    if len(data) != _HEAD + len(extensions):
        raise SignatureInvalid("data autentikator passkey memuat bagian yang tidak dikenal")
    try:
        r, s = decode_dss_signature(der_signature)
        if r <= 0 or s <= 0:
            raise ValueError("negative")
    except ValueError:
        raise SignatureInvalid("tanda tangan passkey bukan ECDSA DER yang sah") from None
    inner = b"".join(
        (
            _wire(WEBAUTHN_SK_ECDSA),
            _wire(_mpint(r) + _mpint(s)),
            bytes((flags,)),
            data[_FLAGS_AT + 1 : _HEAD],
            _wire(_origin(client_data_json)),
            _wire(client_data_json),
            _wire(extensions),
        )
    )
    blob = b"".join(
        (
            b"SSHSIG",
            (1).to_bytes(4, "big"),
            _wire(sk_key_blob(point, application)),
            _wire(namespace.encode("utf-8")),
            _wire(b""),
            _wire(b"sha512"),
            _wire(inner),
        )
    )
    return armor(blob)
