"""The preview's Pelican plugin: every item built, every page marked, drafts explained.

It takes the approval gate's place in the preview settings (``settings.py``)
and uses the gate's read-only parts (roster, ledger, rules) to judge each item, but
removes nothing. What it adds, independently of the theme:

* every HTML page written gets the preview marker, ``noindex`` and a preview strip
  (``inject.mark``); an item's own page also gets the banner and approval panel;
* ``robots.txt`` disallows everything, and the page of each item is recorded beside the
  preview folder for ``invoke status --pesan``;
* the approvals provider for the theme, in the slot the gate fills in a real build
  (``provider``): every item may render, complete ones as published;
* a writer that writes no feeds, and only the pages of changed items when ``invoke
  watch`` asks for it (Pelican 4.12 removed ``WRITE_SELECTED``), the full pass following;
* a broken item never stops the preview: a page the theme fails on is written without
  the theme (``fallback``), a static file the gate would refuse (missing, a symlink, a
  FIFO) is not copied, a file Pelican cannot read gets a page at its old address, and
  the index lists all of them (``problems`` says why, in Indonesian).

This module, ``build.py`` and ``settings.preview_settings`` are the only editorial code
importing Pelican.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from approval_gate.api import Finding, install, load_trusted, settings_source, write_whole

from publishing.failpoints import failpoint

from ..errors import PreviewInterrupted
from . import fallback
from .inject import ROBOTS_TXT, is_marked, mark
from .finish import finish_run
from .panel import ItemRecord, banner_html, panel_html
from .problems import content_finding, failure_text, installed
from .settings import load_config
from .state import PreviewState, item_of

_states: dict[int, PreviewState] = {}


def state_of(settings: dict[str, Any]) -> PreviewState:
    """Return the preview state of the Pelican instance owning ``settings``."""
    return _states[id(settings)]


def _state_for_file(path: str) -> PreviewState | None:
    for state in _states.values():
        if path.startswith(str(state.config.output) + os.sep):
            return state
    return None


def on_initialized(pelican: Any) -> None:
    """Validate settings and read the roster once (as the gate does), or raise."""
    gate, roster = load_trusted(pelican.settings)
    log = installed(gate.content_path, settings_source(pelican.settings))
    _states[id(pelican.settings)] = PreviewState(gate, load_config(pelican.settings), roster, log)


def on_run_started(pelican: Any) -> None:
    """Reset the per-run state (``get_generators`` is the first signal of every run)."""
    state_of(pelican.settings).start_run()


def on_all_read(generators: list[Any]) -> None:
    """Read the sign-offs, note every item (and every file Pelican could not read)."""
    generated = generators[0].context["generated_content"]
    state = state_of(generators[0].settings)
    state.reread.clear()  # every generator has read (and cached) the changed files afresh
    state.read(
        [c for c in generated.values() if c is not None],
        {str(path) for path, c in generated.items() if c is None},
    )


def forget_changed(generator: Any, changed: set[str]) -> None:
    """Drop the cached parse of each changed content file from ``generator``'s readers.

    Pelican's reader cache trusts a file whose modification time equals the one it
    stamped, and it stamps AFTER parsing. A file saved without an atomic rename (truncate,
    then write) can be parsed half-written while the save is under way: the torn parse is
    then stamped with the finished file's time (or the same clock tick) and reused for
    every later run, so the page and its problems never show the saved text. The watcher
    names every file that changed once its write is over, so those entries are dropped
    and read again.
    """
    cache = getattr(getattr(generator, "readers", None), "_cache", None)
    if not changed or not isinstance(cache, dict):
        return
    base = str(generator.path)
    for rel in changed:
        cache.pop(os.path.abspath(os.path.join(base, rel)), None)


def _copyable(static: Any) -> bool:
    """Tell whether a static file is one the gate would read: regular and readable."""
    try:
        return stat.S_ISREG(os.lstat(static.source_path).st_mode) and os.access(
            static.source_path, os.R_OK
        )
    except OSError:
        return False


def on_static_finalized(generator: Any) -> None:
    """Copy no file the gate refuses: a missing attachment, a symlink, a FIFO, a folder.

    Pelican makes a static file for every link it sees, so a missing attachment would
    reach the theme (which reads its size) and a symlink would copy whatever it points
    to; the item's panel names the file (the gate's finding), and its link stays dead.
    """
    generator.staticfiles[:] = [s for s in generator.staticfiles if _copyable(s)]


class PreviewWriter(Writer):  # type: ignore[misc]
    """Pelican's writer, without feeds, skipping pages an incremental run leaves alone.

    A page that fails to render is written without the theme instead (and noted), so
    one broken item or template never stops the preview of all the others.
    """

    def _skip(self, name: Any) -> bool:
        selection = state_of(self.settings).selection
        return selection is not None and name not in selection

    def write_file(self, name: Any, *args: Any, **kwargs: Any) -> Any:
        """Write the page unless this run writes only the changed items' pages."""
        if self._skip(name):
            return None
        state = state_of(self.settings)
        content = kwargs.get("article") or kwargs.get("page")
        state.log.current = item_of(content) if content is not None else None
        try:
            return super().write_file(name, *args, **kwargs)
        except PreviewInterrupted:
            raise
        except FileOverwriteFailedError:
            state.page_failed(name, _duplicate(state, name, content))
        except Exception as error:  # any template, plugin or file error of this one page
            self._stand_in(state, str(name), content, failure_text(error, state.gate.content_path))
        finally:
            state.log.current = None
        return None

    def _stand_in(self, state: PreviewState, name: str, content: Any, why: str) -> None:
        """Write the page without the theme, marked, and note why."""
        if content is not None and content.save_as == name:
            item = item_of(content)
            finding = content_finding(
                item,
                f"halaman item tidak dapat dibuat dengan tema situs: {why}; ditampilkan "
                "tanpa tema.",
                "Perbaiki naskah atau lampirannya; bila naskahnya benar, laporkan ke "
                "pengelola tema.",
            )
            html, top = (
                fallback.item_page(_title(content), _body(content), why),
                _top(state, content),
            )
        else:
            finding = Finding(
                name,
                f"halaman {name} tidak dapat dibuat dengan tema situs: {why}.",
                "Periksa naskah yang tampil di halaman itu.",
            )
            html, top = fallback.listing_page(name, why), ""
        path = sanitised_join(self.output_path, name)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_whole(Path(path), mark(html, top))
        self._written_files.add(path)
        state.marked.add(path)
        state.page_failed(name, finding)

    def write_feed(self, *args: Any, **kwargs: Any) -> None:
        """Write no feed: feeds would list unapproved items without the preview marker.

        The feed settings stay as they are, because themes build feed links from them.
        """
        return None


