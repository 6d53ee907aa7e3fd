"""Drafts of ``invoke new`` filled in the way a writer fills them, for the naskah tests.

Every ``[ISI ...]`` becomes text (an image's keeps its ``![...]`` brackets, as the draft's
own instruction says), every ``[PETUNJUK ...]`` is deleted, and the attachments the draft
names are put beside it.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from editorial.drafting.new import find_kind, plan_draft, write_draft

_ISI = re.compile(r"(!?)\[ISI[^\]]*\]")
_PETUNJUK = re.compile(r"\[PETUNJUK:[^\]]*\]")


def fill(text: str) -> str:
    """Return a draft's text with every marker filled in or deleted."""
    text = _PETUNJUK.sub("", text)
    return _ISI.sub(lambda m: "![Foto peserta kegiatan]" if m[1] else "Isian penulis", text)


def new_draft(content: Path, kind: str, title: str, now: datetime, *, filled: bool) -> str:
    """Write a new draft of ``kind`` as ``invoke new`` does (filled in if asked); return it."""
    draft = plan_draft(content, find_kind(kind), title, now)
    write_draft(content, draft)
    if filled:
        path = content / draft.item
        path.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
        for rel, _ in draft.attachments:
            (content / rel).write_bytes(b"lampiran uji")
    return draft.item
