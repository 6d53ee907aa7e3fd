"""The gate's signature check is at least as strict as ``ssh-keygen -Y verify``.

Real sign-offs signed by ssh-keygen are mutated in hundreds of ways (bench/
signature_differential.py lists them) and every case is checked by both: they give the
same answer on every one, including the armor layouts ssh-keygen reads past (whitespace
inside the base64, text after the footer), which the gate reads the same way. ``python
bench/signature_differential.py --count 5000`` runs thousands.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from passkeykit import ORIGIN, RP_ID, Passkey, pack
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
    openssh_accepts,
    payload_of,
    summary,
)

from approval_gate.api import SIGNOFF_NAMESPACE, SignatureInvalid, signing_key, sshsig_challenge

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


# --- passkey (webauthn-sk-ecdsa) signatures: the gate is never more lenient ----------------

#: Refusals of the gate where ssh-keygen accepts: the passkey policy (flags, origin, frame,
#: one meaning of clientDataJSON) and a non-minimal mpint, which OpenSSH trims.
STRICTER = (
    "passkey ditandatangani tanpa verifikasi pengguna (sidik jari/kunci layar)",
    "passkey ditandatangani tanpa kehadiran pengguna",
    "passkey dibuat untuk alamat lain",
    "passkey dipakai dari dalam bingkai situs lain",
    "clientDataJSON passkey bukan JSON yang sah",
    "tanda tangan rusak: bilangan tidak kanonis",
)
PASSKEY_PRINCIPAL = "dewi@komisioner"
PASSKEY_COUNT = 160


@dataclass(frozen=True)
class PasskeyMaterial:
    """Two passkeys, the valid signatures to mutate and signatures made wrong on purpose."""

    folder: Path
    keys: dict[str, str]
    valid: list[Case]
    fixed: list[Case]


def _passkey_cases(folder: Path) -> PasskeyMaterial:
    own, other = Passkey(), Passkey()
    payload = payload_of("berita/passkey.md", "dewi")
    challenge = sshsig_challenge(payload, SIGNOFF_NAMESPACE)

    def case(kind: str, label: str, armored: str, signed: bytes = payload) -> Case:
        text = armored.encode()
        return Case(kind, label, PASSKEY_PRINCIPAL, own.public_key, signed, text, text, signed)

    def packed(**how: Any) -> str:
        extensions = how.pop("packed_extensions", None)
        origin = how.pop("packed_origin", None)
        pad_r = int(how.pop("pad_r", 0))  # type: ignore[call-overload]
        answer = own.assertion(challenge, **how)  # type: ignore[arg-type]
        return pack(
            own.public_key,
            SIGNOFF_NAMESPACE,
            answer,
            origin=origin,
            extensions=extensions,
            pad_r=pad_r,
        )  # type: ignore[arg-type]

    cbor = bytes.fromhex("a16b6372656450726f7465637401")
    valid = [
        case("asli", "passkey UP+UV", own.sign(payload)),
        case("asli", "passkey tersinkron 0x1d", own.sign(payload, flags=0x1D)),
        case("asli", "passkey dengan ekstensi", own.sign(payload, flags=0x85, extensions=cbor)),
    ]
    wrong: dict[str, dict[str, Any]] = {
        "tanpa UV": {"flags": 0x01},
        "tanpa UP": {"flags": 0x04},
        "tanpa bendera": {"flags": 0x00},
        "bendera AT": {"flags": 0x45},
        "ED tanpa ekstensi": {"flags": 0x85},
        "ekstensi tanpa ED": {"flags": 0x05, "extensions": cbor},
        "alamat lain": {"origin": "https://jahat.example"},
        "subdomain": {"origin": f"https://x.{RP_ID}"},
        "crossOrigin true": {"extra": ',"crossOrigin":true'},
        "topOrigin": {"extra": ',"topOrigin":"https://jahat.example"'},
        "origin ganda": {"extra": ',"origin":"https://jahat.example"'},
        "origin di kolom lain": {"packed_origin": "https://lain.example"},
        "kutip di origin": {"origin": 'https://meja"x', "packed_origin": 'https://meja"x'},
        "mpint tidak minimal": {"pad_r": 1},
        "webauthn.create": {"kind": "webauthn.create"},
        "rpId lain": {"rp_id": "jahat.example"},
        "clientDataJSON bukan JSON": {"extra": ",}", "packed_origin": ORIGIN},
    }
    fixed = [case("passkey-salah", label, packed(**how)) for label, how in wrong.items()]
    fixed += [
        case("passkey-salah", "payload lain", own.sign(payload + b"x")),
        case("passkey-salah", "namespace lain", own.sign(payload, "kpu-rembang-roster")),
        case("passkey-salah", "passkey orang lain", other.sign(payload)),
    ]
    return PasskeyMaterial(folder, {"own": own.public_key}, valid, fixed)


def _gate_with_origins(case: Case) -> tuple[bool, str]:
    try:
        key = signing_key(case.payload, case.armored, SIGNOFF_NAMESPACE, (ORIGIN,))
    except SignatureInvalid as error:
        return False, str(error)
    return key == case.key, "sah" if key == case.key else "kunci orang lain"


def test_the_gate_accepts_no_passkey_signature_that_ssh_keygen_refuses(
    tmp_path: Path,
) -> None:
    material = _passkey_cases(tmp_path)
    rng = random.Random(SEED)
    found = list(material.valid) + list(material.fixed)
    functions, weights = [f for f, _ in MUTATIONS], [w for _, w in MUTATIONS]
    while len(found) < PASSKEY_COUNT:
        found.append(rng.choices(functions, weights)[0](rng, rng.choice(material.valid)))
    signers = f'{PASSKEY_PRINCIPAL} namespaces="{SIGNOFF_NAMESPACE}" {material.keys["own"]}\n'
    openssh = openssh_accepts(found, tmp_path / "kasus", signers)
    outcomes = [Outcome(c, _gate_with_origins(c), o) for c, o in zip(found, openssh, strict=True)]
    lenient = [o.render() for o in outcomes if o.gate[0] and not o.openssh[0]]
    assert lenient == [], summary(outcomes)
    stricter = [o for o in outcomes if o.openssh[0] and not o.gate[0]]
    unexplained = [o.render() for o in stricter if not o.gate[1].startswith(STRICTER)]
    assert unexplained == [], summary(outcomes)
    assert all(o.gate[0] for o in outcomes if o.case.kind == "asli")
    by_label = {o.case.label: o for o in outcomes if o.case.kind == "passkey-salah"}
    assert not any(o.gate[0] for o in by_label.values())
    # What ssh-keygen lets through and only the gate refuses: the reason it checks at all.
    let_through = sorted(label for label, o in by_label.items() if o.openssh[0])
    assert let_through == sorted(
        [
            "alamat lain",
            "clientDataJSON bukan JSON",
            "crossOrigin true",
            "mpint tidak minimal",
            "origin ganda",
            "subdomain",
            "tanpa UP",
            "tanpa UV",
            "tanpa bendera",
            "topOrigin",
        ]
    ), summary(outcomes)
    # The random mutations (bit flips, lengths, truncations, layout) agree but for mpints.
    random_wrong = [
        o.render()
        for o in outcomes[len(material.valid) + len(material.fixed) :]
        if o.wrong and "kanonis" not in o.gate[1]
    ]
    assert random_wrong == [], summary(outcomes)
