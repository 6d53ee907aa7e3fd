"""Audit of the public provenance record: it may speak of approved items only.

The theme writes ``persetujuan/catatan.json`` from the gate's decisions; this check
reads it back independently, against the manifest: every listed item must be an
included item with the same digest and address, its sign-offs exactly the counted
ones, and each signed payload must name that item, role, signer, time and digest. No
excluded item's path or digest may appear anywhere in the file.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

RECORD = "persetujuan/catatan.json"
_PAYLOAD_FIELDS = ("item", "role", "signer", "decision", "signed_at", "digest")


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


def audit_provenance(output: Path, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for anything in the record that is not an approved item."""
    path = output / RECORD
    if not path.is_file():
        return []
    data = path.read_bytes()
    findings = []
    for entry in manifest.get("excluded", []):
        for token in (entry.get("item"), entry.get("digest")):
            if token and json.dumps(token, ensure_ascii=False).encode() in data:
                findings.append((RECORD, f"menyebut {token!r} yang tidak disetujui"))
    try:
        record = json.loads(data)
        items = record["items"]
        assert isinstance(items, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        return [*findings, (RECORD, "catatan persetujuan tidak dapat dibaca")]
    included = {e["item"]: e for e in manifest["included"]}
    for listed in items:
        item = listed.get("item") if isinstance(listed, dict) else None
        entry = included.get(str(item))
        if entry is None:
            findings.append((RECORD, f"mencantumkan {item!r} yang bukan item disetujui"))
            continue
        if listed.get("digest") != entry["digest"] or listed.get("url") != entry["url"]:
            findings.append((RECORD, f"sidik isi atau alamat {item!r} tidak sama dengan manifest"))
        signoffs = listed.get("signoffs")
        findings += [
            (RECORD, problem)
            for problem in _check_signoffs(
                entry["item"],
                signoffs if isinstance(signoffs, list) else [],
                entry["signoffs"],
                entry["digest"],
            )
        ]
    return findings
