"""A writer's text rendered as the site renders it, for the sandboxed preview frame.

The Markdown settings are the site's own (``MARKDOWN`` of the settings file, with its
extensions, set up the way Pelican's Markdown reader sets them up), so the preview
shows what an official will later approve. The result is a whole HTML document put
into ``iframe.pratinjau`` through ``srcdoc``: the frame carries ``sandbox=""`` (no
scripts, no forms, no navigation of the desk, an origin of its own) and inherits the
desk's Content-Security-Policy (no inline script) as a second wall. A writer's raw
HTML is passed through as Python-Markdown passes it, because that is what the site
would show; it can never run in the desk.

Pictures already saved beside the item (``{attach}`` links of an item being edited) are
inlined as ``data:`` addresses: the sandboxed frame has no cookies for the desk.
"""

from __future__ import annotations

import base64
import copy
import html
import mimetypes
import re
from pathlib import Path
from typing import Any

from approval_gate.api import read_settings_file

_ATTACH = re.compile(r'(src|href)="\{attach\}([^"]*)"')
_INLINE_LIMIT = 2 * 1024 * 1024
_CACHE: dict[tuple[str, float], dict[str, Any]] = {}


def markdown_config(settings_file: Path) -> dict[str, Any]:
    """Return the ``markdown.Markdown`` arguments of the site (cached per file version)."""
    key = (str(settings_file), settings_file.stat().st_mtime)
    if key not in _CACHE:
        config = copy.deepcopy(read_settings_file(settings_file).get("MARKDOWN") or {})
        extensions = list(config.setdefault("extensions", []))
        for name in config.get("extension_configs", {}):  # as pelican.readers does
            if name not in extensions:
                extensions.append(name)
        config["extensions"] = extensions
        _CACHE.clear()
        _CACHE[key] = config
    return copy.deepcopy(_CACHE[key])


def body_html(settings_file: Path, text: str) -> str:
    """Return the HTML of a whole Markdown source (its metadata block is not shown)."""
    import markdown

    return markdown.Markdown(**markdown_config(settings_file)).convert(text)


def inline_attachments(rendered: str, folder: Path | None) -> str:
    """Point ``{attach}`` links at ``data:`` copies of pictures in ``folder``, others nowhere."""

    def swap(match: re.Match[str]) -> str:
        name = html.unescape(match[2])
        target = (folder / name) if folder is not None and "/" not in name else None
        if target is not None and target.is_file() and match[1] == "src":
            kind = mimetypes.guess_type(name)[0] or ""
            if (
                kind.startswith("image/")
                and kind != "image/svg+xml"
                and (target.stat().st_size <= _INLINE_LIMIT)
            ):
                data = base64.b64encode(target.read_bytes()).decode()
                return f'{match[1]}="data:{kind};base64,{data}"'
        return f'{match[1]}="#lampiran-{html.escape(name, quote=True)}"'

    return _ATTACH.sub(swap, rendered)


def document(title: str, rendered: str) -> str:
    """Return the preview's whole HTML document (title escaped, body as rendered)."""
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/static/pratinjau.css">'
        f"<title>{html.escape(title)}</title></head><body><article>"
        f"<h1>{html.escape(title) or 'Tanpa judul'}</h1>{rendered}</article></body></html>"
    )


def preview(settings_file: Path, title: str, text: str, folder: Path | None = None) -> str:
    """Return the preview document of a Markdown source for the sandboxed frame."""
    return document(title, inline_attachments(body_html(settings_file, text), folder))
