"""Tag, category and author listings answer ``in`` by identity in O(1), as a list would."""

from __future__ import annotations

from types import SimpleNamespace

from render_cache.listings import Members, fast_listings


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
