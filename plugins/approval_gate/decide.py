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
from .records import (
    DECISIONS,
    canonical_payload,
    render_signoff,
    signoff_fields,
    signoff_path,
)
from .roster import Person, Role
from .signatures import (
    SIGNOFF_NAMESPACE,
    KeyRefused,
    SignatureInvalid,
    fingerprint,
    normalise_key,
    public_key_from_private,
    sign_with_ssh_keygen,
    signed_data,
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


def _signer(ledger: Ledger, key: str, role_id: str, now: datetime, unknown: str) -> Person:
    """Return the person holding ``key`` who holds ``role_id`` now, or refuse.

    ``unknown`` is the hint when the roster does not hold the key at all.
    """
    roster = ledger.roster
    role = _role(ledger, role_id)
    person = roster.person_with_key(key)
    if person is None:
        raise SigningError("Kunci Anda tidak terdaftar di roster.", hint=unknown)
    if any(k.key == key and k.revoked for k in person.keys):
        raise SigningError("Kunci Anda sudah dicabut di roster.", hint="Pakai kunci baru Anda.")
    if roster.holding(role_id, person.id, now) is None:
        holders = ", ".join(p.name for p in roster.holders(role_id, now)) or "tidak ada"
        raise SigningError(
            f"{person.name} bukan pemegang jabatan {role.name} saat ini (pemegangnya: {holders}).",
            hint="Hanya pejabat yang sedang menjabat yang boleh menandatangani.",
        )
    return person


@dataclass(frozen=True)
class PendingDecision:
    """A decision every rule allows, waiting for its signature (the desk asks a passkey).

    ``payload`` is the exact text to sign, ``challenge`` its SSHSIG signed-data blob (a
    passkey's WebAuthn challenge), ``path`` the sign-off file it will become, ``person``
    the id of the roster person whose key must sign it.
    """

    item: str
    role: str
    person: str
    decision: str
    digest: str
    note: str
    fields: dict[str, str]
    payload: bytes
    path: Path
    key: str

    @property
    def challenge(self) -> bytes:
        """The SSHSIG signed-data blob of ``payload``: what a passkey signs."""
        return signed_data(self.payload, SIGNOFF_NAMESPACE)


def _check_request(
    ledger: Ledger, item: str, decision: str, note: str, note_hint: str = 'Tambahkan --note "...".'
) -> None:
    if not (ledger.content / item).is_file():
        raise SigningError(
            f"Item tidak ditemukan: content/{item}.",
            hint="Tulis jalurnya relatif terhadap folder content/.",
        )
    if decision not in DECISIONS:
        raise SigningError(
            f"Keputusan tidak dikenal: {decision!r}.", hint="Pilih setuju atau tolak."
        )
    if decision == "tolak" and not note.strip():
        raise SigningError("Penolakan wajib disertai alasan.", hint=note_hint)


def _in_turn(ledger: Ledger, item: str, role_id: str, decision: str, person: Person) -> str:
    """Refuse a decision out of SOP order, given twice, or ``setuju`` on a text to fix.

    Returns the digest of the current version: what the decision is about.
    """
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
    return verdict.digest


def _prepare(
    ledger: Ledger,
    item: str,
    role_id: str,
    decision: str,
    note: str,
    key: str,
    now: datetime,
    unknown: str,
) -> PendingDecision:
    person = _signer(ledger, key, role_id, now, unknown)
    digest = _in_turn(ledger, item, role_id, decision, person)
    fields = signoff_fields(item, role_id, person.id, decision, note.strip(), now, digest)
    payload = canonical_payload(fields).encode("utf-8")
    target = ledger.approvals / signoff_path(item, role_id, decision, now)
    return PendingDecision(
        item, role_id, person.id, decision, digest, note.strip(), fields, payload, target, key
    )


def prepare_decision(
    ledger: Ledger, item: str, role_id: str, decision: str, note: str, key: str, now: datetime
) -> PendingDecision:
    """Check a decision by the holder of ``key`` (a public key line) and return what to sign.

    Refuses, as ``decide`` does, everything that would not count: an unknown item, a
    rejection without a reason, a key the roster does not hold or has revoked, a signer
    who does not hold the role now, ``setuju`` on a text to fix, a role whose turn has not
    come, and a decision already made.
    """
    _check_request(ledger, item, decision, note, "Tuliskan alasannya di catatan.")
    try:
        public = normalise_key(key)
    except ValueError as error:
        raise SigningError(f"Kunci tidak dapat dibaca: {error}.") from None
    unknown = (
        f"Kunci {fingerprint(public)} tidak ada di roster versi {ledger.roster.version}: "
        "minta Ketua KPU memasukkannya ke roster."
    )
    return _prepare(ledger, item, role_id, decision, note, public, now, unknown)


def record_decision(ledger: Ledger, pending: PendingDecision, signature: str) -> Made:
    """Verify ``signature`` over ``pending`` and write its sign-off file, exclusively.

    The signature must pass the gate's whole check (a passkey's flags and origin against
    the roster's ``desk_origins`` included) and be by a key of ``pending.person`` that
    the roster has not revoked; the file is never overwritten.
    """
    try:
        key = signing_key(pending.payload, signature, SIGNOFF_NAMESPACE, ledger.roster.desk_origins)
    except SignatureInvalid as error:
        raise SigningError(
            f"Tanda tangan tidak sah: {error}.", hint="Tidak ada yang ditulis; ulangi."
        ) from None
    person = ledger.roster.person_with_key(key)
    if person is None or person.id != pending.person:
        raise SigningError(
            "Tanda tangan dibuat dengan kunci lain.",
            hint=f"Kunci {fingerprint(key)} bukan kunci {pending.person} di roster.",
        )
    if any(k.key == key and k.revoked for k in person.keys):
        raise SigningError("Kunci Anda sudah dicabut di roster.", hint="Pakai kunci baru Anda.")
    return _write(pending, signature)


def _write(pending: PendingDecision, signature: str) -> Made:
    target = pending.path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(render_signoff(pending.fields, signature))
    except FileExistsError:
        raise SigningError(
            f"Berkas keputusan sudah ada: {target}.",
            hint="Berkas persetujuan tidak pernah ditimpa.",
        ) from None
    p = pending
    return Made(target, p.item, p.role, p.decision, p.digest, p.person)


def decide(
    ledger: Ledger, item: str, role_id: str, decision: str, note: str, key_file: Path, now: datetime
) -> Made:
    """Sign and write one decision on the current version of ``item``, or refuse."""
    _check_request(ledger, item, decision, note)
    key = public_key_of(key_file)
    unknown = (
        f"Kunci {key_file} ({fingerprint(key)}) tidak ada di roster versi "
        f"{ledger.roster.version}: kirim {_public_file(key_file)} ke Ketua KPU untuk "
        "dimasukkan ke roster, atau sebutkan kunci Anda yang terdaftar dengan --key."
    )
    pending = _prepare(ledger, item, role_id, decision, note, key, now, unknown)
    try:
        signature = sign_with_ssh_keygen(pending.payload, key_file, SIGNOFF_NAMESPACE)
        origins = ledger.roster.desk_origins
        if signing_key(pending.payload, signature, SIGNOFF_NAMESPACE, origins) != key:
            raise SigningError("Tanda tangan dibuat dengan kunci lain.", hint=str(key_file))
    except KeyRefused as error:  # already names the key file and what to do
        raise SigningError(str(error)) from None
    except SignatureInvalid as error:
        raise SigningError(str(error), hint="Periksa kunci dan ssh-agent Anda.") from None
    return _write(pending, signature)
