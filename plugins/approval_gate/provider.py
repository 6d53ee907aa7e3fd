"""The approvals provider: the one slot through which a theme learns about approvals.

The gate puts a provider into Pelican's shared context under ``APPROVALS_KEY`` as soon
as the generators exist; templates and the theme's plugin read it from there and from
nowhere else. The editorial preview, which renders unapproved items too, puts its own
provider into the same slot. Templates call ``approvals.seal()`` on every page, so a
build without a provider (the gate not registered) renders nothing at all.

An entry is what the gate recorded for an admitted item (see manifest.py): item path,
digest, URL, ``save_as``, language and the sign-offs that allowed it (``signoffs``: role,
signer, signed_at, file). No Pelican here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from .errors import GateError
from .roster import Roster

#: The key of the provider in Pelican's shared context (a template variable too).
APPROVALS_KEY = "approvals"

Entry = dict[str, Any]


class Approvals(ABC):
    """What a theme may know of this run's approvals."""

    @property
    @abstractmethod
    def roster(self) -> Roster:
        """Return the verified roster of this build."""

    @abstractmethod
    def seal(self) -> str:
        """Return "" when pages may be rendered now; raise ``GateError`` otherwise."""

    @abstractmethod
    def published(self) -> Mapping[str, Entry]:
        """Return the entries of the items this build publishes, by item path."""

    @abstractmethod
    def for_page(self, item: str) -> Entry:
        """Return the entry an item's page shows; raise ``GateError`` if it may not render.

        Its ``signoffs`` are the sign-offs to display: the four of a complete record,
        or none (the preview's pages of items still in the flow).
        """

    def covered(self, item: str) -> tuple[str, ...] | None:
        """Return the content files a published item's digest covers (its source first).

        The gate worked them out when it admitted the item, so a theme need not read the
        item again to learn them. None: this provider does not know (read the item).
        """
        del item
        return None

    def derived(self, files: list[Entry]) -> bool:
        """Record files made from approved bytes (image variants) in this run's manifest.

        Each entry: ``item``, ``source``, ``source_sha256``, ``save_as``, ``sha256``; the
        audit accepts such a file only as recorded. Return False when this provider keeps
        no manifest (the preview): the theme then makes no such files.
        """
        del files
        return False


def install(context: dict[str, Any], provider: Approvals) -> None:
    """Put ``provider`` into Pelican's shared context (the gate or the preview does)."""
    context[APPROVALS_KEY] = provider


def approvals_in(context: Mapping[str, Any]) -> Approvals:
    """Return the provider of this build, or raise: without one nothing may render."""
    provider = context.get(APPROVALS_KEY)
    if not isinstance(provider, Approvals):
        raise GateError(
            "Gerbang persetujuan tidak memasang daftar persetujuan untuk tema; "
            "tidak ada halaman yang boleh dibuat.",
            hint="Periksa PLUGINS di pengaturan: approval_gate harus terpasang.",
        )
    return provider
