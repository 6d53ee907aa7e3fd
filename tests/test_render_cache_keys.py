"""A page key's parts (plugins/render_cache/fingerprints.py, inputs.py): cheap, and exact.

The whole-site tests (test_render_cache_pages.py) build real sites in verify mode; these
check in a few milliseconds that the cheaper ways of working a key out (a type's way of
reduction looked up once, values encoded once per build, refusals kept) still tell every
value apart that they told apart before.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import PurePosixPath
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from pelican.utils import SafeDatetime

import site_theme  # noqa: F401  (its code is part of every key)
from render_cache import fingerprints as fp
from render_cache.closure import Uncacheable
from render_cache.inputs import PageInputs
from render_cache.templates import Refused, closure, restored, stored


class Level(enum.IntEnum):
    ONE = 1


class Text(str):
    """A str of another type (no ``__html__``): reduced to its text."""


@dataclass
class Pair:
    name: str
    values: tuple[int, ...]


class Wrapper:
    """Like Pelican's URLWrapper: recognised by its attributes."""

    def __init__(self, name: str) -> None:
        self.name, self.slug, self.url, self.save_as = name, name.lower(), "u/", "u/i.html"

    def _normalize_key(self, key: str) -> str:
        return key


def test_plain_reduces_every_kind_of_value_as_before() -> None:
    zone = timezone(timedelta(hours=7))
    cases: list[tuple[Any, Any]] = [
        ("a", "a"),
        (True, True),
        (Level.ONE, Level.ONE),
        (Text("x"), "x"),
        (Markup("<b>"), ["M", "<b>"]),
        (SafeDatetime(2026, 1, 2, 3, 4), ["T", "SafeDatetime", "2026-01-02T03:04:00", "None"]),
        (
            datetime(2026, 1, 2, tzinfo=zone),
            ["T", "datetime", "2026-01-02T00:00:00+07:00", "UTC+07:00"],
        ),
        (date(2026, 1, 2), ["T", "date", "2026-01-02", ""]),
        (timedelta(seconds=90), ["D", 90.0]),
        (PurePosixPath("a/b"), ["P", "a/b"]),
        ((1, [2]), ["tuple", [1, ["list", [2]]]]),
        ({"k": {1, 2}}, ["{}", [["k", ["S", ["1", "2"]]]]]),
        (Pair("p", (1,)), ["Pair", [["name", "p"], ["values", ["tuple", [1]]]]]),
        (Wrapper("Berita"), ["Wrapper", "Berita", "berita", "u/", "u/i.html"]),
        (1.5, 1.5),
        (float("nan"), ["F", "nan"]),  # the keys' JSON (orjson) would write NaN as null
        ([float("-inf"), None], ["list", [["F", "-inf"], None]]),
    ]
    for value, expected in cases:
        assert fp.plain(value) == expected, value
        assert fp.plain(value) == expected, value  # the type's way, now looked up
    for unknown in (object(), SimpleNamespace(slug="s"), [object()]):
        with pytest.raises(Uncacheable):
            fp.plain(unknown)
    deep: Any = "x"
    for _ in range(14):
        deep = [deep]
    with pytest.raises(Uncacheable):
        fp.plain(deep)


def test_a_wrapper_in_an_items_metadata_is_reduced_once_per_build() -> None:
    tag = Wrapper("Pemilu")
    memo: dict[Any, tuple[Any, Any]] = {}
    first = fp.plain({"tags": [tag]}, memo=memo)
    assert fp.plain({"tags": [tag]}, memo=memo) == first
    tag.url = "lain/"  # a wrapper changed during the build is reduced again, never stale
    assert fp.plain({"tags": [tag]}, memo=memo) != first
    assert fp.plain({"tags": [tag]}) == fp.plain({"tags": [tag]}, memo=memo)


class Counted:
    """Like Pelican's URLWrapper: URLs formatted from its state, its slug stored on first use."""

    formatted = 0

    def __init__(self, name: str, settings: dict[str, str]) -> None:
        self._name, self.settings, self._slug = name, settings, None

    @property
    def name(self) -> str:
        return self._name

    @property
    def slug(self) -> str:
        if self._slug is None:
            self._slug = self._name.lower()
        return self._slug

    def _normalize_key(self, key: str) -> str:
        return key

    def _from(self, key: str) -> str:
        Counted.formatted += 1
        return self.settings[key].format(slug=self.slug)

    url = property(lambda self: self._from("URL"))
    save_as = property(lambda self: self._from("SAVE_AS"))


