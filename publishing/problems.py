"""The build's problem list: every bad file by name and line, the first on screen, all in a file.

A build with hundreds of broken sign-off files still publishes every good item, so the
people who must fix the rest need to know which files, not only how many. The gate
records each problem in the manifest (``findings``: file, line, message, what to do);
a source Pelican could not read is a held item in state ``rusak``. This module turns
both into one sorted list. ``invoke build`` shows the first ``SHOWN`` problems and
writes the whole list, the held items with their reasons, and Pelican's own error
lines (what "lihat catatan build" points to) to ``var/masalah-build.txt``; the
publish summary can show the same lines from its manifest.

Warnings are the other list: a file whose item was published all the same, without the
part that could not be read (a regulation's date of enactment written ``26-01-2024``,
an announcement's period that is not a period). The theme logs each with its file and
line (site_theme/notices.py ``make_warn``); the build's child collects them as data
(``BuildResult.warnings``), and the same commands show them after the problems and
keep them in the same file, so the web admin sees them at every build and publish.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import wib_text

from .faults import REASONS
from .pelican_child import warning_of

#: Where the full list of the last build's problems is kept, beside var/build-gagal.log.
PROBLEMS_FILE = Path("var") / "masalah-build.txt"
#: The same list for the last ``invoke publish`` (its sealed build's problems).
PUBLISH_PROBLEMS_FILE = Path("var") / "masalah-terbit.txt"
#: How many problems the screen shows before "… dan N lainnya".
SHOWN = 20
#: Pelican's log lines kept in the full list: the ones that explain a skipped source.
_PELICAN_LEVELS = ("ERROR:", "CRITICAL:")
#: Why a file could not be written, in the words of the people who read it: a publish's
#: words for a full or read-only disk (faults.py; a busy one keeps the system's words
#: here), and a file where a folder belongs.
_WHY = {
    **{number: why for number, why in REASONS.items() if number != errno.EBUSY},
    errno.ENOTDIR: "ada berkas di tempat foldernya",
    errno.EEXIST: "ada berkas di tempat foldernya",
}


@dataclass(frozen=True)
class Problem:
    """One problem with one file: where, what, and what to do."""

    path: str
    line: int | None
    message: str
    hint: str = ""

    def render(self) -> str:
        """Return ``path:line: message (hint)`` on one line."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {_one_line(self.message)}"
        return f"{text} ({_one_line(self.hint)})" if self.hint else text


def _one_line(text: object) -> str:
    """Return ``text`` with every run of white space (a YAML error's newline) as one space."""
    return " ".join(str(text).split())


def problems(manifest: Mapping[str, Any]) -> list[Problem]:
    """Return every problem of a build: the gate's findings and the unreadable sources.

    Sorted by file and line, each once, so that a person can work through the list.
    """
    found: dict[str, Problem] = {}
    for finding in manifest.get("findings") or []:
        problem = Problem(
            str(finding.get("path") or "?"),
            finding.get("line") or None,
            str(finding.get("message") or ""),
            str(finding.get("hint") or ""),
        )
        found.setdefault(problem.render(), problem)
    for entry in manifest.get("excluded") or []:
        if entry.get("state") == "rusak":  # Pelican skipped the source: no gate finding
            problem = Problem(f"content/{entry['item']}", None, str(entry.get("reason") or ""))
            found.setdefault(problem.render(), problem)
    return sorted(found.values(), key=lambda p: (p.path, p.line or 0, p.message))


