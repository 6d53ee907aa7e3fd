"""The search index in parts: each part is one Pagefind bundle, rebuilt only when it changes.

Pagefind keeps everything it indexes in memory (about 180 KB and 2.3 ms of CPU per item
page, measured with Pagefind 1.5.2; 900 MB at 5,000 items) and has no incremental update,
so one index of the whole site costs what exists, not what changed. The approved pages
are therefore split into parts of at most ``PAGES_PER_PART`` pages on average, each page
placed by a hash of its path (so a page stays in its part while the site grows by less
than a doubling), and Pagefind runs once per part, two at once (search_runs.py). A
publish that changes one item re-indexes the one part that holds it; the others come from the
machine cache, keyed on the exact bytes of every page of the part and sealed with the
machine key (approval_gate.api.MachineCache). The search page merges the parts
(Pagefind's ``mergeIndex``), listed in ``pagefind/bagian.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from approval_gate.api import MachineCache, cache_key

from . import linked_store
from .linked_store import LinkedStore
from .tree import OutputFile

#: Pages per part, on average at most: Pagefind then peaks near 150 MB per part.
PAGES_PER_PART = 800
#: The list of the parts the search page merges (under pagefind/).
PARTS_FILE = "bagian.json"
NAMESPACE = "search"
#: The bundles' files, kept between builds (publishing/linked_store.py), in the cache folder.
STORE = "berkas"
#: Bumped when what a cached part holds changes shape.
FORMAT = 1
#: Files of one Pagefind bundle, as a merged part keeps them (no script, no WASM).
PART_FILES = (
    r"pagefind-entry\.json|pagefind\.[\w-]+\.pf_meta|fragment/[\w-]+\.pf_fragment"
    r"|index/[\w-]+\.pf_index|filter/[\w-]+\.pf_filter"
)
#: Files of the main bundle: a part plus Pagefind's script, worker and WASM.
MAIN_FILES = rf"pagefind\.js|pagefind-worker\.js|wasm\.[\w-]+\.pagefind|{PART_FILES}"
PART_FOLDER = re.compile(r"bagian-\d{2,}")
_MAIN = re.compile(rf"^(?:{MAIN_FILES})$")
_PART = re.compile(rf"^(?:{PART_FILES})$")


def part_count(pages: int) -> int:
    """Return how many parts ``pages`` approved pages are indexed in (a power of two).

    A power of two, so that when the site outgrows it every part splits in two (one full
    re-index, part by part) and otherwise a page keeps its part.
    """
    count = 1
    while pages > count * PAGES_PER_PART:
        count *= 2
    return count


def part_of(page: str, count: int) -> int:
    """Return the part of ``page`` (its path in the output) among ``count`` parts."""
    return int.from_bytes(hashlib.sha256(page.encode("utf-8")).digest()[:8], "big") % count


def split(pages: Iterable[str]) -> list[list[str]]:
    """Return the non-empty parts of ``pages`` in part order, each sorted."""
    pages = sorted(set(pages))
    count = part_count(len(pages))
    parts: list[list[str]] = [[] for _ in range(count)]
    for page in pages:
        parts[part_of(page, count)].append(page)
    return [part for part in parts if part]


def folder_name(number: int) -> str:
    """Where part ``number`` lives under pagefind/ (the first part is pagefind/ itself)."""
    return "" if number == 0 else f"bagian-{number:02d}"


def part_key(
    version: str, command: Sequence[str], main: bool, digests: Sequence[tuple[str, str]]
) -> str:
    """Return the cache key of one part: Pagefind, its options, and every page's bytes."""
    return cache_key(
        "search-part", FORMAT, version, list(command), main, [list(d) for d in digests]
    )


def read_bundle(folder: Path) -> dict[str, bytes]:
    """Return every file Pagefind wrote under ``folder`` (path under it -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def pack(files: dict[str, bytes], main: bool) -> bytes | None:
    """Return a bundle's files in one blob, or None if one of them is not a bundle file.

    A bundle with a stranger in it is not cached: it goes to the output as it is, where
    the audit finds the stranger and the build publishes nothing.
    """
    allowed = _MAIN if main else _PART
    if not all(allowed.match(rel) for rel in files):
        return None
    head = json.dumps([[rel, len(data)] for rel, data in files.items()]).encode("utf-8")
    return len(head).to_bytes(8, "big") + head + b"".join(files.values())


def unpack(blob: bytes | None, main: bool) -> dict[str, bytes] | None:
    """Return the files of a packed bundle, or None when the blob is not one."""
    if blob is None:
        return None
    allowed = _MAIN if main else _PART
    try:
        size = int.from_bytes(blob[:8], "big")
        names = json.loads(blob[8 : 8 + size])
        offset, files = 8 + size, {}
        for rel, length in names:
            if not (
                isinstance(rel, str)
                and allowed.match(rel)
                and isinstance(length, int)
                and length >= 0
            ):
                return None
            files[rel] = blob[offset : offset + length]
            offset += length
    except (ValueError, TypeError):
        return None
    return files if offset == len(blob) and files else None


def write_bundle(
    files: dict[str, bytes], output: Path, folder: str, store: LinkedStore | None
) -> dict[str, OutputFile]:
    """Put a bundle's files under ``output/folder``; return their listing entries.

    A part is about 600 small files, and creating them was most of what a reused part
    cost (5,265 new files per build at 5,000 items). So each file is hard-linked from
    ``store`` when it is kept there (read back and checked, publishing/linked_store.py),
    else written as a new read-only file and kept for the next build. The entries carry
    the hash of the bytes in the output, so the build's listing does not read them again.
    """
    base = os.path.join(os.fspath(output), folder)
    for parent in sorted({os.path.dirname(os.path.join(base, rel)) for rel in files}):
        os.makedirs(parent, exist_ok=True)
    placed = {}
    for rel, data in files.items():
        path, name = posixpath.join(folder, rel), linked_store.sha(data)
        entry = store.place(name, output, path) if store is not None else None
        if entry is None:
            linked_store.write_new(output / path, data)
            if store is not None:
                store.adopt(output / path, name, data)
            entry = linked_store.listed(output, path, len(data), name)
        placed[path] = entry
    return placed


def prune(cache: MachineCache, used: set[str]) -> None:
    """Delete the cached parts this build did not use (the cache holds the newest index)."""
    folder = cache.folder / cache.namespace
    if not folder.is_dir():
        return
    for entry in folder.glob("*/*"):
        if re.fullmatch(r"[0-9a-f]{64}", entry.name) and entry.name not in used:
            entry.unlink(missing_ok=True)
