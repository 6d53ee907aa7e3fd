"""Item bodies made fit for slow phones: sized, lazy images, captioned galleries, downloads.

Works on the HTML that Python-Markdown produced for an approved item, as rendered for
the item's own page (links relative to it, or absolute under the site URL). Every
local image gets its real width and height (so nothing shifts while it loads) and,
except the first, ``loading="lazy"``; an image paragraph followed by an emphasised
paragraph becomes a ``<figure>`` with its caption. Links to local documents become the
item's download list with format and size ("PDF, 1,2 MB").
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from PIL import Image, UnidentifiedImageError

from .formats import nama_format, ukuran

RASTER = (".jpg", ".jpeg", ".png", ".webp", ".gif")
NOT_DOCUMENTS = (*RASTER, ".svg", ".html", ".htm", "")
_IMG = re.compile(r"<img\b([^>]*?)\s*/?>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S)
_FIGURE = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>\s*(?:<p>\s*<em>(.*?)</em>\s*</p>)?", re.S)
_TAGS = re.compile(r"<[^>]+>")
_FORMAT_NOTE = re.compile(r"\s*\((?:PDF|CSV|XLSX?|DOCX?|ODS|ZIP|JSON)\)\s*$", re.I)


@dataclass(frozen=True)
class Download:
    """One document of an item, as readers see it in the download list."""

    label: str
    url: str
    format: str
    size: str

    @property
    def description(self) -> str:
        """Return ``PDF, 1,2 MB``."""
        return f"{self.format}, {self.size}"


@dataclass
class Enhanced:
    """An item body ready for its page, and its documents."""

    html: str
    downloads: list[Download] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # output paths, in order


class Resolver:
    """Maps a URL in an item's HTML to the output file and its source on disk."""

    def __init__(self, page: str, siteurl: str, files: Callable[[str], Path | None]) -> None:
        self.folder = posixpath.dirname(page)
        self.siteurl = siteurl.rstrip("/")
        self.files = files

    def output_path(self, url: str) -> str | None:
        """Return the output path a URL points at, or None for external links."""
        if self.siteurl.startswith(("http://", "https://")) and url.startswith(self.siteurl + "/"):
            url = url[len(self.siteurl) :]
        parsed = urlparse(url)
        if parsed.scheme or parsed.netloc or not parsed.path:
            return None
        path = unquote(parsed.path)
        joined = path.lstrip("/") if path.startswith("/") else posixpath.join(self.folder, path)
        normal = posixpath.normpath(joined)
        return None if normal.startswith("..") else normal

    def source(self, url: str) -> tuple[str, Path] | None:
        """Return ``(output path, source file)`` for a URL to a copied local file."""
        out = self.output_path(url)
        if out is None:
            return None
        found = self.files(out)
        return (out, found) if found is not None else None


_sizes: dict[Path, tuple[int, int] | None] = {}


def image_size(path: Path) -> tuple[int, int] | None:
    """Return an image's pixel size from its header (cached), or None if unreadable."""
    if path not in _sizes:
        try:
            with Image.open(path) as image:
                _sizes[path] = image.size
        except (OSError, UnidentifiedImageError):
            _sizes[path] = None
    return _sizes[path]


def _attrs(text: str) -> dict[str, str]:
    return {name: value for name, value in _ATTR.findall(text)}


def _render_img(attrs: dict[str, str]) -> str:
    return "<img " + " ".join(f'{name}="{value}"' for name, value in attrs.items()) + ">"


def _size_images(body: str, resolver: Resolver, result: Enhanced) -> str:
    def fix(match: re.Match[str]) -> str:
        attrs = _attrs(match.group(1))
        found = resolver.source(html.unescape(attrs.get("src", "")))
        if found is None:
            return match.group(0)
        out, source = found
        result.images.append(out)
        size = image_size(source) if source.suffix.lower() in RASTER else None
        if size is not None:
            attrs["width"], attrs["height"] = str(size[0]), str(size[1])
        attrs.setdefault("alt", "")
        if len(result.images) > 1:  # the first image may be what the reader sees first
            attrs["loading"] = "lazy"
        attrs["decoding"] = "async"
        return _render_img(attrs)

    return _IMG.sub(fix, body)


def _figures(body: str, gallery: bool) -> str:
    def figure(match: re.Match[str]) -> str:
        caption = f"<figcaption>{match.group(2)}</figcaption>" if match.group(2) else ""
        return f"<figure>{match.group(1)}{caption}</figure>"

    body = _FIGURE.sub(figure, body)
    if gallery:
        body = re.sub(
            r"((?:<figure>.*?</figure>\s*)+)",
            lambda m: f'<div class="galeri">{m.group(1).strip()}</div>\n',
            body,
            flags=re.S,
        )
    return body


def _downloads(body: str, resolver: Resolver, result: Enhanced) -> None:
    seen: set[str] = set()
    for match in _LINK.finditer(body):
        href = html.unescape(_attrs(match.group(1)).get("href", ""))
        found = resolver.source(href)
        if found is None:
            continue
        out, source = found
        if posixpath.splitext(out)[1].lower() in NOT_DOCUMENTS or out in seen:
            continue
        seen.add(out)
        label = _FORMAT_NOTE.sub("", html.unescape(_TAGS.sub("", match.group(2)))).strip()
        result.downloads.append(
            Download(
                label or posixpath.basename(out),
                href,
                nama_format(out),
                ukuran(source.stat().st_size),
            )
        )


def _scrolling_tables(body: str) -> str:
    """Let wide tables scroll sideways on a phone; the region is keyboard-reachable."""
    count = 0

    def wrap(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return (
            f'<div class="tabel-gulir" role="region" tabindex="0" aria-label="Tabel '
            f'{count} (geser ke samping bila terpotong)">{match.group(0)}</div>'
        )

    return re.sub(r"<table\b.*?</table>", wrap, body, flags=re.S)


def enhance(
    body: str,
    resolver: Resolver,
    gallery: bool = False,
    pictures: Callable[[str], str] | None = None,
) -> Enhanced:
    """Return the item's body with sized images and figures, plus its documents.

    ``pictures`` (pictures.py) turns the images that have variants into ``<picture>``s,
    once the figures are made.
    """
    result = Enhanced(body)
    sized = _size_images(body, resolver, result)
    result.html = _scrolling_tables(_figures(sized, gallery))
    if pictures is not None:
        result.html = pictures(result.html)
    _downloads(result.html, resolver, result)
    return result
