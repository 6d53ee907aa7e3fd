"""Reading a record: only after its signatures, name and references have been checked.

``verify_record`` accepts a record only if its signature holds, the signing key is a
publisher key of the trusted roster (not revoked: OpenSSH's allowed-signers file made by
``api.publisher_allowed_signers`` leaves revoked keys out too), and the file's name and
folder agree with the release and target inside. Everything else in the project reads
records through ``read_signed`` here and ``walk.py`` (which adds up a chain of records of
changes): a planted, unsigned, forged or renamed record is never cited and never reported
as a publication.
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
from .store import PENDING_SUFFIX, ArchiveError, record_name

#: libyaml's safe loader (tens of times faster on a record listing thousands of items).
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:
    from approval_gate.api import Roster

RECORD_LIMIT = 64 * 1024 * 1024  # 5,000 items make about 5 MB
SIGNATURE_LIMIT = 64 * 1024
_PENDING_PATH = re.compile(r"\d{4}/[^/]+" + re.escape(PENDING_SUFFIX))
RECORD_PATH = re.compile(r"\d{4}/[^/]+\.yml")


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
    payload, data, _ = _verified(path, roster)
    return payload, data


def _verified(path: Path, roster: Roster) -> tuple[bytes, dict[str, Any], str]:
    """Return ``verified_bytes`` and the fingerprint of the key that signed the record."""
    payload, publisher, signer = _signed_by(path, roster)
    try:  # signed by a publishing machine of the roster: the C loader may read it
        data = yaml.load(payload.decode("utf-8"), Loader=_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise ArchiveError(f"isi tidak dapat dibaca ({error})") from None
    _check_identity(path, data, publisher)
    return payload, data, signer


def _signed_by(path: Path, roster: Roster) -> tuple[bytes, str, str]:
    """Return a record's bytes, publisher and key fingerprint if its signature holds."""
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
    return payload, publisher.id, fingerprint(signer)


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
    content: dict[str, Any]  # the record with published/changes/withheld: the pending one
    holder: str  # folder-relative path of the record that lists the items (or the changes)
    sha256: str = ""  # "sha256:<hex>" of the record's bytes (they pin its pending record)
    signers: frozenset[str] = frozenset()  # fingerprints of the keys that signed the two


def read_signed(folder: Path, path: Path, roster: Roster) -> Record:
    """Return the verified complete record at ``path`` and its pending record; else raise.

    The items are as the pending record states them: a full list, the record it is the
    same as, or the changes since the previous record (``walk.read_complete`` adds up the
    chain). A record without ``pending`` that carries its own list is accepted too (the
    records of earlier versions, once the web admin has checked and signed them).
    """
    if path.name.endswith(PENDING_SUFFIX):
        raise ArchiveError("catatan tertunda, bukan catatan selesai")
    payload, data, signer = _verified(path, roster)
    content, signers = data, {signer}
    if "pending" in data:
        rel = data["pending"]
        if not isinstance(rel, str) or not _PENDING_PATH.fullmatch(rel):
            raise ArchiveError(f"rujukan catatan tertunda tidak sah: {rel!r}")
        pending, content, other = _verified(folder / rel, roster)
        if data.get("pending_sha256") != _sha256(pending):
            raise ArchiveError(f"catatan tertunda {rel} tidak cocok dengan pending_sha256")
        if (content["release"], content["target"]["name"]) != (
            data["release"],
            data["target"]["name"],
        ):
            raise ArchiveError(f"catatan tertunda {rel} milik rilis atau target lain")
        signers.add(other)
    holder = _holder(folder, path, content)
    return Record(path, data, content, holder, _sha256(payload), frozenset(signers))


def signed_head(path: Path, roster: Roster) -> tuple[str, dict[str, Any]]:
    """Return the SHA-256 and data of a verified complete record, its pending one unread."""
    if path.name.endswith(PENDING_SUFFIX):
        raise ArchiveError("catatan tertunda, bukan catatan selesai")
    payload, data, _ = _verified(path, roster)
    return _sha256(payload), data


def check_links(folder: Path, path: Path, roster: Roster, walk: int) -> None:
    """Check the signatures and SHA-256 links behind a complete record; else ArchiveError.

    Only the small complete records are parsed: each names its pending record by SHA-256
    and, for a record of changes, the previous complete record (``previous``, copied
    from its pending record). So a state known from the machine's cache is used only
    while every record it stands for is still there, unchanged and signed.
    """
    for _ in range(walk + 1):
        payload, data, _ = _verified(path, roster)
        rel = data.get("pending")
        if isinstance(rel, str) and _PENDING_PATH.fullmatch(rel):
            pending, _, _ = _signed_by(folder / rel, roster)
            if data.get("pending_sha256") != _sha256(pending):
                raise ArchiveError(f"catatan tertunda {rel} tidak cocok dengan pending_sha256")
        previous = data.get("previous")
        if previous is None or data.get("chain_depth") == 0:
            return  # a full record: its list does not depend on the one it names
        if not isinstance(previous, str) or not RECORD_PATH.fullmatch(previous):
            raise ArchiveError(f"rujukan catatan sebelumnya tidak sah: {previous!r}")
        following = folder / previous
        if Path(previous).name >= path.name or not following.is_file():
            raise ArchiveError(f"catatan sebelumnya {previous} tidak ada atau tidak sah")
        if _sha256(following.read_bytes()) != data.get("previous_sha256"):
            raise ArchiveError(f"catatan sebelumnya {previous} tidak cocok dengan previous_sha256")
        path = following
    raise ArchiveError(f"rantai catatan lebih panjang dari {walk} catatan")


def read_pending(folder: Path, path: Path, roster: Roster) -> Record:
    """Return a verified pending record as the record of its release (no complete one)."""
    payload, content, signer = _verified(path, roster)
    holder = _holder(folder, path, content)
    return Record(path, content, content, holder, _sha256(payload), frozenset({signer}))


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _holder(folder: Path, path: Path, content: dict[str, Any]) -> str:
    """Return the folder-relative record that lists the items ``content`` published."""
    if isinstance(content.get("published"), list) or isinstance(content.get("changes"), dict):
        return path.relative_to(folder).as_posix()
    same = content.get("published_same_as")
    if isinstance(same, str) and RECORD_PATH.fullmatch(same):
        return same
    raise ArchiveError("tidak memuat daftar item yang diterbitkan")


def complete_records(folder: Path, target: str) -> list[Path]:
    """Return the complete record files of ``target`` (unverified), oldest name first."""
    pattern = f"*/*-{glob.escape(target)}.yml"
    return sorted(folder.glob(pattern), key=lambda p: p.name)
