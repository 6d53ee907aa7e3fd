"""Errors of ``invoke new``, ``report`` and ``sheet``: what is wrong, where, what to do next.

The tasks turn these into ``Exit(error.render(), code=error.exit_code)``. The codes
continue the gate's numbering (2-6) and the build's (10) without reusing them, so a
script can tell a refused draft from a broken roster.
"""

from __future__ import annotations


class WorkflowError(Exception):
    """A request the workflow commands cannot carry out; nothing was written."""

    exit_code = 20

    def __init__(self, message: str, *, path: str | None = None, hint: str = "") -> None:
        self.message = message
        self.path = path
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """Return the Indonesian text a person reads: where, what, what next."""
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} {self.hint}".strip()


class UnknownKind(WorkflowError):
    """The kind given to ``invoke new`` is not one of the SOP's kinds."""

    exit_code = 21


class ItemExists(WorkflowError):
    """The draft's file (or its address on the site) is already taken; never overwritten."""

    exit_code = 22


class BadValue(WorkflowError):
    """An option has a value of the wrong form (a date, a period, a title)."""

    exit_code = 23


class UnknownItem(WorkflowError):
    """The item named on the command line is not under content/."""

    exit_code = 24
