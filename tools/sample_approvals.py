"""Write the sample site's sign-off files with the demo keys (run once; never rewrites).

The sample must show every state of the SOP: complete, waiting for each role, rejected,
approved-then-edited (stale) and forged. This script signs through ``ssh-keygen -Y sign``
like ``invoke approve`` does, with fixed times, and skips files that already exist.

The sample's texts were signed (in November 2026, before the fixed clock of the tests,
2026-11-24 10:00 WIB) before they were committed, so git cannot say when each version
reached the Web Admin. The script therefore also records, in ``approvals/pengajuan.yml``,
that every signed version was submitted ``SUBMITTED_BEFORE`` its first sign-off, which
``invoke report`` reads for exactly this case (``editorial/report/submissions.py``).
Entries already recorded are kept; missing ones go to a new ``pengajuan-N.yml``.
Usage: ``python tools/sample_approvals.py``.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from approval_gate.api import (  # noqa: E402
    DEMO_ANCHOR,
    SIGNOFF_NAMESPACE,
    WIB,
    Role,
    Roster,
    canonical_payload,
    content_digest,
    load_roster,
    render_signoff,
    sign_with_ssh_keygen,
    signoff_fields,
    signoff_path,
)
from approval_gate.api import parse as parse_yaml  # noqa: E402

CONTENT = ROOT / "content"
APPROVALS = ROOT / "approvals"
KEYS = ROOT / "demo-keys"
COMPLETE = [
    "berita/2026-11-10-rapat-pleno-dpt.md",
    "artikel/2026-10-28-mengenal-tahapan-pilkada.md",
    "artikel/2026-10-28-mengenal-tahapan-pilkada-en.md",
    "pengumuman/2026-11-15-pendaftaran-pantarlih.md",
    "regulasi/pkpu-2-2024-tahapan.md",
    "data/2026-11-01-rekapitulasi-dpt.md",
    "dokumentasi/2026-11-05-sosialisasi-pemilih-pemula.md",
    "bahan-sosialisasi/2026-10-20-ayo-cek-dpt.md",
    "liputan-kegiatan/2026-11-12-bimtek-ppk.md",
    "pages/profil.md",
    "pages/ppid.md",
    "pages/kontak.md",
]
WAITING = {  # item: how many roles have approved
    "berita/2026-11-20-persiapan-logistik.md": 0,
    "berita/2026-11-21-rakor-ppk-kragan.md": 1,
    "pengumuman/2026-11-22-seleksi-kpps.md": 2,
    "artikel/2026-11-18-partisipasi-pemilih-muda.md": 3,
}
#: Items edited after their first approval (e.g. the issue 13 edits): item -> when the
#: current version's first sign-off was made. The earlier version's sign-offs stay (files
#: are never rewritten); the current one is signed from this time on, before the tests'
#: fixed clock (2026-11-24 10:00 WIB). Add a line when you edit a COMPLETE item.
REVISED = {
    "pages/ppid.md": datetime(2026, 11, 23, 9, 0, tzinfo=WIB),  # PPID forms (issue 13)
    # jenis, tanggal penetapan, status, sumber resmi (issue 13, Regulasi block)
    "regulasi/pkpu-2-2024-tahapan.md": datetime(2026, 11, 23, 11, 0, tzinfo=WIB),
    # address, hours and e-mail now come from SITE_CONTACT (issue 13): said once
    "pages/kontak.md": datetime(2026, 11, 23, 13, 0, tzinfo=WIB),
}
REJECTED = "berita/2026-11-19-hasil-rapat-evaluasi.md"
STALE = "data/2026-11-16-daftar-tps.md"
FORGED = "pengumuman/2026-11-17-jadwal-kampanye.md"
#: How long before its first sign-off each signed version reached the Web Admin.
SUBMITTED_BEFORE = timedelta(minutes=20)
SUBMISSIONS_HEADER = """\
# Kapan setiap versi naskah contoh diajukan ke Web Admin. Naskah contoh ditandatangani
# sebelum di-commit, jadi riwayat git tidak tahu waktu mulainya; `invoke report` memakai
# catatan ini hanya untuk versi seperti itu (docs/editorial-workflow.md). Ditulis oleh
# tools/sample_approvals.py.
"""
#: (item, digest) -> when that version was submitted, in the order the story signs them.
submitted: dict[tuple[str, str], datetime] = {}


@cache
def roster() -> Roster:
    """Return the sample's roster (demo keys): its roles, in order, and who held them when."""
    return load_roster(APPROVALS, DEMO_ANCHOR, allow_demo_keys=True)


