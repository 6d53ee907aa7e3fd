"""Reading YAML safely, with line numbers for the messages people act on.

Data is loaded with the C safe loader when available (fast enough for tens of
thousands of sign-off files); the node tree, which knows line numbers, is composed
only when an error must point at a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import yaml

from .clock import WIB

Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def parse(text: str) -> YamlDoc:
    """Parse ``text`` or raise ``YamlProblem`` with the line of the syntax error."""
    try:
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
