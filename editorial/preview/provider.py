"""The preview's approvals provider: every item may render, complete ones as published.

It fills the slot the gate fills in a real build (``approval_gate.api.APPROVALS_KEY`` in
Pelican's shared context), so the theme reads both the same way. ``published()`` holds
only complete items, as the gate would publish them (the provenance record and the
counts of the preview match the real site); ``for_page`` also answers for an item still
in the flow, with no sign-offs to display (its banner and panel say where it stands).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from approval_gate.api import Approvals, Entry, GateError, Manifest, Roster, Verdict


class PreviewApprovals(Approvals):
    """The provider of one preview run: installed empty, filled once all content is read."""

    def __init__(self, roster: Roster) -> None:
        self._roster = roster
        self._complete: dict[str, Entry] | None = None
        self._others: dict[str, Entry] = {}

    def fill(
        self, now: datetime, contents: Iterable[Any], verdict: Callable[[str], Verdict]
    ) -> None:
        """Judge every item of this run (``PreviewState.read`` calls this)."""
        complete, others = Manifest(None, now, {}, False), Manifest(None, now, {}, False)
        for content in contents:
            judged = verdict(str(content.relative_source_path).replace("\\", "/"))
            (complete if judged.publishable else others).include(
                judged, content.url, content.save_as, content.lang
            )
        self._complete = {e["item"]: e for e in complete.included}
        self._others = {e["item"]: {**e, "signoffs": []} for e in others.included}

    def _filled(self) -> dict[str, Entry]:
        if self._complete is None:
            raise GateError("Pratinjau: daftar persetujuan diminta sebelum semua naskah dibaca.")
        return self._complete

    @property
    def roster(self) -> Roster:
        """Return the roster the preview verified."""
        return self._roster

    def seal(self) -> str:
        """Every preview page may render: the preview marks each page itself."""
        return ""

    def published(self) -> dict[str, Entry]:
        """Return the complete items, as the gate would publish them."""
        return self._filled()

    def for_page(self, item: str) -> Entry:
        """Return any item's entry; items still in the flow display no sign-offs."""
        entry = self._filled().get(item) or self._others.get(item)
        if entry is None:
            raise GateError(f"Pratinjau: item {item!r} tidak dibaca pada build ini.")
        return entry
