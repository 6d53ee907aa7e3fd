"""Passkey sign-offs: the gate counts a phone's signature only as the SOP means it.

A passkey answer (WebAuthn assertion over the SSHSIG blob) is made in Python as Chromium
and a phone authenticator make it (tests/passkeykit.py), packed by the gate's own
``webauthn_signature`` as the approval desk packs it, and checked by the gate and by
plain ``ssh-keygen -Y verify`` with the allowed-signers file the project exports. The
gate must accept what the desk makes with a finger on the phone, and refuse what
ssh-keygen lets through: no user presence or verification, another origin, another
site's frame, a roster that names no desk.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Page

from approval_gate.api import (
    ROLE_IDS,
    SIGNOFF_NAMESPACE,
    Ledger,
    PendingDecision,
    RosterError,
    SignatureInvalid,
    SigningError,
    allowed_signers,
    canonical_payload,
    fingerprint,
    normalise_key,
    open_ledger,
    prepare_decision,
    record_decision,
    signing_key,
    sshsig_challenge,
    verify_signature,
    webauthn_signature,
)
from passkeykit import ORIGIN, RP_ID, Passkey, b64url, client_data, pack
from sitekit import NOW, PEOPLE, REPO, Site, roster_text

ITEM = "berita/rapat.md"
LAST = ROLE_IDS[-1]
OFFICIAL = PEOPLE[LAST]  # signs with a passkey on the desk
PAYLOAD = b'kpu-rembang-persetujuan-v1\nitem: "berita/rapat.md"\n'
NO_UV = "passkey ditandatangani tanpa verifikasi pengguna (sidik jari/kunci layar)"
NO_UP = "passkey ditandatangani tanpa kehadiran pengguna"
ELSEWHERE = "passkey dibuat untuk alamat lain ({}), bukan meja persetujuan"
FRAME = "passkey dipakai dari dalam bingkai situs lain (crossOrigin), bukan meja persetujuan"


@pytest.fixture(scope="module")
def passkey() -> Passkey:
    """The official's passkey, bound to the desk's rpId."""
    return Passkey()


def ssh_keygen_verify(
    folder: Path, key: str, payload: bytes, armored: str, principal: str = "dewi@komisioner"
) -> tuple[bool, str]:
    """Run the documented audit: ``ssh-keygen -Y verify`` with an allowed-signers line."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "allowed").write_text(f'{principal} namespaces="{SIGNOFF_NAMESPACE}" {key}\n')
    (folder / "tt.sig").write_text(armored)
    done = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(folder / "allowed"), "-I", principal]
        + ["-n", SIGNOFF_NAMESPACE, "-s", str(folder / "tt.sig")],
        input=payload,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")


def refusal(payload: bytes, armored: str, origins: tuple[str, ...] = (ORIGIN,)) -> str:
    """Return the gate's reason for refusing, or fail if it accepts."""
    with pytest.raises(SignatureInvalid) as refused:
        signing_key(payload, armored, SIGNOFF_NAMESPACE, origins)
    return str(refused.value)


# --- one signature, the gate and ssh-keygen ----------------------------------------------


def test_a_passkey_signature_from_the_desk_counts_and_ssh_keygen_agrees(
    passkey: Passkey, tmp_path: Path
) -> None:
    armored = passkey.sign(PAYLOAD)
    assert signing_key(PAYLOAD, armored, SIGNOFF_NAMESPACE, (ORIGIN,)) == passkey.public_key
    assert verify_signature(PAYLOAD, armored, SIGNOFF_NAMESPACE).origin == ORIGIN
    good, said = ssh_keygen_verify(tmp_path, passkey.public_key, PAYLOAD, armored)
    assert good, said
    assert f"with ECDSA-SK key {fingerprint(passkey.public_key)}" in said
    lines = armored.splitlines()
    assert lines[0] == "-----BEGIN SSH SIGNATURE-----" and lines[-1].startswith("-----END")
    assert {len(line) for line in lines[1:-2]} == {70}  # wrapped as ssh-keygen wraps


