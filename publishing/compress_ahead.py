"""The item pages' kept compressed copies, linked in while the Pelican child ends.

Why: after the child, a publish that changed one item at 5,000 items spent about half a
second linking some 10,000 kept ``.gz``/``.br`` copies into its output (publishing/
compress.py), nearly all of them the copies of item pages that had not changed, while
during the child's last seconds (listings, feeds, the build's records) the second core
was mostly idle. ``CopiesAhead`` waits in a thread for the child's notice that the item
pages are written (publishing/item_notice.py) and links the kept copies of each into the
output as ``compress_output`` would, so after the child only the rest is left.

Sound because a copy is placed exactly as ``compress_output`` places one
(``LinkedStore.place``: linked, read back and hashed, a wrong one removed), only where no
file of that name exists yet, and each is recorded with the hash of the page it was
placed for and the copy's own stamp. ``compress_output`` takes a copy placed ahead only
while the build's final listing still gives the page that hash and the copy that stamp:
a copy whose page changed since is removed and made again, and a file written over it
since is the output's own, as any file of that name already is. Whether a copy really is
its page compressed is still the audit's judgement (publishing/compress_audit.py).
Nothing here decides what is published; a failure only leaves the work to
``compress_output``.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
from collections.abc import Mapping
from pathlib import Path

from . import compress
from .compress_store import CopyStore
from .item_notice import wait_for
from .settled import Early
from .tree import OutputFile, Stamp, digest_now

#: A placed copy: the SHA-256 of its page (32 bytes) and its own stamp, packed (72 bytes:
#: 20,000 of them at 10,000 items, held beside the child at its largest).
_PLACED = struct.Struct("<32sQQQqq")
#: The thread's niceness: it takes what the child and the search's run ahead leave idle.
IDLE_NICE = 19


class CopiesAhead:
    """Link the kept copies of the pages named by ``notice`` into ``output`` meanwhile.

    ``early``: the files hashed while the child runs (settled.py): the pages' hashes are
    taken from there while unchanged, and each copy placed is added to it, so the listing
    after the child does not read it again.
    """

    def __init__(
        self, output: Path, notice: Path, how: compress.Compression, early: Early | None
    ) -> None:
        self.output = output
        self.notice = notice
        self.how = how
        self.early = early
        self.store: CopyStore | None = None  # opened by the thread; handed to compress_output
        self._placed: dict[str, bytes] = {}
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
            if self.store is None or not self.store.table:
                return  # nothing kept (a first publish): everything is compressed after
            pages = wait_for(self.notice, self._ended)
            if pages:
                self._link(pages, self.store)
        except Exception:  # noqa: BLE001, S110 - a hint only: compress_output does the rest
            pass
        finally:
            self.done.set()

    def _link(self, pages: list[str], store: CopyStore) -> None:
        known: Mapping[str, OutputFile] = self.early if self.early is not None else {}
        for page in pages:
            if self._ended.is_set():
                return
            found = digest_now(self.output, page, known)
            if found is None or not compress.worth(page, found[1]):
                continue
            names = store.names(found[0])
            if names is None:
                continue  # not kept (the changed page): made after the child
            for suffix, name in zip(compress.ENCODINGS, names, strict=True):
                copy = page + suffix
                if not name or os.path.lexists(self.output / copy):
                    continue  # none smaller, or a file of that name: compress_output's
                entry = store.place(name, self.output, copy)
                if entry is not None:
                    self._note(copy, found[0], entry.sha256, entry.stamp)

    def _note(self, copy: str, page_sha: str, copy_sha: str, stamp: Stamp) -> None:
        self._placed[copy] = _PLACED.pack(bytes.fromhex(page_sha), *stamp)
        if self.early is not None:
            self.early.add(copy, copy_sha, stamp)
