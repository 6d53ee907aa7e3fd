"""Fingerprints of what a page's template reads: plain data, items, menus, helpers' results.

Each value a template reads becomes plain data (strings, numbers, lists) that goes into
the page's cache key. Plain values are taken whole; an item by what a page can show of
it (its HTML as rendered for this page, summary, metadata, addresses, translations and
the gate's entry with its digest); a menu by the names and addresses it shows. Anything
else raises ``Uncacheable``: the page is then rendered, never taken from the cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import sys
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from importlib import metadata as distributions
from pathlib import Path, PurePath
from typing import Any


from pelican.settings import DEFAULT_CONFIG

from approval_gate.api import code_digest

from .closure import Uncacheable

_ADDRESS = re.compile(r" at 0x[0-9a-f]+")
#: Settings that name this run (its id, its folders); what they hold is keyed elsewhere.
RUN_VALUES = (
    "OUTPUT_PATH",
    "APPROVAL_GATE_MANIFEST_PATH",
    "APPROVAL_GATE_BUILD_ID",
    "RENDER_CACHE_PATH",
    "CACHE_PATH",
)
_DEPTH = 12
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names, by class
_KINDS: dict[type, str] = {}  # how ``plain`` reduces each type (``_kind``)
#: The exact types ``plain`` returns as they are (no subclass: a str subclass may be Markup;
#: no float: one that is not a number is tagged, see ``plain``).
_LEAVES = frozenset({str, int, bool, type(None)})
#: Pelican's own link pattern (``{filename}x``, ``|filename|x``): ``_html`` relies on it.
_LINKS = DEFAULT_CONFIG["INTRASITE_LINK_REGEX"]


def digest(text: str) -> str:
    """Return the hex sha256 of a text (surrogates kept: any str can be keyed)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _kind(kind: type) -> str:
    """Return how ``plain`` reduces values of exactly this type (the checks' order kept)."""
    if kind is str or kind is int or kind is bool or kind is float or kind is type(None):
        return "scalar"
    if kind is list or kind is tuple:
        return "sequence"
    if kind is dict:
        return "mapping"
    if issubclass(kind, (bool, int, float)):
        return "scalar"
    if issubclass(kind, str):
        return "text"
    if issubclass(kind, (datetime, date, time)):
        return "time"
    if issubclass(kind, timedelta):
        return "duration"
    if issubclass(kind, PurePath):
        return "path"
    if issubclass(kind, (list, tuple)):
        return "sequence"
    if issubclass(kind, (set, frozenset)):
        return "set"
    if issubclass(kind, Mapping):
        return "mapping"
    if dataclasses.is_dataclass(kind):
        return "dataclass"
    return "other"  # a URLWrapper (by its attributes, per value) or uncacheable


