"""Tasks of the approvers and the KPU chair: status, sign-offs, keys and the roster.

Glue only: the SOP's rules, signing and the roster live in the gate
(``approval_gate.api``), the hand-off messages in ``editorial.handoff``; these tasks
call them inside ``reported`` and render the results as tables, JSON or Indonesian text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, task

from .cli import DEFAULT_KEY, ROOT, reported, settings_file, trusted

if TYPE_CHECKING:
    from datetime import datetime

    from approval_gate.api import Finding, StatusRow, StatusView

    from editorial.handoff import Handoff

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
    optional=["pesan"],
    help={
        "json": "keluaran JSON untuk mesin",
        "settings": "berkas pengaturan",
        "pesan": "sertakan pesan serah terima (teks dan tautan WhatsApp); "
        "--pesan ITEM: hanya untuk item itu",
        "item": "hanya item ini (content/berita/x.md, berita/x.md, atau relatif dari folder ini)",
    },
)
def status_(
    c: Context,
    json_: bool = False,
    settings: str = "pelicanconf.py",
    pesan: bool | str = False,
    item: str | None = None,
) -> None:
    """Tampilkan posisi setiap item dalam alur SOP dan siapa yang harus bertindak."""
    with reported():
        only = _only_item(pesan, item)
        view = None if pesan or only else _whole_site(settings, json_)
    if view is not None:  # the whole site: the snapshot may have answered (no ledger)
        _show(view.now, view.roster_version, view.rows, view.orphans, {}, json_)
        return
    with reported():
        from approval_gate.api import discover_items, existing_item, open_ledger

        ledger = open_ledger(settings_file(settings))
        items = [existing_item(ledger.content, only)] if only else discover_items(ledger.content)
    from approval_gate.api import status_rows

    from editorial.handoff import status_messages

    rows = status_rows(ledger, items)
    ledger.save_cache()
    orphans = [] if only else ledger.orphans(set(items))
    messages = (
        status_messages(ledger, [r.verdict for r in rows], settings_file(settings)) if pesan else {}
    )
    _show(ledger.now, ledger.roster.version, rows, orphans, messages, json_)


def _whole_site(settings: str, json_: bool) -> StatusView:
    """Return the whole site's status; only ``--json`` shows the chains of sign-offs."""
    from approval_gate.api import site_status

    return site_status(settings_file(settings), chains=json_)


