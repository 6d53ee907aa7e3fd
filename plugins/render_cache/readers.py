"""Markdown converted once per digest: a caching reader in place of Pelican's own.

Converting Markdown was a third of a build, and every build converted every item (and
its Summary) again although an item's bytes only change with its digest. This reader
keeps, per source bytes, what Python-Markdown produced: the HTML of the text, the raw
metadata lines and the HTML of each formatted field (Summary). Pelican's own
``_parse_metadata`` then runs on every read, hit or not, so dates, tags, slugs and
warnings come out exactly as without the cache (they depend on settings such as
TIMEZONE, which are not part of the entry). An entry is found by the sha256 of the
source bytes plus a fingerprint of everything else that shapes the conversion, sealed
with the machine key, and it names the bytes and fingerprint it was made from: any
entry that does not match is converted again, never used.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata as distributions
from importlib import util as importing
from pathlib import Path
from typing import Any

from approval_gate.api import (
    MachineCache,
    cache_key,
    code_digest,
    load_bytes,
    read_item_source,
    settings_source,
)
from approval_gate.api import options as o
from pelican import signals
from pelican.readers import BaseReader, MarkdownReader

from . import dates
from .prune import by_last_use

logger = logging.getLogger(__name__)

#: Raise when the entry format or the conversion below changes: old entries then miss.
CODE_VERSION = 1
NAMESPACE = by_last_use("markdown")  # touched when read: kept while builds read it
#: The suffixes Pelican's MarkdownReader reads.
SUFFIXES = tuple(MarkdownReader.file_extensions)

EXPECTED = "jalur folder cache di mesin ini (di luar folder isi dan folder hasil), atau None"
HINT = (
    "Perbaiki nilai itu di berkas pengaturan (atau None untuk tanpa cache), "
    "lalu jalankan build lagi."
)


def _options(settings: Mapping[str, Any]) -> o.OptionSet:
    """Return the one option, checked against the content and output folders of ``settings``."""

    def folder(value: Any) -> Path:
        path = o.path(value)
        for name, label in (("PATH", "folder isi"), ("OUTPUT_PATH", "folder hasil")):
            other = settings.get(name)
            if other and path.is_relative_to(Path(other).resolve()):
                raise o.Invalid(f"Folder itu berada di dalam {label} ({name}).")
        if path.exists() and not path.is_dir():
            raise o.Invalid("Jalur itu sudah ada dan bukan folder.")
        return path

    return o.OptionSet((o.Option("RENDER_CACHE_PATH", EXPECTED, o.optional(folder)),), hint=HINT)


def cache_folder(settings: Mapping[str, Any]) -> Path | None:
    """Return the validated ``RENDER_CACHE_PATH`` (None: no cache), or raise ConfigError.

    A cache inside the content folder could be read as content, one inside the output
    folder would be published (or wiped with it): both are refused, naming the key.
    """
    values = {"RENDER_CACHE_PATH": settings.get("RENDER_CACHE_PATH")}
    folder: Path | None = _options(settings).read(values, settings_source(settings))[
        "RENDER_CACHE_PATH"
    ]
    return folder


def decode(data: bytes) -> str:
    """Return the text Pelican's ``pelican_open`` reads: BOM dropped, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig").read()


def _version(module: str) -> str | None:
    """Return the version of the package a module belongs to (cheap: no scan of all)."""
    top = module.split(".", 1)[0]
    found = getattr(sys.modules.get(top), "__version__", None)
    if isinstance(found, str):
        return found
    try:
        return distributions.version(top)
    except (distributions.PackageNotFoundError, ValueError):
        return None


def _code(module: str) -> str | None:
    """Return the digest of a module's own source (a local extension has no version).

    ``site_theme.linkify`` belongs to no installed distribution: without its code in the
    key, an edit of it would leave every page's old conversion in the cache.
    """
    try:
        spec = importing.find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = getattr(spec, "origin", None)
    return code_digest(Path(origin)) if origin and origin.endswith(".py") else None


