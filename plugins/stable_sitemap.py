"""Make the sitemap depend only on the site's content, not on the time of the build.

pelican-sitemap stamps listing pages (home, categories, archives) with the build's
clock, so two builds of the same approved content would differ in every ``<lastmod>``
and an unchanged re-publish would upload the sitemap each time. Listing pages change
when their newest item changes, so that item's date (or modified date) is used instead.
"""

from __future__ import annotations

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


def register() -> None:
    """Connect to Pelican after every generator has its (gated) context."""
    signals.all_generators_finalized.connect(on_all_generators_finalized)
