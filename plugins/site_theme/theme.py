"""Pelican glue of the public theme: settings at start-up, template helpers, extra files.

The theme reads approvals from the provider in Pelican's shared context (the gate's, or
the editorial preview's) and nothing else: sign-offs shown on a page and the public
provenance record both come from the decisions of this very run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals

from approval_gate.api import (
    SIGNOFF_NAMESPACE,
    Approvals,
    GateError,
    MachineCache,
    allowed_signers,
    WIB,
    approvals_in,
    kind_by_id,
    number_word,
    principal,
    settings_now,
)
from render_cache.page_files import write_fresh

from . import formats, notices, paging, regulations, structured
from .enhance import Enhanced, Resolver, enhance, image_size
from .imaging import make_pictures, picture_pass, write_pictures
from .office import dip_helper
from .page_inputs import ItemInputs
from .provenance import (
    PIECE_CACHE,
    SignOffView,
    piece_path,
    public_record,
    roster_files,
    signoffs_for_page,
    verify_time,
    write_record,
)
from .settings import ThemeSettings, load_theme_settings

logger = logging.getLogger(__name__)
_BERLAKU = re.compile(r"(\d{4}-\d{2}-\d{2})\s*$")
_COMMENTS = re.compile(r"/\*.*?\*/", re.S)


@dataclass
class Build:
    """The theme's state for one Pelican instance."""

    settings: ThemeSettings
    css: str
    logo: dict[str, Any] | None
    approvals: Approvals | None = None
    files: dict[str, Path] = field(default_factory=dict)  # output path -> source file
    urls: dict[str, str] = field(default_factory=dict)  # content path -> output path
    titles: dict[str, str] = field(default_factory=dict)  # item path -> title
    views: dict[tuple[int, Any], tuple[Any, Any]] = field(default_factory=dict)  # _per_page
    pictures: dict[str, Any] = field(default_factory=dict)  # original's output path -> Picture
    spool: Path | None = None  # the image files' folder until the pages are written (imaging.py)
    regulations: regulations.Browse | None = None  # the Regulasi browsing pages


_builds: dict[int, Build] = {}


def _build(settings: dict[str, Any]) -> Build:
    build = _builds.get(id(settings))
    if build is None:
        raise GateError(
            "Tema situs tidak dimulai (sinyal 'initialized' tidak diterima).",
            hint="Periksa PLUGINS di pengaturan.",
        )
    return build


def _css(theme: Path, colours: dict[str, str]) -> str:
    """Return the screen style sheet, minified, with the identity colours as variables."""
    text = (theme / "styles" / "situs.css").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", _COMMENTS.sub("", text))
    text = re.sub(r"\s*([{};,>])\s*", r"\1", text)  # not before ":" (".a :focus")
    text = re.sub(r":\s+", ":", text).replace(";}", "}")
    names = ";".join(f"--{name.replace('_', '-')}:{value}" for name, value in colours.items())
    return f":root{{{names}}}{text.strip()}"


def _logo(path: Path | None) -> dict[str, Any] | None:
    """Return the logo's output name and display size (48 px high, width to scale)."""
    if path is None:
        return None
    if path.suffix.lower() == ".svg":
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        box = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', head)
        size = (float(box.group(1)), float(box.group(2))) if box else (48.0, 48.0)
    else:
        found = image_size(path)
        size = (float(found[0]), float(found[1])) if found else (48.0, 48.0)
    return {
        "name": f"theme/logo{path.suffix.lower()}",
        "source": path,
        "height": 48,
        "width": round(48 * size[0] / size[1]),
    }


def on_initialized(pelican: Any) -> None:
    """Validate the SITE_* settings before anything is read; raise to stop the build."""
    theme = load_theme_settings(pelican.settings)
    _builds[id(pelican.settings)] = Build(
        theme, _css(Path(pelican.settings["THEME"]), theme.colours), _logo(theme.logo)
    )


