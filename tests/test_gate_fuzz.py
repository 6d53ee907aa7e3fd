"""Fuzz: hundreds of broken sign-offs and sources in one ``invoke build`` cost only their items.

One whole-site build, run as a person runs it (``invoke build`` in a child process, on
a copy of the project), holds three good items beside 200 fully approved items of which
one sign-off file each is mutated (random byte edits, truncation, YAML bombs, deep
nesting, files over 64 KB, binary, other encodings, symlinks, loops, FIFOs) and 200
mutated item sources (the same, plus sources over their limit and links to symlinks,
FIFOs and files over their limit). The build must end normally with no traceback on
screen, publish every good item and every item whose mutated sign-off still counts, hold
every other, and name every problem by file: the first on screen, all of them in the
full list file it names. A mutated sign-off the gate still counts must be one the
documented ssh-keygen audit accepts too. The random choices are seeded (``SEED``).

``KPU_FUZZ_SIZE`` raises the number of mutated sign-offs and of mutated sources for a
longer run (200 each by default, which takes about 30 s on the 2-core machine, so CI
runs the full size; the fuzzed sign-offs are signed in-process by bench/fastsign.py,
the roster and the audit use ssh-keygen). Item sources that are
FIFOs are not made: Pelican itself would wait on them in a local build; a sealed publish
never writes one (only regular git blobs are exported).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from approval_gate.api import (
    SIGNOFF_NAMESPACE,
    allowed_signers,
    canonical_payload,
    load_roster,
    render_signoff,
    signoff_fields,
    signoff_path,
)
from fastsign import FastSigner

from publishing.problems import PROBLEMS_FILE, SHOWN, Problem, problems, report_problems
from sitekit import PEOPLE, ROLES, Site, copy_project, invoke_build

pytestmark = pytest.mark.slow

SEED = 20261124
SIGNOFFS = SOURCES = int(os.environ.get("KPU_FUZZ_SIZE", "200"))
SOURCE_LIMIT = 16 * 1024
ATTACHMENT_LIMIT = 32 * 1024
#: "Billion laughs": 9^9 strings if YAML ever built it (the gate refuses the first anchor).
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

Change = Callable[[random.Random, bytes, Path], bytes | None]


def _edits(rng: random.Random, data: bytes, _: Path) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(data))
        action = rng.randrange(3)
        if action == 0:
            data[at] = rng.randrange(256)
        elif action == 1:
            data.insert(at, rng.choice(b"\0\r\n\t :#&*[{\"'|>-!%@`\\\xff\xc3"))
        elif len(data) > 1:
            del data[at]
    return bytes(data)


def _truncate(rng: random.Random, data: bytes, _: Path) -> bytes:
    return data[: rng.randrange(len(data))]


def _binary(rng: random.Random, data: bytes, _: Path) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 3000)))


def _encoding(rng: random.Random, data: bytes, _: Path) -> bytes:
    text = data.decode("utf-8", errors="replace").replace('note: ""', 'note: "bérita"')
    text = text.replace("Isi", "Isí")  # a source: something the encodings write differently
    return text.encode(rng.choice(("utf-16", "utf-32", "latin-1", "cp1252", "utf-8-sig")))


def _yaml(rng: random.Random, data: bytes, _: Path) -> bytes:
    text = data.decode()
    return rng.choice(
        (
            BOMB.encode(),
            text.replace('role: "web-admin"', "role: " + "[" * 999 + "]" * 999).encode(),
            text.replace('note: ""', "note: " + "[" * 5000).encode(),
            text.replace('note: ""', "note: &x catatan\nsigner2: *x").encode(),
            text.replace('note: ""', 'note: ""\n<<: {role: "komisioner"}').encode(),
            text.replace("\n", "\r\n").encode(),
            text.replace('decision: "setuju"', 'decision: "setuju"\ndecision: "tolak"').encode(),
            (text + "#" * 70_000 + "\n").encode(),
            text.replace("signature: |", "signature: |\n  \\ud800").encode(),
        )
    )


def _special(rng: random.Random, data: bytes, path: Path) -> None:
    """Replace the file with a symlink (elsewhere, to itself, to a FIFO) or a FIFO."""
    path.unlink()
    kind = rng.randrange(4)
    if kind == 0:
        path.symlink_to("/etc/passwd")
    elif kind == 1:
        path.symlink_to(path.name)
    elif kind == 2:
        path.symlink_to(_fifo(path))
    else:
        os.mkfifo(path)
    return None


def _fifo(inside: Path) -> Path:
    """Return a FIFO in the site's folder, beside content/ and approvals/ (made once)."""
    site = next(p for p in inside.parents if p.name in ("approvals", "content")).parent
    fifo = site / "pipa-uji"
    if not fifo.exists():
        os.mkfifo(fifo)
    return fifo


