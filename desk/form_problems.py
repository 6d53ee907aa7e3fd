"""Problems of a naskah as the writer's form shows them: by field, in Indonesian.

The gate's naskah checks name a file and a line; the writer sees a form. A finding on a
metadata line belongs to the field that filled that key (``Tags`` to ``tag``, a kind's
own key to its ``meta_<key>`` field), a finding in the body to the body (with the line
counted from the body's first line), a missing attachment to ``lampiran``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from approval_gate.api import Finding, kind_fields

if TYPE_CHECKING:
    from .compose import Composed

#: The metadata keys the form itself fills, by the form field that holds them.
FORM_KEYS = {"tags": "tag", "summary": "ringkasan", "authors": "penulis"}
#: Field names shown to the writer next to a problem.
LABELS = {
    "jenis": "Jenis naskah",
    "judul": "Judul",
    "tanggal": "Tanggal",
    "tag": "Tag",
    "ringkasan": "Ringkasan",
    "penulis": "Penulis",
    "isi": "Isi naskah",
    "lampiran": "Lampiran",
    "docx": "Dokumen Word",
}
_KIND_FIELD = "meta_"


@dataclass(frozen=True)
class Problem:
    """One thing to fix before the naskah can be sent: the form field, message, hint."""

    field: str
    message: str
    hint: str = ""
    line: int | None = None  # the line in the field's text (isi), if any

    @property
    def anchor(self) -> str:
        """Return the id of the field's control (the body's is not ``isi``: that is <main>)."""
        return "naskah-isi" if self.field == "isi" else self.field

    @property
    def label(self) -> str:
        """Return the field's name as the form shows it."""
        key = self.field.removeprefix(_KIND_FIELD)
        return LABELS.get(self.field) or dict(kind_fields()).get(key) or key.replace("_", " ")


def kind_field(key: str) -> str:
    """Return the form field holding the kind's metadata ``key`` (``meta_nomor``)."""
    return f"{_KIND_FIELD}{key}"


def by_field(
    found: tuple[Finding, ...], composed: Composed, body_field: str = "isi"
) -> list[Problem]:
    """Return the gate's findings on the composed text as problems of the form's fields."""
    problems = []
    for finding in found:
        line = finding.line
        if line is not None and line >= composed.body_line:
            problems.append(
                Problem(body_field, finding.message, finding.hint, line - composed.body_line + 1)
            )
            continue
        key = composed.keys_by_line.get(line) if line is not None else _named_key(finding)
        problems.append(Problem(_field_of(key, body_field, finding), finding.message, finding.hint))
    return problems


def _named_key(finding: Finding) -> str | None:
    match = re.match(r"Metadata '([^']+)'", finding.message)
    return match[1].lower() if match else None


def _field_of(key: str | None, body_field: str, finding: Finding) -> str:
    if key == "title":
        return "judul"
    if key == "date":
        return "tanggal"
    if key in FORM_KEYS:
        return FORM_KEYS[key]
    if key is not None:
        return kind_field(key)
    return "lampiran" if finding.message.startswith("Lampiran") else body_field
