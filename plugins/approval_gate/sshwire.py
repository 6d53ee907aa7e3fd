"""OpenSSH's wire format and signature armor, read exactly as OpenSSH reads them.

The gate's verdict on a signature must be the one ``ssh-keygen -Y verify`` gives (the
documented independent audit), so the armor and the base64 inside it are decoded with
OpenSSH's own rules (``sshsig_dearmor``, ``b64_pton``) and wire fields are read to their
last byte with every shortfall a refusal. Verification itself is ``signatures.py``.
"""

from __future__ import annotations

import binascii
import re

_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
_HEADER = f"{_BEGIN}\n".encode()
_FOOTER = f"\n{_END}".encode()


class SignatureInvalid(ValueError):
    """The signature does not prove what it claims; the message is Indonesian."""


class Fields:
    """Reads SSH wire fields (RFC 4251) from one blob; every shortfall is a refusal."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.at, self.what = data, 0, what

    def _fail(self, problem: str) -> SignatureInvalid:
        return SignatureInvalid(f"tanda tangan rusak: {problem} ({self.what})")

    def uint32(self) -> int:
        """Read a 32-bit big-endian number."""
        if len(self.data) - self.at < 4:
            raise self._fail("terpotong")
        value = int.from_bytes(self.data[self.at : self.at + 4], "big")
        self.at += 4
        return value

    def byte(self) -> int:
        """Read one byte (a passkey signature's flags)."""
        if self.at >= len(self.data):
            raise self._fail("terpotong")
        self.at += 1
        return self.data[self.at - 1]

    def string(self) -> bytes:
        """Read a length-prefixed string; a length past the blob's end is a refusal."""
        size = self.uint32()
        if size > len(self.data) - self.at:
            raise self._fail("panjang kolom melebihi isinya")
        value = self.data[self.at : self.at + size]
        self.at += size
        return value

    def text(self) -> bytes:
        """Read a text field: as OpenSSH's sshbuf_get_cstring, a NUL only as the last byte."""
        value = self.string()
        if b"\0" in value[:-1]:
            raise self._fail("karakter NUL di dalam teks")
        return value[:-1] if value.endswith(b"\0") else value

    def mpint(self) -> int:
        """Read a non-negative multiple-precision integer in its one canonical form."""
        value = self.string()
        if value and (value[0] & 0x80 or (value[0] == 0 and len(value) > 1 and value[1] < 0x80)):
            raise self._fail("bilangan tidak kanonis")
        return int.from_bytes(value, "big")

    def done(self) -> None:
        """Refuse bytes left over after the last field."""
        if self.at != len(self.data):
            raise self._fail(f"{len(self.data) - self.at} bita sisa di akhir")


_SPACE = frozenset(b" \t\n\v\f\r")  # C's isspace()
_SPACE_BYTES = bytes(sorted(_SPACE))
_B64_RUN = re.compile(rb"[A-Za-z0-9+/]*")  # the base64 alphabet


def b64_pton(text: bytes) -> bytes:
    """Decode base64 exactly as OpenSSH's ``b64_pton`` does, or raise.

    Whitespace is skipped anywhere; padding must be complete and only whitespace may
    follow it; the bits past the last full byte must be zero (no hidden channel).
    """
    at = text.find(b"=")
    at = len(text) if at < 0 else at
    chars = text[:at].translate(None, _SPACE_BYTES)  # every byte up to the first "="
    if _B64_RUN.fullmatch(chars) is None:
        raise SignatureInvalid("isi tanda tangan bukan base64 yang sah")
    state = len(chars) % 4
    if at < len(text):  # a pad character
        at += 1
        if state in (0, 1):
            raise SignatureInvalid("isi tanda tangan bukan base64 yang sah")
        if state == 2:  # one byte of information: a second "=" must follow
            while at < len(text) and text[at] in _SPACE:
                at += 1
            if at >= len(text) or text[at] != ord("="):
                raise SignatureInvalid("isi tanda tangan bukan base64 yang sah")
            at += 1
        if any(byte not in _SPACE for byte in text[at:]):
            raise SignatureInvalid("isi tanda tangan bukan base64 yang sah")
    elif state:
        raise SignatureInvalid("isi tanda tangan bukan base64 yang sah")
    body = bytes(chars) + b"=" * ((4 - state) % 4)
    blob = binascii.a2b_base64(body)
    if binascii.b2a_base64(blob, newline=False) != body:  # bits past the last byte
        raise SignatureInvalid("isi tanda tangan bukan base64 yang sah")
    return blob


def dearmor(armored: str | bytes) -> bytes:
    """Return the SSHSIG blob of an armored signature, read as ``sshsig_dearmor`` reads it.

    The header (with its newline) must open the text; the body ends at the first
    newline followed by the footer, and anything after the footer is ignored; a NUL is
    allowed only as the body's last byte; the body is decoded by ``b64_pton``. Reading
    exactly as OpenSSH does is what makes the gate and ``ssh-keygen -Y verify`` agree on
    every signature (tests/test_signature_differential.py).
    """
    data = armored.encode("utf-8", "surrogateescape") if isinstance(armored, str) else armored
    if not data.startswith(_HEADER):
        raise SignatureInvalid(f"tanda tangan harus diawali {_BEGIN}")
    body = data[len(_HEADER) :]
    end = body.find(_FOOTER)
    if end < 0:
        raise SignatureInvalid(f"tanda tangan harus diakhiri {_END}")
    body = body[:end]
    nul = body.find(b"\0")
    if nul >= 0:
        if nul != len(body) - 1:
            raise SignatureInvalid("isi tanda tangan bukan base64 yang sah")
        body = body[:-1]
    return b64_pton(body)
