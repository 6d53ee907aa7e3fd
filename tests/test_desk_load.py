"""Twenty people at once on one desk: approvals and new naskah on different items.

A real desk (waitress, its thread pool) serves a copy of the project on loopback. Twelve
officials' decisions (three items waiting for each of the SOP's four roles) and eight
writers' submissions start together from twenty threads, each through the same JSON
endpoints and forms the pages use, each passkey answer made in Python as a phone makes it
(``passkeykit``). Afterwards the repository must hold exactly what was asked: one sign-off
per decision (none lost, none twice), each counted by the gate; one commit per action,
holding exactly that action's files, in that person's name; ``git fsck`` clean and no
``index.lock`` left. No time is asserted; a generous timeout only keeps a hung desk from
hanging the run.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from approval_gate.api import ROLE_IDS, decide, open_ledger

from deskkit import Desk, running_desk
from passkeykit import Passkey, add_credential, b64url, browser_answer, enrol_in_roster
from sitekit import commit_all, copy_project

pytestmark = pytest.mark.slow

#: The officials of the sample roster, in SOP order (one per role).
OFFICIALS = {
    "andi": ("Andi Prasetyo (CONTOH)", "web-admin"),
    "sri": ("Sri Wahyuni (CONTOH)", "kasubbag-tekmas"),
    "bambang": ("Bambang Sutrisno (CONTOH)", "sekretaris"),
    "dewi": ("Dewi Lestari (CONTOH)", "komisioner"),
}
#: Sample items already waiting: item -> how many roles have approved it.
SAMPLE_WAITING = {
    "berita/2026-11-20-persiapan-logistik.md": 0,
    "berita/2026-11-21-rakor-ppk-kragan.md": 1,
    "pengumuman/2026-11-22-seleksi-kpps.md": 2,
    "artikel/2026-11-18-partisipasi-pemilih-muda.md": 3,
}
PER_ROLE = 3
WRITERS = 8
#: Generous: a request that has not answered by then means a hung desk.
TIMEOUT_S = 300


@dataclass(frozen=True)
class Result:
    """What one of the twenty did and what the desk answered."""

    who: str
    kind: str  # setuju or naskah
    item: str  # the item decided, or the title sent
    status: int
    body: str


def _new_item(root: Path, number: int) -> str:
    """Write a plain berita item (as ``invoke new`` would, filled in); return its name."""
    item = f"berita/2026-11-23-beban-{number:02d}.md"
    (root / "content" / item).write_text(
        f"Title: Berita Uji Beban Nomor {number}\n"
        f"Date: 2026-11-23 {8 + number % 10:02d}:00\n"
        "Category: Berita\n"
        "Tags: uji beban\n"
        f"Slug: berita-uji-beban-{number:02d}\n"
        "Authors: Tim Teknis dan Hupmas\n"
        f"Summary: Berita uji beban nomor {number} untuk meja persetujuan.\n\n"
        f"Isi berita uji beban nomor {number}. KPU Kabupaten Rembang menguji meja "
        "persetujuan dengan banyak keputusan sekaligus.\n",
        encoding="utf-8",
    )
    return item


def _items_per_role(root: Path) -> dict[str, list[str]]:
    """Make PER_ROLE items wait for each role: sample items plus new ones pre-approved.

    New items get the earlier roles' approvals from the demo keys (``decide``, as
    ``invoke approve`` signs), so each role has its own items waiting.
    """
    waiting: dict[str, list[str]] = {role: [] for role in ROLE_IDS}
    for item, done in SAMPLE_WAITING.items():
        waiting[ROLE_IDS[done]].append(item)
    made = []
    for step, role in enumerate(ROLE_IDS):
        while len(waiting[role]) < PER_ROLE:
            item = _new_item(root, len(made) + 1)
            made.append((item, step))
            waiting[role].append(item)
    for name in ("andi", "sri", "bambang", "dewi"):
        (root / "demo-keys" / name).chmod(0o600)
    ledger = open_ledger(root / "pelicanconf.py")
    for item, step in made:
        for earlier, (person, (_, role)) in zip(range(step), OFFICIALS.items(), strict=False):
            assert role == ROLE_IDS[earlier]
            decide(ledger, item, role, "setuju", "", root / "demo-keys" / person, ledger.now)
            ledger = open_ledger(root / "pelicanconf.py")
    return waiting


def _approve(desk: Desk, person: str, passkey: Passkey, credential: str, item: str) -> Result:
    """Setujui as the item page does: siapkan, the passkey signs, selesai."""
    session = desk.client(person)
    role = OFFICIALS[person][1]
    ready = desk.post(
        "/api/tugas/siapkan",
        session,
        json={"item": item, "peran": role, "keputusan": "setuju", "catatan": ""},
    )
    if ready.status_code != 200:
        return Result(person, "setuju", item, ready.status_code, ready.text)
    data = ready.json()
    answer = browser_answer(passkey, credential, data["options"], desk.url)
    done = desk.post("/api/tugas/selesai", session, json={"id": data["id"], "assertion": answer})
    return Result(person, "setuju", item, done.status_code, done.text)


def _submit(desk: Desk, writer: str, number: int) -> Result:
    """Send a new naskah from the form of /naskah/baru (no picture: the text only)."""
    session = desk.client(writer)
    title = f"Naskah Serentak Nomor {number} dari {writer}"
    form = {
        "csrf": session.csrf,  # type: ignore[attr-defined]
        "jenis": "berita",
        "judul": title,
        "tanggal": "2026-11-24",
        "tag": "uji beban, meja",
        "ringkasan": f"Ringkasan naskah serentak nomor {number}.",
        "isi": f"Isi naskah serentak nomor {number}, ditulis oleh {writer} lewat meja.",
    }
    sent = desk.post(
        "/naskah/baru", session, data=form, headers={"Accept": "text/html"}, allow_redirects=True
    )
    return Result(writer, "naskah", title, sent.status_code, sent.text)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def _commits(root: Path, since: str) -> list[tuple[str, str, list[str]]]:
    """Return (author name, subject, files) of every commit after ``since``, oldest first."""
    log = _git(root, "log", "--reverse", "--format=%x00%an%x01%s", "--name-only", f"{since}..HEAD")
    assert log.returncode == 0, log.stderr
    found = []
    for chunk in log.stdout.split("\0")[1:]:
        head, _, rest = chunk.partition("\n")
        author, _, subject = head.partition("\x01")
        found.append((author, subject, sorted(line for line in rest.split("\n") if line)))
    return found


def _run_all(jobs: list[Callable[[], Result]]) -> list[Result]:
    """Start every job at once (a barrier) and wait for all, with a generous bound."""
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], Result]) -> Result:
        start.wait(timeout=TIMEOUT_S)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        return [future.result(timeout=TIMEOUT_S) for future in futures]


def test_twenty_people_at_once_lose_nothing_and_corrupt_nothing(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "situs", tests=False)
    waiting = _items_per_role(root)
    with running_desk(root) as desk:
        passkeys = {person: Passkey(rp_id=desk.settings.rp_id) for person in OFFICIALS}
        credentials = {person: b64url(os.urandom(16)) for person in OFFICIALS}
        enrol_in_roster(root, {p: [k.public_key] for p, k in passkeys.items()}, [desk.url])
        base = commit_all(root, "roster: passkey para pejabat dan alamat meja; item uji beban")
        for person, (name, role) in OFFICIALS.items():
            desk.account(person, name, role)
            add_credential(desk.store, person, credentials[person], passkeys[person].public_key)
        writers = [f"penulis{n}" for n in range(1, WRITERS + 1)]
        for writer in writers:
            desk.account(writer, f"Penulis Uji {writer[-1]}", "penulis")
        jobs: list[Callable[[], Result]] = []
        for person, (_, role) in OFFICIALS.items():
            for item in waiting[role]:
                jobs.append(
                    lambda p=person, i=item: _approve(  # type: ignore[misc]
                        desk, p, passkeys[p], credentials[p], i
                    )
                )
        for number, writer in enumerate(writers, 1):
            jobs.append(lambda w=writer, n=number: _submit(desk, w, n))  # type: ignore[misc]
        assert len(jobs) == 20
        results = _run_all(jobs)

    failed = [r for r in results if r.status != 200]
    assert not failed, "\n".join(
        f"{r.who} {r.kind} {r.item}: {r.status} {r.body[:300]}" for r in failed
    )
    _check_repository(root, base, waiting, results)


def _check_repository(
    root: Path, base: str, waiting: dict[str, list[str]], results: list[Result]
) -> None:
    """One sign-off per decision, each counted; one commit per action; git healthy."""
    assert not (root / ".git" / "index.lock").exists()
    fsck = _git(root, "fsck", "--full", "--strict", "--no-dangling")
    assert fsck.returncode == 0 and not fsck.stdout.strip(), fsck.stdout + fsck.stderr
    status = _git(
        root, "status", "--porcelain", "--untracked-files=all", "--", "content", "approvals"
    )
    assert status.stdout == "", f"left uncommitted:\n{status.stdout}"
    commits = _commits(root, base)
    assert len(commits) == 20, [c[:2] for c in commits]
    ledger = open_ledger(root / "pelicanconf.py")
    names = {person: name for person, (name, _) in OFFICIALS.items()}
    for person, (_, role) in OFFICIALS.items():
        for item in waiting[role]:
            folder = f"approvals/{item.removesuffix('.md')}/"
            mine = [c for c in commits if any(f.startswith(folder) for f in c[2])]
            assert len(mine) == 1, (item, mine)  # not lost, not twice
            author, _, files = mine[0]
            assert author == names[person] and len(files) == 1, mine[0]
            verdict = ledger.verdict(item)
            assert not verdict.findings, (item, [f.message for f in verdict.findings])
            counted = [d for d in verdict.chain if d.role == role]
            assert len(counted) == 1 and counted[0].person == person, (item, verdict.reason)
            assert Path(counted[0].path).as_posix().endswith(files[0]), (files, counted[0])
    titles = {r.item: r.who for r in results if r.kind == "naskah"}
    sent = [c for c in commits if not any(f.startswith("approvals/") for f in c[2])]
    assert len(sent) == WRITERS
    for author, subject, files in sent:
        writer = next(w for t, w in titles.items() if t in subject)
        assert author == f"Penulis Uji {writer[-1]}", (author, subject)
        assert len(files) == 1 and files[0].startswith("content/berita/2026-11-24-"), files
        text = (root / files[0]).read_text(encoding="utf-8")
        assert f"ditulis oleh {writer} lewat meja" in text
