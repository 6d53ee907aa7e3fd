"""A cold build converts its Markdown on every core before Pelican reads it.

Pelican reads items one after another in one process, so on a cold cache one core
converted thousands of items while the other idled. Once the readers are set up (the
articles generator was made) and before any generator reads, the Markdown files Pelican
will read and the cache does not hold are converted on every core (this process and
one worker process per other core); they only fill the cache, and Pelican then reads
hits. Nothing here decides what is published: a
worker that crashes or a file that fails to convert is simply left to Pelican, which
converts it itself and reports it as usual. A small batch is not worth the pool's
start-up, so below ``THRESHOLD`` uncached files nothing happens here.

Finding the uncached files means reading and hashing each source, which Pelican's read
then does again. A warm build has nothing for the pool, so only a sample is read first
(one file in ``SAMPLE_STEP``): with no miss in it, the rest is not read. The sample only
decides whether the second core helps, never what is read or published; many scattered
misses that the sample happens to skip are converted by Pelican itself, as below
``THRESHOLD``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pelican import signals

logger = logging.getLogger(__name__)

#: What a worker needs: cache folder, fingerprint, MARKDOWN and FORMATTED_FIELDS.
Job = tuple[str, str, dict[str, Any], list[str]]

#: Fewer uncached files than this are converted by Pelican itself: a worker's start-up
#: costs about 0.4 s of CPU and a file about 2 ms, so the second core only pays off
#: from a few hundred files (measured on the 2-core machine, docs/rendering.md).
THRESHOLD = 400
#: One file in this many is read to tell a warm cache (no miss) from one with work for
#: the pool: a run of this many misses is always sampled, and more than THRESHOLD misses
#: scattered at random escape the sample with a chance of about e**-10.
SAMPLE_STEP = max(1, THRESHOLD // 10)
#: What a worker runs: plain ``python -c``, never multiprocessing's spawn or forkserver,
#: which run the build's main script again in every worker (an unguarded script that
#: builds a site would build it again), nor fork, which copies the build's threads' locks.
WORKER_CODE = "from render_cache.pool import work; work()"
PARENT_VARIABLE = "KPU_RENDER_POOL_PARENT"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def _die_with_parent() -> None:
    """End with the build that started this worker (never left running as an orphan)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover (not Linux)
        pass
    if str(os.getppid()) != os.environ.get(PARENT_VARIABLE):
        os._exit(1)  # the build ended before prctl: nobody waits for this worker


def fill(paths: list[str], job: Job) -> int:
    """Convert ``paths`` into the cache; return how many were stored.

    A file that cannot be read or converted is skipped: Pelican converts it itself and
    reports the error with the file named, as it would without the pool.
    """
    from approval_gate.api import MachineCache, cache_key

    from .readers import NAMESPACE, convert, decode, encode

    folder, print_, markdown, formatted = job
    cache = MachineCache(Path(folder), NAMESPACE)
    stored = 0
    for path in paths:
        try:
            data = Path(path).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            entry = convert(decode(data), markdown, formatted)
        except Exception:  # noqa: BLE001 (Pelican reports it when it reads the file)
            continue
        cache.put(cache_key(NAMESPACE, digest, print_), encode(entry, digest, print_))
        stored += 1
    return stored


def work() -> None:
    """Worker process: read the job (JSON) from stdin, fill the cache, print the count."""
    _die_with_parent()
    request = json.load(sys.stdin)
    stored = sum(fill(paths, tuple(job)) for paths, job in request)  # type: ignore[arg-type]
    print(stored)


def _uncached(reader: Any, paths: list[str]) -> list[str]:
    """Return the paths whose entry is not kept (a bad entry is Pelican's to redo).

    Empty, after reading only a sample, when no sampled file misses (module docstring).
    """
    if len(paths) > SAMPLE_STEP and not _missing(reader, paths[::SAMPLE_STEP]):
        return []
    return _missing(reader, paths)


