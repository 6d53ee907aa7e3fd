"""The gate's signature check against ``ssh-keygen -Y verify``, over mutated sign-offs.

Real sign-offs are made with ssh-keygen (Ed25519 with sha512 and sha256, RSA), then
mutated: bit flips and byte changes across the armored text, flips and length-field
edits in the decoded SSHSIG blob, truncations, extra bytes inside the blob and inside the
key and signature it carries, NULs, whitespace and extra lines, other namespaces (real
signatures and edited fields), another key's signature, another hash name, and edits to
the signed payload. Each case is checked by the gate (``api.signing_key`` and "is it the
principal's key") and by ``ssh-keygen -Y verify`` with an allowed-signers file, the
principal, the sign-off namespace and ``-O verify-time``, exactly as the audit in
docs/approval-records.md runs it.

The rule checked for every case: both give the same answer. Cases that differ from a
valid signature only in the armor's layout (whitespace inside the base64, text after the
footer, a NUL just before it) are counted apart (``layout``): OpenSSH reads past them,
and so does the gate, which reads the armor exactly as ``sshsig_dearmor`` does.

    python bench/signature_differential.py --count 5000 --seed 7

``tests/test_signature_differential.py`` runs a bounded number (>= 300) in CI.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "plugins"), str(REPO)]

from approval_gate.api import (  # noqa: E402
    SIGNOFF_NAMESPACE,
    SignatureInvalid,
    canonical_payload,
    normalise_key,
    signing_key,
    signoff_fields,
)

BEGIN = b"-----BEGIN SSH SIGNATURE-----\n"
FOOTER = b"\n-----END SSH SIGNATURE-----"
SIGNED_AT = datetime.fromisoformat("2026-11-21T09:00:00+07:00")
#: Key name -> (type, principal); "luar" is in no allowed-signers line.
KEYS = {
    "andi": ("ed25519", "andi@web-admin"),
    "sri": ("ed25519", "sri@kasubbag-tekmas"),
    "rudi": ("rsa", "rudi@sekretaris"),
    "luar": ("ed25519", "luar@komisioner"),
}
ALLOWED = ("andi", "sri", "rudi")


@dataclass(frozen=True)
class Case:
    """One signature to check: who must have signed, the payload, the armored text."""

    kind: str
    label: str
    principal: str
    key: str  # the principal's public key, as the roster holds it
    payload: bytes
    armored: bytes
    original: bytes  # the valid armored text this case was made from
    original_payload: bytes  # and its payload


@dataclass
class Material:
    """Real keys and real ssh-keygen signatures to mutate."""

    folder: Path
    keys: dict[str, str]  # name -> public key (type base64)
    valid: list[Case]  # accepted by both: the seeds of every mutation
    fixed: list[Case]  # whole signatures made differently (namespace, key, payload)


def _keygen(folder: Path, name: str, kind: str) -> str:
    path = folder / name
    bits = ["-b", "2048"] if kind == "rsa" else []
    command = ["ssh-keygen", "-q", "-t", kind, *bits, "-N", "", "-C", name, "-f", str(path)]
    subprocess.run(command, check=True)
    return normalise_key(Path(f"{path}.pub").read_text())


def sign(key_file: Path, payload: bytes, namespace: str, hashalg: str | None = None) -> bytes:
    """Return ssh-keygen's armored signature of ``payload`` (optionally with a hash)."""
    option = ["-O", f"hashalg={hashalg}"] if hashalg else []
    command = ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key_file), "-n", namespace, *option]
    return subprocess.run(command, input=payload, capture_output=True, check=True).stdout


def payload_of(item: str, signer: str) -> bytes:
    """Return the canonical payload of a sign-off of ``item`` by ``signer``."""
    fields = signoff_fields(
        item, "web-admin", signer, "setuju", "", SIGNED_AT, "sha256:" + "a" * 64
    )
    return canonical_payload(fields).encode()


