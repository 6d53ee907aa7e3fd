"""The item pages' folders, made on the idle core while the first pages are keyed.

Every item page lives in its own folder (``berita/<slug>/index.html``), so a build
of 5,000 items makes 5,600 folders, one ``mkdir`` each just before its page is
written. On the 2-core machine a ``mkdir`` cost 0.14-0.42 ms (the disk's journal, not
the CPU), 0.8-2.4 s a build, while the second core idled (issue 12). The folders of
the items Pelican is sure to write (each generator's ``articles`` or ``pages`` and
their translations, as they are once every item has been read and the gate has left
out what is not approved) are therefore made by a worker thread from the moment the
writer exists; ``mkdir`` releases the GIL, so the main thread keys and links pages
meanwhile. A folder the main thread reaches first is simply there (``exist_ok``).

Nothing here decides what is written: only folders of items the generators hold are
made, any error leaves the folder to the page's own write (which reports it), and the
worker is joined before the build's end (``finish``), so no folder appears after
Pelican is done.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any

from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import sanitised_join

#: The surely-written items' folders of this build, in the order Pelican writes them.
_planned: list[str] = []


def plan(generators: Iterable[Any]) -> None:
    """Note the folders of the items each generator will write (``all_generators_finalized``)."""
    _planned.clear()
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            items = [*generator.translations, *generator.articles]
        elif isinstance(generator, PagesGenerator):
            items = [*generator.translations, *generator.pages]
        else:
            continue
        _planned.extend(str(getattr(item, "save_as", "") or "") for item in items)


class FolderMaker:
    """A worker thread making the planned folders under ``output`` (``finish`` joins it)."""

    def __init__(self, output: str) -> None:
        self.output = output
        self.names = [name for name in _planned if name]
        _planned.clear()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._make, name="kpu-folders", daemon=True)
        self.thread.start()

    def _make(self) -> None:
        made: set[str] = set()
        for name in self.names:
            if self.stop.is_set():
                return
            try:
                folder = os.path.dirname(sanitised_join(self.output, name))
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
            except (OSError, RuntimeError):  # left to the page's own write, which says why
                continue

    def finish(self) -> None:
        """Stop making folders and wait for the worker (before the build ends)."""
        self.stop.set()
        self.thread.join()
