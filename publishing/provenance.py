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
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Protocol

import yaml
from approval_gate.api import (
    ROSTER_NAMESPACE,
    SignatureInvalid,
    fingerprint,
    signing_key,
)

FOLDER = "persetujuan/catatan"
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


def _check_signoffs(
    item: str, listed: list[Any], counted: list[dict[str, Any]], digest: str
) -> list[str]:
    problems = []
    shown = [
        (s.get("role"), s.get("signer"), s.get("signed_at")) for s in listed if isinstance(s, dict)
    ]
    if shown != [(s["role"], s["signer"], s["signed_at"]) for s in counted]:
        problems.append(f"persetujuan {item!r} tidak sama dengan yang dihitung gerbang")
    for signoff in listed:
        fields = _payload_fields(
            signoff.get("payload_base64") if isinstance(signoff, dict) else None
        )
        expected = (
            {
                "item": item,
                "decision": "setuju",
                "digest": digest,
                **{k: signoff.get(k) for k in ("role", "signer", "signed_at")},
            }
            if isinstance(signoff, dict)
            else {}
        )
        if fields is None or any(fields.get(k) != expected.get(k) for k in _PAYLOAD_FIELDS):
            problems.append(
                f"teks bertanda tangan untuk {item!r} tidak cocok dengan persetujuannya"
            )
    return problems


def _leaks(data: bytes, excluded: list[dict[str, Any]]) -> list[str]:
    """Return what ``data`` says of items that were not approved."""
    return [
        f"menyebut {token!r} yang tidak disetujui"
        for entry in excluded
        for token in (entry.get("item"), entry.get("digest"))
        if token and json.dumps(token, ensure_ascii=False).encode() in data
    ]


def _check_piece(rel: str, data: bytes, included: dict[str, dict[str, Any]]) -> list[str]:
    """Return what is wrong with one piece against the included items."""
    try:
        piece = json.loads(data)
        item = piece["item"]
        assert isinstance(item, str)
    except (ValueError, KeyError, TypeError, AssertionError):
        return ["catatan persetujuan tidak dapat dibaca"]
    entry = included.get(item)
    if entry is None:
        return [f"mencantumkan {item!r} yang bukan item disetujui"]
    problems = []
    if piece_path(item) != rel:
        problems.append(f"catatan {item!r} tidak berada di berkasnya sendiri")
    if piece.get("digest") != entry["digest"] or piece.get("url") != entry["url"]:
        problems.append(f"sidik isi atau alamat {item!r} tidak sama dengan manifest")
    signoffs = piece.get("signoffs")
    problems += _check_signoffs(
        item,
        signoffs if isinstance(signoffs, list) else [],
        entry["signoffs"],
        entry["digest"],
    )
    return problems


def _names_itself(rel: str, data: bytes) -> bool:
    """Return whether the piece at ``rel`` is the piece of the item it names."""
    try:
        return piece_path(json.loads(data)["item"]) == rel
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


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


def audit_provenance(
    output: Path, manifest: dict[str, Any], sealed: SealedFolder | None = None
) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for anything in the record that is not an approved item.

    ``sealed`` (a sealed publish's input) also holds the published roster files to the
    sealed input's bytes.
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
    excluded = manifest.get("excluded", [])
    included = {e["item"]: e for e in manifest["included"]}
    seen = set()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(output).as_posix()
        if path.is_dir() and not path.is_symlink():
            continue
        if path.is_symlink() or not path.is_file() or not _PIECE_NAME.fullmatch(path.name):
            findings.append((rel, "berkas ini bukan catatan persetujuan satu isi"))
            continue
        if path.parent != folder:
            findings.append((rel, "berkas ini bukan catatan persetujuan satu isi"))
            continue
        data = path.read_bytes()
        if _names_itself(rel, data):
            seen.add(rel)
        findings += [(rel, problem) for problem in _leaks(data, excluded)]
        findings += [(rel, problem) for problem in _check_piece(rel, data, included)]
    findings += [
        (piece_path(item), f"catatan persetujuan {item!r} tidak ada")
        for item in sorted(included)
        if piece_path(item) not in seen
    ]
    return findings
