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
    finished: bool = False
    # across runs
    changes: dict[tuple[str, str, str], Change] = field(default_factory=dict)
    last_reading: Ledger | None = None  # the sign-offs as last read (reused if unchanged)

    def start_run(self) -> None:
        """Forget the previous run."""
        self.started_ns = time.time_ns() - CLOCK_SLACK_NS
        self.now = clock_now(self.gate.now)
        self.ledger, self.contents, self.selection = None, [], None
        self.approvals = PreviewApprovals(self.roster)
        self.verdicts, self.marked, self.flagged, self.finished = {}, set(), set(), False

    def read(self, contents: list[Any]) -> None:
        """Take this run's content objects and sign-offs; choose the pages to write."""
        self.contents = contents
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
        return bool(attachments) and not attachments.isdisjoint(self.ledger.digest(item).files)

    def pages(self) -> dict[str, str]:
        """Return every item's page URL (relative to the site)."""
        return {item_of(content): content.url for content in self.contents}

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
        )
