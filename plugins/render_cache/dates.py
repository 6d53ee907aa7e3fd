"""Item dates read without dateutil when they are written the way this site writes them.

Pelican parses every ``Date`` twice per item (from the file name's
``FILENAME_METADATA`` and from the metadata line) with ``dateutil.parser.parse``, about
0.15 ms each: a third of reading an item from the Markdown cache (issue 12). A date
written ``YYYY-MM-DD``, optionally followed by `` HH:MM`` or `` HH:MM:SS``, means exactly
one wall-clock time, which dateutil also finds (the date is complete, so its default,
today's date, plays no part); that form is read here. Anything else (another form, or a
value that is no valid date: Pelican's own message names it) goes to Pelican's
``get_date`` as before.
"""

from __future__ import annotations

import re
from typing import Any

from pelican.readers import METADATA_PROCESSORS, BaseReader
from pelican.utils import SafeDatetime

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")
_SPACES = re.compile(" +")
#: Pelican's own processors of the two date fields: the shortcut stands in for these only.
PELICAN = {name: METADATA_PROCESSORS[name] for name in ("date", "modified")}


def quick_date(text: str) -> SafeDatetime | None:
    """Return the naive time ``text`` (``YYYY-MM-DD[ HH:MM[:SS]]``) means, or None."""
    found = _DATE.fullmatch(text)
    if found is None:
        return None
    try:
        return SafeDatetime(*(int(part) for part in found.groups() if part is not None))
    except ValueError:  # no such day or hour: Pelican says so in its own words
        return None


def process(reader: Any, name: str, value: Any) -> Any:
    """Return ``reader.process_metadata(name, value)``, a date of the site's form read here.

    Only where the result is Pelican's own: its processor for the field is unchanged and
    the reader's ``process_metadata`` is ``BaseReader``'s.
    """
    if (
        name in PELICAN
        and isinstance(value, str)
        and METADATA_PROCESSORS.get(name) is PELICAN[name]
    ):
        text = value.replace("_", " ") if name == "date" else value
        found = quick_date(_SPACES.sub(" ", text))
        if found is not None:
            return found
    return BaseReader.process_metadata(reader, name, value)
