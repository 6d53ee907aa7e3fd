"""The quick Ed25519 path (``signatures._ed25519_quick``) answers as the wire reader does.

A cold ``invoke status`` verifies 20,000 sign-offs; the blob ssh-keygen writes with an
Ed25519 key is taken without the wire reader's objects when it matches that layout
byte for byte, and anything else goes the long way. Every case of the mutation bench
(bit flips, lengths, truncations, swapped fields, other namespaces, edited payloads)
must get the same answer, in the same words, with the quick path and without it.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from signature_differential import Material, cases, dearmor, gate_accepts, make_material

from approval_gate.api import SIGNOFF_NAMESPACE, verify_signature

signatures: Any = sys.modules["approval_gate.signatures"]


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    return make_material(tmp_path_factory.mktemp("quick"))


def test_the_quick_path_gives_every_case_the_answer_and_words_of_the_wire_reader(
    material: Material, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = cases(material, 400, 31)
    taken = []
    quick = signatures._ed25519_quick

    def counted(blob: bytes, payload: bytes, namespace: str) -> Any:
        answer = quick(blob, payload, namespace)
        taken.append(answer is not None)
        return answer

    monkeypatch.setattr(signatures, "_ed25519_quick", counted)
    fast = [gate_accepts(case) for case in found]
    monkeypatch.setattr(signatures, "_ed25519_quick", lambda *_: None)
    slow = [gate_accepts(case) for case in found]
    assert fast == slow
    assert any(taken) and not all(taken)  # both ways were really taken
    assert any(ok for ok, _ in fast) and not all(ok for ok, _ in fast)


def test_a_blob_only_near_the_layout_goes_the_long_way(material: Material) -> None:
    """A changed byte in the layout's fixed parts, or one byte more, is never quick."""
    case = cases(material, 1, 5)[0]
    payload, armored = case.original_payload, case.original  # the valid one
    blob = dearmor(armored)
    assert signatures._ed25519_quick(blob, payload, SIGNOFF_NAMESPACE) is not None
    head, middle, key_at, sig_at = signatures._LAYOUTS[SIGNOFF_NAMESPACE]
    fixed = [*range(key_at), *range(key_at + 32, sig_at)]
    for at in fixed:
        bent = blob[:at] + bytes([blob[at] ^ 1]) + blob[at + 1 :]
        assert signatures._ed25519_quick(bent, payload, SIGNOFF_NAMESPACE) is None, at
    assert signatures._ed25519_quick(blob + b"\0", payload, SIGNOFF_NAMESPACE) is None
    assert signatures._ed25519_quick(blob[:-1], payload, SIGNOFF_NAMESPACE) is None
    # another namespace has its own layout: this blob is not quick there
    assert signatures._ed25519_quick(blob, payload, "kpu-rembang-roster") is None
    assert verify_signature(payload, armored, SIGNOFF_NAMESPACE).key == case.key
