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

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import meta, nodes
from jinja2.compiler import CodeGenerator

ANY = "any"  # a value fingerprinted whole (a scalar, a helper's whole result)
#: Attributes a template may read of a partly fingerprinted value, and what they give.
KINDS: dict[str, dict[str, str]] = {
    "content": {
        **dict.fromkeys(
            ("title", "summary", "url", "save_as", "lang", "date", "modified", "slug"), ANY
        ),
        **dict.fromkeys(("status", "in_default_lang", "locale_date", "locale_modified"), ANY),
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
}
#: The element kind of a list kind (loops over it give elements of that kind).
ELEMENTS = {"wrappers": "wrapper", "translations": "translation"}
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
}
#: Menu helpers: ``for a, b in helper(name)`` with the kinds of ``a`` and ``b``.
MENUS = {"kinds_nav": ("categories", "wrapper", "count"), "nav_pages": ("pages", "navpage", ANY)}


class _Names(CodeGenerator):  # type: ignore[misc]
    """Every name a template looks up at render time, globals included.

    ``jinja2.meta.find_undeclared_variables`` leaves out the environment's globals, but
    the theme's helpers and values are globals and shape the page as much as the context.
    """

    def __init__(self, environment: Any) -> None:
        super().__init__(environment, "<cache>", "<cache>")
        self.names: set[str] = set()

    def write(self, x: str) -> None:
        """Write no code: only the names are wanted."""

    def enter_frame(self, frame: Any) -> None:
        """Note every name this frame resolves from the context or the globals."""
        super().enter_frame(frame)
        for _, (action, param) in frame.symbols.loads.items():
            if action == "resolve" and param:
                self.names.add(param)


def read_names(env: Any, tree: nodes.Template) -> set[str]:
    """Return the names ``tree`` reads from its context or the environment's globals."""
    generator = _Names(env)
    generator.visit(tree)
    return generator.names


class Uncacheable(Exception):
    """A page whose inputs cannot all be fingerprinted: it is rendered, never cached."""


@dataclass
class Closure:
    """One template with everything it pulls in, as far as the cache key needs it."""

    digest: str  # sha256 over the names and sources of every template of the closure
    names: frozenset[str]  # context names read anywhere in the closure
    files: tuple[str, ...]  # the templates' file names (for docs and tests)
    counts: bool = False  # the menu's item counts are shown (``kinds_nav`` second value)
    calls: dict[str, str] = field(default_factory=dict)  # helper -> "item" or "zero"


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
        if isinstance(parent, (nodes.Not, nodes.And, nodes.Or)):
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
        if sub == "seal":  # approvals.seal(): called with nothing, on every page
            call = parents[-2] if len(parents) > 1 else None
            return isinstance(call, nodes.Call) and call.node is parent and not call.args
        return sub is not None and _use_ok(sub, parent, parents[:-1], helpers)
    if kind in ELEMENTS:
        if isinstance(parent, nodes.Filter) and parent.node is node and parent.name == "length":
            return True
        if isinstance(parent, nodes.For) and parent.iter is node:
            return _loop_uses(parent, parent.target, ELEMENTS[kind], helpers)
    if kind == "content" and isinstance(parent, nodes.Call) and node in parent.args:
        # a theme helper given the item (``item_view``): its whole result is keyed
        return isinstance(parent.node, nodes.Name) and parent.node.name in helpers
    return False


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
    name: str, node: nodes.Name, parents: tuple[nodes.Node, ...], found: Closure
) -> bool:
    """Helpers are only called: with the page's item, in a menu, with no arguments, or pure."""
    call = parents[-1] if parents else None
    if not (isinstance(call, nodes.Call) and call.node is node):
        return False
    argument = call.args[0] if len(call.args) == 1 else None
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


def check_uses(trees: list[nodes.Template], found: Closure, helpers: frozenset[str]) -> None:
    """Raise ``Uncacheable`` unless every partly fingerprinted name is used as allowed."""
    menus = {spec[0]: helper for helper, spec in MENUS.items()}
    for tree in trees:
        for node, parents in _walk(tree):
            if not isinstance(node, nodes.Name) or node.ctx != "load" or not parents:
                continue
            name = node.name
            if name in NAMES:
                ok = _use_ok(NAMES[name], node, parents, helpers)
            elif name in menus:
                ok = _menu_ok(name, node, parents, found, helpers)
            elif name in helpers:
                ok = _helper_ok(name, node, parents, found)
            else:
                continue
            if not ok:
                raise Uncacheable(f"{tree.name if hasattr(tree, 'name') else ''}: {name}")
    for name, how in found.calls.items():
        if how == "args" and name not in PURE or how == "item" and name in PURE:
            raise Uncacheable(f"helper {name} dengan argumen")


#: Helpers that are pure functions of their arguments (site_theme.formats, Jinja's own).
PURE = frozenset({"tanggal", "tanggal_waktu", "iso", "ukuran", "range", "dict", "namespace"})


def _parse(env: Any, name: str, parsed: dict[Any, Any]) -> tuple[Any, str, Any, set[str]]:
    """Return ``(source, file, tree, names)`` of one template, parsed once per source."""
    source, filename, _ = env.loader.get_source(env, name)
    memo = (id(env), name, source)
    if memo not in parsed:
        tree = env.parse(source, name, filename)
        parsed[memo] = (source, filename or "", tree, read_names(env, tree))
    found: tuple[Any, str, Any, set[str]] = parsed[memo]
    return found


def closure(
    env: Any, name: str, helpers: frozenset[str], parsed: dict[Any, Any] | None = None
) -> Closure:
    """Return the closure of template ``name`` in ``env``, or raise ``Uncacheable``."""
    parsed = {} if parsed is None else parsed
    sources: dict[str, tuple[str, str]] = {}
    trees: list[nodes.Template] = []
    names: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in sources:
            continue
        source, filename, tree, read = _parse(env, current, parsed)
        sources[current] = (source, filename)
        trees.append(tree)
        names |= read
        for ref in meta.find_referenced_templates(tree):
            if ref is None:  # a template chosen at render time: not provable
                raise Uncacheable(f"{current}: templat dinamis")
            todo.append(ref)
    digest = hashlib.sha256()
    for key in sorted(sources):
        digest.update(f"{key}\0{sources[key][0]}\0".encode())
    found = Closure(
        digest.hexdigest(), frozenset(names), tuple(sources[k][1] for k in sorted(sources))
    )
    check_uses(trees, found, helpers)
    return found
