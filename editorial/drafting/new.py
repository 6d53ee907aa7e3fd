"""``invoke new``: a correctly named draft of an SOP kind, never over an existing file.

Naming follows the sample site: ``content/<folder>/<YYYY-MM-DD>-<slug>.md`` for dated
kinds and ``content/pages/<slug>.md`` for pages. The slug is also the item's address
(``<category>/<slug>/``), so a slug already used in the same folder is refused: two
items at one address would overwrite each other in the built site.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from string import Template

from approval_gate.api import marker_lines

from ..errors import BadValue, ItemExists, UnknownKind
from ..meta import read_metadata
from .kinds import ALIASES, KINDS, Kind, render_draft

SOURCE_SUFFIXES = (".md", ".markdown", ".mkd")
SLUG_LENGTH = 60
DEFAULT_VALIDITY_DAYS = 14
_REGULATION = re.compile(r"\bnomor\s+([\w./-]+)\s+tahun\s+(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """A draft ready to be written: where, what, and the files it expects beside it."""

    kind: Kind
    item: str  # path under content/
    text: str
    url: str
    attachments: tuple[tuple[str, str], ...]  # (path under content/, what it is)


def find_kind(name: str) -> Kind:
    """Return the kind called ``name`` (any case, spaces allowed), or raise with a hint."""
    key = re.sub(r"[\s_]+", "-", name.strip().lower())
    key = ALIASES.get(key, key)
    if key in KINDS:
        return KINDS[key]
    close = difflib.get_close_matches(key, [*KINDS, *ALIASES], n=1, cutoff=0.6)
    guess = f" Mungkin maksudnya {ALIASES.get(close[0], close[0])!r}?" if close else ""
    raise UnknownKind(
        f"Jenis {name!r} tidak dikenal.{guess}",
        hint=f"Jenis yang ada (SOP 11/2023): {', '.join(KINDS)}.",
    )


def slugify(title: str) -> str:
    """Return the address part made from ``title``: lower-case ASCII words joined by '-'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_LENGTH and slug:
            break
        slug = longer
    return slug[:SLUG_LENGTH]


def parse_until(value: str, now: datetime) -> datetime:
    """Read ``berlaku_sampai`` as given on the command line (WIB), or raise."""
    text = value.strip()
    for form, whole_day in (("%Y-%m-%d %H:%M", False), ("%Y-%m-%d", True)):
        try:
            moment = datetime.strptime(text, form).replace(tzinfo=now.tzinfo)
        except ValueError:
            continue
        if whole_day:
            moment = moment.replace(hour=23, minute=59)
        if moment <= now:
            raise BadValue(
                f"Batas berlaku {text!r} sudah lewat.",
                hint="Pakai waktu setelah sekarang, format 'YYYY-MM-DD HH:MM'.",
            )
        return moment
    raise BadValue(
        f"Batas berlaku {value!r} tidak dikenali.",
        hint="Pakai format 'YYYY-MM-DD HH:MM' (WIB), mis. '2026-12-05 23:59'.",
    )


def _slug_owner(folder: Path, slug: str) -> Path | None:
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if path.suffix not in SOURCE_SUFFIXES:
            continue
        meta = read_metadata(path)  # without Slug, Pelican makes one from the title
        if (meta.get("slug") or slugify(meta.get("title", ""))) == slug:
            return path
    return None


def plan_draft(
    content: Path,
    kind: Kind,
    title: str,
    now: datetime,
    *,
    slug: str | None = None,
    until: str | None = None,
) -> Draft:
    """Work out the file, text and address of a new draft; raise if any is taken."""
    if until and not kind.expires:
        expiring = ", ".join(k.id for k in KINDS.values() if k.expires)
        raise BadValue(
            f"--berlaku-sampai hanya untuk jenis {expiring}.",
            hint=f"Hapus pilihan itu, atau pilih jenis {expiring}.",
        )
    title = " ".join(title.split())
    if not title:
        raise BadValue(
            "Judul kosong.",
            hint='Tulis judulnya, mis. invoke new berita "Rapat Pleno Rekapitulasi".',
        )
    slug = slugify(slug) if slug else slugify(title)
    if not slug:
        raise BadValue(
            f"Judul {title!r} tidak menghasilkan alamat (slug).",
            hint="Tambahkan --slug dengan huruf latin, mis. --slug rapat-pleno.",
        )
    stem = f"{now:%Y-%m-%d}-{slug}" if kind.dated else slug
    item = f"{kind.folder}/{stem}.md"
    owner = _slug_owner(content / kind.folder, slug)
    if owner is not None and owner != content / item:
        raise ItemExists(
            f"Alamat (slug) {slug!r} sudah dipakai oleh "
            f"content/{owner.relative_to(content).as_posix()}.",
            path=f"content/{item}",
            hint="Dua item dengan alamat sama akan saling menimpa di situs. "
            "Pakai judul lain atau --slug nama-lain.",
        )
    moment = (
        parse_until(until, now)
        if until
        else (now + timedelta(days=DEFAULT_VALIDITY_DAYS)).replace(hour=23, minute=59)
    )
    regulation = _REGULATION.search(title)
    values = {
        "title": title,
        "slug": slug,
        "stem": stem,
        "date": f"{now:%Y-%m-%d %H:%M}",
        "today": f"{now:%Y-%m-%d}",
        "until": f"{moment:%Y-%m-%d %H:%M}",
        "until_date": f"{moment:%Y-%m-%d}",
        "nomor": regulation[1] if regulation else "[ISI: nomor peraturan, mis. 2]",
        "tahun": regulation[2] if regulation else "[ISI: tahun peraturan, mis. 2024]",
    }
    url = f"{kind.id}/{slug}/" if kind.dated else f"{slug}/"
    files = tuple(
        (f"{kind.folder}/{Template(a.name).substitute(stem=stem)}", a.what)
        for a in kind.attachments
    )
    return Draft(kind, item, render_draft(kind, values), url, files)


def write_draft(content: Path, draft: Draft) -> Path:
    """Create the draft's file exclusively; an existing file is never touched."""
    path = content / draft.item
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(draft.text)
    except FileExistsError:
        raise ItemExists(
            "Berkas ini sudah ada dan tidak ditimpa.",
            path=f"content/{draft.item}",
            hint="Buka berkas itu untuk melanjutkan, atau pakai judul lain atau --slug nama-lain.",
        ) from None
    return path


def open_markers(draft: Draft) -> list[str]:
    """Return what ``invoke new`` says about the markers left to fill, line by line.

    The gate holds the item (``perlu diperbaiki``) until none is left, so the writer
    learns it now rather than from a refused approval.
    """
    lines = marker_lines(draft.text)
    left = [
        f"{shown} di baris {_numbers(lines[word])}"
        for word, shown in (("ISI", "[ISI: ...]"), ("PETUNJUK", "[PETUNJUK: ...]"))
        if lines[word]
    ]
    if not left:
        return []
    return [
        f"     Masih ada {'; '.join(left)}.",
        '     Selama masih ada, invoke status menampilkan "perlu diperbaiki" dan naskah ini '
        "belum dapat disetujui.",
    ]


def _numbers(lines: tuple[int, ...]) -> str:
    """Return line numbers as ``4, 6-7, 11`` (runs of consecutive lines joined)."""
    runs: list[list[int]] = []
    for number in lines:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
