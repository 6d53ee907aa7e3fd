"""Site search: the index is built from the gated output, and audited like any page.

``index_site`` runs Pagefind (the binary of the ``pagefind[bin]`` package; no network)
after the gate and before the audit, on the pages of the items the gate's manifest
lists as included, and on nothing else, in parts (search_parts.py: one Pagefind run
per part of at most about 800 pages, an unchanged part reused from the machine cache;
search_runs.py: two runs at once).
``audit_search`` (publishing/search_audit.py) then reads the index back independently:
every file under ``pagefind/`` must be one Pagefind writes, every record must point at an
approved page, and every part must be listed. Anything else is a finding, and the build
publishes nothing.
"""

from __future__ import annotations

import importlib.metadata
import json
import posixpath
import shutil
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from approval_gate.api import ExitCode, KpuError, MachineCache

from . import linked_store
from . import search_parts as parts
from . import search_runs as runs
from .linked_store import LinkedStore
from .search_audit import FOLDER as FOLDER
from .search_audit import KNOWN as KNOWN
from .search_audit import _record_url as _record_url
from .search_audit import audit_search as audit_search
from .search_parts import PARTS_FILE
from .tree import OutputFile, sha256_of

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
#: What Pagefind is told besides where to read and write (part of every cache key).
OPTIONS = ("--quiet",)


class SearchIndexError(KpuError):
    """Pagefind could not build the index; the build must not publish."""

    exit_code = ExitCode.SEARCH

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def pagefind_command() -> list[str]:
    """Return how to run Pagefind: its binary itself (no Python start per part), if found."""
    binary = runs.binary()
    return [binary] if binary else [sys.executable, "-m", "pagefind"]


def _version() -> str:
    try:
        return importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def run_pagefind(
    output: Path,
    pages: list[str],
    main: bool,
    scratch: runs.Scratch,
    flight: runs.InFlight,
    env: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """Index ``pages`` of ``output`` with Pagefind alone; return the bundle's files.

    Pagefind reads a folder holding only these pages, so no listing, no theme page and
    nothing else can become a record, whatever the theme's markup. ``env``: the run's
    environment (``runs.one_core``), else this process's.
    """
    with scratch.folder_for_run() as tmp:
        site, bundle = Path(tmp) / "situs", Path(tmp) / FOLDER
        scratch.place(output, pages, site)
        command = [*pagefind_command(), "--site", str(site), "--output-path", str(bundle)]
        try:
            need = runs.run_need(len(pages))  # beside other runs only with room
            done = flight.run([*command, *OPTIONS], timeout=600, env=env, need=need)
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
) -> dict[str, tuple[str, int]]:
    """Return each page's SHA-256 and size: from the build's listing, else read here."""
    known = files or {}
    return {
        page: (known[page].sha256, known[page].size)
        if page in known
        else (sha256_of(output / page), (output / page).stat().st_size)
        for page in pages
    }


def _forget_old_cache(cache: Path) -> None:
    """Remove the one-slot cache of earlier versions (a whole index and its key)."""
    shutil.rmtree(cache / FOLDER, ignore_errors=True)
    (cache / "key").unlink(missing_ok=True)


#: One part to index: its number, its pages, its cache key.
Job = tuple[int, list[str], str]