def plain(value: Any, depth: int = 0, memo: dict[Any, tuple[Any, Any]] | None = None) -> Any:
    """Return ``value`` as JSON-ready data, or raise ``Uncacheable`` for anything unknown.

    How a value is reduced depends on its type alone (but for a URLWrapper, recognised by
    its attributes), so the type's way is looked up once per type (``_KINDS``): the key
    of a page reduces ~100 values. ``memo`` (one build's wrappers, see ``wrapper``).
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common case first: exact types, no subclass can hide here
    if depth > _DEPTH:
        raise Uncacheable("nilai terlalu dalam")
    how = _KINDS.get(kind)
    if how is None:
        how = _KINDS[kind] = _kind(kind)
    depth += 1
    leaf = _LEAVES  # kept as they are (the first line above), without a call each
    if how == "sequence":
        return [kind.__name__, [v if type(v) in leaf else plain(v, depth, memo) for v in value]]
    if how == "mapping":
        return [
            "{}",
            [
                [
                    k if type(k) in leaf else plain(k, depth, memo),
                    v if type(v) in leaf else plain(v, depth, memo),
                ]
                for k, v in value.items()
            ],
        ]
    if how == "dataclass":
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        return [kind.__qualname__, [[n, plain(getattr(value, n), depth, memo)] for n in names]]
    if how == "scalar":  # a float that is not a number is tagged: the keys' JSON writes no NaN
        return value if value - value == 0 else ["F", repr(float(value))]
    if how == "text":  # Markup too: escaping is decided by the type
        return ["M", str(value)] if hasattr(value, "__html__") else str(value)
    if how == "time":
        return ["T", kind.__name__, value.isoformat(), str(getattr(value, "tzinfo", ""))]
    if how == "duration":
        return ["D", value.total_seconds()]
    if how == "path":
        return ["P", str(value)]
    if how == "set":
        return ["S", sorted(repr(plain(item, depth, memo)) for item in value)]
    if hasattr(value, "slug") and hasattr(value, "_normalize_key"):  # a URLWrapper
        return wrapper(value, memo)
    raise Uncacheable(f"nilai jenis {kind.__name__}")


def wrapper(value: Any, memo: dict[Any, tuple[Any, Any]] | None = None) -> Any:
    """Return a category, tag or author as pages show it and as equality compares it.

    ``memo`` (one build's) keeps the answers by each wrapper's class and state
    (``_state``). Pelican makes one wrapper object per item and tag, category or author
    (about 40,000 at 10,000 items, for far fewer names), and each object asked for its
    URLs formats them anew and stores its name and slug in itself (Pelican's
    ``as_dict``). Kept per object, those answers and copies were about 9 MB of the
    child at its largest at 5,000 items and 17 MB at 10,000 (issue 12). Objects of one
    class whose attributes are the same values (the settings: the same object) give the
    same answer, so it is worked out once. The answer is stored under the state it was
    asked with and under the state the object has after it (its slug and URLs filled
    in), so asking the same object again finds it. A state that cannot be a key is kept
    by identity.
    """
    if value is None:
        return None
    if memo is None:
        return _reduced(value)
    state = _state(value)
    key = state if state is not None else id(value)
    known = memo.get(key)
    if known is not None and (state is not None or known[0] is value):
        return known[1]
    found = _reduced(value)
    entry = (value, found)  # the object kept alive: no id in a key is reused in the build
    memo[key] = entry
    after = _state(value)
    if after is not None and after != state:
        memo.setdefault(after, entry)
    return found


def _reduced(value: Any) -> list[Any]:
    """Return a wrapper's answer: its class, name, slug and URLs."""
    return [type(value).__name__, str(value.name), value.slug, value.url, value.save_as]


def _state(value: Any) -> tuple[Any, ...] | None:
    """Return a wrapper's class and attributes as a memo key (settings by identity), or None.

    Each attribute is keyed by its name, its value's type and its value (``1`` and
    ``True`` are equal keys on their own); the settings by identity (a one-item tuple):
    they are a dictionary, and the same object for every wrapper of a build. None when
    the object has no attributes to read or one of them is no dictionary key.
    """
    try:
        attributes = vars(value)
    except TypeError:
        return None
    state: list[Any] = [type(value)]
    for name, item in attributes.items():  # each value with its type: 1 is not True here
        state += (name, type(item), (id(item),) if name == "settings" else item)
    key = tuple(state)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _entry(approvals: Any, item: str) -> Any:
    """Return the provider's entry for an item (digest, sign-offs), or raise."""
    try:
        return plain(approvals.for_page(item))
    except Exception:  # the page itself will fail the same way when rendered
        raise Uncacheable(f"entri {item}") from None


def content_html(value: Any) -> dict[str, str]:
    """Return the digests of an item's HTML and summary as this page resolves their links.

    Pelican resolves ``{filename}`` links against the page's ``localsiteurl`` (relative
    URLs) and the other items' addresses, and memoises the result per siteurl: the
    render of a missed page reuses the same strings.
    """
    return {"content": digest(_html(value)), "summary": digest(str(value.summary))}


def _html(value: Any, siteurl: str | None = None) -> str:
    """Return the item's HTML as ``value.content`` gives it on this page (or at ``siteurl``).

    Pelican's link pass (``_update_content``) replaces only what its link pattern finds;
    with the default pattern every link starts with ``{`` or ``|``, so HTML holding
    neither comes out of it exactly as it went in, at any depth. Such HTML is taken as
    it is: the pass was about half of the items' part of the keys (two depths per item,
    regular expressions over the whole text, issue 12). Anything else takes Pelican's way:
    ``value.content`` for the page, ``value.get_content(siteurl)`` for a feed, which
    resolves links against the site's address (feeds.py).
    """
    raw = value.__dict__.get("_content")
    if (
        type(raw) is str
        and "{" not in raw
        and "|" not in raw
        and not hasattr(value, "_get_content")
        and value.settings.get("INTRASITE_LINK_REGEX") == _LINKS
    ):
        return raw
    return str(value.content if siteurl is None else value.get_content(siteurl))


def feed_html(value: Any, siteurl: str) -> str:
    """Return the digest of an item's HTML as a feed at ``siteurl`` shows it (feeds.py)."""
    return digest(_html(value, siteurl))


def content_fields(
    value: Any, approvals: Any, memo: dict[Any, tuple[Any, Any]] | None = None
) -> dict[str, Any]:
    """Return what a page can show of an item apart from its HTML (the same on any page)."""
    item = str(value.relative_source_path).replace("\\", "/")
    metadata = {k: v for k, v in value.metadata.items() if k not in ("summary",)}
    return {
        "item": item,
        "class": type(value).__name__,
        "url": value.url,
        "save_as": value.save_as,
        "lang": value.lang,
        "in_default_lang": value.in_default_lang,
        "title": value.title,
        "slug": getattr(value, "slug", None),
        "status": getattr(value, "status", None),
        "template": getattr(value, "template", None),
        "metadata": plain(metadata, memo=memo),  # its category, tags, authors: as below
        "category": wrapper(getattr(value, "category", None), memo),
        "author": wrapper(getattr(value, "author", None), memo),
        "authors": [wrapper(a, memo) for a in getattr(value, "authors", []) or []],
        "tags": [wrapper(t, memo) for t in getattr(value, "tags", []) or []],
        "translations": [
            [t.lang, t.url, t.save_as, t.title, getattr(t, "slug", None)]
            for t in getattr(value, "translations", []) or []
        ],
        "entry": _entry(approvals, item),
    }


def periods(value: Any, counts: bool = True) -> Any:
    """Return Pelican's period archives as a template may read them (closure.KINDS "period").

    Per year, month and day: each period's name, number, address and, with ``counts``
    (a template of the page shows ``p.dates|length``: ``Closure.period_counts``), how
    many items it has. Its items are not read, so an edited item changes no other
    period's page; an item added or removed changes the counts, and so every page
    showing them, and no other.
    """
    if not isinstance(value, Mapping):
        raise Uncacheable("arsip periode")
    found = []
    for granularity, periods_ in sorted(value.items()):
        rows = []
        for period in periods_:
            if not isinstance(period, Mapping):
                raise Uncacheable("arsip periode")
            rows.append(
                [
                    plain(period.get("period")),
                    plain(period.get("period_num")),
                    plain(period.get("url")),
                    plain(period.get("save_as")),
                    *(
                        (len(period.get("dates") or ()), len(period.get("articles") or ()))
                        if counts
                        else ()
                    ),
                ]
            )
        found.append([granularity, rows])
    return found


def theme(value: Any) -> Any:
    """Return the theme's settings but the logo's path (pages show its name and size)."""
    if not dataclasses.is_dataclass(value):
        raise Uncacheable("tema")
    return plain(
        {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.name != "logo"}
    )


def logo(value: Any) -> Any:
    """Return the logo as pages show it: output name and display size."""
    if value is None:
        return None
    return plain({key: value.get(key) for key in ("name", "width", "height")})


def menu_categories(value: Any, counts: bool, memo: dict[Any, tuple[Any, Any]]) -> Any:
    """Return the menu's categories: names and addresses, and their sizes if shown."""
    return [[wrapper(c, memo), len(items) if counts else None] for c, items in value]


def menu_pages(value: Any) -> Any:
    """Return the pages a menu may link to: identity, slug, title and address."""
    return [[str(p.relative_source_path), p.slug, p.title, p.url, p.save_as] for p in value]


def settings_fingerprint(settings: Mapping[str, Any]) -> str:
    """Every UPPERCASE setting, this run's folders left out and the site's root normalised.

    A sealed publish builds from a fresh export folder each time, so absolute paths under
    the site's root are written relative to it; values a template reads are also keyed
    exactly, one by one.
    """
    root = str(Path(str(settings.get("PATH") or ".")).resolve().parent)
    parts = []
    for key in sorted(k for k in settings if k.isupper() and k not in RUN_VALUES):
        text = _ADDRESS.sub("", repr(settings[key])).replace(root, "\0ROOT")
        parts.append(f"{key}={text}")
    return digest("\n".join(parts))


def code_fingerprint(*modules: str) -> str:
    """Return a digest of the code that shapes a page: helpers, this package, libraries."""
    digest = hashlib.sha256()
    for name in modules:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path is None:
            raise Uncacheable(f"kode {name}")
        code = code_digest(*sorted(Path(path).parent.glob("*.py")))
        if code is None:
            raise Uncacheable(f"kode {name}")
        digest.update(f"{name}={code}\0".encode())
    for dist in ("pelican", "jinja2", "markupsafe", "babel", "markdown", "pillow"):
        try:
            digest.update(f"{dist}={distributions.version(dist)}\0".encode())
        except distributions.PackageNotFoundError:
            digest.update(f"{dist}=-\0".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def environment(env: Any) -> Any:
    """Return the Jinja environment's options, filters and tests (by their code's name)."""

    def named(functions: Mapping[str, Any]) -> list[Any]:
        return sorted(
            [name, getattr(f, "__module__", ""), getattr(f, "__qualname__", repr(type(f)))]
            for name, f in functions.items()
        )

    return [
        sorted(str(e) for e in env.extensions),
        [env.autoescape if isinstance(env.autoescape, bool) else repr(env.autoescape)],
        [env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.newline_sequence],
        named(env.filters),
        named(env.tests),
    ]
