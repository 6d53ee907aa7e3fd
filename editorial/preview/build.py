"""Building the preview with a warm Pelican: one instance, as many runs as needed.

``invoke preview`` makes one full, clean run. ``invoke watch`` keeps the builder (and
so Pelican, its parsed-content cache and the gate's verification cache) alive in a
worker process and asks for incremental runs that write only the pages of the items
that changed, then a full pass for listings, which a newer change may interrupt.

A broken item never stops a run: Pelican's errors are not fatal here, and what could
not be read or rendered comes back in ``BuildReport.problems`` (``problems.py``). Each
run holds the folder's lock and its claim file says whether it finished (``folder.py``):
a run that finds the previous one unfinished (killed, crashed) empties the folder and
the preview's Pelican cache before it starts, so nothing a dead run left is ever served.

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

from approval_gate.api import Finding, KpuError

from ..errors import PreviewError, PreviewInterrupted
from . import folder
from .inject import is_marked
from .plugin import state_of
from .problems import failure_text, installed
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
    problems: tuple[Finding, ...] = ()  # what could not be read or rendered, and findings
    recovered: bool = False  # the previous run never finished; its leftovers were removed


def setup_logging() -> None:
    """Keep Pelican's errors from being fatal: a broken item is reported, not a stop.

    Pelican's records go to the preview's own handler (``problems.PelicanLog``), which
    turns them into findings; nothing of Pelican's is printed as it is.
    """
    from pelican.log import FatalLogger, console, init

    init(level=logging.WARNING, handler=None)
    FatalLogger.fatal_lvl = logging.CRITICAL + 1  # what ``--fatal`` unset means
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
        settings = preview_settings(settings_file, output, base_url)
        self.log = installed(Path(str(settings["PATH"])).resolve(), settings_file.name)
        self.log.start_run()
        try:
            self.pelican = Pelican(settings)
        except KpuError:
            raise
        except Exception as error:  # a theme or plugin that cannot start
            raise PreviewError(
                f"Pelican tidak dapat dimulai: {failure_text(error, self.log.content)}.",
                path=settings_file.name,
                hint="Periksa pengaturan THEME dan PLUGINS; tidak ada yang diubah.",
            ) from None
        try:
            self.state: PreviewState = state_of(self.pelican.settings)
        except KeyError:
            raise PreviewError(
                f"Plugin pratinjau tidak terpasang ({PLUGIN} tidak berjalan).",
                path=settings_file.name,
                hint=f"Periksa pesan Pelican: {'; '.join(self.log.failures) or '-'}",
            ) from None
        if self.log.failures:
            raise PreviewError(
                f"Pelican melaporkan galat saat memuat plugin: {self.log.failures[0]}",
                path=settings_file.name,
                hint="Perbaiki plugin atau pengaturannya; tidak ada yang diubah.",
            )
        self.output = self.state.config.output

    def changed(self, paths: set[str] | frozenset[str]) -> None:
        """Note content files (under content/) that changed: the next run parses them anew."""
        self.state.reread.update(paths)

    def build(
        self,
        request: Request | None = None,
        clean: bool = False,
        interrupt: Callable[[], bool] | None = None,
    ) -> BuildReport:
        """Run Pelican once: every page (``request`` None) or the changed items' pages."""
        with folder.building(self.output):
            recovered = folder.last_run_unfinished(self.output)
            if recovered:  # start over, whole: a dead run may have left half a cache file too
                shutil.rmtree(str(self.pelican.settings["CACHE_PATH"]), ignore_errors=True)
                request, clean = None, True
            if clean:
                folder.empty(self.output)
            folder.claim(self.output, folder.BUILDING)
            start = time.perf_counter()
            self._run(request, interrupt)
            if request is None:
                self.check_marked()
            folder.claim(self.output, folder.DONE)
        state = self.state
        return BuildReport(
            request is None,
            time.perf_counter() - start,
            len(state.marked),
            len(state.contents),
            len(state.flagged),
            self.output,
            tuple(state.problems()),
            recovered,
        )

    def _run(self, request: Request | None, interrupt: Callable[[], bool] | None) -> None:
        """Run Pelican once; anything that still escapes it becomes one ``PreviewError``."""
        state = self.state
        state.request, state.interrupt = request, interrupt
        self.pelican.delete_outputdir = False  # ``folder.empty`` did it, keeping the claim
        self.log.start_run()
        try:
            self.pelican.run()
        except PreviewInterrupted:
            folder.claim(self.output, folder.INTERRUPTED)
            raise
        except KpuError:
            raise
        except Exception as error:
            raise PreviewError(
                f"Pratinjau terhenti: {failure_text(error, self.log.content)}.",
                path=self.settings_file.name,
                hint="Naskah dan situs tidak berubah; pratinjau berikutnya membersihkan "
                "sisanya sendiri. Bila terulang, laporkan pesan ini ke pengelola situs.",
            ) from None
        finally:
            state.request, state.interrupt = None, None
        if not state.finished:
            raise PreviewError(
                "Plugin pratinjau tidak menyelesaikan build.", path=self.settings_file.name
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
    """Build the whole preview once, into a clean folder (``invoke preview``)."""
    setup_logging()
    return PreviewBuilder(settings_file, output, base_url).build(clean=True)
