"""When a folder cannot be written: the faults every step names in Indonesian, and clean-up.

A full disk, a read-only mount or a refused permission shows up as an ``OSError`` in
whatever step first writes. Each step that knows what such a failure leaves unchanged
turns it into a ``KpuError`` here (``storage_error``), with the path, the reason in
Indonesian and what to do; nothing else is caught, so a real bug still shows as one.

Two helpers keep a failure from leaving a mess or a half-done state behind:

* ``discard`` removes a folder another process may still be writing into (an orphaned
  Pelican child of a killed publish): it is renamed out of the way first, so the caller
  always gets a fresh name, and whatever cannot be removed yet is removed next time.
* ``Reservation`` holds a little space (and two inodes) in a folder before the switch,
  given back just before the writes that must follow the switch, so a disk that fills up
  during a deploy cannot leave the live site without its archive record.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from contextlib import suppress
from pathlib import Path
from typing import TypeGuard

from approval_gate.api import ExitCode, KpuError

#: Why a write failed, for people: the errno families a publish translates.
REASONS = {
    errno.ENOSPC: "disk penuh",
    errno.EDQUOT: "kuota disk habis",
    errno.EROFS: "sistem berkasnya hanya-baca",
    errno.EACCES: "izin menulis ditolak",
    errno.EPERM: "izin menulis ditolak",
    errno.EBUSY: "sedang dipakai atau berupa titik mount",
}
#: A full disk (free space), as against a write refused (fix the mount or the rights).
FULL = {errno.ENOSPC, errno.EDQUOT}
#: What a person does after a fault a publish reported: fix it, publish again.
AGAIN = "lalu jalankan 'invoke publish' lagi"
#: Names of the folders ``discard`` moves things to before removing them.
TRASH_PREFIX = ".buang-"


class StorageError(KpuError):
    """A folder on this machine is full or read-only; nothing went live (exit code 17)."""

    exit_code = ExitCode.STORAGE


#: What ``Unfinished`` names when the machine's own record could not be written.
MACHINE_NOTE = "catatan mesin penerbit (untuk 'invoke rollback')"


class Unfinished(KpuError):
    """The release went live, but what must follow the switch was not written (exit code 16).

    Never "the live site is unchanged": it changed. ``cause`` says what failed and what
    to do; the next publish completes a missing archive record (archive/repair.py).
    """

    exit_code = ExitCode.UNARCHIVED

    def __init__(self, release: str, where: str, missing: str, cause: KpuError) -> None:
        self.release = release
        super().__init__(
            f"Rilis {release} sudah tayang di {where}, tetapi {missing} belum tertulis.\n"
            f"{cause.render()}"
        )


def is_storage(error: BaseException) -> TypeGuard[OSError]:
    """Return whether ``error`` is a full disk, a read-only folder or a refused write."""
    return isinstance(error, OSError) and error.errno in REASONS


def reason(error: OSError) -> str:
    """Return why the write failed, in Indonesian (the errno's name for any other)."""
    return REASONS.get(error.errno or 0) or errno.errorcode.get(error.errno or 0, "galat")


def remedy(error: OSError) -> str:
    """Return what a person does about ``error`` (free space, or make the folder writable)."""
    if error.errno in FULL:
        return "Kosongkan ruang di disk itu"
    return "Jadikan folder itu dapat ditulis (periksa mount dan izinnya)"


def failed_path(error: OSError, fallback: Path | str | None = None) -> str:
    """Return the path the failed call could not write (a copy's destination), else ``fallback``."""
    return str(error.filename2 or error.filename or fallback or "?")


def storage_error(
    error: OSError, *, doing: str = "", unchanged: str = "", then: str = "lalu ulangi"
) -> StorageError:
    """Return the Indonesian error for a failed write: what, where, what is unchanged, what next.

    ``doing`` says what was being written ("(salinan commit)"), ``unchanged`` what is
    left as it was ("situs tayang tidak berubah"), ``then`` what to run afterwards.
    """
    text = f"Tidak dapat menulis {failed_path(error)}{' ' + doing if doing else ''}: "
    text += reason(error) + (f"; {unchanged}." if unchanged else ".")
    return StorageError(text, hint=f"{remedy(error)}, {then}.")


def discard(folder: Path) -> None:
    """Remove ``folder`` even while an orphaned process still writes into it.

    It is renamed to a ``.buang-*`` sibling first (always possible for a folder in use),
    so the name is free at once; what cannot be removed now is removed by the next call
    of ``sweep`` in the same parent.
    """
    if not folder.exists() and not folder.is_symlink():
        return
    trash = folder.with_name(f"{TRASH_PREFIX}{folder.name}-{secrets.token_hex(4)}")
    try:
        folder.rename(trash)
    except OSError as error:
        if error.errno == errno.ENOENT:
            return
        raise
    shutil.rmtree(trash, ignore_errors=True)


def sweep(parent: Path) -> None:
    """Remove what ``discard`` could not, in ``parent`` (best effort, never fails)."""
    if parent.is_dir():
        for trash in parent.glob(f"{TRASH_PREFIX}*"):
            shutil.rmtree(trash, ignore_errors=True)


class Reservation:
    """A little space and two inodes held in a folder until the writes it is kept for.

    ``Reservation(folder, name).make()`` writes two files of ``size`` bytes (real data,
    synced: a sparse file holds no space); ``free()`` removes them. A reservation left by
    a killed publish is removed by the next one (``clear_reservations``).
    """

    SUFFIX = ".cadangan"

    def __init__(self, folder: Path, name: str, size: int = 64 * 1024) -> None:
        self.files = [folder / f".{name}.{index}{self.SUFFIX}" for index in (1, 2)]
        self.size = size

    def make(self) -> Reservation:
        """Hold the space now; ``OSError`` (full, read-only) if there is none to hold."""
        try:
            for path in self.files:
                with open(path, "xb") as stream:
                    stream.write(b"\0" * self.size)
                    stream.flush()
                    os.fsync(stream.fileno())
        except BaseException:
            self.free()
            raise
        return self

    def free(self) -> None:
        """Give the space back (the files may already be gone)."""
        for path in self.files:
            with suppress(FileNotFoundError):
                path.unlink()


def clear_reservations(folder: Path) -> None:
    """Remove the reservations a killed publish left in ``folder`` (best effort)."""
    if folder.is_dir():
        for path in folder.glob(f".*{Reservation.SUFFIX}"):
            with suppress(OSError):
                path.unlink()
