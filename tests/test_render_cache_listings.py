"""Tag, category and author listings answer ``in`` by identity in O(1), as a list would."""

from __future__ import annotations

import functools
from datetime import datetime
from operator import attrgetter
from types import SimpleNamespace

from pelican.generators import ArticlesGenerator
from pelican.settings import DEFAULT_CONFIG

from render_cache.listings import (
    Members,
    fast_listings,
    linear_period_archives,
    linear_translations,
)


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


class Doc:
    """Like a Pelican item for translation linking: an id, a language, a source, no equality."""

    def __init__(self, n: int, slug: str, lang: str, translation: str | None, kind: str) -> None:
        self.slug, self.lang, self.kind, self.source_path = slug, lang, kind, f"berita/{n}.md"
        self.in_default_lang = lang == "id"
        self.metadata = {} if translation is None else {"translation": translation}


class Same(Doc):
    """An item with an equality of its own (``in`` would not mean identity)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Doc) and other.slug == self.slug

    __hash__ = object.__hash__


def _docs(seed: int, count: int = 400) -> list[Doc]:
    """Items sharing slugs in every way Pelican links: alone, translated, doubled, all flagged."""
    import random

    rng = random.Random(seed)
    return [
        Doc(
            n,
            f"s{rng.randrange(count // 3)}",
            rng.choice(["id", "id", "en", "jv"]),
            rng.choice([None, None, "true", "false", "True"]),
            rng.choice(["berita", "pengumuman"]),
        )
        for n in range(count)
    ]


def _linked(process, docs: list[Doc], translation_id) -> tuple:
    """What a run gives: originals, translations, the list's order, each item's translations."""
    index, translations = process(docs, translation_id)
    return (
        [id(d) for d in index],
        [id(d) for d in translations],
        [id(d) for d in docs],  # sorted in place, as Pelican does
        {id(d): [id(t) for t in getattr(d, "translations", [])] for d in docs},
    )


def test_translations_are_linked_exactly_as_pelican_links_them(caplog) -> None:
    """Originals, translations, order, each item's translations and the warnings: Pelican's."""
    import logging

    from pelican.log import LimitFilter
    from pelican.utils import process_translations

    original = getattr(process_translations, "original", process_translations)
    linear = linear_translations(original)
    warnings = 0
    for seed in range(12):
        for translation_id in ("slug", ("slug", "kind"), ["kind", "slug"], None, ""):
            docs = _docs(seed)
            copy = list(docs)
            with caplog.at_level(logging.WARNING, logger="pelican.utils"):
                LimitFilter._raised_messages.clear()  # Pelican says a message once a process
                caplog.clear()
                expected = _linked(original, copy, translation_id)
                warned = [r.getMessage() for r in caplog.records]
                for doc in docs:  # the linking is redone on the same items
                    doc.__dict__.pop("translations", None)
                LimitFilter._raised_messages.clear()
                caplog.clear()
                found = _linked(linear, docs, translation_id)
                assert found == expected, (seed, translation_id)
                assert [r.getMessage() for r in caplog.records] == warned
                warnings += len(warned)
    assert warnings > 100  # the cases include doubled languages and all-flagged groups


def test_translations_fall_back_to_pelican_whole_when_in_would_not_mean_identity() -> None:
    calls: list[int] = []

    def pelicans(content_list, translation_id=None):
        calls.append(len(content_list))
        return content_list, []

    linear = linear_translations(pelicans)
    docs = _docs(1, 30)
    linear(docs, "slug")
    assert len(calls) > 1 and sum(calls) == 30  # one call per group
    calls.clear()
    linear([*docs, Same(99, "s1", "id", None, "berita")], "slug")
    assert calls == [31]  # an own equality: the whole list, as Pelican would see it
    calls.clear()
    linear(docs, None)
    assert calls == [30]


def test_a_broken_translation_id_raises_pelicans_own_error() -> None:
    import pytest
    from pelican.utils import process_translations

    original = getattr(process_translations, "original", process_translations)
    with pytest.raises(AttributeError, match="appear to be items without these metadata"):
        linear_translations(original)(_docs(2, 10), "tidak_ada")
    with pytest.raises(TypeError, match="must be falsy, a string or a collection"):
        linear_translations(original)(_docs(2, 10), 5)


def test_the_plugin_has_pelican_and_the_gate_link_translations_linearly() -> None:
    import pelican.generators
    import pelican.utils

    import render_cache

    render_cache.register()
    render_cache.register()  # a second site in the process: not wrapped twice
    linked = pelican.generators.process_translations
    assert linked is pelican.utils.process_translations
    assert not hasattr(linked.original, "original")
    assert linked.original.__module__ == "pelican.utils"
