"""The preview's banner and approval panel, as HTML that works inside any theme.

Pure rendering: the plugin gathers one item's verdict, its counted decisions, what
changed since an earlier approval and the hand-off message, and this module turns them
into Indonesian HTML. Everything is escaped here; class names carry the
``kpu-pratinjau-`` prefix so the public theme's CSS cannot collide with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from approval_gate.api import REASON_PREFIX, Decision, Finding, Roster, Verdict, all_of, wib_text

from ..handoff import Handoff, first_role
from .history import Change

BANNER_TEXT = "DRAF - belum disetujui"
FIX_TEXT = "PERLU DIPERBAIKI"
#: At most this many diff lines are shown; the rest is summarised.
DIFF_LIMIT = 400


@dataclass(frozen=True)
class ItemRecord:
    """Everything the panel shows about one item."""

    verdict: Verdict
    decisions: tuple[Decision, ...]  # every counted decision on the item, all versions
    change: Change | None  # for a stale item: what changed since the approval
    handoff: Handoff | None
    draft: bool  # "Status: draft" in the metadata: never published, even when approved
    #: What the theme could not read of the item (a regulation's date): it would be
    #: published without it (problems.PelicanLog ``warned``).
    warnings: tuple[Finding, ...] = ()


def when(moment: datetime) -> str:
    """Return a signing time as people in Rembang read it (WIB)."""
    return wib_text(moment)


def _name(roster: Roster, person: str) -> str:
    found = roster.people.get(person)
    return found.name if found else person


def _to_fix(verdict: Verdict) -> str:
    """Return the banner's "perlu diperbaiki" line ("" when the reason already says it)."""
    if not verdict.findings or verdict.reason.startswith(REASON_PREFIX):
        return ""
    first, more = verdict.findings[0], len(verdict.findings) - 1
    rest = f" (dan {more} masalah lain)" if more else ""
    return (
        f'<span class="kpu-pratinjau-perbaiki">{REASON_PREFIX}{escape(first.render())}{rest}; '
        "lihat Catatan masalah di panel.</span>"
    )


def banner_html(record: ItemRecord) -> str:
    """Return the banner of an unapproved item or one with problems ("" for neither)."""
    verdict = record.verdict
    if verdict.publishable and not record.draft:
        if not verdict.findings:
            return ""
        title, detail = FIX_TEXT, f"{verdict.reason}, tetapi ada catatan masalah"
    else:
        title, detail = BANNER_TEXT, verdict.reason
        if record.draft:
            detail = "berstatus 'draft' di metadata; tidak akan terbit walau disetujui"
    return (
        f'<div class="kpu-pratinjau-banner" role="alert"><strong>{title}'
        f"</strong> <span>{escape(detail)}</span>{_to_fix(verdict)}</div>"
    )


def _latest_on_digest(record: ItemRecord) -> dict[str, Decision]:
    latest: dict[str, Decision] = {}
    for decision in sorted(record.decisions, key=lambda d: d.signed_at):
        if decision.digest == record.verdict.digest:
            latest[decision.role] = decision
    return latest


def _role_rows(record: ItemRecord, roster: Roster, now: datetime) -> list[str]:
    verdict = record.verdict
    chain = {d.role: d for d in verdict.chain}
    latest = _latest_on_digest(record)
    rows = []
    for role in roster.roles:
        signed = chain.get(role.id)
        last = latest.get(role.id)
        if signed is not None:
            cells = ("setuju", "Disetujui", _name(roster, signed.person), when(signed.signed_at))
        elif last is not None and last.decision == "tolak":
            cells = (
                "tolak",
                f"Ditolak: {last.note}",
                _name(roster, last.person),
                when(last.signed_at),
            )
        elif role.id == verdict.role and verdict.state != "ditolak":
            holders = ", ".join(p.name for p in roster.holders(role.id, now)) or "-"
            cells = ("giliran", "Menunggu (giliran sekarang)", holders, "-")
        else:
            cells = ("belum", "Belum", "-", "-")
        css, decision, person, moment = cells
        rows.append(
            f'<tr class="kpu-pratinjau-{css}"><td>{escape(role.name)}</td>'
            f"<td>{escape(decision)}</td><td>{escape(person)}</td>"
            f"<td>{escape(moment)}</td></tr>"
        )
    return rows


def _next_step(record: ItemRecord, roster: Roster, now: datetime) -> str:
    verdict = record.verdict
    if verdict.publishable:
        return f"Lengkap: {all_of(len(roster.roles))} pejabat telah menyetujui versi ini."
    if verdict.state == "ditolak":
        return (
            "Pengampu Konsep (penulis): perbaiki naskah, lalu ajukan kembali ke "
            f"{first_role(roster)}."
        )
    role = roster.role(verdict.role or "")
    if role is None:
        return "-"
    holders = ", ".join(p.name for p in roster.holders(role.id, now)) or "belum ada pejabat"
    return f"{role.name} ({holders})"


