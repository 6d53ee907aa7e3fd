"""Precompressed copies: ``x.html.gz`` and ``x.html.br`` beside each text file of the output.

A static server (nginx ``gzip_static``/``brotli_static``, Caddy ``precompressed``, Apache
with a rewrite rule, docs/hosting.md) then sends a reader on a slow phone connection the
smaller copy without compressing anything per request (gzip 9, brotli 6: see below). The
copies are written after the search index and before the audit (publishing/build.py), so
the audit sees them and accepts one only when it decompresses to exactly its sibling's
bytes (publishing/compress_audit.py).

The bytes of a copy depend only on the sibling's bytes and the settings here (gzip's
header time is 0), so an unchanged file gives an unchanged copy and a deploy sends a
copy only when its sibling changed. Each copy is kept on the machine as a read-only file
named by its SHA-256 and hard-linked into the next build (publishing/compress_store.py),
so a publish compresses and writes only what changed; what is compressed is compressed
on every core. The unchanged item pages' kept copies are linked while the Pelican child
still writes its listings (publishing/compress_ahead.py) and taken here only while each
is still the very file placed for its page's bytes. A linked copy is read back and
hashed, never trusted by its name, and not decompressed here: the audit does that for
every (file, copy) pair it has not seen, so a copy that is wrong although its table was
sealed with the machine's key stops the build (fail closed), and a damaged stored file
is removed and made again.

Brotli quality 6, not 11: on this site's pages 11 makes the .br about 7 % smaller but
costs some 40 times the CPU (docs/benchmarks.md, "Compressed copies": a 1,000-item site
is about 48 MB of text, a minute of CPU at 11 and seconds at 6), and every change of this
module's code, or of a listing shared by many pages, compresses again.
"""

from __future__ import annotations

import gzip
import os
import posixpath
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import brotli

from approval_gate.api import KpuError, cache_key, code_digest, options

from . import compress_store, linked_store
from .compress_store import CopyStore
from .provenance_facts import FOLDER as RECORDS
from .tree import OutputFile

if TYPE_CHECKING:
    from .compress_ahead import CopiesAhead

#: File types worth compressing: text. Images, PDFs, fonts and Pagefind's own index files
#: (``.pf_*``, ``.pagefind``: gzip already) are not.
SUFFIXES = frozenset(
    {
        ".html",
        ".css",
        ".js",
        ".mjs",
        ".xml",
        ".json",
        ".svg",
        ".txt",
        ".csv",
        ".webmanifest",
        ".map",
        ".ics",
        ".pub",
        ".yml",  # the published roster (persetujuan/roster.yml) and its signature
        ".sig",
    }
)
#: Text files without a suffix (the roster as an OpenSSH allowed-signers file).
NAMES = frozenset({"allowed_signers"})
#: Below this a copy saves less than one network packet's headers are worth.
MIN_BYTES = 256
#: Folders whose files get no copies: the per-item approval records (about 4 KB of JSON
#: each, fetched only when a reader checks that item) were 40 % of all copies at 5,000
#: items, and every copy is a file to link, list, audit and deploy on every publish.
UNCOPIED = (f"{RECORDS}/",)
GZIP_LEVEL = 9
BROTLI_QUALITY = 6
#: The copies' suffixes and the Content-Encoding a server sends with each.
ENCODINGS = {".gz": "gzip", ".br": "br"}
_COPY_SUFFIXES = tuple(ENCODINGS)  # for ``str.endswith``: ``copy_of`` is asked of every file
#: Raise when the meaning of a cache entry changes (the code's hash is in the key too).
VERSION = 1
#: The hosts that serve a precompressed copy by itself (docs/hosting.md): the local
#: target's folder and an rsync server behind nginx, Caddy or Apache. GitHub Pages, S3
#: website endpoints and R2 never choose ``x.br`` for ``x``; they would only store it.
SERVED_BY = frozenset({"lokal", "rsync"})
#: ``PUBLISH_COMPRESS``, read with the other ``PUBLISH_*`` settings (publishing/config.py).
OPTION = options.Option("COMPRESS", "True atau False", options.boolean, default=True)


def copy_of(rel: str) -> str | None:
    """Return the sibling a compressed copy's name points at (``x.html.gz`` -> ``x.html``)."""
    if not rel.endswith(_COPY_SUFFIXES):  # most names: no splitext (the audit asks per file)
        return None
    stem, suffix = posixpath.splitext(rel)
    return stem if suffix in ENCODINGS and posixpath.basename(stem) else None


def worth(rel: str, size: int) -> bool:
    """Return whether ``rel`` (``size`` bytes) is a text file that gets compressed copies."""
    if size < MIN_BYTES or rel.startswith(UNCOPIED):
        return False
    name = rel.rpartition("/")[2]  # posixpath.basename: asked of every file
    return posixpath.splitext(name)[1].lower() in SUFFIXES or name in NAMES


def gzip_bytes(data: bytes) -> bytes:
    """Return ``data`` as gzip, the same bytes every time (header time 0, no file name)."""
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


