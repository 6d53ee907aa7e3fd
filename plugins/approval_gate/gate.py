"""Pelican glue: the only module that imports Pelican; the gate's signal handlers.

The gate removes every article, page and translation whose record is not complete
before Pelican builds listings, feeds and taxonomies from them, drops the static files
that only removed items link to, and fails the build (raises) whenever it cannot vouch
for the output. It never mutates content objects beyond what Pelican itself does
(translation links), because Pelican pickles them into its cache.

What one item's admission takes is in admission.py, the gate's state per Pelican
instance and build in gate_run.py, the provider the theme reads in gate_provider.py.
"""

from __future__ import annotations

import gc
import logging
import os
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pelican import signals
from pelican import utils as pelican_utils
from pelican.utils import order_content

from .admission import admit, drop_drafts
from .errors import GateError
from .gate_provider import GateApprovals
from .gate_run import run_of, site_of, start_site
from .items import discover_items
from .naskah_cache import forget_sources_read
from .provider import install

logger = logging.getLogger(__name__)

ARTICLE_LISTS = ("articles", "translations", "hidden_articles", "hidden_translations")
PAGE_LISTS = ("pages", "translations", "hidden_pages", "hidden_translations")


def on_initialized(pelican: Any) -> None:
    """Validate settings, roster and anchor before anything is read; raise to stop."""
    roster = start_site(pelican.settings).roster
    logger.info(
        "Gerbang persetujuan aktif: roster versi %s, jangkar %s", roster.version, roster.anchor
    )


def _relink(
    generator: Any, kept: dict[str, list[Any]], main: str, trans: str, id_key: Any, order_key: Any
) -> tuple[list[Any], list[Any]]:
    """Redo Pelican's translation linking among kept items (only if one was removed).

    Looked up in ``pelican.utils`` when called: the render cache makes it linear there.
    """
    if len(kept[main]) == len(getattr(generator, main)) and len(kept[trans]) == len(
        getattr(generator, trans)
    ):
        return kept[main], kept[trans]
    origs, translations = pelican_utils.process_translations(kept[main] + kept[trans], id_key)
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
        run = run_of(generator)
        kept = {
            name: [c for c in getattr(generator, name) if admit(run, generator, c)]
            for name in ARTICLE_LISTS
        }
    drop_drafts(run, generator, generator.drafts + generator.drafts_translations)
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
    run = run_of(generator)
    kept = {
        name: [c for c in getattr(generator, name) if admit(run, generator, c)]
        for name in PAGE_LISTS
    }
    drop_drafts(run, generator, generator.draft_pages + generator.draft_translations)
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
    run = run_of(generator)
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
    site = site_of(pelican.settings)
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


def on_generator_init(generator: Any) -> None:
    """Publish the gate's provider in the shared context: the theme renders nothing without.

    Generators are made as a build starts, before anything is read: what the reader read
    in an earlier build of this process is forgotten (``admission._verdict`` trusts this
    build's).
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
