"""The sign-off files under approvals/: found without following symlinks, read within limits.

A writer may commit anything under ``approvals/``. The walk is iterative and never
follows a symlink; each file is judged from its ``lstat`` before it is opened: a symlink,
a FIFO or any other special file, a name that is not UTF-8 or a file over
``SIGNOFF_LIMIT`` (64 KB; ``invoke approve`` writes about 1.5 KB) is a ``Finding`` naming
it, and is never read. A regular file is then opened ``O_NOFOLLOW|O_NONBLOCK`` and read
within the limit (``digest.read_regular``). The ledger holds the item whose folder such a
file is in; nothing here can hang, loop or exhaust the build.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .digest import FileRefused, not_regular, read_regular, too_large
from .errors import Finding
from .records import ARCHIVE_FOLDER, SIGNOFF_LIMIT

_FIX = "Ganti dengan berkas persetujuan biasa, atau hapus dari folder approvals/."


def walk(root: str) -> list[tuple[str, os.DirEntry[str]]]:
    """Return every entry under ``root`` that is not a folder, without following symlinks.

    Iterative (a deep tree of folders cannot exhaust the stack). Regular files at the top
    (the roster and its signature) and the publication archive are not sign-offs; a
    symlink or special file at the top is still reported, and so is a folder that cannot
    be listed.
    """
    found: list[tuple[str, os.DirEntry[str]]] = []
    folders: list[tuple[str, os.DirEntry[str] | None]] = [("", None)]
    while folders:
        rel, folder = folders.pop()
        try:
            with os.scandir(folder.path if folder else root) as entries:
                listed = list(entries)
        except OSError:
            if folder is None:
                raise
            found.append((rel, folder))
            continue
        for entry in listed:
            name = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir(follow_symlinks=False):
                if name != ARCHIVE_FOLDER:  # the publication archive holds no sign-offs
                    folders.append((name, entry))
            elif rel or not entry.is_file(follow_symlinks=False):
                found.append((name, entry))
    return found


def refusal(shown: str, entry: os.DirEntry[str], info: os.stat_result) -> Finding | None:
    """Return why a file under approvals/ is not read at all, from its ``lstat``."""
    try:
        shown.encode("utf-8")
    except UnicodeEncodeError:  # the name's bytes are not UTF-8: show them replaced
        safe = shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return Finding(safe, "Nama berkas bukan teks UTF-8.", _FIX)
    if stat.S_ISDIR(info.st_mode):
        return Finding(shown, "Folder ini tidak dapat dibaca.", "Periksa izin foldernya.")
    if not stat.S_ISREG(info.st_mode):
        return Finding(shown, not_regular(info.st_mode), _FIX)
    if not entry.name.endswith(".yml"):
        return Finding(
            shown,
            "Berkas ini bukan berkas persetujuan (.yml).",
            "Pindahkan dari folder approvals/.",
        )
    if info.st_size > SIGNOFF_LIMIT:
        refused = too_large(info.st_size, SIGNOFF_LIMIT, None)
        return Finding(shown, refused.message, refused.hint)
    return None


def read_text(approvals: Path, rel: str, shown: str) -> str | Finding:
    """Read one sign-off file (regular, within the limit, UTF-8), or say why not."""
    try:
        data = read_regular(str(approvals), rel, SIGNOFF_LIMIT)
    except FileRefused as error:
        return Finding(shown, error.message, error.hint)
    if data is None:
        return Finding(shown, "Berkas hilang saat dibaca.", "Jalankan build lagi.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return Finding(shown, "Berkas bukan teks UTF-8.", "Buat keputusan baru.")


_ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class FolderReader:
    """``read_text`` for many files in few folders: each folder is opened once.

    A cold run's workers read 20,000 sign-offs, four to a folder; opening every folder
    on the way for every file (``read_regular``) was half of the reading's system time.
    Here the folders are opened as there (``O_NOFOLLOW`` from approvals/ down, never
    through a symlink) but once per folder, and a file is read only when it is, as
    there, a regular file by ``lstat`` and ``fstat`` and within ``SIGNOFF_LIMIT``, in
    UTF-8. Anything else, a refusal or an error, is left to ``read_text``, so a refused
    file's finding has the same words. Use as a context manager (the folder is closed).
    """

    def __init__(self, approvals: Path) -> None:
        self.approvals = approvals
        self.folder: str | None = None
        self.fd: int | None = None

    def __enter__(self) -> FolderReader:
        return self

    def __exit__(self, *_: object) -> None:
        self._close()

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
        self.folder, self.fd = None, None

    def _open(self, folder: str) -> int:
        """Open ``folder`` under approvals/ without following a symlink on the way."""
        if folder == self.folder and self.fd is not None:
            return self.fd
        self._close()
        fd = os.open(self.approvals, _ROOT_FLAGS)
        try:
            for part in folder.split("/"):
                if part in ("", ".", ".."):
                    raise FileNotFoundError(folder)
                inner = os.open(part, _FOLDER_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = inner
        except BaseException:
            os.close(fd)
            raise
        self.folder, self.fd = folder, fd
        return fd

    def read(self, rel: str, shown: str) -> str | Finding:
        """Return the text of sign-off ``rel`` (under approvals/), or why it is not read."""
        folder, _, name = rel.rpartition("/")
        try:
            if not folder or name in ("", ".", ".."):
                raise FileNotFoundError(rel)
            at = self._open(folder)
            if not stat.S_ISREG(os.stat(name, dir_fd=at, follow_symlinks=False).st_mode):
                raise FileNotFoundError(rel)
            fd = os.open(name, _FILE_FLAGS, dir_fd=at)
            try:  # os.read, no file object: a third of a small file's read
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode) or info.st_size > SIGNOFF_LIMIT:
                    raise FileNotFoundError(rel)
                data = _read_all(fd)
            finally:
                os.close(fd)
            if len(data) > SIGNOFF_LIMIT:
                raise FileNotFoundError(rel)
            return data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            self._close()
            return read_text(self.approvals, rel, shown)  # the same checks, and its words


def _read_all(fd: int) -> bytes:
    """Read up to ``SIGNOFF_LIMIT + 1`` bytes of ``fd`` (a short read is not the end)."""
    parts = [os.read(fd, SIGNOFF_LIMIT + 1)]
    size = len(parts[0])
    while parts[-1] and size <= SIGNOFF_LIMIT:
        parts.append(os.read(fd, SIGNOFF_LIMIT + 1 - size))
        size += len(parts[-1])
    return b"".join(parts)
