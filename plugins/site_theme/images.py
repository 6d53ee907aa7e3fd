"""Image variants: what a phone downloads instead of a camera original, with nothing personal in it.

A camera original is megabytes and carries EXIF, often with the photographer's GPS
position. For every raster image an included item's digest covers, the build makes,
from the approved bytes only (hashed, and compared with what the digest covers):

* resized variants 480, 640, 960 and 1600 px wide (never wider than the image) as WebP and
  as a fallback (JPEG; PNG for an image with transparency), named
  ``<name>.<width>w.<ext>`` beside the original;
* a stripped copy, full size and in the original's format, served at the original's
  own address in place of the uploaded bytes.

The EXIF orientation is applied first; an ICC profile is converted to sRGB; then the
pixels are written into a new file with no metadata at all (EXIF incl. GPS, XMP, IPTC,
comments, PNG text, ICC). Results are kept on the machine per source SHA-256, settings
and code (``MachineCache``, namespace ``gambar``); an entry names its source and the
SHA-256 of each file, and anything that does not match is made again. Every file made
is recorded, with its source and hashes, in the gate's manifest (``derived``), which is
what the audit accounts for (publishing/image_audit.py). No Pelican here.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageCms, ImageOps

from approval_gate.api import GateError, MachineCache, cache_key, code_digest
from render_cache.prune import by_last_use

WIDTHS = (480, 640, 960, 1600)
RASTER = (".jpg", ".jpeg", ".png", ".webp")
#: Encoder settings (part of the cache key). The copy keeps the original's detail.
QUALITY = {"webp": 74, "jpeg": 80, "copy_jpeg": 90, "copy_webp": 90}
#: Raise when what is made, or how an entry is stored, changes.
CODE_VERSION = 1
CACHE_NAMESPACE = by_last_use("gambar")  # touched when read: kept while builds read it
MIME = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
#: Content folders of signed furniture (served as signed, never re-encoded).
FURNITURE = ("static/", "extra/")


@dataclass(frozen=True)
class Variant:
    """One resized file of an image."""

    save_as: str
    width: int
    height: int
    mime: str
    sha256: str


@dataclass(frozen=True)
class Picture:
    """An approved image as served: its stripped copy and its variants."""

    item: str  # the included item whose digest covers the source
    source: str  # content-relative path
    source_sha256: str
    save_as: str  # the original's output path, where the stripped copy is served
    width: int  # after the EXIF orientation
    height: int
    copy_sha256: str
    variants: tuple[Variant, ...]

    def records(self) -> list[dict[str, str]]:
        """Return the manifest's ``derived`` entries of this image (copy, then variants)."""
        common = {"item": self.item, "source": self.source, "source_sha256": self.source_sha256}
        made = [(self.save_as, self.copy_sha256)] + [(v.save_as, v.sha256) for v in self.variants]
        return [{**common, "save_as": path, "sha256": sha} for path, sha in made]

    def of(self, mime: str) -> list[Variant]:
        """Return the variants of one format, narrowest first."""
        return [v for v in self.variants if v.mime == mime]


def variant_path(save_as: str, width: int, ext: str) -> str:
    """Return where the ``width`` px variant of the image at ``save_as`` is written."""
    stem = posixpath.splitext(save_as)[0]
    return f"{stem}.{width}w.{ext}"


def _clean(data: bytes) -> tuple[Image.Image, bool]:
    """Return the upright pixels in sRGB with no metadata, and whether they have alpha."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        if getattr(image, "is_animated", False):
            raise ValueError("animated")  # one frame would lose the animation: left as is
        image.load()
    icc = image.info.get("icc_profile")
    alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    upright = ImageOps.exif_transpose(image) or image
    mode = "RGBA" if alpha else "RGB"
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(upright, profile, srgb, outputMode=mode)
            upright = converted or upright
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels are kept as they are
    pixels = upright.convert(mode)
    fresh = Image.new(mode, pixels.size)  # a new image: no info, no EXIF, nothing carried
    fresh.paste(pixels)
    return fresh, alpha


def _encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    out = io.BytesIO()
    if fmt == "jpg":
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=4)
    else:
        image.save(out, "PNG", optimize=image.width * image.height <= 4_000_000)
    return out.getvalue()


def make(data: bytes, suffix: str) -> list[tuple[str, int, int, bytes]]:
    """Return ``(tag, width, height, bytes)``: the stripped copy (tag ``""``), then variants.

    Raises ``OSError``/``UnidentifiedImageError``/``DecompressionBombWarning`` for bytes
    that are not an image Pillow can read safely.
    """
    image, alpha = _clean(data)
    original = {".jpg": "jpg", ".jpeg": "jpg", ".png": "png", ".webp": "webp"}[suffix]
    if original == "jpg" and alpha:
        original = "png"  # (cannot happen for a JPEG; kept for safety)
    copy_quality = QUALITY["copy_webp"] if original == "webp" else QUALITY["copy_jpeg"]
    made = [("", image.width, image.height, _encode(image, original, copy_quality))]
    fallback = "png" if alpha else "jpg"
    for width in sorted({min(w, image.width) for w in WIDTHS}):
        height = max(1, round(image.height * width / image.width))
        small = (
            image
            if width == image.width
            else image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        made.append((f"{width}w.webp", width, height, _encode(small, "webp", QUALITY["webp"])))
        made.append(
            (f"{width}w.{fallback}", width, height, _encode(small, fallback, QUALITY["jpeg"]))
        )
    return made


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(source_sha: str, made: list[tuple[str, int, int, bytes]]) -> bytes:
    """Return a cache entry: a JSON head naming the source and each file's hash, then the files."""
    parts = [
        {"tag": t, "width": w, "height": h, "size": len(b), "sha256": _sha(b)}
        for t, w, h, b in made
    ]
    head = json.dumps({"source": source_sha, "parts": parts}).encode("utf-8")
    return head + b"\n" + b"".join(b for *_, b in made)


