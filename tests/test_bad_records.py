"""Bad input in approvals/ is reported and leaves out only the affected item.

Every case builds a whole site with one good, fully approved item and one item whose
record has a single defect; the good item is published, the other is not, and the
manifest names the file (and line where possible) and says what to do.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from collections.abc import Callable

import pytest

from sitekit import ROLES, Site, roster_text

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

ITEM = "berita/x.md"
T = datetime.fromisoformat


def _three_then(site: Site) -> None:
    site.approve_all(ITEM, ROLES[:3])


def broken_yaml(site: Site) -> Path:
    _three_then(site)
    bad = site.approvals / "berita/x/20261121T101500-komisioner-setuju.yml"
    bad.write_text("item: berita/x.md\nrole: [komisioner\n")
    return bad


def unknown_role(site: Site) -> Path:
    _three_then(site)
    return site.sign(ITEM, "bendahara", "dewi", at=T("2026-11-21T11:00:00+07:00"))


def key_not_in_roster(site: Site) -> Path:
    _three_then(site)
    return site.sign(ITEM, "komisioner", key="luar")


def key_of_another_person(site: Site) -> Path:
    _three_then(site)
    return site.sign(ITEM, "komisioner", key="bambang")


def edited_after_signing(site: Site) -> Path:
    _three_then(site)
    path = site.sign(ITEM, "komisioner")
    path.write_text(
        path.read_text()
        .replace('role: "komisioner"', 'role: "komisioner" ', 1)
        .replace('note: ""', 'note: "diubah"', 1)
    )
    return path


def signature_garbled(site: Site) -> Path:
    _three_then(site)
    path = site.sign(ITEM, "komisioner")
    lines = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "BEGIN SSH SIGNATURE" in line) + 2
    lines[index] = "  " + "A" * 70 + "\n"
    path.write_text("".join(lines))
    return path


def signature_missing(site: Site) -> Path:
    _three_then(site)
    path = site.sign(ITEM, "komisioner")
    text = path.read_text()
    path.write_text(text[: text.index("signature: |")])
    return path


def signer_out_of_office(site: Site) -> Path:
    return site.sign(ITEM, "web-admin", "rudi")


def future_signing_time(site: Site) -> Path:
    _three_then(site)
    return site.sign(ITEM, "komisioner", at=T("2026-12-01T09:00:00+07:00"))


def duplicate_decision(site: Site) -> Path:
    site.approve_all(ITEM, ROLES[:1])
    return site.sign(ITEM, "web-admin", at=T("2026-11-21T09:05:00+07:00"))


def out_of_order(site: Site) -> Path:
    site.approve_all(ITEM, ROLES[:2])
    path = site.sign(ITEM, "komisioner", at=T("2026-11-21T09:30:00+07:00"))
    site.sign(ITEM, "sekretaris", at=T("2026-11-21T09:45:00+07:00"))
    return path


def reject_without_note(site: Site) -> Path:
    path = site.sign(ITEM, "web-admin", decision="tolak", note="alasan")
    path.write_text(path.read_text().replace('note: "alasan"', 'note: ""', 1))
    return path


def signoff_in_wrong_folder(site: Site) -> Path:
    _three_then(site)
    path = site.sign(ITEM, "komisioner")
    target = site.approvals / "berita" / "lain" / path.name
    target.parent.mkdir()
    path.rename(target)
    return target


def revoked_key(site: Site) -> Path:
    """Dewi lost her key: every signature made with it stops counting, old or new."""
    text = roster_text(site.keys, version=2).replace(
        f"key: {site.keys.public('dewi')}\n",
        f"key: {site.keys.public('dewi')}\n        revoked: 2026-11-01\n"
        f"      - key: {site.keys.public('luar')}\n",
    )
    site.write_roster(text)
    site.sign("berita/baik.md", "komisioner", key="luar", at=T("2026-11-22T08:00:00+07:00"))
    _three_then(site)
    return site.sign(ITEM, "komisioner")


def same_person_twice(site: Site) -> Path:
    site.write_roster(
        roster_text(
            site.keys,
            version=2,
            extra_holders=("  - {role: sekretaris, person: sri, from: 2023-01-12}\n"),
        )
    )
    site.approve_all(ITEM, ROLES[:2])
    path = site.sign(ITEM, "sekretaris", "sri")
    site.sign(ITEM, "komisioner", at=T("2026-11-21T11:00:00+07:00"))
    return path


def unknown_field(site: Site) -> Path:
    _three_then(site)
    path = site.sign(ITEM, "komisioner")
    path.write_text(path.read_text().replace("signed_at:", "sigend_at:", 1))
    return path


CASES: list[tuple[str, Callable[[Site], Path], str, str]] = [
    ("yaml-rusak", broken_yaml, "YAML tidak valid", "menunggu Komisioner"),
    ("peran-tak-dikenal", unknown_role, "Peran tidak dikenal: 'bendahara'", "menunggu Komisioner"),
    (
        "kunci-luar-roster",
        key_not_in_roster,
        "yang tidak terdaftar di roster",
        "menunggu Komisioner",
    ),
    (
        "kunci-orang-lain",
        key_of_another_person,
        "kunci milik 'bambang', bukan 'dewi'",
        "menunggu Komisioner",
    ),
    ("isi-diubah", edited_after_signing, "berkas ini telah diubah", "menunggu Komisioner"),
    ("tanda-tangan-rusak", signature_garbled, "Tanda tangan tidak sah", "menunggu Komisioner"),
    (
        "tanda-tangan-hilang",
        signature_missing,
        "Kolom 'signature' tidak ada",
        "menunggu Komisioner",
    ),
    (
        "tidak-menjabat",
        signer_out_of_office,
        "tidak menjabat Web Admin",
        "draf, menunggu Web Admin",
    ),
    ("waktu-masa-depan", future_signing_time, "ada di masa depan", "menunggu Komisioner"),
    ("keputusan-ganda", duplicate_decision, "Keputusan ganda", "menunggu Kasubbag Tekmas"),
    ("urutan-terbalik", out_of_order, "urutan SOP dilanggar", "menunggu Komisioner"),
    (
        "tolak-tanpa-alasan",
        reject_without_note,
        "Penolakan wajib disertai catatan alasan",
        "draf, menunggu Web Admin",
    ),
    (
        "folder-salah",
        signoff_in_wrong_folder,
        "seharusnya di approvals/berita/x/",
        "menunggu Komisioner",
    ),
    ("kunci-dicabut", revoked_key, "telah dicabut", "menunggu Komisioner"),
    (
        "orang-sama",
        same_person_twice,
        "empat persetujuan harus dari empat orang",
        "menunggu Sekretaris",
    ),
    ("kolom-salah-ketik", unknown_field, "Mungkin maksudnya 'signed_at'?", "menunggu Komisioner"),
]


@pytest.mark.parametrize(
    ("make", "message", "state"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_record_leaves_out_only_its_item_and_says_why(
    site: Site, make: Callable[[Site], Path], message: str, state: str
) -> None:
    site.article("berita/baik.md", "Baik", "TOKENBAIK")
    site.approve_all("berita/baik.md")
    site.article(ITEM, "X", "TOKENX")
    bad = make(site)
    result = site.build()
    assert site.hits("TOKENBAIK") and site.hits("TOKENX") == []
    [excluded] = result.manifest["excluded"]
    assert excluded["item"] == ITEM and excluded["reason"] == state
    shown = bad.relative_to(site.root).as_posix()
    found = [f for f in result.manifest["findings"] if f["path"] == shown]
    assert found and message in found[0]["message"], result.manifest["findings"]
    assert found[0]["hint"]


def test_broken_yaml_and_unknown_field_point_at_their_line(site: Site) -> None:
    site.article(ITEM, "X", "TOKENX")
    bad = broken_yaml(site)
    typo = unknown_field(site)
    findings = {f["path"]: f for f in site.build().manifest["findings"]}
    assert findings[bad.relative_to(site.root).as_posix()]["line"] == 3
    typo_text = typo.read_text().splitlines()
    line = next(i for i, x in enumerate(typo_text, 1) if x.startswith("sigend_at"))
    assert findings[typo.relative_to(site.root).as_posix()]["line"] == line


def test_rejection_sends_the_item_back_with_its_reason(site: Site) -> None:
    site.article(ITEM, "X", "TOKENX")
    site.approve_all(ITEM, ROLES[:2])
    site.sign(ITEM, "sekretaris", decision="tolak", note="Data DPT belum diperbarui.")
    [excluded] = site.build().manifest["excluded"]
    assert excluded["state"] == "ditolak"
    assert excluded["reason"] == "ditolak Sekretaris: Data DPT belum diperbarui."


def test_later_approval_by_the_same_role_overrides_its_rejection(site: Site) -> None:
    site.article(ITEM, "X", "TOKENX")
    site.approve_all(ITEM, ROLES[:2])
    site.sign(
        ITEM,
        "sekretaris",
        decision="tolak",
        note="Perbaiki judul.",
        at=T("2026-11-21T09:40:00+07:00"),
    )
    site.sign(ITEM, "sekretaris", at=T("2026-11-21T10:00:00+07:00"))
    site.sign(ITEM, "komisioner", at=T("2026-11-21T10:30:00+07:00"))
    site.build()
    assert site.hits("TOKENX")


def test_sign_off_for_an_item_that_does_not_exist_is_reported(site: Site) -> None:
    site.article(ITEM, "X", "TOKENX")
    site.approve_all(ITEM)
    (site.content / ITEM).rename(site.content / "berita/y.md")
    result = site.build()
    messages = [f["message"] for f in result.manifest["findings"]]
    assert "Item 'berita/x.md' tidak ada di folder content/." in messages


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "Date: 2026-11-20 08:00\n\nTanpa judul TOKENRUSAK.\n",
            "metadata wajib 'title' tidak ada; tambahkan (mis. 'Title: ...') lalu ajukan lagi",
        ),
        (
            "Title: Status Aneh\nDate: 2026-11-20 08:00\nStatus: tayang\n\nIsi TOKENRUSAK.\n",
            "status 'tayang' tidak dikenal; pakai published, hidden atau draft",
        ),
    ],
    ids=["no-title", "unknown-status"],
)
def test_file_pelican_cannot_use_is_left_out_and_the_rest_builds(
    site: Site, text: str, reason: str
) -> None:
    (site.content / "berita").mkdir(parents=True)
    (site.content / "berita" / "rusak.md").write_text(text)
    site.approve_all("berita/rusak.md")
    site.article("berita/baik.md", "Baik", "Isi TOKENBAIK.")
    site.approve_all("berita/baik.md")
    result = site.build()
    assert site.hits("TOKENBAIK") and site.hits("TOKENRUSAK") == []
    entry = {e["item"]: e for e in result.manifest["excluded"]}["berita/rusak.md"]
    assert entry == {"item": "berita/rusak.md", "state": "rusak", "digest": None, "reason": reason}
