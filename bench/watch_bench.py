"""Benchmark: how long after saving an item ``invoke watch`` serves the changed page.

Generates a site of N items (default 1,000) in a temporary folder with the same
generator as ``gate_bench.py`` (real keys, signed roster, four sign-offs per item), then
takes the sign-offs away from one item in ten (drafts waiting at every step) and
commits the content to git, so stale items get their "what changed" diff from history.
It starts the real ``invoke watch --port 0`` with the project's own settings (the public
theme and its plugin included; only the paths, anchor and clock are the site's), waits
for the first full build, and then, per round:

1. appends a unique token to an item's Markdown file (a draft, or an approved item,
   which the edit makes stale),
2. fetches that item's page from the watch server every 10 ms until the token is in it,
3. waits until the watch reports the full pass after it (so each round starts idle).

The time from the end of the write to the first served page containing the token is
the latency a person waits, minus the reload script's poll (``POLL_MS``, at most 0.25 s
more for the open tab to notice). A last round edits while a full pass is running
(the worker abandons it). Usage::

    .venv/bin/python bench/watch_bench.py [--items 1000] [--rounds 5] [--markdown FILE]

See docs/benchmarks.md ("Preview: invoke watch") and docs/editorial.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]

import gate_bench  # noqa: E402
from sitekit import make_keys  # noqa: E402

from editorial.watch.server import POLL_MS  # noqa: E402

LIMIT_S = 2.0


class Watch:
    """The real ``invoke watch`` on a site, with its output lines on a queue."""

    def __init__(self, settings: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "invoke",
            "-r",
            str(REPO),
            "watch",
            "--port",
            "0",
            "--settings",
            str(settings),
        ]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=settings.parent,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for("tersaji di").split("tersaji di ")[1].split()[0]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if "GAGAL" in line:
                raise SystemExit(f"watch failed: {line}")
            if text in line:
                return line
        raise SystemExit(f"watch did not say {text!r} within {timeout} s")

    def drain(self) -> list[str]:
        seen = []
        while not self.lines.empty():
            seen.append(self.lines.get())
        return seen

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return bytes(answer.read())
    except OSError:
        return b""


def settings_text(site: Path, anchor: str) -> str:
    """The project's own settings (public theme included) with this site's paths."""
    return (
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(site / 'content')!r}\nOUTPUT_PATH = {str(site / 'output')!r}\n"
        f"CACHE_PATH = {str(site / '.cache' / 'pelican')!r}\n"
        f"RENDER_CACHE_PATH = {str(site / '.cache' / 'render')!r}\n"
        f"APPROVAL_GATE_APPROVALS_PATH = {str(site / 'approvals')!r}\n"
        f"APPROVAL_GATE_MANIFEST_PATH = {str(site / 'var' / 'manifest.json')!r}\n"
        f"APPROVAL_GATE_CACHE_PATH = {str(site / '.cache' / 'gate')!r}\n"
        f"APPROVAL_GATE_ANCHOR = {anchor!r}\nAPPROVAL_GATE_ALLOW_DEMO_KEYS = False\n"
        f"APPROVAL_GATE_NOW = {gate_bench.NOW.isoformat()!r}\n"
        "APPROVAL_GATE_SETTINGS_FILE = 'situs.py'\n"
    )


def make_site(root: Path, n: int) -> list[gate_bench.Item]:
    keys = make_keys(root / "keys")
    items = gate_bench.make_site(root / "site", keys, n)
    (root / "site" / "situs.py").write_text(
        settings_text(root / "site", keys.fingerprint("anchor"))
    )
    approvals = root / "site" / "approvals"
    for index, item in enumerate(items):
        if index % 10 == 3:  # a draft: keep the first (index // 10) % 4 sign-offs
            folder = approvals / item.path.removesuffix(".md")
            for signoff in sorted(folder.iterdir())[(index // 10) % 4 :]:
                signoff.unlink()
    site = root / "site"
    for command in (
        ["init", "-q"],
        ["add", "content"],
        [
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@localhost",
            "commit",
            "-q",
            "-m",
            "content",
        ],
    ):
        subprocess.run(["git", *command], cwd=site, check=True)
    return items


def seconds(line: str) -> float:
    """Return the seconds a watch line reports ("... dalam 0,31 dtk.")."""
    return float(line.rsplit("dalam ", 1)[1].split()[0].replace(",", "."))


def edit_round(watch: Watch, site: Path, item: gate_bench.Item, token: str) -> float:
    page = watch.url + item.page.removesuffix("index.html")
    source = site / "content" / item.path
    with source.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{token}\n")
    start = time.perf_counter()
    while token.encode() not in fetch(page):
        if time.perf_counter() - start > 60:
            raise SystemExit(f"{page} did not show {token} within 60 s")
        time.sleep(0.01)
    return time.perf_counter() - start


def run(n: int, rounds: int, workdir: str | None) -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="watch-bench-", dir=workdir))
    load = os.getloadavg()[0]
    try:
        items = make_site(root, n)
        site = root / "site"
        start = time.perf_counter()
        watch = Watch(site / "situs.py")
        full = watch.wait_for("semua halaman")
        first = time.perf_counter() - start
        results: dict[str, list[float]] = {"draft": [], "approved": []}
        runs: dict[str, list[float]] = {"incremental": [], "full": []}
        try:
            for number in range(rounds):
                for kind, item in (
                    ("draft", items[10 * number + 3]),
                    ("approved", items[10 * number + 5]),
                ):
                    results[kind].append(edit_round(watch, site, item, f"TOKEN{kind}{number}"))
                    runs["incremental"].append(seconds(watch.wait_for("halaman yang berubah")))
                    runs["full"].append(seconds(watch.wait_for("semua halaman")))
            edit_round(watch, site, items[1], "TOKENwarmup")
            watch.wait_for("halaman yang berubah")
            busy = edit_round(watch, site, items[2], "TOKENbusy")  # during the full pass
            watch.wait_for("semua halaman")
        finally:
            watch.stop()
        return {
            "n": n,
            "first": first,
            "first_line": full,
            "results": results,
            "busy": busy,
            "runs": runs,
            "load": (load, os.getloadavg()[0]),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(result: dict[str, object]) -> str:
    results, runs = result["results"], result["runs"]
    assert isinstance(results, dict) and isinstance(runs, dict)
    rows = []
    for kind, label in (
        ("draft", "draft item (stays a draft)"),
        ("approved", "approved item (becomes stale: diff from git)"),
    ):
        times = results[kind]
        worst = max(times) + POLL_MS / 1000
        rows.append(
            f"| {label} | {len(times)} | {statistics.median(times):.2f} s | "
            f"{max(times):.2f} s | {worst:.2f} s | "
            f"{'met' if worst < LIMIT_S else 'MISSED'} |"
        )
    machine = (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average "
        f"{result['load'][0]:.1f} before and {result['load'][1]:.1f} after"
    )
    return "\n".join(
        [
            f"Items: {result['n']:,}; machine: {machine}.",
            "",
            "| Edit | Rounds | Served page shows it (median) | (max) | Max + poll interval | "
            f"< {LIMIT_S:.0f} s |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
            *rows,
            "",
            "Every round (s): "
            + "; ".join(
                f"{kind} {', '.join(f'{t:.2f}' for t in times)}" for kind, times in results.items()
            ),
            f"Edit during a full pass (the pass is abandoned): {result['busy']:.2f} s.",
            f"Worker's incremental run (only the edited item's page): median "
            f"{statistics.median(runs['incremental']):.2f} s; the full pass that follows "
            f"(listings, every page): median {statistics.median(runs['full']):.2f} s.",
            f"First full build after start (worker start, cold caches): {result['first']:.1f} s"
            f" ({result['first_line'].split(': ', 1)[1]}).",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--markdown", help="write the result table to this file")
    parser.add_argument("--workdir", help="where to create the temporary site")
    args = parser.parse_args(argv)
    text = report(run(args.items, args.rounds, args.workdir))
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
