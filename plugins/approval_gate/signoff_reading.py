"""Reading approvals/: every sign-off file found, read, parsed and verified once.

Split from the ledger (which admits what is read here): an unchanged file is taken from
the cache (cache.py) without being read; a file in a new place, such as a fresh export
of a sealed publish, is read and found by the hash of its bytes; only bytes this cache
never verified are parsed and verified, in worker processes when there are many.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import SignoffCache, content_key, identity, key_of
from .errors import Finding
from .records import SignOff, parse_signoff
from .signatures import SIGNOFF_NAMESPACE, SignatureInvalid, verify_signature
from .signoff_files import read_text, refusal, walk

if TYPE_CHECKING:
    from concurrent.futures import Future

PARALLEL_THRESHOLD = 400


def _check_file(job: tuple[str, str, str]) -> SignOff | Finding:
    """Parse and verify one sign-off file (runs in worker processes on cold runs).

    Whether a passkey's origin is the desk's is the roster's question (rules.py), so it
    is kept, not judged, here. The signed text and the signature are left behind once
    checked, as a cached sign-off holds them (cache.py): nobody reads them again, and on
    a cold run they were half of what the workers pickled back.
    """
    path, rel, text = job
    parsed = parse_signoff(path, rel, text)
    if isinstance(parsed, Finding):
        return parsed
    try:
        signed = verify_signature(
            parsed.payload.encode("utf-8"), parsed.signature, SIGNOFF_NAMESPACE
        )
    except UnicodeEncodeError:
        why = "teks yang ditandatangani bukan UTF-8 yang sah"
        return replace(parsed, payload="", signature="", signature_error=why)
    except SignatureInvalid as error:
        return replace(parsed, payload="", signature="", signature_error=str(error))
    return replace(parsed, payload="", signature="", key=signed.key, origin=signed.origin)


def _verified(
    cache: SignoffCache, rel: str, ident: str, key: str | None, shown: str
) -> SignOff | None:
    """Return the verification kept for the bytes of ``key``, noting this file holds them."""
    cached = cache.signoff(key, shown) if key else None
    if cached is not None and key is not None:
        cache.put(rel, ident, key, cached)
    return cached


def read_signoffs(
    approvals: Path,
    cache_path: Path | None,
    parallel: bool = True,
    meanwhile: Callable[[], None] | None = None,
    known: Mapping[str, str] | None = None,
) -> tuple[list[SignOff], list[Finding]]:
    """Read, shape-check and verify every sign-off file under ``approvals``.

    An unchanged file is taken from the cache without being read; a file in a new place
    (a fresh export) is read and found by its bytes; only bytes never verified before
    are parsed and verified, in worker processes when there are many, while this
    process runs ``meanwhile``. ``known``: the SHA-256 of files (by path under
    approvals/) whose bytes the caller has verified already (a sealed publish's export):
    such a file verified before is found by that hash without being read.
    """
    cache = SignoffCache(cache_path, str(approvals))
    prefix = f"{approvals.name}/"
    files = sorted(walk(str(approvals)), key=lambda pair: pair[0])
    done: list[SignOff] = []
    jobs: list[tuple[str | None, str, str, str, str]] = []
    findings: list[Finding] = []
    for rel, entry in files:
        shown = prefix + rel
        info = entry.stat(follow_symlinks=False)
        refused = refusal(shown, entry, info)
        if refused is not None:
            findings.append(refused)
            continue
        ident = identity(info)
        cached = cache.known(rel, ident, shown)
        if cached is not None:
            done.append(cached)
            continue
        sha = known.get(rel) if known else None
        key = key_of(rel, sha, SIGNOFF_NAMESPACE) if sha else None
        cached = _verified(cache, rel, ident, key, shown)
        if cached is not None:  # the bytes the caller vouches for, verified before
            done.append(cached)
            continue
        text = read_text(approvals, rel, shown)
        if isinstance(text, Finding):
            findings.append(text)
            continue
        key = content_key(rel, text.encode("utf-8"), SIGNOFF_NAMESPACE)
        cached = _verified(cache, rel, ident, key, shown)  # verified before (an export)
        if cached is not None:
            done.append(cached)
        else:
            jobs.append((key, ident, shown, rel, text))
    work = [(shown, rel, text) for _, _, shown, rel, text in jobs]
    results = _check_all(work, parallel, meanwhile)
    for (key, ident, _, rel, _), result in zip(jobs, results, strict=True):
        if isinstance(result, Finding):
            findings.append(result)
        else:
            if key is not None:
                cache.put(rel, ident, key, result)
            done.append(result)
    cache.forget_unseen()
    cache.save()
    return done, findings


def _check_all(
    work: list[tuple[str, str, str]],
    parallel: bool,
    meanwhile: Callable[[], None] | None = None,
) -> list[SignOff | Finding]:
    """Parse and verify sign-offs, on every core when there are enough to pay for it."""
    cores = os.cpu_count() or 1
    if not (parallel and len(work) >= PARALLEL_THRESHOLD and cores > 1):
        return [_check_file(job) for job in work]
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only when used

    with ProcessPoolExecutor() as pool:
        size = max(1, len(work) // (cores * 4))
        pending = pool.map(_check_file, work, chunksize=size)  # submitted at once
        if meanwhile is not None:
            meanwhile()
        return list(pending)


def _read_in_background(
    approvals: Path, cache_path: Path | None
) -> tuple[list[SignOff], list[Finding]]:
    return read_signoffs(approvals, cache_path, parallel=False)


def start_reading(
    approvals: Path, cache_path: Path | None
) -> Future[tuple[list[SignOff], list[Finding]]]:
    """Read and verify sign-offs in another process while Pelican reads the content.

    Pelican builds on one core; on a cold run the signature checks (about 0.11 ms each)
    then cost nothing but the other core. The result is collected by ``open_ledger``.
    """
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1)
    future = pool.submit(_read_in_background, approvals, cache_path)
    pool.shutdown(wait=False)
    return future
