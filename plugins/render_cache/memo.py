"""Item URLs formatted from what the pattern names, once per distinct input.

Every template asks each item for its ``url`` and ``save_as`` many
times (131k calls at 5,000 items), and Pelican answers each call by copying the whole
metadata, working out the relative source path and every other field, then formatting.
Here an answer is worked out from the fields the pattern actually names (``{category}``,
``{slug}``, ``{date:%Y}``), read afresh on every call, and the formatting of the same
pattern with the same values is remembered. Because the values are read on every call,
a change to an item during the build (a slug, a status, a date) can never leave a stale
URL: the memo only skips work whose inputs are equal. Anything unusual (a field the
memo does not know, positional fields, a value that cannot be a dictionary key) is
handed to Pelican's own code unchanged. The slugs of tags, categories and authors are
kept the same way (``slug``): by every argument of ``slugify``, and an item's path
relative to the content folder (``relative_source_path``): by the two paths and the
working folder it is worked out from.
"""

from __future__ import annotations

import datetime
import os
import string
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pelican import contents, urlwrappers
from pelican.utils import path_to_url, posixize_path

_ORIGINAL: dict[str, Callable[..., Any]] = {}
_formatter = string.Formatter()


class _Unusual(Exception):
    """Leave this call to Pelican's own code."""


@lru_cache(maxsize=1024)
def fields(pattern: str) -> tuple[str, ...] | None:
    """Return the root names a format pattern uses, or None when it uses other forms."""
    roots = []
    try:
        for _, name, spec, _ in _formatter.parse(pattern):
            if name is None:
                continue
            root = name.split(".", 1)[0].split("[", 1)[0]
            if not root.isidentifier() or (spec and "{" in spec):
                return None
            roots.append(root)
    except ValueError:
        return None
    return tuple(dict.fromkeys(roots))


@lru_cache(maxsize=65536)
def _format(pattern: str, names: tuple[str, ...], row: tuple[Any, ...]) -> str:
    return pattern.format(**{name: cell[1] for name, cell in zip(names, row, strict=True)})


#: Values whose equality means equal text; anything else is formatted, not remembered.
_PLAIN = (str, int, float, datetime.date, type(None))


def _formatted(pattern: str, values: dict[str, Any]) -> str:
    """Format ``pattern``; remember the result per pattern and exact values.

    Each value is keyed with its type and time zone, so ``1`` and ``True``, or the same
    instant seen in two zones (``{date:%Y}`` prints the wall clock), never share a result.
    """
    if not all(type(v) in _PLAIN or isinstance(v, _PLAIN[:-1]) for v in values.values()):
        return pattern.format(**values)
    row = tuple((type(v), v, getattr(v, "tzinfo", None)) for v in values.values())
    return _format(pattern, tuple(values), row)


def _content_value(content: Any, name: str) -> Any:
    """One field of ``Content.url_format``, worked out as Pelican does."""
    if name == "path":
        return path_to_url(content.metadata.get("path", content.get_relative_source_path()))
    if name == "slug":
        return getattr(content, "slug", "")
    if name == "lang":
        return getattr(content, "lang", "en")
    if name == "date":
        if not hasattr(content, "date"):
            raise _Unusual  # Pelican uses "now": never remember that
        return content.date
    if name in ("author", "category"):
        return getattr(content, name).slug if hasattr(content, name) else ""
    if name not in content.metadata:
        raise _Unusual  # Pelican raises its own KeyError
    return content.metadata[name]


def content_expand_settings(self: Any, key: str, klass: str | None = None) -> str:
    """``Content._expand_settings`` reading only the fields its pattern names."""
    fq_key = f"{klass or self.__class__.__name__}_{key}".upper()
    pattern = str(self.settings[fq_key])
    names = fields(pattern)
    if names is not None and type(self).url_format is contents.Content.url_format:
        try:
            return _formatted(pattern, {name: _content_value(self, name) for name in names})
        except _Unusual:
            pass
    return str(_ORIGINAL["content"](self, key, klass))


#: Slugs of tags, categories and authors by their exact inputs (a few hundred names).
_SLUGS: dict[tuple[Any, ...], Any] = {}
_SLUGS_KEPT = 65536


def slug(
    value: Any, regex_subs: Any = (), preserve_case: Any = False, use_unicode: Any = False
) -> Any:
    """``pelican.utils.slugify`` for tags, categories and authors, once per distinct input.

    Reading makes a new Tag or Category for every item that names it, and each works out
    its slug again (20,000 slugs at 5,000 items, about 6 us each), always of the same few
    hundred names. ``slugify`` depends on its arguments only, so the answer is kept under
    all of them (with their types); anything that cannot be a key is passed through.
    """
    try:
        key = (
            type(value),
            value,
            tuple(tuple(sub) for sub in regex_subs),
            type(preserve_case),
            preserve_case,
            type(use_unicode),
            use_unicode,
        )
        found = _SLUGS.get(key)
    except TypeError:  # an unhashable value or substitution: Pelican's own, unkept
        key, found = None, None
    if found is None:
        found = _ORIGINAL["slugify"](
            value, regex_subs=regex_subs, preserve_case=preserve_case, use_unicode=use_unicode
        )
        if key is not None and type(value) is str and len(_SLUGS) < _SLUGS_KEPT:
            _SLUGS[key] = found
    return found


@lru_cache(maxsize=65536)
def _relative(base: str, source_path: str, cwd: str) -> str:
    """Pelican's relative source path of ``source_path`` under ``base``, seen from ``cwd``."""
    del cwd  # part of the key only: ``abspath`` reads the working folder itself
    return str(
        posixize_path(
            os.path.relpath(os.path.abspath(os.path.join(base, source_path)), os.path.abspath(base))
        )
    )


def relative_source_path(self: Any, source_path: str | None = None) -> str | None:
    """``Content.get_relative_source_path``, once per distinct path, base and folder.

    Pelican asks each item for it about four times per build (when the item is made, when
    its source is registered, for its URL: 21,400 calls at 5,000 items), and each answer
    makes two absolute paths and a relative one. The answer depends on the two paths and, for a
    relative one, the working folder, all three part of the key; anything that is not a
    plain string goes to Pelican's own code.
    """
    if not source_path:
        source_path = self.source_path
    if source_path is None:
        return None
    base = self.settings["PATH"]
    if type(base) is not str or type(source_path) is not str:
        return _ORIGINAL["relative"](self, source_path)  # type: ignore[no-any-return]
    return _relative(base, source_path, os.getcwd())


def install() -> None:
    """Put the memoised formatting in place (once per process; results are unchanged)."""
    if _ORIGINAL:
        return
    _ORIGINAL["content"] = contents.Content._expand_settings
    contents.Content._expand_settings = content_expand_settings  # type: ignore[method-assign]
    _ORIGINAL["slugify"] = urlwrappers.slugify
    urlwrappers.slugify = slug
    _ORIGINAL["relative"] = contents.Content.get_relative_source_path
    contents.Content.get_relative_source_path = relative_source_path  # type: ignore[method-assign]
