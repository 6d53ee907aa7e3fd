"""The ledger: every sign-off of the site read, verified and admitted in one place.

This is the only module that reads ``approvals/``. Results are cached on disk keyed on
each file's identity (see cache.py), so a warm build reads only new or changed files; a
cold run with many files spreads parsing and signature checks over all cores.

Files are found and read through ``signoff_files.py``: regular files only, within
``SIGNOFF_LIMIT``; anything else is a ``Finding`` naming it that holds only the item whose
folder it is in. Nothing in ``approvals/`` can hang, loop or exhaust the build.

A verdict also answers for the text itself: the naskah checks (naskah.py) run on the
bytes the digest covers, and an item with any problem is ``perlu-diperbaiki``, never
publishable. Their scans are kept by source hash (naskah_cache.py), so a warm run reads
no source.
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from . import clock
from .cache import ContentCache, SignoffCache, identity
from .digest import ContentDigest, Limits, content_digest
from .errors import Finding
from .naskah import NEEDS_FIX, check_naskah, needs_fix_reason
from .naskah_cache import NaskahCache, SourceSeen
from .records import SignOff, item_folder, parse_signoff
from .roster import Roster
from .roster_file import load_roster
from .rules import Decision, Verdict, admit, judge
from .settings import GateSettings, load_settings, read_settings_file
from .signatures import SIGNOFF_NAMESPACE, SignatureInvalid, signing_key
from .signoff_files import read_text, refusal, walk

PARALLEL_THRESHOLD = 400


def _check_file(job: tuple[str, str, str]) -> SignOff | Finding:
    """Parse and verify one sign-off file (runs in worker processes on cold runs)."""
    path, rel, text = job
    parsed = parse_signoff(path, rel, text)
    if isinstance(parsed, Finding):
        return parsed
    try:
        payload = parsed.payload.encode("utf-8")
        key = signing_key(payload, parsed.signature, SIGNOFF_NAMESPACE)
    except UnicodeEncodeError:
        return replace(parsed, signature_error="teks yang ditandatangani bukan UTF-8 yang sah")
    except SignatureInvalid as error:
        return replace(parsed, signature_error=str(error))
    return replace(parsed, key=key)


def read_signoffs(
    approvals: Path, cache_path: Path | None, parallel: bool = True
) -> tuple[list[SignOff], list[Finding]]:
    """Read, shape-check and verify every sign-off file under ``approvals``."""
    cache = SignoffCache(cache_path)
    prefix = f"{approvals.name}/"
    files = sorted(walk(str(approvals)), key=lambda pair: pair[0])
    done: list[SignOff] = []
    jobs: list[tuple[str, str, str, str]] = []
    findings: list[Finding] = []
    for rel, entry in files:
        shown = prefix + rel
        info = entry.stat(follow_symlinks=False)
        refused = refusal(shown, entry, info)
        if refused is not None:
            findings.append(refused)
            continue
        ident = identity(info)
        cached = cache.signoff(rel, ident, shown)
        if cached is not None:
            done.append(cached)
            continue
        text = read_text(approvals, rel, shown)
        if isinstance(text, Finding):
            findings.append(text)
            continue
        jobs.append((ident, shown, rel, text))
    work = [(shown, rel, text) for _, shown, rel, text in jobs]
    if parallel and len(work) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor() as pool:
            size = max(1, len(work) // ((os.cpu_count() or 1) * 4))
            results = list(pool.map(_check_file, work, chunksize=size))
    else:
        results = [_check_file(job) for job in work]
    for (ident, _, rel, _), result in zip(jobs, results, strict=True):
        if isinstance(result, Finding):
            findings.append(result)
        else:
            cache.put_signoff(rel, ident, result)
            done.append(result)
    cache.forget_unseen()
    cache.save()
    return done, findings


def _read_in_background(
    approvals: Path, cache_path: Path | None
) -> tuple[list[SignOff], list[Finding]]:
    signoffs, findings = read_signoffs(approvals, cache_path, parallel=False)
    # Verified already: leave the bulky signed texts behind instead of pickling them back.
    return [replace(s, payload="", signature="") for s in signoffs], findings


def start_reading(
    approvals: Path, cache_path: Path | None
) -> Future[tuple[list[SignOff], list[Finding]]]:
    """Read and verify sign-offs in another process while Pelican reads the content.

    Pelican builds on one core; on a cold run the signature checks (about 0.11 ms each)
    then cost nothing but the other core. The result is collected by ``open_ledger``.
    """
    pool = ProcessPoolExecutor(max_workers=1)
    future = pool.submit(_read_in_background, approvals, cache_path)
    pool.shutdown(wait=False)
    return future


@dataclass
class Ledger:
    """All counted decisions by item, plus the problems found on the way."""

    roster: Roster
    approvals: Path
    content: Path
    now: datetime
    decisions: dict[str, list[Decision]]
    findings: list[Finding] = field(default_factory=list)
    cache: ContentCache = field(default_factory=lambda: ContentCache(None), repr=False)
    limits: Limits = field(default_factory=Limits)
    #: The newest signing time of any validly signed sign-off, counted or not (a time
    #: "in the future" is exactly what a clock set back produces): the clock rail's input.
    newest_signed: datetime | None = None
    naskah_cache: NaskahCache = field(default_factory=lambda: NaskahCache(None), repr=False)
    _digests: dict[str, ContentDigest] = field(default_factory=dict, repr=False)
    _sources: dict[str, str | None] = field(default_factory=dict, repr=False)
    _naskah: dict[str, tuple[Finding, ...]] = field(default_factory=dict, repr=False)

    def digest(self, item: str) -> ContentDigest:
        """Return the item's digest, computed once per ledger (one build or command).

        When the digest reads the source (its file changed), the naskah scan is made from
        those same bytes, so no source is read twice.
        """
        if item not in self._digests:
            files = SourceSeen(self.content, self.cache, self.limits, item)
            self._digests[item] = content_digest(self.content, item, files)
            self._sources[item] = files.sha
            if files.kept is not None and files.sha is not None:
                if self.naskah_cache.scan(item, files.sha) is None:
                    self.naskah_cache.keep_scan(item, files.sha, files.kept)
        return self._digests[item]

    def naskah(self, item: str) -> tuple[Finding, ...]:
        """Return what must be fixed in the item's text before anyone signs it (naskah.py)."""
        if item not in self._naskah:
            digest = self.digest(item)
            scan = self.naskah_cache.scan_of(self.content, item, self._sources[item], self.limits)
            self._naskah[item] = check_naskah(self.content, item, digest, scan=scan)
        return self._naskah[item]

    def reuse(self, now: datetime) -> Ledger:
        """Return a ledger with these decisions at ``now`` (no sign-off changed since)."""
        return Ledger(
            self.roster,
            self.approvals,
            self.content,
            now,
            self.decisions,
            list(self.findings),
            ContentCache(self.cache.folder),
            self.limits,
            self.newest_signed,
            NaskahCache(self.naskah_cache.folder),
        )

    def save_cache(self) -> None:
        """Keep this run's content hashes and scans for the next run (sign-offs save themselves)."""
        self.cache.save()
        self.naskah_cache.save()

    def _concerns(self, finding: Finding, item: str) -> bool:
        if finding.item is not None:
            return finding.item == item
        folder = posixpath.dirname(finding.path).split("/", 1)[-1]
        return folder == item_folder(item)  # a file too broken to name its item

    def verdict(self, item: str, changed_at: datetime | None = None) -> Verdict:
        """Judge ``item`` (a path under content/) at its current digest and text.

        A text that needs fixing is ``perlu-diperbaiki`` whatever its sign-offs say: never
        published, and the writer (no role) acts next; the sign-offs stay in ``chain``.
        """
        digest = self.digest(item)
        verdict = judge(
            item, digest.value, self.roster.roles, self.decisions.get(item, []), changed_at
        )
        own = tuple(f for f in self.findings if self._concerns(f, item))
        problems = self.naskah(item)
        if own or problems:
            verdict = replace(verdict, findings=problems + own + verdict.findings)
        if problems:
            verdict = replace(
                verdict,
                state=NEEDS_FIX,
                role=None,
                reason=needs_fix_reason(problems),
                waiting_since=changed_at or verdict.waiting_since,
            )
        return verdict

    def orphans(self, items: set[str]) -> list[Finding]:
        """Return findings for sign-offs that name no existing item."""
        return [f for f in self.findings if not any(self._concerns(f, item) for item in items)] + [
            Finding(
                d.path,
                f"Item {d.item!r} tidak ada di folder content/.",
                "Periksa nama berkasnya; mungkin item itu dipindah atau dihapus.",
                None,
                d.item,
            )
            for item, ds in self.decisions.items()
            if item not in items
            for d in ds
        ]


