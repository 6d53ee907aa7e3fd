"""Ctrl-C and SIGTERM: stop cleanly, except during a switch, which finishes first.

``install()`` (called once by commands/cli.py for every task) makes SIGINT and SIGTERM
raise ``Interrupted``, a ``KeyboardInterrupt`` that knows its signal: the ``finally``
blocks on the way out remove temporary folders and release the publish lock, and
``commands.cli.reported`` turns it into one Indonesian sentence and exit code 130 or 143.

A switch must not be cut in half: between making a release live and recording it (the
machine's state, the archive record) the live site and the records would disagree. So
the code that switches calls ``hold()`` right before it; a signal that arrives while
held is only noted, the publish finishes, and ``release()`` hands the signal back for
the command to report after its summary. ``held()`` does the same for a short block and
raises the held signal afterwards (``output/`` replaced by a build).

Outside a command (tests, libraries) nothing is installed and hold/release cost nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from approval_gate.api import ExitCode

#: The signals a person (Ctrl-C) or a service manager (SIGTERM) stops a command with.
SIGNALS = (signal.SIGINT, signal.SIGTERM)
_CODES = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}

_held: list[int] | None = None  # signals noted while held; None: not holding


class Interrupted(KeyboardInterrupt):
    """A command was stopped by SIGINT or SIGTERM (code 130 or 143)."""

    def __init__(self, signum: int = signal.SIGINT, *, finished: bool = False) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = _CODES.get(signal.Signals(signum), ExitCode.INTERRUPTED)
        self.finished = finished  # raised by ``held()``: the held work was done first


def how(signum: int) -> str:
    """Return who stopped the command, in Indonesian ("oleh pengguna (Ctrl-C)")."""
    if signum == signal.SIGTERM:
        return "oleh sinyal SIGTERM"
    return "oleh pengguna (Ctrl-C)"


def _stop(signum: int, frame: FrameType | None) -> None:
    if _held is not None:
        _held.append(signum)
        return
    raise Interrupted(signum)


def install() -> None:
    """Make SIGINT and SIGTERM raise ``Interrupted`` (main thread only; idempotent)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for number in SIGNALS:
        signal.signal(number, _stop)


def hold() -> None:
    """Note SIGINT/SIGTERM instead of stopping, until ``release()`` (nested calls: no-op)."""
    global _held
    if _held is None:
        _held = []


def release() -> int | None:
    """Stop holding; return the first signal noted meanwhile (not raised), if any."""
    global _held
    noted, _held = _held, None
    return noted[0] if noted else None


def holding() -> bool:
    """Return whether signals are being held."""
    return _held is not None


@contextmanager
def held() -> Iterator[None]:
    """Hold signals for the block, then raise ``Interrupted`` for one that arrived.

    The error says ``finished``: the block's work is done, so the command must not claim
    that nothing changed. Inside an outer hold the block changes nothing: the outer
    holder decides.
    """
    if holding():
        yield
        return
    hold()
    try:
        yield
    finally:
        noted = release()
    if noted is not None:
        raise Interrupted(noted, finished=True)
