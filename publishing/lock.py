"""One publish at a time: an advisory lock that says who holds it.

``flock`` is released by the kernel when the holder dies, so a killed publish never
leaves a stale lock behind; the file's text only tells the next person who is busy.
"""

from __future__ import annotations

import fcntl
import getpass
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

from approval_gate.api import ExitCode, KpuError, now


class LockHeld(KpuError):
    """Another publish is running; the message names its holder."""

    exit_code = ExitCode.LOCK


@contextmanager
def publish_lock(path: Path) -> Iterator[None]:
    """Hold the publish lock for the duration of the block, or raise ``LockHeld``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the block)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "proses lain"
            raise LockHeld(
                f"Penerbitan lain sedang berjalan ({holder}). Tunggu sampai "
                "selesai, lalu coba lagi."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            f"{getpass.getuser()}@{socket.gethostname()}, pid {os.getpid()}, sejak "
            f"{now().astimezone(UTC).isoformat(timespec='seconds')}\n"
        )
        handle.flush()
        yield
    finally:
        handle.close()
