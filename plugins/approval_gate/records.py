"""Sign-off files: one YAML file per decision, written once, never edited.

Layout: ``approvals/<item path without suffix>/<YYYYMMDDTHHMMSS>-<role>-<decision>.yml``,
so a person opening ``approvals/berita/2026-11-10-rapat-pleno-dpt/`` sees the item's whole
history in the order it happened. The signed payload is stored verbatim (``payload``)
beside the readable fields, so an auditor can cut it out and run ``ssh-keygen -Y verify``;
the gate accepts a file only when the fields and the payload agree exactly.
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from dataclasses import dataclass
from datetime import datetime

from .errors import Finding
from .yamlfile import YamlDoc, YamlProblem, as_moment, parse

PAYLOAD_HEADER = "kpu-rembang-persetujuan-v1"
FIELDS = ("item", "role", "signer", "decision", "note", "signed_at", "digest")
KEYS = (*FIELDS, "payload", "signature")
DECISIONS = ("setuju", "tolak")
#: Largest sign-off file read (bytes); ``invoke approve`` writes about 1.5 KB. Larger files
#: are refused before they are read (ledger.py), and YAML is refused past it (yamlfile.py).
SIGNOFF_LIMIT = 64 * 1024
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_DECODE = json.JSONDecoder().decode
#: What YAML refuses to read (PyYAML's reader, as YAML 1.1 says): JSON writes DEL, C1
#: controls and U+FFFE as they are, so a file holding one is left to YAML, which refuses
#: it, and the fast path never accepts a file YAML would not.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HINT = (
    "Berkas persetujuan tidak boleh diubah; bila keliru, minta pejabat yang "
    "bersangkutan membuat keputusan baru dengan 'invoke approve' atau 'invoke reject'."
)


@dataclass(frozen=True)
class SignOff:
    """A well-formed sign-off file; ``key`` is who really signed it (None if nobody)."""

    path: str
    item: str
    role: str
    signer: str
    decision: str
    note: str
    signed_at: datetime
    digest: str
    payload: str
    signature: str
    key: str | None = None
    signature_error: str | None = None
    #: The web origin of a passkey signature (None for any other key): the roster's
    #: ``desk_origins`` decide on every run whether it counts (rules.py).
    origin: str | None = None


def signoff_fields(
    item: str, role: str, signer: str, decision: str, note: str, signed_at: datetime, digest: str
) -> dict[str, str]:
    """Return the fields of a new decision as they are signed (time to the second)."""
    return {
        "item": item,
        "role": role,
        "signer": signer,
        "decision": decision,
        "note": note,
        "signed_at": signed_at.isoformat(timespec="seconds"),
        "digest": digest,
    }


def canonical_payload(fields: dict[str, str]) -> str:
    """Return the exact text that is signed for a decision (see docs/approval-records.md)."""
    lines = [PAYLOAD_HEADER]
    lines += [f"{name}: {_ENCODE(fields[name])}" for name in FIELDS]
    return "\n".join(lines) + "\n"


def item_folder(item: str) -> str:
    """Return the folder (under approvals/) that holds the sign-offs of ``item``."""
    return posixpath.splitext(item)[0]


#: Folder under approvals/ holding the publication archive (publishing/archive.py), not
#: sign-offs. An item whose path starts with it can never collect sign-offs: fail closed.
ARCHIVE_FOLDER = "_arsip"


def signoff_path(item: str, role: str, decision: str, signed_at: datetime) -> str:
    """Return the path, relative to approvals/, of a new sign-off file."""
    stamp = signed_at.strftime("%Y%m%dT%H%M%S")
    return f"{item_folder(item)}/{stamp}-{role}-{decision}.yml"


def render_signoff(fields: dict[str, str], signature: str, payload: str | None = None) -> str:
    """Return the YAML text of a sign-off file, readable fields first.

    ``payload`` is the canonical payload of ``fields`` when the caller already has it.
    """
    head = [
        "# Keputusan persetujuan (SOP 11/2023). Ditulis sekali, JANGAN diubah.",
        "# Periksa dengan: ssh-keygen -Y verify (lihat docs/approval-records.md).",
    ]
    signed = payload if payload is not None else canonical_payload(fields)
    body = signed.splitlines()[1:]
    payload = "".join(f"  {line}\n" for line in signed.splitlines())
    sig = "".join(f"  {line}\n" for line in signature.strip().splitlines())
    return "\n".join(head + body) + f"\npayload: |\n{payload}signature: |\n{sig}"


def _audit_layout(text: str, payload: str, signature: str) -> bool:
    """Return whether the documented audit cuts exactly ``payload`` and ``signature`` out.

    YAML reads a block scalar more loosely than the ``sed`` commands of the audit (other
    indentation, CR line ends, a repeated key: the last one counts for YAML, the first for
    sed). A sign-off counts only when both read the same bytes, so the gate never counts a
    sign-off that ``ssh-keygen -Y verify`` on the cut-out text would refuse.
    """
    if not payload.endswith("\n") or not signature.endswith("\n"):
        return False
    blocks = [
        "".join(f"  {line}\n" for line in block[:-1].split("\n")) for block in (payload, signature)
    ]
    lines = text.split("\n")
    return (
        text.endswith(f"\npayload: |\n{blocks[0]}signature: |\n{blocks[1]}")
        and lines.count("payload: |") == 1
        and lines.count("signature: |") == 1
    )


def _finding(
    path: str, doc: YamlDoc | None, message: str, key: str | None = None, item: str | None = None
) -> Finding:
    line = doc.line(key) if doc is not None and key else None
    return Finding(path, message, _HINT, line, item)


def _fast_fields(text: str) -> tuple[dict[str, str], str, str] | None:
    """Read a file laid out exactly as ``render_signoff`` writes it, else return None.

    PyYAML's constructor costs ~70 us a file; tens of thousands of sign-offs made that the
    largest cost of a build. A file that ``render_signoff`` reproduces byte for byte means
    exactly what YAML would read from it, so it is safe to take this path; anything else
    (hand-edited, broken, reordered) goes through YAML with its line numbers.
    """
    plain = text.replace("\n", " ")  # printable ASCII and newlines: nothing YAML refuses
    if not (plain.isascii() and plain.isprintable()) and _NOT_YAML.search(text):
        return None
    lines = text.split("\n")
    fields: dict[str, str] = {}
    try:
        for line in lines[2 : 2 + len(FIELDS)]:
            name, _, raw = line.partition(": ")
            if not raw.startswith('"'):  # a JSON string, never a nested value to recurse into
                return None
            # A value is taken only if the render below writes its line back byte for
            # byte, and JSON writes different strings differently: so any value that
            # passes is the one JSON reads. Without a backslash that is the text between
            # the quotes (no decoder: 8 of 19 us a file, 20,000 times on a cold run).
            if "\\" in raw or not raw.endswith('"') or len(raw) < 2:
                value = _DECODE(raw)
                if not isinstance(value, str):
                    return None
            else:
                value = raw[1:-1]
            if name not in FIELDS:
                return None
            fields[name] = value
        start = text.index("\nsignature: |\n") + len("\nsignature: |\n")
    except ValueError:
        return None
    signature = "".join(line[2:] + "\n" for line in text[start:].splitlines())
    if len(fields) != len(FIELDS):
        return None
    payload = canonical_payload(fields)
    if render_signoff(fields, signature, payload) != text:
        return None
    return fields, signature, payload


def _check(path: str, rel: str, fields: dict[str, str], doc: YamlDoc | None) -> datetime | Finding:
    """Check the field values; return the signing time, or the first problem."""
    item = fields["item"]
    if fields["decision"] not in DECISIONS:
        return _finding(
            path,
            doc,
            f"Keputusan {fields['decision']!r} tidak dikenal; pilih 'setuju' atau 'tolak'.",
            "decision",
            item,
        )
    if fields["decision"] == "tolak" and not fields["note"].strip():
        return _finding(path, doc, "Penolakan wajib disertai catatan alasan.", "note", item)
    if not _DIGEST.match(fields["digest"]):
        return _finding(path, doc, f"Digest {fields['digest']!r} tidak sah.", "digest", item)
    signed_at = as_moment(fields["signed_at"])
    if signed_at is None:
        return _finding(
            path,
            doc,
            f"Waktu tanda tangan {fields['signed_at']!r} harus ISO 8601 dengan zona waktu.",
            "signed_at",
            item,
        )
    if posixpath.dirname(rel) != item_folder(item):
        return _finding(
            path,
            doc,
            f"Berkas ini untuk item {item!r} tetapi berada di folder "
            f"{posixpath.dirname(rel)!r}; seharusnya di approvals/"
            f"{item_folder(item)}/.",
            "item",
            item,
        )
    return signed_at


def parse_signoff(path: str, rel: str, text: str) -> SignOff | Finding:
    """Check the shape of one sign-off file; return it, or the first problem found.

    ``path`` is what messages show; ``rel`` is the file's path under approvals/.
    """
    fast = _fast_fields(text)
    if fast is not None:
        fields, signature, payload = fast
        checked = _check(path, rel, fields, None)
        if isinstance(checked, datetime):
            return SignOff(
                path,
                fields["item"],
                fields["role"],
                fields["signer"],
                fields["decision"],
                fields["note"],
                checked,
                fields["digest"],
                payload,
                signature,
            )
    return _parse_yaml(path, rel, text)


def _parse_yaml(path: str, rel: str, text: str) -> SignOff | Finding:
    try:
        doc = parse(text, SIGNOFF_LIMIT)
    except YamlProblem as error:
        return Finding(
            path, str(error), "Perbaiki susunan YAML-nya atau buat keputusan baru.", error.line
        )
    data = doc.data
    if not isinstance(data, dict):
        return _finding(path, None, "Berkas persetujuan harus berupa pemetaan YAML.")
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            extra = f" Mungkin maksudnya {close[0]!r}?" if close else ""
            return _finding(path, doc, f"Kolom tidak dikenal: {key!r}.{extra}", str(key))
    for key in KEYS:
        if key not in data:
            return _finding(path, doc, f"Kolom {key!r} tidak ada.")
    fields: dict[str, str] = {}
    for key in FIELDS:
        value = data[key]
        if isinstance(value, datetime):
            value = value.isoformat()
        if not isinstance(value, str):
            return _finding(path, doc, f"Kolom {key!r} harus teks, diterima {value!r}.", key)
        fields[key] = value
    item = fields["item"]
    checked = _check(path, rel, fields, doc)
    if isinstance(checked, Finding):
        return checked
    payload, signature = data["payload"], data["signature"]
    if not isinstance(payload, str) or payload != canonical_payload(fields):
        return _finding(
            path,
            doc,
            "Isi berkas tidak sama dengan teks yang ditandatangani "
            "(payload); berkas ini telah diubah.",
            "payload",
            item,
        )
    if not isinstance(signature, str):
        return _finding(
            path, doc, "Kolom 'signature' harus berisi tanda tangan SSH.", "signature", item
        )
    if not _audit_layout(text, payload, signature):
        return _finding(
            path,
            doc,
            "Blok 'payload' dan 'signature' tidak tersusun seperti tulisan 'invoke approve' "
            "(di akhir berkas, menjorok dua spasi, masing-masing sekali); pemeriksaan dengan "
            "ssh-keygen (docs/approval-records.md) akan membaca teks yang lain.",
            "payload",
            item,
        )
    return SignOff(
        path,
        item,
        fields["role"],
        fields["signer"],
        fields["decision"],
        fields["note"],
        checked,
        fields["digest"],
        payload,
        signature,
    )