def on_all_generators_finalized(generators: list[Any]) -> None:
    """Take the approvals provider and the copied files, before any page is written."""
    build = _build(generators[0].settings)
    build.approvals = approvals_in(generators[0].context)
    build.files, build.urls, build.titles, build.views = {}, {}, {}, {}
    for generator in generators:
        for static in getattr(generator, "staticfiles", []) or []:
            source = static.relative_source_path.replace("\\", "/")
            build.files[static.save_as.replace("\\", "/")] = Path(static.source_path)
            build.urls[source] = static.url
        for name in (
            "articles",
            "translations",
            "hidden_articles",
            "hidden_translations",
            "pages",
            "hidden_pages",
        ):
            for content in getattr(generator, name, []) or []:
                build.titles[content.relative_source_path.replace("\\", "/")] = Markup(
                    content.title
                ).striptags()
    _annotate(generators, build)
    make_pictures(generators, build)  # image variants (imaging.py), after the gate's drops
    _write_provenance(generators[0].settings, Path(generators[0].output_path), build)


def _annotate(generators: list[Any], build: Build) -> None:
    """Give announcements their validity and regulations their block (notices, regulations)."""
    settings = generators[0].settings
    listed = [a for g in generators for a in getattr(g, "articles", []) or []]
    translated = [a for g in generators for a in getattr(g, "translations", []) or []]
    warn = notices.make_warn(logger, str(Path(settings["PATH"]).resolve()))
    kind = build.settings.announcement_kind
    notices.annotate([*listed, *translated], kind, _today(settings), warn)
    regulasi = kind_by_id("regulasi")
    category = regulasi.category if regulasi else None
    build.regulations = (
        regulations.prepare(listed, translated, category, warn) if category else None
    )
    generators[0].context[regulations.CONTEXT] = (
        build.regulations.index if build.regulations else None
    )


def on_article_writer_finalized(generator: Any, writer: Any) -> None:
    """Write the Regulasi browsing pages (by year, by jenis) after the articles."""
    build = _build(generator.settings)
    if build.regulations is not None:
        regulations.write_pages(build.regulations, generator, writer)


def _write_provenance(settings: dict[str, Any], output: Path, build: Build) -> None:
    """Write the provenance record and the allowed-signers file, before any page.

    Everything it holds is known once the gate has judged every item (all generators
    finalized): written then, not at the build's end, its 5,000 pieces at 5,000 items
    have long settled when the child ends, so the publish takes their hashes from the
    files hashed meanwhile (publishing/settled.py) instead of reading every piece again
    after the child (docs/theme.md). The audit checks every piece against the
    manifest as always.
    """
    if build.approvals is None:
        raise GateError("Tema tidak menerima daftar item yang disetujui dari gerbang.")
    store = Path(settings["RENDER_CACHE_PATH"]) if settings.get("RENDER_CACHE_PATH") else None
    pieces = MachineCache(store, PIECE_CACHE, touch=True, packed=True) if store else None
    approvals = Path(settings["APPROVAL_GATE_APPROVALS_PATH"]).resolve()
    record = public_record(
        build.approvals.published(),
        build.approvals.roster,
        approvals,
        Path(settings["PATH"]),
        build.titles,
        build.urls,
        settings["SITENAME"],
        build.settings.provenance == "peran-nama-dan-tanggal",
        cache=pieces,
    )
    write_record(
        output,
        record,
        allowed_signers(build.approvals.roster),
        roster_files(approvals, build.approvals.roster),
        store,
    )


