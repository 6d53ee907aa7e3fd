"""Listing pages that keep their items: older pages are counted from the oldest item.

Pelican counts a listing's pages from the newest item, ten to a page, so a new item
moves one item down every page of the home listing and of its kind, topics and author:
at 5,000 items one added item meant 724 pages rendered, compressed and sent again
(issue 12), and a reader's bookmark of "page 37" showed other items the next day.

Here the older pages are cut from the oldest end of the list, ``per_page`` items each,
and never change when an item is added: only the first page (the listing's own address)
takes the newest items, between ``per_page`` and ``2 * per_page - 1`` of them, so no
item is on two pages. A new item changes the first page; once in ``per_page`` items a
full page is split off it (one new page, and its older neighbour's link to it).
Removing or back-dating an item moves the pages older than it, as before.

The chain a reader follows is unchanged: the first page, then each older page in turn
(``previous`` is the newer neighbour, ``next`` the older). A page's ``number`` gives its
address through ``PAGINATION_PATTERNS`` as before: 1 for the first page, ``k + 1`` for
the k-th page from the oldest, so an address keeps its items.

Pelican 4.12 makes its ``Paginator`` inside ``Writer.write_file`` and offers no setting
or signal to choose it, so ``install`` puts this one in ``pelican.writers``; the render
cache's writer (render_cache/pages.py) takes it from there too, so both writers cut the
same pages. ``DEFAULT_ORPHANS`` does not apply: the first page already takes the rest.
"""

from __future__ import annotations

from typing import Any

from pelican import paginator as pelican_paginator
from pelican import writers


class StablePaginator(pelican_paginator.Paginator):  # type: ignore[misc]
    """Pelican's paginator with older pages counted from the oldest item (module docstring).

    ``page(n)`` still takes the position in the reader's chain (1 = the first page), as
    Pelican's writers loop over it; the page it returns carries its address number.
    """

    def __init__(
        self, name: str, url: str, object_list: Any, settings: Any, per_page: int | None = None
    ) -> None:
        super().__init__(name, url, object_list, settings, per_page)
        self.orphans = 0

    def _get_num_pages(self) -> int:
        """Return how many pages the chain has: the first and every full older one."""
        if not self.per_page:
            return 1
        return max(1, self.count // self.per_page)

    num_pages = property(_get_num_pages)  # Pelican's page_range reads it too

    def page(self, number: int) -> pelican_paginator.Page:
        """Return the page at ``number`` in the chain (1 = the listing's first page)."""
        count, per, pages = self.count, self.per_page, self.num_pages
        if not 1 <= number <= pages:
            raise IndexError(f"halaman {number} di luar 1..{pages}")
        if number == 1:
            top = count - (pages - 1) * per  # the newest: per_page .. 2 * per_page - 1
            first = StablePage(
                self.name, self.url, self.object_list[:top], 1, self, self.settings, 1, 0
            )
            first.total = count
            return first
        older = pages - number + 1  # counted from the oldest page, 1 .. pages - 1
        bottom = count - older * per
        items = self.object_list[bottom : bottom + per]
        address = older + 1  # 1 is the first page's
        return StablePage(self.name, self.url, items, address, self, self.settings, number, bottom)


class StablePage(pelican_paginator.Page):  # type: ignore[misc]
    """One page of a ``StablePaginator``: ``number`` is its address, ``place`` its position.

    ``offset``: how many newer items the list has before this page's first. ``total``:
    how many items the whole list has, on the first page only (None on the older pages,
    which must not change when an item is added; the templates show it there only).
    """

    def __init__(
        self,
        name: str,
        url: str,
        object_list: Any,
        number: int,
        paginator: StablePaginator,
        settings: Any,
        place: int,
        offset: int,
    ) -> None:
        super().__init__(name, url, object_list, number, paginator, settings)
        self.place = place
        self.offset = offset
        self.total: int | None = None

    def __repr__(self) -> str:
        return f"<StablePage {self.number} at {self.place} of {self.paginator.num_pages}>"

    def has_next(self) -> bool:
        """Tell whether an older page follows (Pelican's last-page pattern asks this)."""
        return bool(self.place < self.paginator.num_pages)

    def has_previous(self) -> bool:
        """Tell whether a newer page comes before."""
        return self.place > 1

    def next_page_number(self) -> int:
        """Return the address number of the older page."""
        return int(self.paginator.page(self.place + 1).number)

    def previous_page_number(self) -> int:
        """Return the address number of the newer page."""
        return int(self.paginator.page(self.place - 1).number)

    def start_index(self) -> int:
        """Return the 1-based index, from the newest, of this page's first item (0: none)."""
        return self.offset + 1 if self.object_list else 0

    def end_index(self) -> int:
        """Return the 1-based index, from the newest, of this page's last item."""
        return self.offset + len(self.object_list)


def install() -> None:
    """Make Pelican's writer (and the render cache's, which asks it) cut stable pages."""
    writers.Paginator = StablePaginator  # type: ignore[attr-defined]
