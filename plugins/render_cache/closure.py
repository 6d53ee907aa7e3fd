"""What a template can read: its closure of templates and how it uses each context name.

A rendered page may be reused only if everything that shaped it is in its cache key. The
template's own text and the text of every template it extends, includes or imports are
read through the environment's loader; the names it reads from the context are found
with ``jinja2.meta``. Some names hold objects too large to fingerprint whole on every
page (the page's item, the categories of the menu): for those the templates' syntax
trees are checked so that they use only the parts that are fingerprinted (attributes
listed in ``KINDS``, loops over the menu helpers, tests like ``is defined``). A template
that uses them any other way makes its pages uncacheable: they are rendered every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes

ANY = "any"  # a value fingerprinted whole (a scalar, a helper's whole result)
#: Attributes a template may read of a partly fingerprinted value, and what they give.
KINDS: dict[str, dict[str, str]] = {
    "content": {
        **dict.fromkeys(
            ("title", "summary", "url", "save_as", "lang", "date", "modified", "slug"), ANY
        ),
        **dict.fromkeys(("status", "in_default_lang", "locale_date", "locale_modified"), ANY),
        # site_theme.notices / regulations: plain data the theme also puts into the item's
        # metadata, which fingerprints.content_fields keys whole
        **dict.fromkeys(("masa_berlaku", "data_regulasi"), ANY),
        "category": "wrapper",
        "author": "wrapper",
        "tags": "wrappers",
        "authors": "wrappers",
        "translations": "translations",
    },
    "wrapper": dict.fromkeys(("name", "slug", "url", "save_as"), ANY),
    "translation": dict.fromkeys(("title", "url", "save_as", "lang", "slug"), ANY),
    "navpage": dict.fromkeys(("title", "url", "save_as", "slug"), ANY),
    "provider": {"seal": "seal"},
    "theme": {},  # every field but the logo's path (see fingerprints.theme)
    "logo": dict.fromkeys(("name", "width", "height"), ANY),
    # a listing's page (Pelican's paginator.Page) and paginator
    # ``total``: the first page's count (site_theme/paging.py), keyed on the page itself
    # only: the pages before and after it (``pagelink``) are read for their address
    "pageobj": {
        **dict.fromkeys(("number", "url", "save_as", "total"), ANY),
        "object_list": "contents",
    },
    "pagelink": {**dict.fromkeys(("number", "url", "save_as"), ANY), "object_list": "contents"},
    "paginator": dict.fromkeys(("num_pages", "count", "per_page"), ANY),
    # Pelican's period archives (the menu of years and months): each period's address and
    # how many items it has, never the items themselves (fingerprints.periods)
    "periods": dict.fromkeys(("year", "month", "day"), "periodlist"),
    "period": {
        **dict.fromkeys(("period", "period_num", "url", "save_as"), ANY),
        **dict.fromkeys(("dates", "articles"), "sized"),
    },
}
#: The element kind of a list kind (loops over it give elements of that kind).
ELEMENTS = {
    "wrappers": "wrapper",
    "translations": "translation",
    "contents": "content",
    "periodlist": "period",
}
#: The attributes a list of items may be sorted by (``|sort(attribute=...)``): fingerprinted.
SORT_KEYS = frozenset(k for k, v in KINDS["content"].items() if v == ANY)
#: The names Pelican's paginated writer adds for each paginated list.
PAGINATED = {"_page": "pageobj", "_previous_page": "pagelink", "_next_page": "pagelink"}
#: Top-level context names and their kinds.
NAMES = {
    "article": "content",
    "page": "content",
    "category": "wrapper",
    "tag": "wrapper",
    "author": "wrapper",
    "approvals": "provider",
    "tema": "theme",
    "tema_logo": "logo",
    "articles": "contents",
    "dates": "contents",
    **{
        f"{list_}{suffix}": kind
        for list_ in ("articles", "dates")
        for suffix, kind in PAGINATED.items()
    },
    "articles_paginator": "paginator",
    "dates_paginator": "paginator",
    "period_archives": "periods",
}
#: Menu helpers: ``for a, b in helper(name)`` with the kinds of ``a`` and ``b``.
MENUS = {"kinds_nav": ("categories", "wrapper", "count"), "nav_pages": ("pages", "navpage", ANY)}


class Uncacheable(Exception):
    """A page whose inputs cannot all be fingerprinted: it is rendered, never cached."""


@dataclass
class Closure:
    """One template with everything it pulls in, as far as the cache key needs it."""

    digest: str  # sha256 over the names and sources of every template of the closure
    names: frozenset[str]  # context names read anywhere in the closure
    files: tuple[str, ...]  # the templates' file names (for docs and tests)
    counts: bool = False  # the menu's item counts are shown (``kinds_nav`` second value)
    calls: dict[str, str] = field(default_factory=dict)  # helper -> "item", "list", "zero"
    whole: set[str] = field(default_factory=set)  # lists read beyond their length
    sized: set[str] = field(default_factory=set)  # whole lists whose length is read
    period_counts: bool = False  # a period's item count is shown (``p.dates|length``)
    sources: dict[str, str] = field(default_factory=dict)  # template -> sha256 of its text


class Known(frozenset[str]):
    """The theme's helpers, with the closure's macros (a listing hands its items to them)."""

    macros: dict[str, Any]  # name -> nodes.Macro (None: two macros share the name)
    seen: set[tuple[str, str, str, str]]  # (macro, parameter, kind, origin) checked
    results: set[str]  # template variables holding a helper's result over a list
    found: Closure  # where the lists read beyond their length are noted
    origin: str  # the top-level name whose use is being checked


def _walk(node: nodes.Node, parents: tuple[nodes.Node, ...] = ()) -> Iterator[Any]:
    yield node, parents
    for child in node.iter_child_nodes():
        yield from _walk(child, (*parents, node))


def _truthiness(node: nodes.Node, parents: tuple[nodes.Node, ...]) -> bool:
    """Tell whether only the truth of ``node`` matters (an ``if`` test through and/or/not)."""
    current = node
    for parent in reversed(parents):
        if isinstance(parent, (nodes.If, nodes.CondExpr)):
            return parent.test is current
        if isinstance(parent, nodes.Not):
            return True  # ``not x`` is a bool made from the truth of x alone
        if isinstance(parent, (nodes.And, nodes.Or)):
            current = parent
            continue
        if isinstance(parent, nodes.Test) and parent.name in ("defined", "undefined"):
            return True
        return False
    return False


def _loop_uses(loop: nodes.For, target: nodes.Node, kind: str, helpers: frozenset[str]) -> bool:
    """Check every use of a loop variable of ``kind`` in the loop's body."""
    if not isinstance(target, nodes.Name):
        return False
    body = [*loop.body, *loop.else_, *([loop.test] if loop.test else [])]
    for part in body:
        for node, parents in _walk(part, (loop,)):
            if isinstance(node, nodes.Name) and node.name == target.name:
                if node.ctx != "load" or not _use_ok(kind, node, parents, helpers):
                    return False
    return True


