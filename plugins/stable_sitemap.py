"""Make the sitemap depend only on the site's content, not on the time of the build.

pelican-sitemap stamps listing pages (home, categories, archives) with the build's
clock, so two builds of the same approved content would differ in every ``<lastmod>``
and an unchanged re-publish would upload the sitemap each time. Listing pages change
when their newest item changes, so that item's date (or modified date) is used instead.
"""

from __future__ import annotations

import datetime
from typing import Any

from pelican import signals


def _newest(generators: list[Any]) -> Any:
    dates = []
    for generator in generators:
        for kind in ("articles", "translations", "pages"):
            for item in getattr(generator, kind, []) or []:
                stamp = getattr(item, "modified", None) or getattr(item, "date", None)
                if stamp is not None:
                    dates.append(stamp)
    return max(dates, default=None)


def on_all_generators_finalized(generators: list[Any]) -> None:
    """Set the sitemap's fallback date to the newest approved item's date."""
    from pelican.plugins.sitemap import sitemap

    newest = _newest(generators)
    if newest is not None:
        sitemap.generator.now = newest


def _fix_translation_links() -> None:
    """Write ``href=`` in the sitemap's ``xhtml:link`` (pelican-sitemap 1.2.2 writes ``ref=``).

    Crawlers ignore a translation link without ``href``, the sitemap then fails the
    sitemaps.org schema (tests/test_theme_site.py), and the audit, which reads ``href``,
    could not check where it points.
    """
    from pelican.plugins.sitemap import sitemap

    sitemap.XML_TRANSLATION = sitemap.XML_TRANSLATION.replace(' ref="', ' href="')


def _quick_format_date() -> None:
    """Format each ``<lastmod>`` with the C ``strftime``, not Pelican's, for the same text.

    pelican-sitemap formats every page's date (some 15,000 at 5,000 items) through Pelican's
    ``SafeDatetime.strftime``, which splits the format with regular expressions and calls
    ``strftime`` once per directive; its only directives here are numeric (``%Y`` ... ``%S``,
    ``%z``), for which that is the C ``strftime``'s own text (tests/test_sitemap_dates.py
    compares both). Anything that is not a ``datetime`` goes to the plugin's own code.
    """
    from pelican.plugins.sitemap import sitemap

    own = getattr(sitemap.format_date, "own", sitemap.format_date)

    def format_date(date: Any) -> str:
        if not isinstance(date, datetime.datetime):
            return str(own(date))
        text = datetime.datetime.strftime(date, "%Y-%m-%dT%H:%M:%S")
        if not date.tzinfo:
            return text + "-00:00"
        zone = datetime.datetime.strftime(date, "%z")
        return f"{text}{zone[:-2]}:{zone[-2:]}"

    format_date.own = own  # type: ignore[attr-defined]
    sitemap.format_date = format_date


def register() -> None:
    """Connect to Pelican after every generator has its (gated) context."""
    _fix_translation_links()
    _quick_format_date()
    signals.all_generators_finalized.connect(on_all_generators_finalized)
