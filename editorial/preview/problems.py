"""What went wrong in a preview run, as findings people can act on, never as a traceback.

The preview must build every item it can and say what it could not: Pelican runs without
fatal errors, and this module's log handler reads its records by their format template
and arguments (as ``publishing/pelican_child.py`` does for the build, whose table of
"file skipped" templates it shares), never by parsing English text. A file Pelican
skipped becomes a ``Finding`` on that file, with the line when the reason names a value
found in it; noise that only repeats what the gate already reports (an attachment that
cannot be relocated or found) is dropped; a plugin's warning that carries its finding
(``LOGGED_FINDING``: the theme's unreadable dates) is kept as that finding; anything else
is kept, in Pelican's words, attributed to the item whose page was being written.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

from approval_gate.api import LOGGED_FINDING, Finding, KpuError

from publishing.pelican_child import SKIPPED, content_relative, warning_of

#: Records that only repeat what the gate's findings already say (attachments that are
#: missing or cannot be relocated, links to missing files), what the preview says itself
#: (two items at one address), or nothing useful; matched by the start of the template.
NOISE = (
    "Docutils has no localization for ",
    "The {attach} link in %s cannot relocate ",
    "More {attach} warnings silenced.",
    "Cannot get modification stamp for ",
    "Unable to find '%s', skipping url replacement.",
    "Other resources were not found",
    "There are %s items ",
    "There are %s original (not translated) items ",
    'All items ("%s") ',
)
#: What the preview does with a file Pelican skipped (added to every such message).
LEFT_OUT = "; item ini tidak ada di pratinjau, item lain tetap dipratinjau."
_DOCUTILS = re.compile(r":(\d+): \((\w+)/\d\) (.*)", re.S)
_QUOTED = re.compile(r"'([^']{1,200})'")
#: Only the head of a source is searched for the line of a bad value (its metadata).
HEAD_LINES = 60


def content_finding(item: str, message: str, hint: str = "", line: int | None = None) -> Finding:
    """Return a finding on ``content/<item>`` (the gate's way of naming content files)."""
    return Finding(f"content/{item}", message, hint, line, item)


def line_of(source: Path, needle: str) -> int | None:
    """Return the first line (1-based) near the top of ``source`` containing ``needle``."""
    try:
        with source.open(encoding="utf-8", errors="replace") as lines:
            for number, text in enumerate(lines, 1):
                if number > HEAD_LINES:
                    break
                if needle in text:
                    return number
    except OSError:
        return None
    return None


def explain(error: BaseException | None, source: Path) -> tuple[str, str, int | None]:
    """Return (message, hint, line) for the exception that made Pelican skip ``source``."""
    if isinstance(error, UnicodeDecodeError):
        return (
            f"berkas bukan teks UTF-8 (byte tidak sah di posisi {error.start})",
            "Simpan ulang berkas itu sebagai UTF-8.",
            None,
        )
    if isinstance(error, RecursionError):
        return (
            "isinya bersarang terlalu dalam (daftar atau kutipan di dalam daftar atau "
            "kutipan) sehingga Markdown tidak dapat mengolahnya",
            "Kurangi tingkat susunan bersarangnya.",
            None,
        )
    text = str(error or "").strip()
    docutils = _DOCUTILS.search(text)
    if docutils:
        detail = docutils.group(3).strip().splitlines()[0]
        return (
            f"reStructuredText tidak valid: {detail}",
            "Perbaiki baris itu.",
            int(docutils.group(1)),
        )
    if isinstance(error, ValueError) and text.endswith("is not a valid date"):
        value = text[: -len("is not a valid date")].strip().strip("'\"")
        return (
            f"tanggal '{value}' tidak dikenali",
            "Tulis tanggal seperti 'Date: 2026-11-20 08:00'.",
            line_of(source, value),
        )
    quoted = _QUOTED.search(text)
    name = type(error).__name__ if error is not None else "galat"
    return (
        f"Pelican tidak dapat membaca naskah ini ({name}: {text or '-'})",
        "Periksa metadata dan isinya.",
        line_of(source, quoted.group(1)) if quoted else None,
    )


def failure_text(error: BaseException, content: Path) -> str:
    """Return why a page could not be rendered, naming files relative to the content."""
    if isinstance(error, KpuError):
        return error.render()
    if isinstance(error, OSError) and error.filename:
        name = str(error.filename)
        if os.path.isabs(name) and not os.path.relpath(name, content).startswith(os.pardir):
            name = "content/" + Path(os.path.relpath(name, content)).as_posix()
        return f"berkas {name} tidak dapat dibaca ({error.strerror or type(error).__name__})"
    where = ""
    lineno = getattr(error, "lineno", None)
    if lineno and getattr(error, "name", None):
        where = f" (templat {error.name}, baris {lineno})"  # type: ignore[attr-defined]
    return f"{type(error).__name__}: {error}{where}"


def skipped_finding(
    reason: str, item: str, detail: str | None, error: BaseException | None, source: Path
) -> Finding:
    """Return the finding for a content file Pelican skipped (reason ids: ``SKIPPED``)."""
    if reason == "missing-metadata":
        key = (detail or "").title()
        return content_finding(
            item,
            f"metadata wajib '{detail}' tidak ada{LEFT_OUT}",
            f"Tambahkan baris '{key}: ...' di bagian atas naskah.",
            None,
        )
    if reason == "unknown-status":
        return content_finding(
            item,
            f"status '{detail}' tidak dikenal{LEFT_OUT}",
            "Pakai published, hidden atau draft.",
            line_of(source, str(detail)),
        )
    if reason == "outside-output":
        return content_finding(
            item,
            f"alamat simpan {detail} berada di luar folder situs{LEFT_OUT}",
            "Perbaiki metadata Save_as atau URL itu.",
            line_of(source, str(detail).strip("'\"")),
        )
    message, hint, line = explain(error, source)
    return content_finding(item, message + LEFT_OUT, hint, line)


class PelicanLog(logging.Handler):
    """Pelican's warnings and errors of one preview, sorted into findings.

    ``skips`` (why each skipped file was skipped) lasts as long as the builder: Pelican
    logs a message only once per process, so a file still broken on the next run of the
    watch is known by its earlier reason. ``notes`` is this run's other problems.
    """

    def __init__(self, content: Path, fallback: str) -> None:
        super().__init__(logging.WARNING)
        self.content = content
        self.fallback = fallback  # where a problem of no item is reported (settings file)
        self.skips: dict[str, Finding] = {}
        self.notes: list[Finding] = []
        self.warned: dict[str, list[Finding]] = {}  # this run's logged findings, by item
        self.failures: list[str] = []  # this run's errors that no item explains
        self.current: str | None = None  # the item whose page is being written

    def start_run(self) -> None:
        """Forget the previous run's notes (skip reasons are kept, see above)."""
        self.notes, self.failures, self.warned = [], [], {}

    def emit(self, record: logging.LogRecord) -> None:
        """Sort one record; one that cannot be sorted is kept as it was logged."""
        try:
            self.sort(record)
        except Exception:  # never lose a problem, never fail the preview over a log line
            self.notes.append(Finding(self.fallback, f"Pelican: {record.msg}"))

    def sort(self, record: logging.LogRecord) -> None:
        """File the record as a skipped file, noise, or a note."""
        args = record.args if isinstance(record.args, tuple) else ()
        template = record.msg if isinstance(record.msg, str) else ""
        known = SKIPPED.get(template)
        logged = getattr(record, LOGGED_FINDING, None)
        if isinstance(logged, dict):  # a plugin's warning on one file (the theme's dates)
            row = warning_of(logged)
            found = Finding(row["path"], row["message"], row["hint"], row["line"], row["item"])
            self.notes.append(found)
            if found.item is not None:  # shown on the item's panel too (panel.py)
                self.warned.setdefault(found.item, []).append(found)
        elif known and record.levelno >= logging.ERROR and len(args) > known[1]:
            reason, at, detail = known
            item = self.item(args[at])
            handled = sys.exc_info()[1]  # "Could not process" is logged inside ``except``
            self.skips[item] = skipped_finding(
                reason,
                item,
                None if detail is None else str(args[detail]),
                handled,
                self.content / item,
            )
        elif template.startswith(NOISE):
            return
        else:
            self.note(f"Pelican: {record.getMessage()}", "")
            if record.levelno >= logging.ERROR and self.current is None:
                self.failures.append(record.getMessage())

    def note(self, message: str, hint: str) -> None:
        """Keep a problem, on the item being written if there is one."""
        if self.current is not None:
            self.notes.append(content_finding(self.current, message, hint))
        else:
            self.notes.append(Finding(self.fallback, message, hint))

    def item(self, source: object) -> str:
        """Return a content file's path relative to the content folder (posix form)."""
        return content_relative(source, self.content)


def installed(content: Path, fallback: str) -> PelicanLog:
    """Return the preview's log handler for ``content``, installing it on the root logger.

    The builder installs it before Pelican starts (so errors while plugins load are
    seen); the plugin's ``initialized`` handler then finds the same one.
    """
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, PelicanLog) and handler.content == content:
            return handler
    for old in [h for h in root.handlers if isinstance(h, PelicanLog)]:
        root.removeHandler(old)
    handler = PelicanLog(content, fallback)
    root.addHandler(handler)
    return handler
