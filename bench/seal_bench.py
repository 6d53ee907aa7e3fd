"""Benchmark: the sealed ``invoke publish`` against today's, and what the export costs.

For each item count N it generates one realistic site as a git repository with one
commit: N Indonesian articles as in ``gate_bench.py`` (one in ten with a PDF attachment
linked with ``{attach}``), four real SSH-signed sign-offs each (``fastsign.py``), a
roster signed by a fresh anchor key that lists this machine's archive key among its
``publishers``, the project's theme and logo. Beside it lives the site's publishing
machine (``sitekit.pin_machine``: pinned anchor, archive key; its state accepts the
commit as the base of history) and a local target folder for each of the two codes.

Then, in ``--repeat`` rounds, as child processes and interleaved (which of the two goes
first alternates from one kind of publish to the next and between rounds), it times:

* **today**: ``invoke publish`` of the code before sealed publishing (a checkout of
  commit 4f3e517, ``--baseline``, with its own virtualenv) on the site's work tree, with
  its own settings file, target folder and state;
* **sealed**: ``invoke publish`` of this tree, which exports the commit from git objects,
  assembles the build input and builds only that;

each first as a FULL publish into an empty target (target, search-index reuse, gate and Pelican
caches deleted first), then an unchanged re-publish, then a publish after one item was
edited and signed again by all four roles (one new commit of content/ and approvals/).

Each child runs the real ``invoke publish`` (``runpy`` of ``invoke``) with two
functions wrapped so it can report what the parent cannot see: ``publish`` (to write the
result's per-step seconds and item counts) and, in the sealed code, ``export_commit``
(the export alone). The parent times the whole child. The export's share of the sealed
publish is export seconds / sealed wall seconds; the issue's target is at most 10 %.

Usage::

    .venv/bin/python bench/seal_bench.py --items 1000 5000 [--repeat 2] [--markdown F]
    .venv/bin/python bench/seal_bench.py --items 100 --repeat 1      # smoke, about 20 s

Results and method: docs/benchmarks.md ("Sealed publishing").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BASELINE = Path("/tmp/baseline")
#: The figures of one site, in the order a round runs them.
KINDS = ("full", "unchanged", "changed")
CODES = ("today", "sealed")
TARGET = {"today": "lama", "sealed": "segel"}


# --- the child: one real ``invoke publish`` that reports its own step times --------------


def child(repo: Path, settings: Path, report: Path) -> int:
    """Run ``invoke -r repo publish --settings settings``; write what it did to ``report``.

    Runs with ``repo``'s own code (the baseline under its own interpreter), so only the
    standard library is imported before ``repo`` is on ``sys.path``.
    """
    sys.path[:0] = [str(repo / "plugins"), str(repo)]
    import publishing.publish as module

    seen: dict[str, Any] = {"export": None}
    publish, export = module.publish, getattr(module, "export_commit", None)

    def timed_export(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), os.times()
        done = export(*args, **kwargs)  # type: ignore[misc]
        seen["export"], seen["export_files"] = time.perf_counter() - start, len(done.files)
        # CPU of this process only: user = the export's Python, system = the kernel
        # creating the files (git cat-file is a child process, not counted).
        seen["export_user"] = os.times().user - cpu.user
        seen["export_system"] = os.times().system - cpu.system
        return done

    def reported(*args: Any, **kwargs: Any) -> Any:
        result = publish(*args, **kwargs)
        seen.update(
            seconds=dict(result.seconds),
            included=len(result.manifest["included"]),
            excluded=len(result.manifest["excluded"]),
            sent=result.sent.objects if result.sent else 0,
            planned_empty=result.plan.empty,
        )
        return result

    module.publish = reported
    if export is not None:
        module.export_commit = timed_export
    sys.argv = ["invoke", "-r", str(repo), "publish", "--settings", str(settings)]
    code = 0
    try:
        runpy.run_module("invoke", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    report.write_text(json.dumps({**seen, "code": code}))
    return 0


# --- the site ---------------------------------------------------------------------------


@dataclass
class Bench:
    """One generated site, its two publish settings, and every run measured on it."""

    n: int
    folder: Path
    root: Path
    settings: dict[str, Path]
    targets: dict[str, Path]
    anchor: str
    items: list[Any]
    generate: float = 0.0
    tree_files: int = 0
    tree_bytes: int = 0
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def median(self, code: str, kind: str, name: str = "wall") -> float:
        """Return the median of ``name`` (wall, export, or a step's seconds) over the rounds."""
        runs = self.runs[f"{code} {kind}"]
        return statistics.median(
            (run[name] if name in run else run["seconds"].get(name, 0.0)) or 0.0 for run in runs
        )


def _pdf(rng: random.Random, size: int) -> bytes:
    """Return a well-formed one-page PDF of about ``size`` bytes (incompressible, as scans)."""
    stream = rng.randbytes(size)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def attach_pdfs(content: Path, items: list[Any], n: int) -> None:
    """Give every tenth item a PDF (40-400 KB) beside it, linked with ``{attach}``."""
    rng = random.Random(n)
    for item in items[::10]:
        source = content / item.path
        name = f"{source.stem}.pdf"
        (source.parent / name).write_bytes(_pdf(rng, rng.randint(40_000, 400_000)))
        with source.open("a", encoding="utf-8") as stream:
            stream.write(f"\nDokumen lengkap: [unduh PDF]({{attach}}{name})\n")


def publish_settings(code: str, targets: dict[str, Path]) -> str:
    """Return the ``PUBLISH_*`` lines of one kind's settings: its own local target."""
    name = TARGET[code]
    spec = {name: {"type": "lokal", "path": str(targets[code])}}
    return (
        f"PUBLISH_TARGETS = {spec!r}\nPUBLISH_TARGET = {name!r}\nPUBLISH_ARCHIVE_COMMIT = False\n"
    )


def baseline_settings(
    root: Path, settings: Path, baseline: Path, anchor: str, targets: dict[str, Path]
) -> str:
    """Settings for today's publish: its own pelicanconf and theme, the site's files.

    They live in ``<site>/lama/`` (not committed), so its ``var/`` (lock, builds, the
    search index it reuses) and caches are its own.
    """
    from sitekit import NOW

    own = settings.parent
    return (
        f"import sys\nsys.path.insert(0, {str(baseline)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(root / 'content')!r}\nOUTPUT_PATH = {str(own / 'output')!r}\n"
        f"CACHE_PATH = {str(own / '.cache' / 'pelican')!r}\n"
        f"APPROVAL_GATE_APPROVALS_PATH = {str(root / 'approvals')!r}\n"
        f"APPROVAL_GATE_MANIFEST_PATH = {str(own / 'var' / 'manifest.json')!r}\n"
        f"APPROVAL_GATE_CACHE_PATH = {str(own / '.cache' / 'gate')!r}\n"
        f"APPROVAL_GATE_ANCHOR = {anchor!r}\nAPPROVAL_GATE_ALLOW_DEMO_KEYS = False\n"
        f"APPROVAL_GATE_NOW = {NOW.isoformat()!r}\n"
        f"APPROVAL_GATE_SETTINGS_FILE = {settings.name!r}\n" + publish_settings("today", targets)
    )


def make_bench(folder: Path, keys: Any, n: int, baseline: Path) -> Bench:
    """Generate the site of ``n`` items, commit it, set up its machine and both settings."""
    import gate_bench
    from sitekit import NOW, Site

    start = time.perf_counter()
    root = folder / "situs"
    site = Site(root, keys)  # theme, logo, .gitignore, signed roster, the pinned machine
    # Every signature lies before the gate's fixed clock (sitekit.NOW) and so before the
    # machine's real clock: a sealed publish refuses a clock behind a known signature.
    gate_bench.LAST_DAY, gate_bench.NOW = NOW - timedelta(days=3), NOW
    items = gate_bench.write_articles(site.content, n)
    attach_pdfs(site.content, items, n)
    gate_bench.sign_all(keys, site.content, site.approvals, items)
    targets = {code: folder / f"web-{TARGET[code]}" for code in CODES}
    sealed = site.write_settings("terbitcfg.py", extra=publish_settings("sealed", targets))
    site.commit("Situs tolok ukur")  # the machine accepts it as the start of its history
    today = root / "lama" / "terbitlama.py"
    today.parent.mkdir()
    today.write_text(baseline_settings(root, today, baseline, site.anchor, targets))
    bench = Bench(n, folder, root, {"today": today, "sealed": sealed}, targets, site.anchor, items)
    bench.generate = time.perf_counter() - start
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "-l", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    bench.tree_files = len(listing)
    bench.tree_bytes = sum(int(line.split()[3]) for line in listing)
    return bench


def change_one_item(bench: Bench, keys: Any, round_: int) -> None:
    """Edit one item; all four roles sign it again; commit just those files.

    Only the changed paths are committed: today's archive records lie in the same work
    tree and are not the site's history.
    """
    content = bench.root / "content"
    item = bench.items[(7 * round_ + 3) % len(bench.items)]
    with (content / item.path).open("a", encoding="utf-8") as stream:
        stream.write(f"\nPembaruan {round_}: jadwal rapat pleno diubah.\n")
    paths = [f"content/{item.path}", *sign_again(bench.root, keys, item.path, round_)]
    commit_paths(bench.root, paths, f"Ubah {item.path}")


def sign_again(root: Path, keys: Any, item: str, round_: int) -> list[str]:
    """Have all four roles sign ``item`` as it is now; return the new files (repo paths).

    The sign-offs lie a few hours before the gate's clock (``sitekit.NOW``), ``round_``
    seconds apart from one round to the next, so every round's files are new (their names
    carry the second) and the last of them stays before the clock for 5,000 rounds: with
    minutes, the Komisioner's sign-off of round 120 fell on the clock and was not counted.
    """
    from sitekit import NOW, ROLES

    start = NOW - timedelta(hours=3) + timedelta(seconds=round_)
    return sign_roles(root, keys, item, ROLES, start, timedelta(minutes=20))


def sign_roles(
    root: Path, keys: Any, item: str, roles: Any, start: Any, gap: timedelta
) -> list[str]:
    """Have ``roles`` approve ``item`` as it is now, in order from ``start``, ``gap`` apart.

    Real SSHSIG sign-offs (``fastsign``) in the repository's format; returns the new files
    (repository paths). desk_bench.py uses it for items waiting part way through the SOP.
    """
    from approval_gate.api import (
        SIGNOFF_NAMESPACE,
        canonical_payload,
        content_digest,
        render_signoff,
        signoff_fields,
        signoff_path,
    )
    from fastsign import FastSigner
    from sitekit import PEOPLE

    approvals = root / "approvals"
    digest = content_digest(root / "content", item).value
    paths = []
    for step, role in enumerate(roles):
        at = start + gap * step
        fields = signoff_fields(item, role, PEOPLE[role], "setuju", "", at, digest)
        signer = FastSigner(keys.private(PEOPLE[role]))
        rel = signoff_path(item, role, "setuju", at)
        (approvals / rel).parent.mkdir(parents=True, exist_ok=True)
        (approvals / rel).write_text(
            render_signoff(
                fields, signer.sign(canonical_payload(fields).encode(), SIGNOFF_NAMESPACE)
            ),
            encoding="utf-8",
        )
        paths.append(f"approvals/{rel}")
    return paths


def commit_paths(root: Path, paths: list[str], message: str) -> None:
    """Commit just ``paths`` (repository-relative) with the test identity."""
    from sitekit import GIT_ENV

    env = {**os.environ, **GIT_ENV}
    for args in (("add", "--", *paths), ("commit", "-q", "--no-verify", "-m", message)):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


# --- the runs ---------------------------------------------------------------------------


def clear_for_full(bench: Bench, code: str) -> None:
    """Empty the target and delete every cache the publish could reuse."""
    own = bench.settings[code].parent
    for path in (bench.targets[code], own / "var" / "pagefind-cache", own / ".cache"):
        if path.exists():
            shutil.rmtree(path)


def run_publish(bench: Bench, code: str, kind: str, baseline: Path) -> dict[str, Any]:
    """Run one publish in a child process; check it; return its wall time and report."""
    from sitekit import machine_env

    if kind == "full":
        clear_for_full(bench, code)
    os.sync()  # the previous run's writes are not flushed during this one
    report = bench.folder / f"report-{code}.json"
    report.unlink(missing_ok=True)
    if code == "today":
        python, repo = baseline / ".venv" / "bin" / "python", baseline
        env = {**os.environ, "KPU_ROSTER_ANCHOR": bench.anchor}
    else:
        python, repo = Path(sys.executable), REPO
        env = {**os.environ, **machine_env(bench.root)}
    command = [str(python), str(Path(__file__).resolve()), "--child", str(repo)]
    command += [str(bench.settings[code]), str(report)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=bench.root, env=env)
    wall = time.perf_counter() - start
    data = json.loads(report.read_text()) if report.exists() else {"code": None}
    problem = _problem(bench, code, kind, data)
    if done.returncode or problem:
        raise SystemExit(
            f"[{bench.n}] {code} {kind}: {problem or 'child failed'}\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return {"wall": wall, **data}


def _problem(bench: Bench, code: str, kind: str, data: dict[str, Any]) -> str:
    """Return what is wrong with a publish's report ("" when it did what it should)."""
    if data["code"] != 0:
        return f"invoke publish ended with {data['code']}"
    if data["included"] != bench.n or data["excluded"]:
        return f"published {data['included']} of {bench.n} items, {data['excluded']} held"
    if (kind == "unchanged") != data["planned_empty"]:
        return f"planned {'nothing' if data['planned_empty'] else 'changes'} ({kind})"
    page = bench.targets[code] / "current" / bench.items[0].page
    if not page.is_file():
        return f"{page} is not live"
    if code == "sealed" and data["export"] is None:
        return "the sealed publish reported no export time"
    return ""


def bench_site(bench: Bench, keys: Any, repeat: int, baseline: Path) -> None:
    """Run the rounds: each kind of publish by both codes, the order alternating."""
    for round_ in range(1, repeat + 1):
        for index, kind in enumerate(KINDS):
            if kind == "changed":
                change_one_item(bench, keys, round_)
            order = CODES if (round_ + index) % 2 else CODES[::-1]
            for code in order:
                run = run_publish(bench, code, kind, baseline)
                bench.runs.setdefault(f"{code} {kind}", []).append(run)
                extra = ""
                if code == "sealed":
                    extra = f" (export {run['export']:.2f} s, seal {run['seconds']['seal']:.2f} s)"
                print(
                    f"[{bench.n}] round {round_}/{repeat} {kind:<9} {code:<6} "
                    f"{run['wall']:7.2f} s{extra}",
                    flush=True,
                )


# --- the report -------------------------------------------------------------------------

#: The issue's target: the export costs at most this share of the sealed publish.
LIMIT = 10.0


def share(part: float, whole: float) -> float:
    return part / whole * 100 if whole else 0.0


def table(benches: list[Bench]) -> list[str]:
    """The main table: today vs. sealed per item count and kind, with the export's share."""
    lines = [
        "| Items | Publish | Today (s) | Sealed (s) | Sealed / today | Export (s) "
        "| Export share | Export + assemble (s) | Export + assemble share | Export ≤ 10 % |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for b in benches:
        for kind in KINDS:
            today, sealed = b.median("today", kind), b.median("sealed", kind)
            export = b.median("sealed", kind, "export")
            both = export + b.median("sealed", kind, "seal")
            ok = share(export, sealed) <= LIMIT
            lines.append(
                f"| {b.n:,} | {kind} | {today:.2f} | {sealed:.2f} | {sealed / today:.2f} "
                f"| {export:.2f} | {share(export, sealed):.1f} % | {both:.2f} "
                f"| {share(both, sealed):.1f} % | {'yes' if ok else '**no**'} |"
            )
    return lines


TODAY_STEPS = ("check", "build", "plan", "deploy", "archive")
SEALED_STEPS = ("export", "check", "seal", "build", "plan", "deploy", "archive")


def step_table(benches: list[Bench]) -> list[str]:
    """Where each publish spends its time (medians of the steps ``publish`` records)."""
    lines = [
        "| Items | Publish | Code | " + " | ".join(SEALED_STEPS) + " | wall |",
        "| ---: | --- | --- |" + " ---: |" * (len(SEALED_STEPS) + 1),
    ]
    for b in benches:
        for kind in KINDS:
            for code in CODES:
                cells = []
                for step in SEALED_STEPS:
                    value = b.median(code, kind, step)
                    if code == "sealed" and step == "check":  # the export is timed inside it
                        value -= b.median(code, kind, "export")
                    known = step in (SEALED_STEPS if code == "sealed" else TODAY_STEPS)
                    cells.append(f"{value:.2f}" if known else "-")
                wall = b.median(code, kind)
                lines.append(
                    f"| {b.n:,} | {kind} | {code} | " + " | ".join(cells) + f" | {wall:.2f} |"
                )
    return lines


def export_table(benches: list[Bench]) -> list[str]:
    """The sealed export alone: its wall time, and the CPU it spent in Python and the kernel."""
    lines = [
        "| Items | Publish | Files | Export (s) | Python (user CPU, s) | Kernel (system CPU, s) "
        "| Per file (ms) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for b in benches:
        for kind in KINDS:
            export = b.median("sealed", kind, "export")
            lines.append(
                f"| {b.n:,} | {kind} | {b.median('sealed', kind, 'export_files'):,.0f} "
                f"| {export:.2f} | {b.median('sealed', kind, 'export_user'):.2f} "
                f"| {b.median('sealed', kind, 'export_system'):.2f} "
                f"| {export / max(b.median('sealed', kind, 'export_files'), 1) * 1000:.2f} |"
            )
    return lines


def sites(benches: list[Any], label: str = "every run (s)") -> list[str]:
    """One line per site: its commit, how long it took to make, each run's wall seconds."""
    return [
        f"- {b.n:,} items: commit of {b.tree_files:,} files, {b.tree_bytes / 1e6:.1f} MB "
        f"(generated in {b.generate:.0f} s); {label}: "
        + "; ".join(
            f"{key} " + ", ".join(f"{r['wall']:.2f}" for r in runs) for key, runs in b.runs.items()
        )
        for b in benches
    ]


def report(benches: list[Bench], repeat: int, info: dict[str, str]) -> str:
    return "\n".join(
        [
            f"Median of {repeat} round(s); wall time of the child `invoke publish`. Export = "
            "`export_commit` alone; export + assemble adds the sealed publish's 'seal' step "
            "(ledger over the export, assembly, rails).",
            "",
            *table(benches),
            "",
            "Seconds per step (the sealed 'check' without the export inside it):",
            "",
            *step_table(benches),
            "",
            "The export alone (CPU of the publishing process; git cat-file not included):",
            "",
            *export_table(benches),
            "",
            *sites(benches),
            "",
            f"Machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, "
            f"Pelican {info['pelican']}, {info['os']}; {time.strftime('%Y-%m-%d')}.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="checkout of 4f3e517")
    parser.add_argument("--markdown", type=Path, help="write the report to this file")
    parser.add_argument("--json", type=Path, help="write every run as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites")
    parser.add_argument("--workdir", type=Path, help="parent folder for the sites")
    parser.add_argument(
        "--child", nargs=3, metavar=("REPO", "SETTINGS", "REPORT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        return child(*(Path(a) for a in args.child))
    if not (args.baseline / ".venv" / "bin" / "python").is_file():
        raise SystemExit(
            f"{args.baseline} is not a checkout of 4f3e517 with its .venv; make one as "
            "docs/benchmarks.md says ('Sealed publishing')."
        )
    sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]
    from gate_bench import machine
    from sitekit import make_keys

    workdir = Path(tempfile.mkdtemp(prefix="seal-bench-", dir=args.workdir))
    print(f"Working in {workdir}", flush=True)
    benches = []
    try:
        keys = make_keys(workdir / "keys")
        for n in args.items:
            bench = make_bench(workdir / f"site-{n}", keys, n, args.baseline)
            print(
                f"[{n}] generated: {bench.tree_files:,} files, {bench.tree_bytes / 1e6:.1f} MB "
                f"in {bench.generate:.1f} s",
                flush=True,
            )
            bench_site(bench, keys, args.repeat, args.baseline)
            benches.append(bench)
            if not args.keep:
                shutil.rmtree(bench.folder)
    finally:
        if args.keep:
            print(f"Sites kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(benches, args.repeat, machine())
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({b.n: b.runs for b in benches}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
