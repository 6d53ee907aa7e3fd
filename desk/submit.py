"""Sending a naskah from the desk: the files written, the gate's naskah checks, the commit.

The order is what the SOP needs: the desk writes the files ``invoke new`` would write
(never over an existing one), asks the gate's naskah checks about them exactly as
``invoke status`` and ``invoke approve`` will (placeholders left, metadata, missing or
refused attachments, links, alt text), and only a naskah without problems is committed
in the writer's name. A naskah with problems is taken out again (a new one deleted, an
edited one restored): nothing is committed and the form shows the problems by field.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from approval_gate.api import (
    ContentFiles,
    Finding,
    GateSettings,
    KpuError,
    Limits,
    Verdict,
    check_naskah,
    content_digest,
    load_settings,
    open_ledger,
    read_settings_file,
    write_whole,
)

from editorial.drafting.kinds import KINDS
from editorial.drafting.new import Draft, plan_draft, write_draft

from . import compose as c
from .accounts import Account
from .errors import Refused
from .form_problems import Problem, by_field, kind_field
from .repo import commit
from .settings import DeskSettings


@dataclass(frozen=True)
class Outcome:
    """What became of a naskah: its problems, or the item committed and its verdict."""

    problems: tuple[Problem, ...] = ()
    item: str = ""
    verdict: Verdict | None = None
    title: str = ""


@dataclass(frozen=True)
class NewNaskah:
    """What the form or the .docx gave: kind, title, date, metadata, body, uploads."""

    kind: str
    title: str
    moment: datetime
    values: dict[str, str]  # metadata key -> text (tags, summary, authors, kind fields)
    body: str
    uploads: tuple[c.Upload, ...] = ()
    body_field: str = "isi"


def gate_settings(desk: DeskSettings) -> GateSettings:
    """Return the site's gate settings (content folder, size limits)."""
    return load_settings(read_settings_file(desk.settings_file))


def verdict_of(desk: DeskSettings, item: str) -> Verdict:
    """Return where ``item`` stands in the SOP now."""
    return open_ledger(desk.settings_file).verdict(item)


def findings_of(gs: GateSettings, item: str) -> tuple[Finding, ...]:
    """Return the gate's naskah checks of ``item`` as the files are now."""
    limits = Limits(gs.max_source_bytes, gs.max_attachment_bytes)
    digest = content_digest(gs.content_path, item, ContentFiles(gs.content_path, limits))
    return check_naskah(gs.content_path, item, digest, limits=limits)


def create(desk: DeskSettings, account: Account, new: NewNaskah) -> Outcome:
    """Write, check and commit a new naskah; return its problems or its verdict."""
    gs = gate_settings(desk)
    planned = _plan(gs, new)
    if not isinstance(planned, Draft):
        return Outcome(planned)
    kind = planned.kind
    folder = gs.content_path / kind.folder
    taken = {f"{kind.folder}/{p.name}" for p in folder.iterdir()} if folder.is_dir() else set()
    expected = tuple(path for path, _ in planned.attachments)
    placed = c.place(list(new.uploads), planned.item, expected, taken)
    body, link_problems = c.link_uploads(new.body, placed, " ".join(new.title.split()))
    if link_problems:
        return Outcome(tuple(link_problems))
    header, _ = c.split_text(planned.text)
    required = (*c.ALWAYS_REQUIRED, *kind.sop.required)
    values = {k: v for k, v in new.values.items() if k != "berlaku_sampai"}
    composed = c.compose(c.fill_header(header, values, required), body)
    try:
        written = _write_new(gs, dataclasses.replace(planned, text=composed.text), placed)
    except KpuError as error:  # the same title sent twice at once: the second is refused
        return Outcome((Problem("judul", error.message, error.hint),))
    found = findings_of(gs, planned.item)
    if found:
        for each in written:
            each.unlink(missing_ok=True)
        return Outcome(tuple(by_field(found, composed, new.body_field)))
    title = _title_of(composed.text)
    commit(desk.root, desk.data, written, f"Naskah baru: {title}", account)
    return Outcome(item=planned.item, verdict=verdict_of(desk, planned.item), title=title)