def _use_ok(
    kind: str, node: nodes.Node, parents: tuple[nodes.Node, ...], helpers: frozenset[str]
) -> bool:
    """Tell whether this use of a value of ``kind`` reads only what its fingerprint holds."""
    if kind in (ANY, "count"):
        return True
    if _truthiness(node, parents):
        return True
    parent = parents[-1]
    if isinstance(parent, nodes.Compare) and kind in ("content", "wrapper", "navpage"):
        return True  # equality of items (identity) and wrappers (slug): both fingerprinted
    if isinstance(parent, nodes.Operand) and kind in ("content", "wrapper", "navpage"):
        return True
    if isinstance(parent, nodes.Getattr) and parent.node is node:
        if kind == "theme":
            return parent.attr != "logo"
        sub = KINDS.get(kind, {}).get(parent.attr)
        if sub == "contents" and isinstance(helpers, Known):  # a listing page's items
            helpers.found.whole.add(helpers.origin)
        if sub == "seal":  # approvals.seal(): called with nothing, on every page
            call = parents[-2] if len(parents) > 1 else None
            return isinstance(call, nodes.Call) and call.node is parent and not call.args
        return sub is not None and _use_ok(sub, parent, parents[:-1], helpers)
    if kind == "sized":  # only how many (a period's items in the archive menu)
        if not (isinstance(parent, nodes.Filter) and parent.node is node):
            return False
        if parent.name != "length" or not isinstance(helpers, Known):
            return False
        helpers.found.period_counts = True  # keyed only where a template shows them
        return True
    if kind == "contents" and _sorted(node, parent):  # the same items, reordered
        return _use_ok(kind, parent, parents[:-1], helpers)
    if kind in ELEMENTS:
        if isinstance(parent, nodes.Filter) and parent.node is node and parent.name == "length":
            return True
        if isinstance(parent, nodes.For) and parent.iter is node:
            return _loop_uses(parent, parent.target, ELEMENTS[kind], helpers)
    if isinstance(parent, nodes.CondExpr) and node is not parent.test:
        return _use_ok(kind, parent, parents[:-1], helpers)  # ``x if test else []``
    if isinstance(parent, nodes.Call) and isinstance(parent.node, nodes.Name):
        if parent.node.name in getattr(helpers, "macros", {}):
            return _macro_ok(kind, node, parent, helpers)
        if kind == "content" and node in parent.args:
            # a theme helper given the item (``item_view``): its whole result is keyed
            return parent.node.name in helpers
    return False


