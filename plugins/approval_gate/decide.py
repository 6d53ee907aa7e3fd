"""Making a decision: ``invoke approve`` and ``invoke reject`` in library form.

The same rules that judge the site refuse a decision that would not count: a signer who
does not hold the role now, a role whose turn has not come, a file that already exists,
and ``setuju`` on a text that still needs fixing (naskah.py; ``tolak`` stays possible).
Sign-off files are created exclusively (``open(..., "x")``): no tool ever rewrites one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .errors import SigningError
from .ledger import Ledger
from .naskah import NaskahRefused
from .records import canonical_payload, render_signoff, signoff_fields, signoff_path
from .roster import Person, Role
from .signatures import (
    SIGNOFF_NAMESPACE,
    KeyRefused,
    SignatureInvalid,
    fingerprint,
    normalise_key,
    public_key_from_private,
    sign_with_ssh_keygen,
    signing_key,
)


@dataclass(frozen=True)
class Made:
    """A sign-off file that was written."""

    path: Path
    item: str
    role: str
    decision: str
    digest: str
    signer: str


def _public_file(key_file: Path) -> Path:
    """Return the ``.pub`` file of a key: the file itself, or the private key's ``.pub``."""
    return key_file if key_file.suffix == ".pub" else Path(f"{key_file}.pub")


def public_key_of(key_file: Path) -> str:
    """Return the public key for a private key file (its ``.pub``) or a ``.pub`` file."""
    public = _public_file(key_file)
    if public.is_file():
        return normalise_key(public.read_text())
    if not key_file.is_file():
        raise SigningError(
            f"Kunci tidak ditemukan: {key_file}.",
            hint="Buat kunci dengan 'invoke keygen' atau sebutkan --key.",
        )
    return public_key_from_private(key_file)  # ssh-keygen -y; its refusals in Indonesian


def _role(ledger: Ledger, role_id: str) -> Role:
    role = ledger.roster.role(role_id)
    if role is None:
        ids = ", ".join(r.id for r in ledger.roster.roles)
        raise SigningError(f"Peran tidak dikenal: {role_id!r}.", hint=f"Pilih salah satu: {ids}.")
    return role


def _signer(ledger: Ledger, key: str, role_id: str, now: datetime, key_file: Path) -> Person:
    roster = ledger.roster
    role = _role(ledger, role_id)
    person = roster.person_with_key(key)
    if person is None:
        public = _public_file(key_file)
        raise SigningError(
            "Kunci Anda tidak terdaftar di roster.",
            hint=f"Kunci {key_file} ({fingerprint(key)}) tidak ada di roster versi "
            f"{roster.version}: kirim {public} ke Ketua KPU untuk dimasukkan ke roster, "
            "atau sebutkan kunci Anda yang terdaftar dengan --key.",
        )
    if any(k.key == key and k.revoked for k in person.keys):
        raise SigningError("Kunci Anda sudah dicabut di roster.", hint="Pakai kunci baru Anda.")
    if roster.holding(role_id, person.id, now) is None:
        holders = ", ".join(p.name for p in roster.holders(role_id, now)) or "tidak ada"
        raise SigningError(
            f"{person.name} bukan pemegang jabatan {role.name} saat ini (pemegangnya: {holders}).",
            hint="Hanya pejabat yang sedang menjabat yang boleh menandatangani.",
        )
    return person


def decide(
    ledger: Ledger, item: str, role_id: str, decision: str, note: str, key_file: Path, now: datetime
) -> Made:
    """Sign and write one decision on the current version of ``item``, or refuse."""
    if not (ledger.content / item).is_file():
        raise SigningError(
            f"Item tidak ditemukan: content/{item}.",
            hint="Tulis jalurnya relatif terhadap folder content/.",
        )
    if decision == "tolak" and not note.strip():
        raise SigningError("Penolakan wajib disertai alasan.", hint='Tambahkan --note "...".')
    key = public_key_of(key_file)
    person = _signer(ledger, key, role_id, now, key_file)
    verdict = ledger.verdict(item)
    problems = ledger.naskah(item)
    if decision == "setuju" and problems:  # never published: signing it helps nobody
        raise NaskahRefused(item, problems)
    earlier = ledger.roster.roles[: ledger.roster.roles.index(_role(ledger, role_id))]
    approved = {d.role for d in verdict.chain}
    waiting = [r.name for r in earlier if r.id not in approved]
    if waiting:
        raise SigningError(
            f"Belum bisa: {', '.join(waiting)} belum menyetujui versi ini ({verdict.reason}).",
            hint="Tunggu giliran Anda sesuai urutan SOP.",
        )
    # An approval counts once; one given out of SOP order does not count and may be
    # given again now that the roles before have approved.
    done = (
        verdict.chain
        if decision == "setuju"
        else [d for d in ledger.decisions.get(item, []) if d.digest == verdict.digest]
    )
    if any(d.role == role_id and d.person == person.id and d.decision == decision for d in done):
        raise SigningError(
            f"Anda sudah memberi keputusan '{decision}' untuk versi ini.",
            hint="Tidak perlu menandatangani dua kali.",
        )
    digest = verdict.digest
    fields = signoff_fields(item, role_id, person.id, decision, note.strip(), now, digest)
    payload = canonical_payload(fields).encode("utf-8")
    try:
        signature = sign_with_ssh_keygen(payload, key_file, SIGNOFF_NAMESPACE)
        if signing_key(payload, signature, SIGNOFF_NAMESPACE) != key:
            raise SigningError("Tanda tangan dibuat dengan kunci lain.", hint=str(key_file))
    except KeyRefused as error:  # already names the key file and what to do
        raise SigningError(str(error)) from None
    except SignatureInvalid as error:
        raise SigningError(str(error), hint="Periksa kunci dan ssh-agent Anda.") from None
    target = ledger.approvals / signoff_path(item, role_id, decision, now)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(render_signoff(fields, signature))
    except FileExistsError:
        raise SigningError(
            f"Berkas keputusan sudah ada: {target}.",
            hint="Berkas persetujuan tidak pernah ditimpa.",
        ) from None
    return Made(target, item, role_id, decision, digest, person.id)
