"""A Word .docx made into Markdown the site's Python-Markdown renders, pictures taken out.

``mammoth`` (a well-kept converter that maps Word's semantic styles, not its looks)
gives clean HTML: headings, paragraphs, bold and italic, lists, tables, links and
images. Its own Markdown writer is deprecated and drops tables, so the HTML is turned
into Markdown here, for the few elements mammoth makes: Python-Markdown with ``extra``
(the site's settings) renders pipe tables. Text is escaped so that words in the
document never become Markdown or HTML; links keep only http(s), mailto and in-page
addresses. Pictures become uploads named ``gambar-<n>.<ext>`` that the body links, so
they are placed beside the item like any attachment (``compose.place``).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .compose import Upload

_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "li", "tr", "td", "th"}
_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)


class DocxRefused(ValueError):
    """The upload is not a .docx that can be read (the message names the file)."""


@dataclass
class Node:
    """An element of mammoth's HTML (or text, when ``tag`` is empty)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str = ""


@dataclass(frozen=True)
class Converted:
    """A converted document: its title (first heading), Markdown body and pictures."""

    title: str
    markdown: str
    images: tuple[Upload, ...]
    images_without_alt: tuple[int, ...]  # numbers (1-based) of pictures with no alt text


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in ("img", "br"):
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(Node("", text=data))


def convert(data: bytes, filename: str) -> Converted:
    """Convert a .docx's bytes; raise ``DocxRefused`` naming ``filename`` if unreadable."""
    import mammoth

    shown = filename.replace("\\", "/").rsplit("/", 1)[-1] or "dokumen"
    if not shown.lower().endswith(".docx") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocxRefused(f"Berkas '{shown}' bukan dokumen Word .docx.")
    images: list[Upload] = []
    without_alt: list[int] = []

    def picture(image: object) -> dict[str, str]:
        suffix = _TYPES.get(getattr(image, "content_type", ""), "")
        number = len(images) + 1
        with image.open() as stream:  # type: ignore[attr-defined]
            images.append(Upload(f"gambar-{number}{suffix or '.bin'}", stream.read()))
        if not getattr(image, "alt_text", None):
            without_alt.append(number)
        return {"src": images[-1].name}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), convert_image=mammoth.images.img_element(picture)
        )
    except Exception:  # noqa: BLE001  (any damage inside the zip: one plain message)
        raise DocxRefused(
            f"Berkas '{shown}' rusak atau bukan dokumen Word yang dapat dibaca."
        ) from None
    tree = _Tree()
    tree.feed(result.value)
    tree.close()
    title = _take_title(tree.root)
    _shift_headings(tree.root)
    markdown = "\n\n".join(_blocks(tree.root.children))
    return Converted(title, markdown + "\n" if markdown else "", tuple(images), tuple(without_alt))


def _blocks(nodes: list[Node]) -> list[str]:
    """Return the Markdown blocks of the document; two lists in a row are kept apart.

    Python-Markdown joins a list that follows another (even of the other kind) into
    one; an empty HTML comment between them keeps them two lists, as in the document.
    """
    out: list[str] = []
    previous = ""
    for node in nodes:
        block = _block(node)
        if not block.strip():
            continue
        if node.tag in ("ul", "ol") and previous in ("ul", "ol"):
            out.append("<!-- -->")
        out.append(block)
        previous = node.tag
    return out


def _take_title(root: Node) -> str:
    """Remove the first heading (the item's title on the site) and return its text."""
    for index, node in enumerate(root.children):
        if re.fullmatch(r"h[1-6]", node.tag):
            text = " ".join(_plain(node).split())
            if text:
                del root.children[index]
                return text
    return ""


def _shift_headings(root: Node) -> None:
    """Make the body's highest heading level 2 (the page's title is its only h1)."""
    levels = [int(n.tag[1]) for n in root.children if re.fullmatch(r"h[1-6]", n.tag)]
    if levels:
        shift = 2 - min(levels)
        for node in root.children:
            if re.fullmatch(r"h[1-6]", node.tag):
                node.tag = f"h{max(2, min(6, int(node.tag[1]) + shift))}"


def _plain(node: Node) -> str:
    return node.text if not node.tag else "".join(_plain(c) for c in node.children)


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _SPECIAL.sub(r"\\\1", text)


def _inline(node: Node) -> str:
    """Return the Markdown of inline content (text, emphasis, links, images, breaks)."""
    if not node.tag:
        return _escape(re.sub(r"\s+", " ", node.text))
    inner = "".join(_inline(c) for c in node.children)
    tag = node.tag
    if tag in ("strong", "b") and inner.strip():
        return f"**{inner.strip()}**"
    if tag in ("em", "i") and inner.strip():
        return f"*{inner.strip()}*"
    if tag == "br":
        return "  \n"
    if tag == "img":
        alt = re.sub(r"[\[\]\n]", " ", node.attrs.get("alt", "")).strip()
        return f"![{alt}]({node.attrs.get('src', '')})"
    if tag == "a":
        href = node.attrs.get("href", "")
        if not inner.strip() or not _SAFE_LINK.match(href):
            return inner
        return f"[{inner}](<{href.replace('>', '%3E').replace(' ', '%20')}>)"
    if tag in ("sup", "sub") and inner.strip():
        return f"<{tag}>{inner}</{tag}>"
    return inner


def _block(node: Node, depth: int = 0) -> str:
    """Return the Markdown of a block element (paragraph, heading, list, table)."""
    tag = node.tag
    if re.fullmatch(r"h[1-6]", tag):
        return f"{'#' * int(tag[1])} {_inline(node).strip()}"
    if tag in ("ul", "ol"):
        return _list(node, depth)
    if tag == "table":
        return _table(node)
    if tag in ("p", "") or tag not in _BLOCKS:
        text = _inline(node).strip()
        return re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", re.sub(r"^([#>+-])", r"\\\1", text))
    return "\n\n".join(_block(c, depth) for c in node.children)


def _list(node: Node, depth: int) -> str:
    lines = []
    for number, item in enumerate((c for c in node.children if c.tag == "li"), 1):
        marker = f"{number}." if node.tag == "ol" else "-"
        inline = [c for c in item.children if c.tag not in ("ul", "ol", "p")]
        text = " ".join(
            [_inline(Node("span", children=inline)).strip()]
            + [_inline(c).strip() for c in item.children if c.tag == "p"]
        ).strip()
        lines.append(f"{'    ' * depth}{marker} {text}")
        for sub in (c for c in item.children if c.tag in ("ul", "ol")):
            lines.append(_list(sub, depth + 1))
    return "\n".join(lines)


def _table(node: Node) -> str:
    rows: list[list[str]] = []

    def walk(each: Node) -> None:
        for child in each.children:
            if child.tag == "tr":
                cells = [c for c in child.children if c.tag in ("td", "th")]
                rows.append([" ".join(_inline(c).replace("  \n", " ").split()) for c in cells])
            elif child.tag:
                walk(child)

    walk(node)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)