def _rejections(record: ItemRecord, roster: Roster) -> str:
    current = record.verdict.digest
    rejected = sorted(
        (d for d in record.decisions if d.decision == "tolak"),
        key=lambda d: d.signed_at,
        reverse=True,
    )
    if not rejected:
        return ""
    items = []
    for d in rejected[:5]:
        role = roster.role(d.role)
        version = "" if d.digest == current else " (versi sebelumnya)"
        items.append(
            f"<li>{escape(role.name if role else d.role)} "
            f"({escape(_name(roster, d.person))}), {escape(when(d.signed_at))}"
            f"{version}: {escape(d.note)}</li>"
        )
    return (
        f'<section class="kpu-pratinjau-tolak"><h3>Alasan penolakan</h3><ul>'
        f"{''.join(items)}</ul></section>"
    )


def _diff_line(line: str) -> str:
    css = (
        "tambah"
        if line.startswith("+") and not line.startswith("+++")
        else "hapus"
        if line.startswith("-") and not line.startswith("---")
        else "konteks"
    )
    return f'<span class="kpu-pratinjau-{css}">{escape(line)}</span>'


def _change(record: ItemRecord, roster: Roster) -> str:
    change = record.change
    if change is None:
        return ""
    older = [
        d for d in record.decisions if d.digest == change.approved_digest and d.decision == "setuju"
    ]
    signed = ", ".join(
        f"{_name(roster, d.person)} ({when(d.signed_at)})"
        for d in sorted(older, key=lambda d: d.signed_at)
    )
    head = (
        f"<p>Persetujuan lama ({escape(signed)}) berlaku untuk versi "
        f"<code>{escape(change.approved_digest)}</code>.</p>"
    )
    if change.version is None:
        body = (
            "<p>Versi yang disetujui tidak ditemukan di riwayat git, sehingga perubahannya "
            "tidak dapat ditampilkan. Mintalah penulis menjelaskan perubahannya.</p>"
        )
    else:
        lines = change.diff[:DIFF_LIMIT]
        more = len(change.diff) - len(lines)
        body = "<pre>" + "\n".join(_diff_line(line) for line in lines) + "</pre>"
        if not change.diff:
            body = "<p>Teks naskah sama dengan versi yang disetujui.</p>"
        if more > 0:
            body += f"<p>... dan {more} baris lagi.</p>"
        if change.attachments:
            body += (
                "<p>Lampiran yang berubah: "
                + ", ".join(f"<code>{escape(a)}</code>" for a in change.attachments)
                + "</p>"
            )
    return (
        f'<section class="kpu-pratinjau-perubahan"><h3>Perubahan sejak disetujui</h3>'
        f"{head}{body}</section>"
    )


def _handoff(record: ItemRecord) -> str:
    made = record.handoff
    if made is None:
        return ""
    return (
        f'<section class="kpu-pratinjau-pesan"><h3>Pesan untuk {escape(made.recipient)}'
        f"</h3><pre>{escape(made.text)}</pre>"
        f'<p><a href="{escape(made.link)}" target="_blank" rel="noopener">Kirim lewat '
        "WhatsApp</a></p></section>"
    )


def _finding(finding: Finding) -> str:
    """Return one problem as "file:line: message hint" (the same text as the CLI's line)."""
    where = f"{finding.path}:{finding.line}" if finding.line else finding.path
    hint = (
        f' <span class="kpu-pratinjau-saran">{escape(finding.hint)}</span>' if finding.hint else ""
    )
    return f"<li><code>{escape(where)}</code>: {escape(finding.message)}{hint}</li>"


def _warnings(record: ItemRecord) -> str:
    """Return what the site would leave out of the item, for the approvers to see first."""
    if not record.warnings:
        return ""
    rows = "".join(_finding(f) for f in record.warnings)
    return (
        '<section class="kpu-pratinjau-peringatan"><h3>Peringatan</h3><p>Bagian berikut '
        "tidak dapat dibaca dan tidak tampil di situs sampai naskahnya diperbaiki:</p>"
        f"<ul>{rows}</ul></section>"
    )


def panel_html(record: ItemRecord, roster: Roster, now: datetime) -> str:
    """Return the approval panel: who signed, who is next, rejections, changes, message."""
    verdict = record.verdict
    findings = "".join(_finding(f) for f in verdict.findings)
    parts = [
        '<aside class="kpu-pratinjau-panel" aria-label="Panel persetujuan">',
        f"<h2>Persetujuan SOP 11/2023: <code>{escape(verdict.item)}</code></h2>",
        f'<p class="kpu-pratinjau-status">Status: {escape(verdict.reason)}</p>',
        "<table><thead><tr><th>Peran</th><th>Keputusan</th><th>Pejabat</th><th>Waktu</th>"
        f"</tr></thead><tbody>{''.join(_role_rows(record, roster, now))}</tbody></table>",
        f'<p class="kpu-pratinjau-berikut">Berikutnya: '
        f"{escape(_next_step(record, roster, now))}</p>",
        _rejections(record, roster),
        _change(record, roster),
        _handoff(record),
        f'<section class="kpu-pratinjau-catatan"><h3>Catatan masalah</h3><ul>{findings}'
        "</ul></section>"
        if findings
        else "",
        _warnings(record),
        "</aside>",
    ]
    return "".join(parts)
