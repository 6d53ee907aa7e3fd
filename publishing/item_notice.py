"""The moment every item page is written, told by the Pelican child while it still runs.

Why: a publish that changes one item re-indexes one part of the search index (a Pagefind
run of about a second at 5,000 items), and it did so only after the child had ended,
although the child writes the item pages first and then spends 1-2 s on listings,
feeds and the records of the build. The child (pelican_child.py) writes ``NOTICE`` beside
its result as soon as the last page of an item the gate kept is written; the publishing
process may then index those pages ahead into the search cache (publishing/
search_ahead.py, ``IndexAhead``).

The notice is a hint and decides nothing: it names pages, never vouches for them. What
is indexed ahead only fills the search cache, keyed on the exact bytes of every page of
a part; the index of the build is still made from the gate's manifest and the output
after the child ended, and audited as before.
"""

from __future__ import annotations

import json
import os
import posixpath
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

#: The notice's file name, in the folder of the child's result.
NOTICE = "halaman-butir.json"
#: The lists of content a generator keeps after the gate (approval_gate/gate.py).
ITEM_LISTS = (
    "articles",
    "pages",
    "translations",
    "hidden_articles",
    "hidden_pages",
    "hidden_translations",
)


class ItemPages:
    """Wait for the pages of the items the gate kept; tell ``NOTICE`` once all are written.

    ``expect`` (Pelican's ``all_generators_finalized``: the gate has run on articles and
    pages) names the pages; ``written`` (``content_written``, sent for every page whether
    rendered or taken from the cache) ticks them off.
    """

    def __init__(self, notice: Path, write: Callable[[Path, dict[str, Any]], None]) -> None:
        self.notice = notice
        self.write = write
        self.pages: list[str] = []
        self.waiting: set[str] | None = None  # absolute paths not written yet

    def expect(self, generators: Iterable[Any]) -> None:
        """Note the pages of every item the generators kept (signal receiver)."""
        wanted: dict[str, str] = {}
        for generator in generators:
            output = getattr(generator, "output_path", None)
            for name in ITEM_LISTS if output else ():
                for content in getattr(generator, name, None) or ():
                    rel = str(getattr(content, "save_as", "") or "").replace(os.sep, "/")
                    if rel:
                        wanted[os.path.normpath(os.path.join(str(output), rel))] = rel
        self.pages = sorted(set(wanted.values()))
        self.waiting = set(wanted)
        self._tell()

    def written(self, path: Any, **_: Any) -> None:
        """Tick off one page written (signal receiver)."""
        if self.waiting:
            self.waiting.discard(os.path.normpath(os.fspath(path)))
            self._tell()

    def _tell(self) -> None:
        if self.waiting is not None and not self.waiting:
            self.waiting = None
            try:
                self.write(self.notice, {"pages": self.pages})
            except OSError:  # only a hint: the publish indexes after the child instead
                pass


#: How often a reader in the publishing process looks for the notice (seconds).
LOOK_S = 0.05


def wait_for(path: Path, ended: threading.Event) -> list[str] | None:
    """Wait for the notice at ``path``; return its pages, or None once ``ended`` is set.

    For the threads that work ahead while the child runs (search_ahead.py,
    compress_ahead.py): each stops looking when the child has ended.
    """
    pages = read_notice(path)
    while pages is None and not ended.wait(LOOK_S):
        pages = read_notice(path)
    return pages


def read_notice(path: Path) -> list[str] | None:
    """Return the pages a notice names (sorted, once each), or None when there is none yet.

    None too for anything that is not a notice, or one naming a path that is not a plain
    relative path inside the output (absolute, with ``..``, not normalised, a NUL).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pages = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(pages, list) or not all(isinstance(p, str) and _inside(p) for p in pages):
        return None
    return sorted(set(pages))


def _inside(page: str) -> bool:
    """Tell whether ``page`` is a plain relative POSIX path that stays inside its root."""
    return (
        bool(page)
        and "\0" not in page
        and not page.startswith("/")
        and posixpath.normpath(page) == page
        and page != ".."
        and not page.startswith("../")
    )
