"""The writers' forms: the SOP's kinds with their own fields, and what a form sends.

The kinds and their fields come from the one list (``approval_gate.api.KINDS`` through
``editorial.drafting.kinds``); a field ``invoke new`` fills by itself when left empty
says so next to its label.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request

from approval_gate.api import now

from editorial.drafting.kinds import KINDS

from .compose import Upload
from .form_problems import FORM_KEYS, kind_field

#: Date fields of the kinds, shown as date pickers.
DATE_FIELDS = ("berlaku_sampai", "ditetapkan")
#: Fields ``invoke new`` fills by itself when the writer leaves them empty.
NOTES = {
    "berlaku": "boleh kosong: hari ini s.d. tanggal turun",
    "berlaku_sampai": "boleh kosong: 14 hari lagi, pukul 23.59 WIB",
    "keberlakuan": "boleh kosong: Berlaku",
    "nomor": "boleh kosong bila judul memuat 'Nomor … Tahun …'",
    "tahun": "boleh kosong bila judul memuat 'Nomor … Tahun …'",
}


def kinds() -> list[dict[str, Any]]:
    """Return the SOP's kinds for the forms: id, Indonesian name, own metadata fields."""
    return [
        {
            "id": kind.id,
            "name": kind.category or "Halaman",
            "fields": [
                {
                    "key": key,
                    "name": kind_field(key),
                    "label": label,
                    "required": key in kind.sop.required,
                    "note": NOTES.get(key, ""),
                    "type": "date" if key in DATE_FIELDS else "text",
                }
                for key, label in kind.sop.fields
            ],
            "attachments": [a.what for a in kind.attachments],
        }
        for kind in KINDS.values()
    ]


def metadata(form: dict[str, str], kind_id: str, author: str) -> dict[str, str]:
    """Return the metadata the form gives for ``kind_id`` (tags, summary, authors, fields)."""
    values = {key: form.get(field, "") for key, field in FORM_KEYS.items()}
    values["authors"] = values["authors"] or author
    kind = KINDS.get(kind_id)
    for key, _ in kind.sop.fields if kind else ():
        values[key] = form.get(kind_field(key), "")
    return values


def moment(text: str) -> datetime:
    """Return the item's date: the chosen day at the current time (WIB), or now."""
    moment = now()
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        return moment
    return moment.replace(year=day.year, month=day.month, day=day.day)


def uploads(name: str) -> list[Upload]:
    """Return the files sent in the form field ``name`` (empty file inputs left out)."""
    return [Upload(f.filename or "", f.read()) for f in request.files.getlist(name) if f.filename]