def make_material(folder: Path) -> Material:
    """Make the keys and the real signatures (about 20 ssh-keygen runs)."""
    keys = {name: _keygen(folder, name, kind) for name, (kind, _) in KEYS.items()}

    def case(kind: str, label: str, who: str, signer: str, payload: bytes, text: bytes) -> Case:
        return Case(kind, label, KEYS[who][1], keys[who], payload, text, text, payload)

    valid, fixed = [], []
    for name, hashalg in (("andi", None), ("andi", "sha256"), ("sri", None), ("rudi", None)):
        payload = payload_of(f"berita/{name}-{hashalg or 'sha512'}.md", name)
        text = sign(folder / name, payload, SIGNOFF_NAMESPACE, hashalg)
        valid.append(case("asli", f"{name} {hashalg or 'sha512'}", name, name, payload, text))
    payload = valid[0].payload
    for namespace in ("kpu-rembang-roster", "git", "kpu-rembang-arsip", "kpu-rembang-persetujuan2"):
        text = sign(folder / "andi", payload, namespace)
        fixed.append(
            case("namespace", f"ditandatangani di {namespace!r}", "andi", "andi", payload, text)
        )
    for signer, claimed in (("luar", "andi"), ("sri", "andi"), ("andi", "sri"), ("rudi", "andi")):
        text = sign(folder / signer, payload, SIGNOFF_NAMESPACE)
        fixed.append(
            case("kunci-lain", f"{signer} mengaku {claimed}", claimed, signer, payload, text)
        )
    return Material(folder, keys, valid, fixed)


# --- The SSHSIG blob, read loosely (mutations need its structure, never its validity) -----


def armor(blob: bytes, width: int = 70) -> bytes:
    """Return ``blob`` armored as ssh-keygen writes it (lines of ``width`` characters)."""
    text = base64.b64encode(blob)
    lines = [text[i : i + width] for i in range(0, len(text), width)]
    return BEGIN + b"\n".join(lines) + FOOTER + b"\n"


def dearmor(text: bytes) -> bytes:
    """Return the blob of a valid armored signature."""
    return base64.b64decode(b"".join(text.split(b"\n")[1:-2]))


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def fields_of(blob: bytes) -> list[bytes]:
    """Return the version (4 bytes) and the five strings of an SSHSIG blob."""
    found, at = [blob[6:10]], 10
    for _ in range(5):
        size = int.from_bytes(blob[at : at + 4], "big")
        found.append(blob[at + 4 : at + 4 + size])
        at += 4 + size
    return found


def blob_of(fields: list[bytes]) -> bytes:
    """Return the SSHSIG blob of ``fields`` (version, key, namespace, reserved, hash, sig)."""
    return b"SSHSIG" + fields[0] + b"".join(_string(f) for f in fields[1:])


def length_fields(blob: bytes) -> list[tuple[str, int]]:
    """Return every length field of the blob (name, offset), the nested ones included."""
    found, at = [("versi", 6)], 10
    names = ("kunci", "namespace", "reserved", "hash", "tanda tangan")
    for name in names:
        size = int.from_bytes(blob[at : at + 4], "big")
        found.append((f"panjang {name}", at))
        if name in ("kunci", "tanda tangan"):
            inner, end = at + 4, at + 4 + size
            while inner + 4 <= end:
                found.append((f"panjang di dalam {name}", inner))
                inner += 4 + int.from_bytes(blob[inner : inner + 4], "big")
        at += 4 + size
    return found


def openssh_base64(text: bytes) -> bytes | None:
    """Return the base64 that ssh-keygen's sshsig_dearmor decodes from ``text``, if any.

    The header must open the text; the body ends at the first "\\n-----END SSH SIGNATURE-----"
    (anything after is ignored); a NUL is refused except as the body's last byte; base64
    decoding (b64_pton) skips whitespace. Used only to tell layout-only cases apart.
    """
    if not text.startswith(BEGIN):
        return None
    body = text[len(BEGIN) :]
    end = body.find(FOOTER)
    if end < 0:
        return None
    body = body[:end]
    if b"\0" in body[:-1]:
        return None
    return bytes(c for c in body.rstrip(b"\0") if c not in b" \t\n\v\f\r")


# --- Mutations: each takes a valid case and returns a changed one -------------------------

Mutation = Callable[[random.Random, Case], Case]


def _with(case: Case, kind: str, label: str, *, armored: bytes | None = None, **kw: bytes) -> Case:
    text = case.armored if armored is None else armored
    return replace(case, kind=kind, label=f"{case.label}: {label}", armored=text, **kw)


