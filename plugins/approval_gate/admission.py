"""Admitting one Pelican content object: its verdict, its links, its schedule.

Every article, page and translation passes through ``admit`` before Pelican builds
listings, feeds and taxonomies from the lists; what it refuses is recorded in the
manifest with its reason, and its files are remembered so the static stage can drop the
files only removed items link to. Content objects are only read here (Pelican pickles
them into its cache).
"""

from __future__ import annotations

import logging
import os
import posixpath
from datetime import datetime
from pathlib import Path
from typing import Any

from .clock import WIB
from .errors import Finding
from .gate_run import BuildRun
from .naskah_cache import read_by_reader
from .rules import Verdict
from .schedule import EXPIRY_KEY, parse_expiry, timing

logger = logging.getLogger("approval_gate.gate")  # the gate's messages, as before the split


def item_path(content: Any) -> str:
    """Return the item of a content object: its source path under content/ (POSIX)."""
    return str(content.relative_source_path).replace(os.sep, "/")


def pelican_links(content: Any) -> set[str]:
    """Return the files Pelican copies for ``content`` ({static}, {attach}), normalised.

    These come from Pelican's own parsing of the rendered page, so they are the files that
    really get published, however the link was written (spaces, quotes, escapes).
    """
    links = content.get_static_links()
    return {posixpath.normpath(str(link).replace(os.sep, "/")) for link in links}


def _links(run: BuildRun, content: Any, item: str, linked: set[str] | None = None) -> set[str]:
    found = pelican_links(content) if linked is None else linked
    return found | {posixpath.normpath(f) for f in run.ledger.digest(item).files[1:]}


def _uncovered(run: BuildRun, item: str, linked: set[str]) -> Finding | None:
    """Return a finding when Pelican links a file that the item's digest does not cover.

    The digest's file list and what Pelican copies must be one set: a file outside the
    digest could be replaced after approval and go live while the item stays complete.
    """
    outside = sorted(linked - set(run.ledger.digest(item).files))
    if not outside:
        return None
    return Finding(
        f"content/{item}",
        f"Tautan ke berkas yang tidak tercakup persetujuan: {', '.join(outside)}.",
        "Pelican menautkan berkas itu, tetapi digest persetujuan tidak mencakupnya (berkas "
        "tidak ada, atau namanya dengan spasi, kurung, tanda kutip atau %-escape dibaca "
        "berbeda). Perbaiki tautan atau nama berkasnya, lalu minta persetujuan ulang.",
        None,
        item,
    )


def _verdict(run: BuildRun, item: str) -> Verdict:
    """Judge ``item``; its digest may take the hash of the bytes Pelican's reader read.

    The hash is known to the content cache for this one digest only (naskah_cache.py).
    """
    ledger = run.ledger
    given = read_by_reader(ledger.content, item, ledger.cache, ledger.limits)
    try:
        return ledger.verdict(item)
    finally:
        if given:
            del ledger.cache.known[item]


def admit(run: BuildRun, generator: Any, content: Any) -> bool:
    """Tell whether ``content`` is published; record either answer in the manifest."""
    item = item_path(content)
    verdict = _verdict(run, item)
    linked = pelican_links(content)
    for finding in verdict.findings:
        logger.warning("%s", finding.render())
        run.manifest.findings.append(finding)
    state, reason = verdict.state, verdict.reason
    if verdict.publishable:
        uncovered = _uncovered(run, item, linked)
        if uncovered is not None:
            logger.warning("%s", uncovered.render())
            run.manifest.findings.append(uncovered)
            state, reason = "ditahan", uncovered.message[0].lower() + uncovered.message[1:-1]
        else:
            state, reason = _on_schedule(run, content, item)
        if state == "tayang":
            run.manifest.include(verdict, content.url, content.save_as, content.lang)
            run.included_links |= _links(run, content, item, linked)
            return True
    logger.warning("Tidak diterbitkan: %s (%s)", item, reason)
    run.manifest.exclude(item, state, reason, verdict.digest)
    run.excluded_links |= _links(run, content, item, linked)
    generator.context["generated_content"].pop(content.get_relative_source_path(), None)
    return False


def _on_schedule(run: BuildRun, content: Any, item: str) -> tuple[str, str]:
    """Apply embargo (a future ``Date``) and expiry (``berlaku_sampai``) to an approved item."""
    value = content.metadata.get(EXPIRY_KEY)
    ends: datetime | Finding | None = None  # most items have none: no path is made
    if value not in (None, ""):
        source = Path(content.source_path) if getattr(content, "source_path", None) else None
        ends = parse_expiry(value, source, f"content/{item}", item)
    if isinstance(ends, Finding):
        logger.warning("%s", ends.render())
        run.manifest.findings.append(ends)
        return "ditahan", ends.message
    starts = getattr(content, "date", None)
    if starts is not None and starts.tzinfo is None:
        starts = starts.replace(tzinfo=WIB)
    when = timing(starts, ends, run.ledger.now)
    if when.next_change is not None:
        run.manifest.schedule(item, when.state, when.next_change)
    return when.state, when.reason


def drop_drafts(run: BuildRun, generator: Any, contents: list[Any]) -> None:
    """Record drafts as excluded (never published) and forget their generated content."""
    for content in contents:
        item = item_path(content)
        run.manifest.exclude(
            item, "draft", "berstatus 'draft' di metadata; draf tidak pernah diterbitkan"
        )
        run.excluded_links |= _links(run, content, item)
        generator.context["generated_content"].pop(content.get_relative_source_path(), None)
