"""Tasks of the writers and the web admin's records: ``new``, ``report`` and ``sheet``.

Glue only: drafts are planned and written by ``editorial.drafting``, the report is
gathered, computed and rendered by ``editorial.report``, the sheet by
``editorial.sheet``. The tasks run them inside ``reported`` and tell the person what
was written and what comes next.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, task

from approval_gate.api import KINDS, all_of

from .cli import reported, settings_file, shown, state_folder, trusted

if TYPE_CHECKING:
    from approval_gate.api import Role

    from editorial.drafting.new import Draft


@task(
    help={
        "kind": f"jenis: {', '.join(kind.id for kind in KINDS)}",
        "title": "judul naskah (dalam tanda kutip)",
        "slug": "alamat di situs (bawaan: dari judul)",
        "berlaku_sampai": "pengumuman: batas tayang 'YYYY-MM-DD HH:MM' WIB "
        "(bawaan: 14 hari lagi, 23:59)",
        "settings": "berkas pengaturan",
    }
)
def new(
    c: Context,
    kind: str,
    title: str,
    slug: str | None = None,
    berlaku_sampai: str | None = None,
    settings: str = "pelicanconf.py",
) -> None:
    """Buat draf naskah baru (SOP langkah 1) dengan nama berkas dan metadata yang benar."""
    from approval_gate.api import now

    from editorial.drafting.new import find_kind, plan_draft, write_draft

    with reported():
        gs, roster = trusted(settings)
        draft = plan_draft(
            gs.content_path, find_kind(kind), title, now(gs.now), slug=slug, until=berlaku_sampai
        )
        path = write_draft(gs.content_path, draft)
    print(render_new(draft, path, gs.content_path, roster.roles))


def render_new(draft: Draft, path: Path, content: Path, roles: tuple[Role, ...]) -> str:
    """Return what ``invoke new`` tells the writer: where to write and what comes next."""
    item = f"content/{draft.item}"
    first = roles[0]
    lines = [
        f"Draf baru dibuat: {shown(path)}",
        f"  Jenis: {draft.kind.category or 'Halaman'}; alamat setelah terbit: {draft.url}",
    ]
    if draft.kind.expires:
        until = next(line for line in draft.text.splitlines() if line.startswith("berlaku_sampai:"))
        lines.append(f"  Batas tayang ({until}); ubah di berkas bila perlu.")
    lines += [
        "",
        "Langkah berikutnya:",
        "  1. Buka berkas itu di penyunting teks. Ganti setiap [ISI: ...] dan hapus "
        "setiap [PETUNJUK: ...].",
    ]
    from editorial.drafting.new import open_markers  # naskah checks: what is left to fill

    lines += open_markers(draft)
    number = 2
    if draft.attachments:
        lines.append(f"  {number}. Simpan lampirannya dengan nama persis ini:")
        lines += [f"       {shown(content / rel)}  ({what})" for rel, what in draft.attachments]
        number += 1
    lines += [
        f"  {number}. Lihat pratinjaunya: invoke preview (atau invoke watch selama menulis).",
        f"  {number + 1}. Simpan ke repositori: git add {item}"
        + (" beserta lampirannya" if draft.attachments else "")
        + f', lalu git commit -m "Draf {draft.kind.id}: {Path(draft.item).stem}" dan git push.',
        f"  {number + 2}. Serahkan ke {first.name} untuk diperiksa (SOP langkah 4). "
        "Posisinya terlihat di: invoke status",
        f"     {first.name} menyetujui dengan:",
        f"       invoke approve {item} --role {first.id}",
        "     atau mengembalikan dengan alasan:",
        f'       invoke reject {item} --role {first.id} --note "alasan"',
        f"Sampai {all_of(len(roles))} pejabat ({', '.join(role.name for role in roles)}) "
        "menyetujui, item ini berstatus draf dan tidak tampil di situs.",
    ]
    return "\n".join(lines)


@task(
    help={
        "dari": "awal periode YYYY-MM-DD (bawaan: sejak awal)",
        "sampai": "akhir periode YYYY-MM-DD, termasuk hari itu (bawaan: sampai sekarang)",
        "csv": "tulis juga tabel per langkah ke berkas CSV ini",
        "html": "tulis juga halaman HTML dengan grafik ke berkas ini",
        "settings": "berkas pengaturan",
    }
)
def report(
    c: Context,
    dari: str | None = None,
    sampai: str | None = None,
    csv: str | None = None,
    html: str | None = None,
    settings: str = "pelicanconf.py",
) -> None:
    """Laporkan lama setiap langkah persetujuan dibanding standar waktu SOP."""
    from editorial.report.period import Period
    from editorial.report.inputs import gather
    from editorial.report.render import render_csv, render_html, render_text

    from approval_gate.api import open_ledger

    with reported():
        period = Period.of(dari, sampai)
        ledger = open_ledger(settings_file(settings))
    result, problems = gather(ledger, state_folder(settings), period)
    print(render_text(result))
    for problem in problems:
        print(f"! {problem}")
    for target, render in ((csv, render_csv), (html, render_html)):
        if target:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(result), encoding="utf-8", newline="")
            print(f"Ditulis: {shown(path)}")


@task(
    help={
        "item": "jalur item (content/berita/x.md, berita/x.md, atau relatif dari folder ini)",
        "output": "berkas HTML hasil (bawaan: var/lembar-persetujuan/<jenis>--<item>.html)",
        "pdf": "buat juga PDF bila pengubah PDF terpasang (--no-pdf: HTML saja)",
        "settings": "berkas pengaturan",
    }
)
def sheet(
    c: Context,
    item: str,
    output: str | None = None,
    pdf: bool = True,
    settings: str = "pelicanconf.py",
) -> None:
    """Cetak Lembar Persetujuan Publikasi sebuah item untuk arsip kertas (HTML A4 dan PDF)."""
    from approval_gate.api import existing_item, open_ledger

    from editorial.sheet.pdf import convert, find_converter
    from editorial.sheet.sheet import write_sheet

    with reported():
        ledger = open_ledger(settings_file(settings))
        name = existing_item(ledger.content, item)
    target, problems = write_sheet(
        ledger, state_folder(settings), name, Path(output) if output else None
    )
    for problem in problems:
        print(f"! {problem}")
    print(f"Lembar persetujuan (HTML, A4): {shown(target)}")
    if not pdf:
        return
    converter = find_converter(os.environ)
    if converter is None:
        print(
            "PDF tidak dibuat: tidak ada pengubah PDF yang terpasang (chromium, "
            "wkhtmltopdf atau LibreOffice). Buka berkas HTML itu di peramban lalu pilih "
            "Cetak (Ctrl+P), ukuran kertas A4."
        )
        return
    with reported():
        made = convert(converter, target, target.with_suffix(".pdf"))
    print(f"Lembar persetujuan (PDF, dibuat dengan {converter.name}): {shown(made)}")
