"""The preview folder's life: claimed by a marker, built under a lock, cleaned after a crash.

Every full preview empties its folder first, so a folder is only ever emptied when it is
recognisably a preview: it holds the claim file ``.kpu-pratinjau`` (written before any
page, kept through every run), or a ``robots.txt`` with the preview marker (previews made
before the claim file existed), or, for the site's default folder only, a page with the
preview marker (what a crashed older preview left behind). Anything else is refused.

A run holds an advisory lock (``flock`` on ``<folder>.lock`` beside the folder) while it
builds: the kernel releases it when the holder dies, so a killed preview never leaves a
stale lock, and ``invoke preview`` and the watch worker never write the folder at once.
The claim file says whether the last run finished; a run that finds "membangun" there
knows the previous one was interrupted, and its clean start removes what was left.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import PreviewError
from .inject import MARKER_BYTES, MARKER_NAME

try:  # POSIX; on Windows the preview runs without the lock (one writer per PC)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: The claim file inside the folder; its first word is the state of the last run.
CLAIM = ".kpu-pratinjau"
BUILDING, DONE, INTERRUPTED = "membangun", "selesai", "disela"
#: How long a run waits for another run on the same folder before giving up (seconds;
#: the environment variable changes it, for a slow machine or a test).
LOCK_WAIT_S = 60.0
LOCK_WAIT_ENV = "KPU_PRATINJAU_TUNGGU"
#: At most this many foreign file names are named in the refusal.
SHOWN = 3


def lock_path(folder: Path) -> Path:
    """Return the lock file of a preview folder (beside it: ``var/pratinjau.lock``)."""
    return folder.with_name(folder.name + ".lock")


def remove_command(folder: Path) -> str:
    """Return the one command that removes ``folder`` on this machine's shell."""
    if os.name == "nt":  # pragma: no cover - Windows
        return f'Remove-Item -Recurse -Force "{folder}"'
    return f"rm -rf '{folder}'"


def _has_marked_page(folder: Path) -> bool:
    for page in folder.rglob("*.htm*"):
        try:
            if page.is_file() and MARKER_BYTES in page.read_bytes():
                return True
        except OSError:
            continue
    return False


def is_preview(folder: Path, default: bool) -> bool:
    """Tell whether ``folder`` is empty, missing, or recognisably a preview (see above)."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return True
    if (folder / CLAIM).is_file():
        return True
    robots = folder / "robots.txt"
    if robots.is_file() and MARKER_NAME in robots.read_text(errors="replace"):
        return True
    return default and _has_marked_page(folder)


def foreign_names(folder: Path) -> list[str]:
    """Return a few names of what the folder holds (for the refusal message)."""
    return sorted(entry.name for entry in folder.iterdir())[:SHOWN]


def last_run_unfinished(folder: Path) -> bool:
    """Tell whether the previous run on ``folder`` started and never finished."""
    try:
        return (folder / CLAIM).read_text(encoding="utf-8").startswith(BUILDING)
    except OSError:
        return False


def claim(folder: Path, state: str) -> None:
    """Write the claim file: this folder is a preview; ``state`` of the current run."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CLAIM).write_text(
        f"{state} pid {os.getpid()}\n{MARKER_NAME}: folder pratinjau, dikosongkan dan "
        "dibangun ulang oleh setiap 'invoke preview'; jangan simpan berkas lain di sini.\n",
        encoding="utf-8",
    )


def empty(folder: Path) -> None:
    """Remove everything in the folder but the claim file, or say what cannot go."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name == CLAIM:
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError as error:
            stuck = Path(error.filename) if error.filename else entry
            raise PreviewError(
                f"Sisa pratinjau sebelumnya tidak dapat dihapus: {stuck} "
                f"({error.strerror}). Naskah dan situs tidak berubah.",
                hint=f"Hapus folder pratinjau dengan: {remove_command(folder)} "
                "(periksa izin berkasnya bila gagal), lalu ulangi.",
            ) from None


def _holder(handle: IO[str]) -> str:
    try:
        handle.seek(0)
        return handle.read().strip()
    except OSError:
        return ""


def lock_wait() -> float:
    """Return how long to wait for another run (``LOCK_WAIT_ENV``, else ``LOCK_WAIT_S``)."""
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV) or LOCK_WAIT_S))
    except ValueError:
        return LOCK_WAIT_S


@contextmanager
def building(folder: Path) -> Iterator[None]:
    """Hold the folder's lock for one run, waiting a while for another run to finish."""
    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        if fcntl is not None:
            deadline = time.monotonic() + lock_wait()
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _busy(folder, _holder(handle)) from None
                    time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        yield


def _busy(folder: Path, holder: str) -> PreviewError:
    pid = holder.split()[1] if holder.startswith("pid ") and len(holder.split()) > 1 else ""
    what = f"proses {pid}" if pid else "proses lain"
    stop = f"hentikan dengan: kill {pid}" if pid else "hentikan proses pratinjau yang lain"
    return PreviewError(
        f"Folder pratinjau {folder} sedang dibangun oleh {what} (invoke preview atau "
        "invoke watch); pratinjau ini tidak mengubah apa pun.",
        hint=f"Tunggu sampai selesai; bila proses itu macet, {stop}, lalu ulangi.",
    )
