"""The first real roster (``invoke setup-roster``): the sample's people out, the office's in.

The KPU chair replaces the sample's roster, whose keys are public knowledge, with the
office's officials: one per SOP role (``api.ROLE_IDS``; the names and time standards stay
the roster's), each with the public key they sent, plus the publishing machine's key.
The new roster's ``version`` is one above the sample's, so no machine can be shown the
old one again; it is signed with the chair's anchor key (made here if it does not exist,
never overwritten) and checked as a publishing machine would check it (no demo key, not
the demo anchor) before it replaces anything. Signing records the anchor's fingerprint in
``approvals/jangkar-kantor.txt`` for staff PCs; the publishing machine pins it itself
(``invoke pin-anchor``). Sign-off files are never touched.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from approval_gate.api import find_role as api_find_role
from approval_gate.api import (
    DEMO_ANCHOR,
    DEMO_FINGERPRINTS,
    OFFICE_ANCHOR_FILE,
    AnchorError,
    Role,
    Roster,
    UnknownRole,
    fingerprint,
    generate_key,
    load_roster,
    local_anchor,
    normalise_key,
    sign_roster,
)

from .errors import BadValue, WorkflowError

#: The files setup-roster writes into approvals/ (nothing else there is touched).
WRITTEN = ("roster.yml", "roster.yml.sig", OFFICE_ANCHOR_FILE)
#: A public key file is one line; anything bigger is not one.
KEY_FILE_LIMIT = 16 * 1024
PUBLISHER_ID = "penerbit"
PUBLISHER_NAME = "Komputer penerbit situs"
_KEY_TYPES = ("ssh-", "ecdsa-", "sk-")


@dataclass(frozen=True)
class Official:
    """One official of the new roster: the role they hold, their name and public key."""

    role: str
    name: str
    key: str
    source: str  # where the key came from, for the summary

    @property
    def fingerprint(self) -> str:
        """Return the key's ``SHA256:...`` fingerprint, which the official can compare."""
        return fingerprint(self.key)


@dataclass(frozen=True)
class Plan:
    """Everything the new roster says, checked, before anything is written."""

    version: int
    roles: tuple[Role, ...]
    officials: tuple[Official, ...]
    code_roles: tuple[str, ...]
    publisher: str | None
    start: date


def sample_roster(approvals: Path) -> Roster:
    """Return the roster to replace: the sample's, signed by the demo anchor.

    A roster the chair already signed is refused: it holds the office's history (who
    held which role when, revoked keys) that a fresh roster would lose.
    """
    try:
        return load_roster(approvals, DEMO_ANCHOR, allow_demo_keys=True)
    except AnchorError:
        roster = load_roster(approvals, local_anchor(approvals), allow_demo_keys=True)
    raise WorkflowError(
        f"Roster versi {roster.version} sudah ditandatangani kunci jangkar {roster.anchor}, "
        "bukan roster contoh; 'invoke setup-roster' hanya membuat roster pertama dan tidak "
        "menimpa roster resmi.",
        path=roster.path,
        hint="Ubah approvals/roster.yml (naikkan 'version'), lalu tandatangani dengan "
        "'invoke sign-roster --key <kunci jangkar>' (docs/approval-records.md). Belum di-commit "
        "dan ingin mengulang? git checkout approvals/roster.yml approvals/roster.yml.sig",
    )


def find_role(roster: Roster, given: str) -> Role:
    """Return the role named by its id or roster name, as ``invoke approve`` reads it."""
    try:
        return api_find_role(roster, given)[0]
    except UnknownRole as error:
        raise BadValue(error.message, hint=error.hint) from None


