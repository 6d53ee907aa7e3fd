"""The end of a preview run, besides the pages: what could not be shown, and where.

After Pelican has written every page it could, the preview (1) remembers each item's
page, keeping the last address of an item Pelican can no longer read, (2) puts a page
at that address saying why (so a writer who has it open sees the problem, not a stale
version), (3) lists what could not be shown and what needs fixing at the top of the
index, and (4) writes the address map (``invoke status --pesan`` links to it) whole or
not at all. No Pelican here: only the preview's state and files.
"""

from __future__ import annotations

import json
from pathlib import Path

from approval_gate.api import write_whole

from ..handoff import read_address_map
from . import fallback
from .inject import mark, with_box
from .state import PreviewState, item_of


def inside(output: Path, save_as: str) -> Path:
    """Return ``output/save_as``, refusing a path that leaves the folder."""
    path = (output / save_as).resolve()
    if output.resolve() not in path.parents:
        raise ValueError(f"{save_as!r} berada di luar folder pratinjau")
    return path


def finish_run(state: PreviewState, index_name: str) -> None:
    """Write the pages of unreadable items, the index's box and the address map."""
    output = state.config.output
    pages = _record_pages(state)
    _unreadable_pages(state, output)
    _index_box(state, output / index_name)
    text = json.dumps(dict(sorted(pages.items())), ensure_ascii=False, indent=1)
    target = state.config.address_map
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        write_whole(target, text)  # whole or not at all: a kill never leaves half a map


def _record_pages(state: PreviewState) -> dict[str, str]:
    """Remember each item's page; an unreadable item keeps its last address."""
    if not state.last_pages:
        state.last_pages = {
            item: url + "index.html" if url.endswith("/") or not url else url
            for item, url in read_address_map(state.config.output).items()
        }
    pages = state.pages()
    kept = {item: state.last_pages[item] for item in state.skipped if item in state.last_pages}
    state.last_pages = {item_of(c): str(c.save_as) for c in state.contents} | kept
    for item, save_as in kept.items():
        pages[item] = save_as[: -len("index.html")] if save_as.endswith("index.html") else save_as
    return pages


def _unreadable_pages(state: PreviewState, output: Path) -> None:
    """Put a page saying why at the last address of each item Pelican could not read."""
    written = {str(Path(p).relative_to(output).as_posix()) for p in state.marked}
    for item in sorted(state.skipped):
        save_as = state.last_pages.get(item)
        if not save_as or save_as in written or save_as in state.page_items:
            continue
        path = inside(output, save_as)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mark(fallback.unreadable_page(state.skip_reason(item))))
        state.marked.add(str(path))


def _index_box(state: PreviewState, index: Path) -> None:
    """List what could not be shown, and what needs fixing, at the top of the index."""
    urls = state.pages()
    needs_fix = [
        fallback.NeedsFix(item, urls.get(item, ""), verdict.findings)
        for item, verdict in sorted(state.verdicts.items())
        if verdict.findings
    ]
    box = fallback.index_box(state.broken(), needs_fix)
    if index.is_file():
        html = index.read_bytes()
        changed = with_box(html, box)
        if changed != html:
            index.write_bytes(changed)
    elif box:
        index.parent.mkdir(parents=True, exist_ok=True)
        index.write_bytes(with_box(mark(fallback.plain_page("Pratinjau")), box))
    state.marked.add(str(index))
