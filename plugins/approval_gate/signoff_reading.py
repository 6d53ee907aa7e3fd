"""Reading approvals/: every sign-off file found, read, parsed and verified once.

Split from the ledger (which admits what is read here): an unchanged file is taken from
the cache (cache.py) without being read; a file in a new place, such as a fresh export
of a sealed publish, is read and found by the hash of its bytes; only bytes this cache
never verified are parsed and verified, in worker processes when there are many. When
nothing can be found by its bytes (a cold cache), the workers read the files too: this
process only lists them.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from .cache import Signer, SignoffCache, content_key, entry_of, identity, key_of, signoff_of
from .errors import Finding
from .records import SignOff, parse_signoff
from .signatures import SIGNOFF_NAMESPACE, SignatureInvalid, verify_signature
from .signoff_files import FolderReader, read_text, refusal, walk

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

PARALLEL_THRESHOLD = 400
#: Sign-offs per worker task: small enough that both workers finish at about the same
#: time, large enough that handing them over costs little (about 40 ms of work each).
CHUNK = 250

#: One sign-off to check: its path as shown, its path under approvals/ and its text.
Job = tuple[str, str, str]
#: A sign-off to read and check: as ``Job``, its text None when the checker reads it.
Task = tuple[str, str, str | None]
#: What a check gives back: the key of the bytes checked (None: none read) and the result.
Checked = tuple[str | None, "SignOff | Finding"]
#: What a worker sends back for one check: a sign-off as its cache entry (``entry_of``).
Sent = tuple[str | None, "list[Any] | Finding"]
#: A result as ``read_signoffs`` files it: with the sign-off's cache entry when known.
Filed = tuple[str | None, "SignOff | Finding", "list[Any] | None"]
_Result = TypeVar("_Result")


def _check_file(job: Job) -> SignOff | Finding:
    """Parse and verify one sign-off file (in this process; the workers use ``_entry``).

    Whether a passkey's origin is the desk's is the roster's question (rules.py), so it
    is kept, not judged, here. The signed text and the signature are left behind once
    checked, as a cached sign-off holds them (cache.py): nobody reads them again, and on
    a cold run they were half of what the workers pickled back.
    """
    shown, rel, text = job
    parsed = parse_signoff(shown, rel, text)
    if isinstance(parsed, Finding):
        return parsed
    key, error, origin = _signer(parsed)
    return SignOff(
        parsed.path, parsed.item, parsed.role, parsed.signer, parsed.decision, parsed.note,
        parsed.signed_at, parsed.digest, "", "", key, error, origin,
    )  # fmt: skip


def _signer(parsed: SignOff) -> Signer:
    """Return who validly signed ``parsed`` (key, why nobody did, a passkey's origin)."""
    try:
        signed = verify_signature(
            parsed.payload.encode("utf-8"), parsed.signature, SIGNOFF_NAMESPACE
        )
    except UnicodeEncodeError:
        return None, "teks yang ditandatangani bukan UTF-8 yang sah", None
    except SignatureInvalid as error:
        return None, str(error), None
    return signed.key, None, signed.origin


def _entry(job: Job) -> list[Any] | Finding:
    """``_check_file`` as a worker sends it: the cache's entry (``entry_of``) at once.

    Made straight from the parsed sign-off, without the checked ``SignOff`` in between
    (a frozen dataclass costs about 1 us to make, 20,000 times on a cold run).
    """
    shown, rel, text = job
    parsed = parse_signoff(shown, rel, text)
    if isinstance(parsed, Finding):
        return parsed
    return entry_of(parsed, _signer(parsed))


def _verified(
    cache: SignoffCache, rel: str, ident: str | None, key: str | None, shown: str
) -> SignOff | None:
    """Return the verification kept for the bytes of ``key``, noting this file holds them.

    ``ident`` None: a file whose hash the caller vouched for, never noted by identity.
    """
    if not key:
        return None
    return cache.vouched(key, shown) if ident is None else cache.take(rel, ident, key, shown)


def _check_task(reader: FolderReader, task: Task) -> Checked:
    """Read (when the text is not given), parse and verify one sign-off file.

    The key of the verification is made here, from the very bytes parsed and verified,
    so a result is only ever cached for what was checked. On a cold run the workers read
    the files themselves: the parent only lists them (about 0.4 s less on its path at
    20,000 sign-offs, and 26 MB of text not pickled to the workers).
    """
    return _read_task(reader, task, _check_file)


def _read_task(
    reader: FolderReader, task: Task, check: Callable[[Job], _Result]
) -> tuple[str | None, _Result | Finding]:
    """``_check_task`` with ``check`` as the parse and verification."""
    shown, rel, text = task
    if text is None:
        read = reader.read(rel, shown)
        if isinstance(read, Finding):
            return None, read
        text = read
    key = content_key(rel, text.encode("utf-8"), SIGNOFF_NAMESPACE)
    return key, check((shown, rel, text))


def _check_chunk(approvals: Path, tasks: list[Task]) -> list[Sent]:
    """Check ``tasks`` in a worker; send each sign-off back as the entry the cache keeps.

    A plain list pickles in a third of the time of the dataclass (whose time zone and
    field names go over again for every sign-off), and the parent stores it as it is.
    """
    with FolderReader(approvals) as reader:
        return [_read_task(reader, task, _entry) for task in tasks]


def _received(task: Task, sent: Sent) -> Filed:
    """Return a worker's result for ``task`` as ``read_signoffs`` files it."""
    key, result = sent
    if isinstance(result, Finding):
        return key, result, None
    signoff = signoff_of(result, task[0])
    if signoff is None:  # cannot happen (the entry was just made); never count it
        raise RuntimeError(f"hasil pemeriksaan rusak: {task[0]}")
    return key, signoff, result


class _Checks:
    """The sign-offs to check, handed to worker processes while the files are still listed.

    Once ``PARALLEL_THRESHOLD`` sign-offs wait (and there is more than one core) the
    workers start, and every ``CHUNK`` after that goes to them at once, so they read and
    verify while this process still lists, and later works ahead (``meanwhile``). Fewer
    sign-offs are checked here, in order, as before.
    """

    def __init__(self, approvals: Path, parallel: bool) -> None:
        self.approvals = approvals
        self.parallel = parallel and (os.cpu_count() or 1) > 1
        self.waiting: list[Task] = []
        self.parts: list[tuple[list[Task], Future[list[Sent]]]] = []
        self.pool: ProcessPoolExecutor | None = None

    def add(self, task: Task) -> None:
        self.waiting.append(task)
        if self.parallel and len(self.waiting) >= (CHUNK if self.pool else PARALLEL_THRESHOLD):
            self._hand_over()

    def _hand_over(self) -> None:
        if self.pool is None:
            from concurrent.futures import ProcessPoolExecutor  # multiprocessing: when used

            self.pool = ProcessPoolExecutor()
        part = self.pool.submit(_check_chunk, self.approvals, self.waiting)
        self.parts.append((self.waiting, part))
        self.waiting = []

    def results(self, meanwhile: Callable[[], None] | None) -> Iterator[Filed]:
        """Yield every result in the order added; run ``meanwhile`` while workers check.

        A chunk's results are yielded as soon as it is done, so the caller files them
        while the workers still check the rest.
        """
        if self.pool is None:
            with FolderReader(self.approvals) as reader:
                for task in self.waiting:
                    yield (*_check_task(reader, task), None)
            return
        try:
            if self.waiting:
                self._hand_over()
            if meanwhile is not None:
                meanwhile()
            for tasks, part in self.parts:
                for task, sent in zip(tasks, part.result(), strict=True):
                    yield _received(task, sent)
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
    process still lists and later runs ``meanwhile`` (with an empty ``verified.json``
    the workers read the files as well). ``known``: the SHA-256 of files
    (by path under approvals/) whose bytes the caller has verified already (a sealed
    publish's export): such a file verified before is found by that hash without being
    read, and never by identity (``SignoffCache.vouched``: an export's identities never
    match again, so they are neither looked up nor kept).
    """
    cache = SignoffCache(cache_path, str(approvals))
    prefix = f"{approvals.name}/"
    files = sorted(walk(str(approvals)), key=lambda pair: pair[0])
    done: list[SignOff] = []
    jobs: list[tuple[str | None, str]] = []  # identity (None: vouched for), rel
    checks = _Checks(approvals, parallel)
    findings: list[Finding] = []
    for rel, entry in files:
        shown = prefix + rel
        info = entry.stat(follow_symlinks=False)
        refused = refusal(shown, entry, info)
        if refused is not None:
            findings.append(refused)
            continue
        sha = known.get(rel) if known else None
        ident: str | None = None
        if sha is not None:  # vouched for: found by those bytes, never by identity
            cached = _verified(cache, rel, None, key_of(rel, sha, SIGNOFF_NAMESPACE), shown)
        else:
            ident = identity(info)
            cached = cache.known(rel, ident, shown)
        if cached is not None:
            done.append(cached)
            continue
        if not cache.verified.data["verified"]:  # nothing to find by bytes: a worker reads
            jobs.append((ident, rel))
            checks.add((shown, rel, None))
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
            jobs.append((ident, rel))
            checks.add((shown, rel, text))
    for (ident, rel), (key, result, kept) in zip(jobs, checks.results(meanwhile), strict=True):
        if isinstance(result, Finding):
            findings.append(result)
        else:
            if key is not None:
                cache.put(rel, ident, key, kept or entry_of(result))
            done.append(result)
    # By file, as listed: a cold run's workers find a file unreadable where a warm run
    # finds it while listing, and status must show the same order either way.
    findings.sort(key=lambda finding: finding.path)
    cache.forget_unseen()
    cache.save()
    return done, findings


class Reading:
    """Sign-offs read and verified in a forked process, collected with ``result``.

    The forked process writes what it read to an unnamed temporary file and ends; only
    then does ``result`` load it. The reader (about 140 MB at 10,000 items: the cache
    tables and 40,000 sign-offs) is never in memory beside the Pelican process that
    takes its result, as it was when a pool's worker sent the result back the moment it
    was done (docs/publishing.md, "Memory of a publish").

    Fail closed: a process that gives no answer (it raised, was killed, or could not
    be forked) changes nothing but where the work is done: ``result`` then reads and
    verifies here, and raises what that reading raises.
    """

    def __init__(
        self, approvals: Path, cache_path: Path | None, known: Mapping[str, str] | None
    ) -> None:
        self.work = (approvals, cache_path, known)
        self.pid = 0
        self.answer: IO[bytes] | None = None
        if not hasattr(os, "fork"):
            return
        try:
            self.answer = tempfile.TemporaryFile()  # noqa: SIM115 - closed by ``result``
            self.pid = os.fork()
        except OSError:
            return
        if self.pid == 0:  # pragma: no cover - the forked reader (its answer is tested)
            self._answer(self.answer)

    def _answer(self, answer: IO[bytes]) -> None:  # pragma: no cover - forked reader
        """Read, write the answer and end the forked process, never returning into Pelican."""
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            pickle.dump(self._read(), answer, protocol=pickle.HIGHEST_PROTOCOL)
            answer.close()
            code = 0
        finally:
            os._exit(code)

    def result(self) -> tuple[list[SignOff], list[Finding]]:
        """Wait for the reader to end, then return its answer (or read here)."""
        answer, self.answer = self.answer, None
        if answer is None:
            return self._read()
        with answer:
            if self.pid > 0:
                _, status = os.waitpid(self.pid, 0)
                if os.waitstatus_to_exitcode(status) == 0:
                    answer.seek(0)
                    found: tuple[list[SignOff], list[Finding]] = pickle.load(answer)  # noqa: S301 - our fork's
                    return found
        return self._read()

    def _read(self) -> tuple[list[SignOff], list[Finding]]:
        """Read and verify the sign-offs in this process (the reader's work)."""
        approvals, cache_path, known = self.work
        return read_signoffs(approvals, cache_path, parallel=False, known=known)


def start_reading(
    approvals: Path, cache_path: Path | None, known: Mapping[str, str] | None = None
) -> Reading:
    """Read and verify sign-offs in another process while Pelican reads the content.

    Pelican builds on one core; on a cold run the signature checks (about 0.11 ms each)
    then cost nothing but the other core. The result is collected by ``open_ledger``.
    ``known``: as ``read_signoffs``'s (a sealed build's, export_hashes.py).
    """
    return Reading(approvals, cache_path, known)
