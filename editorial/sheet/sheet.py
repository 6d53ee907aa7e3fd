"""``invoke sheet``: the printable approval sheet ("Lembar Persetujuan Publikasi").

The SOP keeps every item "sebagai arsip ... softcopy/hardcopy". The sheet is the hard
copy: the item, the digest of exactly what was approved and the files it covers, every
counted decision (role, name, time, note), problems found (sign-off files that did not
count, missing attachments), and where the item was published according to the
publication archive. The SOP's form has no boxes for wet signatures (its approvals
were chat messages), so the sheet carries none: the digital signatures are the record,
and the sheet says how to check them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from approval_gate.api import Ledger, git_text, item_folder, kind_fields

from ..meta import read_metadata
from ..published import Publication, archive_folders, read_publications

#: Where sheets go unless ``--output`` says otherwise (under the site's var/).
SHEET_FOLDER = "lembar-persetujuan"


@dataclass(frozen=True)
class SheetDecision:
    """One counted decision as the sheet lists it."""

    at: datetime
    role: str
    person: str
    decision: str
    note: str
    digest: str
    current: bool  # on the version as it is now
    counted: bool  # one of the four approvals that make the current version complete
    file: str


@dataclass(frozen=True)
class SheetData:
    """Everything printed on one sheet."""

    item: str
    title: str
    category: str
    date: str
    digest: str
    state: str
    reason: str
    extra: tuple[tuple[str, str], ...]  # the kind's own metadata (label, value)
    files: tuple[tuple[str, str], ...]  # (path under content/, sha256 hex)
    decisions: tuple[SheetDecision, ...]
    findings: tuple[str, ...]
    publications: tuple[Publication, ...]
    printed_at: datetime
    commit: str | None
    roster_version: int


def sheet_path(state: Path, item: str) -> Path:
    """Return the default file of ``item``'s sheet: ``var/lembar-persetujuan/<path>.html``."""
    return state / SHEET_FOLDER / f"{item.rsplit('.', 1)[0].replace('/', '--')}.html"


def _folder_kind(item: str) -> str:
    """Return the kind Pelican gives an item without ``Category`` (its folder's name)."""
    folder = item.split("/")[0] if "/" in item else ""
    return "Halaman" if folder in ("pages", "") else folder


def gather_sheet(ledger: Ledger, state: Path, item: str) -> tuple[SheetData, list[str]]:
    """Collect the sheet of ``item`` from the ledger, the content and the archive."""
    verdict = ledger.verdict(item)
    digest = ledger.digest(item)
    ledger.save_cache()
    counted = {d.path for d in verdict.chain}
    roster = ledger.roster
    decisions = []
    for d in sorted(ledger.decisions.get(item, ()), key=lambda d: (d.signed_at, d.path)):
        role = roster.role(d.role)
        person = roster.people.get(d.person)
        decisions.append(
            SheetDecision(
                d.signed_at,
                role.name if role else d.role,
                f"{person.name} ({d.person})" if person else d.person,
                d.decision,
                d.note,
                d.digest,
                d.digest == digest.value,
                d.path in counted,
                d.path,
            )
        )
    files = tuple(
        (rel, hashlib.sha256((ledger.content / rel).read_bytes()).hexdigest())
        for rel in digest.files
    )
    meta = read_metadata(ledger.content / item)
    publications, problems = read_publications(
        archive_folders(ledger.approvals, state), ledger.approvals.parent, ledger.roster
    )
    data = SheetData(
        item,
        meta.get("title") or item,
        meta.get("category") or _folder_kind(item),
        meta.get("date", "-"),
        digest.value,
        verdict.state,
        verdict.reason,
        tuple((label, meta[key]) for key, label in kind_fields() if meta.get(key)),
        files,
        tuple(decisions),
        tuple(f.render() for f in verdict.findings),
        tuple(publications.get(item, ())),
        ledger.now,
        git_text(ledger.content, "rev-parse", "HEAD"),
        roster.version,
    )
    return data, problems


_STYLE = """@page{size:A4;margin:16mm 15mm 18mm;
@bottom-right{content:"Halaman " counter(page) " dari " counter(pages);font-size:8pt}}
body{font-family:"DejaVu Serif","Liberation Serif","Times New Roman",serif;font-size:10pt;
color:#000;margin:0}
@media screen{body{max-width:190mm;margin:1rem auto;padding:0 1rem}}
header{text-align:center;border-bottom:2px solid #000;padding-bottom:4pt;margin-bottom:8pt}
header p{margin:0}header .kop{font-weight:700;font-size:12pt;letter-spacing:.5pt}
h1{font-size:13pt;text-align:center;margin:8pt 0 2pt}h2{font-size:11pt;margin:12pt 0 4pt}
table{width:100%;border-collapse:collapse;margin-bottom:6pt}
th,td{border:1px solid #000;padding:2.5pt 4pt;text-align:left;vertical-align:top}
th{background:#eee}thead{display:table-header-group}tr,tbody{break-inside:avoid}
.nw{white-space:nowrap}
.id th{width:28%}.kode{font-family:"DejaVu Sans Mono",monospace;font-size:8pt;
word-break:break-all}.kecil{font-size:8.5pt}.lama{color:#444}
footer{margin-top:10pt;font-size:8.5pt;border-top:1px solid #000;padding-top:4pt}"""


