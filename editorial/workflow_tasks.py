"""Tasks ``new``, ``report`` and ``sheet`` (imported by tasks.py, listed by ``invoke --list``).

Glue only: settings, roster and ledger are loaded the way ``invoke status`` loads them;
the work is done by ``new_item``, ``report``/``report_render`` and ``sheet``. Every
failure ends with an Indonesian message and an exit code, never a traceback.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from .workflow_errors import BadValue, WorkflowError

if TYPE_CHECKING:
    from approval_gate.ledger import Ledger
    from approval_gate.settings import GateSettings

    from .new_item import Draft

ROOT = Path(__file__).resolve().parent.parent


def _settings(settings: str) -> GateSettings:
    from approval_gate.errors import GateError
    from approval_gate.settings import load_settings, read_settings_file

    try:
        return load_settings(read_settings_file(ROOT / settings))
    except GateError as error:
        raise Exit(error.render(), code=error.exit_code) from None


def _ledger(gs: GateSettings) -> Ledger:
    from approval_gate.api import KpuError, open_ledger

    try:
        return open_ledger(gs)
    except KpuError as error:
        raise Exit(error.render(), code=error.exit_code) from None


def _state(settings: str) -> Path:
    """Return the machine-state folder beside the settings file (where demo archives go)."""
    return (ROOT / settings).parent / "var"


def _now(gs: GateSettings) -> datetime:
    from approval_gate.yamlfile import WIB

    return gs.now or datetime.now(WIB)


def _shown(path: Path) -> str:
    """Return ``path`` relative to the current folder when it lies inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _fail(error: WorkflowError) -> Exit:
    return Exit(error.render(), code=error.exit_code)


@task(help={"kind": "jenis: berita, artikel, pengumuman, regulasi, data, dokumentasi, "
                    "bahan-sosialisasi, liputan-kegiatan, halaman",
            "title": "judul naskah (dalam tanda kutip)",
            "slug": "alamat di situs (bawaan: dari judul)",
            "berlaku_sampai": "pengumuman: batas tayang 'YYYY-MM-DD HH:MM' WIB "
                              "(bawaan: 14 hari lagi, 23:59)",
            "settings": "berkas pengaturan"})
def new(c: Context, kind: str, title: str, slug: str | None = None,
        berlaku_sampai: str | None = None, settings: str = "pelicanconf.py") -> None:
    """Buat draf naskah baru (SOP langkah 1) dengan nama berkas dan metadata yang benar."""
    from .new_item import find_kind, plan_draft, write_draft

    gs = _settings(settings)
    try:
        chosen = find_kind(kind)
        if berlaku_sampai and chosen.id != "pengumuman":
            raise BadValue("--berlaku-sampai hanya untuk jenis pengumuman.",
                           hint="Hapus pilihan itu, atau pilih jenis pengumuman.")
        draft = plan_draft(gs.content_path, chosen, title, _now(gs), slug=slug,
                           until=berlaku_sampai)
        path = write_draft(gs.content_path, draft)
    except WorkflowError as error:
        raise _fail(error) from None
    print(render_new(draft, path, gs.content_path))


def render_new(draft: Draft, path: Path, content: Path) -> str:
    """Return what ``invoke new`` tells the writer: where to write and what comes next."""
    item = f"content/{draft.item}"
    lines = [f"Draf baru dibuat: {_shown(path)}",
             f"  Jenis: {draft.kind.category or 'Halaman'}; alamat setelah terbit: {draft.url}"]
    if draft.kind.id == "pengumuman":
        until = next(line for line in draft.text.splitlines()
                     if line.startswith("berlaku_sampai:"))
        lines.append(f"  Batas tayang ({until}); ubah di berkas bila perlu.")
    lines += ["", "Langkah berikutnya:",
              "  1. Buka berkas itu di penyunting teks. Ganti setiap [ISI: ...] dan hapus "
              "setiap [PETUNJUK: ...]."]
    number = 2
    if draft.attachments:
        lines.append(f"  {number}. Simpan lampirannya dengan nama persis ini:")
        lines += [f"       {_shown(content / rel)}  ({what})" for rel, what in draft.attachments]
        number += 1
    lines += [
        f"  {number}. Lihat pratinjaunya: invoke preview (atau invoke watch selama menulis).",
        f"  {number + 1}. Simpan ke repositori: git add {item}"
        + (" beserta lampirannya" if draft.attachments else "")
        + f', lalu git commit -m "Draf {draft.kind.id}: {Path(draft.item).stem}" dan git push.',
        f"  {number + 2}. Serahkan ke Web Admin untuk diperiksa (SOP langkah 4). "
        "Posisinya terlihat di: invoke status",
        "     Web Admin menyetujui dengan:",
        f"       invoke approve {item} --role web-admin",
        "     atau mengembalikan dengan alasan:",
        f'       invoke reject {item} --role web-admin --note "alasan"',
        "Sampai keempat pejabat (Web Admin, Kasubbag Tekmas, Sekretaris, Komisioner) "
        "menyetujui, item ini berstatus draf dan tidak tampil di situs."]
    return "\n".join(lines)


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(BadValue(f"{option} {value!r} bukan tanggal.",
                             hint="Pakai format YYYY-MM-DD, mis. 2026-11-01.")) from None


