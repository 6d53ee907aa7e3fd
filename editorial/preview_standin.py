"""Standing in for the gate where other plugins ask it which items it admitted.

The public theme (``plugins/site_theme``) asks ``approval_gate.gate.approved(settings)``
for the admitted items and their sign-offs, and refuses to render an item without an
entry (failing closed, as it should in a real build). The preview has no gate and
renders every item. So, for the preview's own Pelican settings only, the name
``approved`` in the gate and in the site's plugins that imported it is pointed at
``approved_for``, which answers from the preview's ledger with every item and the
sign-offs it has so far (see ``PreviewItems``); for any other settings (a real build in
the same process) it calls the gate's own function, unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from approval_gate.manifest import Manifest
from approval_gate.roster import Roster
from approval_gate.rules import Verdict

_original: Callable[[dict[str, Any]], Any] | None = None
_answers: dict[int, Callable[[], Any]] = {}


def approved_for(settings: dict[str, Any]) -> Any:
    """Answer like ``approval_gate.gate.approved``: the preview's items, or the gate's."""
    answer = _answers.get(id(settings))
    if answer is not None:
        return answer()
    if _original is None:
        raise LookupError("approval_gate.gate.approved is not available")
    return _original(settings)


def stand_in(settings: dict[str, Any], answer: Callable[[], Any]) -> None:
    """Make ``approved(settings)`` answer with ``answer()`` for these settings."""
    global _original
    try:
        from approval_gate import gate
    except ImportError:  # the gate cannot load: then no plugin can ask it either
        return
    original = getattr(gate, "approved", None)
    if original is None:
        return  # a gate without this interface: nobody asks it
    if original is not approved_for:
        _original = original
    _answers[id(settings)] = answer
    names = ["approval_gate", *(str(p) for p in settings.get("PLUGINS") or [])]
    for name, module in list(sys.modules.items()):
        if any(name == p or name.startswith(p + ".") for p in names) and \
                getattr(module, "__dict__", {}).get("approved") is _original:
            module.approved = approved_for  # type: ignore[attr-defined]


class PreviewItems(dict[str, dict[str, Any]]):
    """The complete items, as the gate would list them; any other item on request.

    Listing, counting and ``in`` see only complete items, as from the gate (so a
    theme's provenance record and counts in the preview match the real site). Looking
    an item up (``items[item]``, ``items.get(item)``) also finds an unapproved item, with
    the sign-offs it has so far, so its page can be rendered for the preview.
    """

    def __init__(self, complete: dict[str, dict[str, Any]],
                 others: dict[str, dict[str, Any]]) -> None:
        super().__init__(complete)
        self.others = others

    def __missing__(self, item: str) -> dict[str, Any]:
        return self.others[item]

    def get(self, item: str, default: Any = None) -> Any:  # type: ignore[override]
        """Return the entry of any item of the preview."""
        return super().get(item) or self.others.get(item, default)


def approved_items(roster: Roster, now: datetime, contents: Iterable[Any],
                   verdict: Callable[[str], Verdict]) -> Any:
    """Return ``gate.Approved`` for the preview (see ``PreviewItems``)."""
    from approval_gate.gate import Approved

    complete, others = Manifest(None, now, {}, False), Manifest(None, now, {}, False)
    for content in contents:
        judged = verdict(str(content.relative_source_path).replace("\\", "/"))
        (complete if judged.publishable else others).include(
            judged, content.url, content.save_as, content.lang)
    return Approved(roster, PreviewItems({e["item"]: e for e in complete.included},
                                         {e["item"]: e for e in others.included}))
