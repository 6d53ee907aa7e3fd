"""The preview's state for one Pelican instance, and what it knows about each item.

No Pelican here: content objects are only read (``relative_source_path``, ``url``,
``save_as``, ``lang``, ``status``). The verdicts come from the gate's own ledger and
rules, so the preview and the build never disagree about an item's state.
"""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from approval_gate.api import (
    SOURCE_SUFFIXES,
    Finding,
    GateSettings,
    Ledger,
    Roster,
    Verdict,
    item_folder,
    open_ledger,
)
from approval_gate.api import now as clock_now

from ..handoff import handoff, item_title
from .history import Change, changes_since
from .panel import ItemRecord
from .problems import LEFT_OUT, PelicanLog, content_finding
from .provider import PreviewApprovals
from .settings import PreviewConfig

#: Files changed within this long before a run started are checked for the marker too
#: (file times come from a coarse kernel clock).
CLOCK_SLACK_NS = 50_000_000


@dataclass(frozen=True)
class Request:
    """What changed since the last run: write only the pages of the items concerned."""

    content: frozenset[str] = frozenset()  # paths under content/ (items or attachments)
    approvals: frozenset[str] = frozenset()  # item folders under approvals/


def item_of(content: Any) -> str:
    """Return a content object's item path (under content/, POSIX)."""
    return str(content.relative_source_path).replace(os.sep, "/")


@dataclass
class PreviewState:
    """The plugin's state for one Pelican instance; per-run fields are reset each run."""

    gate: GateSettings
    config: PreviewConfig
    roster: Roster
    log: PelicanLog
    request: Request | None = None  # None: write every page
    interrupt: Callable[[], bool] | None = None
    # per run
    started_ns: int = 0
    now: datetime = field(default_factory=clock_now)
    ledger: Ledger | None = None
    contents: list[Any] = field(default_factory=list)
    selection: set[str] | None = None
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    approvals: PreviewApprovals | None = None  # this run's provider (see start_run)
    marked: set[str] = field(default_factory=set)  # pages marked (absolute paths)
    flagged: set[str] = field(default_factory=set)  # items shown with the draft banner
    skipped: set[str] = field(default_factory=set)  # content files Pelican could not read
    page_items: dict[str, str] = field(default_factory=dict)  # page (save_as) -> its item
    finished: bool = False
    # across runs
    changes: dict[tuple[str, str, str], Change] = field(default_factory=dict)
    last_reading: Ledger | None = None  # the sign-offs as last read (reused if unchanged)
    failed_pages: dict[str, Finding] = field(default_factory=dict)  # save_as -> why
    last_pages: dict[str, str] = field(default_factory=dict)  # item -> its page (save_as)
    # content files changed since Pelican last parsed them: their cached parse is dropped
    # before the next run reads (see ``plugin.forget_changed``)
    reread: set[str] = field(default_factory=set)

    def start_run(self) -> None:
        """Forget the previous run (failed pages survive a run that does not rewrite them)."""
        self.started_ns = time.time_ns() - CLOCK_SLACK_NS
        self.now = clock_now(self.gate.now)
        self.ledger, self.contents, self.selection = None, [], None
        self.approvals = PreviewApprovals(self.roster)
        self.verdicts, self.marked, self.flagged, self.finished = {}, set(), set(), False
        self.skipped, self.page_items = set(), {}
        if self.request is None:
            self.failed_pages = {}

    def read(self, contents: list[Any], skipped: set[str]) -> None:
        """Take this run's content objects and sign-offs; choose the pages to write."""
        self.contents, self.skipped = contents, skipped
        self.ledger = self._open_ledger()
        assert self.approvals is not None
        self.approvals.fill(self.now, contents, self.verdict)
        if self.request is None:
            self.selection = None
        else:
            self.selection = {c.save_as for c in contents if self._concerned(item_of(c))}

    def _open_ledger(self) -> Ledger:
        """Read the sign-offs, or reuse the last reading when no sign-off changed."""
        request = self.request
        if self.last_reading is None or request is None or request.approvals:
            self.last_reading = open_ledger(self.gate, roster=self.roster, now=self.now)
            return self.last_reading
        return self.last_reading.reuse(self.now)

    def _concerned(self, item: str) -> bool:
        """Tell whether an incremental run must rewrite ``item``'s page."""
        request = self.request
        assert request is not None and self.ledger is not None
        if item in request.content or item_folder(item) in request.approvals:
            return True
        attachments = {
            path
            for path in request.content
            if posixpath.splitext(path)[1].lower() not in SOURCE_SUFFIXES
        }
        digest = self.ledger.digest(item)
        return bool(attachments) and not attachments.isdisjoint(digest.files + digest.missing)

    def pages(self) -> dict[str, str]:
        """Return every item's page URL (relative to the site)."""
        return {item_of(content): content.url for content in self.contents}

    def page_failed(self, page: str, finding: Finding) -> None:
        """Note that ``page`` could not be written as the theme makes it."""
        self.failed_pages[page] = finding

    def page_written(self, page: str, item: str | None) -> None:
        """Note that ``page`` was written (for ``item``'s own page, that item)."""
        self.failed_pages.pop(page, None)
        if item is not None:
            self.page_items[page] = item

    def skip_reason(self, item: str) -> Finding:
        """Return why Pelican could not read ``item`` (as it logged it, once per process)."""
        return self.log.skips.get(item) or content_finding(
            item, "Pelican tidak dapat membaca naskah ini" + LEFT_OUT, "Periksa metadatanya."
        )

    def broken(self) -> list[Finding]:
        """Return what could not be shown right: unreadable files, then failed pages."""
        found = [self.skip_reason(item) for item in sorted(self.skipped)]
        return found + [self.failed_pages[page] for page in sorted(self.failed_pages)]

    def problems(self) -> list[Finding]:
        """Return this run's problems, one each: unreadable files, failed pages, findings."""
        found = self.broken()
        found += [f for item in sorted(self.verdicts) for f in self.verdicts[item].findings]
        found += self.log.notes
        unique: dict[str, Finding] = {}
        for finding in found:
            unique.setdefault(finding.render(), finding)
        return list(unique.values())

    def verdict(self, item: str) -> Verdict:
        """Return the gate's verdict on ``item`` (once per run)."""
        assert self.ledger is not None
        if item not in self.verdicts:
            self.verdicts[item] = self.ledger.verdict(item)
        return self.verdicts[item]

    def _change(self, item: str, digest: str) -> Change | None:
        assert self.ledger is not None
        older = [
            d
            for d in self.ledger.decisions.get(item, [])
            if d.digest != digest and d.decision == "setuju"
        ]
        if not older:
            return None
        approved = max(older, key=lambda d: d.signed_at).digest
        key = (item, approved, digest)
        if key not in self.changes:
            self.changes[key] = changes_since(self.gate.content_path, item, approved)
        return self.changes[key]

    def record(self, content: Any) -> ItemRecord:
        """Gather what the banner and panel show about one item."""
        assert self.ledger is not None
        item = item_of(content)
        verdict = self.verdict(item)
        change = self._change(item, verdict.digest) if verdict.state == "kedaluwarsa" else None
        title = item_title(self.gate.content_path, item)
        made = handoff(verdict, self.roster, self.now, title, self.config.base_url + content.url)
        return ItemRecord(
            verdict,
            tuple(self.ledger.decisions.get(item, [])),
            change,
            made,
            getattr(content, "status", "") == "draft",
            tuple(self.log.warned.get(item, ())),
        )
