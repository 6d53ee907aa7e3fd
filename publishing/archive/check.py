"""Reading a record: only after its signatures, name and references have been checked.

``verify_record`` accepts a record only if its signature holds, the signing key is a
publisher key of the trusted roster (not revoked: OpenSSH's allowed-signers file made by
``api.publisher_allowed_signers`` leaves revoked keys out too), and the file's name and
folder agree with the release and target inside. Everything else in the project reads
records through ``read_complete``: a planted, unsigned, forged or renamed record is never
cited and never reported as a publication.
"""

from __future__ import annotations

import glob
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml


from approval_gate.api import (
    ARCHIVE_NAMESPACE,
    FileRefused,
    SignatureInvalid,
    fingerprint,
    read_regular,
    signing_key,
)

from .keys import publisher_of
from .records import published_digest
from .store import PENDING_SUFFIX, ArchiveError, record_name

#: libyaml's safe loader (tens of times faster on a record listing thousands of items).
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:
    from approval_gate.api import Roster

RECORD_LIMIT = 64 * 1024 * 1024  # 5,000 items make about 5 MB
SIGNATURE_LIMIT = 64 * 1024
_PENDING_PATH = re.compile(r"\d{4}/[^/]+" + re.escape(PENDING_SUFFIX))
_RECORD_PATH = re.compile(r"\d{4}/[^/]+\.yml")


def _read_regular(path: Path, limit: int, what: str) -> bytes:
    """Read a record or its signature as the gate reads its inputs (``api.read_regular``)."""
    try:
        data = read_regular(str(path.parent), path.name, limit)
    except FileRefused as error:
        raise ArchiveError(f"{what} ditolak: {error.message}") from None
    if data is None:
        raise ArchiveError(f"{what} tidak ada ({path.name})")
    return data


