"""Compressed copies kept between builds, hard-linked into each build's output.

Writing tens of thousands of new files is nearly all that a build with few changes pays
for its ``.gz``/``.br`` copies (docs/benchmarks.md, "Compressed copies"), while a hard
link costs a tenth of that. So every copy a build makes is kept in ``<cache>/salinan/
<sha256 of the copy>`` (publishing/linked_store.py: read-only, read back after linking,
a damaged copy removed and made again), and the next build links it into its output.

Which copies belong to which file is one table (``sibling sha256 -> [gz sha256, br
sha256]``, "" where a copy would not be smaller), sealed with the machine's key
(``approval_gate.api.MachineCache``) under the compression settings and this code's
hash. Whether a copy really is its sibling compressed is still decided by the audit
(publishing/compress_audit.py) from the hashes of the bytes read back: a table entry
that names another file's copy, even one sealed with the machine's key, stops the build.

After a build the table and the folder keep only that build's copies.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from approval_gate.api import MachineCache, dump_bytes, load_bytes, reading_ahead

from .disk_ahead import in_inode_order
from .linked_store import LinkedStore, is_name
from .linked_store import listed as listed
from .linked_store import sha as sha
from .linked_store import write_new as write_new

#: The copies' folder inside the compression cache folder.
STORE = "salinan"
#: The table's ``MachineCache`` namespace (the copies' own folder is ``STORE``).
NAMESPACE = "compress-copies"
#: Where the cache kept whole copies per entry before they were files (removed once).
OLD_NAMESPACE = "compress"


def _table(blob: bytes | None, width: int) -> dict[str, list[str]]:
    """Return the well-formed entries of a stored table (names are checked: path parts)."""
    try:
        entries = load_bytes(blob) if blob is not None else {}
    except ValueError:
        return {}
    table = {}
    for sibling, names in entries.items() if isinstance(entries, dict) else ():
        if (
            isinstance(names, list)
            and len(names) == width
            and all(isinstance(n, str) and (n == "" or is_name(n)) for n in names)
        ):
            table[str(sibling)] = names
    return table


class CopyStore(LinkedStore):
    """The copies of the last build, by SHA-256, and which file each belongs to."""

    def __init__(self, cache: Path, key: str, width: int) -> None:
        super().__init__(cache / STORE)  # OSError: the caller keeps nothing
        shutil.rmtree(cache / OLD_NAMESPACE, ignore_errors=True)
        self.cache, self.key, self.width = MachineCache(cache, NAMESPACE), key, width
        self.table = _table(self.cache.get(key), width)
        self.used: dict[str, list[str]] = {}

    def names(self, sibling: str) -> list[str] | None:
        """Return the names of ``sibling``'s copies ("" for none), or None when not kept."""
        return self.table.get(sibling)

    def keep(self, sibling: str, names: list[str]) -> None:
        """Record that this build uses ``names`` for ``sibling`` (kept by ``save``)."""
        self.used[sibling] = names

    def save(self) -> None:
        """Keep only this build's copies: the table and the files it names."""
        self.keep_only(name for names in self.used.values() for name in names if name)
        self.cache.put(self.key, dump_bytes(self.used, sort_keys=True))


def read_kept_ahead(cache: Path | None) -> Callable[[], None]:
    """Start reading the kept copies ahead on a thread; return what stops and joins it.

    After the machine has been idle its page cache is given back, and linking the kept
    copies into a build reads each back from the disk (``LinkedStore.place``): 3 s of a
    cold changed-one publish at 5,000 items, 15,000 copies (issue 12). Started when the
    Pelican child has ended, the thread asks for the store's files in the order of their
    inodes (near the disk's order) while the output is listed and indexed, so the
    compression step finds them in memory. It reads nothing into the build (atomic.py
    ``reading_ahead``); ``place`` still checks every copy it links.
    """
    if cache is None:
        return lambda: None
    folder = cache / STORE

    def kept() -> list[str]:  # in the order of their inodes (OSError: nothing to read)
        return in_inode_order(folder, lambda entry: is_name(entry.name))

    return reading_ahead(folder, kept, "kpu-copies-warm")
