"""The machine's own tables and cache keys as JSON, written and read with orjson.

A publish keeps several large tables on the publishing machine between runs: the gate's
verified sign-offs and digests, the audit's facts, the live release's hashes, the kept
compressed copies, the export's blob hashes. At 5,000 items they are 1-10 MB of JSON
each, and the standard library's encoder took about 0.35 s of a one-change publish
writing them (issue 12, docs/benchmarks.md "Twenty-second round"); orjson writes the
same JSON five to ten times faster and reads it a little faster.

Tables are text this code writes and reads back itself, where any valid JSON of the
same values will do. Cache keys (``key_text``) are ``json``'s canonical text but for a
float's spelling (``1e-7`` for ``1e-07``): a key only has to tell values apart. Text
others check byte for byte (the archive's canonical records and their digests, the
provenance pieces) keeps ``json``.

The values read back are exactly what ``json`` gives: what orjson refuses to write (a
non-text key, a text with a lone surrogate, an integer beyond 64 bits, a type ``json``
refuses too, such as a date) is written by ``json``, and what orjson refuses to read
(such a text's escape, ``NaN``) is read by ``json``. A malformed table still raises
``ValueError`` (orjson's ``JSONDecodeError`` is one), which its reader treats as a miss.
One difference is left in the tables: a float that is not a number is written as
``null`` (no table holds floats; ``json`` would write ``NaN``, which is not JSON).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: Dates and dataclasses go to ``json``, which refuses them as before (never written as
#: orjson's text for them, which ``json`` would read back as a different value).
_PASS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
#: A cache key's canonical JSON when orjson refuses a value (``key_text``).
_KEY = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)


def dump_bytes(value: Any, *, sort_keys: bool = False) -> bytes:
    """Return ``value`` as compact UTF-8 JSON (keys sorted with ``sort_keys``)."""
    try:
        return orjson.dumps(value, option=_PASS | (orjson.OPT_SORT_KEYS if sort_keys else 0))
    except TypeError:  # see the module's docstring: json's own way, or its own TypeError
        text = json.dumps(value, sort_keys=sort_keys, separators=(",", ":"))
        return text.encode("ascii")


def key_text(value: Any) -> str:
    """Return the canonical JSON text of a cache key's parts: sorted keys, compact.

    Non-ASCII is kept as it is and a value of an unknown type is written as its
    ``repr`` (dates and dataclasses too, as with ``json``). Keys are worked out for every
    page and entry of every build (some 16,000 ``cache_key`` and 78,000 page key parts
    in a one-change publish at 5,000 items), so orjson writes them; what it refuses is
    written by ``json``. orjson writes a float that is not a number as ``null``, the
    text of None, so such a float never reaches it as the value or as one of a tuple's
    items (``cache_key``'s parts); inside a page's values ``fingerprints.plain`` (render
    cache) tags it.
    """
    for part in value if type(value) is tuple else (value,):
        if type(part) is float and part - part != 0:
            return _KEY.encode(value)
    try:
        return orjson.dumps(value, default=repr, option=_PASS | orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return _KEY.encode(value)


def load_bytes(data: bytes | bytearray | memoryview | str) -> Any:
    """Return the value of the JSON ``data``; ``ValueError`` when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(bytes(data) if isinstance(data, memoryview) else data)
