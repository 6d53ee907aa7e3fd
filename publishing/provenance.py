"""Audit of the public provenance record: it may speak of approved items only.

The theme writes one piece per published item, ``persetujuan/catatan/<id>.json`` (``<id>``:
the first 20 hex digits of the SHA-256 of the item's path), from the gate's decisions;
this check reads every file of that folder back independently, against the manifest:
each must be the piece of an included item under that item's own name, with the same
digest and address, its sign-offs exactly the counted ones, and each signed payload must
name that item, role, signer, time and digest. No excluded item's path or digest may
appear anywhere in a piece; nothing else may be in the folder; the site-wide record of
earlier versions (``persetujuan/catatan.json``) is no longer written and may not be
published; and every included item has its piece (its page links to it).

What a piece's bytes say is decoded once and kept by their SHA-256
(publishing/provenance_facts.py); the check against the manifest runs on every audit.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from approval_gate.api import (
    ROSTER_NAMESPACE,
    SignatureInvalid,
    fingerprint,
    signing_key,
)

from .audit_facts import Facts
from .provenance_facts import FOLDER, PieceTable, piece_path

if TYPE_CHECKING:
    from approval_gate.api import MachineCache

OLD_RECORD = "persetujuan/catatan.json"
_PIECE_NAME = re.compile(r"[0-9a-f]{20}\.json")
_PAYLOAD_FIELDS = ("item", "role", "signer", "decision", "signed_at", "digest")
ROSTER = "persetujuan/roster.yml"
ROSTER_SIG = "persetujuan/roster.yml.sig"
ANCHOR_KEY = "persetujuan/jangkar.pub"
#: The only places a roster-named or ``.yml`` file may be published (audit.py's exception).
PUBLIC_ROSTER = frozenset({ROSTER, ROSTER_SIG})
_NOT_VERIFIED = "bukan roster yang diverifikasi gerbang untuk build ini"


class SealedFolder(Protocol):
    """What the roster check needs of the sealed input: the export's folder."""

    @property
    def folder(self) -> Path:
        """The sealed export (its ``approvals/`` holds the roster the gate verified)."""


def _check_signoffs(
    item: str, listed: list[list[Any]], counted: list[dict[str, Any]], digest: str
) -> list[str]:
    """Judge the sign-offs a piece shows (``_signoff_facts``) against the counted ones."""
    problems = []
    shown = [tuple(own) for own, _ in listed if own is not None]
    if shown != [(s["role"], s["signer"], s["signed_at"]) for s in counted]:
        problems.append(f"persetujuan {item!r} tidak sama dengan yang dihitung gerbang")
    for own, fields in listed:
        expected = (
            {
                "item": item,
                "decision": "setuju",
                "digest": digest,
                **dict(zip(("role", "signer", "signed_at"), own, strict=True)),
            }
            if own is not None
            else {}
        )
        if not isinstance(fields, dict) or any(
            fields.get(k) != expected.get(k) for k in _PAYLOAD_FIELDS
        ):
            problems.append(
                f"teks bertanda tangan untuk {item!r} tidak cocok dengan persetujuannya"
            )
    return problems


def _leaks(data: bytes, tokens: list[tuple[str, bytes]]) -> list[str]:
    """Return what ``data`` says of items that were not approved (``_excluded_tokens``)."""
    return [f"menyebut {token!r} yang tidak disetujui" for token, text in tokens if text in data]