def verified_bytes(path: Path, roster: Roster) -> tuple[bytes, dict[str, Any]]:
    """Return the bytes and data of a record whose signature and name hold; else raise.

    ``ArchiveError`` says why (Indonesian, without the path: the caller names the file).
    """
    payload = _read_regular(path, RECORD_LIMIT, "catatan")
    armored = _read_regular(Path(f"{path}.sig"), SIGNATURE_LIMIT, "tanda tangan (.sig)")
    try:
        signer = signing_key(payload, armored.decode("ascii"), ARCHIVE_NAMESPACE)
    except (SignatureInvalid, UnicodeDecodeError) as error:
        raise ArchiveError(f"tanda tangan tidak sah: {error}") from None
    publisher = publisher_of(roster, signer)
    if publisher is None:
        raise ArchiveError(
            f"ditandatangani kunci {fingerprint(signer)}, yang bukan kunci mesin penerbit "
            f"di roster versi {roster.version} (atau sudah dicabut)"
        )
    try:  # signed by a publishing machine of the roster: the C loader may read it
        data = yaml.load(payload.decode("utf-8"), Loader=_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ArchiveError(f"isi tidak dapat dibaca ({error})") from None
    _check_identity(path, data, publisher.id)
    return payload, data


def _check_identity(path: Path, data: Any, publisher: str) -> None:
    """Refuse a genuine record under another name or folder, or of another publisher."""
    if not isinstance(data, dict):
        raise ArchiveError("isi bukan pemetaan YAML")
    release, target = data.get("release"), data.get("target")
    name = target.get("name") if isinstance(target, dict) else None
    pending = path.name.endswith(PENDING_SUFFIX)
    if (
        not isinstance(release, str)
        or not isinstance(name, str)
        or path.name != record_name(release, name, pending)
        or path.parent.name != release[:4]
    ):
        raise ArchiveError(
            "nama berkas atau foldernya tidak cocok dengan rilis dan target di isinya"
        )
    if data.get("publisher", publisher) != publisher:
        raise ArchiveError(
            f"menyebut mesin penerbit {data.get('publisher')!r}, bukan {publisher!r}"
        )
    status = data.get("status", "selesai")
    if status != ("tertunda" if pending else "selesai"):
        raise ArchiveError(f"status {status!r} tidak cocok dengan nama berkasnya")


def verify_record(path: Path, roster: Roster) -> dict[str, Any]:
    """Return a record's data if it is signed by a publisher of ``roster``; else ArchiveError."""
    return verified_bytes(path, roster)[1]


@dataclass(frozen=True)
class Record:
    """A complete record whose signatures hold, with the record that lists its items."""

    path: Path
    data: dict[str, Any]  # the complete record
    content: dict[str, Any]  # the record with published/withheld: the pending one, or itself
    holder: str  # folder-relative path of the complete record that lists the items


def read_complete(folder: Path, path: Path, roster: Roster) -> Record:
    """Return the verified complete record at ``path`` (and its pending record); else raise.

    A record without ``pending`` that carries its own list is accepted too (the records
    of earlier versions, once the web admin has checked and signed them).
    """
    if path.name.endswith(PENDING_SUFFIX):
        raise ArchiveError("catatan tertunda, bukan catatan selesai")
    data = verify_record(path, roster)
    content = data
    if "pending" in data:
        rel = data["pending"]
        if not isinstance(rel, str) or not _PENDING_PATH.fullmatch(rel):
            raise ArchiveError(f"rujukan catatan tertunda tidak sah: {rel!r}")
        payload, content = verified_bytes(folder / rel, roster)
        if data.get("pending_sha256") != "sha256:" + hashlib.sha256(payload).hexdigest():
            raise ArchiveError(f"catatan tertunda {rel} tidak cocok dengan pending_sha256")
        if (content["release"], content["target"]["name"]) != (
            data["release"],
            data["target"]["name"],
        ):
            raise ArchiveError(f"catatan tertunda {rel} milik rilis atau target lain")
    return Record(path, data, content, _holder(folder, path, content))


def _holder(folder: Path, path: Path, content: dict[str, Any]) -> str:
    """Return the folder-relative record that lists the items ``content`` published."""
    if isinstance(content.get("published"), list):
        return path.relative_to(folder).as_posix()
    same = content.get("published_same_as")
    if isinstance(same, str) and _RECORD_PATH.fullmatch(same):
        return same
    raise ArchiveError("tidak memuat daftar item yang diterbitkan")


def complete_records(folder: Path, target: str) -> list[Path]:
    """Return the complete record files of ``target`` (unverified), oldest name first."""
    pattern = f"*/*-{glob.escape(target)}.yml"
    return sorted(folder.glob(pattern), key=lambda p: p.name)


def previous_same(folder: Path, target: str, digest: str, roster: Roster) -> str | None:
    """Return the record listing what the newest verified record of ``target`` published.

    Only if that publish had exactly ``digest``; records whose signatures do not hold
    against ``roster`` are skipped, never cited. The answer always names a record that
    lists the items itself, so references never form chains.
    """
    for path in reversed(complete_records(folder, target)):
        try:
            found = read_complete(folder, path, roster)
        except ArchiveError:
            continue
        if found.data["target"]["name"] != target:
            continue
        if found.data.get("published_sha256") != digest:
            return None
        try:
            return _listing(folder, found, roster)[0]
        except ArchiveError:
            return None
    return None


def _listing(folder: Path, found: Record, roster: Roster) -> tuple[str, list[Any]]:
    """Return the verified record that lists ``found``'s items, and that list."""
    listing = found.content
    if found.holder != found.path.relative_to(folder).as_posix():
        listing = read_complete(folder, folder / found.holder, roster).content
    published = listing.get("published")
    if not isinstance(published, list) or published_digest(published) != found.data.get(
        "published_sha256"
    ):
        raise ArchiveError(
            f"daftar item rilis {found.data['release']} tidak cocok dengan published_sha256"
        )
    return found.holder, published


def published_items(folder: Path, release: str, target: str, roster: Roster) -> list[str]:
    """Return the items ``release`` put live at ``target``, from its verified records.

    Without a complete record, the pending one answers if it exists: the publish was
    killed after its switch (the release log says the release went live).
    """
    complete = folder / release[:4] / record_name(release, target)
    pending = complete.with_name(record_name(release, target, pending=True))
    if complete.exists() or not pending.exists():
        found = read_complete(folder, complete, roster)
    else:
        content = verify_record(pending, roster)
        found = Record(pending, content, content, _holder(folder, pending, content))
    published = _listing(folder, found, roster)[1]
    return sorted({str(entry["item"]) for entry in published if isinstance(entry, dict)})
