"""Walking a chain of records: the whole state of a release, every link checked.

A record of changes (chain.py) says what changed since the record it names; its state is
that record's state with the changes applied. ``record_state`` walks back, verifying each
record's signatures (``check.read_signed``) and the SHA-256 of its bytes that the next
record names, to the last full record (or a state this process or this machine already
worked out), then applies the changes forward; every state on the way must hash to the
``published_sha256`` its record carries. A wrong link, an edited or missing record, or
changes that do not fit are an ``ArchiveError``: nothing is guessed.

Each state is worked out once per process (``chain.remember``), so the withdrawal rail
and the pending record of one publish read the previous record once; with the machine's
cache (``chain.machine_cache``) not even the last full record is parsed again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from .chain import (
    MAX_WALK,
    ChangeError,
    Previous,
    State,
    apply_changes,
    cached_state,
    remember,
    remembered,
    state_of,
)
from .check import (
    RECORD_PATH,
    Record,
    check_links,
    complete_records,
    read_pending,
    read_signed,
    signed_head,
)
from .store import ArchiveError, record_name

if TYPE_CHECKING:
    from approval_gate.api import MachineCache, Roster


def read_complete(folder: Path, path: Path, roster: Roster) -> Record:
    """Return the verified complete record at ``path`` (and its pending record); else raise.

    For a record of changes, ``content["published"]`` is the whole list its chain adds up
    to, so every reader sees what the release published, as with a full record.
    """
    found = read_signed(folder, path, roster)
    if "changes" not in found.content:
        return found
    state = record_state(folder, found, roster)
    content = {**found.content, "published": list(state.items)}
    return Record(found.path, found.data, content, found.holder, found.sha256, found.signers)


def record_state(
    folder: Path, found: Record, roster: Roster, cache: MachineCache | None = None
) -> State:
    """Return what ``found``'s release put live, its chain checked; else ArchiveError.

    A state from ``cache`` is only a shortcut: when the chain does not add up with it,
    the chain is walked again without it.
    """
    try:
        return _walk(folder, found, roster, cache)
    except ArchiveError:
        if cache is None:
            raise
        return _walk(folder, found, roster, None)


def _walk(folder: Path, found: Record, roster: Roster, cache: MachineCache | None) -> State:
    trail: list[Record] = []
    current = found
    while True:
        base = remembered(folder, current.sha256, roster)
        if base is not None:
            break
        if "changes" not in current.content:
            base = _full_state(folder, current, roster)
            remember(folder, current.sha256, roster, base)
            break
        if len(trail) >= MAX_WALK:
            raise ArchiveError(f"rantai catatan lebih panjang dari {MAX_WALK} catatan")
        trail.append(current)
        rel, sha256 = _link(folder, current)
        base = cached_state(cache, sha256, roster)
        if base is not None:
            check_links(folder, folder / rel, roster, MAX_WALK - len(trail))
            if _sha256_of(folder / rel) != sha256:
                raise ArchiveError(f"catatan sebelumnya {rel} tidak cocok dengan previous_sha256")
            break
        previous = read_signed(folder, folder / rel, roster)
        if previous.sha256 != sha256:
            raise ArchiveError(f"catatan sebelumnya {rel} tidak cocok dengan previous_sha256")
        current = previous
    for record in reversed(trail):
        try:
            items = apply_changes(base, record.content["changes"])
        except ChangeError as error:
            raise ArchiveError(f"rilis {record.data['release']}: {error}") from None
        base = state_of(items, base.depth + 1, base.signers | record.signers)
        _check_digest(record, base)
        remember(folder, record.sha256, roster, base)
    return base


def _sha256_of(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _link(folder: Path, record: Record) -> tuple[str, str]:
    """Return the previous record a record of changes names; refuse a link that cannot be."""
    content = record.content
    rel, sha256 = content.get("previous"), content.get("previous_sha256")
    target = record.data["target"]["name"]
    if (
        not isinstance(rel, str)
        or not RECORD_PATH.fullmatch(rel)
        or not isinstance(sha256, str)
        or not rel.endswith(f"-{target}.yml")
        or Path(rel).name >= record.path.name
    ):
        raise ArchiveError(
            f"rilis {record.data['release']}: rujukan catatan sebelumnya tidak sah: {rel!r}"
        )
    if not (folder / rel).is_file():
        raise ArchiveError(f"rilis {record.data['release']}: catatan sebelumnya {rel} tidak ada")
    return rel, sha256


def _full_state(folder: Path, found: Record, roster: Roster) -> State:
    """Return the state of a record that lists its items (itself or the record it names)."""
    listing, signers = found, found.signers
    if found.holder != found.path.relative_to(folder).as_posix():
        listing = read_signed(folder, folder / found.holder, roster)
        signers = signers | listing.signers
    published = listing.content.get("published")
    if not isinstance(published, list) or not all(
        isinstance(e, dict) and isinstance(e.get("item"), str) for e in published
    ):
        raise ArchiveError(f"daftar item rilis {found.data['release']} tidak dapat dibaca")
    state = state_of(published, 0, signers)
    _check_digest(found, state)
    return state


def _check_digest(record: Record, state: State) -> None:
    """Refuse a state that is not the one the record (and its pending record) carries."""
    claimed = {record.data.get("published_sha256"), record.content.get("published_sha256")}
    if claimed != {state.digest}:
        raise ArchiveError(
            f"daftar item rilis {record.data['release']} tidak cocok dengan published_sha256"
        )


def state_at(
    folder: Path, path: Path, roster: Roster, cache: MachineCache | None = None
) -> tuple[str, State]:
    """Return the SHA-256 and state of the complete record at ``path``; else ArchiveError.

    The complete record is small: when this process or the machine's cache already has
    the state its bytes name, and that state hashes to the ``published_sha256`` the
    record carries, neither its pending record nor its chain is read again.
    """
    sha256, data = signed_head(path, roster)
    known = remembered(folder, sha256, roster)
    if known is None and (cached := cached_state(cache, sha256, roster)) is not None:
        if cached.digest == data.get("published_sha256"):
            check_links(folder, path, roster, MAX_WALK)  # everything it stands for is there
            known = cached
    if known is not None and known.digest == data.get("published_sha256"):
        remember(folder, sha256, roster, known)
        return sha256, known
    found = read_signed(folder, path, roster)
    return found.sha256, record_state(folder, found, roster, cache)


def newest(
    folder: Path, target: str, roster: Roster, cache: MachineCache | None = None
) -> Previous | None:
    """Return the newest record of ``target`` whose signatures and chain hold, if any.

    A record that does not verify (planted, forged, of a revoked key, its chain broken) is
    skipped, never cited: the next record refers to one that does.
    """
    for path in reversed(complete_records(folder, target)):
        try:
            sha256, state = state_at(folder, path, roster, cache)
        except ArchiveError:
            continue
        return Previous(path.relative_to(folder).as_posix(), sha256, state)
    return None


def previous_same(folder: Path, target: str, digest: str, roster: Roster) -> str | None:
    """Return the record listing what the newest verified record of ``target`` published.

    Only if that publish had exactly ``digest`` (the way of earlier versions to record an
    unchanged re-publish; a publish now writes a record of no changes instead).
    """
    found = newest(folder, target, roster)
    if found is None or found.state.digest != digest:
        return None
    record = read_signed(folder, folder / found.record, roster)
    return None if "changes" in record.content else record.holder


def published_items(
    folder: Path, release: str, target: str, roster: Roster, cache: MachineCache | None = None
) -> list[str]:
    """Return the items ``release`` put live at ``target``, from its verified records.

    Without a complete record, the pending one answers if it exists: the publish was
    killed after its switch (the release log says the release went live).
    """
    complete = folder / release[:4] / record_name(release, target)
    pending = complete.with_name(record_name(release, target, pending=True))
    if complete.exists() or not pending.exists():
        state = state_at(folder, complete, roster, cache)[1]
    else:
        state = record_state(folder, read_pending(folder, pending, roster), roster, cache)
    return [str(entry["item"]) for entry in state.items]
