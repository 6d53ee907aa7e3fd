"""Images as cameras and phones upload them: big, with EXIF (GPS, make, orientation), XMP, ICC.

Made with Pillow, never downloaded. ``SECRET`` is written into every metadata block
(EXIF make, XMP, JPEG comment, PNG text) so a test can look for it in the raw bytes of
every served file; the GPS position is in the EXIF GPS IFD.
"""

from __future__ import annotations

import io

from PIL import ExifTags, Image, ImageCms, ImageFilter, PngImagePlugin

SECRET = "KameraRahasiaLokasi"
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>'
    f"{SECRET}</rdf:Description></rdf:RDF></x:xmpmeta>"
).encode()
RED = (255, 0, 0)


def exif(orientation: int = 1) -> bytes:
    """Return EXIF with the camera's make, an orientation and a GPS position (Rembang)."""
    data = Image.Exif()
    data[ExifTags.Base.Make] = SECRET
    data[ExifTags.Base.Orientation] = orientation
    gps = data.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 42.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (111.0, 20.0, 15.0)
    return data.tobytes()


def scene(size: tuple[int, int], seed: int = 0, detail: int = 24) -> Image.Image:
    """Return a photo-like upright RGB picture with a red block at the top left.

    Smooth shapes plus sensor-like noise (``detail``), so it compresses like a photo,
    not like a flat test card. The red block shows which way is up.
    """
    width, height = size
    small = [Image.effect_noise((max(8, width // 64), max(8, height // 64)), 90) for _ in range(3)]
    base = Image.merge("RGB", [band.resize(size, Image.Resampling.BICUBIC) for band in small])
    base = base.filter(ImageFilter.GaussianBlur(2))
    grain = Image.merge("RGB", [Image.effect_noise(size, detail + seed % 3) for _ in range(3)])
    picture = Image.blend(base, grain, 0.25)
    picture.paste(RED, (0, 0, width // 6, height // 6))
    return picture


def camera_jpeg(size: tuple[int, int] = (4000, 3000), orientation: int = 1, seed: int = 0) -> bytes:
    """Return a camera-style JPEG; ``size`` is the upright size, stored turned as tagged."""
    upright = scene(size, seed)
    stored = upright.transpose(Image.Transpose.ROTATE_90) if orientation == 6 else upright
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    stored.save(
        out,
        "JPEG",
        quality=92,
        exif=exif(orientation),
        xmp=XMP,
        icc_profile=icc,
        comment=SECRET.encode(),
    )
    return out.getvalue()


def alpha_png(size: tuple[int, int] = (700, 500)) -> bytes:
    """Return a PNG with transparency, EXIF and a text chunk."""
    image = scene(size).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(size))
    info = PngImagePlugin.PngInfo()
    info.add_text("Lokasi", SECRET)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=exif())
    return out.getvalue()


def phone_webp(size: tuple[int, int] = (1800, 1200)) -> bytes:
    """Return a WebP with EXIF and XMP."""
    out = io.BytesIO()
    scene(size, 1).save(out, "WEBP", quality=85, exif=exif(), xmp=XMP)
    return out.getvalue()