SIGNOFF_CHANGES: tuple[tuple[Change, int], ...] = (
    (_edits, 45),
    (_truncate, 12),
    (_binary, 6),
    (_encoding, 8),
    (_yaml, 19),
    (_special, 10),
)


def _mutate(rng: random.Random, path: Path, changes: tuple[tuple[Change, int], ...]) -> str:
    change = rng.choices([c for c, _ in changes], [w for _, w in changes])[0]
    original = path.read_bytes()
    data = change(rng, original, path)
    while data == original:  # an edit that undid itself: the file must really change
        data = _edits(rng, original, path)
    if data is not None:
        path.write_bytes(data)
    return change.__name__


def _source_changes(site: Site, rng: random.Random, item: str) -> tuple[str, bool]:
    """Mutate one item's source or what it links to; return the bad file (content/...).

    And whether the gate must name it as a problem: an edited source may still read as
    a new version of the text (held as not yet approved), a file over its limit or not
    a regular file is always a problem.
    """
    path = site.content / item
    kind = rng.randrange(8)
    if kind < 4:
        changes = ((_edits, 4), (_truncate, 1), (_binary, 1), (_encoding, 1))
        _mutate(rng, path, changes)
        return f"content/{item}", False
    if kind == 4:
        path.write_text(path.read_text() + ("> " * 3000 + "isi\n") + "x" * SOURCE_LIMIT)
        return f"content/{item}", True
    folder = path.parent / f"{path.stem}-lampiran"
    folder.mkdir()
    target = folder / "berkas.csv"
    if kind == 5:
        target.write_bytes(b"0" * (ATTACHMENT_LIMIT + 1))
    elif kind == 6:
        _special(rng, b"", _written(target))
    else:
        folder.rename(folder.with_name(folder.name + "-asli"))
        folder.symlink_to(folder.with_name(folder.name + "-asli"))
    path.write_text(path.read_text() + f"\n[unduh]({{attach}}{folder.name}/berkas.csv)\n")
    return f"content/{folder.relative_to(site.content).as_posix()}/berkas.csv", True


def _written(path: Path) -> Path:
    path.write_text("isi")
    return path


def _audit_accepts(site: Site, path: Path, at: str, signer: str) -> bool:
    """Run the commands of docs/approval-records.md on one sign-off file."""
    allowed = site.root / "allowed_signers"
    if not allowed.exists():
        allowed.write_text(allowed_signers(load_roster(site.approvals, site.anchor, False)))
    stamp = datetime.fromisoformat(at).astimezone(UTC).strftime("%Y%m%d%H%M%SZ")
    script = (
        "sed -n '/^payload: |$/,/^signature: |$/{//!p}' \"$1\" | sed 's/^  //' > payload\n"
        "sed -n '/^signature: |$/,${//!p}' \"$1\" | sed 's/^  //' > payload.sig\n"
        f"ssh-keygen -Y verify -f {allowed} -I {signer} -n kpu-rembang-persetujuan "
        f"-s payload.sig -O verify-time={stamp} < payload\n"
    )
    done = subprocess.run(
        ["sh", "-c", script, "audit", str(path)], cwd=site.root, capture_output=True, check=False
    )
    return done.returncode == 0