def _missing(reader: Any, paths: Iterable[str]) -> list[str]:
    """Return those of ``paths`` whose entry is not kept (each source read and hashed)."""
    missing = []
    for path in paths:
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            continue
        if not reader._cache.has(reader.key(digest)):
            missing.append(path)
    return missing


def markdown_files(generator: Any) -> dict[str, list[str]]:
    """Return, per reader suffix, the absolute Markdown files the generators will read."""
    from .readers import CachingMarkdown

    settings = generator.settings
    found: set[str] = set()
    for paths, excludes in (
        (settings["ARTICLE_PATHS"], settings["ARTICLE_EXCLUDES"]),
        (settings["PAGE_PATHS"], settings["PAGE_EXCLUDES"]),
    ):
        found |= generator.get_files(paths, exclude=excludes)
    by_suffix: dict[str, list[str]] = {}
    for relative in sorted(found):
        suffix = os.path.splitext(relative)[1][1:]
        if isinstance(generator.readers.readers.get(suffix), CachingMarkdown):
            by_suffix.setdefault(suffix, []).append(os.path.join(generator.path, relative))
    return by_suffix


def _start(batch: list[tuple[list[str], Job]]) -> subprocess.Popen[str] | None:
    plugins = str(Path(__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {plugins!r}); {WORKER_CODE}"
    try:
        worker = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, PARENT_VARIABLE: str(os.getpid())},
        )
    except OSError:
        return None
    try:
        assert worker.stdin is not None
        worker.stdin.write(json.dumps([[paths, list(job)] for paths, job in batch]))
        worker.stdin.close()
    except OSError:  # a worker that died at once: the others, then Pelican, convert
        pass
    return worker


def run_pool(jobs: list[tuple[list[str], Job]]) -> int:
    """Convert every job's files on every core; return how many entries were stored.

    The files are dealt out in turn, so each core gets a like share: this process
    converts the first share while one worker process per other core converts the rest.
    A worker that fails (crashes, is killed, prints no count) has simply stored fewer.
    """
    count = min(_cores(), sum(len(paths) for paths, _ in jobs))
    json.dumps([list(job) for _, job in jobs])  # settings that are not plain data: no pool
    workers = [
        _start([(paths[share::count], job) for paths, job in jobs]) for share in range(1, count)
    ]
    stored = sum(fill(paths[::count], job) for paths, job in jobs)
    for worker in workers:
        if worker is None:
            continue
        assert worker.stdout is not None
        with worker.stdout:
            output = worker.stdout.read()
        if worker.wait() == 0 and output.strip().isdigit():
            stored += int(output)
    return stored


def on_article_generator_init(generator: Any) -> None:
    """Before anything is read: fill the cache for the uncached Markdown files."""
    from .readers import CachingMarkdown

    readers = generator.readers.readers.values()
    if _cores() < 2 or not any(isinstance(r, CachingMarkdown) for r in readers):
        return  # one core, or no cache (RENDER_CACHE_PATH None): nothing to do here
    try:
        jobs = _jobs(generator)
        if sum(len(paths) for paths, _ in jobs) <= THRESHOLD:
            return
        stored = run_pool(jobs)
    except Exception as error:  # noqa: BLE001 (any failure here: Pelican converts)
        logger.debug("Konversi paralel tidak berjalan: %r", error)
        return
    logger.debug("Konversi paralel: %d naskah Markdown disimpan di cache", stored)


def _jobs(generator: Any) -> list[tuple[list[str], Job]]:
    """Return, per caching reader, the files it will read that the cache does not hold."""
    jobs: list[tuple[list[str], Job]] = []
    found = markdown_files(generator)
    if sum(len(paths) for paths in found.values()) <= THRESHOLD:
        return jobs  # too few files for the pool, whatever the cache holds: none read
    for suffix, paths in found.items():
        reader = generator.readers.readers[suffix]
        missing = _uncached(reader, paths)
        if missing:
            folder, print_, markdown, formatted = reader.job()
            jobs.append((missing, (str(folder), print_, markdown, formatted)))
    return jobs


def register() -> None:
    """Connect the pool to the signal sent once the readers are set up."""
    signals.article_generator_init.connect(on_article_generator_init)
