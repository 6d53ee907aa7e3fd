"""What can be seen wrong in a naskah's own text, without looking at any other file.

Pure: given the item's path (its kind comes from its folder) and its text, ``scan_text``
returns the problems with their lines and the internal links for ``naskah.py`` to look
up. Every source reader gets the checks that mean something for it:

* all sources: leftover ``[ISI ...]`` / ``[PETUNJUK ...]`` markers of the drafts, internal
  links (``{filename}``, ``{static}``, ``{attach}``);
* Markdown and HTML: links to files written without ``{attach}``/``{filename}`` (never
  published, so broken on the site);
* Markdown: the metadata block read exactly as Python-Markdown's ``meta`` extension
  (Pelican's reader) reads it, then metadata that ended up in the body, unknown keys,
  missing or empty required keys (``Title``; ``Date`` for dated kinds; every field of
  the kind in ``sop.py``), an unreadable ``berlaku_sampai``; ``![](x)`` and ``<img>``
  without alt text;
* reStructuredText: ``image`` and ``figure`` directives without a non-empty ``:alt:``.
  Its metadata (a title and a field list) is not checked here: Pelican's docutils reader
  stops on a missing title itself, and the gate reports such an item as ``rusak``;
* HTML: ``<img>`` without alt text.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from .digest import LINK, SOURCE_SUFFIXES, link_target, links_to_item

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mkd"})
_EXCERPT = 60  # characters of a marker shown in its message
_MARKER = re.compile(rf"\[(ISI|PETUNJUK)(?=[:\]\s])([^\]\n]{{0,{_EXCERPT}}})")
_MARKER_TEXT = {
    "ISI": (
        "Isian belum diganti: {}.",
        "Ganti penanda itu, termasuk kurung sikunya, dengan isi sebenarnya.",
    ),
    "ISI-gambar": (
        "Teks alternatif gambar belum diisi: {}.",
        "Tulis apa yang tampak pada gambar di antara '![' dan ']'.",
    ),
    "PETUNJUK": (
        "Petunjuk penulisan belum dihapus: {}.",
        "Hapus petunjuk itu seluruhnya, dari '[PETUNJUK' sampai tanda ']' penutupnya.",
    ),
}
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\s*[(\[]")
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"""(?<![\w-])alt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_RST_IMAGE = re.compile(r"^(\s*)\.\.\s+(?:\|[^|]+\|\s+)?(image|figure)::")
_RST_ALT = re.compile(r"^\s+:alt:\s*(\S.*)?$")
_NEWLINE = re.compile(r"\n")
_ALT_HINT = (
    "Tulis apa yang tampak pada gambar: teks itu dibacakan untuk pembaca tunanetra dan tampil "
    "bila gambar gagal dimuat."
)


@dataclass(frozen=True)
class Problem:
    """One problem in the text: its line (None: the whole file), message and hint."""

    line: int | None
    message: str
    hint: str


@dataclass(frozen=True)
class Link:
    """An internal link: its line, Pelican's keyword and the content path it names.

    ``target`` is None when the link leaves the content folder.
    """

    line: int
    keyword: str
    raw: str
    target: str | None

    @property
    def to_source(self) -> bool:
        """Tell whether the link points at another item (not a file published with this one).

        The digest reads it so too: such a file is not part of this item's approval.
        """
        return links_to_item(self.keyword, unquote(urlparse(self.raw).path))


@dataclass(frozen=True)
class Scan:
    """Everything ``scan_text`` found: the problems and the links to look up."""

    problems: tuple[Problem, ...]
    links: tuple[Link, ...]


class Text:
    """A source's text as Python-Markdown reads it: BOM dropped, every line end a newline.

    Checks search the whole text at once and turn offsets into line numbers here: a
    scan of a few kilobytes costs tens of microseconds, not a loop per line.
    """

    def __init__(self, raw: str) -> None:
        self.text = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.lines = self.text.split("\n")
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        """Return the line number (from 1) of a character offset."""
        if self._starts is None:
            self._starts = [0, *(match.end() for match in _NEWLINE.finditer(self.text))]
        return bisect.bisect_right(self._starts, offset)


def markers(source: Text) -> list[Problem]:
    """Return one problem per line and marker word of the drafts' markers left in the text."""
    text = source.text
    if "[ISI" not in text and "[PETUNJUK" not in text:
        return []
    found: dict[tuple[int, str], list[str]] = {}
    for match in _MARKER.finditer(text):
        key = (source.line_of(match.start()), _word(text, match))
        found.setdefault(key, []).append(_excerpt(text, match))
    order = list(_MARKER_TEXT)
    return [
        Problem(line, _MARKER_TEXT[word][0].format(", ".join(shown)), _MARKER_TEXT[word][1])
        for (line, word), shown in sorted(
            found.items(), key=lambda i: (i[0][0], order.index(i[0][1]))
        )
    ]


def _word(text: str, match: re.Match[str]) -> str:
    """Return which marker ``match`` is: ``ISI``, ``ISI-gambar`` (image alt), ``PETUNJUK``."""
    image = match[1] == "ISI" and text[match.start() - 1 : match.start()] == "!"
    return "ISI-gambar" if image else match[1]