#: When the fuzzed items were approved: the roles 20 minutes apart, in SOP order.
SIGNED = datetime.fromisoformat("2026-11-21T09:00:00+07:00")


def _approve_all(site: Site, item: str, signers: dict[str, FastSigner]) -> dict[str, Path]:
    """Write the four sign-offs of ``item`` as ``invoke approve`` lays them out.

    Signed in-process (bench/fastsign.py: the same SSHSIG bytes ssh-keygen writes), so
    that a thousand sign-offs cost no thousand processes; returns the files by role.
    """
    files = {}
    for step, role in enumerate(ROLES):
        at = SIGNED + timedelta(minutes=20 * step)
        fields = signoff_fields(item, role, PEOPLE[role], "setuju", "", at, site.digest(item))
        payload = canonical_payload(fields).encode()
        signature = signers[role].sign(payload, SIGNOFF_NAMESPACE)
        target = site.approvals / signoff_path(item, role, "setuju", at)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_signoff(fields, signature))
        files[role] = target
    return files


@dataclass
class Fuzzed:
    """The site's items: good ones, mutated sign-offs and mutated sources."""

    good: list[str] = field(default_factory=list)
    #: approvals/... of each mutated sign-off -> (item, file, role)
    signoffs: dict[str, tuple[str, Path, str]] = field(default_factory=dict)
    #: item -> the file of it that was made bad (content/...), and whether it must be named
    sources: dict[str, tuple[str, bool]] = field(default_factory=dict)


def _fuzzed_site(site: Site, rng: random.Random) -> Fuzzed:
    """Write the good items, then the items whose sign-off or source is mutated."""
    fuzz = Fuzzed()
    signers = {role: FastSigner(site.keys.private(PEOPLE[role])) for role in ROLES}
    for n in range(3):
        item = site.article(
            f"berita/baik-{n}.md", f"Baik {n}", f"TOKENBAIK{n} [a]({{attach}}b{n}.pdf)"
        )
        site.attach(f"berita/b{n}.pdf", f"%PDF TOKENLAMPIRANBAIK{n}".encode())
        _approve_all(site, item, signers)
        fuzz.good.append(item)
    for n in range(SIGNOFFS):
        item = site.article(f"uji/s{n:03d}.md", f"S{n}", f"Isi {n}.")
        role = rng.choice(ROLES)
        path = _approve_all(site, item, signers)[role]
        fuzz.signoffs[f"approvals/{path.relative_to(site.approvals).as_posix()}"] = (
            item,
            path,
            role,
        )
    for n in range(SOURCES):
        item = site.article(f"uji/n{n:03d}.md", f"N{n}", f"Isi sumber {n}.")
        if n % 3 == 0:
            _approve_all(site, item, signers)
        fuzz.sources[item] = ("", False)
    kinds = [_mutate(rng, path, SIGNOFF_CHANGES) for _, path, _ in fuzz.signoffs.values()]
    assert len(set(kinds)) == len(SIGNOFF_CHANGES)
    for item in fuzz.sources:
        fuzz.sources[item] = _source_changes(site, rng, item)
    return fuzz


