"""What the audit reads from a file's bytes, kept between builds by the file's SHA-256.

The audit asks two kinds of question of every output file. What a file *is* (does it
carry the preview marker or a private marker, which addresses does a feed or sitemap
link to) depends on its bytes alone; whether that is allowed depends on the current
manifest. Only the first kind is kept: one table on the publishing machine, keyed on
each file's SHA-256 (from the listing every step of the publish shares,
publishing/tree.py), sealed with the machine's key (``approval_gate.api.MachineCache``)
and made again whenever this module's code changes. The judgement is never kept: a
page that links to an item withdrawn since is a finding on the next run, because the
link is looked up in the new manifest every time.

A table that is missing, damaged, forged or from other code reads as empty (the facts
are worked out again from the bytes), and an entry can only ever be found by the hash of
the very bytes it was made from, so a cache can make the audit faster, never different.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from approval_gate.api import cache_key, code_digest, dump_bytes, load_bytes

from .tree import OutputFile

if TYPE_CHECKING:
    from approval_gate.api import MachineCache

PRIVATE_MARKERS = (b"PRIVATE KEY-----", b"kpu-rembang-persetujuan-v1", b'"build_id"')
#: Every file of the editorial preview carries this (editorial/preview/inject.py MARKER_NAME):
#: a preview shows unapproved items, so no part of one may ever be published.
PREVIEW_MARKER = b"kpu-pratinjau"
#: Raise when what an entry means changes; the code's own hash is part of the key too.
FACTS_VERSION = 1

#: One file's facts: ``p`` preview marker, ``m`` a private marker, ``x`` (XML files only)
#: the addresses it links to, each with the output path it names (``[link, path]``), or
#: ``[["!<parse error>", ""]]``.
Facts = dict[str, Any]


def url_path(url: str) -> str:
    """Return the output file an address names: its path, ``index.html`` for a folder."""
    path = urlparse(url).path.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def links_in(data: bytes) -> list[list[str]]:
    """Return ``[link, path]`` of what a feed or sitemap links to (``!error`` if unreadable)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return [[f"!{error}", ""]]
    links = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if (
            tag == "link"
            and element.get("href")
            and element.get("rel", "alternate") == "alternate"
            and element is not root
        ):
            links.append(element.get("href", ""))
        elif tag in {"loc"} or (tag == "link" and element.text and element.text.strip()):
            links.append((element.text or "").strip())
    return [[link, url_path(link)] for link in links]


#: The facts of most files (no marker, not a feed): one object for all of them.
_PLAIN: Facts = {"p": False, "m": False}


def _shared(entry: dict[str, Any]) -> dict[str, Any]:
    """Return the one shared ``_PLAIN`` for an entry equal to it (each entry ``_load`` reads).

    At 10,000 items the table holds some 75,000 entries, nearly all ``_PLAIN``: one
    object instead of one each takes the table kept from 25 to 11 MB (the entries read
    are dropped as soon as the table is made). Facts are never changed in place (``of``
    makes a new dict), so the facts ``extract`` makes share it as well.
    """
    if len(entry) == 2 and entry.get("p") is False and entry.get("m") is False:
        return _PLAIN
    return entry


def extract(data: bytes, xml: bool) -> Facts:
    """Return the facts of ``data``; ``xml`` adds the links (the file is a feed or sitemap)."""
    facts: Facts = {
        "p": PREVIEW_MARKER in data,
        "m": any(marker in data for marker in PRIVATE_MARKERS),
    }
    if xml:
        facts["x"] = links_in(data)
    return _shared(facts)


def _code_version() -> str | None:
    """Return the hash of this module's source: new extraction code never reads old facts."""
    return code_digest(Path(__file__))


