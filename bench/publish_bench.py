"""Benchmark: an unchanged re-publish of a 1,000-item site to the local and S3 targets.

The site is generated as in ``gate_bench.py`` (N articles, four real SSH-signed sign-offs
each). For each target it runs ``invoke publish``'s code in-process
(``publishing.publish.publish``): one first publish, then ``--repeat`` unchanged
re-publishes, each a full gated build + audit + compare + archive record. Reported per
run: wall time with its split (check, build, plan, deploy, archive), files and bytes
sent, files deleted, the size of the archive record, and for S3 the number of requests
by operation (counted by a botocore hook in the target). The S3 target runs against a
local moto server (``python -m moto.server``), so there is no network latency: the
request counts are what carries over to real S3.

Usage::

    .venv/bin/python bench/publish_bench.py --items 1000 [--repeat 3] [--markdown out.md]

Results are written down in docs/benchmarks.md ("Re-publishing an unchanged site").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from gate_bench import machine, make_site  # noqa: E402
from s3kit import CREDENTIALS, admin_client, moto_server, new_bucket  # noqa: E402
from sitekit import make_keys  # noqa: E402

from publishing.publish import publish  # noqa: E402


@dataclass
class Run:
    """One publish: what it sent and how long each step took."""

    first: bool
    wall: float
    seconds: dict[str, float]
    files: int
    bytes: int
    deleted: int
    unchanged: int
    record_bytes: int
    requests: dict[str, int] = field(default_factory=dict)


def one(settings: Path, target: str, first: bool) -> Run:
    """Publish once and check the result (a failed publish raises)."""
    before = time.perf_counter()
    result = publish(settings, target=target)
    wall = time.perf_counter() - before
    assert result.sent is not None and result.archive is not None
    if not first:
        assert result.plan.empty, (
            f"{target}: an unchanged site planned changes: "
            f"{result.plan.upload[:10]} {result.plan.delete[:10]}"
        )
    requests = dict(getattr(result.target, "requests", {}) or {})
    return Run(
        first,
        wall,
        dict(result.seconds),
        result.sent.objects,
        result.sent.bytes,
        result.sent.deleted,
        result.plan.unchanged,
        result.archive.stat().st_size,
        requests,
    )


def settings_for(root: Path, bucket: str, url: str) -> Path:
    """Write the publish settings: the generated site's gated settings plus two targets."""
    targets = {
        "lokal": {"type": "lokal", "path": str(root / "web")},
        "s3": {"type": "s3", "bucket": bucket, "endpoint_url": url},
    }
    path = root / "terbit.py"
    path.write_text(
        (root / "gated.py").read_text()
        + "from pelicanconf import DIRECT_TEMPLATES, PLUGINS, THEME  # the real site\n"
        f"PUBLISH_TARGETS = {targets!r}\nPUBLISH_ARCHIVE_COMMIT = False\n"
    )
    return path


def table(results: dict[str, list[Run]]) -> list[str]:
    lines = [
        "| target | run | wall s | build s | plan s | deploy s | archive s | files sent "
        "| bytes sent | deleted | unchanged | archive record | S3 requests |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for target, runs in results.items():
        for index, run in enumerate(runs):
            s = run.seconds
            requests = ", ".join(f"{k} {v}" for k, v in sorted(run.requests.items())) or "-"
            lines.append(
                f"| {target} | {'first' if run.first else f'unchanged {index}'} | "
                f"{run.wall:.1f} | {s.get('build', 0):.1f} | {s.get('plan', 0):.2f} | "
                f"{s.get('deploy', 0):.2f} | {s.get('archive', 0):.2f} | {run.files} | "
                f"{run.bytes:,} | {run.deleted} | {run.unchanged} | {run.record_bytes:,} B | "
                f"{requests} |"
            )
    return lines


def summary(results: dict[str, list[Run]]) -> list[str]:
    lines = []
    for target, runs in results.items():
        again = runs[1:]
        wall = statistics.median(r.wall for r in again)
        lines.append(
            f"* {target}: unchanged re-publish median {wall:.1f} s "
            f"(build {statistics.median(r.seconds['build'] for r in again):.1f} s, compare "
            f"{statistics.median(r.seconds['plan'] for r in again):.2f} s); sent "
            f"{max(r.files for r in again)} files / {max(r.bytes for r in again)} bytes; "
            f"archive record {statistics.median(r.record_bytes for r in again):,.0f} bytes."
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="publish-bench-"))
    try:
        keys = make_keys(work / "keys")
        root = work / "site"
        root.mkdir()
        make_site(root, keys, args.items)
        os.environ.update(CREDENTIALS)
        (work / "moto").mkdir()
        with moto_server(work / "moto") as url:
            bucket = new_bucket(admin_client(url), True)
            settings = settings_for(root, bucket, url)
            results: dict[str, list[Run]] = {}
            for target in ("lokal", "s3"):
                runs = [one(settings, target, True)]
                runs += [one(settings, target, False) for _ in range(args.repeat)]
                results[target] = runs
                print(f"{target}: done", file=sys.stderr)
        info = machine()
        text = "\n".join(
            [
                f"{args.items} items, {args.repeat} unchanged re-publishes per target; {info}",
                "",
                *table(results),
                "",
                *summary(results),
            ]
        )
        print(text)
        if args.markdown:
            args.markdown.write_text(text + "\n")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
