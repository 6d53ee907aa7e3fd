"""Building the preview with a warm Pelican: one instance, as many runs as needed.

``invoke preview`` makes one full, clean run. ``invoke watch`` keeps the builder (and
so Pelican, its parsed-content cache and the gate's verification cache) alive in a
worker process and asks for incremental runs that write only the pages of the items
that changed, then a full pass for listings, which a newer change may interrupt.

After every full run each HTML page in the folder is checked for the preview marker:
a page without it (a plugin that failed, a theme without ``<body>``) stops the preview
and the folder is emptied, because an unmarked page with an unapproved item is exactly
what must never reach the public.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import PreviewError
from .inject import is_marked
from .plugin import state_of
from .settings import PLUGIN, preview_settings
from .state import PreviewState, Request


@dataclass(frozen=True)
class BuildReport:
    """One finished preview run."""

    full: bool
    seconds: float
    pages: int  # HTML pages written in this run
    items: int  # items in the site
    unapproved: int  # items written with the draft banner in this run
    output: Path


def setup_logging() -> None:
    """Log Pelican's warnings plainly and make its errors fatal (``invoke build`` fails on them)."""
    from pelican.log import console, init

    init(level=logging.WARNING, fatal="errors", handler=None)
    console.quiet = True  # Pelican's own "Done: ..." line; the tasks print their own


def unmarked_pages(output: Path) -> list[Path]:
    """Return every HTML page in ``output`` that lacks the preview marker."""
    return sorted(
        page
        for page in output.rglob("*.htm*")
        if page.suffix in {".html", ".htm"} and not is_marked(page.read_bytes())
    )


class PreviewBuilder:
    """A Pelican instance with the preview settings of one site."""

    def __init__(
        self, settings_file: Path, output: Path | None = None, base_url: str | None = None
    ) -> None:
        from pelican import Pelican

        self.settings_file = settings_file
        self.pelican = Pelican(preview_settings(settings_file, output, base_url))
        try:
            self.state: PreviewState = state_of(self.pelican.settings)
        except KeyError:
            raise PreviewError(
                f"Plugin pratinjau tidak terpasang ({PLUGIN} tidak berjalan).",
                path=settings_file.name,
                hint="Periksa pesan galat Pelican di atas.",
            ) from None
        self.output = self.state.config.output

    def build(
        self,
        request: Request | None = None,
        clean: bool = False,
        interrupt: Callable[[], bool] | None = None,
    ) -> BuildReport:
        """Run Pelican once: every page (``request`` None) or the changed items' pages."""
        state = self.state
        state.request, state.interrupt = request, interrupt
        self.pelican.delete_outputdir = clean
        start = time.perf_counter()
        try:
            self.pelican.run()
        finally:
            state.request, state.interrupt = None, None
        if not state.finished:
            raise PreviewError(
                "Plugin pratinjau tidak menyelesaikan build.", path=self.settings_file.name
            )
        if request is None:
            self.check_marked()
        return BuildReport(
            request is None,
            time.perf_counter() - start,
            len(state.marked),
            len(state.contents),
            len(state.flagged),
            self.output,
        )

    def check_marked(self) -> None:
        """Empty the preview folder and raise if any page lacks the preview marker."""
        missing = unmarked_pages(self.output)
        if missing:
            shutil.rmtree(self.output, ignore_errors=True)
            shown = ", ".join(str(p.relative_to(self.output)) for p in missing[:5])
            raise PreviewError(
                f"{len(missing)} halaman pratinjau tanpa penanda pratinjau "
                f"({shown}); folder pratinjau dikosongkan.",
                path=str(self.output),
                hint="Pastikan templat tema memiliki <body>.",
            )


def build_preview(
    settings_file: Path, output: Path | None = None, base_url: str | None = None
) -> BuildReport:
    """Build the whole preview once, into a clean folder (``invoke preview``).

    Pelican turns an error it logged into a bare ``RuntimeError`` (its errors are
    fatal here); the message a person needs is the log line above, so say so.
    """
    setup_logging()
    try:
        return PreviewBuilder(settings_file, output, base_url).build(clean=True)
    except RuntimeError as error:
        raise PreviewError(f"{error}; lihat pesan Pelican di atas.") from None
