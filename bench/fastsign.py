"""In-process SSHSIG signing with ``cryptography``, for generating benchmark data only.

The project signs through ``ssh-keygen -Y sign`` (so agents and passphrases work); a
benchmark that needs 20,000 signatures would spend minutes starting processes, so it
signs here. The output is byte-for-byte the SSHSIG format and verifies with
``ssh-keygen -Y verify``.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sshsig.sshsig import ssh_enarmor_sshsig


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class FastSigner:
    """An Ed25519 OpenSSH private key that signs SSHSIG payloads in-process."""

    def __init__(self, key_file: Path) -> None:
        key = serialization.load_ssh_private_key(key_file.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self.key = key
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_blob = _string(b"ssh-ed25519") + _string(raw)

    def sign(self, payload: bytes, namespace: str) -> str:
        """Return the armored SSHSIG signature of ``payload`` in ``namespace``."""
        digest = hashlib.sha512(payload).digest()
        to_sign = (
            b"SSHSIG"
            + _string(namespace.encode())
            + _string(b"")
            + _string(b"sha512")
            + _string(digest)
        )
        raw_sig = self.key.sign(to_sign)
        sig_blob = _string(b"ssh-ed25519") + _string(raw_sig)
        blob = (
            b"SSHSIG"
            + struct.pack(">I", 1)
            + _string(self.public_blob)
            + _string(namespace.encode())
            + _string(b"")
            + _string(b"sha512")
            + _string(sig_blob)
        )
        return ssh_enarmor_sshsig(blob)
