"""A writer's form made into the file ``invoke new`` makes: metadata filled, body and files in.

The desk never invents a layout of its own: ``editorial.drafting.new.plan_draft`` names
the file and writes its metadata block exactly as ``invoke new`` does; this module only
puts the writer's values into that block (a placeholder the writer left empty is kept
when the gate requires the key, so the naskah checks name it, and dropped when the key
is optional), replaces the draft's body with the writer's text, and names the uploaded
files beside the item the way the gate expects them (``{attach}`` links from the body,
the kind's expected attachment under its exact name).

Pure: text in, text out. Writing, checking and committing are ``submit.py``'s; the
problems shown on the form, by field, are ``form_problems.py``'s.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote


from editorial.drafting.new import slugify

from .form_problems import Problem

#: The keys the gate requires of every item (the kind adds its own ``required``).
ALWAYS_REQUIRED = ("title", "date")
#: What the desk accepts as an attachment: suffix -> how its first bytes must look.
ACCEPTED: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".pdf": (b"%PDF-",),
    ".csv": (),
}
IMAGES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


@dataclass(frozen=True)
class Upload:
    """A file the writer sent: the name as sent and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Placed:
    """An upload with the name it gets beside the item (under content/)."""

    upload: Upload
    path: str  # path under content/
    shown: str  # the sanitised original name, as the body may link it
    expected: bool = False  # the name the kind's draft links (``<stem>.pdf``)

    @property
    def name(self) -> str:
        """Return the saved file's name (what ``{attach}`` links)."""
        return posixpath.basename(self.path)


@dataclass(frozen=True)
class Composed:
    """The item's full text and where each line came from (for problems by field)."""

    text: str
    body_line: int  # the first line number (1-based) of the body in ``text``
    keys_by_line: dict[int, str] = field(default_factory=dict)  # header line -> key


def split_text(text: str) -> tuple[list[str], str]:
    """Return a Markdown source's header lines and its body (after the first blank line)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            return lines[:index], "\n".join(lines[index + 1 :])
    return lines, ""


def _key_of(line: str) -> str | None:
    match = re.match(r"^([A-Za-z0-9_-]+):", line)
    return match[1].lower() if match else None


def fill_header(header: list[str], values: dict[str, str], required: tuple[str, ...]) -> list[str]:
    """Put ``values`` (metadata key -> text) into a draft's header lines.

    A key the writer gave replaces the draft's line (or is added at the end); a line still
    holding a placeholder is kept for a required key (the checks name it) and dropped
    for an optional one; every other line stays as ``invoke new`` wrote it.
    """
    given = {key: " ".join(value.split()) for key, value in values.items() if value.strip()}
    out: list[str] = []
    for line in header:
        key = _key_of(line)
        if key is None:
            out.append(line)
            continue
        written = line.split(":", 1)[0]
        if key in given:
            out.append(f"{written}: {given.pop(key)}")
        elif "[ISI" not in line or key in required:
            out.append(line)
    out += [f"{_shown_key(key)}: {value}" for key, value in given.items()]
    return out


def _shown_key(key: str) -> str:
    return key if "_" in key else key.capitalize()


def compose(header: list[str], body: str) -> Composed:
    """Return the item's text: header, one blank line, the body ending in one newline."""
    body = normalise(body)
    text = "\n".join(header) + "\n\n" + body
    keys = {number: key for number, line in enumerate(header, 1) if (key := _key_of(line))}
    return Composed(text, len(header) + 2, keys)


def normalise(body: str) -> str:
    """Return text with LF line ends, no trailing spaces at its ends, one final newline."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return body.rstrip() + "\n" if body.strip() else ""


def safe_name(name: str) -> tuple[str, str]:
    """Return an uploaded file's (slug, suffix): no folders, ASCII, nothing but a-z0-9-."""
    base = re.split(r"[\\/]", name)[-1]
    stem, suffix = posixpath.splitext(base)
    return slugify(stem) or "lampiran", suffix.lower()


