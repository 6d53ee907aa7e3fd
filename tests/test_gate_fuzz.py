"""Fuzz: hundreds of broken sign-offs and sources in one build cost only their own items.

One whole-site build holds a few good, fully approved items beside 200 mutated sign-off
files (random byte edits, truncation, YAML bombs, deep nesting, files over 64 KB, binary,
other encodings, symlinks, loops, FIFOs) and 60 mutated item sources (the same, plus
sources over their limit and links to symlinks, FIFOs and files over their limit). The
build must end normally with no traceback, publish every good item, and name every bad
file in the manifest. A mutated sign-off the gate still counts must be one the
documented ssh-keygen audit accepts too. The random choices are seeded (``SEED``).

Item sources that are FIFOs are not made: Pelican itself would wait on them in a local
build; a sealed publish never writes one (only regular git blobs are exported).
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from approval_gate.api import allowed_signers, load_roster

from sitekit import ROLES, Site

pytestmark = pytest.mark.slow

SEED = 20261124
SIGNOFFS = 200
SOURCES = 60
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
        path.symlink_to(_fifo(path.parents[len(path.parts) - 2]))
    else:
        os.mkfifo(path)
    return None


def _fifo(anywhere: Path) -> Path:
    fifo = Path(anywhere).parent / "pipa-uji"
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


def _source_changes(site: Site, rng: random.Random, item: str) -> list[str]:
    """Mutate one item's source or what it links to; return the bad files (content/...)."""
    path = site.content / item
    kind = rng.randrange(8)
    if kind < 4:
        changes = ((_edits, 4), (_truncate, 1), (_binary, 1), (_encoding, 1))
        _mutate(rng, path, changes)
        return [f"content/{item}"]
    if kind == 4:
        path.write_text(path.read_text() + ("> " * 3000 + "isi\n") + "x" * SOURCE_LIMIT)
        return [f"content/{item}"]
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
    return [f"content/{folder.relative_to(site.content).as_posix()}/berkas.csv"]


def _written(path: Path) -> Path:
    path.write_text("isi")
    return path


def _audit_accepts(site: Site, path: Path, at: str) -> bool:
    """Run the commands of docs/approval-records.md on one sign-off file."""
    allowed = site.root / "allowed_signers"
    allowed.write_text(allowed_signers(load_roster(site.approvals, site.anchor, False)))
    stamp = datetime.fromisoformat(at).astimezone(UTC).strftime("%Y%m%d%H%M%SZ")
    script = (
        "sed -n '/^payload: |$/,/^signature: |$/{//!p}' \"$1\" | sed 's/^  //' > payload\n"
        "sed -n '/^signature: |$/,${//!p}' \"$1\" | sed 's/^  //' > payload.sig\n"
        f"ssh-keygen -Y verify -f {allowed} -I andi@web-admin -n kpu-rembang-persetujuan "
        f"-s payload.sig -O verify-time={stamp} < payload\n"
    )
    done = subprocess.run(
        ["sh", "-c", script, "audit", str(path)], cwd=site.root, capture_output=True, check=False
    )
    return done.returncode == 0


def test_hundreds_of_bad_files_hold_only_their_own_items(site: Site) -> None:
    rng = random.Random(SEED)
    good = []
    for n in range(3):
        item = site.article(
            f"berita/baik-{n}.md", f"Baik {n}", f"TOKENBAIK{n} [a]({{attach}}b{n}.pdf)"
        )
        site.attach(f"berita/b{n}.pdf", f"%PDF TOKENLAMPIRANBAIK{n}".encode())
        site.approve_all(item)
        good.append(item)
    signoffs: dict[str, tuple[str, Path]] = {}
    for n in range(SIGNOFFS):
        item = site.article(f"uji/s{n:03d}.md", f"S{n}", f"Isi {n}.")
        path = site.sign(item, ROLES[0])
        signoffs[f"approvals/{path.relative_to(site.approvals).as_posix()}"] = (item, path)
    sources: dict[str, list[str]] = {}
    for n in range(SOURCES):
        item = site.article(f"uji/n{n:03d}.md", f"N{n}", f"Isi sumber {n}.")
        if n % 3 == 0:
            site.approve_all(item)
        sources[item] = []
    kinds = [_mutate(rng, path, SIGNOFF_CHANGES) for _, path in signoffs.values()]
    assert len(set(kinds)) == len(SIGNOFF_CHANGES)
    for item in sources:
        sources[item] = _source_changes(site, rng, item)
    settings = site.write_settings(
        extra=f"APPROVAL_GATE_MAX_SOURCE_BYTES = {SOURCE_LIMIT}\n"
        f"APPROVAL_GATE_MAX_ATTACHMENT_BYTES = {ATTACHMENT_LIMIT}\n"
    )
    result = site.build(settings)  # never hangs, never raises: a bad file is not fatal
    assert "Traceback" not in result.log
    assert sorted(e["item"] for e in result.manifest["included"]) == good
    for n in range(3):
        assert site.hits(f"TOKENBAIK{n}") and site.hits(f"TOKENLAMPIRANBAIK{n}")
    found = {f["path"] for f in result.manifest["findings"]}
    excluded = {e["item"]: e for e in result.manifest["excluded"]}
    counted = []
    for shown, (item, path) in signoffs.items():
        if shown not in found:  # still a valid sign-off: the audit must agree
            assert excluded[item]["reason"] == "menunggu Kasubbag Tekmas", shown
            assert _audit_accepts(site, path, "2026-11-21T09:00:00+07:00"), shown
            counted.append(shown)
    assert len(counted) < SIGNOFFS // 4
    for item, bad in sources.items():
        assert item in excluded, item
        assert set(bad) <= found | {f"content/{i}" for i in excluded}, (item, bad)
    assert site.hits("root:x:0:0") == []
