"""Site search: the index is built from the gated output, and audited like any page.

Placeholder interface for issue 3 (Pagefind): ``index_site`` runs after the gate, on
the staging folder, before the audit; ``audit_search`` checks every record of the index
against the approved pages. Until the theme ships a search index both do nothing, and
the audit refuses any ``pagefind/`` folder it cannot check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def index_site(output: Path, manifest: dict[str, Any]) -> None:
    """Build the search index of ``output`` (nothing yet)."""


def audit_search(output: Path, pages: set[str]) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for every search record that is not an approved page."""
    if (output / "pagefind").exists():
        return [("pagefind/", "indeks pencarian tidak dapat diperiksa; tidak boleh terbit")]
    return []
