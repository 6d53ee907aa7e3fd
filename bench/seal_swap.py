"""Benchmark: the work tree swapped during 50 publishes; 0 tampered bytes may go live.

A real site (real keys, four real sign-offs) is committed and published once. Then a
background process swaps an approved article's text and its attachment with tampered
versions every few milliseconds (by rename, as a ``git pull`` does) while ``invoke
publish`` runs ``--runs`` times as a child process, as cron would. After every publish
the live site is searched for the tamper marker (file bytes, gunzipped search data and
file names). A sealed publish reads only the commit, so the answer must be 0.

Usage::

    .venv/bin/python bench/seal_swap.py [--runs 50]

Prints ``0 tampered bytes live`` (or the live files that ever held the marker) and how
many publishes failed; exits 1 unless both are none. ``tests/test_seal.py`` runs 10.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "plugins"), str(REPO), str(REPO / "tests")]

from publishkit import local_targets, publish_settings, run, swap_loop  # noqa: E402
from sitekit import Site, make_keys  # noqa: E402

MARKER = "TOKENTUKAR"
ARTICLE = "berita/rapat.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="seal-swap-"))
    try:
        site = Site(work / "site", make_keys(work / "keys"))
        site.article(ARTICLE, "Rapat Pleno", "Isi asli. [unduh]({attach}sk.csv)", category="Berita")
        site.attach("berita/sk.csv", b"no,nama\n1,asli\n")
        site.approve_all(ARTICLE)
        settings = publish_settings(site, local_targets(work / "web"))
        site.commit()
        first = run(settings)
        if first.returncode != 0:
            print(first.stdout + first.stderr, file=sys.stderr)
            return 1
        article = site.content / ARTICLE
        swaps = {
            article: article.read_bytes().replace(b"Isi asli.", f"Isi {MARKER}.".encode()),
            site.content / "berita" / "sk.csv": f"no,nama\n1,{MARKER}\n".encode(),
        }
        started = time.perf_counter()
        failed, tampered = swap_loop(settings, work / "web" / "current", swaps, MARKER, args.runs)
        seconds = time.perf_counter() - started
        print(
            f"{args.runs} publishes in {seconds:.0f} s while the work tree was swapped; "
            f"{failed} failed"
        )
        if tampered:
            print(f"tampered bytes live in {len(tampered)} files: {', '.join(tampered)}")
        else:
            print("0 tampered bytes live")
        return 0 if not failed and not tampered else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