def test_synced_passkeys_with_backup_flags_and_extensions_count(
    passkey: Passkey, tmp_path: Path
) -> None:
    """A passkey synced between phones sets the backup flags (0x18); extensions are signed."""
    synced = passkey.sign(PAYLOAD, flags=0x1D)
    assert signing_key(PAYLOAD, synced, SIGNOFF_NAMESPACE, (ORIGIN,)) == passkey.public_key
    cbor = bytes.fromhex("a16b6372656450726f7465637401")  # {"credProtect": 1}
    extended = passkey.sign(PAYLOAD, flags=0x85, extensions=cbor)
    assert signing_key(PAYLOAD, extended, SIGNOFF_NAMESPACE, (ORIGIN,)) == passkey.public_key
    assert ssh_keygen_verify(tmp_path, passkey.public_key, PAYLOAD, extended)[0]


POLICY = [
    ("tanpa-UV", {"flags": 0x01}, NO_UV),
    ("tanpa-UP", {"flags": 0x04}, NO_UP),
    ("tanpa-keduanya", {"flags": 0x00}, NO_UP),
    ("alamat-lain", {"origin": "https://meja.jahat.example"}, ELSEWHERE),
    ("subdomain", {"origin": f"https://x.{RP_ID}"}, ELSEWHERE),
    ("lintas-situs", {"extra": ',"crossOrigin":true'}, FRAME),
    ("bingkai", {"extra": ',"crossOrigin":false,"topOrigin":"https://jahat.example"'}, FRAME),
]


@pytest.mark.parametrize(("what", "wrong", "reason"), POLICY, ids=[p[0] for p in POLICY])
def test_what_ssh_keygen_lets_through_the_gate_refuses(
    passkey: Passkey, tmp_path: Path, what: str, wrong: dict[str, Any], reason: str
) -> None:
    """The flags and the origin sit inside the signed bytes; only the gate reads them."""
    armored = passkey.sign(PAYLOAD, **wrong)
    assert ssh_keygen_verify(tmp_path, passkey.public_key, PAYLOAD, armored)[0]
    origin = str(wrong.get("origin", ""))
    assert refusal(PAYLOAD, armored) == reason.format(origin)


def test_a_second_origin_in_client_data_is_refused(passkey: Passkey, tmp_path: Path) -> None:
    """OpenSSH reads the first "origin", JSON readers the last: the gate takes neither."""
    challenge = sshsig_challenge(PAYLOAD, SIGNOFF_NAMESPACE)
    answer = passkey.assertion(challenge, extra=',"origin":"https://jahat.example"')
    with pytest.raises(SignatureInvalid, match="clientDataJSON passkey bukan JSON yang sah"):
        webauthn_signature(
            passkey.public_key,
            SIGNOFF_NAMESPACE,
            answer.client_data_json,
            answer.authenticator_data,
            answer.der_signature,
        )
    armored = pack(passkey.public_key, SIGNOFF_NAMESPACE, answer, origin=ORIGIN)
    assert ssh_keygen_verify(tmp_path, passkey.public_key, PAYLOAD, armored)[0]
    assert refusal(PAYLOAD, armored) == "clientDataJSON passkey bukan JSON yang sah"


HOSTILE = [
    ("json-dalam", {"extra": ',"x":' + "[" * 20000 + "]" * 20000}, "bukan JSON yang sah"),
    ("ipv6-rusak", {"origin": "https://["}, "passkey dibuat untuk alamat lain (https://[)"),
    ("bukan-utf8", {"extra": ',"x":"\udcff"'}, "bukan JSON yang sah"),
]


