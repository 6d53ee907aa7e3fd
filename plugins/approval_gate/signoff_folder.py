"""Reading the sign-off files of one folder after another through one open folder.

``digest.read_regular`` opens approvals/ and every folder below it for each file it
reads: four opens and four closes a sign-off, a third of the reading of a cold
``invoke status``. ``Folder`` opens them as it does (approvals/ itself, then each folder
``O_NOFOLLOW``), once per folder: the files of a folder are consecutive in the sorted
walk (signoff_reading.py). It takes only a file that is exactly as it should be;
anything else (a symlink, a FIFO, a folder swapped for a link, a file too large or not
UTF-8, any error) is read again by ``signoff_files.read_text``, which says what is wrong
as it always did.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from . import signoff_files
from .errors import Finding
from .records import SIGNOFF_LIMIT

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class Folder:
    """The folder of the sign-offs being read, kept open until the next folder's file."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.rel: str | None = None
        self.fd = -1

    def _open(self, rel: str) -> int:
        if rel == self.rel:
            return self.fd
        self.close()
        fd = os.open(self.root, _DIRECTORY)
        try:
            for part in rel.split("/") if rel else ():
                inner = os.open(part, _DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = inner
        except BaseException:
            os.close(fd)
            raise
        self.rel, self.fd = rel, fd
        return fd

    def read(self, rel: str) -> str | None:
        """Return the text of a regular UTF-8 file within the limit, else None (ask again).

        Checked as ``read_regular`` checks: ``lstat`` says regular before it is opened
        (``O_NOFOLLOW|O_NONBLOCK``), ``fstat`` says so after, read to one byte past the
        limit.
        """
        folder, _, name = rel.rpartition("/")
        at = self._open(folder)
        if not stat.S_ISREG(os.stat(name, dir_fd=at, follow_symlinks=False).st_mode):
            return None
        fd = os.open(name, _FILE, dir_fd=at)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > SIGNOFF_LIMIT:
                return None
            data = b""
            while len(data) <= SIGNOFF_LIMIT:
                more = os.read(fd, SIGNOFF_LIMIT + 1 - len(data))
                if not more:
                    break
                data += more
        finally:
            os.close(fd)
        if len(data) > SIGNOFF_LIMIT:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def close(self) -> None:
        """Close the folder kept open (the next read opens its own again)."""
        if self.fd >= 0:
            os.close(self.fd)
        self.rel, self.fd = None, -1


def read_text(approvals: Path, rel: str, shown: str, folder: Folder | None = None) -> str | Finding:
    """Read one sign-off file through ``folder`` when all is as it should be, else as ever.

    Any refusal, error or oddity (a symlink, a FIFO, a folder swapped, a file too large
    or not UTF-8) is read again by ``signoff_files.read_text``, which gives the finding.
    """
    if folder is not None:
        try:
            text = folder.read(rel)
        except OSError:
            folder.close()
            text = None
        if text is not None:
            return text
    return signoff_files.read_text(approvals, rel, shown)
