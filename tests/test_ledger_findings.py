"""A ledger with many findings judges every item as the scan over all findings did.

``Ledger.verdict`` once scanned every finding of the site for every item: quadratic on a
site with many bad sign-off files. The findings are now indexed by what they concern
(the item a finding names, or the sign-off folder of a file too broken to name one);
these tests compare every verdict and the orphan list with that scan, finding by finding
and in order.
"""

from __future__ import annotations

import posixpath
import sys
from datetime import datetime
from typing import Any

import pytest
from approval_gate.api import (
    WIB,
    Finding,
    open_ledger,
    render_signoff,
    signoff_fields,
    signoff_path,
)

from sitekit import PEOPLE, ROLES, Site

ledger_module: Any = sys.modules["approval_gate.ledger"]
item_folder = sys.modules["approval_gate.records"].item_folder

ITEMS = 300
BAD = 200
_BOGUS = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"


def _concerns(finding: Finding, item: str) -> bool:
    """The scan's test, as it was: the item a finding names, else its file's folder."""
    if finding.item is not None:
        return finding.item == item
    folder = posixpath.dirname(finding.path).split("/", 1)[-1]
    return folder == item_folder(item)


def _reference_own(ledger: Any, item: str) -> tuple[Finding, ...]:
    return tuple(f for f in ledger.findings if _concerns(f, item))


def _reference_orphans(ledger: Any, items: set[str]) -> list[Finding]:
    scanned = [f for f in ledger.findings if not any(_concerns(f, i) for i in items)]
    return scanned + ledger_module.Ledger.orphans(ledger, set(items))[len(scanned) :]


def _many_findings(site: Site) -> list[str]:
    """Write ``ITEMS`` items, two approved, and ``BAD`` bad sign-off files of many kinds."""
    items = []
    for n in range(ITEMS):
        folder = ("berita", "pengumuman", "kabar")[n % 3]
        item = f"{folder}/butir-{n:03d}.md"
        site.article(item, f"Butir {n}", f"Isi butir {n}.")
        items.append(item)
    site.article("berita/butir-000.rst", "Kembar", "Isi kembar.")  # shares a folder
    items.append("berita/butir-000.rst")
    for item in items[:2]:
        site.approve_all(item, ROLES)
    for n in range(BAD):
        item = items[(n * 11) % 97]  # two or three files of mixed kinds each
        folder = site.approvals / item_folder(item)
        folder.mkdir(parents=True, exist_ok=True)
        kind = n % 4
        if kind == 0:  # too broken to name its item: concerns the folder
            (folder / f"rusak-{n}.yml").write_text("item: [tidak ditutup\n")
        elif kind == 1 and n % 40 == 1:  # validly signed by someone who holds no role
            site.sign(item, ROLES[0], "luar", at=datetime(2026, 11, 20, 9, n % 60, tzinfo=WIB))
        elif kind == 1:  # laid out as 'invoke approve' writes it, names its item, bad signature
            at = datetime(2026, 11, 20, 9, n % 60, tzinfo=WIB)
            fields = signoff_fields(item, ROLES[1], PEOPLE[ROLES[1]], "setuju", "", at, "sha256:0")
            (site.approvals / signoff_path(item, ROLES[1], "setuju", at)).write_text(
                render_signoff(fields, _BOGUS)
            )
        elif kind == 2:  # in no item's folder: an orphan
            orphan = site.approvals / "hilang" / f"x{n}"
            orphan.mkdir(parents=True, exist_ok=True)
            (orphan / "a.yml").write_text("- daftar\n")
        else:  # not YAML at all
            (folder / f"biner-{n}.yml").write_bytes(b"\x00\xff" * 10)
    return items


def test_many_findings_give_every_verdict_and_orphan_as_the_scan_did(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = _many_findings(site)
    ledger = open_ledger(site.settings)
    assert len(ledger.findings) >= BAD
    shared = [i for i in items if ledger._own(i)]
    assert len(shared) > 50  # the test covers findings of many items
    verdicts = {item: ledger.verdict(item) for item in items}
    for item in items:
        assert ledger._own(item) == _reference_own(ledger, item), item
    assert verdicts[items[0]].publishable and not verdicts[items[5]].publishable
    named = {f.item for f in ledger.findings if f.item is not None}
    folders = {item for item in items if any(f.item is None for f in ledger._own(item))}
    assert len(named & folders) > 20  # items with both kinds, interleaved by the index
    monkeypatch.setattr(ledger_module.Ledger, "_own", _reference_own)
    assert {item: ledger.verdict(item) for item in items} == verdicts  # as the scan judged
    monkeypatch.undo()
    both = ledger._own("berita/butir-000.md")
    twin = ledger._own("berita/butir-000.rst")  # one folder, two items
    assert twin and twin == tuple(f for f in both if f.item is None)
    judged = set(items)
    assert ledger.orphans(judged) == _reference_orphans(ledger, judged)
    assert any(f.path.startswith("approvals/hilang/") for f in ledger.orphans(judged))


def test_the_index_follows_the_findings_list(site: Site) -> None:
    items = _many_findings(site)[:10]
    ledger = open_ledger(site.settings)
    before = {item: ledger._own(item) for item in items}
    extra = Finding(f"approvals/{item_folder(items[3])}/baru.yml", "baru", "", None, None)
    ledger.findings.append(extra)  # the list grew: indexed again
    assert ledger._own(items[3]) == before[items[3]] + (extra,)
    ledger.findings = [extra]  # replaced: indexed again
    assert ledger._own(items[3]) == (extra,)
    assert ledger._own(items[4]) == ()
    assert ledger.reuse(ledger.now)._own(items[3]) == (extra,)