def holder(role: Role, at: datetime) -> str:
    """Return the id of the one person holding ``role`` at ``at`` (signed with their key)."""
    people = roster().holders(role.id, at)
    if len(people) != 1:
        raise SystemExit(f"{role.id}: {len(people)} pemegang jabatan pada {at.isoformat()}")
    return people[0].id


def item_date(item: str) -> datetime:
    """Return the item's Date metadata (or 1 November 2026 for pages) in WIB."""
    match = re.search(r"^Date:\s*(\S+ \S+)", (CONTENT / item).read_text(), re.M)
    text = match.group(1) if match else "2026-11-01 08:00"
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


def sign(
    item: str,
    role: str,
    person: str,
    at: datetime,
    *,
    decision: str = "setuju",
    note: str = "",
    digest: str | None = None,
    key: str | None = None,
) -> None:
    """Write one sign-off unless it exists."""
    target = APPROVALS / signoff_path(item, role, decision, at)
    if target.exists():
        return
    fields = signoff_fields(
        item, role, person, decision, note, at, digest or content_digest(CONTENT, item).value
    )
    signature = sign_with_ssh_keygen(
        canonical_payload(fields).encode(), KEYS / (key or person), SIGNOFF_NAMESPACE
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(render_signoff(fields, signature))


def chain(
    item: str, count: int | None = None, digest: str | None = None, start: datetime | None = None
) -> datetime:
    """Sign the first ``count`` roles (all by default) in order, 25 minutes apart.

    ``start``: the first sign-off's time (default: an hour after the item's date).
    Return the time of the next step, for the decision that follows.
    """
    at = start or item_date(item) + timedelta(hours=1)
    if count != 0:
        version = digest or content_digest(CONTENT, item).value
        submitted.setdefault((item, version), at - SUBMITTED_BEFORE)
    for role in roster().roles[:count]:
        sign(item, role.id, holder(role, at), at, digest=digest)
        at += timedelta(minutes=25)
    return at


def write_submissions() -> None:
    """Write every submission no ``approvals/pengajuan*.yml`` records yet, in a new file.

    Files under approvals/ are only ever added (the publishing machine refuses edits
    there), so existing files are left as they are.
    """
    files = sorted(APPROVALS.glob("pengajuan*.yml"))
    known = {
        (entry["item"], entry["digest"])
        for path in files
        for entry in parse_yaml(path.read_text(encoding="utf-8")).data or []
    }
    missing = [(key, at) for key, at in submitted.items() if key not in known]
    if not missing:
        return
    target = APPROVALS / "pengajuan.yml"
    number = 2
    while target.exists():
        target, number = APPROVALS / f"pengajuan-{number}.yml", number + 1
    text = SUBMISSIONS_HEADER + "".join(
        f"- item: {item}\n  digest: {digest}\n  diajukan: '{at.isoformat(timespec='seconds')}'\n"
        for (item, digest), at in missing
    )
    with open(target, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def old_digest(item: str, old: str, new: str) -> str:
    """Return the digest the item had before ``old`` was edited into ``new``."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "content"
        shutil.copytree(CONTENT, copy)
        for path in copy.rglob("*"):
            if path.is_file() and path.suffix in {".md", ".csv"}:
                path.write_bytes(path.read_bytes().replace(new.encode(), old.encode()))
        return content_digest(copy, item).value


def main() -> None:
    """Write every missing sample sign-off."""
    for item in COMPLETE:
        chain(item, start=REVISED.get(item))
    for item, count in WAITING.items():
        chain(item, count)
    roles = roster().roles
    at = chain(REJECTED, 2)  # the third role rejects
    sign(
        REJECTED,
        roles[2].id,
        holder(roles[2], at),
        at,
        decision="tolak",
        note="Daftar hadir PPK belum dilampirkan dan angka partisipasi belum bersumber. "
        "Mohon dilengkapi lalu diajukan kembali.",
    )
    chain(STALE, None, old_digest(STALE, "Jumlah-TPS-Pamotan", "Jumlah-TPS-Pamotan-Revisi"))
    at = chain(FORGED, len(roles) - 1)  # the last role's approval is forged
    sign(FORGED, roles[-1].id, holder(roles[-1], at), at, key="pemalsu")
    write_submissions()


if __name__ == "__main__":
    main()