def marker_lines(text: str) -> dict[str, tuple[int, ...]]:
    """Return the lines that still hold each marker word of the drafts (``ISI``, ``PETUNJUK``)."""
    source = Text(text)
    found: dict[str, set[int]] = {"ISI": set(), "PETUNJUK": set()}
    for match in _MARKER.finditer(source.text):
        found[match[1]].add(source.line_of(match.start()))
    return {word: tuple(sorted(lines)) for word, lines in found.items()}


def _excerpt(text: str, match: re.Match[str]) -> str:
    """Return a marker as written, cut short with '…' when it runs on past its line."""
    inside = match[2]
    if text[match.end() : match.end() + 1] == "]":
        return f"[{match[1]}{inside.rstrip()}]"
    if len(inside) == _EXCERPT and " " in inside.strip():
        inside = inside.rstrip().rsplit(" ", 1)[0]  # cut at a word, not inside one
    return f"[{match[1]}{inside.rstrip()}…]"


def links_in(item: str, source: Text) -> tuple[Link, ...]:
    """Return every internal link of the text with its line, read as the digest reads it."""
    if "{" not in source.text and "|" not in source.text:
        return ()
    base = posixpath.dirname(item)
    found = []
    for match in LINK.finditer(source.text):
        keyword, raw = match.groups()
        target = link_target(base, raw)
        if target is not None:
            found.append(Link(source.line_of(match.start()), keyword, raw, target[1]))
    return tuple(found)


#: A link target in Markdown (``](x)``, ``](<x>)``) or HTML (``src=``/``href=``).
_PLAIN_LINK = re.compile(
    r"""\]\(\s*<?(?P<md>[^)\s>]+)|\b(?:src|href)\s*=\s*["'](?P<html>[^"']+)["']""",
    re.IGNORECASE,
)
_NOT_A_FILE = ("#", "/", "{", "|", "?")


def plain_file_links(item: str, source: Text) -> list[Problem]:
    """Return the links to files written without Pelican's ``{attach}``/``{filename}``.

    Pelican copies and rewrites only those: a plain ``foto.jpg`` or ``sk.pdf`` beside the
    item is neither published nor covered by the approval, so the reader meets a broken
    image or link. Addresses (``https:``, ``mailto:``), site paths (``/kontak/``), anchors
    and pages (``.html``, or no file suffix) are left alone.
    """
    if "](" not in source.text and "=" not in source.text:
        return []
    problems = []
    for match in _PLAIN_LINK.finditer(source.text):
        raw = match["md"] or match["html"] or ""
        parsed = urlparse(raw)
        suffix = posixpath.splitext(unquote(parsed.path))[1].lower()
        if parsed.scheme or parsed.netloc or raw.startswith(_NOT_A_FILE):
            continue
        if not suffix or suffix in (".html", ".htm") or not parsed.path:
            continue
        line = source.line_of(match.start())
        if raw.lower().startswith("www."):
            message = f"Alamat situs '{raw}' ditulis tanpa https:// sehingga tautannya rusak."
            problems.append(Problem(line, message, f"Tulis https://{raw}."))
            continue
        keyword = "filename" if suffix in SOURCE_SUFFIXES else "attach"
        problems.append(
            Problem(
                line,
                f"Tautan ke berkas '{raw}' ditulis tanpa {{{keyword}}}: berkas itu tidak ikut "
                "terbit dan tautannya akan rusak.",
                f"Tulis {{{keyword}}}{raw} (jalurnya dihitung dari folder naskah ini).",
            )
        )
    return problems


def alt_missing(item: str, source: Text) -> list[Problem]:
    """Return the images of the text that have no alternative text."""
    suffix = posixpath.splitext(item)[1].lower()
    if suffix == ".rst":
        return _rst_alt_missing(source) if ".. " in source.text else []
    problems = []
    if suffix in MARKDOWN_SUFFIXES and "![" in source.text:
        lines = sorted(
            {source.line_of(m.start()) for m in _MD_IMAGE.finditer(source.text) if not m[1].strip()}
        )
        message = "Gambar tanpa teks alternatif: ![](...)."
        problems += [Problem(line, message, _ALT_HINT) for line in lines]
    for tag in _IMG.finditer(source.text):
        alt = _ALT.search(tag[0])
        if alt is None or not "".join(part or "" for part in alt.groups()).strip():
            message = "Gambar <img> tanpa atribut alt yang berisi."
            problems.append(Problem(source.line_of(tag.start()), message, _ALT_HINT))
    return problems


def _rst_alt_missing(source: Text) -> list[Problem]:
    problems = []
    for number, line in enumerate(source.lines, 1):
        directive = _RST_IMAGE.match(line)
        if directive and not _rst_alt(source.lines, number, len(directive[1])):
            message = f"Gambar tanpa teks alternatif: direktif '{directive[2]}' tanpa :alt:."
            problems.append(Problem(number, message, _ALT_HINT))
    return problems


def _rst_alt(lines: list[str], number: int, indent: int) -> bool:
    """Tell whether the directive starting on line ``number`` has a non-empty ``:alt:``."""
    for line in lines[number:]:
        if not line.strip() or len(line) - len(line.lstrip()) <= indent:
            return False
        alt = _RST_ALT.match(line)
        if alt:
            return bool(alt[1])
    return False