def _duplicate(state: PreviewState, name: str, content: Any) -> Finding:
    other = state.page_items.get(name, "item lain")
    if content is None:
        return Finding(name, f"halaman {name} ditulis dua kali; yang kedua dilewati.")
    return content_finding(
        item_of(content),
        f"alamat halamannya ({name}) sama dengan {other}; halaman item ini tidak dibuat.",
        "Ubah judulnya atau tulis metadata 'Slug: ...' yang lain.",
    )


def _title(content: Any) -> str:
    return str(getattr(content, "title", "") or item_of(content))


def _body(content: Any) -> str | None:
    try:
        return str(content.content)
    except Exception:  # the body itself is what fails: the page says so
        return None


def _banner_and_panel(state: PreviewState, record: ItemRecord) -> str:
    """Return an item's banner and panel; one not to be published counts as flagged."""
    banner = banner_html(record)
    if record.draft or not record.verdict.publishable:
        state.flagged.add(record.verdict.item)
    return banner + panel_html(record, state.roster, state.now)


def _top(state: PreviewState, content: Any) -> str:
    """Return the banner and panel of an item, or a note if even they cannot be made."""
    try:
        return _banner_and_panel(state, state.record(content))
    except Exception as error:
        why = failure_text(error, state.gate.content_path)
        return fallback.notice("Panel persetujuan item ini tidak dapat dibuat.", why)


def on_get_writer(pelican: Any) -> type:
    """Hand Pelican the selective writer."""
    return PreviewWriter


def on_content_written(path: str, context: Any = None) -> None:
    """Mark the page just written; an item's own page gets banner and panel too."""
    state = _state_for_file(path)
    if state is None or not path.endswith((".html", ".htm")):
        return
    failpoint("pratinjau-halaman")  # kill tests: a page written, not yet marked
    context = context or {}
    content = context.get("article") or context.get("page")
    top, item = "", None
    if content is not None and context.get("output_file") == content.save_as:
        record = state.record(content)
        item = record.verdict.item
        top = _banner_and_panel(state, record)
    page = Path(path)
    write_whole(page, mark(page.read_bytes(), top))  # renamed in: never half a page
    state.marked.add(path)
    state.page_written(str(context.get("output_file") or ""), item)
    if state.interrupt is not None and state.interrupt():  # after marking, never before
        raise PreviewInterrupted(path)


def _written_since(folder: Path, since_ns: int) -> Iterator[Path]:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith((".html", ".htm")):
                path = Path(root, name)
                if path.stat().st_ctime_ns >= since_ns:
                    yield path


def on_finalized(pelican: Any) -> None:
    """Mark pages written outside the writer, forbid indexing, list problems, record pages."""
    state = state_of(pelican.settings)
    output = state.config.output
    for page in _written_since(output, state.started_ns):
        if str(page) not in state.marked:
            data = page.read_bytes()
            if not is_marked(data):
                write_whole(page, mark(data))
    (output / "robots.txt").write_text(ROBOTS_TXT, encoding="utf-8")
    finish_run(state, str(pelican.settings.get("INDEX_SAVE_AS") or "index.html"))
    if state.ledger is not None:
        state.ledger.save_cache()
    state.finished = True


def on_generator_init(generator: Any) -> None:
    """Install this run's approvals provider (as the gate does); forget changed parses."""
    state = state_of(generator.settings)
    assert state.approvals is not None
    install(generator.context, state.approvals)
    forget_changed(generator, state.reread)


def register() -> None:
    """Connect the preview to Pelican's signals."""
    # Before anything is read: settings and roster problems stop the preview.
    signals.initialized.connect(on_initialized)
    # First signal of every run (also autoreload runs): reset per-run state.
    signals.get_generators.connect(on_run_started)
    # The theme reads approvals from the shared context; the gate is not here to fill it.
    signals.generator_init.connect(on_generator_init)
    # Static files are known: drop those the gate refuses before the theme reads them.
    signals.static_generator_finalized.connect(on_static_finalized)
    # Everything is read, nothing written yet: judge items, choose what to write.
    signals.all_generators_finalized.connect(on_all_read)
    # The writer that can skip unchanged pages in an incremental run.
    signals.get_writer.connect(on_get_writer)
    # Each page as it is written: marker, banner and panel.
    signals.content_written.connect(on_content_written)
    # After everything: pages written by others, robots.txt, the address map.
    signals.finalized.connect(on_finalized)
