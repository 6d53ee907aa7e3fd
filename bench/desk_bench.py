"""Benchmark for issue 14: the approval desk on a site of 1,000 items.

The site is a copy of the project (sample content, demo keys, the demo roster, its local
target ``var/situs``) with ``--items`` generated articles (``gate_bench.write_articles``,
400-800 words, all four sign-offs, signed in-process with the demo keys). The desk is the
real one (waitress, ``deskkit.running_desk``); the four officials hold passkeys made in
Python (``passkeykit``) that the roster lists with the desk's origin, signed by the demo
anchor. Measured:

* **fourth signature to live** (``--rounds`` times): a new item with three sign-offs is
  committed; the Komisioner's passkey signs (``/api/tugas/siapkan``, then the assertion
  to ``/api/tugas/selesai``: the sign-off recorded and committed), the web admin starts
  the publish from ``/terbit`` (``invoke publish --demo``, the local target) and the job
  is followed until it ends; the clock stops when the item's page is in the live release.
  The first publish of the site (every page) runs before, untimed, as on a site in use.
* **response times under load** (``--load-rounds`` times): the workload of
  tests/test_desk_load.py, twenty requests started together (twelve decisions, three for
  each role, and eight new naskah from /naskah/baru); each HTTP request's wall time is
  recorded, by kind (siapkan, selesai, naskah baru), and given as median, p95 and max.

Usage::

    .venv/bin/python bench/desk_bench.py --items 1000 [--rounds 3] [--load-rounds 3]
        [--markdown F]
    .venv/bin/python bench/desk_bench.py --items 30 --rounds 1 --load-rounds 1   # smoke

Results: docs/benchmarks.md ("Meja Persetujuan").
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]

OFFICIALS = ("andi", "sri", "bambang", "dewi")  # sitekit.PEOPLE: the holders in SOP order
WRITERS = 8
PER_ROLE = 3
PATIENCE_S = 1800  # a publish that has not ended by then is a hung one


def pct(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


class Site:
    """The project copy with the generated items, its running desk and the passkeys."""

    def __init__(self, folder: Path, n: int) -> None:
        import gate_bench
        from sitekit import NOW, Keys, commit_all, copy_project

        start = time.perf_counter()
        self.root = copy_project(folder / "situs", tests=False)
        self.keys = Keys(self.root / "demo-keys")
        for name in (*OFFICIALS, "rudi"):
            self.keys.private(name).chmod(0o600)
        gate_bench.LAST_DAY, gate_bench.NOW = NOW - timedelta(days=3), NOW
        items = gate_bench.write_articles(self.root / "content", n, (400, 800))
        gate_bench.sign_all(self.keys, self.root / "content", self.root / "approvals", items)
        commit_all(self.root, f"{n} item tolok ukur")
        self.generate = time.perf_counter() - start
        self.made = 0
        self.desk: Any = None
        self.passkeys: dict[str, Any] = {}
        self.credentials: dict[str, str] = {}

    def open_desk(self, desk: Any) -> None:
        """Give the officials passkeys in the roster (signed by the demo anchor) and accounts."""
        from passkeykit import Passkey, add_credential, b64url, enrol_in_roster
        from sitekit import PEOPLE, ROLES, commit_all

        self.desk = desk
        for role in ROLES:
            person = PEOPLE[role]
            self.passkeys[person] = Passkey(rp_id=desk.settings.rp_id)
            self.credentials[person] = b64url(os.urandom(16))
            desk.account(person, f"Pejabat {person.title()}", role)
            add_credential(
                desk.store, person, self.credentials[person], self.passkeys[person].public_key
            )
        for n in range(1, WRITERS + 1):
            desk.account(f"penulis{n}", f"Penulis {n}", "penulis")
        enrol_in_roster(
            self.root, {p: [k.public_key] for p, k in self.passkeys.items()}, [desk.url]
        )
        commit_all(self.root, "roster: passkey para pejabat dan alamat meja")

    def waiting_item(self, approved: int) -> str:
        """Commit a new article with the first ``approved`` roles' sign-offs; return it."""
        from gate_bench import AUTHORS, body, kind_metadata, sentence
        from sitekit import commit_all

        from approval_gate.api import now

        self.made += 1
        rng = random.Random(self.made)
        slug = f"meja-tolok-ukur-{self.made:03d}"
        item = f"berita/2026-11-23-{slug}.md"
        text = (
            "\n".join(
                [
                    f"Title: Meja Tolok Ukur {self.made}",
                    "Date: 2026-11-23 09:00",
                    "Category: Berita",
                    "Tags: rapat pleno",
                    f"Slug: {slug}",
                    f"Authors: {rng.choice(AUTHORS)}",
                    f"Summary: {sentence(rng)}",
                    *kind_metadata("Berita"),
                ]
            )
            + f"\n\nMeja {self.made}.\n\n{body(rng, rng.randint(400, 800))}\n"
        )
        (self.root / "content" / item).write_text(text, encoding="utf-8")
        self._sign(item, approved, now() - timedelta(hours=1))
        commit_all(self.root, f"Tambah {item}")
        return item

    def _sign(self, item: str, count: int, at: Any) -> None:
        from seal_bench import sign_roles
        from sitekit import ROLES

        sign_roles(self.root, self.keys, item, ROLES[:count], at, timedelta(minutes=1))

    def decide(
        self, person: str, role: str, item: str, times: dict[str, list[float]] | None = None
    ) -> float:
        """Setujui through the desk's JSON endpoints; return when the sign-off was recorded."""
        from passkeykit import browser_answer

        desk, session = self.desk, self.desk.client(person)
        start = time.perf_counter()
        ready = desk.post(
            "/api/tugas/siapkan",
            session,
            json={"item": item, "peran": role, "keputusan": "setuju", "catatan": ""},
        )
        signed = time.perf_counter()
        assert ready.status_code == 200, ready.text
        answer = browser_answer(
            self.passkeys[person], self.credentials[person], ready.json()["options"], desk.url
        )
        made = time.perf_counter()
        done = desk.post(
            "/api/tugas/selesai", session, json={"id": ready.json()["id"], "assertion": answer}
        )
        end = time.perf_counter()
        assert done.status_code == 200, done.text
        if times is not None:
            times["siapkan"].append(signed - start)
            times["selesai"].append(end - made)
        return end

    def publish(self) -> tuple[float, str]:
        """Start a publish from /terbit as the web admin, follow it; return (end, last line)."""
        desk, session = self.desk, self.desk.client("andi")
        sent = desk.post(
            "/terbit/mulai",
            session,
            data={"csrf": session.csrf, "demo": "1"},
            allow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
        job = sent.headers["Location"].split("tugas=")[1]
        deadline = time.monotonic() + PATIENCE_S
        while True:
            view = desk.get(f"/api/terbit/tugas/{job}", session).json()
            if not view["berjalan"]:
                break
            assert time.monotonic() < deadline, "the publish never ended"
            time.sleep(0.05)
        assert view.get("kode") == 0, view
        return time.perf_counter(), str((view.get("baris") or [""])[-1])

    def live(self, item: str) -> bool:
        slug = Path(item).stem.split("-", 3)[3]
        page = self.root / "var" / "situs" / "current" / "berita" / slug / "index.html"
        return page.is_file()


def to_live(site: Site) -> dict[str, float]:
    """One round: the fourth signature through the desk, then the publish from /terbit."""
    from sitekit import PEOPLE, ROLES

    item = site.waiting_item(3)
    start = time.perf_counter()
    recorded = site.decide(PEOPLE[ROLES[-1]], ROLES[-1], item)
    ended, _ = site.publish()
    assert site.live(item), f"{item} is not live"
    return {"total": ended - start, "recorded": recorded - start, "publish": ended - recorded}


def under_load(site: Site) -> tuple[dict[str, list[float]], float]:
    """Twenty requests at once (tests/test_desk_load.py's workload); their wall times."""
    from sitekit import PEOPLE, ROLES

    jobs: list[Callable[[], None]] = []
    times: dict[str, list[float]] = {"siapkan": [], "selesai": [], "naskah baru": []}
    for step, role in enumerate(ROLES):
        for _ in range(PER_ROLE):
            item = site.waiting_item(step)
            jobs.append(lambda p=PEOPLE[role], r=role, i=item: site.decide(p, r, i, times))
    for n in range(1, WRITERS + 1):
        jobs.append(lambda n=n: _submit(site, n, times))
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        job()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result(timeout=PATIENCE_S)
    return times, time.perf_counter() - start


def _submit(site: Site, n: int, times: dict[str, list[float]]) -> None:
    session = site.desk.client(f"penulis{n}")
    form = {
        "csrf": session.csrf,
        "jenis": "berita",
        "tanggal": "2026-11-24",
        "judul": f"Naskah Serentak {site.made}-{n}",
        "tag": "uji beban",
        "ringkasan": "Ringkasan naskah serentak.",
        "isi": f"Isi naskah serentak {n}.",
    }
    start = time.perf_counter()
    sent = site.desk.post("/naskah/baru", session, data=form)
    times["naskah baru"].append(time.perf_counter() - start)
    assert sent.status_code == 200 and "Naskah terkirim" in sent.text, sent.text[:500]


def report(
    n: int,
    site: Site,
    live: list[dict[str, float]],
    loads: list[tuple[dict[str, list[float]], float]],
    load: tuple[float, ...],
) -> str:
    from gate_bench import machine

    info = machine()
    ms = 1000.0
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {info['nproc']} "
        f"CPUs ({info['cpu']}), Python {info['python']}, Pelican {info['pelican']}; load "
        f"average at the start {load[0]:.2f}, at the end {load[1]:.2f} (other work shared the "
        "machine). Site: the sample plus "
        f"{n:,} generated items ({site.generate:.0f} s to generate and sign).",
        "",
        "| Fourth signature to live | median | max | rounds |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, words in (
        ("recorded", "siapkan + selesai: the sign-off recorded, committed"),
        ("publish", "publish from /terbit until the job ends"),
        ("total", "**total: fourth signature to page live**"),
    ):
        values = [run[key] for run in live]
        lines.append(
            f"| {words} | {statistics.median(values):.2f} s | {max(values):.2f} s | {len(values)} |"
        )
    lines += [
        "",
        "| Under load (20 at once) | requests | median | p95 | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    merged: dict[str, list[float]] = {}
    for times, _ in loads:
        for key, values in times.items():
            merged.setdefault(key, []).extend(values)
    every = [v for values in merged.values() for v in values]
    for key, values in [*merged.items(), ("every request", every)]:
        lines.append(
            f"| {key} | {len(values)} | {statistics.median(values) * ms:.0f} ms | "
            f"{pct(values, 0.95) * ms:.0f} ms | {max(values) * ms:.0f} ms |"
        )
    walls = [wall for _, wall in loads]
    lines.append(
        f"| all twenty done (wall) | {len(walls)} rounds | "
        f"{statistics.median(walls):.2f} s | | {max(walls):.2f} s |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--load-rounds", type=int, default=3)
    parser.add_argument("--markdown", type=Path, help="write the tables to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated site")
    args = parser.parse_args(argv)
    from deskkit import running_desk
    from sitekit import machine_env

    workdir = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    os.environ.update(machine_env(workdir / "situs"))  # the publish child's machine
    os.environ.pop("KPU_SITEURL", None)
    load_start = os.getloadavg()[0]
    try:
        site = Site(workdir, args.items)
        print(f"generated {args.items} items in {site.generate:.1f} s", flush=True)
        with running_desk(site.root, MEJA_PRATINJAU_TUNGGU=600.0) as desk:
            site.open_desk(desk)
            first = time.perf_counter()
            site.publish()
            print(
                f"first publish (untimed in the table): {time.perf_counter() - first:.1f} s",
                flush=True,
            )
            live = []
            for round_ in range(args.rounds):
                live.append(to_live(site))
                print(f"to live {round_ + 1}: {live[-1]}", flush=True)
            loads = []
            for round_ in range(args.load_rounds):
                loads.append(under_load(site))
                print(f"load {round_ + 1}: {loads[-1][1]:.2f} s", flush=True)
        text = report(args.items, site, live, loads, (load_start, os.getloadavg()[0]))
        print(text)
        if args.markdown:
            args.markdown.write_text(text + "\n", encoding="utf-8")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