def _excluded_tokens(excluded: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    """Return each excluded item's path and digest with the JSON text a piece would hold."""
    return [
        (token, json.dumps(token, ensure_ascii=False).encode())
        for entry in excluded
        for token in (entry.get("item"), entry.get("digest"))
        if token
    ]


def _check_piece(rel: str, facts: Facts, included: dict[str, dict[str, Any]]) -> list[str]:
    """Return what is wrong with one piece (its ``piece_facts``) against the included items."""
    item = facts["i"]
    if item is None:
        return ["catatan persetujuan tidak dapat dibaca"]
    entry = included.get(item)
    if entry is None:
        return [f"mencantumkan {item!r} yang bukan item disetujui"]
    problems = []
    if facts["at"] != rel:
        problems.append(f"catatan {item!r} tidak berada di berkasnya sendiri")
    if facts["d"] != entry["digest"] or facts["u"] != entry["url"]:
        problems.append(f"sidik isi atau alamat {item!r} tidak sama dengan manifest")
    problems += _check_signoffs(item, facts["s"], entry["signoffs"], entry["digest"])
    return problems


def _read(path: Path) -> bytes | None:
    """Return a regular file's bytes, or None (missing, a symlink, a folder)."""
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_bytes()


def _anchor_key(roster: bytes, signature: bytes, manifest: dict[str, Any]) -> str | None:
    """Return the anchor's key when ``signature`` is the manifest's anchor's over ``roster``."""
    expected = manifest.get("roster") or {}
    try:
        key = signing_key(roster, signature.decode("utf-8"), ROSTER_NAMESPACE)
        data = yaml.safe_load(roster)
    except (SignatureInvalid, UnicodeDecodeError, yaml.YAMLError):
        return None
    if fingerprint(key) != expected.get("anchor"):
        return None
    if not isinstance(data, dict) or data.get("version") != expected.get("version"):
        return None
    return key


def audit_roster(
    output: Path, manifest: dict[str, Any], sealed: SealedFolder | None = None
) -> list[tuple[str, str]]:
    """Return what is wrong with the published roster, its signature and the anchor key."""
    roster, signature = _read(output / ROSTER), _read(output / ROSTER_SIG)
    anchor = _read(output / ANCHOR_KEY)
    missing = [
        (rel, "berkas ini tidak ada; pemeriksaan keaslian di peramban memerlukannya")
        for rel, data in ((ROSTER, roster), (ROSTER_SIG, signature), (ANCHOR_KEY, anchor))
        if data is None
    ]
    if roster is None or signature is None:
        return missing
    key = _anchor_key(roster, signature, manifest)
    findings = [] if key else [(ROSTER, _NOT_VERIFIED), (ROSTER_SIG, _NOT_VERIFIED)]
    if sealed is not None:
        for rel, data in ((ROSTER, roster), (ROSTER_SIG, signature)):
            source = Path(sealed.folder) / "approvals" / rel.rsplit("/", 1)[1]
            if (rel, _NOT_VERIFIED) not in findings and _read(source) != data:
                shown = f"approvals/{source.name}"
                findings.append((rel, f"isi berkas ini tidak sama dengan {shown} yang disegel"))
    if anchor is not None and (key is None or anchor != f"{key}\n".encode("ascii")):
        findings.append((ANCHOR_KEY, "bukan kunci jangkar yang menandatangani roster build ini"))
    return missing + findings


def _walk(folder: Path) -> list[tuple[str, str | None]]:
    """Return every entry under ``folder`` but folders, in path order; None: not a piece.

    A piece is a regular file named like one directly in ``folder``; anything else
    (a symlink, a file in a subfolder, another name) is refused.
    """
    found: list[tuple[str, str | None]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            rel = f"{FOLDER}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                found += [
                    (f"{FOLDER}/{inner.relative_to(folder).as_posix()}", None)
                    for inner in Path(entry.path).rglob("*")
                    if inner.is_symlink() or not inner.is_dir()
                ]
            elif entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                found.append((rel, None))
            else:
                found.append((rel, entry.path if _PIECE_NAME.fullmatch(entry.name) else None))
    return sorted(found, key=lambda pair: pair[0].split("/"))


def audit_provenance(
    output: Path,
    manifest: dict[str, Any],
    sealed: SealedFolder | None = None,
    cache: MachineCache | None = None,
) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for anything in the record that is not an approved item.

    ``sealed`` (a sealed publish's input) also holds the published roster files to the
    sealed input's bytes. ``cache`` keeps what each piece's bytes say by their SHA-256
    (``piece_facts``); whether that is allowed is judged against ``manifest`` every time.
    """
    findings: list[tuple[str, str]] = []
    folder = output / FOLDER
    published = [output / rel for rel in (ROSTER, ROSTER_SIG, ANCHOR_KEY)]
    if folder.is_dir() or any(path.exists() or path.is_symlink() for path in published):
        findings += audit_roster(output, manifest, sealed)
    if (output / OLD_RECORD).exists() or (output / OLD_RECORD).is_symlink():
        findings.append(
            (
                OLD_RECORD,
                "catatan seluruh situs bentuk lama tidak lagi ditulis dan tidak boleh terbit",
            )
        )
    if not folder.is_dir():
        return findings
    tokens = _excluded_tokens(manifest.get("excluded", []))
    included = {e["item"]: e for e in manifest["included"]}
    seen = set()
    table = PieceTable(cache)
    for rel, path in _walk(folder):
        if path is None:
            findings.append((rel, "berkas ini bukan catatan persetujuan satu isi"))
            continue
        with open(path, "rb") as file:
            data = file.read()
        facts = table.of(data)
        if facts["i"] is not None and facts["at"] == rel:
            seen.add(rel)
        findings += [(rel, problem) for problem in _leaks(data, tokens)]
        findings += [(rel, problem) for problem in _check_piece(rel, facts, included)]
    table.save()
    findings += [
        (piece_path(item), f"catatan persetujuan {item!r} tidak ada")
        for item in sorted(included)
        if piece_path(item) not in seen
    ]
    return findings
