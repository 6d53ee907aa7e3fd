"""Site search: the index is built from the gated output, and audited like any page.

``index_site`` runs Pagefind (the binary of the ``pagefind[bin]`` package; no network)
after the gate and before the audit, on the pages of the items the gate's manifest
lists as included, and on nothing else, in parts (search_parts.py: one Pagefind run
per part of at most about 800 pages, an unchanged part reused from the machine cache).
``audit_search`` then reads the index back independently: every file under
``pagefind/`` must be one Pagefind writes, every record (a gzip-compressed fragment)
must point at an approved page, and every part must be listed. Anything else is a
finding, and the build publishes nothing.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from approval_gate.api import ExitCode, KpuError, MachineCache

from . import search_parts as parts
from .compress import copy_of
from .search_parts import MAIN_FILES, PART_FILES, PARTS_FILE
from .tree import OutputFile, sha256_of

FOLDER = "pagefind"
#: Pagefind's ready-made interfaces; the theme has its own (theme/static/js/cari.js).
UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
#: Every file Pagefind writes that the site keeps (paths under pagefind/): the main
#: bundle, the list of parts, and the parts (bagian-NN/) without script or WASM.
KNOWN = re.compile(rf"^(?:{MAIN_FILES}|{re.escape(PARTS_FILE)}|bagian-\d{{2,}}/(?:{PART_FILES}))$")
FRAGMENT_SIGNATURE = b"pagefind_dcd"
#: What Pagefind is told besides where to read and write (part of every cache key).
OPTIONS = ("--quiet",)


class SearchIndexError(KpuError):
    """Pagefind could not build the index; the build must not publish."""

    exit_code = ExitCode.SEARCH

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def pagefind_command() -> list[str]:
    """Return how to run the Pagefind binary installed with ``pagefind[bin]``."""
    return [sys.executable, "-m", "pagefind"]


def _version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _link(output: Path, pages: list[str], folder: Path) -> None:
    """Hard-link (or copy) ``pages`` of ``output`` into ``folder``."""
    for page in pages:
        target = folder / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(output / page, target)
        except OSError:
            shutil.copyfile(output / page, target)


def _run_pagefind(output: Path, pages: list[str], main: bool) -> dict[str, bytes]:
    """Index ``pages`` of ``output`` with Pagefind alone; return the bundle's files.

    Pagefind reads a folder holding only these pages, so no listing, no theme page and
    nothing else can become a record, whatever the theme's markup.
    """
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=output.parent) as tmp:
        site, bundle = Path(tmp) / "situs", Path(tmp) / FOLDER
        _link(output, pages, site)
        command = [*pagefind_command(), "--site", str(site), "--output-path", str(bundle)]
        try:
            done = subprocess.run(
                [*command, *OPTIONS], capture_output=True, text=True, check=False, timeout=600
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SearchIndexError(
                f"Indeks pencarian tidak dapat dibuat: {error}. Periksa "
                "pemasangan paket 'pagefind[bin]'; tidak ada yang "
                "diterbitkan."
            ) from None
        if done.returncode != 0:
            raise SearchIndexError(
                f"Indeks pencarian gagal dibuat (Pagefind, kode keluar "
                f"{done.returncode}); tidak ada yang diterbitkan.",
                done.stdout + done.stderr,
            )
        files = parts.read_bundle(bundle)
    dropped = UNUSED if main else (*UNUSED, "pagefind.js", "pagefind-worker.js")
    return {
        rel: data
        for rel, data in files.items()
        if rel not in dropped and (main or not rel.startswith("wasm."))
    }


def _digests(
    output: Path, pages: list[str], files: Mapping[str, OutputFile] | None
) -> dict[str, str]:
    """Return each page's SHA-256: from the build's listing when given, else hashed here."""
    known = files or {}
    return {
        page: known[page].sha256 if page in known else sha256_of(output / page) for page in pages
    }


def _forget_old_cache(cache: Path) -> None:
    """Remove the one-slot cache of earlier versions (a whole index and its key)."""
    shutil.rmtree(cache / FOLDER, ignore_errors=True)
    (cache / "key").unlink(missing_ok=True)


def index_site(
    output: Path,
    manifest: dict[str, Any],
    cache: Path | None = None,
    files: Mapping[str, OutputFile] | None = None,
) -> None:
    """Build the search index of the approved item pages of ``output`` (Pagefind), in parts.

    Each part is indexed by its own Pagefind run, one after another, so Pagefind's
    memory follows the size of a part, not of the site. A part whose pages are
    byte-for-byte those of a part cached by an earlier build (``cache``, sealed with
    the machine key) is taken from the cache: Pagefind's output is not repeatable, so
    an unchanged site then also publishes an unchanged index, and a publish that
    changes one item re-indexes one part. The audit checks a reused part record by
    record like a new one. ``files`` (the build's listing of ``output``, publishing/
    tree.py) saves hashing the pages a second time.
    """
    pages = sorted(
        {e["save_as"] for e in manifest.get("included", []) if (output / e["save_as"]).is_file()}
    )
    if not pages:
        return  # nothing approved, nothing to find; the search page says so
    store = MachineCache(cache, parts.NAMESPACE) if cache is not None else None
    if cache is not None:
        _forget_old_cache(cache)
    digests, version, used, listed = _digests(output, pages, files), _version(), set(), []
    command = pagefind_command()  # the program, not where it is installed
    how = [Path(command[0]).name, *command[1:], *OPTIONS]
    for number, part in enumerate(parts.split(pages)):
        main = number == 0
        key = parts.part_key(version, how, main, [(p, digests[p]) for p in part])
        used.add(key)
        made = parts.unpack(store.get(key), main) if store is not None else None
        if made is None:
            made = _run_pagefind(output, part, main)
            blob = parts.pack(made, main)
            if store is not None and blob is not None:
                store.put(key, blob)
        parts.write_bundle(made, output / FOLDER / parts.folder_name(number))
        if not main:
            listed.append(f"{parts.folder_name(number)}/")
    (output / FOLDER / PARTS_FILE).write_text(json.dumps(listed) + "\n", encoding="utf-8")
    if store is not None:
        parts.prune(store, used)


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


def _check_record(file: Path, shown: str, pages: set[str]) -> tuple[str, str] | None:
    url = _record_url(file.read_bytes())
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


def audit_search(output: Path, pages: set[str]) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for every search record that is not an approved page."""
    folder = output / FOLDER
    if not folder.exists():
        return []
    findings = []
    records = {"": 0}  # bundle folder ("" for pagefind/ itself) -> records checked
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = file.relative_to(folder).as_posix()
        shown = f"{FOLDER}/{rel}"
        sibling = copy_of(rel)
        if sibling is not None and KNOWN.match(sibling) and (folder / sibling).is_file():
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
        if finding := _check_record(file, shown, pages):
            findings.append(finding)
    return findings + _check_parts(folder, records)
