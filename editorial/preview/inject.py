"""Marking preview pages, independently of the theme: text spliced into written HTML.

Every preview page gets, in its ``<head>``, the marker ``<meta name="kpu-pratinjau">``
(the publish audit refuses any output containing it), ``noindex`` for search engines
and the panel's styles; at the top of its ``<body>`` a strip saying it is a preview,
plus, on an item's own page, the banner and the approval panel. Only ``<head>`` and
``<body>`` are looked for, so this works with any theme (the public theme is being
rewritten independently).
"""

from __future__ import annotations

import re

#: The name of the marker; ``publishing/audit.py`` refuses any file containing it.
MARKER_NAME = "kpu-pratinjau"
MARKER = f'<meta name="{MARKER_NAME}" content="Halaman PRATINJAU: tidak boleh diterbitkan">'
MARKER_BYTES = f'name="{MARKER_NAME}"'.encode()
ROBOTS_META = '<meta name="robots" content="noindex, nofollow">'
ROBOTS_TXT = (
    f"# {MARKER_NAME}: pratinjau, bukan situs resmi; jangan diindeks.\nUser-agent: *\nDisallow: /\n"
)
STRIP = (
    '<div class="kpu-pratinjau-strip">PRATINJAU &middot; bukan situs resmi; dapat memuat '
    "item yang belum disetujui.</div>"
)
STYLE = """<style>
.kpu-pratinjau-strip{background:#212529;color:#fff;font:14px/1.4 sans-serif;padding:4px 12px}
.kpu-pratinjau-banner{background:#b00020;color:#fff;font:bold 20px/1.4 sans-serif;
padding:12px 16px}.kpu-pratinjau-banner span{font-weight:normal;font-size:16px}
.kpu-pratinjau-panel{border:3px solid #b00020;background:#fff8e1;color:#212529;
font:15px/1.5 sans-serif;margin:12px;padding:12px 16px}
.kpu-pratinjau-panel h2{font-size:18px;margin:0 0 8px}.kpu-pratinjau-panel h3{font-size:16px}
.kpu-pratinjau-panel table{border-collapse:collapse}.kpu-pratinjau-panel td,
.kpu-pratinjau-panel th{border:1px solid #999;padding:2px 8px;text-align:left}
.kpu-pratinjau-setuju td:nth-child(2){color:#1b5e20}.kpu-pratinjau-tolak td:nth-child(2),
.kpu-pratinjau-hapus{color:#b00020}.kpu-pratinjau-tambah{color:#1b5e20}
.kpu-pratinjau-giliran{background:#ffe082}.kpu-pratinjau-panel pre{white-space:pre-wrap;
background:#fff;border:1px solid #ccc;padding:8px;overflow:auto}
.kpu-pratinjau-masalah{border:3px solid #e65100;background:#fff3e0;color:#212529;
font:15px/1.5 sans-serif;margin:12px;padding:12px 16px}.kpu-pratinjau-masalah h2{
font-size:18px;margin:0 0 8px}.kpu-pratinjau-masalah h3{font-size:16px;margin:8px 0 4px}
.kpu-pratinjau-perbaiki{display:block;font-size:16px;font-weight:normal}
</style>"""
HEAD = MARKER + ROBOTS_META + STYLE
#: The index's box of problems sits between these (replaced on every run).
BOX_START, BOX_END = "<!--kpu-pratinjau-masalah-->", "<!--/kpu-pratinjau-masalah-->"

_HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_BODY = re.compile(rb"<body(?:\s[^>]*)?>", re.IGNORECASE)


def is_marked(html: bytes) -> bool:
    """Tell whether a page already carries the preview marker."""
    return MARKER_BYTES in html


def mark(html: bytes, top: str = "") -> bytes:
    """Return ``html`` with the head tags, the preview strip and ``top`` spliced in.

    Head tags go after ``<head>``, else before ``<body>``, else first; the strip and
    ``top`` go right after ``<body>``, else right after the head tags. A page already
    marked is returned unchanged, so marking twice is harmless.
    """
    if is_marked(html):
        return html
    head, body = HEAD.encode(), (STRIP + top).encode()
    opened, started = _HEAD.search(html), _BODY.search(html)
    if opened and started and opened.start() > started.start():
        opened = None  # a "<head>" inside the body is text, not the document's head
    head_at = opened.end() if opened else started.start() if started else 0
    if started is None:
        return html[:head_at] + head + body + html[head_at:]
    body_at = started.end()
    return html[:head_at] + head + html[head_at:body_at] + body + html[body_at:]


def with_box(html: bytes, box: str) -> bytes:
    """Return a marked page with its problem box replaced by ``box`` ("" removes it).

    The box goes right after the preview strip (or ``<body>``); an earlier box, from an
    earlier run of the watch, is taken out first, so the index always shows this run's.
    """
    start, end = BOX_START.encode(), BOX_END.encode()
    at = html.find(start)
    stop = html.find(end, at) if at >= 0 else -1
    if stop >= 0:
        html = html[:at] + html[stop + len(end) :]
    if not box:
        return html
    strip = html.find(STRIP.encode())
    started = _BODY.search(html)
    where = strip + len(STRIP) if strip >= 0 else started.end() if started else 0
    return html[:where] + box.encode() + html[where:]