def check_upload(upload: Upload) -> Problem | None:
    """Return why an uploaded file cannot be an attachment, or None."""
    slug, suffix = safe_name(upload.name)
    shown = upload.name.replace("\\", "/").rsplit("/", 1)[-1]
    if suffix not in ACCEPTED:
        return Problem(
            "lampiran",
            f"Berkas '{shown}' tidak dapat dilampirkan (jenis {suffix or 'tanpa akhiran'}).",
            "Lampirkan foto JPG, PNG, GIF atau WebP, dokumen PDF, atau data CSV.",
        )
    magic = ACCEPTED[suffix]
    if magic and not upload.data.startswith(magic):
        return Problem(
            "lampiran",
            f"Berkas '{shown}' bukan berkas {suffix[1:].upper()} yang utuh.",
            "Simpan ulang berkasnya dari program asalnya, lalu lampirkan lagi.",
        )
    if suffix == ".csv":
        try:
            upload.data.decode("utf-8")
        except UnicodeDecodeError:
            return Problem(
                "lampiran",
                f"Berkas '{shown}' bukan teks CSV (UTF-8).",
                "Simpan ulang sebagai CSV UTF-8, lalu lampirkan lagi.",
            )
    return None


def place(
    uploads: list[Upload], item: str, expected: tuple[str, ...], taken: set[str]
) -> list[Placed]:
    """Name each upload beside ``item``: the kind's expected names first, then ``<stem>-x``.

    ``expected``: paths under content/ the kind's draft links (``regulasi/<stem>.pdf``),
    given to the first upload with the same suffix. ``taken``: paths already in use.
    """
    folder, stem = posixpath.dirname(item), PurePosixPath(item).stem
    waiting = list(expected)
    placed: list[Placed] = []
    for upload in uploads:
        slug, suffix = safe_name(upload.name)
        suffix = ".jpg" if suffix == ".jpeg" else suffix
        path = next((p for p in waiting if p.endswith(suffix) and p not in taken), None)
        kinds_own = path is not None
        if path is not None:
            waiting.remove(path)
        else:
            path = posixpath.join(folder, f"{stem}-{slug}{suffix}")
            number = 2
            while path in taken:
                path = posixpath.join(folder, f"{stem}-{slug}-{number}{suffix}")
                number += 1
        taken.add(path)
        placed.append(Placed(upload, path, f"{slug}{safe_name(upload.name)[1]}", kinds_own))
    return placed


def _key(name: str) -> tuple[str, str]:
    """Return what two spellings of one name share (``Foto Rapat.JPEG``, ``foto-rapat.jpg``)."""
    slug, suffix = safe_name(unquote(name))
    return slug, ".jpg" if suffix == ".jpeg" else suffix


_LINK = re.compile(r"(\]\(\s*<?)(?:\{attach\})?([^)\s>]+)(?=>?[\s)])")


def _point_links(body: str, each: Placed) -> tuple[str, int]:
    """Return ``body`` with its links to one upload pointed at ``{attach}<saved name>``."""
    sent = each.upload.name.replace("\\", "/").rsplit("/", 1)[-1]
    exact = re.compile(r"(\]\(\s*<?)(?:\{attach\})?" + re.escape(sent) + r"(?=>?[\s)])")
    body, count = exact.subn(lambda m: m[1] + "{attach}" + each.name, body)
    wanted = _key(each.upload.name)
    found = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal found
        if match[2] != each.name and _key(match[2]) == wanted:
            found += 1
            return match[1] + "{attach}" + each.name
        return match[0]

    body = _LINK.sub(swap, body)
    return body, count + found


def link_uploads(body: str, placed: list[Placed], title: str) -> tuple[str, list[Problem]]:
    """Point the body's links to the uploads at their saved names; list the rest.

    The writer links a file by the name it was sent under (``![foto](foto.jpg)``,
    ``[SK](sk.pdf)``), with or without ``{attach}``, in any spelling that names the same
    file (case, spaces or dashes). A document nobody links gets a download link at the
    end; a picture nobody links is a problem (only the writer can say where it goes and
    what it shows).
    """
    problems: list[Problem] = []
    tail: list[str] = []
    for each in placed:
        body, count = _point_links(body, each)
        if count or f"{{attach}}{each.name}" in body:
            continue
        if each.path.endswith(IMAGES):
            problems.append(
                Problem(
                    "lampiran",
                    f"Foto '{each.shown}' belum dipakai di isi naskah.",
                    f"Tulis ![apa yang tampak di foto]({each.shown}) di isi, di tempat foto itu "
                    "tampil.",
                )
            )
        else:
            what = PurePosixPath(each.name).suffix[1:].upper()
            sent = PurePosixPath(each.upload.name.replace("\\", "/")).stem
            words = title if each.expected else re.sub(r"[\[\]()<>*_`\\]", " ", sent).strip()
            tail.append(f"[Unduh {words} ({what})]({{attach}}{each.name})")
    if tail:
        body = normalise(body) + "\n" + "\n\n".join(tail) + "\n"
    return body, problems
