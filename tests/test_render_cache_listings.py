"""Tag, category and author listings answer ``in`` by identity in O(1), as a list would."""

from __future__ import annotations

import functools
from datetime import datetime
from operator import attrgetter
from types import SimpleNamespace

from pelican.generators import ArticlesGenerator
from pelican.settings import DEFAULT_CONFIG

from render_cache.listings import Members, fast_listings, linear_period_archives


class Item:
    """Like a Pelican article: no equality of its own."""


def test_members_answers_exactly_what_the_list_answers() -> None:
    items = [Item() for _ in range(5)]
    members = Members(items[:3])
    assert list(members) == items[:3]
    assert [item in members for item in items] == [True, True, True, False, False]
    members.append(items[3])
    assert items[3] in members  # grown: looked up again
    members[0] = items[4]
    assert items[4] in members and items[0] not in members  # replaced in place
    del members[0]
    assert items[4] not in members
    assert "x" not in Members(["y"]) and "y" in Members(["y"])  # own equality: the list's


def test_the_listings_keep_their_items_order_and_context() -> None:
    a, b, c = Item(), Item(), Item()
    tags = {"t1": [a, b], "t2": [c]}
    categories = [("k", [b, c])]
    generator = SimpleNamespace(tags=tags, categories=categories, authors=[("p", [a])], context={})
    generator.context.update(tags=list(tags.items()), categories=categories)
    fast_listings(generator)
    assert all(isinstance(v, Members) for v in generator.tags.values())
    assert generator.context["tags"] == [("t1", [a, b]), ("t2", [c])]
    assert generator.context["categories"] is generator.categories
    assert generator.categories == [("k", [b, c])] and c in generator.categories[0][1]
    assert generator.authors == [("p", [a])] and b not in generator.authors[0][1]


def test_period_archives_list_the_same_articles_as_pelicans_own() -> None:
    """Years, months and days, each with the very articles (and order) Pelican lists."""
    dated = [
        SimpleNamespace(date=datetime(2025 + n % 2, 1 + n % 12, 1 + n % 28), n=n)
        for n in range(300)
    ]
    dates = sorted(dated, key=attrgetter("date"), reverse=True)
    articles = [*dated[5:], SimpleNamespace(date=datetime(2025, 1, 1), n=-1)]  # not all dated
    settings = {
        **DEFAULT_CONFIG,
        "YEAR_ARCHIVE_SAVE_AS": "{date:%Y}/",
        "MONTH_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/",
        "DAY_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/{date:%d}/",
    }
    pelicans = functools.partial(ArticlesGenerator._build_period_archives, None)
    generator = SimpleNamespace(_build_period_archives=pelicans)
    linear_period_archives(generator)
    expected = pelicans(dates, articles, settings)
    found = generator._build_period_archives(dates, articles, settings)
    assert sorted(found) == sorted(expected) == ["day", "month", "year"]

    def ids(archives: dict) -> list:
        return [
            (g, [id(a) for a in p["dates"]], [id(a) for a in p["articles"]], p["url"], p["period"])
            for g in sorted(archives)
            for p in archives[g]
        ]

    assert ids(found) == ids(expected)
    assert sum(len(p["articles"]) for p in found["year"]) == 295
