"""Where the roster's trust anchor comes from, and what to say when it does not fit.

The anchor is the SHA256 fingerprint of the KPU chair's key. Publishing trusts only an
anchor pinned on the publishing machine: the environment (``KPU_ROSTER_ANCHOR``, for CI)
or the machine's configuration file; a writer who edits the repository can change
neither. Staff PCs only look (status, preview, approve): ``local_anchor`` lets them
work from the fingerprint the chair records in the repository
(``approvals/jangkar-kantor.txt``), which is never read by ``publishconf.py`` or a
publish. Every anchor message says which anchor this machine uses, where it comes from
and the one command that fixes it (``AnchorOrigin``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import AnchorError, ConfigError, SigningError
from .roster import DEMO_FINGERPRINTS, FINGERPRINT_FORM
from .signatures import (
    ROSTER_NAMESPACE,
    SignatureInvalid,
    fingerprint,
    sign_with_ssh_keygen,
    signing_key,
)

#: Fingerprint of demo-keys/anchor-ketua: for the sample site only, refused when publishing.
DEMO_ANCHOR = "SHA256:c+UH1X5069oeuBAMXiHEKKMmgD4M1aoQE8a0GkAyHis"
#: The office's anchor, recorded in approvals/ for staff PCs; never trusted for publishing.
OFFICE_ANCHOR_FILE = "jangkar-kantor.txt"
#: The environment variable that pins the anchor (CI, schedulers).
ANCHOR_VARIABLE = "KPU_ROSTER_ANCHOR"
#: The command that pins an anchor on this machine (``commands/roster.py``).
PIN_COMMAND = "invoke pin-anchor"

_OFFICE_TEXT = """\
# Jangkar roster kantor: sidik jari kunci Ketua KPU yang menandatangani roster.yml.
# Dipakai HANYA oleh komputer staf untuk kerja lokal (status, preview, approve, watch,
# build dengan pelicanconf.py) bila mesin itu belum memasang jangkar sendiri.
# TIDAK DIPERCAYA UNTUK PENERBITAN: siapa pun yang dapat mengubah repositori dapat
# mengubah berkas ini. Mesin penerbit hanya memakai jangkar yang dipasang di mesin itu
# ({variable} atau ~/.config/kpu-rembang/roster-anchor; '{pin} SHA256:...').
# Ditulis oleh 'invoke setup-roster' dan 'invoke sign-roster'; jangan disunting tangan.
{anchor}
"""


def anchor_file() -> Path:
    """Return the machine-wide file that pins the anchor (outside any checkout)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kpu-rembang" / "roster-anchor"


def pinned_anchor() -> str | None:
    """Return the anchor pinned in the environment or on this machine, if any."""
    value = os.environ.get(ANCHOR_VARIABLE, "").strip()
    if value:
        return value
    file = anchor_file()
    if file.is_file():
        return file.read_text().strip() or None
    return None


