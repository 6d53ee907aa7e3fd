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
from typing import Any

FOLDER = "persetujuan/catatan"
OLD_RECORD = "persetujuan/catatan.json"
_PIECE_NAME = re.compile(r"[0-9a-f]{20}\.json")
_PAYLOAD_FIELDS = ("item", "role", "signer", "decision", "signed_at", "digest")


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


def audit_provenance(output: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for anything in the record that is not an approved item."""
    findings: list[tuple[str, str]] = []
    if (output / OLD_RECORD).exists() or (output / OLD_RECORD).is_symlink():
        findings.append(
            (
                OLD_RECORD,
                "catatan seluruh situs bentuk lama tidak lagi ditulis dan tidak boleh terbit",
            )
        )
    folder = output / FOLDER
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
