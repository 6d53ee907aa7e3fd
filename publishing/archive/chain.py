"""Records of changes: what a publish changed, and the chain that gives the whole state.

A record that listed every item grew with the site (5 MB at 5,000 items) and was read
back, parsed and hashed on every publish. So a pending record now lists only what changed
since the previous record of its target (``changes``: items added, changed and withdrawn
with their digests, and the files sent and deleted) and names that record by its path and
the SHA-256 of its bytes (``previous``, ``previous_sha256``). The whole state of a release
is the last full record of the chain with every change applied in order; it must hash to
the ``published_sha256`` the record itself carries, so a chain that was cut, reordered or
edited anywhere is refused. Every ``FULL_EVERY``-th record lists everything again, so no
check walks far; records of earlier versions (full lists, ``published_same_as``) are
valid chain starts as they are.

What is pure lives here (the difference of two states, applying one, the in-process memo
and the machine's cache of states); reading records and walking the chain is ``check.py``.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approval_gate.api import (
    MachineCache,
    Roster,
    cache_key,
    dump_bytes,
    load_bytes,
    normalise_key,
)


#: A record lists everything again when the chain since the last full record is this long.
FULL_EVERY = 50
#: No chain is walked further than this (a record that needs more is refused).
MAX_WALK = 4 * FULL_EVERY
#: The machine cache's namespace and format of one state (``put_state``/``cached_state``).
NAMESPACE = "arsip-keadaan"
_FORMAT = "kpu-rembang-arsip-keadaan-1"


def published_list(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return every published item with its URL, digest and sign-offs, as recorded."""
    return [
        {
            "item": e["item"],
            "url": e["url"],
            "lang": e["lang"],
            "digest": e["digest"],
            "signoffs": [
                {
                    "role": s["role"],
                    "signer": s["signer"],
                    "signed_at": s["signed_at"],
                    "file": s["file"],
                }
                for s in e["signoffs"]
            ],
        }
        for e in manifest["included"]
    ]