def _sorted(node: nodes.Node, parent: nodes.Node) -> bool:
    """Tell whether ``parent`` is ``node|sort(...)`` by a fingerprinted attribute, if any.

    The list's key holds each item's fingerprint in the list's order, and the attribute
    sorted by is part of each fingerprint, so the sorted list is keyed too.
    """
    if not (isinstance(parent, nodes.Filter) and parent.node is node and parent.name == "sort"):
        return False
    if parent.args or parent.dyn_args or parent.dyn_kwargs:
        return False
    for keyword in parent.kwargs:
        value = keyword.value
        if not isinstance(value, nodes.Const):
            return False
        if keyword.key == "attribute":
            if value.value not in SORT_KEYS:
                return False
        elif keyword.key not in ("reverse", "case_sensitive"):
            return False
    return True


def _macro_ok(kind: str, node: nodes.Node, call: nodes.Call, helpers: Any) -> bool:
    """Follow a value into a macro of the closure: its parameter may be used as allowed."""
    macro = helpers.macros[getattr(call.node, "name", "")]
    index = next((i for i, arg in enumerate(call.args) if arg is node), None)
    if macro is None or call.dyn_args or call.dyn_kwargs or index is None:
        return False  # two macros of one name, or a value passed in a way not followed
    if index >= len(macro.args):
        return False
    name = macro.args[index].name
    if (macro.name, name, kind, helpers.origin) in helpers.seen:
        return True  # checked (or being checked) already
    helpers.seen.add((macro.name, name, kind, helpers.origin))
    for part in macro.body:
        for inner, parents in _walk(part, (macro,)):
            if isinstance(inner, nodes.Name) and inner.name == name and inner.ctx == "load":
                if not _use_ok(kind, inner, parents, helpers):
                    return False
    return True


def _menu_ok(
    name: str,
    node: nodes.Name,
    parents: tuple[nodes.Node, ...],
    found: Closure,
    helpers: frozenset[str],
) -> bool:
    """Check ``for a, b in kinds_nav(categories)`` (or ``nav_pages(pages)``)."""
    call = parents[-1]
    if not (isinstance(call, nodes.Call) and isinstance(call.node, nodes.Name)):
        return False
    helper = MENUS.get(call.node.name)
    if helper is None or helper[0] != name or call.args != [node] or call.kwargs:
        return False
    loop = parents[-2] if len(parents) > 1 else None
    if not (isinstance(loop, nodes.For) and loop.iter is call):
        return False
    target = loop.target
    if not (isinstance(target, nodes.Tuple) and len(target.items) == 2):
        return False
    first, second = target.items
    if not _loop_uses(loop, first, helper[1], helpers) or not isinstance(second, nodes.Name):
        return False
    if helper[2] == "count" and any(
        isinstance(n, nodes.Name) and n.name == second.name and n.ctx == "load"
        for part in loop.body
        for n, _ in _walk(part)
    ):
        found.counts = True
    return True


def _helper_ok(
    name: str, node: nodes.Name, parents: tuple[nodes.Node, ...], found: Closure, helpers: Any
) -> bool:
    """Helpers are only called: with the page's item, in a menu, with no arguments, or pure."""
    call = parents[-1] if parents else None
    if not (isinstance(call, nodes.Call) and call.node is node):
        return False
    argument = call.args[0] if len(call.args) == 1 else None
    if isinstance(argument, nodes.Name) and NAMES.get(argument.name) == "contents":
        # ``{% set x = helper(articles) %}``: its result is keyed, and x's uses checked
        assign = parents[-2] if len(parents) > 1 else None
        if not (
            isinstance(assign, nodes.Assign)
            and assign.node is call
            and isinstance(assign.target, nodes.Name)
        ) or (call.kwargs or call.dyn_args or call.dyn_kwargs):
            return False
        helpers.results.add(assign.target.name)
        return found.calls.setdefault(name, "list") == "list"
    if isinstance(argument, nodes.Name) and NAMES.get(argument.name) == "content":
        # evaluated for the page's item(s) when the key is made, its result keyed
        return found.calls.setdefault(name, "item") == "item" and not (
            call.kwargs or call.dyn_args or call.dyn_kwargs
        )
    if name in MENUS:
        return True  # its argument is checked as the menu's name
    if call.args or call.kwargs or call.dyn_args or call.dyn_kwargs:
        return found.calls.setdefault(name, "args") == "args"
    return found.calls.setdefault(name, "zero") == "zero"


