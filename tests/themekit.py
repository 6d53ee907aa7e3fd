"""The shipped sample site built for the theme's tests, hermetically, and served locally.

The sample is built with the project's own ``pelicanconf.py`` (its theme, settings and
content) into a temporary folder; only the output, caches, manifest, anchor and clock
are replaced, so a machine's pinned anchor or the date the tests run cannot change it.
"""

from __future__ import annotations

import functools
import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from publishing.build import BuildResult, build_site
from sitekit import REPO

NOW = "2026-11-24T10:00:00+07:00"
#: Flags for Debian's chromium: headless, and nothing that reaches the network by itself.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Sample:
    """A built sample site."""

    root: Path
    output: Path
    result: BuildResult

    @property
    def manifest(self) -> dict[str, Any]:
        """Return the gate's manifest of this build."""
        return self.result.manifest

    def html(self, page: str) -> str:
        """Return an output page's text (``page`` as in the URL, e.g. ``berita/x/``)."""
        path = self.output / page
        return (path / "index.html" if page.endswith("/") or not page else path).read_text()

    def record(self) -> dict[str, Any]:
        """Return the published provenance pieces (one file per item) as ``{"items": [...]}``."""
        folder = self.output / "persetujuan" / "catatan"
        pieces = [json.loads(path.read_text()) for path in folder.glob("*.json")]
        return {"items": sorted(pieces, key=lambda piece: piece["item"])}

    def record_text(self) -> str:
        """Return the text of every published provenance piece, one after another."""
        folder = self.output / "persetujuan" / "catatan"
        return "".join(path.read_text() for path in sorted(folder.glob("*.json")))

    def search_records(self) -> list[dict[str, Any]]:
        """Return every Pagefind fragment, decompressed."""
        return [
            json.loads(gzip.decompress(p.read_bytes())[len(b"pagefind_dcd") :])
            for p in sorted((self.output / "pagefind" / "fragment").glob("*"))
        ]


def write_settings(root: Path, extra: str = "", name: str = "contohcfg.py") -> Path:
    """Write a settings file: the project's settings with temporary paths and a fixed clock."""
    settings = root / name
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom pelicanconf import *\n"
        "from approval_gate.api import DEMO_ANCHOR\n"
        f"OUTPUT_PATH = {str(root / 'output')!r}\n"
        f"CACHE_PATH = {str(root / '.cache' / 'pelican')!r}\n"
        f"RENDER_CACHE_PATH = {str(root / '.cache' / 'render')!r}\n"
        f"APPROVAL_GATE_MANIFEST_PATH = {str(root / 'var' / 'manifest.json')!r}\n"
        f"APPROVAL_GATE_CACHE_PATH = {str(root / '.cache' / 'gate')!r}\n"
        "APPROVAL_GATE_ANCHOR = DEMO_ANCHOR\n"
        f"APPROVAL_GATE_NOW = {NOW!r}\n"
        f"APPROVAL_GATE_SETTINGS_FILE = {name!r}\n{extra}"
    )
    return settings


def build_sample(root: Path, extra: str = "") -> Sample:
    """Build the shipped sample into ``root/output`` like ``invoke build`` does."""
    root.mkdir(parents=True, exist_ok=True)
    result = build_site(write_settings(root, extra), root / "output", state_dir=root / "var")
    return Sample(root, root / "output", result)


class _Handler(SimpleHTTPRequestHandler):
    """Serves the output like a static host: 404.html for missing addresses, no logs."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(str(self.directory)) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


@contextmanager
def serve(output: Path) -> Iterator[str]:
    """Serve ``output`` on a free localhost port; yield the base URL."""
    handler = functools.partial(_Handler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
