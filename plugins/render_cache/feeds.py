"""Feeds written once per their inputs: the caching writer's ``write_feed`` (issue 12).

Pelican writes every feed on every build: at 5,000 items, 29 feeds of up to
``FEED_MAX_ITEMS`` (100) items each, every Atom entry with the item's whole HTML, about
0.7 s of a one-change publish although an edit changes a few of them. A feed gets a key
like a page (pages.py): the build's shared parts (code, settings), the feedgenerator
version, the feed's own arguments and the site values it reads, and for each item it
lists what a feed shows of it: the item's fingerprint as every page keys it
(``PageInputs.fields``: title, addresses, metadata, category, tags, authors, the gate's
entry), its HTML as the feed resolves it, its summary, its dates. A hit is the stored
file linked in and checked (page_files.py), exactly as a page.

A feed is handed to the ``feed_generated`` receivers before it is written, and any of
them may change it. Only the theme's own receiver is known (it sets the feed's language
from the settings, which are keyed); with any other receiver of ``feed_generated`` or
``feed_written`` connected, feeds are always written as Pelican writes them.
"""

from __future__ import annotations

import functools
import io
import weakref
from dataclasses import dataclass
from importlib import metadata as distributions
from typing import Any

from pelican import signals
from pelican.utils import get_relative_path, path_to_url

from approval_gate.api import cache_key

from . import fingerprints as fp
from .closure import Uncacheable
from .inputs import PageInputs

#: The receivers whose effect on a feed is keyed (by the settings and the theme's code).
KNOWN_RECEIVERS = frozenset({"site_theme.structured.feed_language"})
#: Raise when the key changes: older entries then miss.
FEED_VERSION = 1


def _receivers(signal: Any) -> list[str]:
    """Return the names of ``signal``'s receivers (module and qualified name), sorted."""
    found = []
    for receiver in signal.receivers.values():  # weak references, or the receiver itself
        function = receiver() if isinstance(receiver, weakref.ref) else receiver
        module = getattr(function, "__module__", "?")
        found.append(f"{module}.{getattr(function, '__qualname__', '?')}")
    return sorted(found)


@functools.cache
def _feedgenerator() -> str:
    """Return feedgenerator's version (once per process: a build is one process)."""
    try:
        return distributions.version("feedgenerator")
    except distributions.PackageNotFoundError:
        return "-"


def site_url(context: Any, path: str) -> str:
    """Return the address a feed resolves its links against (Pelican 4.12's ``write_feed``)."""
    return str(context.get("SITEURL", path_to_url(get_relative_path(path))))


@dataclass(frozen=True)
class Feed:
    """What one ``write_feed`` call names: the feed's path, URL, type and title."""

    path: str
    url: str | None
    kind: str  # Pelican's feed_type: "atom" or "rss"
    title: str | None


def feed_key(inputs: PageInputs, feed: Feed, elements: Any, context: Any) -> str:
    """Return the feed's key, or raise ``Uncacheable`` (then it is made as Pelican makes it)."""
    generated = _receivers(signals.feed_generated)
    if not set(generated) <= KNOWN_RECEIVERS or _receivers(signals.feed_written):
        raise Uncacheable("penerima sinyal umpan")
    approvals = context.get("approvals")
    if approvals is None:
        raise Uncacheable("umpan tanpa penyedia persetujuan")
    address = site_url(context, feed.path)
    items = []
    for item in elements[: inputs.settings["FEED_MAX_ITEMS"]]:  # as render() lists them
        items.append(
            [
                inputs.fields(item, approvals),
                inputs.html_at(item, address),
                fp.digest(str(item.summary)),  # as the feed reads it: the item's siteurl
                fp.plain(getattr(item, "date", None)),
                fp.plain(getattr(item, "modified", None)),
            ]
        )
    return cache_key(
        "umpan",
        FEED_VERSION,
        inputs.base(),
        _feedgenerator(),
        generated,
        [feed.kind, feed.path, feed.url, feed.title],
        fp.plain(
            [
                address,
                context.get("SITENAME"),
                context.get("FEED_DOMAIN"),
                context.get("SITESUBTITLE"),
            ]
        ),
        items,
    )


def render(writer: Any, feed: Feed, elements: Any, context: Any) -> tuple[Any, bytes]:
    """Make the feed as Pelican 4.12's ``write_feed`` does; return it and its bytes.

    The same steps in the same order (the writer's addresses, the feed, its items, the
    ``feed_generated`` signal), then the feed serialised as its file would hold it.
    """
    writer.site_url = site_url(context, feed.path)
    writer.feed_domain = context.get("FEED_DOMAIN")
    writer.feed_url = writer.urljoiner(writer.feed_domain, feed.url or feed.path)
    made = writer._create_new_feed(feed.kind, feed.title, context)
    for element in elements[: writer.settings["FEED_MAX_ITEMS"]]:
        writer._add_item_to_the_feed(made, element)
    signals.feed_generated.send(context, feed=made)
    text = io.StringIO()
    made.write(text, "utf-8")
    return made, text.getvalue().encode("utf-8")
