"""The local preview server of ``invoke watch``: static files plus self-reloading pages.

Each HTML page is served with a small script and the version of that page (a hash of
the file as it is on disk). The script asks ``/__pratinjau/versi?halaman=<path>`` a few
times a second and reloads when the page's file has changed, so a browser tab reloads
exactly when its own page was rebuilt, and not when an unrelated page was. The same
answer carries the last build error, which the script shows over the page, and the
problems of the last build (items that cannot be shown, findings), which it shows in a
small box that opens on a click. A page that is not there (during a clean rebuild, or
after its item moved) is answered with a short notice that reloads itself when the page
appears. No third-party live-reload server is needed, and the files on disk stay free
of the script.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..preview.inject import is_marked

VERSION_PATH = "/__pratinjau/versi"
#: How often an open page asks whether it changed (milliseconds).
POLL_MS = 250
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

LIVE_SCRIPT = """<script>/* kpu-pratinjau: muat ulang otomatis */(function(){
var v="%(version)s",p=location.pathname;
function show(t){var b=document.getElementById("kpu-pratinjau-galat");
if(!t){if(b)b.remove();return}if(!b){b=document.createElement("pre");
b.id="kpu-pratinjau-galat";b.style.cssText="position:fixed;left:0;right:0;bottom:0;"+
"margin:0;max-height:50%%;overflow:auto;background:#b00020;color:#fff;padding:12px;"+
"font:14px/1.4 monospace;white-space:pre-wrap;z-index:2147483647";
document.body.appendChild(b)}b.textContent="Build pratinjau GAGAL:\\n"+t}
function note(m){var n=document.getElementById("kpu-pratinjau-masalah-langsung"),
t=(m||[]).join("\\n");if(!t){if(n)n.remove();return}if(!n){n=document.createElement("details");
n.id="kpu-pratinjau-masalah-langsung";n.style.cssText="position:fixed;left:8px;bottom:8px;"+
"max-width:90%%;max-height:40%%;overflow:auto;background:#fff3e0;color:#212529;"+
"border:2px solid #e65100;padding:4px 8px;font:14px/1.4 sans-serif;z-index:2147483646";
n.appendChild(document.createElement("summary"));n.appendChild(document.createElement("pre"));
document.body.appendChild(n)}n.firstChild.textContent=m.length+" masalah pratinjau "+
"(item lain tetap dipratinjau)";n.lastChild.textContent=t;n.lastChild.style.whiteSpace="pre-wrap"}
function poll(){fetch("%(endpoint)s?halaman="+encodeURIComponent(p),{cache:"no-store"})
.then(function(r){return r.json()}).then(function(d){show(d.galat);note(d.masalah);
if(d.versi!==v){location.reload();return}setTimeout(poll,%(poll)d)},
function(){setTimeout(poll,1000)})}setTimeout(poll,%(poll)d)})();</script>"""


MISSING_PAGE = (
    b'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
    b'<meta name="kpu-pratinjau" content="Halaman PRATINJAU"><meta name="robots" '
    b'content="noindex, nofollow"><title>Halaman belum ada</title></head><body>'
    b"<h1>Halaman ini belum ada di pratinjau</h1><p>Halaman ini sedang dibangun (ulang), "
    b"belum pernah dibangun, atau itemnya sudah dihapus atau berganti alamat. Halaman ini "
    b"dimuat ulang sendiri begitu tersedia. Bila naskahnya tidak dapat dibaca, sebabnya ada di "
    b"kotak masalah di bawah.</p></body></html>"
)


@dataclass
class LiveState:
    """What the watcher tells open pages: the last build error and problems, if any."""

    error: str | None = None
    problems: list[str] = field(default_factory=list)
    builds: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def finished(self, error: str | None, problems: list[str]) -> None:
        """Record the outcome of a build."""
        with self.lock:
            self.error = error
            self.problems = problems
            self.builds += 1


def page_version(data: bytes | None) -> str:
    """Return the version of a page as served: a short hash of its file ("-" if none)."""
    return hashlib.sha256(data).hexdigest()[:16] if data is not None else "-"


def with_live_script(html: bytes, version: str) -> bytes:
    """Return the page with the reload script before ``</body>`` (or at the end)."""
    script = (
        LIVE_SCRIPT % {"version": version, "endpoint": VERSION_PATH, "poll": POLL_MS}
    ).encode()
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + script
    at = ends[-1].start()
    return html[:at] + script + html[at:]


def _shown(file: Path) -> bytes | None:
    """Return a page's bytes once the preview has marked it, else None (not there yet).

    Pelican writes a page first and the preview plugin then adds the marker, banner and
    approval panel. A page caught in between would show an unapproved item without its
    "DRAF" banner, so it is treated like a page still being built: the open tab waits and
    reloads once the marked page is in place.
    """
    try:
        data = file.read_bytes()
    except OSError:  # missing, a folder, unreadable
        return None
    return data if is_marked(data) else None


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the preview folder; HTML pages get the reload script, nothing is cached."""

    server: PreviewServer

    def _page_file(self, url_path: str) -> Path | None:
        path = Path(self.translate_path(url_path))
        if url_path.endswith("/"):
            path = path / "index.html"
        return path if path.suffix in {".html", ".htm"} else None

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _version(self, query: str) -> None:
        page = parse_qs(query).get("halaman", ["/"])[0]
        file = self._page_file(page)
        data = _shown(file) if file is not None else None
        live = self.server.live
        answer = {
            "versi": page_version(data),
            "galat": live.error,
            "masalah": live.problems,
            "build": live.builds,
        }
        self._send(200, json.dumps(answer).encode(), "application/json")

    def do_GET(self) -> None:
        """Answer version requests, serve pages with the script, other files as they are."""
        url = urlsplit(self.path)
        if url.path == VERSION_PATH:
            return self._version(url.query)
        file = self._page_file(url.path)
        data = _shown(file) if file is not None else None
        if data is not None:
            return self._send(
                200, with_live_script(data, page_version(data)), "text/html; charset=utf-8"
            )
        if file is not None:  # a page that is not there (yet): wait for it, reloading
            return self._send(
                404, with_live_script(MISSING_PAGE, page_version(None)), "text/html; charset=utf-8"
            )
        return super().do_GET()

    def do_HEAD(self) -> None:
        """Answer HEAD like GET, without a body."""
        url = urlsplit(self.path)
        file = self._page_file(url.path)
        if url.path == VERSION_PATH or file is not None:
            return self.do_GET()  # _send leaves the body out for HEAD
        return super().do_HEAD()

    def end_headers(self) -> None:
        """Forbid caching (every reload shows the file as it is now) and indexing."""
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Robots-Tag", "noindex, nofollow")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Log requests only when asked to (``invoke watch --log``)."""
        if self.server.verbose:
            super().log_message(format, *args)


class PreviewServer(ThreadingHTTPServer):
    """A threaded HTTP server for one preview folder."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], folder: Path, live: LiveState, verbose: bool = False
    ) -> None:
        handler = functools.partial(PreviewHandler, directory=str(folder))
        super().__init__(address, handler)
        self.live = live
        self.verbose = verbose