def _unpack(entry: bytes | None, source_sha: str) -> list[tuple[str, int, int, bytes]] | None:
    """Return a cache entry's files, or None unless it is exactly this source's."""
    if entry is None or b"\n" not in entry:
        return None
    head, _, body = entry.partition(b"\n")
    try:
        meta = json.loads(head)
        if meta["source"] != source_sha:
            return None
        made, at = [], 0
        for part in meta["parts"]:
            data = body[at : at + int(part["size"])]
            at += len(data)
            if _sha(data) != part["sha256"]:
                return None
            made.append((str(part["tag"]), int(part["width"]), int(part["height"]), data))
    except (ValueError, KeyError, TypeError):
        return None
    return made if at == len(body) and made and made[0][0] == "" else None


def entry_key(source_sha: str, suffix: str) -> str | None:
    """Return the cache key of an image's files: its bytes, the settings and this code.

    None when this module cannot be read (then nothing is kept).
    """
    code = code_digest(Path(__file__))
    if code is None:
        return None
    return cache_key(CODE_VERSION, source_sha, suffix, WIDTHS, QUALITY, code, PIL.__version__)


def render_cached(
    data: bytes, source_sha: str, suffix: str, cache: MachineCache | None
) -> list[tuple[str, int, int, bytes]]:
    """Return the files made from ``data``, from the machine's cache when it holds them."""
    key = entry_key(source_sha, suffix) if cache is not None else None
    if cache is not None and key is not None:
        found = _unpack(cache.get(key), source_sha)
        if found is not None:
            return found
    made = make(data, suffix)
    if cache is not None and key is not None:
        cache.put(key, pack(source_sha, made))
    return made


def picture(
    item: str,
    source: str,
    source_sha: str,
    save_as: str,
    content: Path,
    cache: MachineCache | None,
    spool: Path,
) -> Picture | None:
    """Make (or take from the cache) one image's files into ``spool``; None if not an image.

    The source is read once and must have the approved SHA-256, so every file made is
    made from exactly the bytes the item's sign-offs cover.
    """
    data = (content / source).read_bytes()
    if _sha(data) != source_sha:
        raise GateError(
            "Gambar berubah selama build; varian gambar tidak dibuat dan tidak ada yang "
            "diterbitkan.",
            path=f"content/{source}",
            hint="Jangan ubah folder isi selama build; jalankan build lagi.",
        )
    suffix = posixpath.splitext(source)[1].lower()
    try:
        made = render_cached(data, source_sha, suffix, cache)
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return None  # not an image Pillow reads safely: served as approved, unchanged
    variants = []
    for tag, width, height, blob in made:
        target = save_as if tag == "" else variant_path(save_as, width, tag.split(".")[-1])
        (spool / target).parent.mkdir(parents=True, exist_ok=True)
        (spool / target).write_bytes(blob)
        if tag:
            variants.append(Variant(target, width, height, MIME[tag.split(".")[-1]], _sha(blob)))
    first = made[0]
    return Picture(
        item, source, source_sha, save_as, first[1], first[2], _sha(first[3]), tuple(variants)
    )


def plan(
    covered: Mapping[str, Mapping[str, str]],
    statics: Mapping[str, str],
    content: Path,
    cache: MachineCache | None,
    spool: Path,
) -> dict[str, Picture]:
    """Return the pictures of the included items, by the original's output path.

    ``covered`` maps each included item to the files its digest covers (path -> approved
    SHA-256); ``statics`` maps a kept static file's source to its output path.
    """
    pictures: dict[str, Picture] = {}
    taken = set(statics.values())
    for item in sorted(covered):
        for source, sha in sorted(covered[item].items()):
            save_as = statics.get(source)
            if (
                save_as is None
                or save_as in pictures
                or source.startswith(FURNITURE)
                or posixpath.splitext(source)[1].lower() not in RASTER
            ):
                continue
            found = picture(item, source, sha, save_as, content, cache, spool)
            if found is None:
                continue
            for variant in found.variants:
                if variant.save_as in taken:
                    raise GateError(
                        f"Berkas {variant.save_as!r} bernama seperti varian gambar "
                        f"{save_as!r}; build dihentikan, tidak ada yang diterbitkan.",
                        path=f"content/{source}",
                        hint="Ganti nama berkas itu (nama '<nama>.<lebar>w.<format>' dipakai "
                        "untuk varian gambar).",
                    )
                taken.add(variant.save_as)
            pictures[save_as] = found
    return pictures
