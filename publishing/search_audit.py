"""The search index read back before publishing: every record must be an approved page.

``audit_search`` checks the index independently of how it was made (publishing/
search.py): every file under ``pagefind/`` must be one Pagefind writes, every record (a
gzip-compressed fragment) must point at an approved page, and every part must be listed
in ``bagian.json`` with as many pages as records were checked. Anything else is a
finding, and the build publishes nothing.

The audit costs what changed. What a record says (the address it points at, or that it
cannot be read) depends on its bytes alone, so it is kept in the audit's sealed cache
(``approval_gate.api.MachineCache``, table ``search-records``, made again whenever this
module's code changes) under the record's SHA-256: the hash the build's listing gives
(publishing/tree.py, each file hashed once per publish), else the hash of the bytes just
read. Whether that address is an approved page is judged against this build's manifest
on every run, never kept. A table that is missing, damaged, forged or from other code
reads as empty, and an entry of any other shape is made again from the bytes, so the
findings are the same with and without the cache (tests/test_audit_cache.py).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from .audit_facts import KeptTable
from .compress import copy_of
from .search_parts import MAIN_FILES, PART_FILES, PARTS_FILE
from .tree import OutputFile, fresh

if TYPE_CHECKING:
    from approval_gate.api import MachineCache

FOLDER = "pagefind"
#: Every file Pagefind writes that the site keeps (paths under pagefind/): the main
#: bundle, the list of parts, and the parts (bagian-NN/) without script or WASM.
KNOWN = re.compile(rf"^(?:{MAIN_FILES}|{re.escape(PARTS_FILE)}|bagian-\d{{2,}}/(?:{PART_FILES}))$")
FRAGMENT_SIGNATURE = b"pagefind_dcd"
#: Raise when what a kept record entry means changes; the code's hash is part of the key.
RECORDS_VERSION = 1


def _page_of(url: str) -> str:
    path = unquote(urlparse(url).path).lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def _record_url(data: bytes) -> str | None:
    """Return the URL of one compressed Pagefind fragment, or None if unreadable."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return None
    if not raw.startswith(FRAGMENT_SIGNATURE):
        return None
    try:
        url = json.loads(raw[len(FRAGMENT_SIGNATURE) :]).get("url")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) else None


class RecordTable(KeptTable):
    """What each record of one index says (``[url]``, None if unreadable), by SHA-256."""

    def __init__(self, cache: MachineCache | None) -> None:
        super().__init__(cache, "search-records", RECORDS_VERSION, Path(__file__))

    def url(self, path: Path, listed: OutputFile | None) -> str | None:
        """Return the URL of the record at ``path``; read and decoded only when not kept.

        ``listed`` is the build's entry for the file (its hash saves reading it); a file
        not listed (a symlink, or no listing given) is read and kept by its bytes' hash.
        """
        if listed is not None and _valid(kept := self.get(listed.sha256)):
            self.keep(listed.sha256, kept, made=False)
            return kept[0]  # type: ignore[no-any-return]
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()  # the bytes just read, whatever was listed
        kept = self.get(digest)
        made = not _valid(kept)
        if made:
            kept = [_record_url(data)]
        self.keep(digest, kept, made)
        return kept[0]  # type: ignore[no-any-return]


def _valid(entry: object) -> bool:
    """Return whether ``entry`` has the shape ``RecordTable.url`` keeps (else made again)."""
    return type(entry) is list and len(entry) == 1 and (entry[0] is None or type(entry[0]) is str)


def _page_count(folder: Path) -> int | None:
    try:
        entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        return sum(int(lang["page_count"]) for lang in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _listed_parts(folder: Path) -> list[str] | None:
    """Return the parts ``bagian.json`` lists, or None when it is missing or malformed."""
    try:
        listed = json.loads((folder / PARTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
        return None
    return listed


def _check_record(url: str | None, shown: str, pages: set[str]) -> tuple[str, str] | None:
    if url is None:
        return (shown, "rekaman indeks pencarian tidak dapat dibaca; tidak boleh terbit")
    if _page_of(url) not in pages:
        return (
            shown,
            f"rekaman indeks pencarian menunjuk ke {url!r} yang bukan halaman item disetujui",
        )
    return None


def _check_parts(folder: Path, records: dict[str, int]) -> list[tuple[str, str]]:
    """Each bundle's page count must match its records; the parts must be the listed ones."""
    findings = []
    for bundle, count in sorted(records.items()):
        if _page_count(folder / bundle) != count:
            findings.append(
                (
                    "/".join(filter(None, (FOLDER, bundle, "pagefind-entry.json"))),
                    f"jumlah halaman indeks tidak sama dengan {count} rekaman yang diperiksa",
                )
            )
    found = sorted(f"{bundle}/" for bundle in records if bundle)
    listed = _listed_parts(folder)
    if listed is None or sorted(listed) != found:
        findings.append(
            (
                f"{FOLDER}/{PARTS_FILE}",
                f"daftar bagian indeks pencarian tidak sama dengan bagian yang ada ({found})",
            )
        )
    return findings


def _index_files(
    output: Path, files: Mapping[str, OutputFile] | None
) -> dict[str, OutputFile | None]:
    """Return the files under ``pagefind/`` (relative to it) in path order, symlinked too.

    Taken from the build's listing when it is complete and of ``output`` itself (each
    regular file with its hash; a symlinked file with None), else found on disk as
    ``Path.rglob`` finds them: symlinked files included, symlinked folders not entered.
    """
    folder = output / FOLDER
    listing = None if folder.is_symlink() else fresh(files, output)
    if listing is None:
        found = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        return {rel: None for rel in sorted(found, key=lambda rel: rel.split("/"))}
    prefix = f"{FOLDER}/"
    inside: list[tuple[str, OutputFile | None]] = [
        (rel[len(prefix) :], file) for rel, file in listing.items() if rel.startswith(prefix)
    ]
    inside += [(rel[len(prefix) :], None) for rel in listing.links if rel.startswith(prefix)]
    return dict(sorted(inside, key=lambda entry: entry[0].split("/")))


def audit_search(
    output: Path,
    pages: set[str],
    files: Mapping[str, OutputFile] | None = None,
    cache: MachineCache | None = None,
) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for every search record that is not an approved page.

    ``files`` is the build's listing of ``output`` (publishing/tree.py); ``cache`` keeps
    what each record says between builds (``RecordTable``).
    """
    folder = output / FOLDER
    if not folder.exists():
        return []
    found = _index_files(output, files)
    table = RecordTable(cache)
    findings = []
    records = {"": 0}  # bundle folder ("" for pagefind/ itself) -> records checked
    for rel, listed in found.items():
        shown = f"{FOLDER}/{rel}"
        sibling = copy_of(rel)
        if sibling is not None and KNOWN.match(sibling) and sibling in found:
            continue  # a .gz/.br copy: the audit holds it to its sibling's bytes (compress_audit)
        if not KNOWN.match(rel):
            findings.append((shown, "berkas ini bukan bagian indeks pencarian; tidak boleh terbit"))
            continue
        bundle, inner = "", rel
        if rel.startswith("bagian-"):  # a part: bagian-NN/<file> (KNOWN says so)
            bundle, _, inner = rel.partition("/")
        records.setdefault(bundle, 0)
        if not inner.startswith("fragment/"):
            continue
        records[bundle] += 1
        if finding := _check_record(table.url(folder / rel, listed), shown, pages):
            findings.append(finding)
    table.save()
    return findings + _check_parts(folder, records)
