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
  watch`` asks for it (Pelican 4.12 removed ``WRITE_SELECTED``), the full pass following.

This module, ``build.py`` and ``settings.preview_settings`` are the only editorial code
importing Pelican.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.writers import Writer

from approval_gate.api import install, load_trusted

from ..errors import PreviewInterrupted
from .inject import ROBOTS_TXT, is_marked, mark
from .panel import banner_html, panel_html
from .settings import load_config
from .state import PreviewState

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
    _states[id(pelican.settings)] = PreviewState(gate, load_config(pelican.settings), roster)


def on_run_started(pelican: Any) -> None:
    """Reset the per-run state (``get_generators`` is the first signal of every run)."""
    state_of(pelican.settings).start_run()


def on_all_read(generators: list[Any]) -> None:
    """Read the sign-offs, note every item, and choose what this run writes."""
    generated = generators[0].context["generated_content"]
    state_of(generators[0].settings).read([c for c in generated.values() if c is not None])


class PreviewWriter(Writer):  # type: ignore[misc]
    """Pelican's writer, without feeds, skipping pages an incremental run leaves alone."""

    def _skip(self, name: Any) -> bool:
        selection = state_of(self.settings).selection
        return selection is not None and name not in selection

    def write_file(self, name: Any, *args: Any, **kwargs: Any) -> Any:
        """Write the page unless this run writes only the changed items' pages."""
        if self._skip(name):
            return None
        return super().write_file(name, *args, **kwargs)

    def write_feed(self, *args: Any, **kwargs: Any) -> None:
        """Write no feed: feeds would list unapproved items without the preview marker.

        The feed settings stay as they are, because themes link to the feeds by them.
        """
        return None


def on_get_writer(pelican: Any) -> type:
    """Hand Pelican the selective writer."""
    return PreviewWriter


def on_content_written(path: str, context: Any = None) -> None:
    """Mark the page just written; an item's own page gets banner and panel too."""
    state = _state_for_file(path)
    if state is None or not path.endswith((".html", ".htm")):
        return
    context = context or {}
    content = context.get("article") or context.get("page")
    top = ""
    if content is not None and context.get("output_file") == content.save_as:
        record = state.record(content)
        banner = banner_html(record)
        if banner:
            state.flagged.add(record.verdict.item)
        top = banner + panel_html(record, state.roster, state.now)
    page = Path(path)
    page.write_bytes(mark(page.read_bytes(), top))
    state.marked.add(path)
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
    """Mark pages written outside the writer, forbid indexing, record item pages."""
    state = state_of(pelican.settings)
    output = state.config.output
    for page in _written_since(output, state.started_ns):
        if str(page) not in state.marked:
            data = page.read_bytes()
            if not is_marked(data):
                page.write_bytes(mark(data))
    (output / "robots.txt").write_text(ROBOTS_TXT, encoding="utf-8")
    text = json.dumps(dict(sorted(state.pages().items())), ensure_ascii=False, indent=1)
    target = state.config.address_map
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if state.ledger is not None:
        state.ledger.save_cache()
    state.finished = True


def on_generator_init(generator: Any) -> None:
    """Put this run's approvals provider where the theme looks for it (as the gate does)."""
    state = state_of(generator.settings)
    assert state.approvals is not None
    install(generator.context, state.approvals)


def register() -> None:
    """Connect the preview to Pelican's signals."""
    # Before anything is read: settings and roster problems stop the preview.
    signals.initialized.connect(on_initialized)
    # First signal of every run (also autoreload runs): reset per-run state.
    signals.get_generators.connect(on_run_started)
    # The theme reads approvals from the shared context; the gate is not here to fill it.
    signals.generator_init.connect(on_generator_init)
    # Everything is read, nothing written yet: judge items, choose what to write.
    signals.all_generators_finalized.connect(on_all_read)
    # The writer that can skip unchanged pages in an incremental run.
    signals.get_writer.connect(on_get_writer)
    # Each page as it is written: marker, banner and panel.
    signals.content_written.connect(on_content_written)
    # After everything: pages written by others, robots.txt, the address map.
    signals.finalized.connect(on_finalized)
