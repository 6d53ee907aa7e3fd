"""Which helpers over a whole list a page really called: their results keyed only there.

A helper given a page's whole list (``{% set terkini = current_announcements(articles) %}``)
was keyed on every page of the template, because the closure (closure.py) sees the call
but not whether a page reaches it. The home page shows the current announcements only
on its first page, yet all its pages (500 at 5,000 items) were rendered again whenever an
announcement was edited, or when one stopped being current at the turn of a day.

So such a page has two entries (pages.py). Its static key (inputs.key: everything but
those results) names a *call record*: the helpers the last render of the page called,
each with the name of the page's list it was given (``[["current_announcements",
"articles"]]``, or ``[]``). The page's own entry is keyed by the static key, that record
and the current result of each helper in it (``PageInputs.called_key``). Sound because a
render is a function of what the static key covers and of the results of the helpers it
calls: an entry stored by a render that called exactly the recorded helpers and got
these very results is what a render with the same inputs gives now, since it takes the
same path through the templates up to each of those calls and gets the same answer from
each. A record that lies (stale, from another page, damaged) names other calls or
results than the render that stored any entry, so it only ever leads to a miss, and
the page is rendered and recorded again.

A call that cannot be named (its list is not exactly one of the page's lists by
identity, or it has other arguments) makes the page uncacheable: it is written as
without the cache.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from jinja2.utils import _PassArg

from approval_gate.api import cache_key

from .closure import NAMES

#: What a call record is (a record of another shape is a miss).
Calls = list[list[str]]


def record_key(static: str) -> str:
    """Return the key of the call record of a page whose static key is ``static``."""
    return cache_key("panggilan-daftar", static)


def encode(calls: Calls) -> bytes:
    """Return a call record as stored (ASCII JSON)."""
    return json.dumps(calls, separators=(",", ":")).encode("ascii")


def decode(entry: bytes | None, helpers: frozenset[str]) -> Calls | None:
    """Return the call record in ``entry``, or None when there is none or it is not one.

    Each call must name one of this template's list helpers and one of the page lists a
    helper can be given (closure.NAMES); anything else is a miss.
    """
    if entry is None:
        return None
    try:
        calls = json.loads(entry)
    except ValueError:
        return None
    if not isinstance(calls, list):
        return None
    for call in calls:
        if not (
            isinstance(call, list)
            and len(call) == 2
            and call[0] in helpers
            and NAMES.get(call[1]) == "contents"
            and calls.count(call) == 1
        ):
            return None
    return calls


class Recorder:
    """The list helpers of one render, wrapped to note each call and the list it got.

    ``shadows`` go into the render's context over the environment's globals (a
    template's own variables come before its globals); ``calls`` is None once a call
    could not be named.
    """

    def __init__(
        self, helpers: frozenset[str], local: Mapping[str, Any], functions: Mapping[str, Any]
    ) -> None:
        self.calls: Calls | None = []
        lists = [
            (name, value)
            for name, value in local.items()
            if NAMES.get(name) == "contents" and value is not None
        ]
        self.shadows = {h: self._wrapped(h, functions[h], lists) for h in sorted(helpers)}

    def _wrapped(
        self, helper: str, function: Callable[..., Any], lists: list[tuple[str, Any]]
    ) -> Callable[..., Any]:
        passed = _PassArg.from_obj(function)

        @functools.wraps(function)  # keeps Jinja's mark of what the helper is passed
        def recorded(*args: Any, **kwargs: Any) -> Any:
            given = args[1:] if passed is _PassArg.context else args
            names = [n for n, v in lists if len(given) == 1 and v is given[0]]
            if len(names) != 1 or kwargs or passed not in (None, _PassArg.context):
                self.calls = None  # not a call the record can name: never cached
            elif self.calls is not None and [helper, names[0]] not in self.calls:
                self.calls.append([helper, names[0]])
            return function(*args, **kwargs)

        return recorded
