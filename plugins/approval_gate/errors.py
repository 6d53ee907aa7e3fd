"""The gate's whole error vocabulary: fatal errors with exit codes, and findings.

Fatal errors (``GateError`` and subclasses) stop the build: configuration, roster and
anchor problems mean nothing can be trusted, so nothing is published. A ``Finding`` is
a problem with one input file: it is reported, the affected item is left out, and the
rest of the site still builds.
"""

from __future__ import annotations

from dataclasses import dataclass


class GateError(Exception):
    """A problem that must stop the build (or the command) before anything is published."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None,
                 line: int | None = None, hint: str = "") -> None:
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """Return the full Indonesian text a person reads: where, what, what next."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        return f"{text} {self.hint}".strip() if self.hint else text


class ConfigError(GateError):
    """A setting of the gate is missing, mistyped or of the wrong type."""

    exit_code = 3


class RosterError(GateError):
    """The roster of approvers cannot be read or is inconsistent."""

    exit_code = 4


class AnchorError(RosterError):
    """The roster is not signed by the pinned anchor key (or the anchor is refused)."""

    exit_code = 5


class SigningError(GateError):
    """A sign-off could not be made: the rules forbid it or ssh-keygen failed."""

    exit_code = 6


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
        return {"path": self.path, "line": self.line, "item": self.item,
                "message": self.message, "hint": self.hint}