def office_anchor(approvals: Path) -> str | None:
    """Return the fingerprint recorded in ``approvals/jangkar-kantor.txt``, if well formed."""
    try:
        text = (approvals / OFFICE_ANCHOR_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [line.strip() for line in text.splitlines()]
    found = [line for line in lines if line and not line.startswith("#")]
    return found[0] if len(found) == 1 and FINGERPRINT_FORM.match(found[0]) else None


def local_anchor(approvals: Path) -> str:
    """Return the anchor of local work: pinned, else the office's record, else the demo's.

    For ``pelicanconf.py`` only (status, preview, approve, watch, build): a staff PC
    works from the repository's record without any set-up. ``publishconf.py`` and a
    publish use ``pinned_anchor`` alone.
    """
    return pinned_anchor() or office_anchor(approvals) or DEMO_ANCHOR


def write_office_anchor(approvals: Path, anchor: str) -> Path:
    """Record ``anchor`` in ``approvals/jangkar-kantor.txt`` (marked: not for publishing)."""
    path = approvals / OFFICE_ANCHOR_FILE
    path.write_text(
        _OFFICE_TEXT.format(variable=ANCHOR_VARIABLE, pin=PIN_COMMAND, anchor=anchor),
        encoding="utf-8",
    )
    return path


def sign_roster(roster: Path, key_file: Path) -> str:
    """Sign ``roster`` (roster.yml) with the anchor key beside it; return the fingerprint.

    Only the KPU chair runs this (``invoke sign-roster``, ``invoke setup-roster``). The
    signature is written to ``roster.yml.sig`` and, unless it is the demo anchor, the
    fingerprint to ``jangkar-kantor.txt`` so staff PCs follow the chair's key; the
    returned fingerprint is what publishing machines pin.
    """
    payload = roster.read_bytes()
    try:
        signature = sign_with_ssh_keygen(payload, key_file, ROSTER_NAMESPACE)
        key = signing_key(payload, signature, ROSTER_NAMESPACE)
    except SignatureInvalid as error:
        raise SigningError(f"Roster tidak ditandatangani: {str(error).rstrip('.')}.") from None
    (roster.parent / "roster.yml.sig").write_text(signature)
    anchor = fingerprint(key)
    if anchor not in DEMO_FINGERPRINTS:
        write_office_anchor(roster.parent, anchor)
    return anchor


def pin_anchor(value: str, *, replace: bool = False) -> tuple[Path, str | None]:
    """Pin ``value`` as this machine's anchor (``invoke pin-anchor``); return file and old pin.

    A different anchor already pinned is replaced only with ``replace``: the pin is what
    the publishing machine trusts, so changing it must be a deliberate act, never the
    side effect of a pasted command.
    """
    given = value.strip()
    if not FINGERPRINT_FORM.match(given) or given in DEMO_FINGERPRINTS:
        why = "bentuknya 'SHA256:' diikuti 43 karakter"
        if given in DEMO_FINGERPRINTS:
            why = "jangkar CONTOH yang diketahui umum"
        raise ConfigError(
            f"Sidik jari tidak dipasang: {given!r} ({why}).",
            hint="Salin persis 'Sidik jari jangkar' yang dicetak 'invoke setup-roster' di "
            "komputer Ketua KPU.",
        )
    file = anchor_file()
    old = file.read_text(encoding="utf-8").strip() if file.is_file() else None
    if old and old != given and FINGERPRINT_FORM.match(old) and not replace:
        raise AnchorError(
            f"Mesin ini sudah memasang jangkar {old} di {_home(file)}; tidak diganti.",
            hint="Ganti hanya bila Ketua KPU sendiri memastikan kunci barunya: "
            f"{PIN_COMMAND} {given} --ganti",
        )
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(given + "\n", encoding="utf-8")
    return file, old if old != given else None


# --- what the messages say ----------------------------------------------------------------


def _home(path: Path) -> str:
    """Return ``path`` with the home folder written as ``~`` (as people type it)."""
    try:
        return f"~/{path.relative_to(Path.home()).as_posix()}"
    except ValueError:
        return str(path)


def missing_anchor_hint() -> str:
    """Return what to do when publishing finds no anchor pinned on this machine."""
    return (
        f"Di mesin ini {ANCHOR_VARIABLE} kosong dan {_home(anchor_file())} tidak ada; "
        f"approvals/{OFFICE_ANCHOR_FILE} di repositori tidak pernah dipakai untuk penerbitan. "
        "Pasang sidik jari kunci Ketua KPU yang Anda terima langsung dari Ketua: "
        f"{PIN_COMMAND} SHA256:..."
    )


@dataclass(frozen=True)
class AnchorOrigin:
    """Where the anchor this machine uses comes from: the words and the fix for messages."""

    anchor: str
    kind: str  # "lingkungan", "mesin", "repositori", "contoh", "demo" or "pengaturan"
    where: str

    def uses(self) -> str:
        """Return "this machine uses anchor X from Y" as one sentence."""
        return f"Mesin ini memakai jangkar {self.anchor} dari {self.where}."

    def fix(self, signed: str | None = None) -> str:
        """Return the one command that fixes a roster signed by ``signed`` (None: unknown)."""
        wanted = signed or "SHA256:..."
        confirm = (
            f"Bila Ketua KPU sendiri memastikan kepada Anda bahwa kunci jangkarnya {wanted}, "
            if signed
            else "Dengan sidik jari kunci Ketua KPU yang Anda terima langsung dari Ketua, "
        )
        otherwise = (
            "; bila tidak, roster ini bukan tanda tangan Ketua: jangan dipakai." if signed else ""
        )
        if self.kind == "lingkungan":
            return f"{confirm}ubah {ANCHOR_VARIABLE} menjadi {wanted}{otherwise}"
        if self.kind == "mesin":
            replace = " --ganti" if FINGERPRINT_FORM.match(self.anchor) else ""
            return f"{confirm}jalankan: {PIN_COMMAND} {wanted}{replace}{otherwise}"
        if self.kind == "repositori":
            return (
                "Roster atau berkas jangkar kantor diubah tanpa Ketua KPU. Minta Ketua KPU "
                "menandatangani ulang roster: invoke sign-roster --key <kunci jangkar Ketua> "
                f"(approvals/{OFFICE_ANCHOR_FILE} ikut diperbarui), lalu git pull."
            )
        if self.kind == "demo":
            return (
                "Roster ini bukan roster contoh: terbitkan tanpa --demo, dengan jangkar yang "
                f"dipasang di mesin penerbit. {confirm}jalankan dulu: {PIN_COMMAND} {wanted}"
            )
        if self.kind == "contoh":
            return (
                f"Ambil approvals/{OFFICE_ANCHOR_FILE} dari repositori: git pull (Ketua KPU "
                "membuatnya dengan 'invoke setup-roster' atau 'invoke sign-roster'). "
                f"{confirm}jalankan: {PIN_COMMAND} {wanted}"
            )
        return (
            f"Isi APPROVAL_GATE_ANCHOR di berkas pengaturan dengan {wanted}, sidik jari kunci "
            "Ketua KPU."
        )


def anchor_origin(anchor: str, approvals: Path) -> AnchorOrigin:
    """Tell where ``anchor`` comes from on this machine (checked in the order it is chosen)."""
    file = anchor_file()
    office = approvals / OFFICE_ANCHOR_FILE
    if os.environ.get(ANCHOR_VARIABLE, "").strip() == anchor:
        return AnchorOrigin(anchor, "lingkungan", f"variabel lingkungan {ANCHOR_VARIABLE}")
    if file.is_file() and pinned_anchor() == anchor:
        return AnchorOrigin(anchor, "mesin", f"berkas mesin {_home(file)}")
    if office_anchor(approvals) == anchor:
        return AnchorOrigin(
            anchor,
            "repositori",
            f"berkas repositori {approvals.name}/{OFFICE_ANCHOR_FILE}, yang hanya untuk kerja "
            "lokal dan tidak dipercaya untuk penerbitan",
        )
    if anchor == DEMO_ANCHOR and office_anchor(approvals):  # local work would use the record
        return AnchorOrigin(
            anchor,
            "demo",
            "jangkar CONTOH bawaan demo-keys/anchor-ketua, yang dipakai penerbitan contoh (--demo)",
        )
    if anchor == DEMO_ANCHOR:
        why = (
            f"{approvals.name}/{OFFICE_ANCHOR_FILE} tidak memuat satu sidik jari yang sah"
            if office.exists()
            else f"{approvals.name}/{OFFICE_ANCHOR_FILE} tidak ada"
        )
        return AnchorOrigin(
            anchor,
            "contoh",
            f"jangkar CONTOH bawaan demo-keys/anchor-ketua, karena mesin ini belum memasang "
            f"jangkar dan {why}",
        )
    return AnchorOrigin(anchor, "pengaturan", "pengaturan APPROVAL_GATE_ANCHOR")
