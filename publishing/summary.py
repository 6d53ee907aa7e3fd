"""The Indonesian text ``invoke publish`` shows: short, with the reasons that matter.

Returns strings; the commands print them. The wording follows the SOP: items are
"terbit" (published) or "ditahan" (held back), with the gate's reason for each.
"""

from __future__ import annotations

from datetime import datetime

from approval_gate.api import wib_text

from .problems import held_lines
from .publish import PublishResult
from .rails import withdrawn_lines


def _reasons(held: list[dict]) -> dict[str, str]:
    return {entry["item"]: entry["reason"] for entry in held}


def size(count: int) -> str:
    """Return a byte count the way Indonesian readers write it (1,2 MB)."""
    value, unit = float(count), "byte"
    for bigger in ("kB", "MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    text = f"{value:.0f}" if unit == "byte" else f"{value:.1f}".replace(".", ",")
    return f"{text} {unit}"


def moment(iso: str) -> str:
    """Return ``2026-11-25 09:00 WIB`` for an ISO timestamp."""
    return wib_text(datetime.fromisoformat(iso))


def _upcoming(manifest: dict) -> list[str]:
    upcoming = manifest.get("upcoming") or []
    if not upcoming:
        return ["  Tidak ada perubahan terjadwal (embargo/masa berlaku)."]
    first = manifest["next_change"]
    lines = [
        f"  Perubahan berikut: {moment(first)}; jalankan 'invoke publish' lagi pada "
        "saat itu (lihat docs/publishing.md, penjadwal)."
    ]
    for entry in upcoming[:10]:
        lines.append(f"    {moment(entry['at'])}: {entry['item']} {entry['change']}")
    return lines


def render(result: PublishResult) -> str:
    """Return the whole summary of a publish or a dry run."""
    manifest, plan = result.manifest, result.plan
    published, held = manifest["included"], manifest["excluded"]
    head = (
        "UJI COBA (--dry-run): tidak ada yang dikirim atau dicatat."
        if result.dry_run
        else f"Penerbitan {result.release} selesai."
    )
    verb = "akan terbit" if result.dry_run else "terbit"
    lines = [
        head,
        f"  Target: {result.target.name} ({result.target.describe()})",
        f"  {verb} {len(published)}, ditahan {len(held)}",
    ]
    lines += held_lines(manifest, indent="    ")
    if result.withdrawn:
        verb_down = "akan turun" if result.dry_run else "turun"
        lines.append(f"  Item yang {verb_down} dari situs: {len(result.withdrawn)}")
        lines += [f"  {line}" for line in withdrawn_lines(result.withdrawn, _reasons(held))]
    if result.dry_run:
        lines.append(
            f"  Akan dikirim: {len(plan.upload)} berkas ({size(plan.upload_bytes)}), "
            f"dihapus {len(plan.delete)}, tidak berubah {plan.unchanged}."
        )
        lines += [f"    kirim: {rel}" for rel in plan.upload[:20]]
        lines += [f"    hapus: {rel}" for rel in plan.delete[:20]]
        if len(plan.upload) + len(plan.delete) > 40:
            lines.append("    ...")
        lines.append(f"  Hasil build untuk diperiksa: {result.build}")
    elif result.sent is not None:
        sent = result.sent
        if plan.empty:
            lines.append("  Situs tidak berubah: tidak ada berkas yang dikirim.")
        else:
            lines.append(
                f"  Dikirim: {sent.objects} berkas ({size(sent.bytes)}), dihapus "
                f"{sent.deleted}, tidak berubah {plan.unchanged}."
            )
        lines.append(f"  Situs tayang: {sent.location}")
        lines.append(f"  Arsip: {result.archive}")
    lines += _upcoming(manifest)
    if result.cleaned:
        lines.append(
            f"  Dibersihkan: sisa penerbitan yang terhenti di target ({', '.join(result.cleaned)})."
        )
    for release in result.completed:
        lines.append(
            f"  Dilengkapi: catatan arsip rilis {release}, yang sudah tayang tetapi belum "
            "tercatat selesai oleh penerbitannya."
        )
    if result.warning:
        lines.append(f"  Perhatian: {result.warning}")
    return "\n".join(lines)
