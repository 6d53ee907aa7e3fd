"""The report for people: a terminal table, a CSV file and an HTML page with an SVG chart.

Rendering only; the figures come from ``compute.build_report``. The HTML page is a
single file with its style and chart inline (no script, no font or CDN), so it can be
mailed, archived or opened offline on any office computer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from html import escape

from .compute import END_TO_END, Cycle, Report, Step, Total
from .version_times import SOURCES

STEP_HEADERS = ("ITEM", "PUTARAN", "PERAN", "MULAI", "SELESAI", "WAKTU", "STANDAR", "KEPUTUSAN")
CSV_COLUMNS = (
    "jenis_baris",
    "item",
    "judul",
    "putaran",
    "peran",
    "nama_peran",
    "penanda_tangan",
    "mulai",
    "sumber_mulai",
    "selesai",
    "keputusan",
    "menit",
    "menit_sejak_versi",
    "standar_menit",
    "dalam_standar",
    "ditolak",
    "catatan",
    "digest",
)


def duration(minutes: float | None) -> str:
    """Return minutes as ``3h 0j 40m`` (hari, jam, menit), the way ``invoke status`` does."""
    if minutes is None:
        return "?"
    if minutes < 60 and minutes != int(minutes):
        return f"{minutes:.1f}m".replace(".", ",")
    whole = int(round(minutes))
    hours, mins = divmod(whole, 60)
    days, hours = divmod(hours, 24)
    return f"{days}h {hours}j {mins}m" if days else f"{hours}j {mins}m" if hours else f"{mins}m"


def moment(value: datetime | None) -> str:
    """Return a time as ``2026-11-24 10:00`` (WIB, as the ledger gives it)."""
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


def share(total: Total) -> str:
    """Return the share within the standard as ``80% (4/5)``."""
    if total.share is None:
        return "-"
    return f"{round(total.share * 100)}% ({total.within}/{total.measured})"


def _table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def recorded_text(report: Report) -> str:
    """Return the line saying how many rounds were timed from recorded submissions."""
    return (
        f"Mulai {report.recorded} putaran dihitung dari catatan pengajuan "
        "(approvals/pengajuan*.yml), bukan dari riwayat git."
    )


def _start_text(step: Step | Cycle) -> str:
    mark = "*" if step.start.estimated else ""
    return f"{moment(step.start.at)}{mark}"


def _step_row(step: Step) -> tuple[str, ...]:
    late = " TERLAMBAT" if step.within is False else ""
    return (
        step.item,
        str(step.round),
        step.role_name,
        _start_text(step),
        moment(step.end),
        duration(step.minutes),
        f"{step.standard}m",
        step.decision + late,
    )


def render_text(report: Report) -> str:
    """Return the report as plain text tables with Indonesian headings."""
    out = [
        "LAPORAN WAKTU PERSETUJUAN (SOP 11/2023)",
        f"Periode: {report.period.label}; dihitung {moment(report.now)} WIB.",
        "Standar: waktu per langkah menurut roster; ujung ke ujung 175 menit (SOP).",
        "",
        "RINGKASAN PER PERAN",
    ]
    rows = [
        (
            t.name,
            str(t.count),
            duration(t.median),
            share(t),
            f"{t.standard}m",
            str(t.rejections),
            str(len(t.overdue_now)),
        )
        for t in report.totals
    ]
    out += _table(
        ("PERAN", "LANGKAH", "MEDIAN", "DALAM STANDAR", "STANDAR", "DITOLAK", "TERLAMBAT SAAT INI"),
        rows,
        {1, 2, 3, 4, 5, 6},
    )
    for total in report.totals:
        if total.overdue_now:
            out.append(f"  terlambat saat ini, {total.name}: {', '.join(total.overdue_now)}")
    out += ["", "PER ITEM (UJUNG KE UJUNG)"]
    cycles = [
        (
            c.item,
            c.round_label,
            str(c.rejections),
            _start_text(c),
            moment(c.end),
            duration(c.minutes),
            c.outcome + (" TERLAMBAT" if c.within is False else ""),
        )
        for c in report.cycles
    ]
    out += (
        _table(
            ("ITEM", "PUTARAN", "DITOLAK", "MULAI", "SELESAI", "WAKTU", "STATUS"), cycles, {1, 2, 5}
        )
        if cycles
        else ["(tidak ada item dalam periode ini)"]
    )
    out += ["", "PER LANGKAH"]
    steps = [_step_row(s) for s in report.steps]
    out += (
        _table(STEP_HEADERS, steps, {1, 5, 6})
        if steps
        else ["(tidak ada langkah dalam periode ini)"]
    )
    if report.notes:
        out += ["", "* Waktu mulai perkiraan atau tidak diketahui:"]
        out += [f"  {note}" for note in report.notes]
    if report.recorded:
        out += ["", recorded_text(report)]
    return "\n".join(out)


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _yes(within: bool | None) -> str:
    return "" if within is None else "ya" if within else "tidak"


def render_csv(report: Report) -> str:
    """Return one CSV row per step and per end-to-end cycle (UTF-8, comma-separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    titles = report.titles
    for s in report.steps:
        writer.writerow(
            (
                "langkah",
                s.item,
                titles.get(s.item, ""),
                s.round,
                s.role,
                s.role_name,
                s.signer or "",
                _iso(s.start.at),
                SOURCES[s.start.source],
                _iso(s.end),
                s.decision,
                "" if s.minutes is None else s.minutes,
                "" if s.since_version is None else s.since_version,
                s.standard,
                _yes(s.within),
                int(s.decision == "tolak"),
                s.note,
                s.digest,
            )
        )
    for c in report.cycles:
        writer.writerow(
            (
                END_TO_END,
                c.item,
                c.title,
                c.round_label,
                END_TO_END,
                "Ujung ke ujung",
                "",
                _iso(c.start.at),
                SOURCES[c.start.source],
                _iso(c.end),
                c.outcome,
                "" if c.minutes is None else c.minutes,
                "",
                c.standard,
                _yes(c.within),
                c.rejections,
                "",
                "",
            )
        )
    return buffer.getvalue()


def chart_svg(totals: list[Total]) -> str:
    """Return an inline SVG bar chart: each role's median against its standard.

    Bars are drawn relative to each role's own standard (the dashed line), so review
    steps of 30 minutes and the 175-minute end-to-end path share one scale; a bar past
    twice the standard is cut, and its label gives the real value.
    """
    left, area, row = 190, 420, 46
    height = 40 + row * len(totals)
    mark = left + area // 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + area + 40}" '
        f'height="{height}" viewBox="0 0 {left + area + 40} {height}" '
        'aria-labelledby="grafik-judul" class="grafik">',
        '<title id="grafik-judul">Median waktu setiap peran dibanding standar SOP</title>',
        f'<line x1="{mark}" y1="18" x2="{mark}" y2="{height - 8}" stroke="#333" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{mark}" y="13" text-anchor="middle" font-size="11">standar</text>',
        f'<text x="{left}" y="13" font-size="11">0</text>',
        f'<text x="{left + area}" y="13" text-anchor="end" font-size="11">2× standar</text>',
    ]
    for index, total in enumerate(totals):
        y = 26 + index * row
        parts.append(
            f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" font-size="13">'
            f"{escape(total.name)}</text>"
        )
        if total.median is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + 14}" font-size="12" fill="#666">'
                "belum ada data</text>"
            )
            continue
        ratio = min(total.median / total.standard, 2.0)
        colour = "#2e7d32" if total.median <= total.standard else "#c62828"
        parts.append(
            f'<rect x="{left}" y="{y}" width="{max(1, round(ratio * area / 2))}" '
            f'height="18" fill="{colour}"><title>{escape(total.name)}: median '
            f"{duration(total.median)}</title></rect>"
        )
        parts.append(
            f'<text x="{left}" y="{y + 34}" font-size="11" fill="#333">median '
            f"{duration(total.median)} · standar {duration(total.standard)} · "
            f"{escape(share(total))} dalam standar</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:70rem}
table{border-collapse:collapse;margin:0 0 1.5rem}th,td{border:1px solid #bbb;padding:.25rem .5rem;
text-align:left;vertical-align:top}td.n{text-align:right}.lewat{color:#b71c1c;font-weight:600}
caption{text-align:left;font-weight:600;margin:.5rem 0}small{color:#555}
.lebar{overflow-x:auto;margin:0 0 1.5rem}.lebar table{margin:0}
svg.grafik{max-width:100%;height:auto}"""


def _cells(values: tuple[str, ...], numeric: set[int], late: bool = False) -> str:
    cls = ' class="lewat"' if late else ""
    return (
        f"<tr{cls}>"
        + "".join(
            f'<td class="n">{escape(v)}</td>' if i in numeric else f"<td>{escape(v)}</td>"
            for i, v in enumerate(values)
        )
        + "</tr>"
    )


def _head(names: tuple[str, ...]) -> str:
    return "<tr>" + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"


def report_body(report: Report) -> str:
    """Return the report's content (heading, chart, tables) for a page's body.

    ``invoke report --html`` wraps it in a page of its own; the approval desk shows it
    inside its own layout. Each table sits in a scrollable region, so a phone scrolls the
    table, not the page.
    """
    totals = "".join(
        _cells(
            (
                t.name,
                str(t.count),
                duration(t.median),
                share(t),
                f"{t.standard}m",
                str(t.rejections),
                ", ".join(t.overdue_now) or "-",
            ),
            {1, 2, 4, 5},
        )
        for t in report.totals
    )
    cycles = "".join(
        _cells(
            (
                c.item,
                c.title,
                c.round_label,
                str(c.rejections),
                _start_text(c),
                moment(c.end),
                duration(c.minutes),
                c.outcome,
            ),
            {2, 3, 6},
            c.within is False,
        )
        for c in report.cycles
    )
    steps = "".join(_cells(_step_row(s), {1, 5, 6}, s.within is False) for s in report.steps)
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    recorded = f"<p><small>{escape(recorded_text(report))}</small></p>" if report.recorded else ""
    return f"""<h1>Laporan waktu persetujuan (SOP 11/2023)</h1>
<p>Periode: {escape(report.period.label)}. Dihitung {moment(report.now)} WIB. Standar: waktu
setiap langkah pemeriksaan menurut roster; ujung ke ujung 175 menit (SOP 11/2023).</p>
<h2>Ringkasan per peran</h2>
{chart_svg(report.totals)}
{
        _wide(
            "Per peran",
            "<caption>Per peran</caption>"
            + _head(
                (
                    "Peran",
                    "Langkah",
                    "Median",
                    "Dalam standar",
                    "Standar",
                    "Ditolak",
                    "Terlambat saat ini",
                )
            )
            + totals,
        )
    }
<h2>Per item (ujung ke ujung)</h2>
{
        _wide(
            "Per item",
            _head(("Item", "Judul", "Putaran", "Ditolak", "Mulai", "Selesai", "Waktu", "Status"))
            + cycles,
        )
    }
<h2>Per langkah</h2>
{_wide("Per langkah", _head(tuple(h.capitalize() for h in STEP_HEADERS)) + steps)}
{
        f"<p><small>* Waktu mulai perkiraan atau tidak diketahui:</small></p><ul>{notes}</ul>"
        if notes
        else ""
    }
{recorded}
"""


def _wide(label: str, rows: str) -> str:
    """Return a table in a region that scrolls sideways by itself (and by keyboard)."""
    return (
        f'<div class="lebar" role="region" aria-label="Tabel {escape(label)}" tabindex="0">'
        f"<table>{rows}</table></div>"
    )


def render_html(report: Report) -> str:
    """Return a self-contained HTML page: totals, an SVG chart, items and steps."""
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Laporan waktu persetujuan: {escape(report.period.label)}</title>
<style>{_STYLE}</style></head><body><main>
{report_body(report)}</main>
</body></html>
"""
