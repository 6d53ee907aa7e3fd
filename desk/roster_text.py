"""Editing roster.yml as text: new passkey keys, people, holdings and the desk's origin.

The chair signs the exact bytes of the proposed roster, and reads them first; so the
proposal keeps the roster as people wrote it (comments, order, quoting) and only adds
lines: a key under a person, a new person, a holding, the desk's origin, and the
version one higher. Each addition is placed after the last item of its list, found in
PyYAML's node tree (which knows every line and column).

What the edited text means is checked against what it must mean (the roster's data with
the additions made to it): if a roster is written in a way these edits do not handle
(a flow-style list, say), the proposal is the roster rewritten from its data instead, so
a proposal is never wrong, at worst without the old comments.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

REWRITTEN = (
    "# Roster pejabat penyetuju website KPU Kabupaten Rembang (SOP No. 11 Tahun 2023).\n"
    "# Disusun ulang oleh Meja Persetujuan dari roster sebelumnya (komentarnya tidak dapat\n"
    "# dipertahankan). Berlaku hanya bila roster.yml.sig adalah tanda tangan Ketua KPU.\n"
)
ORIGINS_COMMENT = (
    "# Alamat Meja Persetujuan: tanda tangan passkey hanya sah bila dibuat di alamat ini."
)


@dataclass(frozen=True)
class NewKey:
    """A passkey key to add to ``person`` (a new person when ``new_person``)."""

    person: str
    name: str
    key: str
    new_person: bool


@dataclass(frozen=True)
class NewHolding:
    """A holding to add: ``person`` holds ``role`` from ``since`` (YYYY-MM-DD)."""

    role: str
    person: str
    since: str


class _CannotEdit(Exception):
    """The roster is written in a form the line edits do not handle."""


def edit_roster(
    text: str, keys: list[NewKey], holdings: list[NewHolding], origin: str | None, version: int
) -> str:
    """Return ``text`` with the additions and ``version``; comments kept when possible."""
    expected = _expected(yaml.safe_load(text), keys, holdings, origin, version)
    try:
        edited = _edited(text, keys, holdings, origin, version)
        if yaml.safe_load(edited) == expected:
            return edited
    except (_CannotEdit, yaml.YAMLError):
        pass
    return REWRITTEN + yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=4096)


def _expected(
    data: Any, keys: list[NewKey], holdings: list[NewHolding], origin: str | None, version: int
) -> dict[str, Any]:
    """Return what the edited roster must mean: the old data with the additions."""
    wanted: dict[str, Any] = copy.deepcopy(data)
    wanted["version"] = version
    people = wanted.setdefault("people", [])
    for add in keys:
        person = next((p for p in people if p.get("id") == add.person), None)
        if person is None:
            people.append({"id": add.person, "name": add.name, "keys": [{"key": add.key}]})
        else:
            person.setdefault("keys", []).append({"key": add.key})
    for hold in holdings:
        wanted.setdefault("holders", []).append(
            {"role": hold.role, "person": hold.person, "from": date.fromisoformat(hold.since)}
        )
    if origin:
        wanted["desk_origins"] = [*(wanted.get("desk_origins") or []), origin]
    return wanted


def _edited(
    text: str, keys: list[NewKey], holdings: list[NewHolding], origin: str | None, version: int
) -> str:
    """Return ``text`` with every addition made as lines (recomposed after each one)."""
    text = text if text.endswith("\n") else text + "\n"
    for add in keys:
        people = _list(text, "people")
        person = next((item for item in people.value if _field(item, "id") == add.person), None)
        if person is None:
            text = _append(
                text,
                people,
                [
                    f"- id: {add.person}",
                    f"  name: {json.dumps(add.name)}",
                    "  keys:",
                    f"    - key: {add.key}",
                ],
            )
        else:
            owned = _value(person, "keys")
            if not isinstance(owned, yaml.SequenceNode):
                raise _CannotEdit("keys")
            text = _append(text, owned, [f"- key: {add.key}"])
    for hold in holdings:
        item = [f"- role: {hold.role}", f"  person: {hold.person}", f"  from: {hold.since}"]
        text = _append(text, _list(text, "holders"), item)
    if origin:
        text = _add_origin(text, origin)
    return _set_version(text, version)


def _root(text: str) -> yaml.MappingNode:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        raise _CannotEdit("root")
    return node


def _value(mapping: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((value for name, value in mapping.value if name.value == key), None)


def _field(mapping: yaml.Node, key: str) -> str | None:
    node = _value(mapping, key)
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _list(text: str, key: str) -> yaml.SequenceNode:
    node = _value(_root(text), key)
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        raise _CannotEdit(key)
    return node


def _append(text: str, sequence: yaml.SequenceNode, item: list[str]) -> str:
    """Insert ``item`` (lines, the first starting '- ') after the last item of ``sequence``."""
    if sequence.flow_style or not sequence.value:
        raise _CannotEdit("flow")
    lines = text.splitlines(keepends=True)
    last = _last_line(sequence)
    indent = " " * sequence.start_mark.column
    added = [f"{indent}{line}\n" for line in item]
    return "".join([*lines[: last + 1], *added, *lines[last + 1 :]])


def _last_line(node: yaml.Node) -> int:
    """Return the (0-based) line of the last scalar of ``node``.

    A collection's own end mark is where the NEXT token starts (the following item, or a
    comment further down); only a scalar's end mark is where its text ends.
    """
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    if not isinstance(node, yaml.ScalarNode) or node.style not in (None, "'", '"'):
        raise _CannotEdit("block scalar")
    return int(node.end_mark.line)


def _add_origin(text: str, origin: str) -> str:
    """Add ``origin`` to ``desk_origins`` (the list is made at the end when absent)."""
    node = _value(_root(text), "desk_origins")
    if node is None:
        return f"{text}{ORIGINS_COMMENT}\ndesk_origins:\n  - {origin}\n"
    if not isinstance(node, yaml.SequenceNode):
        raise _CannotEdit("desk_origins")
    return _append(text, node, [f"- {origin}"])


def _set_version(text: str, version: int) -> str:
    """Replace the value of the top-level ``version`` with ``version``."""
    node = _value(_root(text), "version")
    if not isinstance(node, yaml.ScalarNode) or node.start_mark.line != node.end_mark.line:
        raise _CannotEdit("version")
    lines = text.splitlines(keepends=True)
    line = lines[node.start_mark.line]
    start, stop = node.start_mark.column, node.end_mark.column
    if not re.fullmatch(r"\d+", line[start:stop]):
        raise _CannotEdit("version")
    lines[node.start_mark.line] = f"{line[:start]}{version}{line[stop:]}"
    return "".join(lines)