def index_site(
    output: Path,
    manifest: dict[str, Any],
    cache: Path | None = None,
    files: Mapping[str, OutputFile] | None = None,
) -> dict[str, OutputFile]:
    """Build the search index of the approved item pages of ``output`` (Pagefind), in parts.

    Each part is indexed by its own Pagefind run, at most two at once (search_runs.py),
    so Pagefind's memory follows the size of a part, not of the site. A part whose pages
    are byte-for-byte those of a part cached by an earlier build (``cache``, sealed with
    the machine key) is taken from the cache: Pagefind's output is not repeatable, so
    an unchanged site then also publishes an unchanged index, and a publish that
    changes one item re-indexes one part. The audit checks a reused part record by
    record like a new one. ``files`` (the build's listing of ``output``, publishing/
    tree.py) saves hashing the pages a second time. Returns the listing entries of the
    bundles' files (``parts.write_bundle``; not the parts' list).
    """
    included = {entry["save_as"] for entry in manifest.get("included", [])}
    if files is None:
        pages = sorted(page for page in included if (output / page).is_file())
    else:  # the listing of ``output`` says which exist
        pages = sorted(included.intersection(files))
    if not pages:
        return {}  # nothing approved, nothing to find; the search page says so
    store = MachineCache(cache, parts.NAMESPACE) if cache is not None else None
    if cache is not None:
        _forget_old_cache(cache)
    facts = _digests(output, pages, files)
    cached: list[tuple[int, dict[str, bytes]]] = []
    todo: list[Job] = []
    used = set()
    for number, part, key in keyed_parts(pages, {page: sha for page, (sha, _) in facts.items()}):
        used.add(key)
        made = parts.unpack(store.get(key), number == 0) if store is not None else None
        if made is None:
            todo.append((number, part, key))
        else:
            cached.append((number, made))
    largest = max((sum(facts[p][1] for p in part) for _, part, _ in todo), default=0)
    linked = _linked_store(cache)
    try:
        placed = _index_parts(output, todo, cached, (store, linked), largest)
        if linked is not None:
            linked.keep_only(file.sha256 for file in placed.values())
    finally:
        if linked is not None:
            linked.close()
    listed = [f"{parts.folder_name(n)}/" for n in range(1, len(cached) + len(todo))]
    parts_file = output / FOLDER / PARTS_FILE  # a new file, never written through another
    parts_file.unlink(missing_ok=True)
    linked_store.write_new(parts_file, (json.dumps(listed) + "\n").encode("utf-8"))
    if store is not None:
        parts.prune(store, used)
    return placed


def keyed_parts(pages: list[str], digests: Mapping[str, str]) -> list[Job]:
    """Split ``pages`` (sorted) into parts; return each with its number and cache key.

    The key: Pagefind's version, the program and its options, whether the part is the
    main one, and every page of the part with the SHA-256 of its bytes (``digests``).
    """
    command = pagefind_command()  # the program, not where it is installed
    how, version = [Path(command[0]).name, *command[1:], *OPTIONS], _version()
    return [
        (number, part, parts.part_key(version, how, number == 0, [(p, digests[p]) for p in part]))
        for number, part in enumerate(parts.split(pages))
    ]


def _linked_store(cache: Path | None) -> LinkedStore | None:
    """Return the store of the bundles' files, or None (no cache, or it cannot be opened)."""
    try:
        return LinkedStore(cache / parts.STORE) if cache is not None else None
    except OSError:  # a store that cannot be used only makes the build slower
        return None


def _index_parts(
    output: Path,
    todo: list[Job],
    cached: list[tuple[int, dict[str, bytes]]],
    stores: tuple[MachineCache | None, LinkedStore | None],
    largest: int,
) -> dict[str, OutputFile]:
    """Run Pagefind on the parts of ``todo`` (``runs.workers`` at once); write every part.

    A run starts beside another only while this process and the runs' estimates stay
    within the publish's memory bound (``runs.room_beside_me``), else after it.

    The cached parts are written while the runs go; each new part is cached and written
    as its run ends (the order changes nothing in the output). A failed run (or Ctrl-C)
    kills the runs going and cancels those not yet started, and its error is raised.
    ``stores``: the parts' cache and the store their files are linked from. Returns the
    listing entries of every file written.
    """
    store, linked = stores
    placed: dict[str, OutputFile] = {}
    workers, flight = runs.workers(len(todo)), runs.InFlight(runs.room_beside_me)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kpu-pagefind")
    try:
        going = {}
        if todo:
            scratch = runs.scratch(output, workers * (largest + runs.RUN_MEMORY // 8) + 2**26)
            going = {
                pool.submit(run_pagefind, output, pages, n == 0, scratch, flight): (n, key)
                for n, pages, key in todo
            }
        for number, made in cached:
            placed |= parts.write_bundle(made, output, _folder(number), linked)
        for run in as_completed(going):
            number, key = going[run]
            made = run.result()
            blob = parts.pack(made, number == 0)
            if store is not None and blob is not None:
                store.put(key, blob)
            placed |= parts.write_bundle(made, output, _folder(number), linked)
    except BaseException:  # a failed run, Ctrl-C: the other runs end now, not when done
        flight.stop()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return placed


def _folder(number: int) -> str:
    """Return where part ``number`` is written, relative to the output."""
    return posixpath.join(FOLDER, parts.folder_name(number)).rstrip("/")