def test_hundreds_of_bad_files_hold_only_their_own_items(
    site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = copy_project(tmp_path_factory.mktemp("proyek") / "proyek", tests=False)
    fuzz = _fuzzed_site(site, random.Random(SEED))
    settings = site.write_settings(
        extra=f"APPROVAL_GATE_MAX_SOURCE_BYTES = {SOURCE_LIMIT}\n"
        f"APPROVAL_GATE_MAX_ATTACHMENT_BYTES = {ATTACHMENT_LIMIT}\n"
    )
    # from the site's folder, reading nothing from stdin
    # from the site's folder, reading nothing; never hangs, never fails: a bad file is not fatal
    done = invoke_build(project, settings, 600, stdin=subprocess.DEVNULL, cwd=settings.parent)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "Traceback" not in done.stdout
    manifest = json.loads((site.root / "var" / "gate-manifest.json").read_text())
    listed = problems(manifest)
    screen = done.stdout.splitlines()
    full = (project / PROBLEMS_FILE).read_text().splitlines()
    _only_the_affected_items_are_held(site, fuzz, manifest, project / "output")
    shown_as = str(project.resolve() / PROBLEMS_FILE)  # outside the site: named in full
    _every_problem_is_named(fuzz, manifest, listed, screen, full, shown_as)


def _only_the_affected_items_are_held(
    site: Site, fuzz: Fuzzed, manifest: dict, output: Path
) -> None:
    found = {f["path"] for f in manifest["findings"]}
    counted = {shown for shown in fuzz.signoffs if shown not in found}
    expected = fuzz.good + [fuzz.signoffs[shown][0] for shown in counted]
    assert sorted(e["item"] for e in manifest["included"]) == sorted(expected)
    held = {e["item"] for e in manifest["excluded"]}
    mutated = {item for item, _, _ in fuzz.signoffs.values()}
    assert held == (mutated - set(expected)) | set(fuzz.sources)
    assert len(counted) < SIGNOFFS // 4
    for shown in counted:  # still a valid sign-off: the documented audit must agree
        _, path, role = fuzz.signoffs[shown]
        at = SIGNED + timedelta(minutes=20 * ROLES.index(role))
        assert _audit_accepts(site, path, at.isoformat(), f"{PEOPLE[role]}@{role}"), shown
    pages = [p for p in output.rglob("*") if p.is_file()]
    for n in range(3):
        for token in (f"TOKENBAIK{n}", f"TOKENLAMPIRANBAIK{n}"):
            assert any(token.encode() in p.read_bytes() for p in pages), token
    assert not any(b"root:x:0:0" in p.read_bytes() for p in pages)


def _every_problem_is_named(
    fuzz: Fuzzed,
    manifest: dict,
    listed: list[Problem],
    screen: list[str],
    full: list[str],
    shown_as: str,
) -> None:
    """The first problems on screen, then where the rest are; all of them in that file."""
    lines = [f"  ! {problem.render()}" for problem in listed]
    assert len(lines) > SHOWN
    start = screen.index(
        f"Ada {len(lines)} catatan masalah; hanya item yang terkena yang ditahan, "
        "item lain tetap terbit:"
    )
    assert screen[start + 1 : start + 1 + SHOWN] == lines[:SHOWN]
    assert screen[start + 1 + SHOWN :] == [
        f"  … dan {len(lines) - SHOWN} lainnya. Daftar lengkap: {shown_as}; rincian per "
        "item: 'invoke status'."
    ]
    assert [line for line in full if line.startswith("  ! ")] == lines
    named = {line[4:].split(":", 1)[0] for line in lines}
    found = {f["path"] for f in manifest["findings"]}
    for shown in fuzz.signoffs:  # every one that cost its item its place is named
        assert (shown in named) == (shown in found), shown
    held = {line.split(": ", 2)[1] for line in screen if line.startswith("  ditahan: ")}
    assert held == {e["item"] for e in manifest["excluded"]}
    for item, (path, must) in fuzz.sources.items():
        assert item in held, item
        if must:
            assert path in named, (item, path)
    for entry in manifest["excluded"]:
        if entry["state"] == "rusak":  # Pelican could not read it: named by its file
            assert f"content/{entry['item']}" in named, entry


# -- the list's edges: few problems, none, and a folder that cannot hold the list ----------

FEW = {
    "generated_at": "2026-11-24T10:00:00+07:00",
    "findings": [
        {
            "path": "approvals/b/2.yml",
            "line": 3,
            "item": "b.md",
            "message": "YAML tidak valid:\n  di baris 3",
            "hint": "Buat keputusan baru.",
        },
        {"path": "approvals/a/1.yml", "line": None, "item": None, "message": "Rusak.", "hint": ""},
    ],
    "excluded": [
        {"item": "b.md", "state": "draf", "reason": "draf, menunggu Web Admin"},
        {"item": "c.md", "state": "rusak", "reason": "berkas tidak dapat dibaca Pelican"},
    ],
}


def test_a_few_problems_are_all_on_screen_and_in_the_file(tmp_path: Path) -> None:
    full = tmp_path / "var" / "masalah-build.txt"
    log = "WARNING: lain\nERROR: Could not process c.md\n"
    assert report_problems(FEW, full, "var/masalah-build.txt", log) == [
        "Ada 3 catatan masalah; hanya item yang terkena yang ditahan, item lain tetap terbit:",
        "  ! approvals/a/1.yml: Rusak.",
        "  ! approvals/b/2.yml:3: YAML tidak valid: di baris 3 (Buat keputusan baru.)",
        "  ! content/c.md: berkas tidak dapat dibaca Pelican",
        "  Daftar lengkap: var/masalah-build.txt; rincian per item: 'invoke status'.",
    ]
    assert full.read_text() == (
        "Catatan masalah build 2026-11-24 10:00 WIB: 3 masalah, 2 item ditahan.\n"
        "Setiap masalah hanya menahan item yang terkena; item lain tetap terbit.\n\n"
        "Masalah (3):\n"
        "  ! approvals/a/1.yml: Rusak.\n"
        "  ! approvals/b/2.yml:3: YAML tidak valid: di baris 3 (Buat keputusan baru.)\n"
        "  ! content/c.md: berkas tidak dapat dibaca Pelican\n\n"
        "Item ditahan (2):\n"
        "  ditahan: b.md: draf, menunggu Web Admin\n"
        "  ditahan: c.md: berkas tidak dapat dibaca Pelican\n\n"
        "Catatan Pelican tentang berkas yang dilewati (apa adanya):\n"
        "  ERROR: Could not process c.md\n"
    )


def test_a_build_without_problems_removes_the_last_list(tmp_path: Path) -> None:
    full = tmp_path / "masalah-build.txt"
    full.write_text("daftar build sebelumnya\n")
    clean = {"findings": [], "excluded": [{"item": "a.md", "state": "draf", "reason": "draf"}]}
    assert report_problems(clean, full) == []
    assert not full.exists()


def test_warnings_alone_are_listed_after_the_problems_and_kept_in_the_file(
    tmp_path: Path,
) -> None:
    full = tmp_path / "var" / "masalah-terbit.txt"
    clean = {"findings": [], "excluded": []}
    rows = [
        {"path": f"content/regulasi/r{n:02}.md", "line": 6, "message": "Tahun 'x'.", "hint": "H."}
        for n in range(SHOWN + 5)
    ]
    lines = report_problems(clean, full, "var/masalah-terbit.txt", warnings=[*rows, rows[0]])
    assert lines[0] == (
        f"Ada {SHOWN + 5} peringatan; itemnya tetap terbit, tetapi tanpa bagian yang tidak "
        "dapat dibaca:"
    )
    assert lines[1] == "  ~ content/regulasi/r00.md:6: Tahun 'x'. (H.)"  # each once
    assert len(lines) == SHOWN + 2
    assert lines[-1] == "  … dan 5 lainnya. Daftar lengkap: var/masalah-terbit.txt."
    kept = full.read_text()
    assert "0 masalah, 0 item ditahan, 25 peringatan." in kept
    assert kept.count("  ~ content/regulasi/") == SHOWN + 5


def test_a_list_that_cannot_be_written_still_shows_the_first_problems(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("sebuah berkas, bukan folder")
    lines = report_problems(FEW, tmp_path / "var" / "masalah-build.txt", "var/masalah-build.txt")
    assert lines[1:4] == [f"  ! {p.render()}" for p in problems(FEW)]
    assert lines[-1] == (
        "  Daftar lengkap TIDAK dapat ditulis ke var/masalah-build.txt (ada berkas di tempat "
        "foldernya); semuanya tampil di 'invoke status'."
    )