def _known(trees: list[nodes.Template], helpers: frozenset[str], found: Closure) -> Known:
    """Return the helpers with the closure's macros (a name defined twice is not followed)."""
    known = Known(helpers)
    known.macros, known.seen, known.results = {}, set(), set()
    known.found, known.origin = found, ""
    for tree in trees:
        for macro in tree.find_all(nodes.Macro):
            known.macros[macro.name] = None if macro.name in known.macros else macro
    return known


def _list_ok(
    name: str, node: nodes.Name, parents: tuple[nodes.Node, ...], found: Closure, known: Known
) -> bool:
    """Check a whole list (``articles``): its length, a helper over it, or followed.

    A list only handed to helpers is not keyed itself (their results are, where they are
    called: calls.py), so the older pages of a listing, which neither show its length nor
    call its helpers, keep their keys when an item is added (site_theme/paging.py).
    """
    parent = parents[-1]
    if isinstance(parent, nodes.Filter) and parent.node is node and parent.name == "length":
        found.sized.add(name)
        return True
    if (
        isinstance(parent, nodes.Call)
        and parent.args == [node]
        and isinstance(parent.node, nodes.Name)
    ):
        if parent.node.name in known and parent.node.name not in known.macros:
            return True  # the helper's result is keyed (``_helper_ok`` checks the call)
    found.whole.add(name)
    return _use_ok("contents", node, parents, known)


def _result_ok(node: nodes.Name, parents: tuple[nodes.Node, ...], known: Known) -> bool:
    """Check a helper's result over a list: tested, or looped as ``for item, value in x``."""
    if _truthiness(node, parents):
        return True
    loop = parents[-1]
    if not (isinstance(loop, nodes.For) and loop.iter is node):
        return False
    target = loop.target
    return (
        isinstance(target, nodes.Tuple)
        and len(target.items) == 2
        and _loop_uses(loop, target.items[0], "content", known)
    )


def check_uses(trees: list[nodes.Template], found: Closure, helpers: frozenset[str]) -> None:
    """Raise ``Uncacheable`` unless every partly fingerprinted name is used as allowed."""
    menus = {spec[0]: helper for helper, spec in MENUS.items()}
    known = _known(trees, helpers, found)
    for tree in trees:
        for node, parents in _walk(tree):
            if not isinstance(node, nodes.Name) or node.ctx != "load" or not parents:
                continue
            name = known.origin = node.name
            if NAMES.get(name) == "contents":
                ok = _list_ok(name, node, parents, found, known)
            elif name in NAMES:
                ok = _use_ok(NAMES[name], node, parents, known)
            elif name in menus:
                ok = _menu_ok(name, node, parents, found, known)
            elif name in helpers:
                ok = _helper_ok(name, node, parents, found, known)
            else:
                continue
            if not ok:
                raise Uncacheable(f"{tree.name if hasattr(tree, 'name') else ''}: {name}")
    for tree in trees:  # the variables set from a helper over a list (``terkini``)
        for node, parents in _walk(tree):
            if isinstance(node, nodes.Name) and node.name in known.results and node.ctx == "load":
                if any(  # a macro's own parameter of that name is another variable
                    isinstance(p, nodes.Macro) and node.name in {a.name for a in p.args}
                    for p in parents
                ):
                    continue
                known.origin = node.name
                if not _result_ok(node, parents, known):
                    raise Uncacheable(f"{tree.name if hasattr(tree, 'name') else ''}: {node.name}")
    for name, how in found.calls.items():
        if how == "args" and name not in PURE or how in ("item", "list") and name in PURE:
            raise Uncacheable(f"helper {name} dengan argumen")


#: Helpers that are pure functions of their arguments (site_theme.formats, Jinja's own).
PURE = frozenset(
    {"tanggal", "tanggal_waktu", "iso", "ukuran", "range", "dict", "namespace"}
    | {"remah_jsonld"}  # site_theme.structured: JSON-LD of a listing's trail, from its arguments
)
