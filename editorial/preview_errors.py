"""Errors of ``invoke preview`` and ``invoke watch``, continuing the workflow's codes.

The codes follow the workflow commands' (20-24) without reusing them, so a script can
tell a refused preview from a refused draft.
"""

from __future__ import annotations

from .workflow_errors import WorkflowError


class PreviewError(WorkflowError):
    """The preview cannot be built safely (settings, folders, or an unmarked page)."""

    exit_code = 30


class WatchError(PreviewError):
    """``invoke watch`` cannot start (port taken, folder missing)."""

    exit_code = 31


class PreviewInterrupted(Exception):
    """A newer change arrived while a full preview pass was writing; it starts over."""