def fingerprint(markdown: Mapping[str, Any], formatted: Iterable[str], reader: type) -> str:
    """Return the hash of everything besides the bytes that shapes a conversion."""
    named = [*markdown.get("extensions", ()), *markdown.get("extension_configs", {})]
    modules = sorted(
        {"markdown", "pelican", "pygments"}
        | {(e if isinstance(e, str) else type(e).__module__).split(":")[0] for e in named}
    )
    return cache_key(
        CODE_VERSION,
        [f"{c.__module__}.{c.__qualname__}" for c in reader.__mro__],
        markdown,
        list(formatted),
        {module: _version(module) or f"kode:{_code(module)}" for module in modules},
        list(sys.version_info[:2]),
    )


def convert(text: str, markdown: Mapping[str, Any], formatted: Iterable[str]) -> dict[str, Any]:
    """Convert ``text`` exactly as MarkdownReader.read and _parse_metadata do.

    Returns the entry's data: the content HTML, the raw metadata (or None) and the HTML
    of each formatted field's text, converted in Pelican's order by the same instance.
    """
    from markdown import Markdown

    md = Markdown(**markdown)
    content = md.convert(text)
    meta = getattr(md, "Meta", None)
    conversions: dict[str, str] = {}
    if meta is not None:
        md.preprocessors.deregister("meta")
        wanted = set(formatted)
        for name, value in meta.items():
            if name.lower() in wanted:
                source = "\n".join(value)
                md.reset()
                conversions[source] = md.convert(source)
    raw = None if meta is None else [[name, list(value)] for name, value in meta.items()]
    return {"content": content, "meta": raw, "formatted": conversions}


class _Missing(Exception):
    """A formatted field's conversion is not in the entry: convert the file again."""


class _NoDeregister:
    def deregister(self, name: str) -> None:
        del name


class _Replay:
    """Stands in for the Markdown instance in ``_parse_metadata``: gives stored HTML."""

    def __init__(self, conversions: Mapping[str, str]) -> None:
        self._conversions = conversions
        self.preprocessors = _NoDeregister()

    def reset(self) -> None:
        """Nothing to reset: every answer is stored."""

    def convert(self, source: str) -> str:
        """Return the stored HTML of a formatted field's text."""
        try:
            return self._conversions[source]
        except KeyError:
            raise _Missing(source) from None


def _entry(blob: bytes | None, digest: str, print_: str) -> dict[str, Any] | None:
    """Return a stored entry's data when it is whole and was made from these inputs."""
    if blob is None:
        return None
    try:
        entry = load_bytes(blob)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("source") != digest:
        return None
    if entry.get("fingerprint") != print_ or not isinstance(entry.get("content"), str):
        return None
    meta, formatted = entry.get("meta"), entry.get("formatted")
    if meta is not None and not (isinstance(meta, list) and all(map(_meta_line, meta))):
        return None
    if not isinstance(formatted, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in formatted.items()
    ):
        return None
    return entry


def _meta_line(line: Any) -> bool:
    """Tell whether a stored metadata line is ``[name, [value, ...]]`` of strings."""
    return (
        isinstance(line, list)
        and len(line) == 2
        and isinstance(line[0], str)
        and isinstance(line[1], list)
        and all(isinstance(value, str) for value in line[1])
    )


def encode(data: Mapping[str, Any], digest: str, print_: str) -> bytes:
    """Return an entry's bytes: the data plus the bytes and fingerprint it was made from."""
    entry = {**data, "source": digest, "fingerprint": print_}
    return json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8")