def armor_bit(rng: random.Random, case: Case) -> Case:
    text = bytearray(case.armored)
    at, bit = rng.randrange(len(text)), rng.randrange(8)
    text[at] ^= 1 << bit
    return _with(case, "armor-bit", f"bit {bit} bita {at} dibalik", armored=bytes(text))


def armor_byte(rng: random.Random, case: Case) -> Case:
    text = bytearray(case.armored)
    at = rng.randrange(len(text))
    action = rng.choice(("ganti", "sisip", "hapus"))
    value = rng.choice((rng.randrange(256), rng.choice(b"AZaz09+/=-\n \t\r\0")))
    if action == "ganti":
        text[at] = value
    elif action == "sisip":
        text.insert(at, value)
    else:
        del text[at]
    return _with(case, "armor-byte", f"{action} {value:#04x} di {at}", armored=bytes(text))


def armor_truncate(rng: random.Random, case: Case) -> Case:
    at = rng.randrange(len(case.armored))
    return _with(case, "potong-teks", f"teks dipotong di {at}", armored=case.armored[:at])


def blob_bit(rng: random.Random, case: Case) -> Case:
    blob = bytearray(dearmor(case.armored))
    at, bit = rng.randrange(len(blob)), rng.randrange(8)
    blob[at] ^= 1 << bit
    return _with(case, "blob-bit", f"bit {bit} bita blob {at} dibalik", armored=armor(bytes(blob)))


def blob_length(rng: random.Random, case: Case) -> Case:
    blob = bytearray(dearmor(case.armored))
    name, at = rng.choice(length_fields(bytes(blob)))
    old = int.from_bytes(blob[at : at + 4], "big")
    new = rng.choice(
        (old + 1, old - 1, old + 4, old - 4, 0, 0xFFFFFFFF, old | 0x80000000, old ^ 0x100)
    )
    new = new if new % 2**32 != old else old + 1
    blob[at : at + 4] = (new % 2**32).to_bytes(4, "big")
    return _with(case, "blob-panjang", f"{name} {old} -> {new % 2**32}", armored=armor(bytes(blob)))


def blob_truncate(rng: random.Random, case: Case) -> Case:
    blob = dearmor(case.armored)
    at = rng.randrange(len(blob))
    return _with(case, "potong-blob", f"blob dipotong di {at}", armored=armor(blob[:at]))


def blob_extend(rng: random.Random, case: Case) -> Case:
    """Add bytes after the blob, or inside the key or the signature it carries."""
    fields = fields_of(dearmor(case.armored))
    extra = bytes(rng.randrange(256) for _ in range(rng.choice((1, 4, 32))))
    where = rng.choice(("akhir", "kunci", "tanda tangan", "reserved"))
    if where == "akhir":
        blob = blob_of(fields) + extra
    else:
        index = {"kunci": 1, "reserved": 3, "tanda tangan": 5}[where]
        fields[index] += extra
        blob = blob_of(fields)
    return _with(case, "blob-sisa", f"{len(extra)} bita ditambah di {where}", armored=armor(blob))


def field_swap(rng: random.Random, case: Case) -> Case:
    """Replace one field with a plausible value, lengths kept consistent."""
    fields = fields_of(dearmor(case.armored))
    index, value = rng.choice(
        (
            (0, (0).to_bytes(4, "big")),
            (0, (2).to_bytes(4, "big")),
            (2, b"kpu-rembang-roster"),
            (2, SIGNOFF_NAMESPACE.encode() + b"\0"),
            (2, SIGNOFF_NAMESPACE.upper().encode()),
            (2, SIGNOFF_NAMESPACE.encode() + b" "),
            (4, b"sha384"),
            (4, b"SHA512"),
            (4, b"sha1"),
            (4, b"sha256" if fields[4] == b"sha512" else b"sha512"),
            (4, fields[4] + b"\0"),
            (5, _sig_type(fields[5], b"rsa-sha2-512")),
            (5, _sig_type(fields[5], b"ssh-ed25519")),
            (5, _sig_type(fields[5], b"ssh-ed25519\0")),
            (5, _sig_type(fields[5], b"rsa-sha2-256")),
            (1, _sig_type(fields[1], b"ssh-rsa")),
            (1, _sig_type(fields[1], _type_of(fields[1]) + b"\0")),
        )
    )
    fields[index] = value
    label = f"kolom {index} diganti {value[:24]!r}"
    return _with(case, "kolom", label, armored=armor(blob_of(fields)))


