"""The gate's caches: verified once per sign-off's bytes, and never fooled by a poisoned file.

A sealed publish reads a fresh export every time, so the sign-off cache is keyed on each
file's bytes (plus its path, the namespace and the verifying code) and kept in the
publishing machine's ``var/gate-cache``: a one-item change verifies only its new
sign-offs. Each cache file is sealed with its folder's machine key, so an entry edited
by hand, copied from another machine or folder, or replayed from an older run can only
make the gate work a result out again, never accept a sign-off whose signature is broken.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from approval_gate.api import (
    NEEDS_FIX,
    SIGNOFF_NAMESPACE,
    Known,
    MachineCache,
    canonical_payload,
    load_settings,
    load_trusted,
    normalise_key,
    open_ledger,
    read_settings_file,
    render_signoff,
    sign_with_ssh_keygen,
    signoff_fields,
    signoff_path,
    site_status,
    status_rows,
)
from publishing.seal.source import sealed_folders
from publishkit import leaks, local_targets, publish_settings, run, snapshot
from sitekit import PEOPLE, ROLES, Site, roster_text
from test_approve_cli import invoke

ITEM = "berita/rapat.md"
MARKER = "TOKENRACUN"
#: The MAC in front of a sealed cache file (HMAC-SHA256).
MAC = 32


def _forged(site: Site, item: str, role: str) -> Path:
    """Write a sign-off whose signature is the official's, but over other bytes."""
    person = PEOPLE[role]
    at = datetime.fromisoformat("2026-11-21T09:00:00+07:00") + timedelta(
        minutes=20 * ROLES.index(role)
    )
    fields = signoff_fields(item, role, person, "setuju", "", at, site.digest(item))
    other = canonical_payload({**fields, "note": "bukan ini"}).encode()
    signature = sign_with_ssh_keygen(other, site.keys.private(person), SIGNOFF_NAMESPACE)
    target = site.approvals / signoff_path(item, role, "setuju", at)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_signoff(fields, signature))
    return target


def _site_with_forgery(site: Site) -> Path:
    """An article approved by three roles; the fourth sign-off's signature is broken."""
    site.article(ITEM, "Rapat", f"Isi {MARKER}.", category="Berita")
    site.approve_all(ITEM, ROLES[:-1])
    return _forged(site, ITEM, ROLES[-1])


def _judged_with_forgery(site: Site) -> tuple[Path, list[str], list[Any]]:
    """The forged site plus a second, approved item, judged once (its cache kept).

    Returns the forged sign-off, the two items and their verdicts as (item, state,
    digest, findings), for comparing a later reading with.
    """
    forged = _site_with_forgery(site)
    site.article("berita/lain.md", "Lain", "Isi lain.", category="Berita")
    site.approve_all("berita/lain.md")
    items = [ITEM, "berita/lain.md"]
    first = open_ledger(site.settings)
    expected = [(v.item, v.state, v.digest, v.findings) for v in map(first.verdict, items)]
    first.save_cache()
    return forged, items, expected


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the sign-offs the gate parses and verifies (not taken from its cache)."""
    module = sys.modules["approval_gate.signoff_reading"]  # loaded by open_ledger
    checked: list[str] = []
    check: Callable[[Any], Any] = module._check_file

    def counted(job: Any) -> Any:
        checked.append(job[0])
        return check(job)

    monkeypatch.setattr(module, "_check_file", counted)
    return checked


def _sealed(cache: Path, name: str) -> Any:
    """Return the JSON inside a sealed cache file (what an attacker could edit)."""
    return json.loads((cache / name).read_bytes()[MAC:])


def _poison(
    cache: Path, forged: str, signer_key: str, how: str, tmp_path: Path, text: bytes
) -> None:
    """Make the sign-off cache files say the forged sign-off (path under approvals/, its
    bytes ``text``) was validly signed by ``signer_key``: edited in place (the old MAC
    kept), or sealed with the key of another machine, or with the entry of another
    sign-off copied over it. A sealed publish's cache has no identity table
    (``signoffs.json``): its sign-offs are found by the export's hashes only."""
    verified = _sealed(cache, "verified.json")
    key = sys.modules["approval_gate.cache"].content_key(forged, text, SIGNOFF_NAMESPACE)
    assert key in verified["verified"]
    tables = [("verified.json", verified)]
    if (cache / "signoffs.json").exists():
        files = _sealed(cache, "signoffs.json")
        assert files["files"][forged][1] == key
        other = next(rel for rel in files["files"] if rel != forged)
        if how == "entry of another sign-off":
            files["files"][forged][2:] = files["files"][other][2:]
            verified["verified"][key] = list(files["files"][other][2:])
        files["files"][forged][9:] = [signer_key, None]  # [identity, key, *fields]
        tables.append(("signoffs.json", files))
    elif how == "entry of another sign-off":
        other = next(k for k in verified["verified"] if k != key)
        verified["verified"][key] = list(verified["verified"][other])
    verified["verified"][key][7:] = [signer_key, None]
    for name, data in tables:
        text = json.dumps(data).encode()
        if how == "edited by hand":
            (cache / name).write_bytes((cache / name).read_bytes()[:MAC] + text)
        else:  # sealed with the key of another machine (or another cache folder)
            (cache / name).write_bytes(
                MachineCache(tmp_path / "lain", "approval-gate").seal(text, name)
            )


