"""Reading approvals/: every sign-off file found, read, parsed and verified once.

Split from the ledger (which admits what is read here): an unchanged file is taken from
the cache (cache.py) without being read; a file in a new place, such as a fresh export
of a sealed publish, is read and found by the hash of its bytes; only bytes this cache
never verified are parsed and verified, in worker processes when there are many.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import SignoffCache, content_key, identity, key_of
from .errors import Finding
from .records import SignOff, parse_signoff
from .signatures import SIGNOFF_NAMESPACE, SignatureInvalid, verify_signature
from .signoff_files import refusal, walk
from .signoff_folder import Folder, read_text

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

PARALLEL_THRESHOLD = 400
#: Sign-offs per worker task: small enough that both workers finish at about the same
#: time, large enough that handing them over costs little (about 40 ms of work each).
CHUNK = 250

#: One sign-off to check: its path as shown, its path under approvals/ and its text.
Job = tuple[str, str, str]
#: A worker's answer: a sign-off's fields without its path, or the finding (see ``_sent``).
Sent = tuple[Any, ...] | Finding


def _check_file(job: Job) -> SignOff | Finding:
    """Parse and verify one sign-off file (runs in worker processes on cold runs).

    Whether a passkey's origin is the desk's is the roster's question (rules.py), so it
    is kept, not judged, here. The signed text and the signature are left behind once
    checked, as a cached sign-off holds them (cache.py): nobody reads them again, and on
    a cold run they were half of what the workers pickled back.
    """
    shown, rel, text = job
    parsed = parse_signoff(shown, rel, text)
    if isinstance(parsed, Finding):
        return parsed
    try:
        signed = verify_signature(
            parsed.payload.encode("utf-8"), parsed.signature, SIGNOFF_NAMESPACE
        )
    except UnicodeEncodeError:
        return _checked(parsed, error="teks yang ditandatangani bukan UTF-8 yang sah")
    except SignatureInvalid as error:
        return _checked(parsed, error=str(error))
    return _checked(parsed, signed.key, origin=signed.origin)


def _checked(
    p: SignOff, key: str | None = None, *, error: str | None = None, origin: str | None = None
) -> SignOff:
    """Return the parsed sign-off without its signed text and signature, with who signed.

    Made directly: ``dataclasses.replace`` costs twice as much, 20,000 times on a cold run.
    """
    return SignOff(
        p.path, p.item, p.role, p.signer, p.decision, p.note, p.signed_at, p.digest, "", "",
        key, error, origin,
    )  # fmt: skip


def _verified(
    cache: SignoffCache, rel: str, ident: str, key: str | None, shown: str
) -> SignOff | None:
    """Return the verification kept for the bytes of ``key``, noting this file holds them."""
    cached = cache.signoff(key, shown) if key else None
    if cached is not None and key is not None:
        cache.put(rel, ident, key, cached)
    return cached


def _sent(result: SignOff | Finding) -> Sent:
    """Return a worker's result as sent back: a sign-off as a tuple of its own fields.

    A tuple pickles in a third of the time of the dataclass; the path, the signed text
    and the signature are not sent (``_received`` puts back the path the job named).
    """
    if isinstance(result, Finding):
        return result
    r = result
    return (r.item, r.role, r.signer, r.decision, r.note, r.signed_at, r.digest, r.key,
            r.signature_error, r.origin)  # fmt: skip


def _received(shown: str, sent: Sent) -> SignOff | Finding:
    """Return the sign-off (or finding) of a worker's ``_sent`` answer for the file ``shown``."""
    if isinstance(sent, Finding):
        return sent
    item, role, signer, decision, note, at, digest, key, error, origin = sent
    return SignOff(
        shown, item, role, signer, decision, note, at, digest, "", "", key, error, origin
    )


def _check_chunk(jobs: list[Job]) -> list[Sent]:
    return [_sent(_check_file(job)) for job in jobs]