def _show(
    now: datetime,
    version: int,
    rows: list[StatusRow],
    orphans: list[Finding],
    messages: dict[str, Handoff],
    json_: bool,
) -> None:
    """Print the rows as the table or as JSON (``--json``)."""
    if json_:
        entries = [row.as_dict() for row in rows]
        if messages:
            from editorial.handoff import with_message

            entries = [with_message(entry, messages) for entry in entries]
        print(
            json.dumps(
                {
                    "now": now.isoformat(),
                    "roster_version": version,
                    "items": entries,
                    "problems": [f.as_dict() for f in orphans],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    _print_rows(rows, messages, orphans)


def _only_item(pesan: bool | str, item: str | None) -> str | None:
    """Return the one item ``--pesan ITEM`` or ``--item ITEM`` asks about, if any."""
    from editorial.errors import BadValue

    named = {name for name in (pesan, item) if isinstance(name, str) and name}
    if len(named) > 1:
        raise BadValue(
            f"--pesan {pesan!r} dan --item {item!r} menyebut dua item berbeda.",
            hint="Tidak ada yang ditampilkan; sebutkan satu item saja.",
        )
    return named.pop() if named else None


def _print_rows(
    rows: list[StatusRow], messages: dict[str, Handoff], orphans: list[Finding]
) -> None:
    """Print the status table: one line per item, long reasons and findings below it.

    The table is written at once: 5,000 ``print`` calls were 5,000 writes to a terminal
    (line-buffered) or an unbuffered pipe, 0.035 s of a warm ``invoke status`` profiled.
    """
    width = max((len(row.verdict.item) for row in rows), default=4)
    lines = [f"{'ITEM':<{width}}  {'STATUS':<{REASON_WIDTH}}  {'MENUNGGU':>10}  STANDAR"]
    add = lines.append
    for row in rows:
        reason = row.verdict.reason
        standard = f"{row.standard_minutes}m" if row.standard_minutes else "-"
        flag = "  TERLAMBAT" if row.overdue else ""
        add(
            f"{row.verdict.item:<{width}}  {reason[:REASON_WIDTH]:<{REASON_WIDTH}}  "
            f"{_duration(row.waited_minutes):>10}  {standard}{flag}"
        )
        if len(reason) > REASON_WIDTH:
            add(f"    {reason}")
        for finding in row.verdict.findings:
            add(f"    ! {finding.render()}")
        if row.verdict.item in messages:
            add(messages[row.verdict.item].render())
    for finding in orphans:
        add(f"! {finding.render()}")
    ready = sum(row.verdict.publishable for row in rows)
    add(f"\n{ready} dari {len(rows)} item siap terbit.")
    print("\n".join(lines))


def _ready(key_file: Path) -> None:
    """Give a freshly cloned demo key (demo-keys/, 0644) mode 0600, and say so in one line."""
    from approval_gate.api import ready_demo_key

    notice = ready_demo_key(key_file)
    if notice:
        print(notice)


def _decide(item: str, role: str, decision: str, note: str, key: str | None, settings: str) -> None:
    """Sign one decision on the item's current version; print what was made.

    The item may be typed as any path that names it, the role as its id or name in
    any spelling the roster recognises (``find_role``); a role read from another
    spelling is said first, so the person sees what is signed.
    """
    from approval_gate.api import NaskahRefused, decide, existing_item, find_role, open_ledger

    key_file = Path(key or os.environ.get("KPU_SIGNING_KEY") or DEFAULT_KEY).expanduser()
    _ready(key_file)
    with reported():
        ledger = open_ledger(settings_file(settings))
        # A naskah refusal already says that nothing was signed.
        with reported(lambda e: "" if isinstance(e, NaskahRefused) else "Tidak ditandatangani: "):
            name = existing_item(ledger.content, item)
            chosen, reading = find_role(ledger.roster, role)
            if reading:
                print(reading)
            made = decide(ledger, name, chosen.id, decision, note, key_file, ledger.now)
    word = "DISETUJUI" if decision == "setuju" else "DITOLAK"
    print(
        f"{word} oleh {made.signer} sebagai {made.role}: {made.item}\n"
        f"  berkas: {made.path.relative_to(ledger.approvals.parent)}\n  digest: {made.digest}\n"
        "  Langkah berikut: commit berkas itu ke repositori, lalu lihat 'invoke status'."
    )


@task(
    help={
        "item": "jalur item (content/berita/x.md, berita/x.md, atau relatif dari folder ini)",
        "role": "peran Anda (mis. web-admin atau 'Web Admin')",
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
        "item": "jalur item (content/berita/x.md, berita/x.md, atau relatif dari folder ini)",
        "role": "peran Anda (mis. sekretaris)",
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
    from approval_gate.api import DEMO_FINGERPRINTS
    from approval_gate.api import sign_roster as sign

    roster = Path(approvals or ROOT / "approvals") / "roster.yml"
    _ready(Path(key).expanduser())
    with reported():
        anchor = sign(roster, Path(key).expanduser())
    if anchor in DEMO_FINGERPRINTS:
        print(
            f"Roster ditandatangani dengan kunci jangkar CONTOH ({anchor}): hanya untuk situs "
            "contoh; mesin penerbit menolaknya kecuali 'invoke publish --demo'."
        )
        return
    print(
        f"Roster ditandatangani. Sidik jari jangkar: {anchor}\n"
        "Komputer staf memakai approvals/jangkar-kantor.txt (ikut diperbarui; commit bersama "
        "roster).\nMesin penerbit: bila jangkar ini baru, Web Admin memasangnya sekali "
        f"setelah Ketua KPU memastikannya: invoke pin-anchor {anchor} --ganti"
    )
