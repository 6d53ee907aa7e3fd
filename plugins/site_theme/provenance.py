"""Provenance: what each page says about its approval, and the public record behind it.

Everything here starts from the gate's own list of admitted items (``gate.approved``),
never from the content folder, so an item the gate left out has no entry to show.

The public record (``persetujuan/catatan.json``) lists every published item with its
content digest, the files that digest covers, and each sign-off: role, signer, time,
the signed payload and the SSH signature. The payload is carried base64-encoded: the
signature is over exact bytes, and base64 keeps them exact through any JSON tool; it
also keeps raw sign-off text out of the output, where the audit treats it as a leak.
Anyone can check a sign-off with ``ssh-keygen -Y verify`` and the published
``allowed_signers`` (docs/theme.md, and the site's page ``/persetujuan/``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from approval_gate.api import (
    DIGEST_HEADER,
    SIGNOFF_NAMESPACE,
    ContentFiles,
    Finding,
    GateError,
    Roster,
    parse_signoff,
    principal,
)

RECORD_FORMAT = "kpu-rembang-catatan-terbit-1"
RECORD_PATH = "persetujuan/catatan.json"
SIGNERS_PATH = "persetujuan/allowed_signers"


@dataclass(frozen=True)
class SignOffView:
    """One sign-off as a page shows it."""

    role: str
    name: str
    signed_at: datetime


def signoffs_for_page(entry: Mapping[str, Any], roster: Roster) -> list[SignOffView]:
    """Return an included item's sign-offs in SOP order, with role and person names."""
    views = []
    for signoff in entry["signoffs"]:
        role = roster.role(signoff["role"])
        person = roster.people.get(signoff["signer"])
        views.append(
            SignOffView(
                role.name if role else signoff["role"],
                person.name if person else signoff["signer"],
                datetime.fromisoformat(signoff["signed_at"]),
            )
        )
    return views


def _signed(
    approvals: Path, entry: Mapping[str, Any], signoff: Mapping[str, Any]
) -> tuple[str, str]:
    """Return ``(payload, signature)`` of a counted sign-off, re-read from its file."""
    path = approvals.parent / signoff["file"]
    rel = path.relative_to(approvals).as_posix()
    try:
        parsed = parse_signoff(signoff["file"], rel, path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GateError(
            f"Berkas persetujuan tidak dapat dibaca untuk catatan publik: {error}.",
            path=signoff["file"],
            hint="Jangan ubah folder approvals/ selama build; jalankan lagi.",
        ) from None
    if (
        isinstance(parsed, Finding)
        or parsed.item != entry["item"]
        or parsed.digest != entry["digest"]
        or parsed.role != signoff["role"]
        or parsed.signer != signoff["signer"]
        or parsed.signed_at.isoformat() != signoff["signed_at"]
    ):
        raise GateError(
            "Berkas persetujuan berubah selama build; catatan publik tidak dapat dibuat.",
            path=signoff["file"],
            hint="Jangan ubah folder approvals/ selama build; jalankan lagi.",
        )
    return parsed.payload, parsed.signature


def _files(
    content: Path, entry: Mapping[str, Any], urls: Mapping[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    """Return the item source's SHA-256 and the covered files, checked against the digest."""
    reader = ContentFiles(content)
    source_sha, refs = reader.source(entry["item"])
    lines = [DIGEST_HEADER, f"{source_sha}  {entry['item']}\n"]
    files = []
    for ref in refs:
        sha = reader.sha256(ref)
        lines.append(f"{sha or 'MISSING'}  {ref}\n")
        files.append({"path": ref, "sha256": sha, "url": urls.get(ref)})
    value = "sha256:" + hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    if value != entry["digest"]:
        raise GateError(
            "Isi item berubah selama build; catatan publik tidak dapat dibuat.",
            path=f"content/{entry['item']}",
            hint="Jalankan build lagi.",
        )
    return source_sha, files


def verify_time(moment: str) -> str:
    """Return a sign-off time as ``ssh-keygen -O verify-time=`` takes it (UTC)."""
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def public_record(
    items: Mapping[str, Mapping[str, Any]],
    roster: Roster,
    approvals: Path,
    content: Path,
    titles: Mapping[str, str],
    urls: Mapping[str, str],
    site: str,
    with_names: bool,
) -> dict[str, Any]:
    """Return the machine-readable record of every published item and its sign-offs.

    ``titles`` maps item paths to titles; ``urls`` maps content-relative file paths to
    their URLs on the site. Names of officials are included only when ``with_names``
    (the same choice as on the pages, ``SITE_PROVENANCE``).
    """
    records = []
    for item in sorted(items):
        entry = items[item]
        source_sha, files = _files(content, entry, urls)
        signoffs = []
        for signoff in entry["signoffs"]:
            payload, signature = _signed(approvals, entry, signoff)
            shown: dict[str, Any] = {"role": signoff["role"], "signer": signoff["signer"]}
            if with_names:
                person = roster.people.get(signoff["signer"])
                shown["name"] = person.name if person else signoff["signer"]
            shown.update(
                {
                    "signed_at": signoff["signed_at"],
                    "principal": principal(signoff["signer"], signoff["role"]),
                    "verify_time": verify_time(signoff["signed_at"]),
                    "payload_base64": base64.b64encode(payload.encode("utf-8")).decode("ascii"),
                    "signature": signature.strip() + "\n",
                }
            )
            signoffs.append(shown)
        records.append(
            {
                "item": item,
                "title": titles.get(item, ""),
                "url": entry["url"],
                "lang": entry["lang"],
                "digest": entry["digest"],
                "source_sha256": source_sha,
                "files": files,
                "signoffs": signoffs,
            }
        )
    return {
        "format": RECORD_FORMAT,
        "site": site,
        "roster": {"version": roster.version, "anchor": roster.anchor},
        "namespace": SIGNOFF_NAMESPACE,
        "allowed_signers": "allowed_signers",
        "roles": [{"id": r.id, "name": r.name, "step": r.step} for r in roster.roles],
        "items": records,
    }


def write_record(output: Path, record: dict[str, Any], signers: str) -> None:
    """Write the record and the allowed-signers file into the site's output."""
    folder = output / "persetujuan"
    folder.mkdir(parents=True, exist_ok=True)
    (output / RECORD_PATH).write_text(
        json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    (output / SIGNERS_PATH).write_text(signers, encoding="utf-8")
