"""Pelican glue: the only module that imports Pelican.

The gate removes every article, page and translation whose record is not complete
before Pelican builds listings, feeds and taxonomies from them, drops the static files
that only removed items link to, and fails the build (raises) whenever it cannot vouch
for the output. It never mutates content objects beyond what Pelican itself does
(translation links), because Pelican pickles them into its cache.
"""

from __future__ import annotations

import gc
import logging
import os
import posixpath
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.utils import order_content, process_translations

from .errors import Finding, GateError
from .clock import WIB, now as clock_now
from .items import discover_items
from .ledger import Ledger, load_trusted, open_ledger, start_reading
from .manifest import Manifest
from .naskah_cache import forget_sources_read, read_by_reader
from .provider import Approvals, Entry, install
from .records import SignOff
from .roster import Roster
from .roster_file import check_version
from .rules import Verdict
from .schedule import EXPIRY_KEY, parse_expiry, timing
from .settings import GateSettings

logger = logging.getLogger(__name__)

ARTICLE_LISTS = ("articles", "translations", "hidden_articles", "hidden_translations")
PAGE_LISTS = ("pages", "translations", "hidden_pages", "hidden_translations")


@dataclass
class BuildRun:
    """The gate's state for one run of Pelican (one shared context)."""

    settings: GateSettings
    roster: Roster
    ledger: Ledger
    manifest: Manifest
    included_links: set[str] = field(default_factory=set)
    excluded_links: set[str] = field(default_factory=set)


@dataclass
class Site:
    """The gate's state for one Pelican instance (survives autoreload runs)."""

    settings: GateSettings
    roster: Roster
    runs: dict[int, BuildRun] = field(default_factory=dict)
    reading: Future[tuple[list[SignOff], list[Finding]]] | None = None


_sites: dict[int, Site] = {}


def _site(settings: dict[str, Any]) -> Site:
    site = _sites.get(id(settings))
    if site is None:
        raise GateError(
            "Gerbang persetujuan tidak dimulai (sinyal 'initialized' tidak diterima).",
            hint="Jalankan build dengan 'invoke build'.",
        )
    return site


def _run(generator: Any) -> BuildRun:
    site = _site(generator.settings)
    key = id(generator.context)
    if key not in site.runs:
        gs = site.settings
        now = clock_now(gs.now)
        ledger = open_ledger(gs, roster=site.roster, now=now, reading=site.reading)
        site.reading = None  # later runs (autoreload) read again, through the cache
        manifest = Manifest(
            gs.build_id,
            now,
            {
                "version": site.roster.version,
                "anchor": site.roster.anchor,
                "file": site.roster.path,
            },
            gs.allow_demo_keys,
            sealed=gs.sealed,
        )
        site.runs = {key: BuildRun(gs, site.roster, ledger, manifest)}
    return site.runs[key]


def on_initialized(pelican: Any) -> None:
    """Validate settings, roster and anchor before anything is read; raise to stop."""
    gs, roster = load_trusted(pelican.settings)
    check_version(roster, gs.cache_path)
    _sites[id(pelican.settings)] = Site(
        gs, roster, reading=start_reading(gs.approvals_path, gs.cache_path)
    )
    logger.info(
        "Gerbang persetujuan aktif: roster versi %s, jangkar %s", roster.version, roster.anchor
    )


def _item_path(content: Any) -> str:
    return str(content.relative_source_path).replace(os.sep, "/")


def _pelican_links(content: Any) -> set[str]:
    """Return the files Pelican copies for ``content`` ({static}, {attach}), normalised.

    These come from Pelican's own parsing of the rendered page, so they are the files that
    really get published, however the link was written (spaces, quotes, escapes).
    """
    links = content.get_static_links()
    return {posixpath.normpath(str(link).replace(os.sep, "/")) for link in links}


def _links(run: BuildRun, content: Any, item: str, linked: set[str] | None = None) -> set[str]:
    found = _pelican_links(content) if linked is None else linked
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


