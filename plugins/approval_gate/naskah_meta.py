"""A Markdown naskah's metadata: read as Pelican reads it, checked against its kind.

Pelican's Markdown reader takes the metadata from Python-Markdown's ``meta`` extension:
``Key: value`` lines from the top (after an optional ``---``) up to the first blank
line; a line indented by four spaces continues the previous value; any other line ends
the block and starts the body. ``read_header`` does exactly that, keeping line numbers.

Which keys an item needs comes from the one list of kinds (``sop.py``): every item a
``Title``, a dated kind a ``Date``, and each kind its ``ContentKind.required`` fields (a
pengumuman ``Berlaku``, a regulasi ``Nomor`` and ``Tahun``). The kind's other fields
(``berlaku_sampai``, data's ``Periode`` and ``Sumber``) are written into drafts by
``invoke new`` but may be left out; an unknown key is still reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .errors import Finding
from .naskah_text import Problem
from .options import close_match
from .schedule import EXPIRY_KEY, parse_expiry
from .sop import KINDS, ContentKind, kind_fields

#: Metadata Pelican itself reads from a Markdown header (lower case, as its reader gives).
PELICAN_KEYS = (
    "title",
    "date",
    "modified",
    "category",
    "tags",
    "keywords",
    "slug",
    "author",
    "authors",
    "summary",
    "lang",
    "translation",
    "status",
    "template",
    "save_as",
    "url",
)
_LABELS = {"title": "judul", "date": "tanggal terbit"}
#: How a value is written, for the keys whose form is not obvious.
_FORMS = {"date": "TTTT-BB-HH JJ:MM", EXPIRY_KEY: "TTTT-BB-HH JJ:MM (WIB)"}
# Python-Markdown's meta extension, verbatim (markdown/extensions/meta.py).
_META = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)")
_BEGIN = re.compile(r"^-{3}(\s.*)?")
_END = re.compile(r"^(-{3}|\.{3})(\s.*)?")
_END_MARKS = ("---", "...")  # what ``_END`` matches: its optional tail always matches


class Entry(NamedTuple):
    """One metadata key as written (``written``), its value and its line."""

    key: str
    written: str
    value: str
    line: int


@dataclass(frozen=True)
class Header:
    """The metadata block: its entries, where the body starts, and how the block ended."""

    entries: tuple[Entry, ...]
    body: int  # index into the lines of the first line after the block
    blank: bool  # the block ended at a blank line (the body may still hold metadata)


def kind_of(item: str) -> ContentKind | None:
    """Return the SOP kind whose folder holds ``item`` (None: no kind's folder)."""
    folder = item.split("/", 1)[0] if "/" in item else None
    return next((kind for kind in KINDS if kind.folder == folder), None)


def shown_key(key: str) -> str:
    """Return a metadata key as the drafts write it (``Title``, ``berlaku_sampai``)."""
    return key if "_" in key else key.capitalize()


def known_keys(kind: ContentKind | None) -> tuple[str, ...]:
    """Return the metadata keys an item of ``kind`` may carry (every kind's if None).

    ``berlaku_sampai`` is known to every kind: the gate takes any item down at that time.
    """
    fields = kind.fields if kind else kind_fields()
    return (*PELICAN_KEYS, EXPIRY_KEY, *(key for key, _ in fields if key != EXPIRY_KEY))


def required_keys(kind: ContentKind | None) -> tuple[tuple[str, str], ...]:
    """Return the (key, label) pairs an item of ``kind`` must carry, non-empty."""
    needed = [("title", _LABELS["title"])]
    if kind is not None and kind.dated:
        needed.append(("date", _LABELS["date"]))
    own = tuple((key, label) for key, label in kind.fields if key in kind.required) if kind else ()
    return (*needed, *own)


def read_header(lines: list[str]) -> Header:
    """Read the metadata block the way Python-Markdown's ``meta`` extension does."""
    entries: list[Entry] = []
    index = 1 if lines and _BEGIN.match(lines[0]) else 0
    while index < len(lines):
        line = lines[index]
        index += 1
        # ``_END`` needs no regular expression: its optional tail always matches
        if not line.strip() or line.startswith(_END_MARKS):
            return Header(tuple(entries), index, not line.strip())
        meta = _META.match(line)
        if meta:
            key = meta["key"].lower().strip()
            entries.append(Entry(key, meta["key"], meta["value"].strip(), index))
            continue
        more = _MORE.match(line)
        if more and entries:
            last = entries[-1]
            value = f"{last.value} {more['value'].strip()}".strip()
            entries[-1] = Entry(last.key, last.written, value, last.line)
        else:
            return Header(tuple(entries), index - 1, False)
    return Header(tuple(entries), index, False)


def _stray(lines: list[str], header: Header, known: tuple[str, ...]) -> list[Entry]:
    """Return the known ``Key: value`` lines right after a block that a blank line ended."""
    found: list[Entry] = []
    if not header.blank:
        return found
    for number, line in enumerate(lines[header.body :], header.body + 1):
        meta = _META.match(line)
        if meta and meta["key"].lower() in known:
            found.append(Entry(meta["key"].lower(), meta["key"], meta["value"], number))
        elif line.strip() and not meta and not (_MORE.match(line) and found):
            break
    return found


def _stray_problems(lines: list[str], stray: list[Entry]) -> list[Problem]:
    """Return one problem per paragraph of metadata that ended up in the body."""
    problems = []
    groups: list[list[Entry]] = []
    for entry in stray:
        joined = bool(groups) and all(
            lines[n - 1].strip() for n in range(groups[-1][-1].line, entry.line)
        )
        if joined:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    for group in groups:
        keys = ", ".join(entry.written for entry in group)
        first = group[0].line
        problems.append(
            Problem(
                first,
                f"Metadata tampil sebagai isi naskah, bukan sebagai metadata: {keys}.",
                f"Hapus baris kosong di atas baris {first}: metadata berakhir pada baris "
                "kosong pertama.",
            )
        )
    return problems


def _unknown(entry: Entry, known: tuple[str, ...]) -> Problem:
    close = close_match(entry.key, known)
    guess = f" Mungkin maksud Anda '{shown_key(close)}'?" if close else ""
    return Problem(
        entry.line,
        f"Kolom metadata '{entry.written}' tidak dikenal.{guess}",
        "Perbaiki nama kolomnya atau hapus baris itu; kolom yang tidak dikenal tidak dipakai "
        "situs.",
    )


def _required(kind: ContentKind | None, header: Header, stray: list[Entry]) -> list[Problem]:
    problems = []
    whose = f"naskah {kind.category}" if kind and kind.category else "halaman" if kind else "naskah"
    moved = {entry.key for entry in stray}  # reported as metadata in the body already
    for key, label in required_keys(kind):
        entry = next((e for e in header.entries if e.key == key), None)
        shown = shown_key(key)
        if entry is None and key not in moved:
            problems.append(
                Problem(
                    None,
                    f"Metadata '{shown}' belum ada; setiap {whose} wajib memilikinya.",
                    f"Tambahkan baris '{shown}: {_FORMS.get(key, '...')}' ({label.lower()}) di "
                    "bagian metadata, sebelum baris kosong pertama.",
                )
            )
        elif entry is not None and not entry.value:
            problems.append(
                Problem(
                    entry.line,
                    f"Metadata '{shown}' masih kosong.",
                    f"Tulis {label.lower()} sesudah '{shown}:'.",
                )
            )
    return problems


def _expiry(item: str, header: Header) -> list[Problem]:
    entry = next((e for e in header.entries if e.key == EXPIRY_KEY and e.value), None)
    if entry is None:
        return []
    parsed = parse_expiry(entry.value, None, "", item)
    if isinstance(parsed, Finding):
        return [Problem(entry.line, parsed.message, parsed.hint)]
    return []


def metadata_problems(item: str, lines: list[str]) -> list[Problem]:
    """Return the problems of a Markdown item's metadata, for its kind."""
    kind = kind_of(item)
    known = known_keys(kind)
    header = read_header(lines)
    stray = _stray(lines, header, known)
    problems = _stray_problems(lines, stray)
    problems += [_unknown(entry, known) for entry in header.entries if entry.key not in known]
    problems += _required(kind, header, stray)
    return problems + _expiry(item, header)
