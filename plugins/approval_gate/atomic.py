"""Writing a file whole or not at all: the one way the project replaces a small file.

Readers (a concurrent build, the next run after a kill, a person opening the file) must
never see half of a manifest, a cache or the machine's state: the text goes to a
temporary file beside the target and is renamed over it (``rename(2)`` is atomic on one
file system). ``durable`` also syncs the data first, for records that must survive a
power cut (the publishing machine's state); caches and manifests can be rebuilt.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
