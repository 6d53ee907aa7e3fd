"""Serving a built or published site on this machine, with its links pointing here.

A publish builds with the production address (``publishconf.py``: ``SITEURL`` from
``KPU_SITEURL``, ``RELATIVE_URLS = False``), so the release's pages link their logo,
photos and styles to the production host. ``invoke serve`` answers every text file
(HTML, CSS, XML, JSON, JavaScript, text) with the site's address replaced by the address
the request came to (``http://127.0.0.1:PORT``), so the local copy works before, and
without, the production host. The files on disk are never changed: what is served is
what was published, seen from here. A port that cannot be opened is one sentence.
"""

from __future__ import annotations

import errno
import functools
import io
import re
from collections.abc import Iterable, Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from approval_gate.api import ExitCode, KpuError

#: The files whose text may name the site's address.
TEXT_SUFFIXES = frozenset({".html", ".htm", ".css", ".xml", ".json", ".js", ".txt"})
#: The address of a page as the theme writes it (``<link rel="canonical" href="...">``).
_CANONICAL = re.compile(rb'<link rel="canonical" href="(https?://[^"/]+(?:/[^"]*?)?)/?"')
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


class ServeError(KpuError):
    """``invoke serve`` cannot open its port; nothing is served."""

    exit_code = ExitCode.SERVE


def site_urls(settings: Mapping[str, Any], folder: Path) -> tuple[str, ...]:
    """Return the absolute addresses the site in ``folder`` was built with, longest first.

    The settings' ``SITEURL`` and ``FEED_DOMAIN``, and the address in the home page's
    canonical link: a release built with another ``KPU_SITEURL`` (the demo's
    ``http://127.0.0.1:8000``) still names its own.
    """
    found = {str(settings.get(key) or "") for key in ("SITEURL", "FEED_DOMAIN")}
    try:
        home = (folder / "index.html").read_bytes()[:65536]
    except OSError:
        home = b""
    if match := _CANONICAL.search(home):
        found.add(match.group(1).decode("utf-8", "replace"))
    urls = {url.rstrip("/") for url in found if url.startswith(("http://", "https://"))}
    return tuple(sorted(urls, key=len, reverse=True))


def rewriter(urls: Iterable[str]) -> re.Pattern[bytes] | None:
    """Return the pattern of the site's addresses (each only as a whole address), if any."""
    listed = [re.escape(url.encode()) for url in urls if url]
    if not listed:
        return None
    return re.compile(b"(?:" + b"|".join(listed) + rb")(?![\w.:-])")


class LocalSiteHandler(SimpleHTTPRequestHandler):
    """Serve files as they are, except the site's address in text files, said as here."""

    pattern: re.Pattern[bytes] | None = None

    def local_address(self) -> str:
        """Return ``http://host:port`` as the browser reached this server."""
        host = self.headers.get("Host", "")
        if not _HOST.match(host):  # no Host header (HTTP/1.0): the address served on
            host = f"127.0.0.1:{getattr(self.server, 'server_port', '')}"
        return f"http://{host}"

    def send_head(self) -> Any:  # noqa: D102 - SimpleHTTPRequestHandler's hook
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        if self.pattern is None or path.suffix.lower() not in TEXT_SUFFIXES or not path.is_file():
            return super().send_head()
        try:
            data = path.read_bytes()
        except OSError:
            self.send_error(404, "File not found")
            return None
        data = self.pattern.sub(self.local_address().encode(), data)
        self.send_response(200)
        self.send_header("Content-type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(data)


def open_server(folder: Path, port: int, urls: Iterable[str]) -> ThreadingHTTPServer:
    """Open ``127.0.0.1:port`` serving ``folder``, or raise ``ServeError`` in one sentence."""
    handler = type("Handler", (LocalSiteHandler,), {"pattern": rewriter(urls)})
    try:
        return ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(handler, directory=str(folder))
        )
    except OverflowError:
        raise ServeError(
            f"Port {port} tidak ada (port 1 sampai 65535); situs tidak disajikan.",
            hint=_other_port(port),
        ) from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            what = f"Port {port} sudah dipakai program lain (mungkin 'invoke serve' lain)"
        elif error.errno == errno.EACCES:
            what = f"Port {port} hanya boleh dibuka administrator"
        else:
            what = f"Port {port} tidak dapat dibuka ({error.strerror})"
        raise ServeError(f"{what}; situs tidak disajikan.", hint=_other_port(port)) from None


def _other_port(port: int) -> str:
    return f"Pakai port lain, misalnya --port {8011 if port == 8010 else 8010}."
