"""The metadata block of a Markdown item, read the way Pelican's Markdown reader reads it.

``new`` needs the slugs already taken, ``report`` and ``sheet`` the titles; none of them
should import Pelican (seconds of start-up) for a few header lines. The rules are those
of Python-Markdown's ``meta`` extension: ``Key: value`` lines up to the first blank
line, keys case-insensitive, lines indented by four spaces continue the previous value.
"""

from __future__ import annotations

import re
from pathlib import Path

_META = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)$")


def parse_metadata(text: str) -> dict[str, str]:
    """Return the metadata of a Markdown source, keys in lower case."""
    meta: dict[str, str] = {}
    key = None
    for line in text.lstrip("\ufeff").splitlines():
        if not line.strip():
            break
        match = _META.match(line)
        if match:
            key = match["key"].lower()
            meta[key] = match["value"].strip()
            continue
        more = _MORE.match(line)
        if more and key is not None:
            meta[key] = f"{meta[key]} {more['value'].strip()}".strip()
            continue
        break
    return meta


def read_metadata(path: Path) -> dict[str, str]:
    """Return the metadata of the Markdown file at ``path`` ({} if it cannot be read)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(16384)
    except OSError:
        return {}
    return parse_metadata(head)