def brotli_bytes(data: bytes) -> bytes:
    """Return ``data`` compressed with brotli (text mode, quality ``BROTLI_QUALITY``)."""
    return bytes(brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY))


def gunzip_bounded(data: bytes, limit: int) -> bytes | None:
    """Return the one gzip member in ``data`` if it holds at most ``limit`` bytes, else None.

    Never inflates more than ``limit + 1`` bytes, so a small file that would inflate to
    gigabytes (a "zip bomb") costs nothing; trailing bytes after the member are refused.
    """
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        return None
    if len(out) > limit or not inflater.eof or inflater.unused_data:
        return None
    return out


def unbrotli_bounded(data: bytes, limit: int) -> bytes | None:
    """Return what ``data`` decompresses to if it is one whole brotli stream of <= ``limit``."""
    inflater = brotli.Decompressor()
    try:
        out = bytes(inflater.process(data, output_buffer_limit=limit + 1))
    except brotli.error:
        return None
    if len(out) > limit or not inflater.is_finished():
        return None
    return out


COMPRESS = {".gz": gzip_bytes, ".br": brotli_bytes}
DECOMPRESS = {".gz": gunzip_bounded, ".br": unbrotli_bounded}


@dataclass(frozen=True)
class Compression:
    """Whether a build writes the copies, and where it keeps them between builds."""

    enabled: bool
    cache: Path | None = None  # MachineCache folder; None keeps nothing


OFF = Compression(False)


def configured(
    settings_file: Path, env: Mapping[str, str] | None, extra: Mapping[str, Any] | None
) -> Compression:
    """Return a local build's compression from its settings file (``PUBLISH_COMPRESS``).

    A publish decides for itself (publishing/publish.py: the setting and whether its
    target serves the copies); a local build keeps its copies in ``.cache/compress``
    beside the settings file, like the render cache.
    """
    from .seal.source import read_settings  # only a local build reads its settings here

    cache = settings_file.parent / ".cache" / "compress"
    try:
        settings = {**read_settings(settings_file, dict(env if env is not None else os.environ))}
    except KpuError:  # a settings file that does not run: Pelican says why, as before
        return Compression(True, cache)
    settings.update(extra or {})
    key = f"PUBLISH_{OPTION.key}"
    wanted = options.OptionSet((OPTION,), prefix="PUBLISH_").read(
        {key: settings[key]} if key in settings else {}, settings_file.name
    )
    return Compression(wanted[OPTION.key], cache)


def _code() -> str | None:
    return code_digest(Path(__file__), Path(compress_store.__file__), Path(linked_store.__file__))


def _settings() -> list[object]:
    """Everything besides the sibling's bytes that shapes a copy's bytes (cache keys)."""
    return [
        VERSION,
        GZIP_LEVEL,
        BROTLI_QUALITY,
        zlib.ZLIB_RUNTIME_VERSION,
        str(getattr(brotli, "__version__", "?")),
        _code(),
    ]


def made(data: bytes) -> dict[str, bytes]:
    """Return ``data`` in each encoding; an empty value where it would not be smaller."""
    made = {suffix: COMPRESS[suffix](data) for suffix in ENCODINGS}
    return {suffix: copy if len(copy) < len(data) else b"" for suffix, copy in made.items()}


@dataclass
class Written:
    """The copies one build wrote: listed like the output (no file hashed twice), and more."""

    files: dict[str, OutputFile] = field(default_factory=dict)
    made: int = 0  # compressed here, not taken from the cache (tests and the benchmark)

    @property
    def counts(self) -> dict[str, int]:
        """Return ``written`` and ``made``, for tests and the benchmark."""
        return {"written": len(self.files), "made": self.made}


#: One text file's copies to place: its path, its listing entry, the suffixes it lacks.
Job = tuple[str, OutputFile, list[str]]


def compress_output(
    output: Path,
    files: Mapping[str, OutputFile],
    how: Compression,
    ahead: CopiesAhead | None = None,
) -> Written:
    """Write ``<file>.gz`` and ``<file>.br`` beside every text file of ``output`` worth it.

    ``files`` is the build's listing (publishing/tree.py); a name the output already has
    (an approved attachment called ``x.csv.gz``) is never overwritten. The copies come
    back as listing entries (hashed from the bytes placed), so the listing grows by them
    without reading them again. Copies kept from earlier builds are hard-linked
    (publishing/compress_store.py) while the others are compressed on every core.
    ``ahead``: the copies linked while the Pelican child ended (compress_ahead.py), taken
    while each is still the very file placed for its page's bytes.
    """
    written = Written()
    if not how.enabled:
        return written
    store = ahead.take_store() if ahead is not None else None
    store = store or open_store(how.cache)
    kept: list[Job] = []
    fresh: list[Job] = []
    for rel, file in files.items():
        if copy_of(rel) is not None or not worth(rel, file.size):
            continue
        wanted, taken = _wanted(output, rel, file, files, ahead, written)
        names = store.names(file.sha256) if store is not None else None
        if wanted:
            (kept if names is not None else fresh).append((rel, file, wanted))
        elif taken and store is not None and names is not None:
            store.keep(file.sha256, names)  # its copies were placed ahead: kept for the next
    try:
        _place_all(output, store, kept, fresh, written)
        if store is not None:
            store.save()
    finally:
        if store is not None:
            store.close()
    return written


