"""The gate's approvals provider: what the theme may know of the items this build admitted."""

from __future__ import annotations

from typing import Any

from .errors import GateError
from .gate_run import BuildRun, passed, site_of
from .provider import Approvals, Entry
from .roster import Roster


class GateApprovals(Approvals):
    """The gate's provider: the items this run admitted, once articles and pages passed.

    The theme shows each item's sign-offs and publishes the provenance record from these
    entries only: they are the gate's own decisions, so an excluded item has none.
    """

    def __init__(self, settings: dict[str, Any]) -> None:
        self._settings = settings
        self._entries: tuple[BuildRun, dict[str, Entry]] | None = None  # per run, once

    def _passed(self) -> BuildRun | None:
        return passed(self._settings)

    @property
    def roster(self) -> Roster:
        """Return the roster verified at ``initialized``."""
        return site_of(self._settings).roster

    def seal(self) -> str:
        """Refuse rendering until the gate has filtered articles and pages."""
        if self._passed() is None:
            raise GateError("Templat dirender sebelum gerbang persetujuan berjalan.")
        return ""

    def published(self) -> dict[str, Entry]:
        """Return the admitted items' entries (raise before the gate ran)."""
        run = self._passed()
        if run is None:
            raise GateError("Catatan persetujuan diminta sebelum gerbang persetujuan berjalan.")
        if self._entries is None or self._entries[0] is not run:  # every page asks: index once
            self._entries = (run, {e["item"]: e for e in run.manifest.included})
        return self._entries[1]

    def for_page(self, item: str) -> Entry:
        """Return an admitted item's entry; any other item must not render (fail closed)."""
        entry = self.published().get(item)
        if entry is None:
            raise GateError(f"Item {item!r} dirender tanpa persetujuan lengkap.")
        return entry

    def covered(self, item: str) -> tuple[str, ...] | None:
        """Return the files of the digest that admitted ``item`` (None if not that digest)."""
        run = self._passed()
        entry = self.published().get(item) if run is not None else None
        if run is None or entry is None:
            return None
        digest = run.ledger.digest(item)  # worked out once per build, when it was judged
        return digest.files if digest.value == entry["digest"] else None

    def derived(self, files: list[Entry]) -> bool:
        """Record files the theme made from approved bytes (see ``Approvals.derived``)."""
        run = self._passed()
        if run is None:
            raise GateError("Berkas turunan dicatat sebelum gerbang persetujuan berjalan.")
        run.manifest.derived.extend(files)
        return True