def test_wrappers_of_one_name_are_reduced_once_and_never_mixed_up() -> None:
    """Pelican's one object per item and tag: one answer per class, name and settings."""
    settings = {"URL": "tag/{slug}/", "SAVE_AS": "tag/{slug}/index.html"}
    memo: dict[Any, tuple[Any, Any]] = {}
    Counted.formatted = 0
    tags = [Counted(name, settings) for name in ("Pemilu", "Pilkada") * 500]
    reduced = [fp.wrapper(tag, memo) for tag in tags]
    assert Counted.formatted == 4  # two names, two URLs each
    assert reduced[0] == ["Counted", "Pemilu", "pemilu", "tag/pemilu/", "tag/pemilu/index.html"]
    assert reduced[1][1:3] == ["Pilkada", "pilkada"] and reduced == reduced[:2] * 500
    assert [fp.wrapper(tag, memo) for tag in tags[:2]] == reduced[:2]  # asked again: found
    assert Counted.formatted == 4
    other = Counted("Pemilu", dict(settings, URL="label/{slug}/"))  # equal name, other settings
    assert fp.wrapper(other, memo)[3] == "label/pemilu/"
    renamed = Counted("Pemilu", settings)
    renamed._slug = "pemilu-2029"  # a slug set by hand is state too
    assert fp.wrapper(renamed, memo)[2:4] == ["pemilu-2029", "tag/pemilu-2029/"]
    assert Counted.formatted == 8
    flagged, counted = Counted("Pemilu", settings), Counted("Pemilu", settings)
    flagged.flag, counted.flag = True, 1  # equal values of other types: other states
    assert fp.wrapper(flagged, memo) == fp.wrapper(counted, memo) == reduced[0]
    assert Counted.formatted == 12
    odd = Counted("Pemilu", settings)
    odd.extra = ["not", "a", "key"]  # a state that is no key: kept by identity
    assert fp.wrapper(odd, memo) == reduced[0] and fp.wrapper(odd, memo) == reduced[0]
    assert Counted.formatted == 14
    assert fp.wrapper(None, memo) is None


def _page(inputs: PageInputs, template: Any, **local: Any) -> str:
    return inputs.key("a.html", template, {"approvals": None, **local})


def test_a_page_key_follows_every_value_it_reads_and_only_those() -> None:
    env = Environment(loader=DictLoader({"a.html": "{{ SITENAME }} {{ tahun }} {{ daftar }}"}))
    template = env.get_template("a.html")
    inputs = PageInputs({"PATH": "."})
    name, shared = "KPU", ["x"]
    key = _page(inputs, template, SITENAME=name, tahun=2026, daftar=shared)
    assert _page(inputs, template, SITENAME="KPU", tahun=2026, daftar=["x"]) == key
    assert _page(inputs, template, SITENAME=name, tahun=2026, daftar=shared, lain=1) == key
    changed = [
        {"SITENAME": "KPU Baru", "tahun": 2026, "daftar": shared},
        {"SITENAME": name, "tahun": "2026", "daftar": shared},  # a string is not a number
        {"SITENAME": name, "tahun": 2026.0, "daftar": shared},
        {"SITENAME": name, "tahun": True, "daftar": shared},
        {"SITENAME": name, "daftar": shared},  # missing
        {"SITENAME": name, "tahun": 2026, "daftar": [*shared, "y"]},
        # None and the floats that are not numbers (orjson would write all three as null)
        {"SITENAME": name, "tahun": None, "daftar": shared},
        {"SITENAME": name, "tahun": float("nan"), "daftar": shared},
        {"SITENAME": name, "tahun": float("inf"), "daftar": shared},
        {"SITENAME": name, "tahun": 2026, "daftar": [None]},
        {"SITENAME": name, "tahun": 2026, "daftar": [float("nan")]},
        {"SITENAME": name, "tahun": 2026, "daftar": [float("-inf")]},
        # what orjson refuses is written by json: still told apart
        {"SITENAME": "KPU \udcff", "tahun": 2026, "daftar": shared},
        {"SITENAME": name, "tahun": 2**70, "daftar": shared},
    ]
    keys = {_page(inputs, template, **values) for values in changed}
    assert len(keys) == len(changed) and key not in keys
    shared.append("y")  # a list is read again on every page, even the same list
    assert _page(inputs, template, SITENAME=name, tahun=2026, daftar=shared) != key