def _poison_site(
    site: Site, forged: Path, how: str, tmp_path: Path, cache: Path | None = None
) -> None:
    signer = normalise_key(site.keys.public(PEOPLE[ROLES[-1]]))
    rel = forged.relative_to(site.approvals).as_posix()
    gate = cache or site.root / ".cache" / "gate"
    _poison(gate, rel, signer, how, tmp_path, forged.read_bytes())


def _refused(site: Site, forged: Path) -> None:
    ledger = open_ledger(site.settings)
    verdict = ledger.verdict(ITEM)
    assert not verdict.publishable
    assert any(
        f.path.endswith(forged.name) and f.message.startswith("Tanda tangan tidak sah")
        for f in ledger.findings
    )


def _exported(site: Site, export: Path) -> Path:
    """Copy the site as a sealed publish exports it; its gate cache is the site's own."""
    shutil.copytree(site.root, export, ignore=shutil.ignore_patterns(".cache", ".git"))
    settings = export / site.settings.name
    cache = site.root / ".cache" / "gate"
    settings.write_text(f"{settings.read_text()}APPROVAL_GATE_CACHE_PATH = {str(cache)!r}\n")
    return settings


def test_a_fresh_copy_of_approvals_verifies_only_new_or_changed_sign_offs(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.article("berita/lain.md", "Lain", "Isi lain.", category="Berita")
    site.approve_all(ITEM)
    checked = _counting(monkeypatch)
    first = open_ledger(site.settings)
    assert len(checked) == len(ROLES)
    # A fresh export of the same commit: other inodes, other folder, the same bytes.
    export = tmp_path / "ekspor"
    settings = _exported(site, export)
    checked.clear()
    again = open_ledger(settings)
    assert checked == []
    assert again.verdict(ITEM).publishable and first.verdict(ITEM).publishable
    assert again.decisions[ITEM][0].path == first.decisions[ITEM][0].path
    # One item signed again in the next export: only its new sign-offs are verified.
    export.rename(tmp_path / "ekspor-lama")
    _exported(site, export)
    new = Site.__new__(Site)
    new.__dict__.update(site.__dict__, content=export / "content", approvals=export / "approvals")
    new.approve_all("berita/lain.md")
    checked.clear()
    assert open_ledger(settings).verdict("berita/lain.md").publishable
    assert sorted(checked) == sorted(
        f"approvals/{p.relative_to(export / 'approvals').as_posix()}"
        for p in (export / "approvals" / "berita" / "lain").iterdir()
    )


def test_other_verifying_code_verifies_every_sign_off_again(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache written by other verifying code is not even loaded, in the work tree too.

    Unchanged files are found by identity; a change to the code that verifies them
    (``cache.VERIFY_VERSION``) must still verify each again, and its old tables are
    never held in memory only to match nothing.
    """
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.approve_all(ITEM)
    checked = _counting(monkeypatch)
    assert open_ledger(site.settings).verdict(ITEM).publishable
    assert len(checked) == len(ROLES)
    checked.clear()
    assert open_ledger(site.settings).verdict(ITEM).publishable
    assert checked == []  # found by identity
    cache_module = sys.modules["approval_gate.cache"]
    monkeypatch.setattr(cache_module, "VERIFY_VERSION", "kode-lain")
    folder = site.root / ".cache" / "gate"
    assert cache_module.SignoffCache(folder).data["files"] == {}
    assert cache_module.VerifiedCache(folder).data["verified"] == {}
    assert open_ledger(site.settings).verdict(ITEM).publishable
    assert len(checked) == len(ROLES)
    checked.clear()
    assert open_ledger(site.settings).verdict(ITEM).publishable
    assert checked == []  # and kept for the new code


def test_a_changed_byte_of_a_cached_sign_off_is_verified_again(site: Site) -> None:
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.approve_all(ITEM)
    assert open_ledger(site.settings).verdict(ITEM).publishable
    last = sorted((site.approvals / "berita" / "rapat").iterdir())[-1]
    text = last.read_text()
    marker = "-----BEGIN SSH SIGNATURE-----\n  "
    at = text.index(marker) + len(marker) + 40
    swapped = "A" if text[at] != "A" else "B"
    last.write_text(text[:at] + swapped + text[at + 1 :])
    ledger = open_ledger(site.settings)
    assert not ledger.verdict(ITEM).publishable
    assert any(f.path.endswith(last.name) for f in ledger.findings)


@pytest.mark.parametrize(
    "how", ["edited by hand", "sealed by another machine", "entry of another sign-off"]
)
def test_a_poisoned_sign_off_cache_never_accepts_a_broken_signature(
    site: Site, tmp_path: Path, how: str
) -> None:
    forged = _site_with_forgery(site)
    _refused(site, forged)  # cached: the forgery's result is "not validly signed"
    _poison_site(site, forged, how, tmp_path)
    _refused(site, forged)
    done = invoke(site, "status", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["item"]: row for row in json.loads(done.stdout)["items"]}
    assert rows[ITEM]["state"] != "lengkap"


def test_an_older_sealed_cache_of_the_same_folder_is_still_only_true(site: Site) -> None:
    """A replayed cache holds results true for the bytes they were made from, no more."""
    site.article(ITEM, "Rapat", f"Isi {MARKER}.", category="Berita")
    site.approve_all(ITEM)
    assert open_ledger(site.settings).verdict(ITEM).publishable
    cache = site.root / ".cache" / "gate" / "signoffs.json"
    old = cache.read_bytes()
    last = sorted((site.approvals / "berita" / "rapat").iterdir())[-1]
    last.unlink()
    forged = _forged(site, ITEM, ROLES[-1])
    assert forged == last
    cache.write_bytes(old)  # the cache of the run before the file was replaced
    _refused(site, forged)


def _publishable(site: Site) -> bool:
    """Judge the item as ``invoke status`` does, keeping the content cache afterwards."""
    ledger = open_ledger(site.settings)
    verdict = ledger.verdict(ITEM)
    ledger.save_cache()
    return verdict.publishable


def test_a_poisoned_content_cache_never_passes_a_changed_text(site: Site, tmp_path: Path) -> None:
    site.article(ITEM, "Rapat", "Isi asli.", category="Berita")
    site.approve_all(ITEM)
    assert _publishable(site)
    cache = site.root / ".cache" / "gate" / "content.json"
    approved = json.loads(cache.read_bytes()[MAC:])
    site.article(ITEM, "Rapat", f"Isi {MARKER}.", category="Berita")
    assert not _publishable(site)
    data = json.loads(cache.read_bytes()[MAC:])
    data["sources"][ITEM][1:] = approved["sources"][ITEM][1:]  # today's identity, old hash
    text = json.dumps(data).encode()
    for blob in (
        cache.read_bytes()[:MAC] + text,
        MachineCache(tmp_path / "lain", "approval-gate").seal(text, cache.name),
    ):
        cache.write_bytes(blob)
        assert not _publishable(site)


def test_the_sealed_build_keeps_its_gate_cache_on_the_machine(tmp_path: Path) -> None:
    var = tmp_path / "var"
    with sealed_folders(var, "rilis-1") as (folder, cache):
        folder.mkdir()
        cache.mkdir(parents=True)
        (cache / "signoffs.json").write_bytes(b"x")
    assert not folder.exists()
    assert cache == var / "gate-cache" and (cache / "signoffs.json").is_file()
    with sealed_folders(var, "rilis-2") as (second, again):
        assert again == cache and second != folder


@pytest.mark.slow
def test_a_poisoned_cache_neither_builds_nor_publishes_a_broken_sign_off(
    site: Site, tmp_path: Path
) -> None:
    forged = _site_with_forgery(site)
    site.build()
    assert site.hits(MARKER) == []
    _poison_site(site, forged, "sealed by another machine", tmp_path)
    site.build()
    assert site.hits(MARKER) == []
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    live = tmp_path / "web" / "current"
    assert snapshot(live) and not leaks(live.resolve(), MARKER)
    gate = site.root / "var" / "gate-cache"
    assert (gate / "verified.json").is_file()  # kept for the next publish
    _poison_site(site, forged, "sealed by another machine", tmp_path, gate)
    site.article("berita/lain.md", "Lain", "Isi lain.", category="Berita")
    site.approve_all("berita/lain.md")
    site.commit("Item lain")
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not leaks(live.resolve(), MARKER)
    assert f"ditahan: {ITEM}" in done.stdout


def test_the_cold_path_on_every_core_judges_as_the_serial_one(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes verify while the main process works out digests ahead of time."""
    forged = _site_with_forgery(site)
    site.article("berita/lain.md", "Lain", "Isi lain.", category="Berita")
    site.approve_all("berita/lain.md")
    site.article("berita/draf.md", "Draf", "Isi draf.", category="Berita")
    items = [ITEM, "berita/lain.md", "berita/draf.md"]

    def judged() -> list[tuple[str, str, str]]:
        shutil.rmtree(site.root / ".cache" / "gate", ignore_errors=True)
        ledger = open_ledger(site.settings)
        return [(v.item, v.state, v.reason) for v in map(ledger.verdict, items)]

    serial = judged()
    monkeypatch.setattr(sys.modules["approval_gate.signoff_reading"], "PARALLEL_THRESHOLD", 1)
    assert judged() == serial
    assert [state for _, state, _ in serial] == ["menunggu", "lengkap", "draf"]
    _refused(site, forged)


# --- The status snapshot (snapshot.py): verdicts kept whole, never a different answer ---


def _states(site: Site) -> dict[str, str]:
    """Return every item's state as ``site_status`` answers it."""
    return {row.verdict.item: row.verdict.state for row in site_status(site.settings).rows}


def _judging(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the runs that judged everything (opened the ledger) instead of the snapshot."""
    module = sys.modules["approval_gate.ledger"]  # loaded by open_ledger
    opened: list[str] = []
    real = module.open_ledger

    def counted(*args: Any, **kwargs: Any) -> Any:
        opened.append("ledger")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "open_ledger", counted)
    return opened


def _every_state(site: Site) -> None:
    """Items in every state, a text that needs fixing, an orphan and an unreadable file."""
    for name in ("draf", "menunggu", "lengkap", "tolak", "lama"):
        site.article(f"berita/{name}.md", name.title(), f"Isi {name}.", category="Berita")
    site.approve_all("berita/menunggu.md", ROLES[:2])
    site.approve_all("berita/lengkap.md")
    site.approve_all("berita/tolak.md", ROLES[:1])
    site.sign("berita/tolak.md", ROLES[1], decision="tolak", note="Data kurang.")
    site.approve_all("berita/lama.md")
    site.article("berita/lama.md", "Lama", "Isi lama, diubah.", category="Berita")
    site.article("berita/perbaiki.md", "Perbaiki", "Isi [ISI: pembuka].", category="Berita")
    site.approve_all("berita/perbaiki.md", ROLES[:1])
    site.approve_all(site.article("berita/hilang.md", "Hilang", "Isi.", category="Berita"))
    (site.content / "berita" / "hilang.md").unlink()  # its sign-offs name no item now
    (site.approvals / "berita" / "rusak.yml").write_text("bukan: [persetujuan\n")


def test_a_status_snapshot_answers_exactly_as_judging_everything(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _every_state(site)
    opened = _judging(monkeypatch)
    first = site_status(site.settings)
    again = site_status(site.settings)
    assert opened == ["ledger"]  # the second run read no sign-off at all
    assert again == first
    assert {r.verdict.state for r in first.rows} >= {
        "draf", "menunggu", "lengkap", "ditolak", "kedaluwarsa", NEEDS_FIX
    }  # fmt: skip
    assert first.orphans  # the deleted item's sign-offs and the broken file
    ledger = open_ledger(site.settings)  # the rows as the ledger gives them, item by item
    assert [r.as_dict() for r in first.rows] == [
        r.as_dict() for r in status_rows(ledger, [r.verdict.item for r in first.rows])
    ]


@pytest.mark.slow
def test_invoke_status_prints_the_same_from_its_snapshot(site: Site) -> None:
    _every_state(site)
    for args in (("status", "--json"), ("status",)):
        shutil.rmtree(site.root / ".cache" / "gate", ignore_errors=True)
        cold, warm = invoke(site, *args), invoke(site, *args)
        assert (site.root / ".cache" / "gate" / "status.json").is_file()
        assert (warm.returncode, warm.stdout, warm.stderr) == (
            cold.returncode, cold.stdout, cold.stderr
        )  # fmt: skip


#: The snapshot's table length in front of its MAC (snapshot_file.py).
LENGTH = 12


def _snapshot_table(file: Path) -> tuple[Any, bytes]:
    """Return the snapshot's table (JSON) and the file's rest (the chains' MAC and bytes)."""
    blob = file.read_bytes()
    end = LENGTH + MAC + int(blob[:LENGTH])
    return json.loads(blob[LENGTH + MAC : end]), blob[end:]


def _snapshot_with(table: Any, rest: bytes, sealer: MachineCache) -> bytes:
    """Return a snapshot file of ``table`` sealed by ``sealer``, with the chains ``rest``."""
    text = json.dumps(table).encode()
    return b"%012d" % len(text) + sealer.seal(text, "status.json") + rest


def _forge(site: Site, sealer: MachineCache, state: str) -> None:
    """Rewrite the snapshot so every verdict says ``state``, sealed by ``sealer``."""
    file = site.root / ".cache" / "gate" / "status.json"
    data, rest = _snapshot_table(file)
    for entry in data["verdicts"]:
        entry[2] = state
    file.write_bytes(_snapshot_with(data, rest, sealer))


def test_a_forged_or_copied_snapshot_never_changes_a_verdict(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _site_with_forgery(site)
    assert _states(site) == {ITEM: "menunggu"}
    opened = _judging(monkeypatch)
    _forge(site, MachineCache(tmp_path / "lain", "approval-gate"), "lengkap")  # other key
    assert _states(site) == {ITEM: "menunggu"} and len(opened) == 1
    second = site.write_settings(
        "kedua.py", extra=f"APPROVAL_GATE_CACHE_PATH = {str(tmp_path / 'b')!r}\n"
    )
    assert {r.verdict.state for r in site_status(second).rows} == {"menunggu"}
    copied = tmp_path / "b" / "status.json"  # another folder's snapshot, forged there
    data, rest = _snapshot_table(copied)
    data["verdicts"][0][2] = "lengkap"
    sealed = _snapshot_with(data, rest, MachineCache(tmp_path / "b", "approval-gate"))
    (site.root / ".cache" / "gate" / "status.json").write_bytes(sealed)
    assert _states(site) == {ITEM: "menunggu"} and len(opened) == 3
    cut = site.root / ".cache" / "gate" / "status.json"
    cut.write_bytes(cut.read_bytes()[:100])  # cut short
    assert _states(site) == {ITEM: "menunggu"} and len(opened) == 4


def test_a_snapshot_is_stale_once_a_sign_off_or_the_roster_changes(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.approve_all(ITEM, ROLES[:-1])
    assert _states(site) == {ITEM: "menunggu"}
    last = site.sign(ITEM, ROLES[-1])
    assert _states(site) == {ITEM: "lengkap"}
    assert _states(site) == {ITEM: "lengkap"}
    text = last.read_text()  # one byte of the signature, same size, same file
    at = text.index("-----END") - 8
    last.write_text(text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :])
    assert _states(site) == {ITEM: "menunggu"}
    last.write_text(text)
    assert _states(site) == {ITEM: "lengkap"}
    person = PEOPLE[ROLES[-1]]  # the last signer's key revoked in a newly signed roster
    revoked = roster_text(site.keys).replace(
        f"      - key: {site.keys.public(person)}\n",
        f"      - key: {site.keys.public(person)}\n        revoked: 2026-11-20\n",
    )
    site.write_roster(revoked.replace("version: 1", "version: 2"))
    assert _states(site) == {ITEM: "menunggu"}


def test_a_snapshot_is_stale_once_the_clock_passes_a_signing_time(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sign-off dated after "now" does not count; the same files count it later."""
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.approve_all(ITEM, ROLES[:-1])
    signed = datetime.fromisoformat("2026-11-25T09:00:00+07:00")
    site.sign(ITEM, ROLES[-1], at=signed)
    clock_module = sys.modules["approval_gate.clock"]
    opened = _judging(monkeypatch)
    for moment, state, judged in (
        (signed - timedelta(hours=1), "menunggu", 1),
        (signed - timedelta(minutes=1), "menunggu", 1),  # the same side: the snapshot
        (signed, "lengkap", 2),
        (signed + timedelta(days=3), "lengkap", 2),
        (signed - timedelta(seconds=1), "menunggu", 3),  # a clock set back
    ):
        monkeypatch.setattr(clock_module, "now", lambda fixed=None, at=moment: at)
        assert _states(site) == {ITEM: state}
        assert len(opened) == judged, moment


def test_no_snapshot_is_kept_when_a_symlink_lies_under_content(site: Site) -> None:
    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    (site.content / "tautan").symlink_to(site.root / "theme")
    assert _states(site) == {ITEM: "draf"}
    assert not (site.root / ".cache" / "gate" / "status.json").exists()


# --- The sealed publish's seal step: the export's hashes spare reading what is known ---


def _hashes(folder: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under ``folder``, as an export lists them."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the files the gate reads whole (sign-offs and content)."""
    seen: list[str] = []
    for name in ("approval_gate.signoff_reading", "approval_gate.digest"):
        module = sys.modules[name]
        real = module.read_text if hasattr(module, "read_text") else module.read_regular

        def counted(*args: Any, real: Callable[..., Any] = real) -> Any:
            seen.append(str(args[1]))
            return real(*args)

        attribute = "read_text" if hasattr(module, "read_text") else "read_regular"
        monkeypatch.setattr(module, attribute, counted)
    return seen


def test_a_sealed_export_with_known_hashes_reads_nothing_verified_before(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged, items, expected = _judged_with_forgery(site)
    export = tmp_path / "ekspor"
    settings = _exported(site, export)
    gs = load_settings(read_settings_file(settings))
    known = Known(_hashes(export / "content"), _hashes(export / "approvals"))
    reads = _reads(monkeypatch)
    again = open_ledger(gs, known=known)
    assert [(v.item, v.state, v.digest, v.findings) for v in map(again.verdict, items)] == expected
    assert reads == []  # not one sign-off or source read: all known, all seen before
    assert expected[0][1] == "menunggu"  # the forged sign-off still does not count
    # Hashes that name other bytes are no shortcut: those files are read and checked.
    rel = forged.relative_to(site.approvals).as_posix()
    wrong = {**known.approvals, rel: "0" * 64}
    shutil.rmtree(export)
    settings = _exported(site, export)
    gs = load_settings(read_settings_file(settings))
    again = open_ledger(gs, known=Known(known.content, wrong))
    assert [(v.item, v.state) for v in map(again.verdict, items)] == [
        (ITEM, "menunggu"),
        ("berita/lain.md", "lengkap"),
    ]
    assert reads == [rel]


def test_an_export_is_judged_by_its_hashes_without_the_identity_table(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export's identities never match again (a new folder each publish, change times
    moved by the blob store), so a sign-off the export vouches for is found by its bytes
    only: ``signoffs.json`` is neither read nor written, and judging is the same."""
    forged, items, expected = _judged_with_forgery(site)
    export = tmp_path / "ekspor"
    settings = _exported(site, export)
    gs = load_settings(read_settings_file(settings))
    table = Path(gs.cache_path) / "signoffs.json"
    before = table.read_bytes()
    cache_module = sys.modules["approval_gate.cache"]
    opened: list[str] = []
    load = cache_module._JsonCache._load

    def counted(self: Any, file: Path, sealer: Any) -> None:
        opened.append(file.name)
        load(self, file, sealer)

    monkeypatch.setattr(cache_module._JsonCache, "_load", counted)
    reads = _reads(monkeypatch)
    known = Known(_hashes(export / "content"), _hashes(export / "approvals"))
    again = open_ledger(gs, known=known)
    again.save_cache()
    assert [(v.item, v.state, v.digest, v.findings) for v in map(again.verdict, items)] == expected
    assert reads == [] and "signoffs.json" not in opened and "verified.json" in opened
    cache_module.wait_for_saves()
    assert table.read_bytes() == before  # not written either
    # A sign-off the export does not vouch for is read, found by its bytes (not checked
    # again) and kept by identity, as before.
    rel = forged.relative_to(site.approvals).as_posix()
    partly = {path: sha for path, sha in known.approvals.items() if path != rel}
    checked = _counting(monkeypatch)
    again = open_ledger(gs, known=Known(known.content, partly))
    assert [(v.item, v.state) for v in map(again.verdict, items)] == [
        (ITEM, "menunggu"),
        ("berita/lain.md", "lengkap"),
    ]
    assert "signoffs.json" in opened and reads == [rel] and checked == []
    cache_module.wait_for_saves()
    assert rel in _sealed(Path(gs.cache_path), "signoffs.json")["files"]


# --- Workers verify in chunks; the table restores no chain; a child lists approvals/ ---


def test_sign_offs_checked_by_workers_are_kept_under_their_own_bytes(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold run's workers verify in chunks; each result is found later by its bytes.

    In a fresh copy (other inodes, the same bytes) every sign-off is found by the hash of
    its bytes without being verified again, and the forged one still counts for nobody.
    """
    forged = _site_with_forgery(site)
    site.article("berita/lain.md", "Lain", "Isi lain.", category="Berita")
    site.approve_all("berita/lain.md")
    module = sys.modules["approval_gate.signoff_reading"]
    monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(module, "CHUNK", 3)  # chunks of 1, 3, 3 and 1 of the 8 sign-offs
    _refused(site, forged)  # cold: every sign-off verified by a worker, one chunk each
    monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 400)  # from here on, checked here
    checked = _counting(monkeypatch)
    again = open_ledger(_exported(site, tmp_path / "ekspor"))
    assert checked == []  # each found by its bytes: the results the workers kept for them
    assert [again.verdict(item).state for item in (ITEM, "berita/lain.md")] == [
        "menunggu",
        "lengkap",
    ]
    assert any(
        f.path.endswith(forged.name) and f.message.startswith("Tanda tangan tidak sah")
        for f in again.findings
    )


def test_the_table_restores_no_chain_and_shows_the_same_verdicts(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``chains=False`` (the table) gives the same rows, without chains, cold and warm."""
    _every_state(site)
    opened = _judging(monkeypatch)

    def bare(view: Any) -> list[Any]:
        return [replace(r, verdict=replace(r.verdict, chain=())) for r in view.rows]

    full = site_status(site.settings)  # cold: judged, snapshot written
    cold = site_status(site.settings, chains=False)  # warm from here on
    warm = site_status(site.settings, chains=False)
    assert opened == ["ledger"]
    assert any(r.verdict.chain for r in full.rows)
    assert cold.rows == warm.rows == bare(full)
    assert (warm.orphans, warm.roster_version) == (full.orphans, full.roster_version)
    shutil.rmtree(site.root / ".cache" / "gate")
    assert site_status(site.settings, chains=False).rows == bare(full)  # judged, stripped
    assert site_status(site.settings).rows == full.rows  # the snapshot kept whole chains


def test_a_listing_in_a_child_gives_the_key_of_this_process(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """approvals/ is listed in a forked child; without a child, or if it dies, the same key."""
    import threading

    site.article(ITEM, "Rapat", "Isi.", category="Berita")
    site.approve_all(ITEM, ROLES[:2])
    for other_item in ("berita/dua.md", "berita/tiga.md"):  # units for the child too
        site.approve_all(site.article(other_item, "Lain", "Isi.", category="Berita"))
    assert _states(site)[ITEM] == "menunggu"  # loads the snapshot's modules
    module = sys.modules["approval_gate.snapshot"]
    identities = sys.modules["approval_gate.identities"]
    monkeypatch.setattr(identities, "core_free", lambda: True)
    gs, roster = load_trusted(read_settings_file(site.settings))
    units = identities.plan(gs.approvals_path, "_arsip").units
    assert sum(map(module._in_child, range(len(units)))) >= 2  # the child walks some
    forked = module.snapshot_key(gs, roster)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()  # another thread: no fork, the listing is made here
    try:
        assert module.snapshot_key(gs, roster) == forked
    finally:
        stop.set()
        other.join()
    parent, real = os.getpid(), identities.unit_digests

    def dies_in_child(*args: Any) -> bytes | None:
        if os.getpid() != parent:
            raise RuntimeError("anak mati")
        return real(*args)

    monkeypatch.setattr(identities, "unit_digests", dies_in_child)
    assert module.snapshot_key(gs, roster) == forked

    def cut_in_child(*args: Any) -> bytes | None:
        found = real(*args)
        return found[:-1] if found and os.getpid() != parent else found

    monkeypatch.setattr(identities, "unit_digests", cut_in_child)
    assert module.snapshot_key(gs, roster) == forked  # a short answer is walked again here
    site.sign(ITEM, ROLES[2])  # a new sign-off: listed by the child, another key
    monkeypatch.setattr(identities, "unit_digests", real)
    assert module.snapshot_key(gs, roster) not in (forked, None)
