"""Bare addresses in a text become links: ``https://...`` and ``cekdptonline.kpu.go.id``.

Writers type addresses as readers say them ("cek di cekdptonline.kpu.go.id"); on a phone
an address that is not a link has to be copied by hand. This Python-Markdown extension
walks the converted tree (after inline patterns) and turns bare addresses in text into
``<a href>``: a full ``http(s)://`` address as written, a bare domain under a known
top-level domain with ``https://`` put in front. Text inside links, code and
preformatted blocks is left alone, as are e-mail addresses and file names
(``berkas.pdf``: no such top-level domain). Trailing punctuation stays outside the link.

Named in ``MARKDOWN`` (pelicanconf.py) as ``site_theme.linkify``; the render cache keys
Markdown output on this file's code (render_cache/readers.py ``fingerprint``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

#: Elements whose text is never linked: links already, code, and raw blocks.
SKIP = frozenset({"a", "code", "pre", "kbd", "samp", "script", "style"})
#: Top-level domains a bare domain may end in (Indonesian second levels first).
TLDS = r"(?:go|co|ac|or|sch|web|my|net|desa|mil|ponpes|biz)\.id|id|com|org|net|info|int|gov|edu"
_CHARS = r"[^\s<>\"'\x02\x03]"
ADDRESS = re.compile(
    rf"(?<![\w@/.:%+-])(?:(?P<url>https?://{_CHARS}+)"
    rf"|(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{TLDS})"
    rf"(?![\w-]|\.[a-z0-9])(?:/{_CHARS}*)?))",
    re.IGNORECASE,
)
#: What every address holds: ``://`` (a full address) or a dot right before a letter (the
#: first letter of its top-level domain, which ``IGNORECASE`` may match with a non-ASCII
#: letter: still a letter). Most text holds neither and is not searched with ``ADDRESS``.
MAYBE = re.compile(r"://|\.[^\W\d_]")
_RAW_TAG = re.compile(r"^\s*<(/?)([a-zA-Z][a-zA-Z0-9]*)\b")
_TRAILING = ".,;:!?'\")]}*"


def _trim(address: str) -> str:
    """Drop punctuation that ends the sentence, not the address (a ")" only if unbalanced)."""
    while address and address[-1] in _TRAILING:
        if address[-1] == ")" and address.count("(") >= address.count(")"):
            break
        address = address[:-1]
    return address


def split(text: str) -> list[str | tuple[str, str]]:
    """Return ``text`` as plain strings and ``(href, shown)`` pairs, in order.

    Text that ``MAYBE`` finds nothing in holds no address and comes back whole: searching
    prose with ``ADDRESS`` (a look-behind and a domain label tried at every word) was
    most of this extension's time, 0.58 s for the 20,000 paragraphs of 2,000 items
    against 0.08 s with the check first (issue 12: a first publish converts them all).
    """
    if MAYBE.search(text) is None:
        return [text] if text else []
    parts: list[str | tuple[str, str]] = []
    position = 0
    for match in ADDRESS.finditer(text):
        shown = _trim(match.group(0))
        if match.group("url") and len(shown) <= len("https://"):
            continue
        start, end = match.start(), match.start() + len(shown)
        if start > position:
            parts.append(text[position:start])
        href = shown if match.group("url") else f"https://{shown}"
        parts.append((href, shown))
        position = end
    if position < len(text):
        parts.append(text[position:])
    return parts


def _links(parts: list[str | tuple[str, str]]) -> tuple[str, list[etree.Element]]:
    """Return the text before the first link and the links, each with its tail."""
    head, links = "", []
    for part in parts:
        if isinstance(part, tuple):
            link = etree.Element("a", {"href": part[0]})
            link.text = part[1]
            link.tail = ""
            links.append(link)
        elif links:
            links[-1].tail = (links[-1].tail or "") + part
        else:
            head += part
    return head, links


class LinkifyTreeprocessor(Treeprocessor):
    """Turn bare addresses in the tree's text into links (never inside SKIP elements).

    Inline raw HTML (``<a href="...">situs.go.id</a>`` typed in the text) stays in the tree
    as placeholders around plain text; the walk follows them in document order, so text
    between a raw ``<a>`` (or ``<code>``) and its end tag is left alone too.
    """

    def run(self, root: etree.Element) -> None:
        """Link the addresses of the whole tree, in document order."""
        self.raw: list[str] = []  # raw HTML elements open at this point of the text
        self._visit(root)

    def _parts(self, text: str) -> list[str | tuple[str, str]]:
        """Split ``text`` into plain strings and links, following raw HTML placeholders."""
        parts: list[str | tuple[str, str]] = []
        position = 0
        for match in HTML_PLACEHOLDER_RE.finditer(text):
            parts += self._plain(text[position : match.start()])
            parts.append(match.group(0))
            self._follow(int(match.group(1)))
            position = match.end()
        return parts + self._plain(text[position:])

    def _plain(self, text: str) -> list[str | tuple[str, str]]:
        if not text:
            return []
        return [text] if self.raw else split(text)

    def _follow(self, number: int) -> None:
        """Note a raw start or end tag of a SKIP element (the stash holds its text)."""
        blocks = self.md.htmlStash.rawHtmlBlocks
        raw = str(blocks[number]) if number < len(blocks) else ""
        tag = _RAW_TAG.match(raw)
        if tag is None or tag.group(2).lower() not in SKIP:
            return
        name = tag.group(2).lower()
        if not tag.group(1):
            self.raw.append(name)
        elif name in self.raw:
            del self.raw[len(self.raw) - 1 - self.raw[::-1].index(name) :]

    def _visit(self, element: etree.Element) -> None:
        if element.tag in SKIP:
            return
        if element.text:
            head, links = _links(self._parts(element.text))
            if links:
                element.text = head
                for offset, link in enumerate(links):
                    element.insert(offset, link)
        index = 0
        while index < len(element):
            child = element[index]
            self._visit(child)  # a skipped child's own text stays; its tail is ours
            index += 1
            if child.tail:
                head, links = _links(self._parts(child.tail))
                if links:
                    child.tail = head
                    for offset, link in enumerate(links):
                        element.insert(index + offset, link)
                    index += len(links)


class LinkifyExtension(Extension):
    """The extension ``MARKDOWN`` names (``site_theme.linkify``)."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's API)
        """Register the tree processor."""
        # After "inline" (20): links, code spans and emphasis exist; before "prettify" (10).
        md.treeprocessors.register(LinkifyTreeprocessor(md), "kpu_linkify", 15)


def makeExtension(**kwargs: Any) -> LinkifyExtension:  # noqa: N802 (Markdown's API)
    """Return the extension (Python-Markdown loads extensions by module name this way)."""
    return LinkifyExtension(**kwargs)
