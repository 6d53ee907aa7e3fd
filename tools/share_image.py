"""Draw the site's default share image, 1200x630 PNG, from its settings (run once, commit).

WhatsApp, Facebook and X show a picture beside a shared link only when the page names
one (``og:image``). Most pages of the site have no picture of their own, so every page
without one names this image: the logo, the organisation's name and subtitle in the
site's colours (``SITE_LOGO``, ``SITE_ORGANISATION``, ``SITESUBTITLE``, ``SITE_COLOURS``).

Why a committed file and not one made at build: the logo is an SVG and Pillow cannot
draw SVG, and text needs a font that a fresh machine may not have (DejaVu is not part
of a minimal Debian). Debian's chromium draws both, once, here; the result is a plain
file under ``theme/static/img/``, which a sealed publish accounts for byte for byte as
signed furniture like every other theme file (publishing/inventory.py). Run it again
after changing the logo, name or colours, then commit the new image:

    .venv/bin/python tools/share_image.py [--settings pelicanconf.py]

Pillow then reduces the screenshot to a 64-colour palette (flat colours and text: the
file stays small for readers' phones and for crawlers, about 20-40 KB).
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import io
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "theme" / "static" / "img" / "bagikan.png"
WIDTH, HEIGHT = 1200, 630
CHROMIUM = "/usr/bin/chromium"


def _settings(path: Path) -> dict[str, Any]:
    """Return the UPPERCASE values of a Pelican settings file."""
    spec = importlib.util.spec_from_file_location("_share_settings", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {key: getattr(module, key) for key in dir(module) if key.isupper()}


def page(settings: dict[str, Any]) -> str:
    """Return the HTML drawn into the image (inline SVG logo, no external request)."""
    colours = {"primary": "#a50e24", "accent": "#f5c400", "text": "#1b1b1b"}
    colours.update(settings.get("SITE_COLOURS") or {})
    logo = settings.get("SITE_LOGO")
    mark = ""
    if logo:
        data = Path(logo).read_bytes()
        if Path(logo).suffix.lower() == ".svg":
            text = data.decode("utf-8")
            mark = text[text.index("<svg") :]
        else:
            import base64

            kind = {".jpg": "jpeg", ".jpeg": "jpeg"}.get(Path(logo).suffix.lower(), "png")
            mark = f'<img src="data:image/{kind};base64,{base64.b64encode(data).decode()}" alt="">'
    name = html.escape(str(settings.get("SITE_ORGANISATION") or settings.get("SITENAME") or ""))
    subtitle = html.escape(str(settings.get("SITESUBTITLE") or ""))
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><style>
html,body{{margin:0;width:{WIDTH}px;height:{HEIGHT}px;overflow:hidden;background:#fff}}
body{{font-family:"DejaVu Sans",Arial,sans-serif;color:{colours["text"]};position:relative}}
.logo{{position:absolute;left:80px;top:70px;height:200px}}
.logo svg,.logo img{{height:200px;width:auto}}
h1{{position:absolute;left:80px;right:80px;top:300px;margin:0;font-size:54px;line-height:1.18}}
.garis{{position:absolute;left:0;right:0;bottom:132px;height:14px;background:{colours["accent"]}}}
.pita{{position:absolute;left:0;right:0;bottom:0;height:132px;background:{colours["primary"]};
color:#fff;font-size:32px;display:flex;align-items:center;padding:0 80px}}
</style></head><body><div class="logo">{mark}</div><h1>{name}</h1>
<div class="garis"></div><div class="pita">{subtitle}</div></body></html>"""


def draw(settings: dict[str, Any]) -> bytes:
    """Return the image as PNG bytes: chromium's screenshot, reduced to 64 colours."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            tab.set_content(page(settings))
            shot = tab.screenshot(type="png")
        finally:
            browser.close()
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    reduced = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write theme/static/img/bagikan.png from the settings file."""
    parser = argparse.ArgumentParser(description="Gambar bagikan bawaan situs (1200x630).")
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--output", default=str(TARGET))
    args = parser.parse_args(argv)
    data = draw(_settings(Path(args.settings)))
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_bytes(data)
    print(f"Gambar bagikan ditulis: {args.output} ({len(data) // 1024} KB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
