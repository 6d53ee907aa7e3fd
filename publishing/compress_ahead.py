"""Compressed copies put into the output while the Pelican child still writes it.

Why: after the child, a publish that changed one item at 5,000 items spent about half a
second linking some 10,000 kept ``.gz``/``.br`` copies into its output (publishing/
compress.py), nearly all of them the copies of item pages that had not changed, and a
first publish several seconds compressing every text file, while during the child's
run the second core was mostly idle. ``CopiesAhead`` is a thread at niceness 19 that,
while the child runs, takes every item page the child's notice names (publishing/
item_notice.py) and, when the store keeps nothing (a first publish), before that each
file the child has left alone (the early hashes of settled.py), and puts its copies
beside it: linked from the machine's store when kept there, as ``compress_output`` would
link them, else compressed here from the very bytes it read and kept in the store, within
the memory a publish may hold. After the child only the rest is left.

Sound because a copy is placed exactly as ``compress_output`` places one
(``LinkedStore.place``: linked, read back and hashed, a wrong one removed; or a new
file written from the compressed bytes), only where no file of that name exists yet, and
each is recorded with the hash of the bytes of the page it was made for and the copy's
own stamp. ``compress_output`` takes a copy placed ahead only while the build's final
listing still gives the page that hash and the copy that stamp: a copy whose page
changed since is removed and made again, and a file written over it since is the
output's own, as any file of that name already is. Whether a copy really is its page
compressed is still the audit's judgement (publishing/compress_audit.py). Nothing here
decides what is published; a failure only leaves the work to ``compress_output``.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from approval_gate.api import read_stored

from . import compress, compress_store, search_ahead
from .compress_store import CopyStore
from .item_notice import LOOK_S, read_notice
from .tree import OutputFile, Packed, Stamp, digest_now

#: A placed copy: the SHA-256 of its page (32 bytes) and its own stamp, packed (72 bytes:
#: 20,000 of them at 10,000 items, held beside the child at its largest).
_PLACED = struct.Struct("<32sQQQqq")
#: The memory a compression here may take (gzip's and brotli's state and the copies).
MAKE_BYTES = 32 * 2**20
#: How often the memory beside the child is asked for while compressing (seconds).
ROOM_EVERY_S = 1.0
#: The thread's niceness: it takes what the child and the search's run ahead leave idle.
IDLE_NICE = 19


class CopiesAhead:
    """Put the copies of the settled files and of the pages ``notice`` names into ``output``.

    ``early``: the files hashed while the child runs (settled.py): the pages' hashes are
    taken from there while unchanged, and each copy placed is added to it, so the listing
    after the child does not read it again.
    """

    def __init__(
        self, output: Path, notice: Path, how: compress.Compression, early: Packed | None
    ) -> None:
        self.output = output
        self.notice = notice
        self.how = how
        self.early = early
        self.store: CopyStore | None = None  # opened by the thread; handed to compress_output
        self._placed: dict[str, bytes] = {}
        self._seen: set[str] = set()  # the files looked at, each once
        self._later: list[str] = []  # kept copies of settled files, linked on the notice
        self._asked, self._fits = float("-inf"), False  # the memory, asked once a second
        self.done = threading.Event()  # set when the thread has nothing more to do
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kpu-salinan-awal", daemon=True)

    def __enter__(self) -> CopiesAhead:
        if self.how.enabled and self.how.cache is not None:
            with contextlib.suppress(RuntimeError):  # no thread: all after the child
                self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ended.set()  # the child has ended: the rest is compress_output's
        if self._thread.ident is not None:
            self._thread.join()

    def take_store(self) -> CopyStore | None:
        """Hand the store over (``compress_output`` saves and closes it); None if not open."""
        store, self.store = self.store, None
        return store

    def close(self) -> None:
        """Close the store if nobody took it (the build failed before its copies)."""
        store = self.take_store()
        if store is not None:
            store.close()

    @property
    def copies(self) -> list[str]:
        """Return the copies placed so far, sorted (for tests)."""
        return sorted(self._placed)

    def placed(self, copy: str, page: OutputFile, found: OutputFile) -> bool | None:
        """Judge the file ``found`` at ``copy`` (a page's copy) against what was placed.

        True: placed here for exactly ``page``'s bytes and still that very file; False:
        placed here for other bytes and still that file (to be removed and made again);
        None: not placed here, or written over since (the output's own file).
        """
        packed = self._placed.get(copy)
        if packed is None:
            return None
        sha, *stamp = _PLACED.unpack(packed)
        if tuple(stamp) != found.stamp:
            return None
        return bool(sha.hex() == page.sha256)

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # Linux: this thread only
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), IDLE_NICE)
        try:
            self.store = compress.open_store(self.how.cache)
            if self.store is None:
                return  # nowhere to keep copies: everything is compressed after the child
            # a store that keeps nothing (a first publish): the settled files are compressed
            # before the notice too; else only the notice's pages (measured: docs/)
            early = self.early if self.early is not None and not self.store.table else None
            pages = read_notice(self.notice)
            while pages is None and not self._ended.wait(LOOK_S):
                if early is not None and self._room():  # the files the child left alone
                    self._link(early.names(), self.store, kept=False)
                pages = read_notice(self.notice)
            if pages is not None:
                self._seen.difference_update(self._later)  # deferred: looked at again now
                self._link([*self._later, *pages], self.store)
        except Exception:  # noqa: BLE001, S110 - a hint only: compress_output does the rest
            pass
        finally:
            self.done.set()

    def _link(self, pages: list[str], store: CopyStore, *, kept: bool = True) -> None:
        """Put the copies of ``pages``; ``kept=False``: only those compressed here.

        Before the notice only new copies are made (compressing is CPU work for the idle
        core); linking kept ones then slowed the child, so they wait for the notice.
        """
        known: Mapping[str, OutputFile] = self.early if self.early is not None else {}
        for page in pages:
            if self._ended.is_set():
                return
            if page in self._seen or compress.copy_of(page) is not None:
                continue
            found = digest_now(self.output, page, known)
            if found is None or not compress.worth(page, found[1]):
                self._seen.add(page)
                continue
            names = store.names(found[0])
            if names is None:  # not kept (a first publish, the changed page): made here
                if self._make(page, store):
                    self._seen.add(page)
                continue
            self._seen.add(page)
            if not kept:
                self._later.append(page)  # linked once the notice has come
                continue
            self._place(page, found[0], names, store)

    def _place(self, page: str, sha: str, names: list[str], store: CopyStore) -> None:
        """Link the kept copies ``names`` of ``page`` (whose bytes hash to ``sha``)."""
        kept = dict(zip(compress.ENCODINGS, names, strict=True))
        placed, _ = compress.link_kept(self.output, store, page, kept, self._free(page))
        for entry in placed:
            self._note(entry.rel, sha, entry.sha256, entry.stamp)

    def _free(self, page: str) -> list[str]:
        """Return the suffixes whose copy of ``page`` the output has no file for yet.

        A name the output has is compress_output's to judge, never written over here.
        """
        return [s for s in compress.ENCODINGS if not os.path.lexists(self.output / (page + s))]

    def _room(self) -> bool:
        """Tell whether compressing here fits beside the child (asked once a second).

        The publishing process and its children by their resident sets, with
        ``MAKE_BYTES`` for the compressors, within the 400 MB a publish may hold
        (search_ahead.BUDGET): at 10,000 items the child is too large for it.
        """
        now = time.monotonic()
        if now >= self._asked + ROOM_EVERY_S:
            held = search_ahead.held_now(resident=True)
            self._fits = held is not None and held + MAKE_BYTES <= search_ahead.BUDGET
            self._asked = now
        return self._fits

    def _make(self, page: str, store: CopyStore) -> bool:
        """Compress ``page`` from the very bytes read here; write and keep its copies.

        The copies are recorded under the hash of the bytes compressed, so they are taken
        only if the page still has exactly those bytes when the child has ended. False
        when there is no room for it now (``_room``): the page is left for later.
        """
        if not self._room():
            return False
        found = read_stored(self.output / page)
        if found is None or not compress.worth(page, len(found[0])):
            return True
        data, sha = found[0], compress_store.sha(found[0])
        placed, _ = compress.write_copies(self.output, store, page, data, sha, self._free(page))
        for entry in placed:
            self._note(entry.rel, sha, entry.sha256, entry.stamp)
        return True

    def _note(self, copy: str, page_sha: str, copy_sha: str, stamp: Stamp) -> None:
        self._placed[copy] = _PLACED.pack(bytes.fromhex(page_sha), *stamp)
        if self.early is not None:
            self.early.add(copy, copy_sha, stamp)
