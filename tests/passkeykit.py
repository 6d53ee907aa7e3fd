"""Real passkey signatures made in Python, as a browser and its authenticator make them.

A P-256 key from ``cryptography`` plays the authenticator; ``assertion`` builds the
authenticatorData and clientDataJSON that Chromium sends for ``navigator.credentials.get``
with the SSHSIG signed-data blob as the challenge, and signs them. Each part can be made
wrong on purpose (flags, origin, crossOrigin, another challenge) to test refusals.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from approval_gate.api import (
    ROSTER_NAMESPACE,
    SIGNOFF_NAMESPACE,
    sk_public_key,
    sshsig_challenge,
    webauthn_signature,
)

ORIGIN = "https://meja.kpu-rembang.example"
RP_ID = "meja.kpu-rembang.example"
#: User present and user verified: a fingerprint or screen lock.
UP_UV = 0x05


def b64url(data: bytes) -> str:
    """Return base64url without padding (WebAuthn's challenge form)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Assertion:
    """What the browser hands back: the three byte strings the desk packs."""

    client_data_json: bytes
    authenticator_data: bytes
    der_signature: bytes


@dataclass
class Passkey:
    """A passkey on a (simulated) phone: its private key never leaves this object."""

    rp_id: str = RP_ID
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    counter: int = 0

    @property
    def public_key(self) -> str:
        """The roster form of this passkey (sk-ecdsa-sha2-nistp256@openssh.com)."""
        numbers = self.private.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return sk_public_key(x, y, self.rp_id)

    def assertion(
        self,
        challenge: bytes,
        *,
        origin: str = ORIGIN,
        flags: int = UP_UV,
        client_data: bytes | None = None,
        extra: str = ',"crossOrigin":false',
        rp_id: str | None = None,
        extensions: bytes = b"",
        kind: str = "webauthn.get",
    ) -> Assertion:
        """Sign ``challenge`` as ``navigator.credentials.get`` does (Chromium's JSON order)."""
        if client_data is None:
            client_data = (
                f'{{"type":"{kind}","challenge":"{b64url(challenge)}","origin":"{origin}"{extra}}}'
            ).encode()
        self.counter += 1
        rp_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        auth = rp_hash + bytes((flags,)) + self.counter.to_bytes(4, "big") + extensions
        signed = auth + hashlib.sha256(client_data).digest()
        der = self.private.sign(signed, ec.ECDSA(hashes.SHA256()))
        return Assertion(client_data, auth, der)

    def sign(self, payload: bytes, namespace: str = SIGNOFF_NAMESPACE, **wrong: Any) -> str:
        """Return the armored SSHSIG the desk makes of this passkey's answer for ``payload``."""
        answer = self.assertion(sshsig_challenge(payload, namespace), **wrong)
        return webauthn_signature(
            self.public_key,
            namespace,
            answer.client_data_json,
            answer.authenticator_data,
            answer.der_signature,
        )


def _wire(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _mpint(value: int, pad: int = 0) -> bytes:
    return _wire(b"\0" * pad + value.to_bytes((value.bit_length() + 8) // 8, "big"))


def pack(
    public_key: str,
    namespace: str,
    answer: Assertion,
    *,
    origin: str | None = None,
    extensions: bytes | None = None,
    pad_r: int = 0,
) -> str:
    """Pack an answer as a webauthn SSHSIG by hand, without any of the desk's checks.

    For signatures the desk would never make: ``origin`` other than clientDataJSON's,
    ``extensions`` that the flags do not announce, ``pad_r`` zero bytes before r (an
    mpint that is not minimal).
    """
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(answer.der_signature)
    auth = answer.authenticator_data
    if origin is None:
        origin = json.loads(answer.client_data_json, object_pairs_hook=lambda p: dict(p[:3]))[
            "origin"
        ]
    inner = (
        _wire(b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com")
        + _wire(_mpint(r, pad_r) + _mpint(s))
        + auth[32:37]
        + _wire(origin.encode())
        + _wire(answer.client_data_json)
        + _wire(auth[37:] if extensions is None else extensions)
    )
    key = base64.b64decode(public_key.split()[1])
    blob = b"SSHSIG" + (1).to_bytes(4, "big") + _wire(key) + _wire(namespace.encode())
    blob += _wire(b"") + _wire(b"sha512") + _wire(inner)
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


def client_data(challenge: bytes, origin: str = ORIGIN, **fields: object) -> bytes:
    """Return a clientDataJSON with the expected start and ``fields`` appended."""
    head = f'{{"type":"webauthn.get","challenge":"{b64url(challenge)}","origin":"{origin}"'
    tail = "".join(f",{json.dumps(k)}:{json.dumps(v)}" for k, v in fields.items())
    return f"{head}{tail}}}".encode()


def unb64url(text: str) -> bytes:
    """Return the bytes of a base64url text (padding optional)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def browser_answer(
    passkey: Passkey, credential_id: str, options: dict[str, object], origin: str, **wrong: object
) -> dict[str, object]:
    """Return what ``meja.pakaiPasskey(options)`` sends back: the credential as JSON.

    ``options`` are the request options the desk made (``options_to_json``); the
    assertion is made over their challenge with ``origin`` (and any ``wrong`` part).
    """
    challenge = unb64url(str(options["challenge"]))
    answer = passkey.assertion(challenge, origin=origin, **wrong)  # type: ignore[arg-type]
    return {
        "id": credential_id,
        "rawId": credential_id,
        "type": "public-key",
        "clientExtensionResults": {},
        "authenticatorAttachment": "platform",
        "response": {
            "clientDataJSON": b64url(answer.client_data_json),
            "authenticatorData": b64url(answer.authenticator_data),
            "signature": b64url(answer.der_signature),
        },
    }


def enrol_in_roster(
    root: Path, keys: dict[str, list[str]], origins: list[str], anchor: Path | None = None
) -> None:
    """Add passkey keys to people of the copy's roster and the desk's origins; re-sign it.

    The roster is signed with ``anchor`` (by default the demo anchor,
    ``demo-keys/anchor-ketua``) through ``ssh-keygen -Y sign -n kpu-rembang-roster``, as
    the KPU chair signs it; nothing is committed (the caller commits).
    """
    roster = root / "approvals" / "roster.yml"
    text = roster.read_text(encoding="utf-8")
    text = re.sub(
        r"^version: (\d+)$", lambda m: f"version: {int(m[1]) + 1}", text, count=1, flags=re.M
    )
    for person, lines in keys.items():
        added = "".join(f"      - key: {key}\n" for key in lines)
        text, found = re.subn(
            rf"(  - id: {re.escape(person)}\n    name: [^\n]*\n(?:    code: [^\n]*\n)?"
            r"    keys:\n)",
            lambda m, added=added: m.group(1) + added,  # type: ignore[misc]
            text,
        )
        assert found == 1, f"{person} is not in the roster"
    shown = "".join(f"  - {origin}\n" for origin in origins)
    roster.write_text(text + f"desk_origins:\n{shown}", encoding="utf-8")
    anchor = anchor or root / "demo-keys" / "anchor-ketua"
    anchor.chmod(0o600)
    (root / "approvals" / "roster.yml.sig").unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(anchor), "-n", ROSTER_NAMESPACE, str(roster)],
        check=True,
        capture_output=True,
    )


def add_credential(store: Any, person: str, credential_id: str, key: str) -> None:
    """Record a passkey in the desk's store as enrolment would (what signing looks up)."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO credentials (id, account, cose_key, ssh_key, created) "
            "VALUES (?, ?, ?, ?, '2026-11-25T00:00:00+07:00')",
            (credential_id, person, b"", key),
        )
