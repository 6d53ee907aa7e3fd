"""Passkey (FIDO) keys and signatures: read and verified as OpenSSH does, then judged.

An official on the approval desk signs with a passkey: the browser's WebAuthn assertion,
whose challenge is the SSHSIG signed-data blob, is an OpenSSH signature of type
``webauthn-sk-ecdsa-sha2-nistp256@openssh.com`` by an ``sk-ecdsa-sha2-nistp256@openssh.com``
key whose application is the desk's rpId (../shared/research/passkeys-sshsig.md). The
``sshsig`` package cannot read these keys, so they are verified here with
``cryptography``, at least as strictly as OpenSSH's ``ssh-ecdsa-sk.c``: canonical mpints,
r and s in range, every field read to its last byte, the clientDataJSON starting with
exactly the text OpenSSH rebuilds from the challenge and origin, no quote in the origin,
no AD flag, extensions present exactly when the ED flag says so.

ssh-keygen stops there; it accepts a signature made without the person's finger or
screen lock, from another web origin, or inside another site's frame. The gate's policy
refuses those (``_policy``): user present and user verified flags, a clientDataJSON that
is a JSON object of type ``webauthn.get`` with exactly this challenge, ``crossOrigin``
absent or false, no ``topOrigin``, and an origin on the key's own host. Whether that
origin is one of the desk's is a roster question (``origin_refusal``), answered on every
run against the verified roster, so a cached verification never outlives the origin.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .sshwire import Fields, SignatureInvalid

SK_ECDSA = b"sk-ecdsa-sha2-nistp256@openssh.com"
WEBAUTHN_SK_ECDSA = b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com"
CURVE = b"nistp256"
#: Authenticator data flags (WebAuthn section 6.1).
USER_PRESENT, USER_VERIFIED, ATTESTED, EXTENSIONS = 0x01, 0x04, 0x40, 0x80
#: The order of P-256: r and s must lie in 1..N-1.
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_POINT_SIZE = 65  # 0x04 || X || Y

_NO_UV = "passkey ditandatangani tanpa verifikasi pengguna (sidik jari/kunci layar)"
_NO_UP = "passkey ditandatangani tanpa kehadiran pengguna"


def b64url(data: bytes) -> str:
    """Return base64url without padding, as WebAuthn writes a challenge."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _wire(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def read_sk_key(key: Fields) -> tuple[bytes, bytes]:
    """Read the rest of an sk-ecdsa key blob (after its type); return (point, application).

    The point must be uncompressed and on P-256 (OpenSSH's sshkey_ec_validate_public);
    the application is text, as OpenSSH reads it.
    """
    curve, point, application = key.text(), key.string(), key.text()
    key.done()
    if curve != CURVE:
        raise SignatureInvalid("kunci passkey bukan kurva nistp256")
    if len(point) != _POINT_SIZE or point[0] != 4:
        raise SignatureInvalid("titik kunci passkey tidak dalam bentuk tak-termampatkan")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise SignatureInvalid("titik kunci passkey tidak berada pada kurva") from None
    if not application:
        raise SignatureInvalid("kunci passkey tanpa aplikasi (rpId)")
    return point, application


def sk_key_blob(point: bytes, application: bytes) -> bytes:
    """Return the canonical blob of an sk-ecdsa-sha2-nistp256 key."""
    return _wire(SK_ECDSA) + _wire(CURVE) + _wire(point) + _wire(application)


def sk_key_line(blob: bytes) -> str:
    """Return the canonical ``type base64`` of the sk-ecdsa key ``blob``, or raise."""
    fields = Fields(blob, "kunci")
    if fields.text() != SK_ECDSA:
        raise SignatureInvalid("jenis kunci di dalamnya berbeda")
    canonical = sk_key_blob(*read_sk_key(fields))
    return f"{SK_ECDSA.decode()} {base64.b64encode(canonical).decode()}"


def _signature_values(raw: bytes) -> bytes:
    """Return the DER form of the ``mpint r || mpint s`` an sk signature holds."""
    values = Fields(raw, "tanda tangan ECDSA")
    r, s = values.mpint(), values.mpint()
    values.done()
    if not (0 < r < _N and 0 < s < _N):
        raise SignatureInvalid("tanda tangan ECDSA di luar rentang")
    return encode_dss_signature(r, s)


def _client_data_prefix(message: bytes, origin: bytes) -> bytes:
    """Return what clientDataJSON must start with (ssh-ecdsa-sk.c's webauthn check)."""
    challenge = b64url(message).encode("ascii")
    return b'{"type":"webauthn.get","challenge":"' + challenge + b'","origin":"' + origin + b'"'