def _place_all(
    output: Path, store: CopyStore | None, kept: list[Job], fresh: list[Job], written: Written
) -> None:
    """Compress ``fresh`` on every core the process may use while ``kept`` are linked.

    zlib and brotli release the GIL, so threads suffice; a worker's error (a full disk)
    is raised here, after the running ones have ended.
    """
    pool = ThreadPoolExecutor(cores(), thread_name_prefix="kompres")
    try:
        futures = [pool.submit(_made, output, store, job) for job in fresh]
        for job in kept:
            assert store is not None  # only a store knows copies
            rel, file, missing = _linked(output, store, job, written)
            if missing:  # a stored copy that was missing or wrong: made again
                futures.append(pool.submit(_made, output, store, (rel, file, missing)))
        for future in futures:
            placed, count = future.result()
            written.files.update((entry.rel, entry) for entry in placed)
            written.made += count
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _wanted(
    output: Path,
    rel: str,
    file: OutputFile,
    files: Mapping[str, OutputFile],
    ahead: CopiesAhead | None,
    written: Written,
) -> tuple[list[str], bool]:
    """Return the suffixes ``rel`` still lacks a copy for, and whether one came ahead.

    A name the output has is never written over, unless it is a copy placed ahead for
    other bytes of ``rel`` (its page changed since): that one is removed and made again.
    A copy placed ahead for exactly these bytes is taken into ``written``.
    """
    wanted, taken = [], False
    for suffix in ENCODINGS:
        copy = f"{rel}{suffix}"
        found = files.get(copy)
        if found is None:
            wanted.append(suffix)
            continue
        verdict = ahead.placed(copy, file, found) if ahead is not None else None
        if verdict:
            written.files[copy], taken = found, True
        elif verdict is False:
            (output / copy).unlink()
            wanted.append(suffix)
    return wanted, taken


def open_store(cache: Path | None) -> CopyStore | None:
    """Return the copies kept in ``cache``, or None (no cache, unreadable code or folder)."""
    shaped = _settings()
    if cache is None or shaped[-1] is None:
        return None  # unreadable source: keep nothing rather than share a key
    try:
        return CopyStore(cache, cache_key("compressed-copies", shaped), len(ENCODINGS))
    except OSError:
        return None


def _linked(output: Path, store: CopyStore, job: Job, written: Written) -> Job:
    """Link ``job``'s kept copies into ``output``; return it with the suffixes still lacking."""
    rel, file, wanted = job
    names = dict(zip(ENCODINGS, store.names(file.sha256) or ["", ""], strict=True))
    placed, missing = link_kept(output, store, rel, names, wanted)
    written.files.update((entry.rel, entry) for entry in placed)
    if not missing:
        store.keep(file.sha256, list(names.values()))
    return (rel, file, missing)


def link_kept(
    output: Path, store: CopyStore, rel: str, names: Mapping[str, str], suffixes: list[str]
) -> tuple[list[OutputFile], list[str]]:
    """Link ``rel``'s kept copies (``names`` by suffix) for ``suffixes`` into ``output``.

    Returns the copies placed and the suffixes whose kept copy is missing from the store
    or not what its name says (``CopyStore.place`` reads each back); a suffix without a
    name has no copy (it would not be smaller). publishing/compress_ahead.py too.
    """
    placed, missing = [], []
    for suffix in suffixes:
        if not names[suffix]:
            continue
        entry = store.place(names[suffix], output, rel + suffix)
        if entry is None:
            missing.append(suffix)
        else:
            placed.append(entry)
    return placed, missing


def _made(output: Path, store: CopyStore | None, job: Job) -> tuple[list[OutputFile], int]:
    """Compress one file, write the copies it lacks and keep them; return their entries."""
    rel, file, wanted = job
    return write_copies(output, store, rel, file.path.read_bytes(), file.sha256, wanted)


def write_copies(
    output: Path, store: CopyStore | None, rel: str, data: bytes, sha: str, wanted: list[str]
) -> tuple[list[OutputFile], int]:
    """Compress ``data`` (``rel``'s bytes, hashing to ``sha``); write the ``wanted`` copies.

    Each copy is a new file, kept in ``store`` with ``sha``'s entry; returns the copies'
    listing entries and how many were compressed (publishing/compress_ahead.py too).
    """
    copies = made(data)
    names = {suffix: compress_store.sha(copy) if copy else "" for suffix, copy in copies.items()}
    placed = []
    for suffix in wanted:
        copy, path = copies[suffix], output / (rel + suffix)
        if copy:
            compress_store.write_new(path, copy)
            if store is not None:
                store.adopt(path, names[suffix], copy)
            placed.append(compress_store.listed(output, rel + suffix, len(copy), names[suffix]))
    if store is not None:
        store.keep(sha, list(names.values()))
    return placed, len(copies)


def cores() -> int:
    """Return how many threads compress (or decompress) at once: the cores this process has."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