@pytest.mark.parametrize(("what", "wrong", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_passkey_signature_is_refused_never_a_crash(
    passkey: Passkey, what: str, wrong: dict[str, Any], says: str
) -> None:
    """Anyone can make a valid signature with a key of their own: its text must not hurt."""
    challenge = sshsig_challenge(PAYLOAD, SIGNOFF_NAMESPACE)
    made = client_data(challenge, wrong.get("origin", ORIGIN)).decode()[:-1]
    raw = (made + wrong.get("extra", "") + "}").encode("utf-8", "surrogateescape")
    answer = passkey.assertion(challenge, client_data=raw)
    armored = pack(
        passkey.public_key, SIGNOFF_NAMESPACE, answer, origin=wrong.get("origin", ORIGIN)
    )
    assert says in refusal(PAYLOAD, armored)


def test_a_signature_over_another_payload_is_refused_by_both(
    passkey: Passkey, tmp_path: Path
) -> None:
    armored = passkey.sign(PAYLOAD)
    other = PAYLOAD.replace(b"rapat", b"rapaT")
    assert refusal(other, armored) == (
        "tanda tangan passkey bukan untuk isi ini (clientDataJSON tidak memuat tantangannya)"
    )
    good, said = ssh_keygen_verify(tmp_path, passkey.public_key, other, armored)
    assert not good and "invalid format" in said


def test_a_signature_in_another_namespace_is_refused_by_both(
    passkey: Passkey, tmp_path: Path
) -> None:
    armored = passkey.sign(PAYLOAD, namespace="kpu-rembang-roster")
    assert refusal(PAYLOAD, armored) == (
        "tanda tangan dibuat untuk keperluan lain ('kpu-rembang-roster', seharusnya "
        "'kpu-rembang-persetujuan')"
    )
    assert not ssh_keygen_verify(tmp_path, passkey.public_key, PAYLOAD, armored)[0]


def test_a_registration_answer_is_not_a_signature(passkey: Passkey) -> None:
    armored = passkey.sign(PAYLOAD, kind="webauthn.create")
    assert "clientDataJSON tidak memuat tantangannya" in refusal(PAYLOAD, armored)


def test_every_flipped_bit_of_the_signed_parts_is_refused(passkey: Passkey) -> None:
    """A bit flipped in the flags, counter or clientDataJSON never verifies.

    (The rpIdHash is not sent: the gate hashes the key's own application.)
    """
    answer = passkey.assertion(sshsig_challenge(PAYLOAD, SIGNOFF_NAMESPACE))
    parts = {
        "clientDataJSON": answer.client_data_json,
        "authenticatorData": answer.authenticator_data,
    }
    start = {"clientDataJSON": 0, "authenticatorData": 32}
    refused = 0
    for name, original in parts.items():
        for at in range(start[name], len(original), 3):  # bounded: every 3rd byte, one bit
            flipped = bytearray(original)
            flipped[at] ^= 1 << (at % 8)
            changed = dataclasses.replace(answer, **{_field(name): bytes(flipped)})
            try:
                armored = pack(passkey.public_key, SIGNOFF_NAMESPACE, changed)
            except (ValueError, KeyError):
                refused += 1  # no longer JSON with an origin: not even packable
                continue
            with pytest.raises(SignatureInvalid):
                signing_key(PAYLOAD, armored, SIGNOFF_NAMESPACE, (ORIGIN,))
            refused += 1
    assert refused > 40


def _field(name: str) -> str:
    return {"clientDataJSON": "client_data_json", "authenticatorData": "authenticator_data"}[name]


def test_without_desk_origins_no_passkey_signature_counts(passkey: Passkey) -> None:
    armored = passkey.sign(PAYLOAD)
    assert refusal(PAYLOAD, armored, ()) == (
        f"passkey dari {ORIGIN} tidak dihitung karena roster tidak mencantumkan alamat meja "
        "persetujuan (desk_origins)"
    )
    assert refusal(PAYLOAD, armored, ("https://meja-lama.example",)) == ELSEWHERE.format(ORIGIN)


def test_the_desk_refuses_to_pack_an_answer_for_another_site(passkey: Passkey) -> None:
    challenge = sshsig_challenge(PAYLOAD, SIGNOFF_NAMESPACE)
    answer = passkey.assertion(challenge, rp_id="jahat.example")
    with pytest.raises(SignatureInvalid, match="bukan untuk alamat meja ini"):
        webauthn_signature(
            passkey.public_key,
            SIGNOFF_NAMESPACE,
            answer.client_data_json,
            answer.authenticator_data,
            answer.der_signature,
        )


def test_the_challenge_is_the_sshsig_blob_and_chromium_order_is_kept(passkey: Passkey) -> None:
    challenge = sshsig_challenge(PAYLOAD, SIGNOFF_NAMESPACE)
    assert challenge.startswith(b"SSHSIG") and len(challenge) == 92 + len(SIGNOFF_NAMESPACE)
    made = client_data(challenge, other_keys_can_be_added_here="do not compare")
    answer = passkey.assertion(challenge, client_data=made)
    armored = pack(passkey.public_key, SIGNOFF_NAMESPACE, answer)
    assert signing_key(PAYLOAD, armored, SIGNOFF_NAMESPACE, (ORIGIN,)) == passkey.public_key
    assert f'"challenge":"{b64url(challenge)}"'.encode() in made


def _security_key_signature(passkey: Passkey, payload: bytes, flags: int) -> str:
    """Return a plain sk-ecdsa SSHSIG, as ``ssh-keygen -Y sign`` makes it with a FIDO key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    def wire(value: bytes) -> bytes:
        return len(value).to_bytes(4, "big") + value

    def mpint(value: int) -> bytes:
        return wire(value.to_bytes((value.bit_length() + 8) // 8, "big"))

    blob = sshsig_challenge(payload, SIGNOFF_NAMESPACE)
    head = hashlib.sha256(RP_ID.encode()).digest() + bytes((flags,)) + (9).to_bytes(4, "big")
    der = passkey.private.sign(head + hashlib.sha256(blob).digest(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    inner = wire(b"sk-ecdsa-sha2-nistp256@openssh.com") + wire(mpint(r) + mpint(s)) + head[32:]
    outer = b"SSHSIG" + (1).to_bytes(4, "big") + wire(_key_blob(passkey.public_key))
    outer += wire(SIGNOFF_NAMESPACE.encode()) + wire(b"") + wire(b"sha512") + wire(inner)
    text = base64.b64encode(outer).decode()
    body = "\n".join(text[i : i + 70] for i in range(0, len(text), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"


def test_a_security_key_signature_counts_with_presence_and_verification(
    passkey: Passkey, tmp_path: Path
) -> None:
    """``ssh-keygen -Y sign`` with a FIDO key: no origin, the same flags rule."""
    armored = _security_key_signature(passkey, PAYLOAD, 0x05)
    assert ssh_keygen_verify(tmp_path, passkey.public_key, PAYLOAD, armored)[0]
    assert signing_key(PAYLOAD, armored, SIGNOFF_NAMESPACE) == passkey.public_key
    assert verify_signature(PAYLOAD, armored, SIGNOFF_NAMESPACE).origin is None
    touched = _security_key_signature(passkey, PAYLOAD, 0x01)  # no PIN: ssh-keygen's default
    assert ssh_keygen_verify(tmp_path, passkey.public_key, PAYLOAD, touched)[0]
    assert refusal(PAYLOAD, touched) == NO_UV
    assert refusal(PAYLOAD + b"x", armored) == (
        "tanda tangan tidak cocok dengan isi yang ditandatangani"
    )


# --- keys ----------------------------------------------------------------------------------


def _key_blob(public: str) -> bytes:
    return base64.b64decode(public.split()[1])


def _sk_line(blob: bytes) -> str:
    return f"sk-ecdsa-sha2-nistp256@openssh.com {base64.b64encode(blob).decode()}"


def test_passkey_keys_read_as_ssh_keygen_reads_them(passkey: Passkey, tmp_path: Path) -> None:
    line = passkey.public_key
    assert normalise_key(f"{line} komentar") == line
    (tmp_path / "k.pub").write_text(line + "\n")
    shown = subprocess.run(
        ["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True, text=True, check=True
    )
    assert shown.stdout.split()[1] == fingerprint(line)
    blob = _key_blob(line)
    point_at = blob.index(b"\x04", 50)
    off_curve = bytearray(blob)
    off_curve[point_at + 64] ^= 1
    wrong_curve = blob.replace(b"nistp256", b"nistp384")
    for broken in (bytes(off_curve), wrong_curve, blob + b"\0", blob[:-3]):
        with pytest.raises(ValueError, match="kunci publik tidak dapat dibaca"):
            normalise_key(_sk_line(broken))


# --- the roster: desk_origins and passkey keys ---------------------------------------------


def passkey_roster(site: Site, key: str, origins: str = f"[{ORIGIN}]", revoked: str = "") -> str:
    """The test roster with ``key`` as a second key of the official, and the desk's origins."""
    text = roster_text(site.keys)
    own = f"      - key: {site.keys.public(OFFICIAL)}\n"
    extra = f"        revoked: {revoked}\n" if revoked else ""
    text = text.replace(own, f"{own}      - key: {key}\n{extra}")
    return text + (f"desk_origins: {origins}\n" if origins else "")


def gate_status(site: Site) -> subprocess.CompletedProcess[str]:
    """Run ``invoke status`` on the site, a real child process."""
    command = [sys.executable, "-m", "invoke", "-r", str(REPO), "status"]
    command += ["--settings", str(site.settings)]
    return subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))


