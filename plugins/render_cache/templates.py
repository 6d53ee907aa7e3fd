"""A template's closure: its own text and every template it pulls in, and the names read.

A rendered page may be reused only if everything that shaped it is in its cache key: the
text of the page's template and of every template it extends, includes or imports (read
through the environment's loader, found with ``jinja2.meta``), and every name it looks
up at render time. closure.py then checks how the partly fingerprinted names are used.
"""

from __future__ import annotations

import hashlib
import json
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


class Refused(Uncacheable):
    """A template whose uses cannot be proved, with the digests of the texts that showed it.

    The verdict is a function of those texts (the walk through the closure follows them
    alone), so it is kept like an analysis and trusted only while every text is the same.
    """

    def __init__(self, reason: str, sources: dict[str, str]) -> None:
        super().__init__(reason)
        self.sources = sources  # template -> sha256 of its text


def closure(
    env: Any, name: str, helpers: frozenset[str], parsed: dict[Any, Any] | None = None
) -> Closure:
    """Return the closure of template ``name`` in ``env``, or raise ``Refused``."""
    sources: dict[str, tuple[str, str]] = {}
    try:
        return _closure(env, name, helpers, {} if parsed is None else parsed, sources)
    except Uncacheable as why:
        raise Refused(str(why), {k: _sha(v[0]) for k, v in sources.items()}) from None


def _closure(
    env: Any,
    name: str,
    helpers: frozenset[str],
    parsed: dict[Any, Any],
    sources: dict[str, tuple[str, str]],
) -> Closure:
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
    found = Closure(
        _digest({k: v[0] for k, v in sources.items()}),
        frozenset(names),
        tuple(sources[k][1] for k in sorted(sources)),
    )
    check_uses(trees, found, helpers)
    found.sources = {k: _sha(v[0]) for k, v in sources.items()}
    return found


def _sha(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def _digest(sources: dict[str, str]) -> str:
    """Return the closure's digest: every template's name and text, in name order."""
    digest = hashlib.sha256()
    for key in sorted(sources):
        digest.update(f"{key}\0{sources[key]}\0".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def stored(found: Closure | Refused) -> bytes:
    """Return a closure as a machine-cache entry: its analysis and its templates' digests."""
    if isinstance(found, Refused):  # its pages are rendered: only the reason is kept
        return json.dumps(
            {"refused": str(found), "sources": sorted(found.sources.items())}
        ).encode()
    return json.dumps(
        {
            "sources": sorted(found.sources.items()),
            "names": sorted(found.names),
            "files": list(found.files),
            "counts": found.counts,
            "calls": sorted(found.calls.items()),
            "whole": sorted(found.whole),
            "sized": sorted(found.sized),
            "period_counts": found.period_counts,
        }
    ).encode()


def restored(env: Any, entry: bytes | None) -> Closure | Refused | None:
    """Return a stored closure (or refusal) if every template it names has the same text.

    The analysis is a function of the templates' texts, the helpers' names, the
    environment and the code, all in the entry's key but the texts: those are read again
    through the loader (a template added in front of another changes what a name
    reads) and compared. Anything off (a bad entry, a changed text) means None: analyse.
    """
    if entry is None:
        return None
    try:
        data = json.loads(entry)
        texts = {}
        for name, sha in data["sources"]:
            text = env.loader.get_source(env, name)[0]
            if _sha(text) != sha:
                return None
            texts[name] = text
        if "refused" in data:
            return Refused(str(data["refused"]), {name: _sha(text) for name, text in texts.items()})
        found = Closure(
            _digest(texts),
            frozenset(str(n) for n in data["names"]),
            tuple(str(f) for f in data["files"]),
            data["counts"] is True,
            {str(k): str(v) for k, v in data["calls"]},
            {str(w) for w in data["whole"]},
            {str(s) for s in data["sized"]},
            data["period_counts"] is True,
        )
    except Exception:  # noqa: BLE001 (a bad entry is a miss, never an error)
        return None
    found.sources = {name: _sha(text) for name, text in texts.items()}
    return found
