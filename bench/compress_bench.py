"""Benchmark: what the .gz/.br copies cost a build (publishing/compress.py), and what they save.

Two sites: the shipped sample (built with the public theme, search included) and a
bench/gate_bench.py site of N approved articles built with the public theme as well.
For each, the copies are removed from the output and written again by
``compress_output``:

* cold, with an empty machine cache, at brotli quality 6 (the chosen one) and 11 (gzip 9);
* warm: the same output again, every copy from the cache (what an unchanged publish pays);
* one page changed: the cache holds the rest (what a one-item publish pays).

It prints bytes before and after compression and a Markdown table for docs/benchmarks.md::

    .venv/bin/python bench/compress_bench.py --items 1000 [--qualities 6 11] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from gate_bench import NOW, make_site  # noqa: E402
from publishing import compress  # noqa: E402
from publishing.build import build_site  # noqa: E402
from publishing.tree import list_output  # noqa: E402
from sitekit import make_keys  # noqa: E402
from themekit import build_sample  # noqa: E402

QUALITIES = (6, 11)


def public_settings(root: Path, anchor: str) -> Path:
    """Settings for a gate_bench site with the project's own theme (not Pelican's simple)."""
    path = root / "publik.py"
    path.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(root / 'content')!r}\nOUTPUT_PATH = {str(root / 'output')!r}\n"
        f"CACHE_PATH = {str(root / '.cache' / 'pelican')!r}\n"
        f"RENDER_CACHE_PATH = {str(root / '.cache' / 'render')!r}\n"
        f"APPROVAL_GATE_APPROVALS_PATH = {str(root / 'approvals')!r}\n"
        f"APPROVAL_GATE_MANIFEST_PATH = {str(root / 'var' / 'manifest.json')!r}\n"
        f"APPROVAL_GATE_CACHE_PATH = {str(root / '.cache' / 'gate')!r}\n"
        f"APPROVAL_GATE_ANCHOR = {anchor!r}\nAPPROVAL_GATE_ALLOW_DEMO_KEYS = False\n"
        f"APPROVAL_GATE_NOW = {NOW.isoformat()!r}\nAPPROVAL_GATE_SETTINGS_FILE = 'publik.py'\n"
    )
    return path


def strip_copies(output: Path) -> None:
    for path in list(output.rglob("*")):
        if path.suffix in (".gz", ".br") and compress.copy_of(path.name):
            path.unlink()


def timed(output: Path, how: compress.Compression) -> tuple[float, dict[str, int]]:
    strip_copies(output)
    files = list_output(output)
    start, cpu = time.perf_counter(), time.process_time()
    counts = compress.compress_output(output, files, how).counts
    counts["cpu_ms"] = round((time.process_time() - cpu) * 1000)
    return time.perf_counter() - start, counts


def sizes(output: Path) -> tuple[int, int, int, int]:
    """Return (text files, their bytes, bytes of their .br, bytes of their .gz)."""
    count = plain = br = gz = 0
    for rel, file in list_output(output).items():
        if compress.copy_of(rel) or not compress.worth(rel, file.size):
            continue
        count, plain = count + 1, plain + file.size
        for suffix in (".br", ".gz"):
            copy = output / f"{rel}{suffix}"
            size = copy.stat().st_size if copy.exists() else file.size
            br, gz = (br + size, gz) if suffix == ".br" else (br, gz + size)
    return count, plain, br, gz


def measure(name: str, output: Path, cache: Path, qualities: list[int]) -> list[str]:
    rows = []
    for quality in qualities:
        compress.BROTLI_QUALITY = quality
        shutil.rmtree(cache, ignore_errors=True)
        seconds, counts = timed(output, compress.Compression(True, cache))
        count, plain, br, gz = sizes(output)
        rows.append(
            f"| {name} | cold, brotli {quality} | {count} | {plain / 1e6:.2f} MB | "
            f"{br / 1e6:.2f} MB ({br / plain:.0%}) | {gz / 1e6:.2f} MB | {seconds:.2f} s | "
            f"{counts['cpu_ms'] / 1000:.2f} s |"
        )
        print(rows[-1], counts, flush=True)
    seconds, counts = timed(output, compress.Compression(True, cache))
    assert counts["made"] == 0, counts
    rows.append(
        f"| {name} | warm (all from cache) | | | | | {seconds:.2f} s | "
        f"{counts['cpu_ms'] / 1000:.2f} s |"
    )
    page = next(p for p in sorted(output.rglob("index.html")) if p.parent != output)
    page.write_bytes(page.read_bytes() + b"<!-- diubah -->\n")
    seconds, counts = timed(output, compress.Compression(True, cache))
    assert counts["made"] == 2, counts
    rows.append(
        f"| {name} | one page changed | | | | | {seconds:.2f} s | {counts['cpu_ms'] / 1000:.2f} s |"
    )
    for row in rows[-2:]:
        print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, nargs="*", default=[1000])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--qualities", type=int, nargs="*", default=list(QUALITIES))
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kompres-bench-"))
    rows = []
    try:
        sample = build_sample(workdir / "contoh")
        rows += measure("sample", sample.output, workdir / "contoh-cache", args.qualities)
        keys = make_keys(workdir / "keys")
        for n in args.items:
            root = workdir / f"site-{n}"
            make_site(root, keys, n)
            start = time.perf_counter()
            result = build_site(
                public_settings(root, keys.fingerprint("anchor")),
                root / "output",
                state_dir=root / "var",
                compression=compress.OFF,
            )
            print(f"[{n}] built without copies in {time.perf_counter() - start:.1f} s", flush=True)
            assert len(result.manifest["included"]) == n
            rows += measure(f"{n} items", root / "output", root / "kompres-cache", args.qualities)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n| site | run | text files | their bytes | .br | .gz | wall | CPU |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
