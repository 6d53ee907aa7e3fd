"""Benchmark of ``invoke status`` alone, cold and warm, this tree against another checkout.

Issue 12 sets ``invoke status`` at 5,000 items under 3 s cold and 0.5 s warm. In
``speed_bench.py`` status is one single run beside the publishes; this script runs only
status, many times, with the codes interleaved, so two codes can be compared on a machine
whose load moves (compare the CPU seconds there; judge the wall time on an idle machine).

The site is ``speed_bench.make_bench``'s (N items of 400-800 words, four real sign-offs
each, one commit, each code with settings and a publishing machine of its own). A round
runs, for every code in turn (the first code alternates between rounds): ``cold`` (the
code's ``.cache/`` and ``var/*gate*`` deleted first), then ``warm`` (the same command
again). Every run is checked: exit code 0 and ``N dari N item siap terbit``.

    .venv/bin/python bench/status_bench.py --items 5000 --rounds 5 --baseline /tmp/base
    .venv/bin/python bench/status_bench.py --items 30 --rounds 1     # smoke: seconds
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
KINDS = ("cold", "warm")


def run_once(bench: Any, code: Any, kind: str) -> dict[str, Any]:
    """One ``invoke status`` of ``code``; ``cold`` deletes the code's gate caches first."""
    import speed_bench

    if kind == "cold":
        own = bench.own(code)
        for path in [own / ".cache", *sorted((own / "var").glob("*gate*"))]:
            shutil.rmtree(path, ignore_errors=True)
    return speed_bench.status_once(bench, code, kind)


def spread(values: list[float]) -> str:
    """Median and range, as the tables show them."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def table(bench: Any, runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Per code and kind: wall and CPU seconds, median (range), and the target."""
    lines = [
        f"`invoke status` at {bench.n:,} items, {len(next(iter(runs.values())))} run(s) each, "
        "median (range):",
        "",
        "| Code | Kind | Wall (s) | CPU (s) | Peak memory, tree (MB) | Target |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    limits = {"cold": 3.0, "warm": 0.5}
    for code in bench.codes:
        for kind in KINDS:
            done = runs[f"{code.label} {kind}"]
            walls = [r["wall"] for r in done]
            met = statistics.median(walls) < limits[kind]
            verdict = ("met" if met else "**not met**") if bench.n == 5000 else "-"
            lines.append(
                f"| {code.name} | {kind} | {spread(walls)} | {spread([r['cpu'] for r in done])} "
                f"| {max(r['rss_tree'] for r in done):.0f} "
                f"| < {limits[kind]:g} s at 5,000 items: {verdict} |"
            )
    return lines


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5, help="cold+warm pairs per code")
    parser.add_argument("--baseline", type=Path, help="another checkout to measure (before)")
    parser.add_argument("--markdown", type=Path, help="write the table to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated site")
    parser.add_argument("--workdir", type=Path, help="parent folder for the site")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]
    import speed_bench
    from sitekit import make_keys

    codes = [speed_bench.describe("before", args.baseline)] if args.baseline else []
    codes.append(speed_bench.describe("after", REPO))
    workdir = Path(tempfile.mkdtemp(prefix="status-bench-", dir=args.workdir))
    try:
        keys = make_keys(workdir / "keys")
        bench = speed_bench.make_bench(workdir / f"site-{args.items}", keys, args.items, codes)
        print(f"[{args.items}] generated in {bench.generate:.1f} s ({workdir})", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {f"{c.label} {k}": [] for c in codes for k in KINDS}
        for round_ in range(args.rounds):
            for code in codes[round_ % len(codes) :] + codes[: round_ % len(codes)]:
                for kind in KINDS:
                    run = run_once(bench, code, kind)
                    runs[f"{code.label} {kind}"].append(run)
                    print(
                        f"[{args.items}] round {round_ + 1} {code.label} {kind:4} "
                        f"{run['wall']:6.2f} s wall, {run['cpu']:6.2f} s CPU "
                        f"(load {run['load']:.1f})",
                        flush=True,
                    )
        lines = table(bench, runs)
        print("\n".join(["", *lines]))
        if args.markdown:
            args.markdown.write_text("\n".join(lines) + "\n")
    finally:
        if args.keep:
            print(f"Site kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
