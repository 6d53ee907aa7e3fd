"""Interleaved pairs of publishes on one kept site: the small-change measurements of issue 12.

``speed_bench.py`` makes its sites anew and runs each kind once per round; a change worth
a few tenths of a second at 5,000 items needs many runs of one kind, before and after, on
the same site, which this script keeps between invocations (the benchmark rounds in
docs/benchmarks.md call it ``publish_pairs.py``; rounds before 2026-12-05 used an
unpublished session tool, ``pubtool.py``, that did the same).

* ``make DIR --items N [--baseline CHECKOUT]`` generates the site as ``speed_bench.py``
  does (N articles, one in ten with a PDF, four real sign-offs each, a signed roster; a
  settings file, a local target and a publishing machine per code), then publishes it
  once with every code (a full publish, so the next runs have their caches).
* ``run DIR KIND [--pairs P] [--first after] [--time MOD:FUNC,... [--sum]]`` runs P
  pairs of one kind (``changed``: one item edited and signed again by the four roles,
  ``added``: one new item, ``unchanged``, ``full``: every cache deleted). Both codes
  publish the same commit, one after the other; which goes first alternates from pair
  to pair. Each publish is checked as ``speed_bench.py`` checks it and printed with its
  wall and CPU time, peak memory (RSS and PSS sums of the process tree) and step
  seconds; at the end the median of each code. ``--time`` wraps the named functions
  (``publishing.tree:list_output``, ``publishing.build:run_pelican``, a method as
  ``Class.name``) in every process of the publish and prints each call's seconds and
  when it ended (a function only one of the codes has is timed in that code; the other
  runs untimed there).
  ``--sum``: instead, each process prints each function's calls and their total seconds
  once, when it exits (for functions called thousands of times: ``MachineCache.put``,
  ``PageInputs.key``). ``--cold``: each publish starts with the kernel's page cache
  emptied (``_cold``: a quiet machine, then ``/proc/sys/vm/drop_caches``; root only), as
  on a machine left idle long enough for the kernel to reclaim it.
* ``plain DIR`` runs plain Pelican on the site's Markdown (the yardstick).
* ``ratio DIR [--rounds R] [--code after]`` measures the issue's ratio: R rounds of plain
  Pelican, then one changed-one publish of one code, each started on a quiet machine
  (``_quiet``: no ``.buang-*`` folder left for a previous publish's detached remover,
  the disk synced, two seconds of rest). Run back to back, plain Pelican shares the disk
  with those removers and comes out slower, which flattered the ratio by a tenth
  (docs/benchmarks.md, "Twenty-eighth round"). Prints each round's ratio, then the
  medians and their ratio.
* ``first DIR [--code after] [--settle S] [--time MOD:FUNC,... [--sum]]`` measures the
  first publish against plain Pelican: both emptied, then ``S`` seconds (400) in which
  nothing is deleted, then plain Pelican and a first publish (every cache empty, an empty
  target), timed as ``run`` times with ``--time``. Emptied folders are the issue's case,
  a machine publishing for the first time; deleting 100,000 files just before made the
  first publish's file creation ten times slower on this machine's ext4
  (docs/benchmarks.md, "Twenty-ninth round").

Usage::

    .venv/bin/python bench/publish_pairs.py make /tmp/pairs --items 5000 --baseline /tmp/base
    .venv/bin/python bench/publish_pairs.py run /tmp/pairs changed --pairs 4
    .venv/bin/python bench/publish_pairs.py run /tmp/pairs changed --pairs 1 \\
        --time publishing.build:run_pelican,publishing.compress:compress_output
    .venv/bin/python bench/publish_pairs.py ratio /tmp/pairs --rounds 3
    .venv/bin/python bench/publish_pairs.py first /tmp/pairs
    .venv/bin/python bench/publish_pairs.py first /tmp/pairs --sum \\
        --time approval_gate.machine_cache:MachineCache.put,render_cache.pool:run_pool
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STATE = "state.pickle"
#: Seconds a first publish waits after its folders were emptied (``first``): ext4 without
#: a journal skips inodes freed in the last 60 s, 360 s while their table is dirty.
SETTLE_S = 400.0
#: Written ``3`` by ``--cold``: the kernel drops its page cache (and its folder caches).
DROP_CACHES = Path("/proc/sys/vm/drop_caches")
#: The timing hook: a ``sitecustomize`` that wraps functions by name as their modules load.
HOOK = '''"""Timing hook of bench/publish_pairs.py: one line per call of each wrapped function.

