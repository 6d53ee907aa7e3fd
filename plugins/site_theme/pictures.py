"""``<picture>`` markup for approved images, and which images an included item covers.

An item's ``<img>`` of an image with variants (images.py) becomes a ``<picture>``: a
WebP ``<source>`` and the fallback ``<img>``, both with ``srcset`` (width descriptors)
and ``sizes``, so the browser downloads the smallest file that is sharp at the
reader's screen width and pixel density. ``sizes`` says how wide the image is shown:
the text column (at most 42rem, the whole width minus the page margins on a phone), or
a gallery tile (two per row on a phone, ``SITE_GALLERY_KINDS``), whose thumbnail links
to the largest fallback variant.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from approval_gate.api import ContentFiles

from .enhance import _IMG, Resolver, _attrs, _render_img
from .images import FURNITURE, RASTER, Picture
from .provenance import _files as approved_files

#: How wide an image is shown (theme/styles/situs.css: .isi, .galeri and the page margins).
SIZES_TEXT = "(min-width: 45rem) 42rem, calc(100vw - 2rem)"
SIZES_GALLERY = "(min-width: 48rem) 23rem, calc(50vw - 1.5rem)"


def _image(path: str) -> bool:
    return posixpath.splitext(path)[1].lower() in RASTER and not path.startswith(FURNITURE)


def covered_images(
    content: Path,
    published: Mapping[str, Mapping[str, Any]],
    covers: Callable[[str], tuple[str, ...] | None] | None = None,
) -> dict[str, dict[str, str]]:
    """Return, per included item with images, its images' approved SHA-256 by path.

    An item's files are hashed (and checked against its digest, or the build stops) only
    when it links a raster image. Which files it links, ``covers`` (the provider's
    ``covered``) tells from the digest that admitted it, so most items cost nothing;
    where it does not know (None), the item's source is read once to find out.
    """
    reader = ContentFiles(content)
    found: dict[str, dict[str, str]] = {}
    for item in sorted(published):
        known = covers(item) if covers else None
        refs = known[1:] if known is not None else reader.source(item)[1]
        if not any(_image(ref) for ref in refs):
            continue
        _, files = approved_files(content, published[item], {})
        images = {f["path"]: f["sha256"] for f in files if f["sha256"] and _image(f["path"])}
        if images:
            found[item] = images
    return found


def _url(base: str, save_as: str) -> str:
    return base + quote(posixpath.basename(save_as), safe="")


def picture_html(attrs: dict[str, str], found: Picture, src: str, gallery: bool) -> str:
    """Return the ``<picture>`` for an ``<img>`` with ``attrs`` whose ``src`` is ``src``."""
    base = src.rsplit("/", 1)[0] + "/" if "/" in src else ""
    webp = found.of("image/webp")
    fallback = [v for v in found.variants if v.mime != "image/webp"]
    sizes = SIZES_GALLERY if gallery else SIZES_TEXT
    largest = fallback[-1]
    img = {key: value for key, value in attrs.items() if key not in ("src", "width", "height")}
    shown = {
        "src": _url(base, fallback[min(1, len(fallback) - 1)].save_as),
        "srcset": ", ".join(f"{_url(base, v.save_as)} {v.width}w" for v in fallback),
        "sizes": sizes,
        "width": str(largest.width),
        "height": str(largest.height),
    }
    sources = ", ".join(f"{_url(base, v.save_as)} {v.width}w" for v in webp)
    inner = (
        f'<picture><source type="image/webp" srcset="{sources}" sizes="{sizes}">'
        f"{_render_img({**shown, **img})}</picture>"
    )
    if gallery:
        return f'<a class="galeri-foto" href="{_url(base, largest.save_as)}">{inner}</a>'
    return inner


def picture_tags(
    body: str, resolver: Resolver, pictures: Mapping[str, Picture], gallery: bool
) -> str:
    """Return ``body`` with each ``<img>`` of an image with variants as a ``<picture>``."""

    def swap(match: Any) -> str:
        attrs = _attrs(match.group(1))
        src = html.unescape(attrs.get("src", ""))
        out = resolver.output_path(src)
        found = pictures.get(out) if out is not None else None
        if found is None or not found.variants:
            return str(match.group(0))
        return picture_html(attrs, found, attrs["src"], gallery)

    return _IMG.sub(swap, body)