def _admit(run: BuildRun, generator: Any, content: Any) -> bool:
    item = _item_path(content)
    verdict = _verdict(run, item)
    linked = _pelican_links(content)
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


def _drop_drafts(run: BuildRun, generator: Any, contents: list[Any]) -> None:
    for content in contents:
        item = _item_path(content)
        run.manifest.exclude(
            item, "draft", "berstatus 'draft' di metadata; draf tidak pernah diterbitkan"
        )
        run.excluded_links |= _links(run, content, item)
        generator.context["generated_content"].pop(content.get_relative_source_path(), None)


def _relink(
    generator: Any, kept: dict[str, list[Any]], main: str, trans: str, id_key: Any, order_key: Any
) -> tuple[list[Any], list[Any]]:
    """Redo Pelican's translation linking among kept items (only if one was removed)."""
    if len(kept[main]) == len(getattr(generator, main)) and len(kept[trans]) == len(
        getattr(generator, trans)
    ):
        return kept[main], kept[trans]
    origs, translations = process_translations(kept[main] + kept[trans], id_key)
    return order_content(origs, order_key), translations


@contextmanager
def _paused_gc() -> Iterator[None]:
    """Pause cyclic GC while thousands of small records are made (it cost ~20% here)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def on_article_pretaxonomy(generator: Any) -> None:
    """Remove unapproved articles before taxonomies, feeds and listings are built."""
    with _paused_gc():
        run = _run(generator)
        kept = {
            name: [c for c in getattr(generator, name) if _admit(run, generator, c)]
            for name in ARTICLE_LISTS
        }
    _drop_drafts(run, generator, generator.drafts + generator.drafts_translations)
    ident, order = (
        generator.settings["ARTICLE_TRANSLATION_ID"],
        generator.settings["ARTICLE_ORDER_BY"],
    )
    generator.articles, generator.translations = _relink(
        generator, kept, "articles", "translations", ident, order
    )
    generator.hidden_articles, generator.hidden_translations = _relink(
        generator, kept, "hidden_articles", "hidden_translations", ident, order
    )
    generator.drafts, generator.drafts_translations = [], []
    run.manifest.stages.append("articles")


def on_page_finalized(generator: Any) -> None:
    """Remove unapproved pages in place (pages have no pretaxonomy signal)."""
    run = _run(generator)
    kept = {
        name: [c for c in getattr(generator, name) if _admit(run, generator, c)]
        for name in PAGE_LISTS
    }
    _drop_drafts(run, generator, generator.draft_pages + generator.draft_translations)
    ident, order = generator.settings["PAGE_TRANSLATION_ID"], generator.settings["PAGE_ORDER_BY"]
    pages, translations = _relink(generator, kept, "pages", "translations", ident, order)
    hidden, hidden_translations = _relink(
        generator, kept, "hidden_pages", "hidden_translations", ident, order
    )
    generator.pages[:] = pages
    generator.translations[:] = translations
    generator.hidden_pages[:] = hidden
    generator.hidden_translations[:] = hidden_translations
    generator.draft_pages[:] = []
    generator.draft_translations[:] = []
    run.manifest.stages.append("pages")


def on_static_finalized(generator: Any) -> None:
    """Drop static files that only unapproved items link to (attachments, images).

    Each kept file is recorded with its source, so the audit of a sealed publish can
    compare the copied bytes with what was approved or signed. Reading ``save_as`` here
    also fixes it: Pelican never relocates a static file once its location was read.
    """
    run = _run(generator)
    drop = run.excluded_links - run.included_links
    kept = []
    for static in generator.staticfiles:
        path = posixpath.normpath(static.get_relative_source_path())
        if path in drop:
            run.manifest.dropped_files.append(path)
        else:
            kept.append(static)
            save_as = str(static.save_as).replace(os.sep, "/")
            run.manifest.static_files.append(save_as)
            run.manifest.copy(path.replace(os.sep, "/"), save_as)
    generator.staticfiles[:] = kept
    run.manifest.stages.append("static")


def on_finalized(pelican: Any) -> None:
    """Write the manifest, or fail the build if any stage of the gate did not run."""
    site = _site(pelican.settings)
    runs = list(site.runs.values())
    if not runs or not {"articles", "pages", "static"} <= set(runs[-1].manifest.stages):
        raise GateError(
            "Gerbang persetujuan tidak berjalan pada semua tahap build; "
            "hasil build tidak boleh diterbitkan.",
            hint="Periksa PLUGINS di pengaturan dan pesan galat di atas.",
        )
    run = runs[-1]
    # Items Pelican could not read are still on disk: their sign-offs are not orphans.
    judged = {e["item"] for e in run.manifest.included + run.manifest.excluded}
    run.manifest.findings.extend(
        run.ledger.orphans(judged | set(discover_items(run.ledger.content)))
    )
    run.manifest.write(site.settings.manifest_path)
    run.ledger.save_cache()


class GateApprovals(Approvals):
    """The gate's provider: the items this run admitted, once articles and pages passed.

    The theme shows each item's sign-offs and publishes the provenance record from these
    entries only: they are the gate's own decisions, so an excluded item has none.
    """

    def __init__(self, settings: dict[str, Any]) -> None:
        self._settings = settings
        self._entries: tuple[BuildRun, dict[str, Entry]] | None = None  # per run, once

    def _passed(self) -> BuildRun | None:
        runs = [
            r
            for r in _site(self._settings).runs.values()
            if {"articles", "pages"} <= set(r.manifest.stages)
        ]
        return runs[-1] if runs else None

    @property
    def roster(self) -> Roster:
        """Return the roster verified at ``initialized``."""
        return _site(self._settings).roster

    def seal(self) -> str:
        """Refuse rendering until the gate has filtered articles and pages."""
        if self._passed() is None:
            raise GateError("Templat dirender sebelum gerbang persetujuan berjalan.")
        return ""

    def published(self) -> dict[str, Entry]:
        """Return the admitted items' entries (raise before the gate ran)."""
        run = self._passed()
        if run is None:
            raise GateError("Catatan persetujuan diminta sebelum gerbang persetujuan berjalan.")
        if self._entries is None or self._entries[0] is not run:  # every page asks: index once
            self._entries = (run, {e["item"]: e for e in run.manifest.included})
        return self._entries[1]

    def for_page(self, item: str) -> Entry:
        """Return an admitted item's entry; any other item must not render (fail closed)."""
        entry = self.published().get(item)
        if entry is None:
            raise GateError(f"Item {item!r} dirender tanpa persetujuan lengkap.")
        return entry

    def derived(self, files: list[Entry]) -> bool:
        """Record files the theme made from approved bytes (see ``Approvals.derived``)."""
        run = self._passed()
        if run is None:
            raise GateError("Berkas turunan dicatat sebelum gerbang persetujuan berjalan.")
        run.manifest.derived.extend(files)
        return True


def on_generator_init(generator: Any) -> None:
    """Publish the gate's provider in the shared context: the theme renders nothing without.

    Generators are made as a build starts, before anything is read: what the reader read
    in an earlier build of this process is forgotten (``_verdict`` trusts this build's).
    """
    forget_sources_read()
    install(generator.context, GateApprovals(generator.settings))


def register() -> None:
    """Connect the gate to Pelican's signals."""
    # Before any content is read: a broken roster or anchor must stop the build.
    signals.initialized.connect(on_initialized)
    # Articles: before taxonomies, feeds and period archives are built from the lists.
    signals.article_generator_pretaxonomy.connect(on_article_pretaxonomy)
    # Pages: no pretaxonomy signal; the lists are shared with the context, so edit in place.
    signals.page_generator_finalized.connect(on_page_finalized)
    # Static files: after links were collected, before anything is copied.
    signals.static_generator_finalized.connect(on_static_finalized)
    # After everything is written: refuse a build where a stage was skipped.
    signals.finalized.connect(on_finalized)
    # Last, so a failed registration above leaves templates without a provider.
    signals.generator_init.connect(on_generator_init)
