"""The desk's error family: what stops ``invoke meja`` or refuses one request."""

from __future__ import annotations

from approval_gate.api import ExitCode, KpuError


class DeskError(KpuError):
    """The desk cannot start or carry out a request; the message is Indonesian."""

    exit_code = ExitCode.DESK


class Refused(DeskError):
    """One request is refused (shown to the person on the page, with status ``status``)."""

    def __init__(self, message: str, *, status: int = 400, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status