With PUBLISH_PAIRS_TIME_SUM set: one line per function and process when it exits, its
calls and their seconds added up (a function called 20,000 times writes no 20,000 lines).
"""
import atexit
import importlib.abc
import importlib.util
import os
import sys
import time

_targets = {}
for _target in filter(None, os.environ.get("PUBLISH_PAIRS_TIME", "").split(",")):
    _module, _, _name = _target.partition(":")
    _targets.setdefault(_module, []).append(_name)
_out = os.environ.get("PUBLISH_PAIRS_TIME_LOG", "")
_summed = {} if os.environ.get("PUBLISH_PAIRS_TIME_SUM") else None


def _write_sums():
    if _summed:
        with open(_out, "a", encoding="utf-8") as log:
            for label, (calls, took) in _summed.items():
                log.write(f"{os.getpid()} {label} {took:.3f} sum {calls}\\n")


def _wrap(owner, name, label):
    function = getattr(owner, name)
    clock = time.perf_counter

    def timed(*args, **kwargs):
        start = clock()
        try:
            return function(*args, **kwargs)
        finally:
            took = clock() - start
            if _summed is not None:
                calls, total = _summed.get(label, (0, 0.0))
                _summed[label] = (calls + 1, total + took)
            else:
                with open(_out, "a", encoding="utf-8") as log:
                    log.write(f"{os.getpid()} {label} {took:.3f} {time.time():.3f}\\n")

    timed.__wrapped__ = function
    setattr(owner, name, timed)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname not in _targets:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module, _run=run, _name=fullname):
            _run(module)
            for qualified in _targets[_name]:
                *outer, name = qualified.split(".")
                owner = module
                for part in outer:
                    owner = getattr(owner, part, None)
                if hasattr(owner, name):  # a function one code lacks is timed in the other
                    _wrap(owner, name, f"{_name}:{qualified}")

        spec.loader.exec_module = exec_module
        return spec


if _targets and _out:
    sys.meta_path.insert(0, _Finder())
    if _summed is not None:
        atexit.register(_write_sums)
'''


def _imports() -> None:
    sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]


def _load(folder: Path) -> dict[str, Any]:
    return dict(pickle.loads((folder / STATE).read_bytes()))


def _save(folder: Path, state: dict[str, Any]) -> None:
    temporary = folder / f"{STATE}.baru"
    temporary.write_bytes(pickle.dumps(state))
    temporary.replace(folder / STATE)


def make(folder: Path, items: int, baseline: Path | None) -> None:
    """Generate the site, then publish it once with every code (full)."""
    import speed_bench as sb
    from sitekit import make_keys

    folder.mkdir(parents=True)
    codes = [sb.describe("before", baseline)] if baseline else []
    codes.append(sb.describe("after", REPO))
    keys = make_keys(folder / "keys")
    bench = sb.make_bench(folder / "situs", keys, items, codes)
    print(f"generated {items} items in {bench.generate:.1f} s: {', '.join(c.name for c in codes)}")
    state = {"bench": bench, "keys": keys, "round": 0}
    _save(folder, state)
    for code in codes:
        _report(code.label, "full", sb.run_publish(bench, code, "full", ""), None)


def run(
    folder: Path,
    kind: str,
    pairs: int,
    first: str | None,
    timed: list[str],
    summed: bool = False,
    cold: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """Run ``pairs`` interleaved pairs of ``kind``; return every run by code.

    ``cold``: each publish starts with the page cache emptied (``_cold``).
    """
    import speed_bench as sb

    state = _load(folder)
    bench = state["bench"]
    codes = list(bench.codes)
    if first is not None:
        codes.sort(key=lambda code: code.label != first)
    env = _hook(folder, timed, summed)
    runs: dict[str, list[dict[str, Any]]] = {code.label: [] for code in codes}
    for pair in range(pairs):
        number, expect = _next_round(folder, state, kind)
        for code in codes if pair % 2 == 0 else codes[::-1]:
            log = folder / f"waktu-{code.label}-{number}.log"
            if env:
                env["PUBLISH_PAIRS_TIME_LOG"] = str(log)
            if cold:
                _cold(bench)
            result = sb.run_publish(bench, code, kind, expect, env)
            runs[code.label].append(result)
            _report(code.label, kind, result, log if env else None)
    _summary(runs)
    return runs


def _next_round(folder: Path, state: dict[str, Any], kind: str) -> tuple[int, str]:
    """Change the site for the next round of ``kind``; return its number and what to expect.

    The state is saved at once: the site's history moved on, never the same round twice.
    """
    import speed_bench as sb
    from seal_bench import change_one_item

    bench, keys = state["bench"], state["keys"]
    state["round"] += 1
    number, expect = state["round"], ""
    if kind == "changed":
        change_one_item(bench, keys, number)
        item = bench.items[(7 * number + 3) % len(bench.items)]
        expect = f"{item.page}\0Pembaruan {number}:"
    elif kind == "added":
        expect = f"{sb.add_one_item(bench, keys, number).page}\0Tambahan {number}."
    _save(folder, state)
    return number, expect


def _quiet(bench: Any, rest: float = 2.0, bound: float = 600.0) -> None:
    """Wait until no previous publish's detached remover has folders left, then rest.

    A publish hands its old export and builds to a detached remover (publishing/trash.py)
    as ``.buang-*`` folders of each code's ``var/``; while it deletes them, anything run
    shares the disk with it. Waits at most ``bound`` seconds, then syncs and rests.
    """
    folders = [bench.own(code) / "var" for code in bench.codes]
    folders += [bench.target(code) for code in bench.codes]
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline and any(
        next(folder.glob(".buang-*"), None) is not None for folder in folders
    ):
        time.sleep(0.2)
    os.sync()
    time.sleep(rest)


def _cold(bench: Any) -> None:
    """Empty the kernel's page cache on a quiet machine (``_quiet``), or stop the bench.

    What a machine idle for a while looks like to the next publish: its page cache given
    back (docs/benchmarks.md, "Thirty-first round"). Writing ``drop_caches`` needs root.
    """
    _quiet(bench, rest=0.0)
    try:
        DROP_CACHES.write_text("3\n")
    except OSError as error:
        raise SystemExit(f"--cold: cannot empty the page cache ({error}); run as root") from None
    time.sleep(1.0)


def ratio(folder: Path, rounds: int, label: str, rest: float = 2.0) -> list[float]:
    """Plain Pelican, then one changed-one publish of ``label``, each on a quiet machine."""
    import speed_bench as sb

    state = _load(folder)
    bench = state["bench"]
    code = next(c for c in bench.codes if c.label == label)
    plains: list[float] = []
    changed: list[float] = []
    for _ in range(rounds):
        _quiet(bench, rest)
        plains.append(sb.run_plain(bench)["wall"])
        _, expect = _next_round(folder, state, "changed")
        _quiet(bench, rest)
        result = sb.run_publish(bench, code, "changed", expect)
        changed.append(result["wall"])
        print(
            f"round: plain {plains[-1]:.2f} s, changed one ({label}) {changed[-1]:.2f} s, "
            f"ratio {changed[-1] / plains[-1]:.2f}",
            flush=True,
        )
    ratios = [c / p for c, p in zip(changed, plains, strict=True)]
    plain_median, changed_median = statistics.median(plains), statistics.median(changed)
    print(
        f"median: plain {plain_median:.2f} s, changed one {changed_median:.2f} s, "
        f"ratio {changed_median / plain_median:.2f} "
        f"(rounds {min(ratios):.2f}-{max(ratios):.2f}, {rounds} rounds)",
        flush=True,
    )
    return ratios


def first(
    folder: Path, label: str, settle: float, timed: list[str] | None = None, summed: bool = False
) -> float:
    """Plain Pelican, then a first publish of ``label``, both into emptied folders.

    Both are emptied first, then nothing is deleted for ``settle`` seconds: on a file
    system without a journal (ext4 here, docs/benchmarks.md "Twenty-ninth round") a new
    file skips every inode freed in the last minute (six while its inode table is being
    written), so a first publish started right after deleting the last one's 100,000
    files created them many times slower than on a machine that has deleted nothing.
    Returns the ratio of the two wall times.
    """
    import gate_bench
    import speed_bench as sb

    bench = _load(folder)["bench"]
    code = next(c for c in bench.codes if c.label == label)
    _quiet(bench, 0)
    gate_bench.clear(
        bench.folder / "plain-output",
        bench.root / ".cache" / "pelican",
        bench.target(code),
        bench.own(code) / "var",
        bench.own(code) / ".cache",
    )
    print(f"emptied; {settle:.0f} s without deleting anything", flush=True)
    time.sleep(settle)
    plain_wall = sb.run_plain(bench)["wall"]  # its folders are empty: nothing deleted
    print(f"plain Pelican: wall {plain_wall:.2f} s", flush=True)
    env, log = _hook(folder, timed or [], summed), folder / f"waktu-{label}-first.log"
    if env:
        log.unlink(missing_ok=True)
        env["PUBLISH_PAIRS_TIME_LOG"] = str(log)
    result = sb.run_publish(bench, code, "full", "", env)  # nothing left to delete
    _report(label, "full", result, log if env else None)
    print(f"first publish / plain: {result['wall'] / plain_wall:.2f}", flush=True)
    return float(result["wall"] / plain_wall)


def _hook(folder: Path, timed: list[str], summed: bool = False) -> dict[str, str]:
    """Write the timing hook and return the environment that loads it (none if not asked).

    ``summed``: each process adds up each function's calls and writes one line when it
    exits (for functions called thousands of times a publish).
    """
    if not timed:
        return {}
    hook = folder / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "PUBLISH_PAIRS_TIME": ",".join(timed)}
    return {**env, "PUBLISH_PAIRS_TIME_SUM": "1"} if summed else env


def _report(label: str, kind: str, result: dict[str, Any], log: Path | None) -> None:
    steps = {k: round(v, 2) for k, v in (result.get("seconds") or {}).items()}
    print(
        f"{label:6} {kind:9} wall {result['wall']:6.2f} cpu {result['cpu']:6.2f} "
        f"rss {result['rss_tree']:5.0f} pss {result['pss_tree']:5.0f} {json.dumps(steps)}",
        flush=True,
    )
    if log is not None and log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            pid, name, took, *rest = line.split()
            if rest[0] == "sum":  # a process's total of the function (``--sum``)
                print(f"    {pid:>7} {name} {float(took):.3f} s in {rest[1]} calls")
            else:
                print(f"    {pid:>7} {name} {float(took):.3f} s, ended {float(rest[0]):.3f}")


def _summary(runs: dict[str, list[dict[str, Any]]]) -> None:
    for label, done in runs.items():
        if not done:
            continue
        wall = statistics.median(r["wall"] for r in done)
        steps = {
            name: statistics.median(r.get("seconds", {}).get(name, 0.0) for r in done)
            for name in ("build.pelican", "build.after")
        }
        print(
            f"median {label}: wall {wall:.2f} s, child {steps['build.pelican']:.2f} s, "
            f"after the child {steps['build.after']:.2f} s ({len(done)} runs)",
            flush=True,
        )


def plain(folder: Path) -> None:
    """Plain Pelican on the site's Markdown."""
    import speed_bench as sb

    result = sb.run_plain(_load(folder)["bench"])
    print(f"plain Pelican: wall {result['wall']:.2f} s, CPU {result['cpu']:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("make", help="generate the site and publish it once")
    making.add_argument("folder", type=Path)
    making.add_argument("--items", type=int, required=True)
    making.add_argument("--baseline", type=Path, help="another checkout to measure (before)")
    running = commands.add_parser("run", help="interleaved pairs of one kind of publish")
    running.add_argument("folder", type=Path)
    running.add_argument("kind", choices=("changed", "added", "unchanged", "full"))
    running.add_argument("--pairs", type=int, default=1)
    running.add_argument("--first", choices=("before", "after"), help="the code of pair 1")
    running.add_argument("--time", default="", help="MOD:FUNC,... to time in every process")
    running.add_argument("--sum", action="store_true", help="each function's total a process")
    running.add_argument("--cold", action="store_true", help="page cache emptied before each")
    yardstick = commands.add_parser("plain", help="plain Pelican on the same Markdown")
    yardstick.add_argument("folder", type=Path)
    ratios = commands.add_parser("ratio", help="plain, then changed one, each on a quiet machine")
    ratios.add_argument("folder", type=Path)
    ratios.add_argument("--rounds", type=int, default=3)
    ratios.add_argument("--code", choices=("before", "after"), default="after")
    ratios.add_argument("--rest", type=float, default=2.0, help="seconds of rest before a run")
    firsts = commands.add_parser("first", help="plain, then a first publish, on a settled disk")
    firsts.add_argument("folder", type=Path)
    firsts.add_argument("--code", choices=("before", "after"), default="after")
    firsts.add_argument("--settle", type=float, default=SETTLE_S, help="seconds without deletes")
    firsts.add_argument("--time", default="", help="MOD:FUNC,... to time in every process")
    firsts.add_argument("--sum", action="store_true", help="each function's total a process")
    args = parser.parse_args(argv)
    _imports()
    if args.command == "make":
        if args.baseline and not (args.baseline / "publishing" / "publish.py").is_file():
            parser.error(f"{args.baseline} is not a checkout of this project")
        make(args.folder, args.items, args.baseline)
    elif args.command == "run":
        run(
            args.folder,
            args.kind,
            args.pairs,
            args.first,
            args.time.split(",") if args.time else [],
            args.sum,
            args.cold,
        )
    elif args.command == "first":
        first(
            args.folder, args.code, args.settle, args.time.split(",") if args.time else [], args.sum
        )
    elif args.command == "ratio":
        ratio(args.folder, args.rounds, args.code, args.rest)
    else:
        plain(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