def _type_of(inner: bytes) -> bytes:
    """Return the type name that opens a key or signature blob."""
    return inner[4 : 4 + int.from_bytes(inner[:4], "big")]


def _sig_type(inner: bytes, new: bytes) -> bytes:
    """Return a key or signature blob with its type name replaced, the rest kept."""
    size = int.from_bytes(inner[:4], "big")
    return _string(new) + inner[4 + size :]


def layout(rng: random.Random, case: Case) -> Case:
    """Change only where the armor's characters sit (ssh-keygen reads past these)."""
    lines = case.armored.split(b"\n")
    body = rng.randrange(1, len(lines) - 2)
    space = rng.choice((b" ", b"\t", b"\r", b"", b"  "))
    changes = {
        "spasi di base64": lambda: _splice(lines, body, rng, space or b" "),
        "baris kosong": lambda: lines[:body] + [space] + lines[body:],
        "teks sesudah footer": lambda: lines[:-1] + [b"catatan", b""],
        "spasi sesudah footer": lambda: lines[:-2] + [lines[-2] + b" ", b""],
        "baris baru ekstra di akhir": lambda: [*lines, b""],
        "NUL sebelum footer": lambda: lines[:-3] + [lines[-3] + b"\0"] + lines[-2:],
        "baris dibungkus 76": lambda: armor(dearmor(case.armored), 76).split(b"\n"),
        "tanpa baris baru akhir": lambda: lines[:-1],
    }
    label = rng.choice(sorted(changes))
    return _with(case, "tata-letak", label, armored=b"\n".join(changes[label]()))


def _splice(lines: list[bytes], index: int, rng: random.Random, what: bytes) -> list[bytes]:
    line = lines[index]
    at = rng.randrange(len(line) + 1)
    return [*lines[:index], line[:at] + what + line[at:], *lines[index + 1 :]]


def nul(rng: random.Random, case: Case) -> Case:
    at = rng.randrange(len(case.armored) + 1)
    text = case.armored[:at] + b"\0" + case.armored[at:]
    return _with(case, "nul", f"NUL disisipkan di {at}", armored=text)


def payload_edit(rng: random.Random, case: Case) -> Case:
    payload = bytearray(case.payload)
    action = rng.choice(("bit", "tambah baris", "tanpa baris baru", "spasi", "CRLF", "kosong"))
    if action == "bit":
        payload[rng.randrange(len(payload))] ^= 1 << rng.randrange(8)
    elif action == "tambah baris":
        payload += b'item: "lain.md"\n'
    elif action == "tanpa baris baru":
        del payload[-1]
    elif action == "spasi":
        payload.insert(rng.randrange(len(payload)), 0x20)
    elif action == "CRLF":
        payload = bytearray(bytes(payload).replace(b"\n", b"\r\n"))
    else:
        payload = bytearray()
    return _with(case, "payload", f"payload: {action}", payload=bytes(payload))


#: Random mutations and their weights (of every 100 cases).
MUTATIONS: tuple[tuple[Mutation, int], ...] = (
    (armor_bit, 20),
    (armor_byte, 12),
    (armor_truncate, 4),
    (blob_bit, 18),
    (blob_length, 12),
    (blob_truncate, 4),
    (blob_extend, 6),
    (field_swap, 8),
    (layout, 6),
    (nul, 4),
    (payload_edit, 6),
)


def cases(material: Material, count: int, seed: int) -> list[Case]:
    """Return ``count`` cases or more: the fixed ones, then seeded random mutations."""
    rng = random.Random(seed)
    found = list(material.valid) + list(material.fixed)
    functions = [f for f, _ in MUTATIONS]
    weights = [w for _, w in MUTATIONS]
    while len(found) < count:
        mutate = rng.choices(functions, weights)[0]
        found.append(mutate(rng, rng.choice(material.valid)))
    return found


# --- The two verifiers ---------------------------------------------------------------------


def gate_accepts(case: Case) -> tuple[bool, str]:
    """Return the gate's answer: a valid signature in the namespace, by the principal's key."""
    try:
        key = signing_key(case.payload, case.armored, SIGNOFF_NAMESPACE)
    except SignatureInvalid as error:
        return False, str(error)
    return key == case.key, "sah" if key == case.key else "kunci orang lain"


