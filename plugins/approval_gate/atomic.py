"""Writing a file whole or not at all, writing a file that is surely new, and reading one.

``write_whole`` is the one way the project replaces a small file.

Readers (a concurrent build, the next run after a kill, a person opening the file) must
never see half of a manifest, a cache or the machine's state: the text goes to a
temporary file beside the target and is renamed over it (``rename(2)`` is atomic on one
file system). ``durable`` also syncs the data first, for records that must survive a
power cut (the publishing machine's state); caches and manifests can be rebuilt.

``write_new`` (flags ``NEW_FILE``) is the one way the build's stores and exports create a
file: ``O_EXCL`` and ``O_NOFOLLOW``, so it never writes through whatever is already at the
path, a symlink planted there or another build's hard link to a stored, read-only file.

``read_stored`` (flags ``READ_STORED``) is its counterpart for reading what such a store
holds: only a regular file, never through a symlink, never waiting
on a FIFO planted in its place, whole in one read of the size it has when opened.
``read_ahead`` opens stored files the same way only to have the kernel read them ahead
(``reading_ahead``: on a thread of its own).
``writer_gone`` tells when a leftover named with its writer's process id may be removed
(``process_alive``, the project's one check that a process still runs).
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

#: Open flags for a file that must be new: never through a symlink or an existing file.
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
#: Open flags for a folder worked in through its descriptor: never through a symlink.
OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
#: Open flags for reading a stored file: never through a symlink, never waiting (a FIFO).
READ_STORED = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


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


def read_stored(
    path: Path | str, folder_fd: int | None = None
) -> tuple[bytes, os.stat_result] | None:
    """Return the bytes and status of the regular file ``path``, or None.

    None for a symlink, a FIFO, a device or folder, a missing or unreadable file, and a
    file whose size changed while it was read (one byte more than its size is asked
    for): the caller then makes or reads the thing again in its own way. The status is
    taken from the open file before reading, so a file changed after it has a newer one.
    """
    try:
        fd = os.open(path, READ_STORED, dir_fd=folder_fd)
    except OSError:  # a symlink (ELOOP), gone, not allowed
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            return None
        data = os.read(fd, status.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return (data, status) if len(data) == status.st_size else None


def write_whole(path: Path, text: str | bytes | Iterable[str], *, durable: bool = False) -> None:
    """Replace ``path`` with ``text`` (UTF-8, or bytes as given) atomically; its folder is made.

    ``text`` may also be the text in pieces (each encoded as it is written), so a large
    file (the build manifest) is never held whole, as text and as bytes, at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        pieces = [text] if isinstance(text, (str, bytes)) else text
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                stream.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def read_ahead(
    folder: Path | str, names: Iterable[str | bytes], stop: threading.Event | None = None
) -> None:
    """Ask the kernel to read the files ``names`` in ``folder`` ahead; read nothing here.

    For a thread that warms what a build is about to read back from a store after the
    machine's idle time emptied its page cache (render_cache/page_files.py,
    publishing/compress_store.py). Each file is opened as ``read_stored`` opens it (no
    symlink followed, never waiting on a FIFO) and given ``posix_fadvise(WILLNEED)``;
    whatever fails is skipped, and nothing is raised: a warmer that stops only leaves
    the reads cold. The reader still checks every byte it uses. ``stop`` ends it early.
    """
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        fd = os.open(folder, OPEN_FOLDER)
    except OSError:
        return
    try:
        for name in names:
            if stop is not None and stop.is_set():
                return
            try:
                file = os.open(name, READ_STORED, dir_fd=fd)
            except OSError:
                continue
            try:
                os.posix_fadvise(file, 0, 0, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass  # not a regular file: its reader refuses it
            finally:
                os.close(file)
    except Exception:  # noqa: BLE001 (names that fail to come: the reads stay cold)
        return
    finally:
        os.close(fd)


def reading_ahead(
    folder: Path | str, names: Callable[[], Iterable[str | bytes]], thread_name: str
) -> Callable[[], None]:
    """Run ``read_ahead`` of ``folder``'s files ``names()`` on a thread; return its end.

    ``names`` is called on the thread (a store's listing, a pack's index: never on the
    caller's path), and whatever it raises only leaves the reads cold. The function
    returned stops the thread early and waits for it; a build calls it however it ends.
    """
    stop = threading.Event()

    def work() -> None:
        try:
            found = names()
        except Exception:  # noqa: BLE001 (a warmer that fails only leaves the reads cold)
            return
        read_ahead(folder, found, stop)

    thread = threading.Thread(target=work, name=thread_name, daemon=True)
    thread.start()

    def finish() -> None:
        stop.set()
        thread.join()

    return finish


def process_alive(pid: int | str) -> bool:
    """Tell whether process ``pid`` may still run: the one check of the whole project.

    Another user's process, or a number that is no process id, counts as running: what
    depends on the answer (removing a leftover, a job shown as ended) waits rather than
    err.
    """
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True
    return True


def writer_gone(pid: str) -> bool:
    """Tell whether the process that was writing a leftover file (``pid``, its digits) ended.

    A leftover named with its writer's process id (a killed build's list or pack) may be
    removed only then (``process_alive``).
    """
    return not process_alive(pid)
