"""Precompressed copies: ``x.html.gz`` and ``x.html.br`` beside each text file of the output.

A static server (nginx ``gzip_static``/``brotli_static``, Caddy ``precompressed``, Apache
with a rewrite rule, docs/hosting.md) then sends a reader on a slow phone connection the
smaller copy without compressing anything per request (gzip 9, brotli 6: see below). The
copies are written after the search index and before the audit (publishing/build.py), so
the audit sees them and accepts one only when it decompresses to exactly its sibling's
bytes (publishing/compress_audit.py).

The bytes of a copy depend only on the sibling's bytes and the settings here (gzip's
header time is 0), so an unchanged file gives an unchanged copy and a deploy sends a
copy only when its sibling changed. Each copy is kept on the machine
(``approval_gate.api.MachineCache``) under the sibling's SHA-256, the settings and this
code (one entry holds both copies of a file), so a publish compresses only what changed.
A cached copy is not decompressed again here: the audit does that for every (file, copy)
pair it has not seen, so an entry that is wrong although sealed with the machine's key
stops the build (fail closed), and a damaged one fails its seal and is made again.

Brotli quality 6, not 11: on this site's pages 11 makes the .br about 7 % smaller but
costs some 40 times the CPU (docs/benchmarks.md, "Compressed copies": a 1,000-item site
is about 48 MB of text, a minute of CPU at 11 and seconds at 6), and every change of this
module's code, or of a listing shared by many pages, compresses again.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import posixpath
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli

from approval_gate.api import KpuError, MachineCache, cache_key, code_digest, options

from .tree import OutputFile, stamp_of

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
GZIP_LEVEL = 9
BROTLI_QUALITY = 6
#: The copies' suffixes and the Content-Encoding a server sends with each.
ENCODINGS = {".gz": "gzip", ".br": "br"}
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
    stem, suffix = posixpath.splitext(rel)
    return stem if suffix in ENCODINGS and posixpath.basename(stem) else None


def worth(rel: str, size: int) -> bool:
    """Return whether ``rel`` (``size`` bytes) is a text file that gets compressed copies."""
    name = posixpath.basename(rel)
    suffix = posixpath.splitext(name)[1].lower()
    return size >= MIN_BYTES and (suffix in SUFFIXES or name in NAMES)


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
    return code_digest(Path(__file__))


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


def _pack(copies: dict[str, bytes]) -> bytes:
    """Return one cache entry holding a file's copies (an empty copy: not smaller)."""
    sizes = b"".join(len(copies[suffix]).to_bytes(4, "big") for suffix in ENCODINGS)
    return sizes + b"".join(copies[suffix] for suffix in ENCODINGS)


def _unpack(blob: bytes | None) -> dict[str, bytes] | None:
    """Return the copies in a cache entry, or None when it is missing or malformed."""
    head = 4 * len(ENCODINGS)
    if blob is None or len(blob) < head:
        return None
    sizes = [int.from_bytes(blob[i : i + 4], "big") for i in range(0, head, 4)]
    if head + sum(sizes) != len(blob):
        return None
    copies, start = {}, head
    for suffix, size in zip(ENCODINGS, sizes, strict=True):
        copies[suffix], start = blob[start : start + size], start + size
    return copies


def _made(data: bytes) -> dict[str, bytes]:
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


def compress_output(output: Path, files: Mapping[str, OutputFile], how: Compression) -> Written:
    """Write ``<file>.gz`` and ``<file>.br`` beside every text file of ``output`` worth it.

    ``files`` is the build's listing (publishing/tree.py); a name the output already has
    (an approved attachment called ``x.csv.gz``) is never overwritten. The copies come
    back as listing entries (hashed from the bytes written), so the listing grows by them
    without reading them back.
    """
    written = Written()
    if not how.enabled:
        return written
    store = MachineCache(how.cache, "compress") if how.cache is not None else None
    shaped = _settings()
    if shaped[-1] is None:
        store = None  # unreadable source: keep nothing rather than share a key
    for rel, file in files.items():
        wanted = [suffix for suffix in ENCODINGS if f"{rel}{suffix}" not in files]
        if copy_of(rel) is not None or not worth(rel, file.size) or not wanted:
            continue
        key = cache_key("compressed", file.sha256, shaped)
        copies = _unpack(store.get(key)) if store is not None else None
        if copies is None:
            copies = _made(file.path.read_bytes())
            written.made += len(copies)
            if store is not None:
                store.put(key, _pack(copies))
        for suffix in wanted:
            if copies[suffix]:
                written.files[rel + suffix] = _write(output, rel + suffix, copies[suffix])
    return written


def _write(output: Path, rel: str, data: bytes) -> OutputFile:
    """Write a new copy (never through a file already there) and return its listing entry."""
    path = output / rel
    with path.open("xb") as stream:
        stream.write(data)
    status = path.stat()  # as the listing sees it (an open file's fstat may differ)
    digest = hashlib.sha256(data).hexdigest()
    return OutputFile(rel, output, len(data), digest, stamp_of(status))