def on_finalized(pelican: Any) -> None:
    """Write the logo and the image variants into the output (the record went first)."""
    build = _build(pelican.settings)
    output = Path(pelican.output_path)
    if build.logo is not None:
        target = output / build.logo["name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        # a new file, never written through one already there (a linked static file)
        write_fresh(str(target), Path(build.logo["source"]).read_bytes())
    write_pictures(output, build)


@dataclass
class ItemView:
    """What an item's page shows besides its title: body, documents, sign-offs."""

    body: Enhanced
    signoffs: list[SignOffView]
    documents_beside: bool
    gallery: bool
    record: str = ""  # the item's piece of the public record (its output path)


def _today(settings: dict[str, Any]) -> date:
    return settings_now(settings).astimezone(WIB).date()


def _valid_until(article: Any) -> date | None:
    for key in ("berlaku_sampai", "berlaku"):
        value = getattr(article, key, None)
        if isinstance(value, datetime):
            return value.date()
        match = _BERLAKU.search(str(value)) if value else None
        if match:
            return date.fromisoformat(match.group(1))
    return None


def _first_and_count(items: Iterable[Any], group: Callable[[Any], Any]) -> dict[Any, Any]:
    """Return each group of ``items`` as (its first item, its size), in order of appearance.

    ``group(item)`` names an item's group (None: left out); ``kinds_counted`` and
    ``months_counted`` (below) count the page's list with it.
    """
    found: dict[Any, tuple[Any, int]] = {}
    for item in items:
        name = group(item)
        if name is not None:
            first, count = found.get(name, (item, 0))
            found[name] = (first, count + 1)
    return found


def _per_page(
    memo: dict[tuple[int, Any], tuple[Any, Any]], content: Any, page: Any, make: Callable[[], Any]
) -> Any:
    """Return ``make()`` for the item ``content`` on ``page`` (its output file), once a page.

    A new page's first call clears the answers of the page before: they are never asked
    for again, and keeping them all held every item's enhanced body until the build
    ended. Each answer is kept beside its item, so an id reused is never taken for it.
    """
    if memo and next(iter(memo))[1] != page:
        memo.clear()
    key = (id(content), page)
    known = memo.get(key)
    if known is None or known[0] is not content:
        known = memo[key] = (content, make())
    return known[1]


def make_helpers(settings: dict[str, Any]) -> dict[str, Any]:
    """Return the functions and values templates use (see theme/templates/)."""
    build = _build(settings)
    theme = build.settings
    siteurl = str(settings.get("SITEURL") or "")

    @pass_context
    def item_view(context: Any, content: Any) -> ItemView:
        page = context.get("output_file")
        return _per_page(build.views, content, page, lambda: _item_view(context, content))

    def _item_view(context: Any, content: Any) -> ItemView:
        if build.approvals is None:
            raise GateError("Templat dirender sebelum gerbang persetujuan berjalan.")
        item = content.relative_source_path.replace("\\", "/")
        entry = build.approvals.for_page(item)  # raises for an item that may not render
        kind = getattr(getattr(content, "category", None), "name", None)
        resolver = Resolver(context.get("output_file") or content.save_as, siteurl, build.files.get)
        gallery = kind in theme.gallery_kinds
        return ItemView(
            enhance(content.content, resolver, gallery, picture_pass(build, resolver, gallery)),
            signoffs_for_page(entry, build.approvals.roster),
            kind in theme.document_kinds,
            gallery,
            piece_path(item),
        )

    site = structured.make_site(settings, theme, build.logo)

    shares: dict[tuple[int, Any], tuple[Any, Any]] = {}  # this page's (``_per_page``)

    @pass_context
    def berbagi(context: Any, content: Any) -> structured.Sharing:
        """Return an item's share image, links and JSON-LD (site_theme/structured.py).

        An item's page asks twice (its head, its share links): the second call takes the
        first's answer, kept for that page only as ``item_view`` keeps its view. Both
        calls were 7 % of a first build's Pelican child at 5,000 items (profiled), half of
        them the share links, JSON-LD and breadcrumbs worked out again.
        """

        def made() -> structured.Sharing:
            view = item_view(context, content)
            pictures = getattr(build, "pictures", None)  # image variants (imaging.py), if made
            return structured.sharing(site, content, view, build.files.get, pictures)

        return _per_page(shares, content, context.get("output_file"), made)

    # What the page cache keys in place of their results (page_inputs.py).
    inputs = ItemInputs(build, theme, siteurl, site)
    item_view.page_inputs = inputs.view  # type: ignore[attr-defined]
    berbagi.page_inputs = inputs.sharing  # type: ignore[attr-defined]

    def kinds_nav(categories: list[Any]) -> list[tuple[Any, int]]:
        found = {category.name: (category, len(items)) for category, items in categories}
        return [found[name] for name in theme.kinds if name in found]

    def nav_pages(pages: list[Any]) -> list[tuple[Any, str]]:
        found = {page.slug: page for page in pages}
        return [(found[slug], label) for slug, label in theme.nav_pages if slug in found]

    def kinds_counted(articles: list[Any]) -> list[tuple[Any, int]]:
        """Return each kind of ``articles`` in SOP order as (its newest item, its count).

        The home page's "Jelajahi menurut jenis" counts, given the page's list rather than
        ``categories``: a helper over the list is keyed only on the page that calls it
        (render_cache/calls.py), so the older home pages keep their keys when an item is
        added (paging.py), and the item carries its kind's name and address.
        """
        found = _first_and_count(  # newest first
            articles, lambda a: getattr(getattr(a, "category", None), "name", None)
        )
        return [found[name] for name in theme.kinds if name in found]

    def months_counted(dates: list[Any]) -> list[tuple[Any, int]]:
        """Return each month of a year page's items, newest first, as (an item, its count).

        The year page's month list, counted from the page's own items rather than from
        the period menu: a helper over the page's list is keyed only where it is called,
        so an added item renders again its own month and year pages, not every period
        page (render_cache: ``Closure.period_counts``). The item gives the month's
        number and address (``MONTH_ARCHIVE_URL`` formats its date, as Pelican does).
        """
        newest = sorted(dates, key=lambda a: a.date, reverse=True)
        return list(_first_and_count(newest, lambda a: (a.date.year, a.date.month)).values())

    def current_announcements(articles: list[Any]) -> list[tuple[Any, date | None]]:
        today = _today(settings)
        current = []
        for article in articles:
            if getattr(getattr(article, "category", None), "name", None) != theme.announcement_kind:
                continue
            until = _valid_until(article)
            published = article.date.astimezone(WIB).date()
            if (until is not None and until >= today) or (
                until is None and (today - published).days <= theme.announcement_days
            ):
                current.append((article, until))
        return current

    def provenance_example() -> dict[str, str] | None:
        """Return the first sign-off of the record, as the verification page's example."""
        published = build.approvals.published() if build.approvals else {}
        if not published:
            return None
        item = min(published)
        first = published[item]["signoffs"][0]
        return {
            "title": build.titles.get(item, item),
            "principal": principal(first["signer"], first["role"]),
            "verify_time": verify_time(first["signed_at"]),
            "piece": piece_path(item),
        }

    def roster() -> Any:
        if build.approvals is None:
            raise GateError("Templat dirender sebelum gerbang persetujuan berjalan.")
        return build.approvals.roster

    return {
        "provenance_example": provenance_example,
        "provenance_roles": lambda: [role.name for role in roster().roles],
        "provenance_anchor": lambda: roster().anchor,
        "provenance_namespace": lambda: SIGNOFF_NAMESPACE,
        "tema": theme,
        "tema_css": Markup(build.css),
        "tema_logo": build.logo,
        "item_view": item_view,
        "daftar_informasi": dip_helper(lambda: build.approvals, theme.dip_categories),
        "berbagi": berbagi,
        "bagikan_bawaan": site.image,
        "situs_jsonld": structured.home(site),
        "remah_jsonld": structured.remah_jsonld,
        "kinds_nav": kinds_nav,
        "nav_pages": nav_pages,
        "current_announcements": current_announcements,
        "kinds_counted": kinds_counted,
        "months_counted": months_counted,
        "canonical_base": str(settings.get("FEED_DOMAIN") or siteurl).rstrip("/"),
        "provenance_count": lambda: len(build.approvals.published()) if build.approvals else 0,
        "jumlah_pejabat": lambda: number_word(len(roster().roles)),
    }


def on_generator_init(generator: Any) -> None:
    """Give templates the Indonesian formats and the theme's helpers.

    They are functions, not filters: an unknown filter fails when a template is compiled,
    before ``approvals.seal()`` could say that the gate is missing.
    """
    generator.env.globals.update(
        {
            "tanggal": formats.tanggal,
            "tanggal_waktu": formats.tanggal_waktu,
            "iso": formats.iso,
            "ukuran": formats.ukuran,
        }
    )
    generator.env.globals.update(make_helpers(generator.settings))
    # Jinja's own filter, kept per text (formats.striptags): the same result.
    generator.env.filters["striptags"] = formats.striptags


def register() -> None:
    """Connect the theme to Pelican's signals."""
    paging.install()  # listing pages that keep their items (paging.py)
    # Before anything is read: a bad identity or display setting stops the build.
    signals.initialized.connect(on_initialized)
    # Every template environment gets the helpers (articles, pages, direct templates).
    signals.generator_init.connect(on_generator_init)
    # After the gate filtered every list, before any page is written.
    signals.all_generators_finalized.connect(on_all_generators_finalized)
    # The Regulasi browsing pages, written with the articles' writer.
    signals.article_writer_finalized.connect(on_article_writer_finalized)
    # After the pages: the logo and the image variants.
    signals.finalized.connect(on_finalized)
    # Each feed before it is written: its language (Pelican 4.12 declares none).
    signals.feed_generated.connect(structured.feed_language)