class FactTable:
    """The facts of one output's files, read from (and written back to) the machine cache."""

    def __init__(self, cache: MachineCache | None) -> None:
        self.cache = cache
        self.known: dict[str, Facts] = {}
        self.used: dict[str, Facts] = {}
        self.made = 0  # how many files had to be read (for tests and the benchmark)
        code = _code_version()
        if code is None:  # unreadable source: keep no facts rather than share a key
            self.cache = cache = None
        if cache is not None:
            self.key = cache_key("audit-facts", FACTS_VERSION, code)
            self.known = _load(cache.get(self.key), _shared)

    def of(self, file: OutputFile, xml: bool) -> Facts:
        """Return the facts of ``file``, reading it only when its hash is not in the table."""
        facts = self.known.get(file.sha256)
        if facts is None or not _valid(facts) or (xml and "x" not in facts):
            data = file.path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()  # keyed on the bytes actually read
            facts = extract(data, xml)
            if not xml and digest in self.known and _valid(self.known[digest]):
                facts = {**self.known[digest], **facts}  # keep links made for an XML twin
            self.known[digest] = self.used[digest] = facts
            self.made += 1
        else:
            self.used[file.sha256] = facts
        return facts

    def save(self) -> None:
        """Write back the facts of this output's files only (the table never grows stale).

        A table that would be written back as it was read is left as it is.
        """
        if self.cache is not None and self.used and (self.made or self.used != self.known):
            self.cache.put(self.key, dump_bytes(self.used, sort_keys=True))


def _load(blob: bytes | None, hook: Any = None) -> dict[str, Facts]:
    """Return the table in ``blob`` (entries are checked when used), or an empty one.

    ``hook`` is given each entry that is an object (``_shared``), as a JSON reader's
    object hook would be, after the whole table is read.
    """
    if blob is None:
        return {}
    try:
        table = load_bytes(blob)
    except ValueError:
        return {}
    if not isinstance(table, dict):
        return {}
    if hook is not None:
        table = {k: hook(v) if type(v) is dict else v for k, v in table.items()}
    return table


def _valid(facts: object) -> bool:
    """Return whether ``facts`` has the shape ``extract`` gives (else it is made again)."""
    if not (
        isinstance(facts, dict)
        and type(facts.get("p")) is bool  # bool has no subclasses: isinstance, faster
        and type(facts.get("m")) is bool
    ):
        return False
    if "x" not in facts:  # most files: not a feed or sitemap
        return True
    links = facts["x"]
    return isinstance(links, list) and all(_pair(link) for link in links)


def _pair(link: object) -> bool:
    """Return whether ``link`` is a ``[link, path]`` pair of texts."""
    return isinstance(link, list) and len(link) == 2 and all(isinstance(t, str) for t in link)


class KeptTable:
    """A table of facts by SHA-256, kept whole in the machine cache under this code's hash.

    The generic form of ``FactTable`` for the audit's other readers (provenance.py): the
    caller looks a file up by the hash of the bytes it has just read, checks the entry's
    shape itself (a malformed entry is made again), and only the entries used this run are
    written back, so the table never outgrows the output.
    """

    def __init__(self, cache: MachineCache | None, name: str, version: int, *code: Path) -> None:
        digest = code_digest(*code)
        self.cache = cache if digest is not None else None  # unreadable code: keep nothing
        self.key = cache_key(name, version, digest)
        self.known = _load(self.cache.get(self.key)) if self.cache is not None else {}
        self.used: dict[str, Any] = {}
        self.made = 0  # how many entries had to be made from the bytes (tests, benchmark)

    def get(self, sha256: str) -> Any:
        """Return the kept entry for ``sha256`` (shape unchecked), or None."""
        return self.known.get(sha256)

    def keep(self, sha256: str, entry: Any, made: bool) -> None:
        """Note ``entry`` as this run's fact for ``sha256`` (``made``: read from the bytes)."""
        self.used[sha256] = entry
        self.made += made

    def save(self) -> None:
        """Write back this run's entries only, when anything could change."""
        if self.cache is not None and self.used and (self.made or self.used != self.known):
            self.cache.put(self.key, dump_bytes(self.used, sort_keys=True))
