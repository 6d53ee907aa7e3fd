"""A template's closure: its own text and every template it pulls in, and the names read.

A rendered page may be reused only if everything that shaped it is in its cache key: the
text of the page's template and of every template it extends, includes or imports (read
through the environment's loader, found with ``jinja2.meta``), and every name it looks
up at render time. closure.py then checks how the partly fingerprinted names are used.
"""

from __future__ import annotations

import hashlib
from typing import Any

from jinja2 import meta, nodes
from jinja2.compiler import CodeGenerator

from .closure import Closure, Uncacheable, check_uses


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
