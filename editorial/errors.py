"""The editorial commands' errors: what is wrong, where, what to do next, and the code.

Every family is a ``KpuError``, so the command layer turns each into
``Exit(error.render(), code=error.exit_code)`` in its one place; the codes are the
project's table (``ExitCode``), so a script can tell a refused draft from a refused
preview or a broken roster. ``UnknownItem`` (an item not under content/) is the gate's.
"""

from __future__ import annotations

from approval_gate.api import ExitCode, KpuError


class WorkflowError(KpuError):
    """A request the workflow commands cannot carry out; nothing was written."""

    exit_code = ExitCode.WORKFLOW


class UnknownKind(WorkflowError):
    """The kind given to ``invoke new`` is not one of the SOP's kinds."""

    exit_code = ExitCode.UNKNOWN_KIND


class ItemExists(WorkflowError):
    """The draft's file (or its address on the site) is already taken; never overwritten."""

    exit_code = ExitCode.ITEM_EXISTS


class BadValue(WorkflowError):
    """An option has a value of the wrong form (a date, a period, a title)."""

    exit_code = ExitCode.BAD_VALUE


class PdfFailed(WorkflowError):
    """The PDF converter ran but made no PDF; the sheet's HTML is still there."""

    exit_code = ExitCode.PDF


class PreviewError(WorkflowError):
    """The preview cannot be built safely (settings, folders, or an unmarked page)."""

    exit_code = ExitCode.PREVIEW


class WatchError(PreviewError):
    """``invoke watch`` cannot start (port taken, folder missing)."""

    exit_code = ExitCode.WATCH


class PreviewInterrupted(Exception):
    """A newer change arrived while a full preview pass was writing; it starts over."""