def test_a_refused_template_is_kept_only_while_its_texts_are_the_same() -> None:
    texts = {"a.html": "{% extends 'b.html' %}", "b.html": "{% include nama %}"}
    env = Environment(loader=DictLoader(texts))
    with pytest.raises(Refused) as refused:
        closure(env, "a.html", frozenset())
    entry = stored(refused.value)
    again = restored(env, entry)
    assert (
        isinstance(again, Refused) and str(again) == str(refused.value) == "b.html: templat dinamis"
    )
    texts["b.html"] = "{% include 'c.html' %}"
    texts["c.html"] = "tetap"
    assert restored(env, entry) is None  # a text changed: analysed again
    found = closure(env, "a.html", frozenset())
    assert set(found.sources) == {"a.html", "b.html", "c.html"}
    assert restored(env, b"RACUN") is None


#: Period archive templates: what they may read of the periods and of their own items.
PERIOD_USES = {
    "menu": (
        "{% for m in period_archives.month if m.period_num[0] == 2026 %}"
        "<a href='{{ m.url }}'>{{ m.period }}</a> ({{ m.dates|length }}){% endfor %}",
        True,
    ),
    "sorted": (
        "{% for a in dates|sort(attribute='date', reverse=True) %}{{ a.title }}{% endfor %}",
        True,
    ),
    "period-items": (  # a period's items themselves are not keyed, only how many
        "{% for m in period_archives.year %}{% for a in m.dates %}{{ a.title }}{% endfor %}"
        "{% endfor %}",
        False,
    ),
    "sorted-by-unkeyed": ("{% for a in dates|sort(attribute='_content') %}x{% endfor %}", False),
    "sorted-by-variable": ("{% for a in dates|sort(attribute=kunci) %}x{% endfor %}", False),
    "sorted-then-joined": ("{{ dates|sort(attribute='date')|join(',') }}", False),
}


@pytest.mark.parametrize("use", sorted(PERIOD_USES))
def test_period_archives_and_sorted_lists_are_keyed_only_as_far_as_they_are_read(
    use: str,
) -> None:
    text, cacheable = PERIOD_USES[use]
    env = Environment(loader=DictLoader({"p.html": text}))
    if not cacheable:
        with pytest.raises(Uncacheable):
            closure(env, "p.html", frozenset())
        return
    found = closure(env, "p.html", frozenset())
    assert ("dates" in found.whole) == (use == "sorted")


def test_the_period_menu_key_holds_each_period_and_its_count_never_its_items() -> None:
    def periods(titles: list[str], extra: int = 0) -> dict[str, list[dict[str, Any]]]:
        items = [SimpleNamespace(title=t) for t in titles]
        month = {"period": (2026, "November"), "period_num": (2026, 11), "url": "arsip/2026/11/"}
        return {
            "year": [{**month, "period": (2026,), "period_num": (2026,), "url": "arsip/2026/"}],
            "month": [{**month, "save_as": "x", "dates": items + [items[0]] * extra}],
        }

    base = fp.periods(periods(["Satu", "Dua"]))
    assert fp.periods(periods(["SATU DIUBAH", "Dua"])) == base  # only its own page shows it
    assert fp.periods(periods(["Satu", "Dua"], extra=1)) != base  # the count moves
    moved = periods(["Satu", "Dua"])
    moved["month"][0]["url"] = "arsip/2026/11/baru/"
    assert fp.periods(moved) != base
    with pytest.raises(Uncacheable):
        fp.periods([("bukan", "peta")])


@pytest.mark.parametrize(
    "html, regex",
    [
        ("<p>Isi tanpa tautan internal.</p>", None),
        ('<p><a href="{filename}/lain.md">lain</a></p>', None),
        ('<p><a href="|filename|/lain.md">lain</a></p>', None),
        ('<p><a href="[filename]/lain.md">lain</a></p>', r"\[(?P<what>.*?)\]"),
    ],
    ids=["no-links", "braces", "bars", "own-pattern"],
)
def test_an_items_html_is_keyed_as_pelican_resolves_it_on_every_page(
    html: str, regex: str | None
) -> None:
    """HTML without a link is keyed as it is; any link takes Pelican's own pass."""
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    settings = {**DEFAULT_CONFIG, "RELATIVE_URLS": True}
    if regex:
        settings["INTRASITE_LINK_REGEX"] = regex
    other = Article("x", {"title": "Lain", "date": datetime(2026, 11, 1)}, settings, "lain.md")
    context = {"localsiteurl": "", "generated_content": {"lain.md": other}, "static_content": {}}
    other._context = context
    article = Article(
        html,
        {"title": "Satu", "date": datetime(2026, 11, 2), "summary": "Ringkas."},
        settings,
        "satu.md",
        context,
    )
    for depth in ("", "..", "../.."):
        context["localsiteurl"] = depth
        found = fp.content_html(article)["content"]
        assert found == fp.digest(article.get_content(depth)), depth
    if "{" in html or "|" in html or regex:
        assert article.get_content("..") != html  # resolved: the fast way would be wrong
