"""Reading YAML safely, with line numbers for the messages people act on.

Data is loaded with the C safe loader when available (fast enough for tens of
thousands of sign-off files); the node tree, which knows line numbers, is composed
only when an error must point at a line.

The files read here (sign-offs, the roster) are written by people and tools, never
need YAML's references, and must never cost more than their size: before anything is
constructed, the parser's events are scanned and the text is refused (with the line) when
it is larger than its limit, holds an anchor, an alias or a merge key, or nests deeper
than ``MAX_DEPTH``. A "billion laughs" alias bomb (a few hundred bytes) is refused at its
first anchor in microseconds, and 999 nested brackets never reach a recursive composer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import yaml

from .clock import WIB

Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Deepest nesting of mappings and sequences accepted (a sign-off needs 1, the roster 4).
MAX_DEPTH = 20
#: Largest text accepted when the caller gives no limit (the roster); sign-offs pass theirs.
DEFAULT_LIMIT = 1024 * 1024
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: A lone surrogate (from an escape such as "\\ud800") cannot be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class YamlProblem(ValueError):
    """The text is not valid YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class YamlDoc:
    """Parsed YAML data plus lazy access to the line of any key."""

    text: str
    data: Any
    _node: Any = field(default=None, repr=False)

    def line(self, *keys: str | int) -> int | None:
        """Return the 1-based line of the value at ``keys`` (or of the nearest parent)."""
        if self._node is None:
            self._node = yaml.compose(self.text, Loader=Loader)
        node, found = self._node, None
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                match = [(k, v) for k, v in node.value if k.value == key]
                if not match:
                    break
                found = match[0][0].start_mark.line + 1
                node = match[0][1]
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and key < len(node.value)
            ):
                node = node.value[key]
                found = node.start_mark.line + 1
            else:
                break
        return found


def _refusal(event: yaml.Event, depth: int) -> str | None:
    """Return why ``event`` is refused (anchors, aliases, merge keys, depth), else None."""
    if isinstance(event, yaml.AliasEvent):
        return f"alias '*{event.anchor}' tidak diizinkan"
    if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
        return f"anchor '&{event.anchor}' tidak diizinkan"
    if isinstance(event, yaml.ScalarEvent) and (
        event.tag == _MERGE_TAG or (event.value == "<<" and event.implicit[0])
    ):
        return "kunci gabungan '<<' tidak diizinkan"
    if isinstance(event, yaml.ScalarEvent) and _SURROGATE.search(event.value):
        return "karakter Unicode tidak sah (surrogate)"
    if depth > MAX_DEPTH:
        return f"susunan bersarang lebih dari {MAX_DEPTH} tingkat tidak diizinkan"
    return None


def _scan(text: str) -> None:
    """Refuse references and deep nesting from the parser's events, before construction.

    libyaml's parser is not recursive and allocates per event, so the scan costs about the
    size of the text whatever the text tries to make YAML build.
    """
    depth = 0
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, _OPEN):
            depth += 1
        elif isinstance(event, _CLOSE):
            depth -= 1
        problem = _refusal(event, depth)
        if problem is not None:
            mark = event.start_mark
            raise YamlProblem(f"YAML tidak diterima: {problem}.", mark.line + 1 if mark else None)


def parse(text: str, limit: int = DEFAULT_LIMIT) -> YamlDoc:
    """Parse ``text`` or raise ``YamlProblem`` with the line of the problem.

    Refused before anything is built: text over ``limit`` bytes, anchors, aliases, merge
    keys and nesting deeper than ``MAX_DEPTH`` (see the module's docstring).
    """
    size = len(text.encode("utf-8", errors="surrogatepass")) if len(text) * 4 > limit else 0
    if size > limit:
        raise YamlProblem(f"Teks YAML terlalu besar: {size} bita, batas {limit} bita.", None)
    try:
        _scan(text)
        data = yaml.load(text, Loader=Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise YamlProblem(
            f"YAML tidak valid: {problem}", mark.line + 1 if mark is not None else None
        ) from None
    return YamlDoc(text, data)


def as_moment(value: object, *, end_of_day: bool = False) -> datetime | None:
    """Turn a YAML date or an ISO timestamp with zone into an aware datetime, else None.

    A bare date means the start of that day in WIB (or its end, for period ends).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, date):
        moment = datetime.combine(value, time.min, WIB)
        return moment + timedelta(days=1) if end_of_day else moment
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None
