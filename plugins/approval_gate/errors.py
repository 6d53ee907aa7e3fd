"""The project's whole error vocabulary: one base error, one exit-code table, findings.

Every package raises a subclass of ``KpuError``: it carries the Indonesian message, the
file and line it concerns, what to do next, and the exit code of its family. The code
table is ``ExitCode`` (documented in docs/architecture.md); the command layer turns any
``KpuError`` into ``Exit(error.render(), code=error.exit_code)`` in one place.

Fatal gate errors (``GateError`` and subclasses) stop the build: configuration, roster
and anchor problems mean nothing can be trusted, so nothing is published. A ``Finding``
is a problem with one input file: it is reported, the affected item is left out, and
the rest of the site still builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code a command ends with; each number has exactly one meaning."""

    GATE = 2  # the gate cannot vouch for the build (not started, a stage skipped)
    CONFIG = 3  # a setting (gate, theme, preview, publishing, target option) is wrong
    ROSTER = 4  # the roster cannot be read or is inconsistent
    ANCHOR = 5  # the roster is not signed by the pinned anchor key
    SIGNING = 6  # a sign-off, a key or the roster signature could not be made
    GIT_MISSING = 7  # the command needs the git program, which is not installed
    BUILD = 10  # the build produced no trustworthy output; nothing was replaced
    LOCK = 11  # another publish is running
    TARGET = 12  # the publishing target is unreachable or refused the release
    SEARCH = 13  # the search index could not be made
    SEAL = 14  # the commit may not be published: unsigned code, history rewritten, no export
    RAIL = 15  # a safety rail stopped the publish: clock set back, too many items withdrawn
    UNARCHIVED = 16  # the release went live, but its complete archive record was not written
    STORAGE = 17  # a folder on this machine is full or read-only; nothing went live
    WORKFLOW = 20  # a workflow command cannot carry out the request
    UNKNOWN_KIND = 21  # ``invoke new``: not one of the SOP's content kinds
    ITEM_EXISTS = 22  # ``invoke new``: the file or its address is taken
    BAD_VALUE = 23  # an option has a value of the wrong form
    UNKNOWN_ITEM = 24  # the item named on the command line is not under content/
    PDF = 25  # ``invoke sheet``: the PDF converter failed
    PREVIEW = 30  # the preview cannot be built safely
    WATCH = 31  # ``invoke watch`` cannot start
    SERVE = 32  # ``invoke serve`` cannot open its port
    DESK = 33  # ``invoke meja`` cannot start (settings, data folder, port)
    USAGE = 64  # ``kpu``: the command line names an unknown command or option, or lacks one
    INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it
    TERMINATED = 143  # stopped by SIGTERM: 128 + 15


class KpuError(Exception):
    """A failure a person must act on: what, where, what next, and the exit code."""

    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str = "",
        exit_code: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(self.render())

    def render(self) -> str:
        """Return the full Indonesian text a person reads: where, what, what next."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        return f"{text} {self.hint}".strip() if self.hint else text

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready form (the Pelican child reports its fatal error this way)."""
        return {
            "class": type(self).__name__,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "hint": self.hint,
            "exit_code": int(self.exit_code),
        }


class GateError(KpuError):
    """A problem that must stop the build (or the command) before anything is published."""

    exit_code = ExitCode.GATE


class ConfigError(KpuError):
    """A setting of any family is missing, unknown or of the wrong type."""

    exit_code = ExitCode.CONFIG


class RosterError(GateError):
    """The roster of approvers cannot be read or is inconsistent."""

    exit_code = ExitCode.ROSTER


class AnchorError(RosterError):
    """The roster is not signed by the pinned anchor key (or the anchor is refused)."""

    exit_code = ExitCode.ANCHOR


class SigningError(GateError):
    """A sign-off could not be made: the rules forbid it or ssh-keygen failed."""

    exit_code = ExitCode.SIGNING


class UnknownItem(KpuError):
    """The item named on the command line is not an item under content/."""

    exit_code = ExitCode.UNKNOWN_ITEM


#: The log record attribute that carries a ``Finding.as_dict()`` (``logger.warning(...,
#: extra={LOGGED_FINDING: ...})``): a plugin's warning about one file that leaves its item
#: published (the theme's unreadable dates and statuses). The build's Pelican child and
#: the preview's log handler collect such records as data, never by parsing the text, so
#: ``invoke build``, ``invoke publish`` and the preview can show them with file and line.
LOGGED_FINDING = "kpu_temuan"


@dataclass(frozen=True)
class Finding:
    """One problem with one input file; the affected item is left out, not the site."""

    path: str
    message: str
    hint: str = ""
    line: int | None = None
    item: str | None = None

    def render(self) -> str:
        """Return ``file:line: message hint`` as shown to the people who must fix it."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message} {self.hint}".strip()

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready form for the manifest and ``status --json``."""
        return {
            "path": self.path,
            "line": self.line,
            "item": self.item,
            "message": self.message,
            "hint": self.hint,
        }