BAD_ORIGINS = [
    ("garis-miring", "[https://meja.example/]", "https://meja.example/", "jalur"),
    ("http", "[http://meja.example]", "http://meja.example", "https://"),
    ("huruf-besar", "[https://Meja.Example]", "https://Meja.Example", "'https://meja.example'"),
    ("port-baku", "[https://meja.example:443]", "https://meja.example:443", "tulis persis"),
    ("dua-kali", f"[{ORIGIN}, {ORIGIN}]", ORIGIN, "tercantum dua kali"),
]


@pytest.mark.parametrize(
    ("what", "origins", "shown", "says"), BAD_ORIGINS, ids=[b[0] for b in BAD_ORIGINS]
)
def test_a_bad_desk_origin_stops_everything_naming_the_line(
    site: Site, passkey: Passkey, what: str, origins: str, shown: str, says: str
) -> None:
    text = passkey_roster(site, passkey.public_key, origins)
    site.write_roster(text)
    line = text.splitlines().index(f"desk_origins: {origins}") + 1
    with pytest.raises(RosterError) as refused:
        open_ledger(site.settings, now=NOW)
    rendered = refused.value.render()
    assert rendered.startswith(f"approvals/roster.yml:{line}: Alamat meja {shown!r} tidak sah: ")
    assert says in rendered