def read_public_key(given: str, base: Path) -> tuple[str, str]:
    """Return (public key, where it came from) from a pasted line or a ``.pub`` file path."""
    text = given.strip()
    source = "baris yang ditempel"
    if not text.startswith(_KEY_TYPES):
        path = Path(text).expanduser()
        path = path if path.is_absolute() else base / path
        source = str(path)
        try:
            if path.stat().st_size > KEY_FILE_LIMIT:
                raise BadValue(f"{path} terlalu besar untuk sebuah kunci publik.")
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            detail = getattr(error, "strerror", None) or "bukan teks"
            raise BadValue(
                f"Berkas kunci publik tidak dapat dibaca: {path} ({detail}).",
                hint="Tempel baris 'ssh-ed25519 AAAA...' atau tulis jalur berkas .pub-nya.",
            ) from None
    if "PRIVATE KEY" in text:
        raise BadValue(
            f"{source} adalah kunci RAHASIA, bukan kunci publik; jangan dikirim ke siapa pun.",
            hint="Pakai berkas yang berakhiran .pub.",
        )
    try:
        key = normalise_key(text)
    except ValueError as error:
        raise BadValue(
            f"Kunci publik dari {source} tidak sah: {error}.",
            hint="Minta pejabat itu mengirim ulang baris dari 'invoke keygen' "
            "(diawali ssh-ed25519).",
        ) from None
    if fingerprint(key) in DEMO_FINGERPRINTS:
        raise BadValue(
            f"Kunci dari {source} adalah kunci CONTOH (demo-keys/) yang diketahui umum.",
            hint='Setiap pejabat membuat kuncinya sendiri: invoke keygen --name "Nama".',
        )
    return key, source


def parse_official(spec: str, roster: Roster, base: Path) -> Official:
    """Return the official of ``--orang "peran=Nama Lengkap=kunci.pub"``."""
    parts = [part.strip() for part in spec.split("=", 2)]
    if len(parts) != 3 or not all(parts):
        raise BadValue(
            f"--orang {spec!r}: diharapkan 'peran=Nama Lengkap=berkas.pub'.",
            hint='Contoh: --orang "web-admin=Andi Prasetyo=andi.pub".',
        )
    role = find_role(roster, parts[0])
    key, source = read_public_key(parts[2], base)
    return Official(role.id, parts[1], key, source)


def start_date(given: str | None, today: date) -> date:
    """Return the day the officials take office (``--mulai``; default today)."""
    if not given:
        return today
    try:
        return date.fromisoformat(given.strip())
    except ValueError:
        raise BadValue(
            f"--mulai {given!r}: diharapkan tanggal YYYY-MM-DD.", hint="Contoh: --mulai 2027-01-02."
        ) from None


def make_plan(
    roster: Roster,
    officials: list[Official],
    code_roles: list[str],
    publisher: str | None,
    start: date,
) -> Plan:
    """Check the officials (every role once, every key once) and return the plan."""
    by_role = {official.role: official for official in officials}
    for role in roster.roles:
        count = sum(official.role == role.id for official in officials)
        if count != 1:
            raise BadValue(
                f"Peran {role.name} ({role.id}) diberikan {count} kali; setiap peran tepat satu "
                "pejabat.",
                hint=f'Beri --orang "{role.id}=Nama Lengkap=kunci.pub" tepat sekali.',
            )
    keys = [o.key for o in officials] + ([publisher] if publisher else [])
    if len(set(keys)) != len(keys):
        raise BadValue(
            "Kunci publik yang sama diberikan dua kali; setiap pejabat dan mesin penerbit "
            "memakai kuncinya sendiri.",
            hint="Periksa berkas .pub yang diberikan.",
        )
    chosen = tuple(find_role(roster, given).id for given in code_roles)
    ordered = tuple(by_role[role.id] for role in roster.roles)
    return Plan(roster.version + 1, roster.roles, ordered, chosen, publisher, start)


def person_ids(officials: tuple[Official, ...]) -> list[str]:
    """Return a short, unique id per official from the name ("Drs. Bambang S." -> bambang)."""
    taken: list[str] = []
    for official in officials:
        taken.append(person_id(official.name, taken))
    return taken


def person_id(name: str, taken: Collection[str], fallback: str = "pejabat") -> str:
    """Return a roster id made from ``name`` (``"Drs. Bambang S."`` -> ``bambang``) not taken.

    The first words that make it unique, in ASCII, at most 40 characters; a number is added
    when the whole name is taken. ``invoke setup-roster`` and the desk's invitations use it.
    """
    words = [w for w in name.replace(",", " ").split() if not w.endswith(".")] or name.split()
    slugs = [slug for slug in map(_ascii, words) if slug] or [fallback]
    for count in range(1, len(slugs) + 1):
        candidate = "-".join(slugs[:count])[:40].strip("-")
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidate}-{number}" in taken:
        number += 1
    return f"{candidate}-{number}"


