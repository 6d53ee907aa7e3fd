"""The ledger: every sign-off of the site read, verified and admitted in one place.

Only this module (through ``signoff_reading.py``) reads ``approvals/``. Results are
cached on disk keyed on each sign-off's bytes and found again by file identity (see
cache.py), so a warm build reads only new or changed files and a fresh export verifies
only bytes never verified before; a cold run with many files spreads parsing and
signature checks over all cores while this process works out the items' digests.

Files are found and read through ``signoff_files.py``: regular files only, within
``SIGNOFF_LIMIT``; anything else is a ``Finding`` naming it that holds only the item whose
folder it is in. Nothing in ``approvals/`` can hang, loop or exhaust the build.

A verdict also answers for the text itself: the naskah checks (naskah.py) run on the
bytes the digest covers, and an item with any problem is ``perlu-diperbaiki``, never
publishable. Their scans are kept by source hash (naskah_cache.py), so a warm run reads
no source.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from . import clock
from .cache import ContentCache
from .digest import ContentDigest, Limits, content_digest
from .errors import Finding
from .items import discover_items
from .naskah import NEEDS_FIX, check_naskah, needs_fix_reason
from .naskah_cache import NaskahCache, SourceSeen
from .records import item_folder
from .roster import Roster
from .roster_file import load_roster
from .rules import Decision, Verdict, admit, judge
from .settings import GateSettings, load_settings, read_settings_file
from .signoff_reading import Reading, read_signoffs
from .signoff_reading import start_reading as start_reading  # the build's (gate.py)


_ITEM = "item\0"
_FOLDER = "folder\0"


def _concern(finding: Finding) -> str:
    """Return what a finding concerns: the item it names, or its file's folder under approvals/.

    A sign-off too broken to name its item concerns every item whose sign-off folder
    (``item_folder``) holds it.
    """
    if finding.item is not None:
        return _ITEM + finding.item
    return _FOLDER + posixpath.dirname(finding.path).split("/", 1)[-1]


@dataclass(frozen=True)
class Known:
    """The SHA-256 (hex) of files whose bytes the caller has verified, by path.

    A sealed publish exports the commit from blobs checked against their git object ids
    as they entered the machine's store (publishing/seal/blobs.py), and knows each
    file's SHA-256 from there. With them the ledger finds a sign-off verified before,
    and a source or attachment hashed before, without reading the file again; a file
    not named here, or whose hash no cache holds, is read as always. Only a regular file
    within its limit (its ``lstat``) is ever taken by its known hash.
    """

    content: Mapping[str, str]  # path under content/ -> sha256
    approvals: Mapping[str, str]  # path under approvals/ -> sha256


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
    #: The signing times of every validly signed sign-off: which of them count depends on
    #: "now" only through these (``admit``), so a status snapshot keys on them (snapshot.py).
    signed_times: tuple[datetime, ...] = field(default=(), repr=False)
    _digests: dict[str, ContentDigest] = field(default_factory=dict, repr=False)
    _sources: dict[str, str | None] = field(default_factory=dict, repr=False)
    _naskah: dict[str, tuple[Finding, ...]] = field(default_factory=dict, repr=False)
    _items: list[str] | None = field(default=None, repr=False)
    _indexed: tuple[list[Finding], int, dict[str, list[int]]] | None = field(
        default=None, repr=False
    )

    def items(self) -> list[str]:
        """Return the items under content/, listed once per ledger (one build or command).

        A cold ``invoke status`` lists them to work ahead while workers verify sign-offs
        (``read_ledger``), then judges that very list.
        """
        if self._items is None:
            self._items = discover_items(self.content)
        return self._items

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

    def prepare(self, items: list[str]) -> None:
        """Work out the items' digests and naskah checks ahead of their verdicts.

        Runs while worker processes verify sign-offs on a cold run (the checks do not
        depend on them). Only work ahead: an item that fails here is left to fail again,
        in the same way, where its verdict is asked for.
        """
        for item in items:
            try:
                self.naskah(item)
            except Exception:  # noqa: BLE001
                self._digests.pop(item, None)
                self._sources.pop(item, None)

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
            self.signed_times,
        )

    def save_cache(self) -> None:
        """Keep this run's content hashes and scans for the next run (sign-offs save themselves)."""
        self.cache.save()
        self.naskah_cache.save()

    def _index(self) -> dict[str, list[int]]:
        """Return the findings' positions by what they concern, made once per findings list.

        A verdict is asked for every item: scanning every finding each time was quadratic
        on a site with many findings. The index is kept with the list it was made from and
        its length, and made again if the list was replaced or grew, so it always answers as
        the scan did, in the list's order. (The list is held, not its ``id``, which a new
        list could reuse.)
        """
        kept = self._indexed
        if kept is None or kept[0] is not self.findings or kept[1] != len(self.findings):
            index: dict[str, list[int]] = defaultdict(list)
            for at, finding in enumerate(self.findings):
                index[_concern(finding)].append(at)
            kept = self._indexed = (self.findings, len(self.findings), dict(index))
        return kept[2]

    def _own(self, item: str) -> tuple[Finding, ...]:
        """Return the findings that concern ``item``, in the order of ``findings``."""
        index = self._index()
        named = index.get(_ITEM + item, [])
        folder = index.get(_FOLDER + item_folder(item), [])
        at = sorted(named + folder) if named and folder else named or folder
        return tuple(self.findings[i] for i in at)

    def verdict(self, item: str, changed_at: datetime | None = None) -> Verdict:
        """Judge ``item`` (a path under content/) at its current digest and text.

        A text that needs fixing is ``perlu-diperbaiki`` whatever its sign-offs say: never
        published, and the writer (no role) acts next; the sign-offs stay in ``chain``.
        """
        digest = self.digest(item)
        verdict = judge(
            item, digest.value, self.roster.roles, self.decisions.get(item, []), changed_at
        )
        own = self._own(item)
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
        keys = {_ITEM + item for item in items} | {_FOLDER + item_folder(item) for item in items}
        return [f for f in self.findings if _concern(f) not in keys] + [
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
    reading: Reading | None = None,
    limits: Limits | None = None,
    known: Known | None = None,
) -> Ledger:
    """Read every sign-off (or collect ``start_reading``'s result) and admit them.

    While worker processes verify sign-offs (a cold run), this process works out the
    items' digests and naskah checks: both cores stay busy. ``known``: see ``Known``.
    """
    ledger = Ledger(
        roster,
        approvals,
        content,
        now,
        {},
        [],
        ContentCache(cache_path, dict(known.content) if known else None),
        limits or Limits(),
        None,
        NaskahCache(cache_path),
    )
    if reading is not None:
        signoffs, findings = reading.result()
    else:

        def ahead() -> None:
            try:
                items = ledger.items()
            except OSError:  # said where the items are listed again, as before
                return
            ledger.prepare(items)

        signoffs, findings = read_signoffs(
            approvals, cache_path, meanwhile=ahead, known=known.approvals if known else None
        )
    decisions: dict[str, list[Decision]] = defaultdict(list)
    signed = [s.signed_at for s in signoffs if s.key is not None]
    for signoff in signoffs:
        admitted = admit(signoff, roster, now)
        if isinstance(admitted, Finding):
            findings.append(admitted)
        else:
            decisions[signoff.item].append(admitted)
    ledger.decisions, ledger.findings = dict(decisions), findings
    ledger.newest_signed = max(signed, default=None)
    ledger.signed_times = tuple(signed)
    return ledger


def load_trusted(settings: Mapping[str, Any]) -> tuple[GateSettings, Roster]:
    """Validate the gate's settings and load the roster verified against the anchor."""
    gs = load_settings(settings)
    return gs, load_roster(gs.approvals_path, gs.anchor, gs.allow_demo_keys)


def open_ledger(
    settings: Path | GateSettings,
    *,
    roster: Roster | None = None,
    now: datetime | None = None,
    reading: Reading | None = None,
    known: Known | None = None,
) -> Ledger:
    """Open the ledger of a site: settings file (or settings) -> roster -> sign-offs.

    The one way every command, the build and the preview load what the gate knows; a
    broken setting, roster or anchor raises the gate's error with its exit code.
    ``known``: the SHA-256 of files whose bytes the caller has verified (``Known``).
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
        known,
    )