def warned(rows: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """Return the plugins' warnings of a build (``BuildResult.warnings``) as problems.

    Each is a file whose item was published without the part that could not be read
    (the theme's dates, statuses and addresses); sorted by file and line, each once.
    """
    found: dict[str, Problem] = {}
    for row in map(warning_of, rows):  # the child's own reading of a logged finding
        problem = Problem(row["path"], row["line"], row["message"], row["hint"])
        found.setdefault(problem.render(), problem)
    return sorted(found.values(), key=lambda p: (p.path, p.line or 0, p.message))


def held_lines(manifest: Mapping[str, Any], indent: str = "  ") -> list[str]:
    """Return ``ditahan: item: reason`` for every item the build left out."""
    return [
        f"{indent}ditahan: {entry['item']}: {entry['reason']}"
        for entry in manifest.get("excluded") or []
    ]


def screen_lines(
    listed: list[Problem], full_list: str, shown: int = SHOWN, unwritten: str = ""
) -> list[str]:
    """Return what a command prints: a count, the first ``shown`` problems, the file.

    ``unwritten`` is why the full list could not be written, if it could not.
    """
    if not listed:
        return []
    where = (
        f"Daftar lengkap TIDAK dapat ditulis ke {full_list} ({unwritten}); "
        "semuanya tampil di 'invoke status'."
        if unwritten
        else f"Daftar lengkap: {full_list}; rincian per item: 'invoke status'."
    )
    head = (
        f"Ada {len(listed)} catatan masalah; hanya item yang terkena yang ditahan, "
        "item lain tetap terbit:"
    )
    return _on_screen(head, "!", listed, shown, where)


def warning_lines(
    listed: list[Problem], full_list: str, shown: int = SHOWN, unwritten: str = ""
) -> list[str]:
    """Return what a command prints of the warnings: a count, the first ``shown``, the file.

    Unlike a problem, a warning held nothing back: the item is published, without the
    part named, until the file is corrected (and approved again).
    """
    if not listed:
        return []
    where = (
        f"Daftar lengkap TIDAK dapat ditulis ke {full_list} ({unwritten})."
        if unwritten
        else f"Daftar lengkap: {full_list}."
    )
    head = (
        f"Ada {len(listed)} peringatan; itemnya tetap terbit, tetapi tanpa bagian yang "
        "tidak dapat dibaca:"
    )
    return _on_screen(head, "~", listed, shown, where)


def _on_screen(head: str, mark: str, listed: list[Problem], shown: int, where: str) -> list[str]:
    """Return ``head``, the first ``shown`` of ``listed`` marked ``mark``, then ``where``."""
    lines = [head, *(f"  {mark} {problem.render()}" for problem in listed[:shown])]
    rest = len(listed) - shown
    more = f"… dan {rest} lainnya. " if rest > 0 else ""
    lines.append(f"  {more}{where}")
    return lines


def _when(manifest: Mapping[str, Any]) -> str:
    """Return when the build ran, as ``2026-11-24 10:00 WIB`` (or nothing if unknown)."""
    try:
        moment = datetime.fromisoformat(str(manifest.get("generated_at")))
    except ValueError:
        return ""
    return wib_text(moment)


def full_text(
    manifest: Mapping[str, Any],
    listed: list[Problem],
    log: str = "",
    warnings: list[Problem] | None = None,
) -> str:
    """Return the content of the full list file: problems, held items, warnings, Pelican's."""
    held = held_lines(manifest)
    warnings = warnings or []
    lines = [
        f"Catatan masalah build {_when(manifest)}: {len(listed)} masalah, "
        f"{len(held)} item ditahan{f', {len(warnings)} peringatan' if warnings else ''}.",
        "Setiap masalah hanya menahan item yang terkena; item lain tetap terbit.",
        "",
        f"Masalah ({len(listed)}):",
        *(f"  ! {problem.render()}" for problem in listed),
        "",
        f"Item ditahan ({len(held)}):",
        *held,
    ]
    if warnings:
        lines += [
            "",
            f"Peringatan ({len(warnings)}; itemnya tetap terbit tanpa bagian yang tidak "
            "dapat dibaca):",
            *(f"  ~ {problem.render()}" for problem in warnings),
        ]
    pelican = [line for line in log.splitlines() if line.startswith(_PELICAN_LEVELS)]
    if pelican:
        lines += ["", "Catatan Pelican tentang berkas yang dilewati (apa adanya):"]
        lines += [f"  {line}" for line in pelican]
    return "\n".join(lines) + "\n"


def report_problems(
    manifest: Mapping[str, Any],
    full_list: Path,
    shown_as: str | None = None,
    log: str = "",
    warnings: Iterable[Mapping[str, Any]] = (),
) -> list[str]:
    """Write the full list to ``full_list`` and return the lines for the screen.

    ``warnings``: the build's ``BuildResult.warnings`` (``warned``), listed after the
    problems. A build without problems or warnings removes the file of an earlier
    build, so the file always describes the last build. ``shown_as`` is how the screen
    names the file (relative to where the person stands). A file that cannot be written
    costs only the file: the screen still shows the first ones and says why the rest
    are not kept.
    """
    listed, cautions = problems(manifest), warned(warnings)
    name = shown_as or str(full_list)
    try:
        if not listed and not cautions:
            full_list.unlink(missing_ok=True)
            return []
        full_list.parent.mkdir(parents=True, exist_ok=True)
        full_list.write_text(full_text(manifest, listed, log, cautions), encoding="utf-8")
    except OSError as error:
        why = _WHY.get(error.errno or 0) or error.strerror or str(error)
        return screen_lines(listed, name, unwritten=why) + warning_lines(
            cautions, name, unwritten=why
        )
    return screen_lines(listed, name) + warning_lines(cautions, name)
