"""Naskah (draft) checks: a text that still needs fixing is never signed and never published.

An untouched ``invoke new`` draft once went through all four sign-offs and onto the site
with ``[ISI: ...]`` on the page and an author page named after the placeholder. So the
gate itself looks at the text: ``check_naskah`` returns every problem of an item, each a
``Finding`` naming the item's file and line, in Indonesian, with what to do:

* markers of the drafts left in (``[ISI ...]``, ``[PETUNJUK ...]``);
* Markdown metadata: lines that ended up in the body, unknown keys, required keys
  missing or empty, an unreadable ``berlaku_sampai`` (``naskah_meta.py``);
* files: attachments missing (the digest's ``missing``) or refused (its ``problems``),
  links to other items (``{filename}x.md``) that do not exist, links out of content/;
* images without alternative text.

The ledger folds them into the verdict: an item with any is ``perlu-diperbaiki``
(``NEEDS_FIX``), whatever its sign-offs say, and the writer acts next; ``decide`` refuses
``setuju`` on it (``NaskahRefused``) and still allows ``tolak``. ``naskah_text.py`` says
which checks apply to which source format.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .digest import ContentDigest, FileRefused, Limits, read_regular
from .errors import ExitCode, Finding, KpuError
from .naskah_meta import metadata_problems
from .naskah_text import (
    MARKDOWN_SUFFIXES,
    Link,
    Scan,
    Text,
    alt_missing,
    links_in,
    markers,
    plain_file_links,
)

#: The verdict state of an item whose text must be fixed first (the writer acts next).
NEEDS_FIX = "perlu-diperbaiki"
#: How the reason of such an item starts (``invoke status``, the manifest, the summary).
REASON_PREFIX = "perlu diperbaiki: "
_MISSING_HINT = "Tambahkan berkasnya atau perbaiki tautannya."


class NaskahRefused(KpuError):
    """``setuju`` on a text that still needs fixing: nothing was signed."""

    exit_code = ExitCode.WORKFLOW

    def __init__(self, item: str, findings: tuple[Finding, ...]) -> None:
        self.item = item
        self.findings = findings
        super().__init__(
            f"Belum bisa disetujui: content/{item} perlu diperbaiki lebih dulu "
            f"({len(findings)} masalah); tidak ada yang ditandatangani.",
            hint="Minta penulis memperbaikinya, lalu setujui versi yang sudah diperbaiki. "
            "Menolak dengan alasan (invoke reject) tetap bisa.",
        )

    def render(self) -> str:
        """Return the refusal, then each problem as ``file:line: message`` on its own line."""
        listed = (
            f"\n  {f.path}:{f.line}: {f.message}" if f.line else f"\n  {f.path}: {f.message}"
            for f in self.findings
        )
        return super().render() + "".join(listed)


def scan_text(item: str, text: str) -> Scan:
    """Return what the text of ``item`` alone shows: its problems and its internal links."""
    source = Text(text)
    problems = markers(source)
    suffix = os.path.splitext(item)[1].lower()
    if suffix in MARKDOWN_SUFFIXES:
        problems += metadata_problems(item, source.lines)
    if suffix != ".rst":
        problems += plain_file_links(item, source)
    problems += alt_missing(item, source)
    return Scan(tuple(problems), links_in(item, source))


def read_source(content: Path, item: str, limits: Limits | None = None) -> bytes | None:
    """Return the item's source through the gate's safe reader (None: absent or refused).

    A refused source is already one of the digest's ``problems``; it is not read twice.
    """
    try:
        return read_regular(str(content), item, *(limits or Limits()).of(item))
    except FileRefused:
        return None


def check_naskah(
    content: Path,
    item: str,
    digest: ContentDigest,
    *,
    limits: Limits | None = None,
    scan: Scan | None = None,
) -> tuple[Finding, ...]:
    """Return every problem of ``item`` that must be fixed before anyone signs it.

    ``scan`` is ``scan_text`` of the source the digest covers, when the caller has it (the
    ledger keeps it by the source's hash); otherwise the source is read here, within
    ``limits``. Problems come in the order of their lines, then those of the whole file,
    then the digest's refused files.
    """
    if scan is None:
        data = read_source(content, item, limits)
        scan = scan_text(item, data.decode("utf-8", "replace")) if data is not None else None
    shown = f"content/{item}"
    found = [Finding(shown, p.message, p.hint, p.line, item) for p in scan.problems] if scan else []
    found += _link_findings(content, item, scan.links if scan else (), digest)
    found.sort(key=lambda f: (f.line is None, f.line or 0))
    return (*found, *digest.problems)


def _link_findings(
    content: Path, item: str, links: tuple[Link, ...], digest: ContentDigest
) -> list[Finding]:
    shown = f"content/{item}"
    missing = set(digest.missing)
    found = []
    for link in links:
        if link.target is None:
            found.append(
                Finding(
                    shown,
                    f"Tautan {{{link.keyword}}}{link.raw} menunjuk ke luar folder content/.",
                    "Simpan berkasnya di folder content/ dan tautkan dari sana.",
                    link.line,
                    item,
                )
            )
        elif link.to_source and not _regular(content, link.target):
            found.append(
                Finding(
                    shown,
                    f"Tautan ke naskah lain tidak ditemukan: {link.target}.",
                    "Periksa nama berkasnya; jalur {filename} dihitung dari folder naskah ini.",
                    link.line,
                    item,
                )
            )
        elif link.target in missing:
            missing.discard(link.target)
            message = f"Lampiran tidak ditemukan: {link.target}."
            found.append(Finding(shown, message, _MISSING_HINT, link.line, item))
    for path in sorted(missing):  # not written as a link on one line: still named
        message = f"Lampiran tidak ditemukan: {path}."
        found.append(Finding(shown, message, _MISSING_HINT, None, item))
    return found


def _regular(content: Path, rel: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(os.path.join(content, rel)).st_mode)
    except OSError:
        return False


def needs_fix_reason(findings: tuple[Finding, ...]) -> str:
    """Return the one-line reason of an item with problems: the first, and how many more."""
    first = findings[0]
    text = first.message.rstrip(".")
    text = text[:1].lower() + text[1:]
    where = f" (baris {first.line})" if first.line else ""
    if first.item is not None and first.path != f"content/{first.item}":
        where = f" ({first.path})"
    more = f", dan {len(findings) - 1} masalah lain" if len(findings) > 1 else ""
    return f"{REASON_PREFIX}{text}{where}{more}"