def test_a_roster_with_a_bad_desk_origin_stops_invoke_status(site: Site, passkey: Passkey) -> None:
    site.write_roster(passkey_roster(site, passkey.public_key, "https://meja.example"))
    done = gate_status(site)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "Kolom 'desk_origins' harus berupa daftar alamat meja persetujuan" in done.stderr


def test_desk_origins_in_block_form_are_read(site: Site, passkey: Passkey) -> None:
    block = f"\n  - {ORIGIN}\n  - http://localhost:8002"
    site.write_roster(passkey_roster(site, passkey.public_key, block))
    ledger = open_ledger(site.settings, now=NOW)
    assert ledger.roster.desk_origins == (ORIGIN, "http://localhost:8002")


# --- a whole sign-off through the desk's two halves -----------------------------------------


@pytest.fixture
def desk_site(site: Site, passkey: Passkey) -> Site:
    """A site whose last official also has a passkey, three roles already approved."""
    site.write_roster(passkey_roster(site, passkey.public_key))
    site.article(ITEM, "Rapat Pleno", "Isi TOKENRAPAT.")
    site.approve_all(ITEM, ROLE_IDS[:-1])
    return site


def _approve_on_the_desk(
    site: Site, passkey: Passkey, **wrong: Any
) -> tuple[Ledger, PendingDecision, str]:
    ledger = open_ledger(site.settings, now=NOW)
    pending = prepare_decision(ledger, ITEM, LAST, "setuju", "", passkey.public_key, NOW)
    return ledger, pending, passkey.sign(pending.payload, **wrong)