class _Checks:
    """The sign-offs to check, handed to worker processes while the files are still listed.

    Once ``PARALLEL_THRESHOLD`` sign-offs wait (and there is more than one core) the
    workers start, and every ``CHUNK`` after that goes to them at once, so they verify
    while this process still lists and reads, and later works ahead (``meanwhile``).
    Then this process checks, last first, the chunks no worker has started, until none
    is left: no core waits while another still has a queue. Fewer sign-offs are checked
    here, in order, as before.
    """

    def __init__(self, parallel: bool) -> None:
        self.parallel = parallel and (os.cpu_count() or 1) > 1
        self.waiting: list[Job] = []
        self.parts: list[tuple[Future[list[Sent]], list[Job]]] = []
        self.pool: ProcessPoolExecutor | None = None

    def add(self, job: Job) -> None:
        self.waiting.append(job)
        if self.parallel and len(self.waiting) >= (CHUNK if self.pool else PARALLEL_THRESHOLD):
            self._hand_over()

    def _hand_over(self) -> None:
        if self.pool is None:
            from concurrent.futures import ProcessPoolExecutor  # multiprocessing: when used

            self.pool = ProcessPoolExecutor()
        self.parts.append((self.pool.submit(_check_chunk, self.waiting), self.waiting))
        self.waiting = []

    def _own_share(self) -> dict[int, list[Sent]]:
        """Check here the chunks no worker has started (cancelled first), last first."""
        own: dict[int, list[Sent]] = {}
        for index in range(len(self.parts) - 1, -1, -1):
            future, jobs = self.parts[index]
            if not future.cancel():
                break
            own[index] = _check_chunk(jobs)
        return own

    def results(self, meanwhile: Callable[[], None] | None) -> Iterator[Sent]:
        """Yield every result (as ``_sent``) in the order added; run ``meanwhile`` meanwhile.

        A chunk's results are yielded as soon as it is done, so the caller files them
        while the workers still check the rest.
        """
        if self.pool is None:
            yield from _check_chunk(self.waiting)
            return
        try:
            if self.waiting:
                self._hand_over()
            if meanwhile is not None:
                meanwhile()
            own = self._own_share()
            for index, (future, _) in enumerate(self.parts):
                yield from own[index] if index in own else future.result()
        finally:
            self.pool.shutdown(cancel_futures=True)


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
    process still reads and later runs ``meanwhile``. ``known``: the SHA-256 of files
    (by path under approvals/) whose bytes the caller has verified already (a sealed
    publish's export): such a file verified before is found by that hash without being
    read.
    """
    cache = SignoffCache(cache_path, str(approvals))
    files = sorted(walk(str(approvals)), key=lambda pair: pair[0])
    folder = Folder(str(approvals))
    try:
        done, findings = _read_all(approvals, files, cache, folder, parallel, meanwhile, known)
    finally:
        folder.close()
    cache.forget_unseen()
    cache.save()
    return done, findings


def _read_all(
    approvals: Path,
    files: list[tuple[str, os.DirEntry[str]]],
    cache: SignoffCache,
    folder: Folder,
    parallel: bool,
    meanwhile: Callable[[], None] | None,
    known: Mapping[str, str] | None,
) -> tuple[list[SignOff], list[Finding]]:
    """``read_signoffs`` of the sorted ``files``: cached, known, or read and checked."""
    prefix = f"{approvals.name}/"
    done: list[SignOff] = []
    jobs: list[tuple[str | None, str, str, str]] = []  # key of the bytes, identity, rel, shown
    checks = _Checks(parallel)
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
        text = read_text(approvals, rel, shown, folder)
        if isinstance(text, Finding):
            findings.append(text)
            continue
        key = content_key(rel, text.encode("utf-8"), SIGNOFF_NAMESPACE)
        cached = _verified(cache, rel, ident, key, shown)  # verified before (an export)
        if cached is not None:
            done.append(cached)
        else:
            jobs.append((key, ident, rel, shown))
            checks.add((shown, rel, text))
    folder.close()  # read: the workers' answers may take a while
    for (key, ident, rel, shown), sent in zip(jobs, checks.results(meanwhile), strict=True):
        result = _received(shown, sent)
        if isinstance(result, Finding):
            findings.append(result)
        else:
            if key is not None:
                cache.put(rel, ident, key, result)
            done.append(result)
    return done, findings


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