def _plan(gs: GateSettings, new: NewNaskah) -> Draft | tuple[Problem, ...]:
    """Return the draft ``invoke new`` would make of ``new``, or what stops it."""
    problems = [p for u in new.uploads if (p := c.check_upload(u))]
    if not new.body.strip():
        problems.append(Problem(new.body_field, "Isi naskah masih kosong.", "Tulis isi naskahnya."))
    kind = KINDS.get(new.kind)
    if kind is None:
        return (Problem("jenis", "Pilih jenis naskah dari daftar."), *problems)
    until = new.values.get("berlaku_sampai", "").strip() if kind.expires else ""
    try:
        draft = plan_draft(gs.content_path, kind, new.title, new.moment, until=until or None)
    except KpuError as error:
        where = kind_field("berlaku_sampai") if "berlaku" in error.message.lower() else "judul"
        return (Problem(where, error.message, error.hint), *problems)
    needed = [(p, what) for p, what in draft.attachments if not p.endswith(c.IMAGES)]
    for path, what in needed[:1]:  # the regulation's PDF, the data's CSV
        if not any(c.safe_name(u.name)[1] == Path(path).suffix for u in new.uploads):
            problems.append(
                Problem(
                    "lampiran",
                    f"Naskah {kind.category} memerlukan lampiran {what}.",
                    "Pilih berkasnya di kolom Lampiran.",
                )
            )
    return tuple(problems) if problems else draft


def _write_new(gs: GateSettings, draft: Draft, placed: list[c.Placed]) -> list[Path]:
    """Write the item and its uploads exclusively; on any failure remove what was written."""
    written: list[Path] = []
    try:
        written.append(write_draft(gs.content_path, draft))
        for each in placed:
            path = gs.content_path / each.path
            with path.open("xb") as handle:
                written.append(path)
                handle.write(each.upload.data)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written


def _title_of(text: str) -> str:
    header, _ = c.split_text(text)
    return next(
        (line.split(":", 1)[1].strip() for line in header if line.lower().startswith("title:")), ""
    )


def edit(
    desk: DeskSettings, account: Account, item: str, title: str, summary: str, tags: str, body: str
) -> Outcome:
    """Change an item's title, summary, tags and body; check, then commit or restore."""
    gs = gate_settings(desk)
    path = gs.content_path / item
    old = read_item(path)
    header, _ = c.split_text(old)
    if not " ".join(title.split()):
        return Outcome((Problem("judul", "Judul tidak boleh kosong.", "Tulis judulnya."),))
    if not body.strip():
        return Outcome((Problem("isi", "Isi naskah masih kosong.", "Tulis isi naskahnya."),))
    for key, value in (("title", title), ("summary", summary), ("tags", tags)):
        header = set_key(header, key, value)
    composed = c.compose(header, body)
    if composed.text == old:
        return Outcome(
            (
                Problem(
                    "isi",
                    "Naskah tidak berubah; tidak ada yang disimpan.",
                    "Ubah isinya dulu, lalu kirim.",
                ),
            )
        )
    write_whole(path, composed.text)
    found = findings_of(gs, item)
    if found:
        write_whole(path, old)
        return Outcome(tuple(by_field(found, composed)))
    title = _title_of(composed.text)
    commit(desk.root, desk.data, [path], f"Perbaikan naskah: {title}", account)
    return Outcome(item=item, verdict=verdict_of(desk, item), title=title)


def read_item(path: Path) -> str:
    """Return an item's text for editing, or refuse one the desk cannot edit safely."""
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        raise Refused(
            f"Naskah content/{path.parent.name}/{path.name} tidak dapat dibuka sebagai teks "
            "UTF-8; tidak ada yang diubah.",
            status=422,
            hint="Minta Web Admin memperbaikinya di komputer.",
        ) from None


def set_key(header: list[str], key: str, value: str) -> list[str]:
    """Return header lines with ``key`` set to ``value`` (removed when empty, else added)."""
    value = " ".join(value.split())
    out: list[str] = []
    done = skipping = False
    for line in header:
        if skipping and line.startswith("    "):
            continue  # a continuation line of the value being replaced
        skipping = False
        if ":" in line and line.split(":", 1)[0].strip().lower() == key:
            if value and not done:
                out.append(f"{line.split(':', 1)[0]}: {value}")
            done = skipping = True
            continue
        out.append(line)
    if value and not done:
        out.append(f"{key.capitalize()}: {value}")
    return out
