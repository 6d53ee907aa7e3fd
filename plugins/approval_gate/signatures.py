"""OpenSSH signatures (SSHSIG): in-process verification, signing through ssh-keygen.

Verification runs in-process with the ``sshsig`` package, because the build checks
thousands of sign-offs and a subprocess each would dominate the build time. ``sshsig``
checks only the cryptography; the namespace and the hash algorithm (the spec allows
sha256 and sha512 only) are enforced here. Whether the key may sign for a role at a
given moment is a roster question, answered in ``rules.py``.

Signing goes through ``ssh-keygen -Y sign`` so that keys in ssh-agent and
passphrase-protected keys work exactly as the approvers know them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import tempfile
from pathlib import Path

from sshsig import PublicKey
from sshsig.sshsig import InvalidSignature, SshsigSignature, do_sshsig_verify

from .errors import SigningError

SIGNOFF_NAMESPACE = "kpu-rembang-persetujuan"
ROSTER_NAMESPACE = "kpu-rembang-roster"
#: Commits changing the site's code are signed in git's own namespace (``git commit -S``).
GIT_NAMESPACE = "git"
#: The publication archive's records are signed by the publishing machine.
ARCHIVE_NAMESPACE = "kpu-rembang-arsip"
_HASHES = frozenset({b"sha256", b"sha512"})


class SignatureInvalid(ValueError):
    """The signature does not prove what it claims; the message is Indonesian."""


def normalise_key(text: str) -> str:
    """Return ``type base64`` of an OpenSSH public key line, or raise ``ValueError``."""
    parts = text.split()
    if len(parts) < 2:
        raise ValueError(f"bukan kunci publik OpenSSH: {text!r}")
    try:
        key = PublicKey.from_openssh_str(f"{parts[0]} {parts[1]}")
    except (ValueError, NotImplementedError) as error:
        raise ValueError(f"kunci publik tidak dapat dibaca ({error}): {text[:40]!r}") from None
    return key.openssh_str()


def fingerprint(key: str) -> str:
    """Return the ``SHA256:...`` fingerprint that ``ssh-keygen -l`` shows for ``key``."""
    blob = base64.b64decode(key.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def signing_key(payload: bytes, armored: str, namespace: str) -> str:
    """Return the public key (``type base64``) whose valid signature this is, or raise."""
    try:
        outer = SshsigSignature.from_armored(armored)
    except (ValueError, NotImplementedError, UnicodeError) as error:
        raise SignatureInvalid(f"tanda tangan tidak dapat dibaca ({error})") from None
    if outer.namespace != namespace.encode():
        used = outer.namespace.decode(errors="replace")
        raise SignatureInvalid(
            f"tanda tangan dibuat untuk keperluan lain ({used!r}, seharusnya {namespace!r})"
        )
    if outer.hash_algo not in _HASHES:
        raise SignatureInvalid(f"algoritma hash {outer.hash_algo!r} tidak diizinkan")
    try:
        result = do_sshsig_verify(outer, io.BytesIO(payload), namespace)
    except (ValueError, NotImplementedError) as error:
        raise SignatureInvalid(f"tanda tangan tidak sah ({error})") from None
    if isinstance(result, (InvalidSignature, NotImplementedError, ValueError)):
        raise SignatureInvalid("tanda tangan tidak cocok dengan isi yang ditandatangani")
    return result.openssh_str()


def sign_with_ssh_keygen(payload: bytes, key_file: Path, namespace: str) -> str:
    """Sign ``payload`` with ``ssh-keygen -Y sign`` and return the armored signature.

    ``key_file`` may be a private key (ssh-keygen asks for its passphrase on the
    terminal) or a public key whose private half is loaded in ssh-agent.
    """
    with tempfile.TemporaryDirectory(prefix="kpu-sign-") as tmp:
        message = Path(tmp) / "payload"
        message.write_bytes(payload)
        try:
            done = subprocess.run(
                [
                    "ssh-keygen",
                    "-q",
                    "-Y",
                    "sign",
                    "-f",
                    str(key_file),
                    "-n",
                    namespace,
                    str(message),
                ],
                capture_output=True,
                check=False,
            )
        except FileNotFoundError:
            raise SignatureInvalid(
                "program ssh-keygen tidak ditemukan; pasang paket openssh-client"
            ) from None
        signature = message.with_name("payload.sig")
        if done.returncode != 0 or not signature.is_file():
            detail = done.stderr.decode(errors="replace").strip()
            raise SignatureInvalid(f"ssh-keygen gagal menandatangani: {detail}")
        return signature.read_text()


def generate_key(target: Path, comment: str, passphrase: bool = True) -> str:
    """Make a new ed25519 key pair at ``target`` with ``ssh-keygen``; return the public key.

    Never overwrites: an existing key is somebody's identity. Without ``passphrase``
    the key is unprotected (tests and automation only); otherwise ssh-keygen asks.
    """
    if target.exists():
        raise SigningError(
            f"Kunci sudah ada: {target}. Tidak ditimpa; pakai --file untuk lokasi lain."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    command = ["ssh-keygen", "-q", "-t", "ed25519", "-f", str(target), "-C", comment]
    if not passphrase:
        command += ["-N", ""]
    try:
        made = subprocess.run(command, check=False).returncode == 0
    except FileNotFoundError:
        made = False
    if not made:
        raise SigningError("ssh-keygen gagal membuat kunci.")
    return normalise_key(Path(f"{target}.pub").read_text())
