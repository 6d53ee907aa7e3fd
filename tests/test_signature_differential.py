"""The gate's signature check is at least as strict as ``ssh-keygen -Y verify``.

Real sign-offs signed by ssh-keygen are mutated in hundreds of ways (bench/
signature_differential.py lists them) and every case is checked by both: they give the
same answer on every one, including the armor layouts ssh-keygen reads past (whitespace
inside the base64, text after the footer), which the gate reads the same way. ``python
bench/signature_differential.py --count 5000`` runs thousands.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from signature_differential import (
    MUTATIONS,
    Case,
    Material,
    Outcome,
    armor,
    cases,
    compare,
    dearmor,
    length_fields,
    make_material,
    summary,
)

#: Cases checked in CI (the bench runs thousands); ssh-keygen costs ~5 ms each.
COUNT = 400
SEED = 2026


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    """Keys (Ed25519 and RSA) and real ssh-keygen signatures to mutate."""
    return make_material(tmp_path_factory.mktemp("tanda-tangan"))


def _one(material: Material, case: Case) -> Outcome:
    return compare(material, [case])[0]


def test_the_gate_and_ssh_keygen_agree_on_every_mutated_sign_off(material: Material) -> None:
    outcomes = compare(material, cases(material, COUNT, SEED))
    assert len(outcomes) >= 300
    wrong = [o.render() for o in outcomes if o.wrong]
    assert wrong == [], summary(outcomes)
    kinds = Counter(o.case.kind for o in outcomes)
    assert len(kinds) == len(MUTATIONS) + 3, kinds  # every mutation, the seeds, two fixed
    assert all(o.gate[0] for o in outcomes if o.case.kind == "asli")
    # The gate is never more lenient: whatever it accepts, ssh-keygen accepts.
    assert all(o.openssh[0] for o in outcomes if o.gate[0])
    # Both refuse far more than they accept, and both accept the untouched signatures.
    accepted = sum(o.gate[0] for o in outcomes)
    assert 4 <= accepted < len(outcomes) // 4


def test_a_flipped_length_byte_is_refused_by_both(material: Material) -> None:
    original = material.valid[0]
    blob = bytearray(dearmor(original.armored))
    _, at = length_fields(bytes(blob))[-1]  # the length of the raw signature inside
    blob[at + 3] ^= 0x01
    case = Case("blob-panjang", "panjang dibalik", *_rest(original, armor(bytes(blob))))
    outcome = _one(material, case)
    assert (outcome.gate[0], outcome.openssh[0]) == (False, False), outcome.render()
    assert "tanda tangan rusak" in outcome.gate[1]


def test_a_nul_inside_the_base64_is_refused_by_both(material: Material) -> None:
    original = material.valid[0]
    lines = original.armored.split(b"\n")
    lines[2] = lines[2][:10] + b"\0" + lines[2][10:]
    case = Case("nul", "NUL di base64", *_rest(original, b"\n".join(lines)))
    outcome = _one(material, case)
    assert (outcome.gate[0], outcome.openssh[0]) == (False, False), outcome.render()
    assert outcome.gate[1] == "isi tanda tangan bukan base64 yang sah"


def test_whitespace_inside_the_base64_is_read_past_by_both(material: Material) -> None:
    original = material.valid[0]
    lines = original.armored.split(b"\n")
    lines[1] = lines[1][:20] + b" " + lines[1][20:]
    case = Case("tata-letak", "spasi", *_rest(original, b"\n".join(lines)))
    outcome = _one(material, case)
    assert (outcome.gate[0], outcome.openssh[0]) == (True, True), outcome.render()
    assert outcome.layout and not outcome.wrong


def _rest(original: Case, armored: bytes) -> tuple[str, str, bytes, bytes, bytes, bytes]:
    return (
        original.principal,
        original.key,
        original.payload,
        armored,
        original.original,
        original.original_payload,
    )


def test_the_bench_runs_as_a_script(tmp_path: Path) -> None:
    """The bench's entry point works on a small count (its own seed, its own keys)."""
    import subprocess
    import sys

    bench = Path(__file__).resolve().parent.parent / "bench" / "signature_differential.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--count", "40", "--seed", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("40 kasus, 0 beda, ")