def test_a_passkey_approval_recorded_by_the_desk_publishes_and_audits(
    desk_site: Site, passkey: Passkey, tmp_path: Path
) -> None:
    ledger, pending, armored = _approve_on_the_desk(desk_site, passkey)
    assert (pending.item, pending.role, pending.person, pending.decision) == (
        ITEM,
        LAST,
        OFFICIAL,
        "setuju",
    )
    assert pending.payload == canonical_payload(pending.fields).encode()
    assert pending.challenge == sshsig_challenge(pending.payload, SIGNOFF_NAMESPACE)
    made = record_decision(ledger, pending, armored)
    assert made.path == pending.path and made.signer == OFFICIAL and made.path.is_file()
    verdict = open_ledger(desk_site.settings, now=NOW).verdict(ITEM)
    assert verdict.state == "lengkap", verdict.reason
    desk_site.build()
    assert desk_site.hits("TOKENRAPAT")
    # The auditor: the project's allowed-signers and plain ssh-keygen, the file cut as documented.
    record = yaml.safe_load(made.path.read_text())
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(allowed_signers(ledger.roster))
    (tmp_path / "tt.sig").write_text(record["signature"])
    stamp = (NOW - timedelta(hours=7)).strftime("%Y%m%d%H%M%SZ")
    done = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", f"{OFFICIAL}@{LAST}"]
        + ["-n", SIGNOFF_NAMESPACE, "-s", str(tmp_path / "tt.sig"), "-O", f"verify-time={stamp}"],
        input=record["payload"].encode(),
        capture_output=True,
        text=False,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"for {OFFICIAL}@{LAST} with ECDSA-SK key".encode() in done.stdout
    # What ssh-keygen does not check, read by hand as docs/approval-records.md shows.
    script = f"""
        set -e
        f={made.path}
        sed -n '/^payload: |$/,/^signature: |$/{{//!p}}' "$f" | sed 's/^  //' > payload
        sed -n '/^signature: |$/,${{//!p}}' "$f" | sed 's/^  //' > payload.sig
        ssh-keygen -vv -Y verify -f allowed_signers -I {OFFICIAL}@{LAST} \\
            -n kpu-rembang-persetujuan -s payload.sig -O verify-time={stamp} < payload 2>&1 \\
            | grep 'flags ='
        sed '1d;$d' payload.sig | base64 -d | grep -ao '{{"type":"webauthn.get"[^}}]*}}'
    """
    audit = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert audit.returncode == 0, audit.stderr
    flags, client = audit.stdout.splitlines()
    assert flags.endswith("flags = 0x05")
    assert client.endswith(f'"origin":"{ORIGIN}","crossOrigin":false}}')


