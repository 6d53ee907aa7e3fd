"""OpenSSH signatures (SSHSIG): in-process verification, signing through ssh-keygen.

Verification runs in-process, because the build checks thousands of sign-offs and a
subprocess each would dominate the build time. It is at least as strict as
``ssh-keygen -Y verify`` (OpenSSH's ``sshsig.c``), which is the documented independent
audit, and ``tests/test_signature_differential.py`` runs both over hundreds of mutated
sign-offs: they agree on every one. The armor is read as OpenSSH reads it (header, body
up to the footer, base64 by ``b64_pton``: whitespace skipped, exact padding, zero
trailing bits; the sign-off file's own layout is checked by records.py); the SSHSIG
blob, the key inside it and the signature inside it must each be read to their last
byte, with no field left over or cut short; text fields hold no NUL; the
signature's type must match the key's (Ed25519, or RSA with rsa-sha2-256/512 and at
least 1024 bits); the hash is sha256 or sha512 only; the namespace is exact. Whether the
key may sign for a role at a given moment is a roster question, answered in ``rules.py``.

Signing goes through ``ssh-keygen -Y sign`` so that keys in ssh-agent and
passphrase-protected keys work exactly as the approvers know them.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

from .errors import SigningError
from .passkeys import SK_ECDSA, origin_refusal, sk_key_line, verify_sk
from .sshwire import Fields, SignatureInvalid, dearmor

SIGNOFF_NAMESPACE = "kpu-rembang-persetujuan"
ROSTER_NAMESPACE = "kpu-rembang-roster"
#: Commits changing the site's code are signed in git's own namespace (``git commit -S``).
GIT_NAMESPACE = "git"
#: The publication archive's records are signed by the publishing machine.
ARCHIVE_NAMESPACE = "kpu-rembang-arsip"
_MAGIC = b"SSHSIG"
#: OpenSSH reads SSHSIG versions up to 1 (and 0, which nothing writes) the same way.
_MAX_VERSION = 1
_HASHES = {b"sha256": hashlib.sha256, b"sha512": hashlib.sha512}
_RSA_HASHES = {b"rsa-sha2-256": hashes.SHA256, b"rsa-sha2-512": hashes.SHA512}
_RSA_MIN_BITS = 1024
_ED25519 = b"ssh-ed25519"
_RSA = b"ssh-rsa"


def normalise_key(text: str) -> str:
    """Return ``type base64`` of an OpenSSH public key line, or raise ``ValueError``."""
    parts = text.split()
    if len(parts) < 2:
        raise ValueError(f"bukan kunci publik OpenSSH: {text!r}")
    if parts[0] == SK_ECDSA.decode():
        try:
            return sk_key_line(base64.b64decode(parts[1], validate=True))
        except ValueError as error:  # binascii.Error and SignatureInvalid are ValueErrors
            raise ValueError(f"kunci publik tidak dapat dibaca ({error}): {text[:40]!r}") from None
    from sshsig import PublicKey  # with OpenSSH's key formats: only when a key is read

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


@dataclass(frozen=True)
class _Sshsig:
    """The fields of an SSHSIG blob (PROTOCOL.sshsig)."""

    key_blob: bytes
    namespace: bytes
    reserved: bytes
    hash_algo: bytes
    signature: bytes


def _parse(blob: bytes) -> _Sshsig:
    fields = Fields(blob, "SSHSIG")
    if blob[: len(_MAGIC)] != _MAGIC:
        raise SignatureInvalid("tanda tangan rusak: bukan SSHSIG")
    fields.at = len(_MAGIC)
    version = fields.uint32()
    if version > _MAX_VERSION:
        raise SignatureInvalid(f"versi SSHSIG {version} tidak dikenal")
    parsed = _Sshsig(
        fields.string(), fields.text(), fields.string(), fields.text(), fields.string()
    )
    fields.done()
    return parsed


def _ed25519(key: Fields, sig_type: bytes, raw: bytes, message: bytes) -> bytes:
    """Verify an Ed25519 signature; return the key's canonical blob.

    Through libsodium (PyNaCl): 44 us a check against OpenSSL's 76 us (``cryptography``),
    20,000 times on a cold run. libsodium is stricter than OpenSSH's ref10 code, never
    more lenient (it also refuses small-order keys and points and a non-canonical S,
    which no real key or signer makes); ``tests/test_signature_ed25519.py`` checks it
    against ``cryptography`` and ``ssh-keygen -Y verify``.
    """
    public = key.string()
    key.done()
    if sig_type != _ED25519 or len(public) != 32 or len(raw) != 64:
        raise SignatureInvalid("jenis atau panjang tanda tangan Ed25519 tidak sesuai")
    try:
        crypto_sign_open(raw + message, public)
    except CryptoError:  # BadSignatureError: the caller's one refusal for a mismatch
        raise InvalidSignature from None
    return _wire(_ED25519) + _wire(public)


def _rsa(key: Fields, sig_type: bytes, raw: bytes, message: bytes) -> bytes:
    """Verify an RSA signature (rsa-sha2-256/512 only, as sshsig.c); return the key blob."""
    exponent, modulus = key.mpint(), key.mpint()
    key.done()
    size = (modulus.bit_length() + 7) // 8
    if sig_type not in _RSA_HASHES or modulus.bit_length() < _RSA_MIN_BITS:
        raise SignatureInvalid("jenis tanda tangan RSA atau panjang kunci tidak diizinkan")
    if len(raw) > size:
        raise SignatureInvalid("tanda tangan RSA lebih panjang dari kuncinya")
    public = rsa.RSAPublicNumbers(exponent, modulus).public_key()
    public.verify(raw.rjust(size, b"\0"), message, padding.PKCS1v15(), _RSA_HASHES[sig_type]())
    return _wire(_RSA) + _mpint(exponent) + _mpint(modulus)


@dataclass(frozen=True)
class Signed:
    """Who validly signed: the key (``type base64``) and, for a passkey, its web origin."""

    key: str
    origin: str | None = None


def _verify(key_blob: bytes, signature: bytes, message: bytes) -> Signed:
    """Check ``signature`` over ``message`` with the key in ``key_blob``.

    Returns the key as ``type base64`` of its canonical encoding, the form the roster
    holds (OpenSSH compares keys by their parsed material, not by the bytes sent).
    """
    key = Fields(key_blob, "kunci")
    key_type = key.text()
    sig = Fields(signature, "tanda tangan")
    if key_type == SK_ECDSA:  # a passkey: more fields after the signature (passkeys.py)
        canonical, origin = verify_sk(key, sig, message)
        return Signed(sk_key_line(canonical), origin)
    sig_type, raw = sig.text(), sig.string()
    sig.done()
    check = _CHECKS.get(key_type)
    if check is None:
        shown = key_type.decode("ascii", errors="replace")
        raise SignatureInvalid(f"jenis kunci {shown!r} tidak didukung")
    try:
        canonical = check(key, sig_type, raw, message)
    except SignatureInvalid:
        raise
    except (InvalidSignature, ValueError):
        raise SignatureInvalid("tanda tangan tidak cocok dengan isi yang ditandatangani") from None
    return Signed(_key_line(key_type, canonical))


_CHECKS: dict[bytes, Callable[[Fields, bytes, bytes, bytes], bytes]] = {
    _ED25519: _ed25519,
    _RSA: _rsa,
}
#: Key lines by canonical blob: a site's thousands of sign-offs come from a few keys.
_KEY_LINES: dict[tuple[bytes, bytes], str] = {}


def _key_line(key_type: bytes, canonical: bytes) -> str:
    """Return ``type base64`` of a verified key, made once per key (a pure function)."""
    line = _KEY_LINES.get((key_type, canonical))
    if line is None:
        line = f"{key_type.decode('ascii')} {base64.b64encode(canonical).decode()}"
        if len(_KEY_LINES) < 1024:  # bounded: a folder of one-off keys cannot grow it
            _KEY_LINES[key_type, canonical] = line
    return line


def signed_data(payload: bytes, namespace: str, hash_algo: bytes = b"sha512") -> bytes:
    """Return the SSHSIG blob that is really signed for ``payload`` (PROTOCOL.sshsig).

    ``"SSHSIG" || namespace || "" || hash algorithm || H(payload)``: what ssh-keygen signs,
    and the whole WebAuthn challenge of a passkey signature.
    """
    hasher = _HASHES.get(hash_algo)
    if hasher is None:
        raise SignatureInvalid(f"algoritma hash {hash_algo!r} tidak diizinkan")
    return b"".join(
        (
            _MAGIC,
            _wire(namespace.encode()),
            _wire(b""),
            _wire(hash_algo),
            _wire(hasher(payload).digest()),
        )
    )


def verify_signature(payload: bytes, armored: str | bytes, namespace: str) -> Signed:
    """Return who validly signed ``payload`` in ``namespace``, or raise ``SignatureInvalid``.

    Refuses everything ``ssh-keygen -Y verify -n namespace`` refuses (see the module's
    docstring), and a passkey signature that breaks the gate's policy (passkeys.py)
    except for its origin, which is the roster's to judge (``origin_refusal``).
    """
    blob = dearmor(armored)
    quick = _ed25519_quick(blob, payload, namespace)
    if quick is not None:
        return quick
    outer = _parse(blob)
    if outer.namespace != namespace.encode():
        used = outer.namespace.decode(errors="replace")
        raise SignatureInvalid(
            f"tanda tangan dibuat untuk keperluan lain ({used!r}, seharusnya {namespace!r})"
        )
    message = signed_data(payload, namespace, outer.hash_algo)
    return _verify(outer.key_blob, outer.signature, message)


#: Per namespace: the bytes around the key and the signature of an Ed25519 SSHSIG blob
#: as ssh-keygen writes it (version 1, no reserved bytes, SHA-512), and their places.
_LAYOUTS: dict[str, tuple[bytes, bytes, int, int]] = {}


def _ed25519_quick(blob: bytes, payload: bytes, namespace: str) -> Signed | None:
    """``verify_signature`` for the blob ssh-keygen writes with an Ed25519 key, else None.

    A blob equal, byte for byte, to that layout around its key and signature is read
    by ``_parse`` and ``_verify`` to exactly these fields, so the one check left is the
    signature's (same function, same refusal); any other blob (None) takes their way.
    Without the wire reader's objects: about 9 of 72 us a sign-off, 20,000 a cold run.
    """
    layout = _LAYOUTS.get(namespace)
    if layout is None:
        size = (1).to_bytes(4, "big") + (51).to_bytes(4, "big")  # version, key blob's size
        head = _MAGIC + size + _wire(_ED25519) + (32).to_bytes(4, "big")
        middle = _wire(namespace.encode()) + _wire(b"") + _wire(b"sha512")
        middle += (83).to_bytes(4, "big") + _wire(_ED25519) + (64).to_bytes(4, "big")
        layout = (head, middle, len(head), len(head) + 32 + len(middle))
        if len(_LAYOUTS) < 16:
            _LAYOUTS[namespace] = layout
    head, middle, key_at, sig_at = layout
    if len(blob) != sig_at + 64 or not blob.startswith(head):
        return None
    if blob[key_at + 32 : sig_at] != middle:
        return None
    message = signed_data(payload, namespace, b"sha512")
    try:
        crypto_sign_open(blob[sig_at:] + message, blob[key_at : key_at + 32])
    except (CryptoError, ValueError):  # as ``_verify`` refuses what ``_ed25519`` raises
        raise SignatureInvalid("tanda tangan tidak cocok dengan isi yang ditandatangani") from None
    return Signed(_key_line(_ED25519, blob[len(_MAGIC) + 8 : key_at + 32]))


def signing_key(
    payload: bytes, armored: str | bytes, namespace: str, origins: Collection[str] = ()
) -> str:
    """Return the public key (``type base64``) whose valid signature this is, or raise.

    Refuses everything ``ssh-keygen -Y verify -n namespace`` refuses, and a passkey
    signature whose policy fails or whose origin is not one of ``origins`` (the roster's
    ``desk_origins``; none by default: no passkey counts where nobody said which desk);
    never raises anything but ``SignatureInvalid``.
    """
    signed = verify_signature(payload, armored, namespace)
    refused = origin_refusal(signed.origin, origins)
    if refused is not None:
        raise SignatureInvalid(refused)
    return signed.key


def _wire(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _mpint(value: int) -> bytes:
    """Return ``value`` as an SSH mpint (RFC 4251): minimal, a 0 byte before a high bit."""
    return _wire(value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b"")


class KeyRefused(SignatureInvalid):
    """ssh-keygen could not use the key; the message names the key and what to do."""


def sign_with_ssh_keygen(payload: bytes, key_file: Path, namespace: str) -> str:
    """Sign ``payload`` with ``ssh-keygen -Y sign`` and return the armored signature.

    ``key_file`` may be a private key (ssh-keygen asks for its passphrase on the
    terminal) or a public key whose private half is loaded in ssh-agent. A refusal is
    ``KeyRefused`` with ssh-keygen's words in Indonesian (keyfiles.py).
    """
    with tempfile.TemporaryDirectory(prefix="kpu-sign-") as tmp:
        message = Path(tmp) / "payload"
        message.write_bytes(payload)
        args = ["-q", "-Y", "sign", "-f", str(key_file), "-n", namespace, str(message)]
        signature = message.with_name("payload.sig")
        _ssh_keygen(args, key_file, "menandatangani", KeyRefused, signature, capture_output=True)
        return signature.read_text()


#: What a person reads when OpenSSH's ssh-keygen is not installed.
_NO_SSH_KEYGEN = (
    "Program ssh-keygen tidak ditemukan; pasang OpenSSH (Debian/Ubuntu: paket "
    "openssh-client; Windows: fitur opsional OpenSSH Client), lalu ulangi."
)


def _ssh_keygen(
    args: list[str],
    key: Path,
    doing: str,
    refused: Callable[[str], Exception] = SigningError,
    made: Path | None = None,
    **run: Any,
) -> bytes:
    """Run ``ssh-keygen args`` and return its output; a failure raises ``refused``.

    Whatever ssh-keygen was asked to do (``doing``), its absence and its refusals read
    the same: in Indonesian, naming ``key`` and what to do (keyfiles.py). A run that
    should have written ``made`` and did not has failed, whatever its exit code.
    """
    from .keyfiles import explain_ssh_keygen  # with OpenSSH's key formats: only when used

    try:
        done = subprocess.run(["ssh-keygen", *args], check=False, **run)
    except FileNotFoundError:
        raise refused(_NO_SSH_KEYGEN) from None
    if done.returncode != 0 or (made is not None and not made.is_file()):
        detail = done.stderr.decode(errors="replace")
        raise refused(explain_ssh_keygen(detail, key, doing, done.returncode))
    return done.stdout or b""


def public_key_from_private(key_file: Path) -> str:
    """Return the public key of a private key file without a ``.pub`` (``ssh-keygen -y``).

    ssh-keygen asks for the passphrase of a protected key; a refusal is a
    ``SigningError`` in Indonesian naming the key file.
    """
    args = ["-y", "-f", str(key_file)]
    public = _ssh_keygen(args, key_file, "membaca kunci publik", capture_output=True)
    return normalise_key(public.decode(errors="replace"))


def generate_key(target: Path, comment: str, passphrase: bool = True) -> str:
    """Make a new ed25519 key pair at ``target`` with ``ssh-keygen``; return the public key.

    Never overwrites: an existing key is somebody's identity. Without ``passphrase``
    the key is unprotected (tests and automation only); otherwise ssh-keygen asks (on
    the terminal: only its error output is read, to say a refusal in Indonesian).
    """
    if target.exists():
        raise SigningError(
            f"Kunci sudah ada: {target}. Tidak ditimpa; pakai --file untuk lokasi lain."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SigningError(
            f"Folder {target.parent} tidak dapat dibuat ({error.strerror or error}); "
            "tidak ada kunci yang dibuat.",
            hint="Pilih lokasi lain dengan --file.",
        ) from None
    args = ["-q", "-t", "ed25519", "-f", str(target), "-C", comment]
    if not passphrase:
        args += ["-N", ""]
    _ssh_keygen(args, target, "membuat kunci", stderr=subprocess.PIPE)  # prompts on the terminal
    return normalise_key(Path(f"{target}.pub").read_text())
