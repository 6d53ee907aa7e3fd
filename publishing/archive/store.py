"""Writing a record: only through real folders, whole or not at all, never twice.

A writer may commit anything under ``approvals/``, so the archive must not trust what the
checkout looks like. A record is written through file descriptors, one path component at
a time, each opened with ``O_DIRECTORY|O_NOFOLLOW``: an ``approvals/_arsip`` that is a
symlink (into the live site, say) or an ``_arsip/2026`` that is a file is refused before
anything goes live. The file is created under a temporary name with
``O_CREAT|O_EXCL|O_NOFOLLOW``, synced, then hard-linked to its final name (``link(2)``
never replaces a file and never follows a symlink there), so a record appears whole or
not at all, and never twice.

A full disk or a read-only archive folder is ``ArchiveStorageError`` (exit code 17). Before
the deploy a publish reserves room for the complete record (``reserve``): two files of
real data, given back right before that record is written, so a disk that fills up while
the site is being switched cannot leave the live release without it. A killed publish's
reservation and temporary files are removed by the next one's ``reserve``.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from approval_gate.api import NEW_FILE, OPEN_FOLDER, ExitCode, KpuError

from ..faults import AGAIN, is_storage, reason, remedy

#: A pending record ends so; the complete record of the same release drops ``.tertunda``.
PENDING_SUFFIX = ".tertunda.yml"
#: Room held for the complete record: two files (its .sig and itself) of this size.
RESERVE_SUFFIX = ".cadangan"
RESERVE_BYTES = 16 * 1024


class ArchiveError(KpuError):
    """The archive cannot be written safely, or a record does not prove where it came from.

    Exit code 14 (``SEAL``), like the other ways a checkout can be unfit to publish from:
    the refusal comes before the switch, so the live site is unchanged.
    """

    exit_code = ExitCode.SEAL


class ArchiveStorageError(ArchiveError):
    """The archive folder is full or read-only (exit code 17, like every such folder)."""

    exit_code = ExitCode.STORAGE


def storage_refusal(error: OSError, shown: str, after: str) -> ArchiveStorageError:
    """Return the error for a record that could not be written for lack of room or rights."""
    return ArchiveStorageError(
        f"{shown} tidak dapat ditulis: {reason(error)}.",
        hint=f"{after} {remedy(error)}, {AGAIN}.".strip(),
    )


class ArchiveKeyError(ArchiveError):
    """The publishing machine's key is missing, not in the roster, or cannot sign (exit 6)."""

    exit_code = ExitCode.SIGNING


def record_name(release: str, target: str, pending: bool = False) -> str:
    """Return the file name of a record: ``<release>-<target>[.tertunda].yml``."""
    return f"{release}-{target}{PENDING_SUFFIX if pending else '.yml'}"


def _not_real(parent: int, name: str, shown: str, error: OSError, after: str) -> ArchiveError:
    try:
        mode: int | None = os.lstat(name, dir_fd=parent).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        what = "sebuah tautan simbolik (symlink), bukan folder"
    elif mode is not None and not stat.S_ISDIR(mode):
        what = "sebuah berkas, bukan folder"
    else:
        what = f"tidak dapat dibuka ({error.strerror})"
    return ArchiveError(
        f"{shown} adalah {what}. Catatan arsip hanya ditulis melalui folder sungguhan.",
        hint=f"Ganti {shown} dengan folder biasa (periksa commit yang membuatnya), lalu "
        f"ulangi. {after}",
    )


@contextmanager
def real_folder(folder: Path, year: str, after: str) -> Iterator[int]:
    """Yield a descriptor of ``folder/year``, every component below the project a real folder.

    ``folder`` is ``approvals/_arsip`` or ``var/arsip-contoh``: the project folder above
    it is trusted (the machine's own checkout); ``approvals`` (or ``var``), the archive
    folder and the year are opened with ``O_NOFOLLOW`` and made when missing. ``after``
    tells people what the refusal means for the live site.
    """
    base = folder.parent.parent
    descriptor = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        shown = ""
        for part in (folder.parent.name, folder.name, year):
            shown = f"{shown}/{part}" if shown else part
            try:
                with suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=descriptor)
                inner = os.open(part, OPEN_FOLDER, dir_fd=descriptor)
            except OSError as error:
                if is_storage(error):
                    raise storage_refusal(error, shown, after) from None
                raise _not_real(descriptor, part, shown, error, after) from None
            os.close(descriptor)
            descriptor = inner
        yield descriptor
    finally:
        os.close(descriptor)


def create_once(folder: int, name: str, data: bytes, shown: str, after: str = "") -> None:
    """Create ``name`` in the open folder with ``data``: whole, never over another file."""
    try:
        _create(folder, name, data, shown)
    except OSError as error:
        if is_storage(error):
            raise storage_refusal(error, shown, after) from None
        raise ArchiveError(f"{shown} tidak dapat ditulis ({error.strerror}).") from None


def _reservations(release: str) -> list[str]:
    return [f".{release}.{index}{RESERVE_SUFFIX}" for index in (1, 2)]


def reserve(folder: Path, year: str, release: str, after: str) -> None:
    """Hold room for ``release``'s complete record in ``folder/year`` (``unreserve`` frees it).

    What killed publishes left there (their reservations, temporary files) goes first.
    """
    with real_folder(folder, year, after) as descriptor:
        _unlink(descriptor, _leftovers(descriptor))
        try:
            for name in _reservations(release):
                handle = os.open(name, NEW_FILE, 0o600, dir_fd=descriptor)
                with os.fdopen(handle, "wb") as stream:
                    stream.write(b"\0" * RESERVE_BYTES)
                    stream.flush()
                    os.fsync(stream.fileno())
        except OSError as error:
            _unlink(descriptor, _reservations(release))
            shown = f"{folder.parent.name}/{folder.name}/{year}"
            if is_storage(error):
                raise storage_refusal(error, shown, after) from None
            raise ArchiveError(f"{shown} tidak dapat ditulis ({error.strerror}).") from None


def unreserve(folder: Path, year: str, release: str) -> None:
    """Give back the room ``reserve`` held (nothing to do when it is gone)."""
    with real_folder(folder, year, "") as descriptor:
        _unlink(descriptor, _reservations(release))


def _leftovers(descriptor: int) -> list[str]:
    """Return the reservations and temporary files in the open folder (killed publishes')."""
    return [
        name
        for name in os.listdir(descriptor)
        if name.startswith(".") and name.endswith((RESERVE_SUFFIX, ".tmp"))
    ]


def _unlink(descriptor: int, names: list[str]) -> None:
    for name in names:
        with suppress(OSError):
            os.unlink(name, dir_fd=descriptor)


def _create(folder: int, name: str, data: bytes, shown: str) -> None:
    temporary = f".{name}.{secrets.token_hex(4)}.tmp"
    handle = os.open(temporary, NEW_FILE, 0o644, dir_fd=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
        except FileExistsError:
            raise ArchiveError(
                f"{shown} sudah ada; catatan arsip ditulis sekali dan tidak pernah ditimpa."
            ) from None
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=folder)
    os.fsync(folder)