def published_digest(published: Sequence[Mapping[str, Any]]) -> str:
    """Return a digest of the published list (items, digests, sign-offs), order included."""
    text = json.dumps(list(published), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class State:
    """What a release put live: every item, as a full record would list them.

    ``depth`` counts the records of changes since the last full record; ``signers`` are
    the fingerprints of the keys that signed the chain back to it (a publish continues a
    chain only with the key that signed all of it, so revoking a key never strands the
    records of another).
    """

    items: tuple[dict[str, Any], ...]  # sorted by item, entries as ``published_list`` makes
    digest: str
    depth: int
    signers: frozenset[str]


@dataclass(frozen=True)
class Previous:
    """The newest verified record of a target, that the next record refers to."""

    record: str  # folder-relative path of the complete record
    sha256: str  # "sha256:<hex>" of its bytes
    state: State


def state_of(
    items: Iterable[Mapping[str, Any]],
    depth: int,
    signers: Iterable[str],
    digest: str | None = None,
) -> State:
    """Return the state of a published list (sorted by item, its digest computed).

    ``digest`` only when the caller just computed it from the very same list (the
    publish, from its own manifest): hashing 5,000 items costs a few tenths of a second.
    """
    ordered = tuple(sorted((dict(e) for e in items), key=lambda e: str(e["item"])))
    return State(ordered, digest or published_digest(list(ordered)), depth, frozenset(signers))


def changes_between(
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    upload: Sequence[str] = (),
    delete: Sequence[str] = (),
) -> dict[str, Any]:
    """Return what changed from ``before`` to ``after`` (both published lists)."""
    old = {str(e["item"]): e for e in before}
    new = {str(e["item"]): e for e in after}
    return {
        "added": [dict(new[i]) for i in sorted(new.keys() - old.keys())],
        "changed": [dict(new[i]) for i in sorted(new.keys() & old.keys()) if new[i] != old[i]],
        "withdrawn": [
            {"item": i, "digest": old[i]["digest"]} for i in sorted(old.keys() - new.keys())
        ],
        "files": {"upload": sorted(upload), "delete": sorted(delete)},
    }


class ChangeError(ValueError):
    """A record's changes do not fit the state before it (``check.py`` says which)."""


def apply_changes(before: State, changes: Any) -> list[dict[str, Any]]:
    """Return the published list after ``changes``; ChangeError when they do not fit.

    An item added must be new, one changed or withdrawn must be there (a withdrawal with
    the digest it had): a record can only describe the state before it, never another.
    """
    if not isinstance(changes, dict):
        raise ChangeError("bagian changes bukan pemetaan")
    items = {str(e["item"]): e for e in before.items}
    for name in ("added", "changed", "withdrawn"):
        if not isinstance(changes.get(name), list) or not all(
            isinstance(e, dict) and isinstance(e.get("item"), str) for e in changes[name]
        ):
            raise ChangeError(f"bagian changes.{name} tidak sah")
    for entry in changes["withdrawn"]:
        gone = items.pop(entry["item"], None)
        if gone is None or gone.get("digest") != entry.get("digest"):
            raise ChangeError(f"item {entry['item']!r} yang ditarik tidak ada sebelumnya")
    for entry in changes["changed"]:
        if entry["item"] not in items:
            raise ChangeError(f"item {entry['item']!r} yang berubah tidak ada sebelumnya")
        items[entry["item"]] = entry
    for entry in changes["added"]:
        if entry["item"] in items:
            raise ChangeError(f"item {entry['item']!r} yang ditambahkan sudah ada sebelumnya")
        items[entry["item"]] = entry
    return list(items.values())


def publishers_fingerprint(roster: Roster) -> str:
    """Return what of ``roster`` decides whether a record verifies: its publishers' keys."""
    return cache_key(
        "arsip-penerbit",
        sorted(
            (p.id, normalise_key(k.key))
            for p in roster.publishers
            for k in p.keys
            if k.revoked is None
        ),
    )


# --- the in-process memo: each record is read and its chain walked once per publish -------

_MEMO: OrderedDict[tuple[str, str, str], State] = OrderedDict()
_MEMO_SIZE = 16


def remembered(folder: Path, sha256: str, roster: Roster) -> State | None:
    """Return the state of the record with these bytes, if this process worked it out."""
    key = (str(folder), sha256, publishers_fingerprint(roster))
    found = _MEMO.get(key)
    if found is not None:
        _MEMO.move_to_end(key)
    return found


def remember(folder: Path, sha256: str, roster: Roster, state: State) -> None:
    """Keep the state of the record with these bytes for the rest of this process."""
    _MEMO[(str(folder), sha256, publishers_fingerprint(roster))] = state
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)


def forget_states() -> None:
    """Drop the states this process worked out (a publish, once its pending record is made).

    The live release's state (every item with its sign-offs, about 28 MB of objects at
    10,000 items) is needed by the withdrawal rail and the pending record only; held
    through the deploy, it was memory the deploy and the archive step could not reuse.
    A later read in this process works it out again (from the machine's cache).
    """
    _MEMO.clear()


# --- the machine's cache: the previous state without reading the last full record ---------


def _cache_key(sha256: str, roster: Roster) -> str:
    return cache_key(_FORMAT, sha256, publishers_fingerprint(roster))


def cached_state(cache: MachineCache | None, sha256: str, roster: Roster) -> State | None:
    """Return the cached state of the complete record with these bytes, if any.

    Only a hint: whatever comes from here must still hash to the ``published_sha256`` of
    the record the caller reads next (``check.py`` works it out again when it does not).
    """
    if cache is None:
        return None
    blob = cache.get(_cache_key(sha256, roster))
    try:
        data = load_bytes(blob) if blob is not None else None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        state = state_of(data["items"], int(data["depth"]), data["signers"])
    except (ValueError, KeyError, TypeError):
        return None
    return state if state.digest == data.get("digest") else None


def put_state(cache: MachineCache | None, sha256: str, roster: Roster, state: State) -> None:
    """Keep ``state`` as the state of the complete record with these bytes (best effort)."""
    if cache is None:
        return
    data = {
        "format": _FORMAT,
        "digest": state.digest,
        "depth": state.depth,
        "signers": sorted(state.signers),
        "items": list(state.items),
    }
    try:
        cache.put(_cache_key(sha256, roster), dump_bytes(data))
    except OSError:
        pass  # a cache may only make things faster


def machine_cache(state_folder: Path) -> MachineCache:
    """Return the cache of archive states in the publishing machine's state folder."""
    return MachineCache(state_folder / "cache", NAMESPACE)
