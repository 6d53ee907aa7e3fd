"""Writing a file whole or not at all, and writing a file that is surely new.

``write_whole`` is the one way the project replaces a small file.

Readers (a concurrent build, the next run after a kill, a person opening the file) must
never see half of a manifest, a cache or the machine's state: the text goes to a
temporary file beside the target and is renamed over it (``rename(2)`` is atomic on one
file system). ``durable`` also syncs the data first, for records that must survive a
power cut (the publishing machine's state); caches and manifests can be rebuilt.

``write_new`` (flags ``NEW_FILE``) is the one way the build's stores and exports create a
file: ``O_EXCL`` and ``O_NOFOLLOW``, so it never writes through whatever is already at the
path, a symlink planted there or another build's hard link to a stored, read-only file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Open flags for a file that must be new: never through a symlink or an existing file.
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def write_new(
    path: Path | str, data: bytes, folder_fd: int | None = None, mode: int = 0o666
) -> None:
    """Write ``data`` as a new file ``path`` (relative to ``folder_fd`` if given), all of it."""
    fd = os.open(path, NEW_FILE, mode, dir_fd=folder_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_whole(path: Path, text: str | bytes, *, durable: bool = False) -> None:
    """Replace ``path`` with ``text`` (UTF-8, or bytes as given) atomically; its folder is made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
