"""Sharing: the picture a shared link shows and the share links of an item.

WhatsApp, Facebook and X show a picture beside a shared link only when the page names
one (``og:image``). An item with pictures names its first one (its variant nearest the
1200 px of a link preview when the build makes variants, images.py); every other page
names the theme's default image, drawn once from the settings by tools/share_image.py
(docs/theme.md, "Sharing and search engines"). The share links are plain links: no
script, no icon, nothing from another host until the reader taps one.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

from .enhance import RASTER, image_size

#: The share image in the theme (theme/static/img/bagikan.png, tools/share_image.py).
SHARE_IMAGE = "img/bagikan.png"
SHARE_ALT = "Logo dan nama {name}"
SHARE_WIDTH = 1200  # what link previews show (1200x630)
_IMG = re.compile(r"<img\b([^>]*)>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
_TYPES.update({".webp": "image/webp", ".gif": "image/gif"})


@dataclass(frozen=True)
class ShareImage:
    """The picture a shared link shows (``og:image``): absolute URL, size, description."""

    url: str
    width: int | None
    height: int | None
    alt: str
    type: str


@dataclass(frozen=True)
class ShareLink:
    """One share link: the service's name (shown) and its address (no script, no image)."""

    service: str
    href: str


def absolute(base: str, path: str) -> str:
    """Return the absolute URL of an output path or Pelican URL (``berita/x/``)."""
    return f"{base}/{quote(path.lstrip('/'), safe='/%:@-._~')}"


def default_image(settings: Mapping[str, Any], organisation: str, base: str) -> ShareImage | None:
    """Return the theme's default share image (theme/static/img/bagikan.png), if present."""
    static = str(settings.get("THEME_STATIC_DIR") or "theme")
    source = Path(str(settings.get("THEME") or "")) / "static" / SHARE_IMAGE
    size = image_size(source) if source.is_file() else None
    if size is None:
        return None
    alt = SHARE_ALT.format(name=organisation)
    return ShareImage(absolute(base, f"{static}/{SHARE_IMAGE}"), *size, alt, "image/png")


def share_links(title: str, url: str) -> tuple[ShareLink, ...]:
    """Return the WhatsApp, Facebook and X links for a page (plain links, URL-encoded)."""
    text, link = quote(title, safe=""), quote(url, safe="")
    return (
        ShareLink("WhatsApp", f"https://wa.me/?text={quote(f'{title} {url}', safe='')}"),
        ShareLink("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={link}"),
        ShareLink("X", f"https://twitter.com/intent/tweet?url={link}&text={text}"),
    )


def _alt(body: str, image: str, fallback: str) -> str:
    """Return the alt text of the body's ``<img>`` showing ``image`` (an output path).

    The ``<img>`` may show the image itself or one of its variants (``<name>.<w>w.<ext>``).
    """
    name = posixpath.basename(image)
    stem = posixpath.splitext(name)[0] + "."
    for match in _IMG.finditer(body):
        attrs = dict(_ATTR.findall(match.group(1)))
        src = posixpath.basename(unquote(urlparse(html.unescape(attrs.get("src", ""))).path))
        if (src == name or src.startswith(stem)) and attrs.get("alt"):
            return html.unescape(attrs["alt"])
    return fallback


def _shared(path: str, picture: Any) -> tuple[str, int | None, int | None, str]:
    """Return what to share of an approved image: its variant nearest 1200 px, or itself.

    With image variants (images.py: JPEG/PNG fallbacks beside WebP, named in the
    manifest) the fallback nearest 1200 px wide is named (link previews are 1200x630;
    WebP is left out, not every preview reader takes it); without, the stripped copy at
    the original's address.
    """
    variants = [
        v for v in getattr(picture, "variants", ()) if v.mime in ("image/jpeg", "image/png")
    ]
    if variants:
        best = min(variants, key=lambda v: (abs(v.width - SHARE_WIDTH), -v.width))
        return best.save_as, best.width, best.height, best.mime
    suffix = posixpath.splitext(path)[1].lower()
    return path, picture.width, picture.height, _TYPES.get(suffix, "")


def item_image(
    base: str,
    default: ShareImage | None,
    view: Any,
    title: str,
    files: Callable[[str], Path | None],
    pictures: Mapping[str, Any] | None = None,
) -> ShareImage | None:
    """Return the item's first raster image as its share image, or the site's default.

    ``pictures``: the theme's image variants by the original's output path (images.py),
    when the build makes them.
    """
    for path in view.body.images:
        suffix = posixpath.splitext(path)[1].lower()
        alt = _alt(view.body.html, path, title)
        if pictures and path in pictures:
            url, width, height, mime = _shared(path, pictures[path])
            return ShareImage(absolute(base, url), width, height, alt, mime)
        source = files(path)
        if suffix not in RASTER or source is None:
            continue
        size = image_size(source)
        return ShareImage(
            absolute(base, path),
            size[0] if size else None,
            size[1] if size else None,
            alt,
            _TYPES.get(suffix, ""),
        )
    return default