def test_invoke_allowed_signers_exports_the_passkey_key(desk_site: Site, passkey: Passkey) -> None:
    command = [sys.executable, "-m", "invoke", "-r", str(REPO), "allowed-signers"]
    command += ["--settings", str(desk_site.settings)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f'{OFFICIAL}@{LAST} namespaces="{SIGNOFF_NAMESPACE}",valid-after=' in done.stdout
    assert f" {passkey.public_key}\n" in done.stdout


@pytest.mark.parametrize(
    ("what", "wrong", "reason"),
    [
        ("tanpa-UV", {"flags": 0x01}, NO_UV),
        (
            "alamat-lain",
            {"origin": f"https://lain.{RP_ID}"},
            ELSEWHERE.format(f"https://lain.{RP_ID}"),
        ),
    ],
    ids=["tanpa-UV", "alamat-lain"],
)
def test_the_desk_records_nothing_the_gate_would_not_count(
    desk_site: Site, passkey: Passkey, what: str, wrong: dict[str, Any], reason: str
) -> None:
    ledger, pending, armored = _approve_on_the_desk(desk_site, passkey, **wrong)
    with pytest.raises(SigningError) as refused:
        record_decision(ledger, pending, armored)
    assert refused.value.message == f"Tanda tangan tidak sah: {reason}."
    assert refused.value.hint == "Tidak ada yang ditulis; ulangi."
    assert not pending.path.exists()


def test_another_officials_passkey_cannot_record_the_decision(
    desk_site: Site, passkey: Passkey
) -> None:
    stranger = Passkey()
    ledger, pending, _ = _approve_on_the_desk(desk_site, passkey)
    with pytest.raises(SigningError, match="Tanda tangan dibuat dengan kunci lain."):
        record_decision(ledger, pending, stranger.sign(pending.payload))
    assert not pending.path.exists()


def test_a_decision_is_recorded_once(desk_site: Site, passkey: Passkey) -> None:
    ledger, pending, armored = _approve_on_the_desk(desk_site, passkey)
    record_decision(ledger, pending, armored)
    with pytest.raises(SigningError, match="Berkas keputusan sudah ada"):
        record_decision(ledger, pending, passkey.sign(pending.payload))
    with pytest.raises(SigningError, match="Anda sudah memberi keputusan 'setuju'"):
        _approve_on_the_desk(desk_site, passkey)


def test_prepare_refuses_what_invoke_approve_refuses(desk_site: Site, passkey: Passkey) -> None:
    ledger = open_ledger(desk_site.settings, now=NOW)
    stranger = Passkey()
    with pytest.raises(SigningError) as refused:
        prepare_decision(ledger, ITEM, LAST, "setuju", "", stranger.public_key, NOW)
    assert refused.value.message == "Kunci Anda tidak terdaftar di roster."
    assert refused.value.hint == (
        f"Kunci {fingerprint(stranger.public_key)} tidak ada di roster versi 1: minta Ketua "
        "KPU memasukkannya ke roster."
    )
    with pytest.raises(SigningError, match="Penolakan wajib disertai alasan."):
        prepare_decision(ledger, ITEM, LAST, "tolak", " ", passkey.public_key, NOW)
    with pytest.raises(SigningError, match="bukan pemegang jabatan"):
        prepare_decision(ledger, ITEM, ROLE_IDS[0], "setuju", "", passkey.public_key, NOW)
    with pytest.raises(SigningError, match="Item tidak ditemukan: content/berita/lain.md."):
        prepare_decision(ledger, "berita/lain.md", LAST, "setuju", "", passkey.public_key, NOW)
    rejected = prepare_decision(
        ledger, ITEM, LAST, "tolak", " Perbaiki judul. ", passkey.public_key, NOW
    )
    assert rejected.note == "Perbaiki judul." and rejected.path.name.endswith(f"-{LAST}-tolak.yml")


def test_a_revoked_passkey_neither_records_nor_counts(desk_site: Site, passkey: Passkey) -> None:
    ledger, pending, armored = _approve_on_the_desk(desk_site, passkey)
    record_decision(ledger, pending, armored)  # made while the key was good
    desk_site.write_roster(
        passkey_roster(desk_site, passkey.public_key, revoked="2026-11-24T11:00:00+07:00")
    )
    later = NOW + timedelta(hours=2)
    revoked = open_ledger(desk_site.settings, now=later)
    verdict = revoked.verdict(ITEM)
    assert verdict.state != "lengkap"
    assert any("telah dicabut" in f.message for f in verdict.findings), verdict.findings
    with pytest.raises(SigningError, match="Kunci Anda sudah dicabut di roster."):
        prepare_decision(revoked, ITEM, LAST, "tolak", "x", passkey.public_key, later)


def test_a_roster_that_drops_the_desk_origin_uncounts_a_cached_signature(
    desk_site: Site, passkey: Passkey
) -> None:
    """The verification is cached by the sign-off's bytes; the origin is judged every run."""
    ledger, pending, armored = _approve_on_the_desk(desk_site, passkey)
    record_decision(ledger, pending, armored)
    assert open_ledger(desk_site.settings, now=NOW).verdict(ITEM).state == "lengkap"  # cached
    desk_site.write_roster(
        passkey_roster(desk_site, passkey.public_key, "[https://meja-baru.example]")
    )
    verdict = open_ledger(desk_site.settings, now=NOW).verdict(ITEM)
    assert verdict.state != "lengkap"
    messages = [f.message for f in verdict.findings]
    assert f"Tanda tangan tidak sah: {ELSEWHERE.format(ORIGIN)}." in messages, messages
    desk_site.write_roster(passkey_roster(desk_site, passkey.public_key, ""))
    verdict = open_ledger(desk_site.settings, now=NOW).verdict(ITEM)
    assert verdict.state != "lengkap"
    assert any("tidak mencantumkan alamat meja" in f.message for f in verdict.findings)


# --- the public verification page applies the same policy ----------------------------------


@pytest.fixture(scope="module")
def script_page(browser: Browser) -> Iterator[Page]:
    """A page served from theme/static, where the verification page's modules live."""
    from themekit import serve

    with serve(REPO / "theme" / "static") as url:
        page = browser.new_page()
        page.goto(f"{url}/js/")
        yield page
        page.close()


def _browser_verdict(page: Page, payload: bytes, armored: str, origins: list[str]) -> str:
    """Return what keaslian.js says of a sign-off: its fingerprint, or TOLAK and why."""
    return page.evaluate(
        """async ([payload, armored, origins]) => {
            const m = await import('./keaslian.js');
            const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
            try {
              const signed = await m.verifySshsig(bytes, armored, 'kpu-rembang-persetujuan');
              return m.originRefusal(signed.origin, signed.key, origins) || signed.fingerprint;
            } catch (e) { return 'TOLAK: ' + e.message; }
        }""",
        [base64.b64encode(payload).decode(), armored, origins],
    )


BROWSER_POLICY = [
    ("sah", {}, [ORIGIN], None),
    ("tanpa-UV", {"flags": 0x01}, [ORIGIN], "TOLAK: tanda tangan passkey tanpa verifikasi"),
    ("tanpa-UP", {"flags": 0x04}, [ORIGIN], "TOLAK: tanda tangan passkey tanpa kehadiran"),
    (
        "lintas-situs",
        {"extra": ',"crossOrigin":true'},
        [ORIGIN],
        "TOLAK: tanda tangan passkey dibuat dari dalam bingkai",
    ),
    (
        "bingkai",
        {"extra": ',"topOrigin":"https://x.example"'},
        [ORIGIN],
        "TOLAK: tanda tangan passkey dibuat dari dalam bingkai",
    ),
    (
        "origin-ganda",
        {"extra": ',"origin":"https://x.example"'},
        [ORIGIN],
        "TOLAK: tanda tangan passkey tidak memuat tantangan",
    ),
    (
        "alamat-lain",
        {"origin": "https://jahat.example"},
        [ORIGIN, "https://jahat.example"],
        "passkey dibuat untuk alamat lain (https://jahat.example)",
    ),
    (
        "roster-lain",
        {},
        ["https://meja-lama.example"],
        f"passkey dibuat untuk alamat lain ({ORIGIN})",
    ),
    ("tanpa-desk", {}, [], f"passkey dari {ORIGIN} tidak dihitung"),
]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("what", "wrong", "origins", "says"), BROWSER_POLICY, ids=[b[0] for b in BROWSER_POLICY]
)
def test_the_verification_page_applies_the_gates_passkey_policy(
    script_page: Page,
    passkey: Passkey,
    what: str,
    wrong: dict[str, Any],
    origins: list[str],
    says: str | None,
) -> None:
    if what == "origin-ganda":
        challenge = sshsig_challenge(PAYLOAD, SIGNOFF_NAMESPACE)
        answer = passkey.assertion(challenge, **wrong)
        armored = pack(passkey.public_key, SIGNOFF_NAMESPACE, answer, origin=ORIGIN)
    else:
        armored = passkey.sign(PAYLOAD, **wrong)
    said = _browser_verdict(script_page, PAYLOAD, armored, origins)
    if says is None:
        assert said == fingerprint(passkey.public_key)
    else:
        assert said.startswith(says), said


@pytest.mark.browser
def test_the_verification_page_reads_desk_origins_from_the_roster(script_page: Page) -> None:
    text = (
        "version: 1\nroles:\n  - {id: web-admin, name: Web Admin}\npeople: []\nholders: []\n"
        f"desk_origins: [{ORIGIN}, 'http://localhost:8002']\n"
    )
    found = script_page.evaluate(
        """async (text) => {
            const m = await import('./keaslian-roster.js');
            const model = m.rosterModel(m.parseRoster(text), (line) => line);
            const without = m.parseRoster(text.replace(/desk_origins.*\\n/, ''));
            const none = m.rosterModel(without, (line) => line);
            return [model.deskOrigins, none.deskOrigins];
        }""",
        text,
    )
    assert found == [[ORIGIN, "http://localhost:8002"], []]
