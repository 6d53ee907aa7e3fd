"""Tasks of the roster's trust: the first real roster (the chair) and the anchor pin (web admin).

Glue only: checking and writing the roster is ``editorial.roster_setup``, the anchor and
its pin are the gate's (``approval_gate.api``). ``setup-roster`` asks its questions with
``input()`` unless every answer is given as an option (``--orang`` once per role), so a
script or a test runs it without a terminal.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from invoke import Context, task

from approval_gate.api import ANCHOR_VARIABLE, OFFICE_ANCHOR_FILE, PIN_COMMAND, KpuError

from .cli import ROOT, reported, shown

if TYPE_CHECKING:
    from approval_gate.api import Roster

    from editorial.roster_setup import Official, Plan

#: Where the chair's anchor key is made unless ``--anchor-key`` says otherwise.
DEFAULT_ANCHOR_KEY = "~/.ssh/kpu-rembang-jangkar_ed25519"
#: How the publishing machine makes its key (said when it is asked for, and when it is missing).
PUBLISHER_KEYGEN = (
    "mkdir -p ~/.config/kpu-rembang && "
    'ssh-keygen -t ed25519 -N "" -f ~/.config/kpu-rembang/penerbit_ed25519'
)
T = TypeVar("T")


def _ask(question: str, check: Callable[[str], T], default: str = "") -> T:
    """Ask until ``check`` accepts the answer; a refused answer is explained, then asked again."""
    from editorial.errors import WorkflowError

    while True:
        try:
            answer = input(f"{question}{f' [{default}]' if default else ''}: ").strip() or default
        except EOFError:
            raise WorkflowError(
                "Masukan berakhir sebelum semua pertanyaan terjawab; tidak ada yang ditulis.",
                hint="Jalankan lagi di terminal, atau beri semua jawaban sebagai opsi "
                "(--anchor-key, --orang ... sekali per peran, --ya).",
            ) from None
        try:
            return check(answer)
        except KpuError as error:
            print(f"  {error.render()}")


def _ask_officials(roster: Roster, base: Path) -> list[Official]:
    from editorial.roster_setup import Official, read_public_key

    def named(answer: str) -> str:
        if not answer:
            raise KpuError("Nama wajib diisi.")
        return answer

    found = []
    print("\nLangkah 2/4. Pejabat penyetuju, satu per peran (urutan SOP).")
    for role in roster.roles:
        name = _ask(f"  {role.name}: nama lengkap", named)
        key, source = _ask(
            f"  {role.name}: kunci publik (tempel baris 'ssh-ed25519 ...' atau jalur berkas .pub)",
            lambda answer: read_public_key(answer, base),
        )
        found.append(Official(role.id, name, key, source))
        print(f"    sidik jari: {found[-1].fingerprint}")
    return found


def _ask_code_roles(roster: Roster) -> list[str]:
    from editorial.roster_setup import find_role

    def roles(answer: str) -> list[str]:
        given = [part for part in answer.replace(",", " ").split() if part != "-"]
        return [find_role(roster, part).id for part in given]

    print("\nLangkah 3/4. Siapa boleh menandatangani perubahan kode situs (docs/signed-code.md)?")
    return _ask("  Peran, dipisah koma ('-' untuk tidak ada)", roles, roster.roles[0].id)


def _ask_publisher(base: Path) -> str | None:
    from editorial.roster_setup import read_public_key

    print("\nLangkah 4/4. Kunci publik mesin penerbit. Buat di mesin itu dengan:")
    print(f"  {PUBLISHER_KEYGEN}")
    return _ask(
        "  Berkas .pub atau baris kunci (kosong = nanti)",
        lambda answer: read_public_key(answer, base)[0] if answer else None,
    )


def render_plan(plan: Plan) -> str:
    """Return the summary the chair checks before the roster is signed."""
    from editorial.roster_setup import person_ids

    lines = [f"\nRoster versi {plan.version}, berlaku mulai {plan.start.isoformat()}:"]
    names = {role.id: role.name for role in plan.roles}
    for person, official in zip(person_ids(plan.officials), plan.officials, strict=True):
        code = "  (boleh menandatangani kode)" if official.role in plan.code_roles else ""
        lines.append(f"  {names[official.role]}: {official.name} [{person}]{code}")
        lines.append(f"      {official.fingerprint}  dari {official.source}")
    if plan.publisher:
        from approval_gate.api import fingerprint

        lines.append(f"  Mesin penerbit: {fingerprint(plan.publisher)}")
    else:
        lines.append("  Mesin penerbit: belum ada (penerbitan ditolak sampai ditambahkan)")
    lines.append("  Orang-orang CONTOH dan kunci contoh dihapus dari roster.")
    return "\n".join(lines)


def next_steps(anchor: str, plan: Plan) -> list[str]:
    """Return what the chair and the web admin do next, with the exact commands."""
    from editorial.roster_setup import WRITTEN

    files = " ".join(f"approvals/{name}" for name in WRITTEN)
    steps = [
        "Langkah berikut:",
        "1. (Ketua KPU atau Web Admin) Simpan ke repositori:",
        f"     git add {files}",
        f'     git commit -m "Roster versi {plan.version}: pejabat resmi"',
        "     git push",
        f"   Komputer staf (status, preview, approve) memakai approvals/{OFFICE_ANCHOR_FILE}",
        "   setelah git pull; di sana tidak ada yang perlu dipasang.",
        "2. (Web Admin, di mesin penerbit, sekali) Pasang jangkar. Terima sidik jari ini langsung",
        "   dari Ketua KPU (kertas, telepon), bukan dari repositori:",
        f"     {PIN_COMMAND} {anchor}",
        "   atau tanpa invoke:",
        "     mkdir -p ~/.config/kpu-rembang && "
        f"echo '{anchor}' > ~/.config/kpu-rembang/roster-anchor",
        "3. (Web Admin, di mesin penerbit) Penerbitan pertama dengan roster ini:",
        "     git pull",
        '     invoke terima-riwayat --commit HEAD --alasan "Roster pertama"',
        "     invoke publish",
    ]
    if plan.publisher is None:
        steps += [
            "Catatan: roster ini belum memuat kunci mesin penerbit; penerbitan ditolak sampai ada.",
            f"   Di mesin penerbit: {PUBLISHER_KEYGEN}, kirim",
            "   berkas .pub-nya ke Ketua KPU; Ketua menambahkannya di bagian 'publishers' roster,",
            "   menaikkan 'version', lalu 'invoke sign-roster'.",
        ]
    return steps


@task(
    name="setup-roster",
    iterable=["orang", "kode"],
    help={
        "anchor_key": f"kunci jangkar Ketua KPU (bawaan {DEFAULT_ANCHOR_KEY}; dibuat bila belum "
        "ada, tidak pernah ditimpa)",
        "orang": "'peran=Nama Lengkap=berkas.pub' (atau baris kunci), sekali per peran",
        "penerbit": "kunci publik mesin penerbit (berkas .pub atau baris kunci)",
        "kode": "peran yang boleh menandatangani perubahan kode (bawaan: peran pertama)",
        "mulai": "tanggal mulai menjabat YYYY-MM-DD (bawaan: hari ini)",
        "ya": "tanpa pertanyaan konfirmasi",
        "no_passphrase": "kunci jangkar baru tanpa frasa sandi (hanya untuk uji)",
        "approvals": "folder approvals/ (bawaan: milik proyek ini)",
    },
)
def setup_roster(
    c: Context,
    anchor_key: str | None = None,
    orang: list[str] | None = None,
    penerbit: str | None = None,
    kode: list[str] | None = None,
    mulai: str | None = None,
    ya: bool = False,
    no_passphrase: bool = False,
    approvals: str | None = None,
) -> None:
    """(Ketua KPU) Roster pertama: kunci jangkar, kunci para pejabat, tanda tangan, petunjuk."""
    from approval_gate.api import now

    from editorial import roster_setup as setup
    from editorial.errors import WorkflowError

    folder = Path(approvals).resolve() if approvals else ROOT / "approvals"
    base = Path.cwd()
    with reported():
        roster = setup.sample_roster(folder)
        print(
            "Penyiapan roster pertama. Roster contoh (versi "
            f"{roster.version}) berisi orang-orang CONTOH; roster baru menggantikannya."
        )
        if anchor_key is None:
            print("\nLangkah 1/4. Kunci jangkar Ketua KPU (dibuat bila belum ada, tidak ditimpa).")
        key = Path(anchor_key or _ask("  Lokasi", str, DEFAULT_ANCHOR_KEY)).expanduser()
        officials = (
            [setup.parse_official(spec, roster, base) for spec in orang]
            if orang
            else _ask_officials(roster, base)
        )
        code = kode or (_ask_code_roles(roster) if not orang else [roster.roles[0].id])
        if penerbit:
            publisher: str | None = setup.read_public_key(penerbit, base)[0]
        else:
            publisher = None if orang else _ask_publisher(base)
        plan = setup.make_plan(
            roster, officials, code, publisher, setup.start_date(mulai, now().date())
        )
        print(render_plan(plan))
        if not ya and _ask("\nTulis dan tandatangani roster ini? (y/t)", str, "t").lower() != "y":
            raise WorkflowError("Dibatalkan; tidak ada yang ditulis.")
        made = setup.ensure_anchor_key(key, passphrase=not no_passphrase)
        anchor = setup.write_signed(folder, plan, key)
    state = "dibuat (cadangkan di tempat aman)" if made else "yang sudah ada dipakai"
    print(
        f"\nKunci jangkar {state}: {key}\n"
        f"Roster versi {plan.version} ditulis dan ditandatangani: {shown(folder / 'roster.yml')}, "
        f"{shown(folder / 'roster.yml.sig')}\n"
        f"Jangkar kantor untuk komputer staf: {shown(folder / OFFICE_ANCHOR_FILE)} "
        "(TIDAK dipercaya untuk penerbitan)\n"
        f"Sidik jari jangkar: {anchor}\n"
    )
    print("\n".join(next_steps(anchor, plan)))


@task(
    name="pin-anchor",
    help={
        "sidik_jari": "sidik jari kunci Ketua KPU, 'SHA256:...'",
        "ganti": "ganti jangkar lain yang sudah terpasang (hanya bila Ketua KPU memastikannya)",
    },
)
def pin_anchor_(c: Context, sidik_jari: str, ganti: bool = False) -> None:
    """(Web Admin, mesin penerbit) Pasang sidik jari kunci Ketua KPU sebagai jangkar roster."""
    from approval_gate.api import pin_anchor

    with reported():
        file, old = pin_anchor(sidik_jari, replace=ganti)
    print(f"Jangkar roster mesin ini: {sidik_jari.strip()} (ditulis di {file}).")
    if old:
        print(f"  Menggantikan jangkar {old}.")
    env = os.environ.get(ANCHOR_VARIABLE, "").strip()
    if env and env != sidik_jari.strip():
        print(
            f"  Perhatian: {ANCHOR_VARIABLE}={env} di lingkungan ini tetap didahulukan; "
            "kosongkan variabel itu agar berkas ini dipakai."
        )
