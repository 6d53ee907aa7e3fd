"""The audit of precompressed copies: a ``.gz``/``.br`` is only ever its sibling, compressed.

A server sends ``x.html.br`` to a reader who asked for ``x.html`` without looking inside,
so a copy could carry a page nobody approved while ``x.html`` itself is clean. The audit
therefore accepts a file named like a copy (publishing/compress.py ``copy_of``) only when

* its sibling is in the output and was itself accepted (a copy of a refused file is not
  reported again: the sibling's own finding already stops the build), and
* it decompresses, with the output bounded to the sibling's size (no "zip bomb"), to
  exactly the sibling's bytes, as one whole stream with nothing after it.

A copy of a file that is not in the output, or of other bytes, is refused, in a local
build and in a sealed publish alike (nginx's ``gzip_static`` sends ``x.gz`` for ``x``
even when there is no ``x``). The one exception is a file the gate's manifest lists as
copied for an approved item or as signed furniture (``data.csv.gz`` uploaded as such)
with no ``data.csv`` beside it: it is judged like every attachment (publishing/audit.py,
inventory.py). With its sibling beside it, it must be that sibling, compressed.

Which (sibling, copy) pairs decompressed correctly is kept on the machine (the audit's
``MachineCache``) under both SHA-256 hashes, like publishing/audit_facts.py keeps what a
file says: an entry can only ever vouch for the very pair of bytes it was made from.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Collection, Mapping
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING, Any

from approval_gate.api import cache_key, code_digest, dump_bytes, load_bytes

from . import compress
from .meanwhile import alongside
from .tree import OutputFile

if TYPE_CHECKING:
    from approval_gate.api import MachineCache

NO_SIBLING = (
    "salinan terkompresi dari {sibling!r} yang tidak ada di hasil build; tidak boleh terbit"
)
OTHER_BYTES = (
    "salinan terkompresi ini tidak terurai menjadi isi {sibling!r} yang persis sama; "
    "tidak boleh terbit"
)
#: Raise when what an entry means changes; the code's hash is part of the key too.
PAIRS_VERSION = 1
#: From this many copies to decompress on, half are decompressed on a second thread.
SPLIT = 64


def attachments(manifest: Mapping[str, Any]) -> set[str]:
    """Return the output paths the manifest lists as copied files of approved items."""
    listed = set(manifest.get("static_files", []))
    return listed | {entry["save_as"] for entry in manifest.get("static", [])}


class CopyCheck:
    """The compressed copies of one output: held back from the usual audit, judged last."""

    def __init__(
        self,
        manifest: Mapping[str, Any],
        files: Mapping[str, OutputFile],
        cache: MachineCache | None = None,
    ) -> None:
        self.files = files
        self.attached = attachments(manifest)
        self.held: dict[str, str] = {}  # copy rel -> its sha256
        self.cache = cache
        code = code_digest(Path(__file__), Path(compress.__file__))
        self.key = cache_key("compressed-pairs", PAIRS_VERSION, code)
        if code is None:
            self.cache = None
        self._known: set[str] | None = None  # read on first use (``known``)
        self.used: set[str] = set()
        self.made = 0  # how many copies had to be decompressed (tests and the benchmark)

    @property
    def known(self) -> set[str]:
        """Return the pairs verified before, read from the cache on first use.

        Only ``judge`` needs them, after the audit's other tables are gone: read then,
        their memory and the others' never add up (docs/publishing.md, "Memory").
        """
        if self._known is None:
            self._known = _load(self.cache.get(self.key)) if self.cache is not None else set()
        return self._known

    def hold(self, rel: str, sha256: str) -> bool:
        """Return whether ``rel`` is a compressed copy (judged by ``judge``, not by folder)."""
        sibling = compress.copy_of(rel)
        if sibling is None or (rel in self.attached and sibling not in self.files):
            return False  # not a copy's name, or an attachment called x.gz with no x beside it
        self.held[rel] = sha256
        return True

    def judge(self, output: Path, refused: Collection[str]) -> list[tuple[str, str]]:
        """Return ``(path, problem)`` for every held copy that is not exactly its sibling.

        ``refused`` holds every path the rest of the audit found a problem with. The
        copies no earlier audit vouched for are decompressed on two threads when there
        are at least ``SPLIT`` of them (``_compare``): a first publish, or one after a
        theme change, has 15,000 (5,000 items), about two seconds on one core, and
        zlib, brotli, hashing and reading release the interpreter's lock.
        """
        problems: dict[str, str | None] = {}
        fresh: list[tuple[str, OutputFile, str]] = []  # (copy, sibling's file, suffix)
        for rel, digest in self.held.items():
            problems[rel] = self._quick(rel, digest, refused, fresh)
        self.made += len(fresh)
        half = len(fresh) // 2 if len(fresh) >= SPLIT and compress.cores() > 1 else 0

        def compare(part: list[tuple[str, OutputFile, str]], stop: Event | None = None) -> None:
            for rel, original, suffix in part:
                if stop is not None and stop.is_set():
                    return
                problems[rel] = self._compare(output, rel, original, suffix)

        if half:
            alongside(lambda stop: compare(fresh[half:], stop), lambda: compare(fresh[:half]))
        else:
            compare(fresh)
        findings = [
            (rel, problem.format(sibling=compress.copy_of(rel) or ""))
            for rel, problem in sorted(problems.items())
            if problem
        ]
        if self.cache is not None and self.used and (self.made or self.used != self.known):
            self.cache.put(self.key, dump_bytes(sorted(self.used)))
        return findings

    def _quick(
        self,
        rel: str,
        digest: str,
        refused: Collection[str],
        fresh: list[tuple[str, OutputFile, str]],
    ) -> str | None:
        """Judge a copy without reading it when the listing and the known pairs suffice.

        Returns its problem or None; a copy that must be decompressed is added to
        ``fresh`` and refused until ``_compare`` has found it to be its sibling.
        """
        sibling = compress.copy_of(rel) or ""
        original = self.files.get(sibling)
        if original is None or compress.copy_of(sibling) is not None:
            return NO_SIBLING
        if sibling in refused:
            return None  # the sibling's own finding stops the build; the copy adds no news
        suffix = posixpath.splitext(rel)[1]
        pair = f"{original.sha256}:{digest}:{suffix}"
        if pair in self.known:
            self.used.add(pair)
            return None
        fresh.append((rel, original, suffix))
        return OTHER_BYTES  # fail closed: a copy never compared stays refused

    def _compare(self, output: Path, rel: str, original: OutputFile, suffix: str) -> str | None:
        """Decompress the copy ``rel`` and compare it with its sibling's bytes."""
        data, copy = original.path.read_bytes(), (output / rel).read_bytes()
        if compress.DECOMPRESS[suffix](copy, len(data)) != data:
            return OTHER_BYTES
        # kept under the hashes of the bytes actually compared, whatever the listing said
        self.used.add(f"{_sha(data)}:{_sha(copy)}:{suffix}")  # one set: the GIL orders adds
        return None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load(blob: bytes | None) -> set[str]:
    """Return the verified pairs in ``blob`` (a JSON list of texts), or none."""
    if blob is None:
        return set()
    try:
        pairs = load_bytes(blob)
    except ValueError:
        return set()
    if not isinstance(pairs, list):
        return set()
    return {pair for pair in pairs if isinstance(pair, str)}