def allowed_signers(material: Material) -> str:
    """Return the allowed-signers text of the principals (as ``invoke allowed-signers``)."""
    return "".join(
        f'{KEYS[name][1]} namespaces="{SIGNOFF_NAMESPACE}" {material.keys[name]}\n'
        for name in ALLOWED
    )


def openssh_accepts(found: list[Case], folder: Path, signers: str) -> list[tuple[bool, str]]:
    """Run ``ssh-keygen -Y verify`` on every case (in parallel threads; ~5 ms a run)."""
    folder.mkdir(parents=True, exist_ok=True)
    allowed = folder / "allowed_signers"
    allowed.write_text(signers)
    stamp = SIGNED_AT.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")

    def verify(index: int) -> tuple[bool, str]:
        case = found[index]
        signature = folder / f"{index}.sig"
        signature.write_bytes(case.armored)
        done = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", case.principal]
            + ["-n", SIGNOFF_NAMESPACE, "-s", str(signature), "-O", f"verify-time={stamp}"],
            input=case.payload,
            capture_output=True,
            check=False,
        )
        return done.returncode == 0, done.stderr.decode(errors="replace").strip()[-200:]

    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 1) * 2) as pool:
        return list(pool.map(verify, range(len(found))))


def layout_only(case: Case) -> bool:
    """Return whether ssh-keygen decodes exactly the original signature from this case."""
    decoded = openssh_base64(case.armored)
    same = decoded is not None and decoded == openssh_base64(case.original)
    return same and case.payload == case.original_payload


@dataclass(frozen=True)
class Outcome:
    """Both answers for one case, and whether they break the rule."""

    case: Case
    gate: tuple[bool, str]
    openssh: tuple[bool, str]

    @property
    def layout(self) -> bool:
        """The case differs from a valid signature only in the armor's layout."""
        return layout_only(self.case)

    @property
    def wrong(self) -> bool:
        """The gate and ssh-keygen give different answers."""
        return self.gate[0] != self.openssh[0]

    def render(self) -> str:
        """Return one line for a person: the case and both answers."""
        answer = {True: "terima", False: "tolak"}
        return (
            f"[{self.case.kind}] {self.case.label}: gerbang {answer[self.gate[0]]} "
            f"({self.gate[1]}), ssh-keygen {answer[self.openssh[0]]} ({self.openssh[1]})"
        )


def compare(material: Material, found: list[Case]) -> list[Outcome]:
    """Check every case with both verifiers."""
    openssh = openssh_accepts(found, material.folder / "kasus", allowed_signers(material))
    return [
        Outcome(case, gate_accepts(case), answer)
        for case, answer in zip(found, openssh, strict=True)
    ]


def summary(outcomes: list[Outcome]) -> str:
    """Return a table per kind: cases, both accept, both refuse, layout, wrong."""
    rows: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        row = rows.setdefault(outcome.case.kind, Counter())
        row["kasus"] += 1
        if outcome.wrong:
            row["beda"] += 1
        elif outcome.layout:
            row["tata-letak"] += 1
        else:
            row["terima" if outcome.gate[0] else "tolak"] += 1
    head = f"{'jenis':<14}{'kasus':>7}{'terima':>8}{'tolak':>7}{'tata-letak':>12}{'beda':>6}"
    lines = [head] + [
        f"{kind:<14}{r['kasus']:>7}{r['terima']:>8}{r['tolak']:>7}{r['tata-letak']:>12}{r['beda']:>6}"
        for kind, r in sorted(rows.items())
    ]
    return "\n".join(lines)


def main() -> int:
    """Run the differential check and print the table; exit 1 on any wrong answer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kpu-sigdiff-") as tmp:
        started = time.perf_counter()
        material = make_material(Path(tmp))
        outcomes = compare(material, cases(material, options.count, options.seed))
        took = time.perf_counter() - started
    print(summary(outcomes))
    wrong = [o for o in outcomes if o.wrong]
    for outcome in wrong:
        print("BEDA:", outcome.render())
    print(f"{len(outcomes)} kasus, {len(wrong)} beda, {took:.1f} s")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