def read_ledger(
    roster: Roster,
    approvals: Path,
    content: Path,
    now: datetime,
    cache_path: Path | None,
    reading: Future[tuple[list[SignOff], list[Finding]]] | None = None,
    limits: Limits | None = None,
) -> Ledger:
    """Read every sign-off (or collect ``start_reading``'s result) and admit them."""
    if reading is not None:
        signoffs, findings = reading.result()
    else:
        signoffs, findings = read_signoffs(approvals, cache_path)
    decisions: dict[str, list[Decision]] = defaultdict(list)
    signed = [s.signed_at for s in signoffs if s.key is not None]
    for signoff in signoffs:
        admitted = admit(signoff, roster, now)
        if isinstance(admitted, Finding):
            findings.append(admitted)
        else:
            decisions[signoff.item].append(admitted)
    return Ledger(
        roster,
        approvals,
        content,
        now,
        dict(decisions),
        findings,
        ContentCache(cache_path),
        limits or Limits(),
        max(signed, default=None),
        NaskahCache(cache_path),
    )


def load_trusted(settings: Mapping[str, Any]) -> tuple[GateSettings, Roster]:
    """Validate the gate's settings and load the roster verified against the anchor."""
    gs = load_settings(settings)
    return gs, load_roster(gs.approvals_path, gs.anchor, gs.allow_demo_keys)


def open_ledger(
    settings: Path | GateSettings,
    *,
    roster: Roster | None = None,
    now: datetime | None = None,
    reading: Future[tuple[list[SignOff], list[Finding]]] | None = None,
) -> Ledger:
    """Open the ledger of a site: settings file (or settings) -> roster -> sign-offs.

    The one way every command, the build and the preview load what the gate knows; a
    broken setting, roster or anchor raises the gate's error with its exit code.
    """
    if isinstance(settings, Path):
        gs, roster = load_trusted(read_settings_file(settings))
    else:
        gs = settings
        roster = roster or load_roster(gs.approvals_path, gs.anchor, gs.allow_demo_keys)
    return read_ledger(
        roster,
        gs.approvals_path,
        gs.content_path,
        now or clock.now(gs.now),
        gs.cache_path,
        reading,
        Limits(gs.max_source_bytes, gs.max_attachment_bytes),
    )