@task(help={"dari": "awal periode YYYY-MM-DD (bawaan: sejak awal)",
            "sampai": "akhir periode YYYY-MM-DD, termasuk hari itu (bawaan: sampai sekarang)",
            "csv": "tulis juga tabel per langkah ke berkas CSV ini",
            "html": "tulis juga halaman HTML dengan grafik ke berkas ini",
            "settings": "berkas pengaturan"})
def report(c: Context, dari: str | None = None, sampai: str | None = None,
           csv: str | None = None, html: str | None = None,
           settings: str = "pelicanconf.py") -> None:
    """Laporkan lama setiap langkah persetujuan dibanding standar waktu SOP."""
    from .report import Period
    from .report_inputs import gather
    from .report_render import render_csv, render_html, render_text

    first, last = _day(dari, "--dari"), _day(sampai, "--sampai")
    if first and last and first > last:
        raise _fail(BadValue(f"Periode terbalik: --dari {first} sesudah --sampai {last}.",
                             hint="Tukar kedua tanggal itu."))
    gs = _settings(settings)
    ledger = _ledger(gs)
    result, problems = gather(ledger, _state(settings), Period(first, last))
    print(render_text(result))
    for problem in problems:
        print(f"! {problem}")
    for target, render in ((csv, render_csv), (html, render_html)):
        if target:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(result), encoding="utf-8", newline="")
            print(f"Ditulis: {_shown(path)}")


@task(help={"item": "jalur item di bawah content/ (mis. content/berita/x.md)",
            "output": "berkas HTML hasil (bawaan: var/lembar-persetujuan/<jenis>--<item>.html)",
            "pdf": "buat juga PDF bila pengubah PDF terpasang (--no-pdf: HTML saja)",
            "settings": "berkas pengaturan"})
def sheet(c: Context, item: str, output: str | None = None, pdf: bool = True,
          settings: str = "pelicanconf.py") -> None:
    """Cetak Lembar Persetujuan Publikasi sebuah item untuk arsip kertas (HTML A4 dan PDF)."""
    from .pdf import PdfFailed, convert, find_converter
    from .sheet import gather_sheet, item_path, render_sheet

    gs = _settings(settings)
    ledger = _ledger(gs)
    try:
        rel = item_path(gs.content_path, item)
    except WorkflowError as error:
        raise _fail(error) from None
    data, problems = gather_sheet(ledger, _state(settings), rel)
    target = Path(output) if output else _state(settings) / "lembar-persetujuan" / \
        f"{rel.rsplit('.', 1)[0].replace('/', '--')}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_sheet(data), encoding="utf-8")
    for problem in problems:
        print(f"! {problem}")
    print(f"Lembar persetujuan (HTML, A4): {_shown(target)}")
    if not pdf:
        return
    converter = find_converter(os.environ)
    if converter is None:
        print("PDF tidak dibuat: tidak ada pengubah PDF yang terpasang (chromium, "
              "wkhtmltopdf atau LibreOffice). Buka berkas HTML itu di peramban lalu pilih "
              "Cetak (Ctrl+P), ukuran kertas A4.")
        return
    try:
        made = convert(converter, target, target.with_suffix(".pdf"))
    except PdfFailed as error:
        raise _fail(error) from None
    print(f"Lembar persetujuan (PDF, dibuat dengan {converter.name}): {_shown(made)}")
