"""Ed25519 through libsodium (PyNaCl) answers as OpenSSL (``cryptography``) and ssh-keygen.

The gate checks Ed25519 signatures with libsodium since the fourth round of issue 12
(44 us a check instead of 76 us, 20,000 times on a cold ``invoke status`` at 5,000
items). Every case of the mutation bench (valid, tampered payload, other namespace,
another key, bit flips, lengths, truncations, layout) gets the same answer, with the
same words, from libsodium and from the OpenSSL check it replaced, and ssh-keygen
agrees. The only differences are where libsodium is stricter: a small-order key (which
any signature "verifies" under) and a non-canonical S; neither comes from a real signer.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from signature_differential import (
    Case,
    Material,
    armor,
    blob_of,
    cases,
    dearmor,
    fields_of,
    gate_accepts,
    make_material,
    openssh_accepts,
)

from approval_gate.api import SIGNOFF_NAMESPACE, SignatureInvalid, verify_signature

#: The module whose Ed25519 check is swapped for OpenSSL's (loaded by the API above).
signatures: Any = sys.modules["approval_gate.signatures"]

COUNT = 300
SEED = 12
#: The order of the Ed25519 base point.
L = 2**252 + 27742317777372353535851937790883648493


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    return make_material(tmp_path_factory.mktemp("ed25519"))


def _openssl_open(signed: bytes, public: bytes) -> bytes:
    """Stand in for ``crypto_sign_open`` with the OpenSSL check the gate used before."""
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signed[:64], signed[64:])
    except InvalidSignature:
        from nacl.exceptions import BadSignatureError

        raise BadSignatureError("signature was forged or corrupt") from None
    return signed[64:]


def _answers(found: list[Case]) -> list[tuple[bool, str]]:
    return [gate_accepts(case) for case in found]


def test_libsodium_and_openssl_give_the_same_answer_and_words_on_every_case(
    material: Material, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = cases(material, COUNT, SEED)
    sodium = _answers(found)
    monkeypatch.setattr(signatures, "crypto_sign_open", _openssl_open)
    openssl = _answers(found)
    differ = [
        f"{case.kind} {case.label}: {a} / {b}"
        for case, a, b in zip(found, sodium, openssl, strict=True)
        if a != b
    ]
    assert differ == []
    kinds = {case.kind for case, answer in zip(found, sodium, strict=True) if not answer[0]}
    assert {"namespace", "kunci-lain", "payload"} <= kinds  # refused for each reason
    assert sum(answer[0] for answer in sodium) >= 4  # the untouched signatures pass


def test_ssh_keygen_agrees_with_libsodium_on_ed25519_cases(material: Material) -> None:
    found = [case for case in cases(material, 120, SEED + 1) if case.key.startswith("ssh-ed25519")]
    signers = "".join(
        f'{case.principal} namespaces="{SIGNOFF_NAMESPACE}" {case.key}\n'
        for case in {case.principal: case for case in found}.values()
        if case.principal != "luar@komisioner"
    )
    openssh = openssh_accepts(found, material.folder / "ssh-keygen", signers)
    gate = _answers(found)
    wrong = [
        f"{case.kind} {case.label}: {g} / {o}"
        for case, g, o in zip(found, gate, openssh, strict=True)
        if g[0] != o[0]
    ]
    assert wrong == []


def _with_signature(case: Case, raw: bytes | None = None, public: bytes | None = None) -> bytes:
    """Return ``case``'s armored signature with its raw signature or public key replaced."""
    fields = fields_of(dearmor(case.armored))
    key = fields[1]
    if public is not None:
        key = key[:-32] + public
    sig = fields[5]
    if raw is not None:
        sig = sig[:-64] + raw
    return armor(blob_of([fields[0], key, fields[2], fields[3], fields[4], sig]))


def _ed25519_case(material: Material) -> Case:
    return next(case for case in material.valid if case.key.startswith("ssh-ed25519"))


@pytest.mark.parametrize("check", ["sodium", "openssl"])
def test_a_non_canonical_s_is_refused_by_both_checks(
    material: Material, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    """S + L verifies with OpenSSH's ref10 code; both libraries refuse it, with one text."""
    if check == "openssl":
        monkeypatch.setattr(signatures, "crypto_sign_open", _openssl_open)
    case = _ed25519_case(material)
    raw = fields_of(dearmor(case.armored))[5][-64:]
    s = int.from_bytes(raw[32:], "little") + L
    armored = _with_signature(case, raw=raw[:32] + s.to_bytes(32, "little"))
    with pytest.raises(SignatureInvalid) as refused:
        verify_signature(case.payload, armored, SIGNOFF_NAMESPACE)
    assert str(refused.value) == "tanda tangan tidak cocok dengan isi yang ditandatangani"


def test_a_small_order_key_is_refused_where_openssl_accepted_it(
    material: Material, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The neutral point as key, R neutral, S = 0 "verifies" any message under OpenSSL.

    Nobody's key is the neutral point; a roster naming it would let anyone sign. The gate
    now refuses it, with the words of any other mismatch.
    """
    case = _ed25519_case(material)
    neutral = (1).to_bytes(32, "little")
    armored = _with_signature(case, raw=neutral + bytes(32), public=neutral)
    with pytest.raises(SignatureInvalid) as refused:
        verify_signature(case.payload, armored, SIGNOFF_NAMESPACE)
    assert str(refused.value) == "tanda tangan tidak cocok dengan isi yang ditandatangani"
    monkeypatch.setattr(signatures, "crypto_sign_open", _openssl_open)
    signed = verify_signature(case.payload, armored, SIGNOFF_NAMESPACE)
    assert (
        signed.key.split()[1]
        == base64.b64encode(b"\0\0\0\x0bssh-ed25519\0\0\0\x20" + neutral).decode()
    )


def test_the_gate_imports_libsodium_for_ed25519() -> None:
    assert signatures.crypto_sign_open.__module__.startswith("nacl")


def test_the_dependency_is_declared() -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"pynacl>=' in text
