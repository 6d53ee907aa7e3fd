"""Tasks of the approvers and the KPU chair: status, sign-offs, keys and the roster.

Glue only: the SOP's rules, signing and the roster live in the gate
(``approval_gate.api``), the hand-off messages in ``editorial.handoff``; these tasks
call them inside ``reported`` and render the results as tables, JSON or Indonesian text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from invoke import Context, task

from approval_gate.api import open_ledger

from .cli import DEFAULT_KEY, ROOT, reported, settings_file, trusted

#: ``invoke status``: the width of the status column; longer reasons get a line of their own.
REASON_WIDTH = 48


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return "-"
    hours, mins = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}h {hours}j {mins}m" if days else f"{hours}j {mins}m" if hours else f"{mins}m"


@task(
    name="status",
    help={
        "json": "keluaran JSON untuk mesin",
        "settings": "berkas pengaturan",
        "pesan": "sertakan pesan serah terima (teks dan tautan WhatsApp)",
    },
)
def status_(
    c: Context, json_: bool = False, settings: str = "pelicanconf.py", pesan: bool = False
) -> None:
    """Tampilkan posisi setiap item dalam alur SOP dan siapa yang harus bertindak."""
    from approval_gate.api import discover_items, status_rows

    from editorial.handoff import status_messages, with_message

    with reported():
        ledger = open_ledger(settings_file(settings))
    items = discover_items(ledger.content)
    rows = status_rows(ledger, items)
    ledger.save_cache()
    orphans = ledger.orphans(set(items))
    messages = (
        status_messages(ledger, [r.verdict for r in rows], settings_file(settings)) if pesan else {}
    )
    if json_:
        print(
            json.dumps(
                {
                    "now": ledger.now.isoformat(),
                    "roster_version": ledger.roster.version,
                    "items": [with_message(row.as_dict(), messages) for row in rows],
                    "problems": [f.as_dict() for f in orphans],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    width = max((len(row.verdict.item) for row in rows), default=4)
    print(f"{'ITEM':<{width}}  {'STATUS':<{REASON_WIDTH}}  {'MENUNGGU':>10}  STANDAR")
    for row in rows:
        reason = row.verdict.reason
        standard = f"{row.standard_minutes}m" if row.standard_minutes else "-"
        flag = "  TERLAMBAT" if row.overdue else ""
        print(
            f"{row.verdict.item:<{width}}  {reason[:REASON_WIDTH]:<{REASON_WIDTH}}  "
            f"{_duration(row.waited_minutes):>10}  {standard}{flag}"
        )
        if len(reason) > REASON_WIDTH:
            print(f"    {reason}")
        for finding in row.verdict.findings:
            print(f"    ! {finding.render()}")
        if row.verdict.item in messages:
            print(messages[row.verdict.item].render())
    for finding in orphans:
        print(f"! {finding.render()}")
    ready = sum(row.verdict.publishable for row in rows)
    print(f"\n{ready} dari {len(rows)} item siap terbit.")


def _decide(item: str, role: str, decision: str, note: str, key: str | None, settings: str) -> None:
    """Sign one decision on the item's current version; print what was made."""
    from approval_gate.api import decide, item_name

    key_file = Path(key or os.environ.get("KPU_SIGNING_KEY") or DEFAULT_KEY).expanduser()
    with reported():
        ledger = open_ledger(settings_file(settings))
        name = item_name(ledger.content, item)
        with reported("Tidak ditandatangani: "):
            made = decide(ledger, name, role, decision, note, key_file, ledger.now)
    word = "DISETUJUI" if decision == "setuju" else "DITOLAK"
    print(
        f"{word} oleh {made.signer} sebagai {made.role}: {made.item}\n"
        f"  berkas: {made.path.relative_to(ledger.approvals.parent)}\n  digest: {made.digest}\n"
        "  Langkah berikut: commit berkas itu ke repositori, lalu lihat 'invoke status'."
    )


@task(
    help={
        "item": "jalur item di bawah content/",
        "role": "peran Anda (mis. web-admin)",
        "key": "kunci SSH Anda (bawaan ~/.ssh/kpu-rembang_ed25519)",
        "settings": "berkas pengaturan",
    }
)
def approve(
    c: Context, item: str, role: str, key: str | None = None, settings: str = "pelicanconf.py"
) -> None:
    """Setujui versi terkini sebuah item dengan tanda tangan SSH Anda."""
    _decide(item, role, "setuju", "", key, settings)


@task(
    help={
        "item": "jalur item di bawah content/",
        "role": "peran Anda",
        "note": "alasan penolakan (wajib)",
        "key": "kunci SSH Anda",
        "settings": "berkas pengaturan",
    }
)
def reject(
    c: Context,
    item: str,
    role: str,
    note: str = "",
    key: str | None = None,
    settings: str = "pelicanconf.py",
) -> None:
    """Tolak versi terkini sebuah item, dengan alasan, sehingga kembali ke penulis."""
    _decide(item, role, "tolak", note, key, settings)


@task(
    help={
        "name": "nama Anda (komentar kunci)",
        "file": "lokasi kunci baru",
        "no_passphrase": "tanpa frasa sandi (hanya untuk uji/otomasi)",
    }
)
def keygen(c: Context, name: str, file: str | None = None, no_passphrase: bool = False) -> None:
    """Buat kunci tanda tangan SSH baru untuk seorang pejabat penyetuju."""
    from approval_gate.api import fingerprint, generate_key

    target = Path(file or DEFAULT_KEY).expanduser()
    with reported():
        public = generate_key(target, name, passphrase=not no_passphrase)
    print(
        f"Kunci dibuat: {target}\nKunci publik (kirim ke Ketua KPU untuk roster):\n"
        f"  {public}\nSidik jari: {fingerprint(public)}"
    )


@task(
    name="allowed-signers",
    help={
        "output": "tulis ke berkas ini (bawaan: layar)",
        "settings": "berkas pengaturan",
        "kode": "penanda tangan kode situs (gpg.ssh.allowedSignersFile untuk git)",
    },
)
def allowed_signers_(
    c: Context, output: str | None = None, settings: str = "pelicanconf.py", kode: bool = False
) -> None:
    """Ekspor roster sebagai berkas allowed_signers untuk 'ssh-keygen -Y verify'."""
    from approval_gate.api import allowed_signers, code_allowed_signers

    with reported():
        _, roster = trusted(settings)
    text = code_allowed_signers(roster) if kode else allowed_signers(roster)
    if output:
        Path(output).write_text(text)
        print(f"Ditulis: {output}")
    else:
        print(text, end="")


@task(
    name="sign-roster",
    help={
        "key": "kunci jangkar Ketua KPU",
        "approvals": "folder approvals/ (bawaan: milik proyek ini)",
    },
)
def sign_roster(c: Context, key: str, approvals: str | None = None) -> None:
    """(Ketua KPU) Tandatangani approvals/roster.yml dengan kunci jangkar."""
    from approval_gate.api import sign_roster as sign

    roster = Path(approvals or ROOT / "approvals") / "roster.yml"
    with reported():
        anchor = sign(roster, Path(key).expanduser())
    print(
        f"Roster ditandatangani. Sidik jari jangkar: {anchor}\n"
        "Pasang di mesin penerbit: KPU_ROSTER_ANCHOR atau ~/.config/kpu-rembang/roster-anchor"
    )