def write_sheet(
    ledger: Ledger, state: Path, item: str, target: Path | None = None
) -> tuple[Path, list[str]]:
    """Write ``item``'s sheet as HTML (to ``target`` or its default file); say where."""
    data, problems = gather_sheet(ledger, state, item)
    target = target or sheet_path(state, item)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_sheet(data), encoding="utf-8")
    return target, problems


def _decision_rows(data: SheetData) -> str:
    rows = []
    for number, d in enumerate(data.decisions, 1):
        version = "versi ini" if d.current else "versi lama"
        counted = "ya" if d.counted else ("tidak" if d.current else "-")
        rows.append(
            f'<tbody class="{"" if d.current else "lama"}"><tr><td rowspan="2">{number}</td>'
            f'<td class="nw">{d.at:%Y-%m-%d %H:%M}</td><td>{escape(d.role)}</td>'
            f"<td>{escape(d.person)}</td><td><strong>{escape(d.decision.upper())}</strong></td>"
            f"<td>{escape(d.note) or '-'}</td>"
            f'<td class="nw">{version}<br><span class="kode">{escape(d.digest[7:15])}</span>'
            f'</td><td>{counted}</td></tr><tr><td colspan="7" class="kode">Berkas: '
            f"{escape(d.file)}</td></tr></tbody>"
        )
    return "".join(rows) or '<tbody><tr><td colspan="8">Belum ada keputusan.</td></tr></tbody>'


def _extra(data: SheetData) -> str:
    return "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in data.extra
    )


def _target(p: Publication) -> str:
    kind = f" ({p.target_type})" if p.target_type and p.target_type != p.target else ""
    return f"{p.target}{kind}{' (arsip contoh)' if p.demo else ''}"


def _publications(data: SheetData) -> str:
    if not data.publications:
        return "<p>Belum diterbitkan.</p>"
    rows = "".join(
        f"<tr><td>{p.at:%Y-%m-%d %H:%M}</td><td>{escape(_target(p))}<br>"
        f"{escape(p.location)}</td><td>{escape(p.url)}</td>"
        f"<td>{'versi ini' if p.digest == data.digest else 'versi lain'}</td>"
        f'<td class="kode">{escape(p.record)}</td></tr>'
        for p in data.publications
    )
    return (
        "<table><thead><tr><th>Waktu (WIB)</th><th>Tujuan</th><th>Alamat</th>"
        f"<th>Versi</th><th>Catatan arsip</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_sheet(data: SheetData) -> str:
    """Return the sheet as one HTML file laid out for A4 paper."""
    files = "".join(
        f'<tr><td class="kode">{escape(p)}</td><td class="kode">{h}</td></tr>'
        for p, h in data.files
    )
    findings = "".join(f"<li>{escape(f)}</li>" for f in data.findings)
    source = f"commit {data.commit[:12]}" if data.commit else "folder tanpa git"
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>Lembar Persetujuan Publikasi: {escape(data.item)}</title>
<style>{_STYLE}</style></head><body>
<header><p class="kop">KOMISI PEMILIHAN UMUM KABUPATEN REMBANG</p>
<p>Subbagian Teknis Penyelenggaraan Pemilu, Partisipasi dan Hubungan Masyarakat</p></header>
<h1>LEMBAR PERSETUJUAN PUBLIKASI</h1>
<p style="text-align:center;margin-top:0">SOP Nomor 11 Tahun 2023 tentang Pengelolaan Website
KPU Kabupaten Rembang</p>
<h2>Naskah</h2>
<table class="id">
<tr><th>Judul</th><td>{escape(data.title)}</td></tr>
<tr><th>Jenis</th><td>{escape(data.category)}</td></tr>
<tr><th>Berkas</th><td class="kode">content/{escape(data.item)}</td></tr>
<tr><th>Tanggal naskah</th><td>{escape(data.date)}</td></tr>{_extra(data)}
<tr><th>Digest versi ini</th><td class="kode">{escape(data.digest)}</td></tr>
<tr><th>Status saat dicetak</th><td>{escape(data.reason)}</td></tr>
</table>
<h2>Berkas yang dicakup digest</h2>
<table><thead><tr><th>Berkas (di bawah content/)</th><th>SHA-256</th></tr></thead>
<tbody>{files}</tbody></table>
<h2>Keputusan pejabat</h2>
<table class="kecil"><thead><tr><th>No</th><th>Waktu (WIB)</th><th>Peran</th><th>Nama</th>
<th>Keputusan</th><th>Catatan</th><th>Versi (digest)</th><th>Dihitung</th></tr></thead>
{_decision_rows(data)}</table>
{f"<h2>Catatan pemeriksaan</h2><ul class='kecil'>{findings}</ul>" if findings else ""}
<h2>Penerbitan</h2>
{_publications(data)}
<footer>Setiap keputusan di atas adalah tanda tangan digital (SSH) pejabat yang bersangkutan,
tersimpan di approvals/{escape(item_folder(data.item))}/. Keabsahannya dapat diperiksa
siapa saja dengan <span class="kode">ssh-keygen -Y verify</span> (lihat
docs/approval-records.md). Dicetak {data.printed_at:%Y-%m-%d %H:%M} WIB dari {source};
roster versi {data.roster_version}.</footer>
</body></html>
"""