class CachingMarkdown:
    """Mixed in front of the configured MarkdownReader class (which keeps its name)."""

    settings: dict[str, Any]
    _print: str | None = None
    _md: Any
    _source_path: str | None

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)  # type: ignore[call-arg]
        folder = cache_folder(settings)
        assert folder is not None  # only installed with a cache folder
        self._cache = MachineCache(folder, NAMESPACE, touch=True, packed=True)  # pruned by age
        inherited = getattr(super().process_metadata, "__func__", None)  # type: ignore[misc]
        self._quick_dates = inherited is BaseReader.process_metadata

    def process_metadata(self, name: str, value: Any) -> Any:
        """Pelican's processing of one field; a date of the site's form read without dateutil."""
        if self._quick_dates:
            return dates.process(self, name, value)
        return super().process_metadata(name, value)  # type: ignore[misc]

    def job(self) -> tuple[Path, str, dict[str, Any], list[str]]:
        """Return what a pool worker needs to fill this reader's cache."""
        return self._cache.folder, self.fingerprint(), self.markdown(), self.formatted()

    def markdown(self) -> dict[str, Any]:
        """Return MARKDOWN as the reader normalised it (the meta extension added)."""
        return dict(self.settings["MARKDOWN"])

    def formatted(self) -> list[str]:
        """Return FORMATTED_FIELDS as a list."""
        return list(self.settings["FORMATTED_FIELDS"])

    def fingerprint(self) -> str:
        """Return the reader's fingerprint, worked out once."""
        if self._print is None:
            self._print = fingerprint(self.markdown(), self.formatted(), type(self))
        return self._print

    def key(self, digest: str) -> str:
        """Return the cache key of a source whose bytes hash to ``digest``."""
        return cache_key(NAMESPACE, digest, self.fingerprint())

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        """Return the content HTML and metadata, from the cache when the bytes match."""
        # read once for the gate too: its digest of this item need not read it again
        data, digest = read_item_source(str(self.settings.get("PATH") or ""), source_path)
        key = self.key(digest)
        entry = _entry(self._cache.get(key), digest, self.fingerprint())
        if entry is not None:
            try:
                return self._replayed(source_path, entry)
            except _Missing:
                logger.debug("Entri cache Markdown %s tidak lengkap; dikonversi lagi", key)
        entry = convert(decode(data), self.markdown(), self.formatted())
        self._cache.put(key, encode(entry, digest, self.fingerprint()))
        return self._replayed(source_path, entry)

    def _replayed(self, source_path: str, entry: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Run Pelican's own metadata processing over the stored conversion."""
        self._source_path = source_path
        self._md = _Replay(entry["formatted"])
        meta = entry["meta"]
        if meta is None:
            return entry["content"], {}
        raw = {name: list(values) for name, values in meta}
        metadata: dict[str, Any] = self._parse_metadata(raw)  # type: ignore[attr-defined]
        return entry["content"], metadata


_classes: dict[type, type] = {}


def _plain(reader: Any) -> bool:
    """Tell whether ``reader`` is MarkdownReader or a subclass that reads the same way."""
    return (
        isinstance(reader, type)
        and issubclass(reader, MarkdownReader)
        and getattr(reader, "read", None) is MarkdownReader.read
        and getattr(reader, "_parse_metadata", None) is MarkdownReader._parse_metadata
    )


def caching_class(reader: type) -> type:
    """Return the caching subclass of ``reader``, with the same name (Pelican stores it)."""
    if reader not in _classes:
        _classes[reader] = type(
            reader.__name__,
            (CachingMarkdown, reader),
            {"__module__": reader.__module__, "__qualname__": reader.__qualname__},
        )
    return _classes[reader]


def on_initialized(pelican: Any) -> None:
    """Check RENDER_CACHE_PATH before anything is read (a bad value stops the build).

    Without a cache folder the plugin does nothing at all: plain Pelican behaviour.
    """
    if cache_folder(pelican.settings) is not None:
        from . import memo

        memo.install()


def on_readers_init(readers: Any) -> None:
    """Put the caching reader in place of each plain Markdown reader class."""
    folder = cache_folder(readers.settings)
    if folder is None:
        return
    for suffix in SUFFIXES:
        reader = readers.reader_classes.get(suffix)
        if _plain(reader) and not issubclass(reader, CachingMarkdown):
            readers.reader_classes[suffix] = caching_class(reader)


def register() -> None:
    """Connect the caching reader, the pool and the memos to Pelican's signals."""
    from . import pool

    signals.initialized.connect(on_initialized)
    signals.readers_init.connect(on_readers_init)
    pool.register()
