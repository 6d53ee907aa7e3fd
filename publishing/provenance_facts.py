"""What a provenance piece's bytes say, kept between builds by the piece's SHA-256.

publishing/provenance.py audits every piece of the public record against this build's
manifest. Decoding a piece (its JSON, and each sign-off's base64 payload and the JSON of
each payload line) depends on the bytes alone, so the result is kept in the audit's
sealed cache (``approval_gate.api.MachineCache``, table ``provenance-pieces``, remade
when this module's code changes), as publishing/audit_facts.py keeps what other files
say. An entry is looked up by the hash of the bytes just read, and one of any other
shape than ``piece_facts`` gives is made again from the bytes: a cache can make the
audit faster, never different. The judgement (and the search for a withdrawn item's
path or digest in the bytes) is never kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audit_facts import Facts, KeptTable

if TYPE_CHECKING:
    from approval_gate.api import MachineCache

FOLDER = "persetujuan/catatan"
#: Raise when what a kept piece entry means changes; the code's hash is part of the key too.
PIECES_VERSION = 1


def piece_path(item: str) -> str:
    """Return where an item's piece must be (the theme's rule, worked out independently)."""
    return f"{FOLDER}/{hashlib.sha256(item.encode('utf-8')).hexdigest()[:20]}.json"


def _payload_fields(encoded: object) -> dict[str, str] | None:
    """Return the fields of a base64 payload in canonical form, or None if it is not."""
    try:
        text = base64.b64decode(str(encoded), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    fields: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        name, _, value = line.partition(": ")
        try:
            fields[name] = json.loads(value)
        except ValueError:
            return None
    return fields


def _signoff_facts(listed: list[Any]) -> list[list[Any]]:
    """Return ``[role, signer, signed_at]`` (None if not a mapping) and payload of each."""
    return [
        [
            [s.get(k) for k in ("role", "signer", "signed_at")] if isinstance(s, dict) else None,
            _payload_fields(s.get("payload_base64") if isinstance(s, dict) else None),
        ]
        for s in listed
    ]


def piece_facts(data: bytes) -> Facts:
    """Return what a piece's bytes say, whatever the manifest (kept by its SHA-256).

    ``i`` the item (None: unreadable), ``at`` where that item's piece belongs, ``d`` and
    ``u`` its digest and address, ``s`` its sign-offs (``_signoff_facts``).
    """
    try:
        piece = json.loads(data)
        item = piece["item"]
        assert isinstance(item, str)
    except (ValueError, KeyError, TypeError, AssertionError):
        return {"i": None}
    signoffs = piece.get("signoffs")
    return {
        "i": item,
        "at": piece_path(item),
        "d": piece.get("digest"),
        "u": piece.get("url"),
        "s": _signoff_facts(signoffs if isinstance(signoffs, list) else []),
    }


def valid(facts: object) -> bool:
    """Return whether ``facts`` has the shape ``piece_facts`` gives (else made again)."""
    if not isinstance(facts, dict) or facts.get("i") is None:
        return facts == {"i": None}
    return (
        set(facts) == {"i", "at", "d", "u", "s"}
        and isinstance(facts["i"], str)
        and facts["at"] == piece_path(facts["i"])
        and isinstance(facts["s"], list)
        and all(_signoff_valid(signoff) for signoff in facts["s"])
    )


def _signoff_valid(signoff: object) -> bool:
    if not isinstance(signoff, list) or len(signoff) != 2:
        return False
    own, fields = signoff
    return (own is None or (isinstance(own, list) and len(own) == 3)) and (
        fields is None or isinstance(fields, dict)
    )


class PieceTable(KeptTable):
    """The facts of the pieces of one output, kept by SHA-256 in the audit's cache."""

    def __init__(self, cache: MachineCache | None) -> None:
        super().__init__(cache, "provenance-pieces", PIECES_VERSION, Path(__file__))

    def of(self, data: bytes) -> Facts:
        """Return the facts of a piece's bytes: kept by their SHA-256, else read from them."""
        digest = hashlib.sha256(data).hexdigest()  # the bytes just read, whatever was listed
        facts = self.get(digest)
        made = not valid(facts)
        if made:
            facts = piece_facts(data)
        self.keep(digest, facts, made)
        return facts  # type: ignore[no-any-return]
