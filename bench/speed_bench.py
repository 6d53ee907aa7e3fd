"""Benchmark for issue 12: does a publish cost what changed, measured against plain Pelican.

For each item count N it generates one realistic site as a git repository (as
``seal_bench.py`` does): N articles of 400-800 words of Indonesian-like Markdown, one in
ten with a PDF linked with ``{attach}``, four real SSH-signed sign-offs each, a roster
signed by a fresh anchor key. For every code measured (this tree, and with
``--baseline DIR`` another checkout, e.g. the commit before the speed work) the site
holds a committed settings file ``kode-<code>/terbit.py`` that imports that code's
``pelicanconf.py`` (the theme is the site's own ``theme/``, copied from this tree), and
each code has a local target ``web-<code>/`` and a publishing machine ``mesin-<code>/``
of its own (pinned anchor, archive key, state that accepts the first commit).

Then, in ``--repeat`` rounds whose order rotates (``plain, full, unchanged, changed,
added, status``, started one step later each round; which code goes first alternates), it
runs as child processes:

* **plain**: Pelican alone on the same Markdown (simple theme, sitemap plugin, content
  cache off, output deleted first): the yardstick;
* **full**: ``invoke publish`` into an empty target with every cache it could reuse
  deleted (the code's whole ``var/`` and ``.cache/``; the machine's state is kept);
* **unchanged**: the same commit again;
* **changed**: one item edited and signed again by the four roles, committed;
* **added**: one new item with its four sign-offs, committed;
* **status**: ``invoke status`` with the gate's caches moved away (cold), then again
  (warm); the moved caches are put back afterwards, so no publish sees the difference.

Each run reports its wall time, CPU time (the child and every descendant it waited for),
the peak resident memory of the whole process tree (``VmRSS`` of the child and all its
descendants summed, sampled every 20 ms; and the largest single process), and for a
publish the per-step seconds (``PublishResult.seconds``), the files and bytes sent and
the largest files sent. Every publish is checked: exit 0, every item published and none
held, an unchanged publish plans nothing, the changed item's new text and the added
item's page are live at the target. ``--profile`` runs one more changed-one publish per
code under cProfile (the publishing process and the Pelican child, through a
``sitecustomize.py`` on ``PYTHONPATH``; no product code changes) and prints the top 15
functions by cumulative and by own time.

Usage::

    .venv/bin/python bench/speed_bench.py --items 1000 5000 [--repeat 2]
        [--baseline /tmp/p1-speed/baseline] [--profile] [--markdown F] [--json F]
    .venv/bin/python bench/speed_bench.py --items 30 --repeat 1      # smoke, about a minute

Results and method: docs/benchmarks.md ("Publishing what changed (issue 12)").
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import random
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: The order of a round (rotated by one each round); each publish needs one before it.
KINDS = ("plain", "full", "unchanged", "changed", "added", "status")
PUBLISHES = ("full", "unchanged", "changed", "added")
#: The words of one article's body: realistic news items.
WORDS = (400, 800)
#: Set (to a folder) in a child's environment: its sitecustomize profiles the process.
PROFILE_VARIABLE = "SPEED_BENCH_PROFILE"
SITECUSTOMIZE = f'''"""Profile this process (speed_bench.py --profile) into ${PROFILE_VARIABLE}."""
import os

if os.environ.get("{PROFILE_VARIABLE}"):
    import atexit
    import cProfile
    import sys

    _name = os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else "python")
    _profile = cProfile.Profile()

    def _dump() -> None:
        _profile.disable()
        folder = os.environ["{PROFILE_VARIABLE}"]
        _profile.dump_stats(os.path.join(folder, f"{{_name}}-{{os.getpid()}}.prof"))

    atexit.register(_dump)
    _profile.enable()
'''


# --- the child: one real ``invoke publish`` that reports what it did ---------------------


def child(code: Path, settings: Path, report: Path) -> int:
    """Run ``invoke -r code publish --settings settings``; write what it did to ``report``.

    Runs ``code``'s own modules (a baseline checkout with this interpreter): only the
    standard library is imported before ``code`` is first on ``sys.path``.
    """
    sys.path[:0] = [str(code / "plugins"), str(code)]
    import publishing.publish as module

    seen: dict[str, Any] = {}
    publish = module.publish

    def reported(*args: Any, **kwargs: Any) -> Any:
        result = publish(*args, **kwargs)
        seen.update(facts(result))
        return result

    module.publish = reported
    sys.argv = ["invoke", "-r", str(code), "publish", "--settings", str(settings)]
    status = 0
    try:
        runpy.run_module("invoke", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    report.write_text(json.dumps({**seen, "code": status}))
    return 0


def facts(result: Any) -> dict[str, Any]:
    """Return what the parent checks and reports of one ``PublishResult``."""
    sent, plan = result.sent, result.plan
    live = getattr(result.target, "path", None)
    largest: list[tuple[int, str]] = []
    if live is not None and len(plan.upload) <= 200:  # a full publish: not worth the stat()s
        for name in plan.upload:
            path = Path(live) / "current" / name
            if path.is_file():
                largest.append((path.stat().st_size, name))
    return {
        "seconds": dict(result.seconds),
        "included": len(result.manifest["included"]),
        "excluded": len(result.manifest["excluded"]),
        "planned_empty": plan.empty,
        "upload": len(plan.upload),
        "upload_bytes": plan.upload_bytes,
        "delete": len(plan.delete),
        "sent_files": sent.objects if sent else 0,
        "sent_bytes": sent.bytes if sent else 0,
        "largest": sorted(largest, reverse=True)[:3],
    }


# --- measuring one child process: wall, CPU, peak memory of its whole tree ---------------


def descendants(pid: int) -> list[int]:
    """Return ``pid`` and every process below it (through /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as stream:
                    todo.extend(int(p) for p in stream.read().split())
            except OSError:
                continue
    return found


def rss_kib(pid: int) -> int:
    """Return the resident memory of ``pid`` in KiB (0 when it is gone or a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as stream:
            for line in stream:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid: int) -> int:
    """Return the proportional set size of ``pid`` in KiB: each shared page split among its sharers.

    The sum over a tree counts a page shared after a fork once, where the sum of RSS
    counts it in every process that maps it.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup") as stream:
            for line in stream:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled in a thread.

    ``tree`` is the largest sum over the tree seen in one sample (shared pages, e.g.
    after a fork, count once per process, so it can overstate), ``single`` the largest
    one process, ``pss`` the largest sum of proportional set sizes (each page once).
    The proportional size is sampled every ``PSS_EVERY`` seconds only: the kernel walks
    every page of a process to give it (13 ms for a 600 MB process, holding its memory
    map's lock), and sampled every 20 ms it took a core and slowed the run it measured
    by a third.
    """

    PSS_EVERY = 0.5

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid, self.interval = pid, interval
        self.tree = self.single = self.pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        next_pss = 0.0
        while True:
            pids = descendants(self.pid)
            sizes = [rss_kib(pid) for pid in pids]
            self.tree = max(self.tree, sum(sizes))
            if time.perf_counter() >= next_pss:
                self.pss = max(self.pss, sum(pss_kib(pid) for pid in pids))
                next_pss = time.perf_counter() + self.PSS_EVERY
            self.single = max(self.single, *sizes, 0)
            if self._stop.wait(self.interval):
                return


def measured(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``command`` (output to ``log``); return its wall, CPU, peak memory and exit code."""
    load = os.getloadavg()[0]  # the machine is shared: how busy it was when the run began
    with log.open("w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        with TreeMemory(process.pid) as memory:
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_tree": memory.tree / 1024,
        "rss_single": memory.single / 1024,
        "pss_tree": memory.pss / 1024,
        "returncode": process.returncode,
        "load": load,
    }


def failed(what: str, log: Path) -> SystemExit:
    """Return the error that stops the benchmark, with the end of the run's log."""
    return SystemExit(f"{what}\n--- {log} ---\n{log.read_text(errors='replace')[-4000:]}")


# --- the site -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """One code measured: a checkout and the interpreter that runs it."""

    label: str  # "before" (--baseline) or "after" (this tree)
    path: Path
    python: Path
    name: str  # shown in the tables, with the commit


@dataclass
class Bench:
    """One generated site, its settings per code, and every run measured on it."""

    n: int
    folder: Path
    root: Path
    codes: list[Code]
    items: list[Any]
    plain: Path
    anchor: str
    added: list[Any] = field(default_factory=list)
    generate: float = 0.0
    tree_files: int = 0
    tree_bytes: int = 0
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def own(self, code: Code) -> Path:
        """The code's folder in the site: settings, ``var/``, ``.cache/``, theme."""
        return self.root / f"kode-{code.label}"

    def settings(self, code: Code) -> Path:
        return self.own(code) / "terbit.py"

    def target(self, code: Code) -> Path:
        return self.folder / f"web-{code.label}"

    def machine(self, code: Code) -> dict[str, str]:
        """The environment of the code's publishing machine (as ``sitekit.machine_env``)."""
        machine = self.folder / f"mesin-{code.label}"
        return {
            "XDG_CONFIG_HOME": str(machine / "config"),
            "XDG_STATE_HOME": str(machine / "state"),
            "KPU_ROSTER_ANCHOR": "",
            "KPU_PUBLISHER_KEY": "",
        }

    @property
    def count(self) -> int:
        return len(self.items) + len(self.added)

    def values(self, key: str, name: str) -> list[float]:
        """Every round's ``name`` (a measure, or a step of ``seconds``) of run ``key``."""
        return [
            float(run[name] if name in run else run.get("seconds", {}).get(name, 0.0) or 0.0)
            for run in self.runs.get(key, [])
        ]

    def median(self, key: str, name: str = "wall") -> float | None:
        values = self.values(key, name)
        return statistics.median(values) if values else None


def code_settings(code: Code, anchor: str, target: Path) -> str:
    """Settings of one code: its pelicanconf, this site's paths and theme, its own target.

    The theme is the site's (``theme/`` of the commit, copied from this tree by
    ``sitekit.Site``): the audit knows theme files only there.
    """
    from sitekit import NOW

    spec = {code.label: {"type": "lokal", "path": str(target)}}
    return (
        f"import sys\nfrom pathlib import Path\nsys.path.insert(0, {str(code.path)!r})\n"
        "from pelicanconf import *\n"
        "own = Path(__file__).resolve().parent  # kode-<code>/ of the site or its export\n"
        "site_root = own.parent\n"
        "PATH = str(site_root / 'content')\nOUTPUT_PATH = str(own / 'output')\n"
        "CACHE_PATH = str(own / '.cache' / 'pelican')\nTHEME = str(site_root / 'theme')\n"
        "SITE_LOGO = str(site_root / 'content' / 'static' / 'logo-kpu.svg')\n"
        "APPROVAL_GATE_APPROVALS_PATH = str(site_root / 'approvals')\n"
        "APPROVAL_GATE_MANIFEST_PATH = str(own / 'var' / 'manifest.json')\n"
        "APPROVAL_GATE_CACHE_PATH = str(own / '.cache' / 'gate')\n"
        "RENDER_CACHE_PATH = str(own / '.cache' / 'render')\n"
        f"APPROVAL_GATE_ANCHOR = {anchor!r}\nAPPROVAL_GATE_ALLOW_DEMO_KEYS = False\n"
        f"APPROVAL_GATE_NOW = {NOW.isoformat()!r}\n"
        f"APPROVAL_GATE_SETTINGS_FILE = 'kode-{code.label}/terbit.py'\n"
        f"PUBLISH_TARGETS = {spec!r}\nPUBLISH_TARGET = {code.label!r}\n"
        "PUBLISH_ARCHIVE_COMMIT = False\n"
    )


def make_bench(folder: Path, keys: Any, n: int, codes: list[Code]) -> Bench:
    """Generate the site of ``n`` items, commit it, give each code its settings and machine."""
    import gate_bench
    from seal_bench import attach_pdfs
    from sitekit import NOW, Site, machine_folder

    start = time.perf_counter()
    root = folder / "situs"
    site = Site(root, keys)  # theme, logo, .gitignore, signed roster, the pinned machine
    # Every signature lies before the gate's clock (sitekit.NOW), and so before the
    # machine's real clock: a sealed publish refuses a clock behind a known signature.
    gate_bench.LAST_DAY, gate_bench.NOW = NOW - timedelta(days=3), NOW
    items = gate_bench.write_articles(site.content, n, WORDS)
    attach_pdfs(site.content, items, n)
    gate_bench.sign_all(keys, site.content, site.approvals, items)
    plain = folder / "plain.py"
    bench = Bench(n, folder, root, codes, items, plain, site.anchor)
    for code in codes:
        bench.own(code).mkdir()
        bench.settings(code).write_text(code_settings(code, site.anchor, bench.target(code)))
    git(root, "init", "-q", "-b", "utama")
    git(root, "config", "gc.auto", "0")  # no repacking in the background during a run
    site.commit("Situs tolok ukur")  # the machine accepts it as the start of its history
    git(root, "repack", "-a", "-d", "-q")  # packed, as a clone on the publishing machine
    for code in codes:
        shutil.copytree(machine_folder(root), folder / f"mesin-{code.label}")
    yardstick = codes[-1].path  # plain Pelican with this code's pelicanconf (URLs, etc.)
    text = gate_bench.settings_text(root, keys, gated=False)
    plain.write_text(text.replace(repr(str(gate_bench.REPO)), repr(str(yardstick))))
    bench.generate = time.perf_counter() - start
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "-l", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    bench.tree_files = len(listing)
    bench.tree_bytes = sum(int(line.split()[3]) for line in listing)
    return bench


def git(root: Path, *args: str) -> None:
    """Run git in the site with the test identity and no user configuration."""
    from sitekit import GIT_ENV

    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def add_one_item(bench: Bench, keys: Any, round_: int) -> Any:
    """Write one new article (as ``gate_bench`` writes them); the four roles sign; commit."""
    from gate_bench import AUTHORS, Item, body, kind_metadata, sentence
    from seal_bench import commit_paths, sign_again
    from sitekit import NOW

    rng = random.Random(round_)
    date = NOW - timedelta(days=1, minutes=-round_)
    slug = f"tambahan-rapat-pleno-{round_:03d}"
    path = f"berita/{date:%Y-%m-%d}-{slug}.md"
    meta = [
        f"Title: Tambahan Rapat Pleno ({round_})",
        f"Date: {date:%Y-%m-%d %H:%M}",
        "Category: Berita",
        "Tags: rapat pleno",
        f"Slug: {slug}",
        f"Authors: {rng.choice(AUTHORS)}",
        f"Summary: {sentence(rng)}",
        *kind_metadata("Berita"),
    ]
    text = "\n".join(meta) + f"\n\nTambahan {round_}.\n\n{body(rng, rng.randint(*WORDS))}\n"
    (bench.root / "content" / path).write_text(text, encoding="utf-8")
    paths = [f"content/{path}", *sign_again(bench.root, keys, path, round_)]
    commit_paths(bench.root, paths, f"Tambah {path}")
    item = Item(path, f"berita/{slug}/index.html", date)
    bench.added.append(item)
    return item


# --- the runs -----------------------------------------------------------------------------


def run_plain(bench: Bench) -> dict[str, Any]:
    """Pelican alone on the site's Markdown; check every article page was written."""
    from gate_bench import clear

    output = bench.folder / "plain-output"
    clear(output, bench.root / ".cache" / "pelican")
    command = [sys.executable, "-m", "pelican", "-s", str(bench.plain), "-o", str(output)]
    log = bench.folder / "plain.log"
    run = measured([*command, "--log-handler", "plain"], bench.root, dict(os.environ), log)
    missing = [i.page for i in (*bench.items, *bench.added) if not (output / i.page).is_file()]
    if run["returncode"] or missing:
        raise failed(f"[{bench.n}] plain: exit {run['returncode']}, {len(missing)} missing", log)
    return run


def run_publish(
    bench: Bench, code: Code, kind: str, expect: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """One ``invoke publish`` of ``code`` in a child; check it; return its measures."""
    from gate_bench import clear

    if kind == "full":  # an empty target; every cache the publish could reuse deleted
        clear(bench.target(code), bench.own(code) / "var", bench.own(code) / ".cache")
    os.sync()  # the previous run's writes are not flushed during this one
    report = bench.folder / f"report-{code.label}.json"
    report.unlink(missing_ok=True)
    command = [str(code.python), str(Path(__file__).resolve()), "--child", str(code.path)]
    command += [str(bench.settings(code)), str(report)]
    log = bench.folder / f"{code.label}-{kind}.log"
    environment = {**os.environ, **bench.machine(code), **(env or {})}
    run = measured(command, bench.root, environment, log)
    data = json.loads(report.read_text()) if report.exists() else {"code": None}
    problem = _problem(bench, code, kind, data, expect)
    if run["returncode"] or problem:
        raise failed(f"[{bench.n}] {code.label} {kind}: {problem or 'child failed'}", log)
    return {**run, **data}


def _problem(bench: Bench, code: Code, kind: str, data: dict[str, Any], expect: str) -> str:
    """Return what is wrong with a publish's report ("" when it did what it should)."""
    if data["code"] != 0:
        return f"invoke publish ended with {data['code']}"
    if data["included"] != bench.count or data["excluded"]:
        return f"published {data['included']} of {bench.count} items, {data['excluded']} held"
    if (kind == "unchanged") != data["planned_empty"]:
        return f"planned {'nothing' if data['planned_empty'] else 'changes'} ({kind})"
    live = bench.target(code) / "current"
    for item in (bench.items[0], *bench.added):
        if not (live / item.page).is_file():
            return f"{live / item.page} is not live"
    if expect:  # the changed item's new text, the added item's own line
        page, text = expect.split("\0")
        if text.encode() not in (live / page).read_bytes():
            return f"{live / page} does not show {text!r}"
    return ""


def status_once(bench: Bench, code: Code, kind: str) -> dict[str, Any]:
    """``invoke status`` of ``code`` on the site's work tree; check its count line."""
    command = [str(code.python), "-m", "invoke", "-r", str(code.path), "status"]
    log = bench.folder / f"{code.label}-status-{kind}.log"
    env = {**os.environ, **bench.machine(code)}
    run = measured([*command, "--settings", str(bench.settings(code))], bench.root, env, log)
    expected = f"{bench.count} dari {bench.count} item siap terbit"
    if run["returncode"] or expected not in log.read_text(errors="replace"):
        raise failed(f"[{bench.n}] {code.label} status {kind}: no {expected!r}", log)
    return run


def run_status(bench: Bench, code: Code) -> tuple[dict[str, Any], dict[str, Any]]:
    """``invoke status`` cold (the gate's caches moved away), then warm; caches put back.

    Moved, not deleted: the publishes that follow find the caches as they left them.
    """
    own = bench.own(code)
    moved = [own / ".cache", *sorted((own / "var").glob("*gate*"))]
    moved = [path for path in moved if path.exists()]
    for path in moved:
        path.rename(path.with_name(f"{path.name}.disimpan"))
    try:
        os.sync()
        return status_once(bench, code, "cold"), status_once(bench, code, "warm")
    finally:
        for path in moved:
            shutil.rmtree(path, ignore_errors=True)  # what status made
            path.with_name(f"{path.name}.disimpan").rename(path)


def one_kind(bench: Bench, keys: Any, kind: str, round_: int, codes: list[Code]) -> None:
    """Run one kind of the round for every code (making its commit first); record it."""
    from seal_bench import change_one_item

    expect = ""
    if kind == "changed":
        change_one_item(bench, keys, round_)  # type: ignore[arg-type]
        item = bench.items[(7 * round_ + 3) % len(bench.items)]
        expect = f"{item.page}\0Pembaruan {round_}:"
    elif kind == "added":
        expect = f"{add_one_item(bench, keys, round_).page}\0Tambahan {round_}."
    for code in codes:
        if kind == "status":
            for name, run in zip(("cold", "warm"), run_status(bench, code), strict=True):
                record(bench, f"{code.label} status {name}", run, round_)
            continue
        record(bench, f"{code.label} {kind}", run_publish(bench, code, kind, expect), round_)


def record(bench: Bench, key: str, run: dict[str, Any], round_: int) -> None:
    bench.runs.setdefault(key, []).append(run)
    sent = (
        f", sent {run['sent_files']} files {run['sent_bytes']:,} B" if "sent_files" in run else ""
    )
    print(
        f"[{bench.n}] round {round_} {key:<22} {run['wall']:7.2f} s wall, {run['cpu']:6.2f} s CPU, "
        f"{run['rss_tree']:6.0f} MB tree{sent} (load {run['load']:.1f})",
        flush=True,
    )


def bench_site(bench: Bench, keys: Any, repeat: int) -> None:
    """Run the rounds: the order of the kinds rotates, the order of the codes alternates."""
    for round_ in range(1, repeat + 1):
        start = (round_ - 1) % len(KINDS)
        for index, kind in enumerate(KINDS[start:] + KINDS[:start]):
            if kind == "plain":
                record(bench, "plain", run_plain(bench), round_)
                continue
            codes = bench.codes if (round_ + index) % 2 else bench.codes[::-1]
            one_kind(bench, keys, kind, round_, codes)


def profile(bench: Bench, keys: Any, repeat: int) -> list[str]:
    """One more changed-one publish per code under cProfile; return the top functions."""
    from gate_bench import clear
    from seal_bench import change_one_item

    hook = bench.folder / "profil-hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    lines = []
    for index, code in enumerate(bench.codes):
        round_ = repeat + 1 + index
        change_one_item(bench, keys, round_)  # type: ignore[arg-type]
        stats = bench.folder / f"profil-{code.label}"
        clear(stats)
        stats.mkdir()
        path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
        env = {"PYTHONPATH": path, PROFILE_VARIABLE: str(stats)}
        run = run_publish(bench, code, "changed", "", env)
        print(f"[{bench.n}] profiled changed-one publish, {code.name}: {run['wall']:.2f} s")
        for dump in sorted(stats.glob("*.prof")):
            lines += top_functions(bench.n, code, dump)
    return lines


#: The processes of a profiled publish, by the script each one ran.
PROCESSES = {"speed_bench.py": "publishing process", "pelican_child.py": "Pelican child"}
#: Rows that only pass the call on (this script, runpy, invoke, exec): left out.
WRAPPERS = re.compile(r"speed_bench\.py|<frozen runpy>|invoke/|builtins\.exec\}")
#: A sealed publish's export folder, named after the release: shown as <export>/.
EXPORT = re.compile(r"\S*/var/segel/[^/]+/")


def top_functions(n: int, code: Code, dump: Path, count: int = 15) -> list[str]:
    """Return the ``count`` top functions of one process's profile, by cumulative and own time."""
    import sysconfig

    script = dump.stem.rsplit("-", 1)[0]
    process = PROCESSES.get(script, script)
    paths = sysconfig.get_paths()  # the longest first: site-packages may lie in the checkout
    prefixes = sorted([str(code.path), paths["purelib"], paths["stdlib"]], key=len, reverse=True)
    lines = []
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(str(dump), stream=out).sort_stats(order).print_stats(count + 20)
        body = out.getvalue().strip().splitlines()
        for prefix in prefixes:  # paths as people read them: pelican/..., publishing/...
            body = [EXPORT.sub("<export>/", line.replace(prefix + os.sep, "")) for line in body]
        start = next((i for i, line in enumerate(body) if "ncalls" in line), 0)
        total = next((line.strip() for line in body if "function calls" in line), "")
        rows = [line for line in body[start + 1 :] if line.strip() and not WRAPPERS.search(line)]
        lines += [
            f"{n:,} items, {code.name}, {process}: top {count} by {order} ({total})",
            "",
            "```",
            body[start],
            *rows[:count],
            "```",
            "",
        ]
    return lines


# --- the report ---------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def ratio(part: float | None, whole: float | None) -> str:
    return "-" if part is None or not whole else f"{part / whole:.2f}x"


def main_table(benches: list[Bench]) -> list[str]:
    """Wall times per item count and code, with the ratios to plain Pelican's full build."""
    lines = [
        "| Items | Code | Plain Pelican (s) | Full publish (s) | Full / plain | Changed one (s) "
        "| Changed / plain | Added one (s) | Added / plain | Unchanged (s) | `status` cold (s) "
        "| `status` warm (s) |",
        "| ---: | --- |" + " ---: |" * 10,
    ]
    for b in benches:
        plain = b.median("plain")
        for code in b.codes:
            full, changed, added = (
                b.median(f"{code.label} {kind}") for kind in ("full", "changed", "added")
            )
            lines.append(
                f"| {b.n:,} | {code.name} | {seconds(plain)} | {seconds(full)} "
                f"| {ratio(full, plain)} | {seconds(changed)} | {ratio(changed, plain)} "
                f"| {seconds(added)} | {ratio(added, plain)} "
                f"| {seconds(b.median(f'{code.label} unchanged'))} "
                f"| {seconds(b.median(f'{code.label} status cold'))} "
                f"| {seconds(b.median(f'{code.label} status warm'))} |"
            )
    return lines


def kind_table(benches: list[Bench], cell: Callable[[Bench, str], str]) -> list[str]:
    """One figure per kind of run (``cell(bench, run key)``), plain Pelican's first."""
    kinds = (*PUBLISHES, "status cold", "status warm")
    lines = [
        "| Items | Code | plain | " + " | ".join(kinds) + " |",
        "| ---: | --- |" + " ---: |" * (len(kinds) + 1),
    ]
    for b in benches:
        for code in b.codes:
            cells = [cell(b, "plain")] + [cell(b, f"{code.label} {kind}") for kind in kinds]
            lines.append(f"| {b.n:,} | {code.name} | " + " | ".join(cells) + " |")
    return lines


def _cpu(bench: Bench, key: str) -> str:
    return seconds(bench.median(key, "cpu"))


def _mb(bench: Bench, key: str) -> str:
    tree, single = bench.values(key, "rss_tree"), bench.values(key, "rss_single")
    pss = bench.values(key, "pss_tree")
    shared_once = f" [{max(pss):.0f}]" if pss else ""
    return f"{max(tree):.0f} ({max(single):.0f}){shared_once}" if tree else "-"


def sent_table(benches: list[Bench]) -> list[str]:
    """What each publish sent to the target (median files and bytes, the largest files)."""
    lines = [
        "| Items | Code | Publish | Files sent | Bytes sent | Deleted | Largest files sent |",
        "| ---: | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for b in benches:
        for code in b.codes:
            for kind in PUBLISHES:
                key = f"{code.label} {kind}"
                runs = b.runs.get(key, [])
                if not runs:
                    continue
                largest = ", ".join(f"{name} ({size:,} B)" for size, name in runs[-1]["largest"])
                lines.append(
                    f"| {b.n:,} | {code.name} | {kind} | {b.median(key, 'sent_files'):,.0f} "
                    f"| {b.median(key, 'sent_bytes'):,.0f} | {b.median(key, 'delete'):,.0f} "
                    f"| {largest or '-'} |"
                )
    return lines


def step_table(benches: list[Bench]) -> list[str]:
    """Where each publish spends its time: the medians of ``PublishResult.seconds``."""
    steps: list[str] = []
    for b in benches:
        for runs in b.runs.values():
            for run in runs:
                steps += [s for s in run.get("seconds", {}) if s not in steps]
    lines = [
        "| Items | Code | Publish | " + " | ".join(steps) + " | wall | CPU |",
        "| ---: | --- | --- |" + " ---: |" * (len(steps) + 2),
    ]
    for b in benches:
        for code in b.codes:
            for kind in PUBLISHES:
                key = f"{code.label} {kind}"
                if key not in b.runs:
                    continue
                cells = [seconds(b.median(key, step)) for step in steps]
                cells += [seconds(b.median(key)), seconds(b.median(key, "cpu"))]
                lines.append(f"| {b.n:,} | {code.name} | {kind} | " + " | ".join(cells) + " |")
    return lines


def verdicts(benches: list[Bench], code: Code) -> list[tuple[str, str, bool | None]]:
    """The issue's targets for one code: (target, measured, met; None when not measured)."""
    by_n = {b.n: b for b in benches}

    def at(n: int, key: str, name: str = "wall") -> float | None:
        run = key if key == "plain" else f"{code.label} {key}"
        return by_n[n].median(run, name) if n in by_n else None

    changed, plain, big = at(5000, "changed"), at(5000, "plain"), at(10000, "changed")
    cpu = _quotient(at(5000, "changed", "cpu"), at(5000, "plain", "cpu"))
    cold, warm = at(5000, "status cold"), at(5000, "status warm")
    peak = pss = None
    if 10000 in by_n:
        peak, pss = (
            max(max(by_n[10000].values(f"{code.label} {k}", name), default=0.0) for k in PUBLISHES)
            for name in ("rss_tree", "pss_tree")
        )
    return [
        ("Changed one at 5,000 items ≤ 15 s", seconds(changed), _ok(changed, 15)),
        (
            "Changed one at 5,000 items ≤ 0.5x plain Pelican",
            _with_cpu(ratio(changed, plain), cpu),
            _ok(_quotient(changed, plain), 0.5),
        ),
        (
            "Changed one at 10,000 ≤ 1.3x the 5,000 figure",
            ratio(big, changed),
            _ok(_quotient(big, changed), 1.3),
        ),
        *(_full_row(b, code) for b in benches),
        (  # judged by PSS, the memory taken: the RSS sum counts a forked page per process
            "Peak memory of any publish at 10,000 ≤ 400 MB",
            "-" if pss is None else f"{pss:.0f} MB by PSS (RSS summed: {peak:.0f} MB)",
            _ok(pss, 400),
        ),
        ("`invoke status` at 5,000, cold < 3 s", seconds(cold), _ok(cold, 3, strict=True)),
        ("`invoke status` at 5,000, warm < 0.5 s", seconds(warm), _ok(warm, 0.5, strict=True)),
    ]


def _full_row(bench: Bench, code: Code) -> tuple[str, str, bool | None]:
    """The first full publish against plain Pelican (wall; CPU in brackets)."""
    full, plain = bench.median(f"{code.label} full"), bench.median("plain")
    cpu = _quotient(bench.median(f"{code.label} full", "cpu"), bench.median("plain", "cpu"))
    return (
        f"Full publish at {bench.n:,} ≤ 1.5x plain Pelican",
        _with_cpu(ratio(full, plain), cpu),
        _ok(_quotient(full, plain), 1.5),
    )


def _quotient(part: float | None, whole: float | None) -> float | None:
    return part / whole if part is not None and whole else None


def _with_cpu(text: str, cpu: float | None) -> str:
    return text if cpu is None else f"{text} (CPU {cpu:.2f}x)"


def _ok(value: float | None, limit: float, *, strict: bool = False) -> bool | None:
    if value is None:
        return None
    return value < limit if strict else value <= limit


def verdict_table(benches: list[Bench]) -> list[str]:
    lines = ["| Target | " + " | ".join(c.name for c in benches[0].codes) + " |"]
    lines.append("| --- |" + " --- |" * len(benches[0].codes))
    columns = [verdicts(benches, code) for code in benches[0].codes]
    for row in zip(*columns, strict=True):
        cells = [
            f"{value} ({'—' if ok is None else 'met' if ok else '**not met**'})"
            for _, value, ok in row
        ]
        lines.append(f"| {row[0][0]} | " + " | ".join(cells) + " |")
    return lines


def report(benches: list[Bench], repeat: int, info: dict[str, str], profiles: list[str]) -> str:
    from seal_bench import sites

    return "\n".join(
        [
            f"Median of {repeat} round(s); wall time of each child process (interpreter start "
            "included). Ratios are to the median plain Pelican full build of the same site.",
            "",
            *main_table(benches),
            "",
            "Against the issue's targets:",
            "",
            *verdict_table(benches),
            "",
            (
                "Peak resident memory, MB: the whole process tree (in brackets the largest "
                "process; in square brackets the tree's proportional set size, each shared "
                "page counted once):"
            ),
            "",
            *kind_table(benches, _mb),
            "",
            "CPU seconds (user + system of the child and every process it waited for); on a "
            "shared machine steadier than the wall time:",
            "",
            *kind_table(benches, _cpu),
            "",
            "What each publish sent to the target:",
            "",
            *sent_table(benches),
            "",
            "Seconds per publish step (PublishResult.seconds), wall and CPU of the whole tree:",
            "",
            *step_table(benches),
            "",
            *sites(benches, "every run, wall s"),
            "",
            f"Machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, "
            f"Pelican {info['pelican']}, {info['os']}; {time.strftime('%Y-%m-%d %H:%M')}; "
            f"load average at the end {os.getloadavg()[0]:.2f}.",
            "",
            *(["## Profiles (one changed-one publish)", "", *profiles] if profiles else []),
        ]
    )


# --- the command --------------------------------------------------------------------------


def describe(label: str, path: Path) -> Code:
    """Return the code in ``path``, named by its commit (``+`` when its tree is edited)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=path, capture_output=True, text=True
    ).stdout.strip()
    edited = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=path,
        capture_output=True,
        text=True,
    ).stdout.strip()
    own = path / ".venv" / "bin" / "python"
    python = own if own.is_file() else Path(sys.executable)
    return Code(label, path.resolve(), python, f"{label} ({sha or '?'}{'+' if edited else ''})")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure (before)")
    parser.add_argument(
        "--only-baseline", action="store_true", help="measure the --baseline code alone"
    )
    parser.add_argument("--profile", action="store_true", help="profile one changed-one publish")
    parser.add_argument("--markdown", type=Path, help="write the report to this file")
    parser.add_argument("--json", type=Path, help="write every run as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites")
    parser.add_argument("--workdir", type=Path, help="parent folder for the sites")
    parser.add_argument(
        "--child", nargs=3, metavar=("CODE", "SETTINGS", "REPORT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.only_baseline and not args.baseline:
        parser.error("--only-baseline needs --baseline DIR")
    if args.baseline and not (args.baseline / "publishing" / "publish.py").is_file():
        parser.error(f"{args.baseline} is not a checkout of this project")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.child:
        return child(*(Path(a) for a in args.child))
    sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]
    codes = [describe("before", args.baseline)] if args.baseline else []
    codes += [] if args.only_baseline else [describe("after", REPO)]
    workdir = Path(tempfile.mkdtemp(prefix="speed-bench-", dir=args.workdir))
    print(f"Working in {workdir}; codes: {', '.join(c.name for c in codes)}", flush=True)
    benches: list[Bench] = []
    profiles: list[str] = []
    try:
        measure(args, codes, workdir, benches, profiles)
    finally:  # a failed run stops the benchmark: what was complete is still reported
        if args.keep:
            print(f"Sites kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        if benches:
            write_report(args, benches, profiles)
    return 0


def measure(
    args: argparse.Namespace,
    codes: list[Code],
    workdir: Path,
    benches: list[Bench],
    profiles: list[str],
) -> None:
    """Generate each site, run its rounds (and profiles); append to ``benches``."""
    from sitekit import make_keys

    keys = make_keys(workdir / "keys")
    for n in args.items:
        bench = make_bench(workdir / f"site-{n}", keys, n, codes)
        print(
            f"[{n}] generated: {bench.tree_files:,} files, {bench.tree_bytes / 1e6:.1f} MB "
            f"in {bench.generate:.1f} s",
            flush=True,
        )
        bench_site(bench, keys, args.repeat)
        if args.profile:
            profiles += profile(bench, keys, args.repeat)
        benches.append(bench)
        if not args.keep:
            shutil.rmtree(bench.folder)


def write_report(args: argparse.Namespace, benches: list[Bench], profiles: list[str]) -> None:
    """Print the report; write it (``--markdown``) and every run (``--json``)."""
    from gate_bench import machine

    info = machine()
    text = report(benches, args.repeat, info, profiles)
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        sites = {
            b.n: {"generate": b.generate, "files": b.tree_files, "runs": b.runs} for b in benches
        }
        codes = {code.label: code.name for code in benches[0].codes}
        data = {"machine": info, "repeat": args.repeat, "codes": codes, "sites": sites}
        args.json.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    sys.exit(main())