def verify_sk(key: Fields, signature: Fields, message: bytes) -> tuple[bytes, str | None]:
    """Verify an sk-ecdsa signature over ``message``; return (canonical key blob, origin).

    ``origin`` is the web origin of a passkey (webauthn) signature, None for a signature
    made by ``ssh-keygen`` with a security key. The gate's policy is applied to both.
    """
    point, application = read_sk_key(key)
    sig_type, raw = signature.text(), signature.string()
    if sig_type not in (SK_ECDSA, WEBAUTHN_SK_ECDSA):
        raise SignatureInvalid("jenis tanda tangan tidak sesuai dengan kunci passkey")
    flags, counter = signature.byte(), signature.uint32()
    origin = client_data = extensions = b""
    webauthn = sig_type == WEBAUTHN_SK_ECDSA
    if webauthn:
        origin, client_data, extensions = signature.text(), signature.string(), signature.string()
    signature.done()
    der = _signature_values(raw)
    if webauthn:
        _check_webauthn(message, origin, client_data, flags, extensions)
        signed_hash = hashlib.sha256(client_data).digest()
    else:
        signed_hash = hashlib.sha256(message).digest()
    signed = b"".join(
        (
            hashlib.sha256(application).digest(),
            bytes((flags,)),
            counter.to_bytes(4, "big"),
            extensions,
            signed_hash,
        )
    )
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    try:
        public.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureInvalid("tanda tangan tidak cocok dengan isi yang ditandatangani") from None
    _flags_policy(flags)
    shown = origin.decode("utf-8", errors="replace") if webauthn else None
    if shown is not None:
        _policy(client_data, message, shown, application.decode("utf-8", errors="replace"))
    return sk_key_blob(point, application), shown


def _check_webauthn(
    message: bytes, origin: bytes, client_data: bytes, flags: int, extensions: bytes
) -> None:
    """Refuse what OpenSSH's webauthn_check_prepare_hash refuses."""
    if b'"' in origin or flags & ATTESTED or bool(flags & EXTENSIONS) != bool(extensions):
        raise SignatureInvalid("tanda tangan passkey rusak: asal atau bendera tidak sah")
    if not client_data.startswith(_client_data_prefix(message, origin)):
        raise SignatureInvalid(
            "tanda tangan passkey bukan untuk isi ini (clientDataJSON tidak memuat tantangannya)"
        )


def _flags_policy(flags: int) -> None:
    """Require the person's presence and verification (ssh-keygen does not)."""
    if not flags & USER_PRESENT:
        raise SignatureInvalid(_NO_UP)
    if not flags & USER_VERIFIED:
        raise SignatureInvalid(_NO_UV)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [name for name, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def read_client_data(raw: bytes) -> Any:
    """Return clientDataJSON parsed strictly: UTF-8, JSON, no key twice.

    OpenSSH reads the first "origin", a JSON reader the last: such a text means two things.
    """
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise SignatureInvalid("clientDataJSON passkey bukan JSON yang sah") from None


def _policy(raw: bytes, message: bytes, origin: str, application: str) -> None:
    """Apply the gate's passkey policy to a signature OpenSSH would accept."""
    data = read_client_data(raw)
    if not isinstance(data, dict) or data.get("type") != "webauthn.get":
        raise SignatureInvalid("clientDataJSON passkey bukan permintaan tanda tangan")
    if data.get("challenge") != b64url(message) or data.get("origin") != origin:
        raise SignatureInvalid("clientDataJSON passkey tidak memuat tantangan isi ini")
    if data.get("crossOrigin", False) is not False or "topOrigin" in data:
        raise SignatureInvalid(
            "passkey dipakai dari dalam bingkai situs lain (crossOrigin), bukan meja persetujuan"
        )
    try:
        host = urlsplit(origin).hostname or ""
    except ValueError:  # such as "https://[" (an unclosed IPv6 address)
        host = ""
    if host != application and not host.endswith(f".{application}"):
        raise SignatureInvalid(
            f"passkey dibuat untuk alamat lain ({origin}), bukan meja persetujuan"
        )


def origin_refusal(origin: str | None, origins: Collection[str]) -> str | None:
    """Return why a passkey signature from ``origin`` does not count, or None if it does.

    ``origins`` are the roster's ``desk_origins``; a roster without any accepts no
    passkey signature. ``origin`` None is a signature that is not a passkey's.
    """
    if origin is None or origin in origins:
        return None
    if not origins:
        return (
            f"passkey dari {origin} tidak dihitung karena roster tidak mencantumkan "
            "alamat meja persetujuan (desk_origins)"
        )
    return f"passkey dibuat untuk alamat lain ({origin}), bukan meja persetujuan"


def origin_problem(text: str) -> str | None:
    """Return what is wrong with ``text`` as a desk origin in the roster, or None.

    An origin is written exactly as a browser puts it in clientDataJSON (lower case, no
    default port, no slash at the end): ``https://host[:port]``, or
    ``http://localhost[:port]`` for tests on one machine.
    """
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return "bukan alamat web"
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.username is not None:
        return "harus berbentuk https://nama-host"
    if parts.scheme == "http" and host != "localhost":
        return "passkey hanya bekerja di https:// (atau http://localhost untuk uji)"
    if parts.path or parts.query or parts.fragment:
        return "alamat asal tidak boleh memuat jalur (termasuk '/' di akhir), ?kueri atau #bagian"
    default = {"https": 443, "http": 80}[parts.scheme]
    shown = f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")
    if shown != text:
        return f"tulis persis {shown!r}, seperti peramban menuliskannya"
    return None