def _ascii(word: str) -> str:
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", plain)


def render_roster(plan: Plan) -> str:
    """Return the new roster.yml, in the format of docs/approval-records.md."""
    quoted = json.dumps  # a JSON string is a YAML double-quoted scalar
    lines = [
        "# Roster pejabat penyetuju website (SOP No. 11 Tahun 2023), dibuat dengan",
        f"# 'invoke setup-roster' pada {plan.start.isoformat()}. Berkas ini hanya berlaku bila",
        "# roster.yml.sig adalah tanda tangan Ketua KPU (kunci jangkar). Setiap perubahan:",
        "# naikkan 'version', lalu Ketua KPU menandatangani ulang dengan 'invoke sign-roster'.",
        f"version: {plan.version}",
        "roles:",
    ]
    for role in plan.roles:
        lines += [f"  - id: {role.id}", f"    name: {quoted(role.name)}"]
        lines.append(f"    standard_minutes: {role.standard_minutes}")
    lines.append("people:")
    ids = person_ids(plan.officials)
    for person, official in zip(ids, plan.officials, strict=True):
        lines += [f"  - id: {person}", f"    name: {quoted(official.name)}"]
        if official.role in plan.code_roles:
            lines.append("    code: true  # boleh menandatangani commit yang mengubah kode situs")
        lines += ["    keys:", f"      - key: {official.key}"]
    if plan.publisher:
        lines += [
            "# Mesin penerbit: kuncinya menandatangani setiap catatan arsip publikasi.",
            "publishers:",
            f"  - id: {PUBLISHER_ID}",
            f"    name: {quoted(PUBLISHER_NAME)}",
            "    keys:",
            f"      - key: {plan.publisher}",
        ]
    lines.append("holders:")
    for person, official in zip(ids, plan.officials, strict=True):
        lines += [f"  - role: {official.role}", f"    person: {person}"]
        lines.append(f"    from: {plan.start.isoformat()}")
    return "\n".join(lines) + "\n"


def ensure_anchor_key(path: Path, *, passphrase: bool) -> bool:
    """Make the chair's anchor key at ``path`` unless it exists; tell whether it was made."""
    if path.exists():
        return False
    if Path(f"{path}.pub").exists():
        raise WorkflowError(
            f"Ada {path}.pub tetapi kunci rahasianya ({path}) tidak ada; tidak ada yang dibuat.",
            hint="Tulis jalur kunci rahasia yang benar, atau jalur .pub-nya bila kunci itu ada "
            "di ssh-agent.",
        )
    generate_key(path, "jangkar-roster-ketua-kpu", passphrase=passphrase)
    return True


def write_signed(approvals: Path, plan: Plan, key: Path) -> str:
    """Write, sign and check the new roster, then put it in place; return the anchor.

    Everything is made in a folder beside approvals/ first: a failed signature or check
    leaves approvals/ exactly as it was.
    """
    with tempfile.TemporaryDirectory(prefix=".roster-baru-", dir=approvals.parent) as folder:
        staged = Path(folder)
        (staged / "roster.yml").write_text(render_roster(plan), encoding="utf-8")
        anchor = sign_roster(staged / "roster.yml", key)
        if anchor in DEMO_FINGERPRINTS:
            raise WorkflowError(
                f"Kunci {key} adalah kunci CONTOH ({anchor}); roster resmi tidak boleh "
                "ditandatangani dengannya. approvals/ tidak diubah.",
                hint="Buat kunci jangkar baru: --anchor-key ~/.ssh/kpu-rembang-jangkar_ed25519.",
            )
        if anchor in {official.fingerprint for official in plan.officials}:
            raise WorkflowError(
                "Kunci jangkar sama dengan kunci salah satu pejabat; approvals/ tidak diubah.",
                hint="Kunci jangkar Ketua KPU harus kunci tersendiri.",
            )
        load_roster(staged, anchor, allow_demo_keys=False)  # as the publishing machine reads it
        for name in WRITTEN:
            os.replace(staged / name, approvals / name)
    return anchor
