"""Export one commit's tree from git objects into a fresh folder: regular files only.

A publish must not read the work tree: a writer (or a ``git pull`` from cron) can change
it while the build runs, and ``git archive`` would recreate a committed symlink to
``/proc/self/environ``. So the tree is listed with ``git ls-tree`` and every regular blob
is streamed from one ``git cat-file --batch`` process and written by this module, with
``O_CREAT|O_EXCL|O_NOFOLLOW`` under directories it created itself (opened relative to
their parent, never through a symlink). Each blob's bytes are hashed as git hashes them
and compared with the tree's object id, so what lands on disk is exactly the commit.
A publish links the blobs from the store of verified blobs (blobs.py) and refits the
last good publish's export instead of making every folder again (publishing/refit.py): the same
files, the very same inodes, as a fresh export.

A symlink, a submodule or a file name that is not plain UTF-8 is never written. Under
``content/`` (outside its furniture folders) and ``approvals/`` it is left out and
listed (an item that links it is then held: its file is missing); anywhere else (code,
settings, theme, furniture) the publish is refused, naming the path. Replace objects are
ignored (``GIT_NO_REPLACE_OBJECTS``): the commit's own objects are exported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from approval_gate.api import FURNITURE_FOLDERS, NEW_FILE, OPEN_FOLDER, Limits

from ..faults import is_storage, storage_error
from .. import refit
from . import SealError
from .blobs import BlobStore, write_chunks
from .objects import Blobs, Entry, list_tree

#: Top folders whose odd entries are left out instead of refusing the publish.
CONTENT = "content"
APPROVALS = "approvals"
REGULAR = frozenset({"100644", "100755"})
KINDS = {"120000": "tautan simbolik", "160000": "submodul"}
#: The largest file of content/ or approvals/ the export copies: the gate's default limit
#: of an attachment (a larger one would be refused by the gate anyway; never copying it
#: means a huge committed file cannot fill the disk and stop every publish).
MAX_BLOB = Limits().attachment
#: A control character in a path (a name Pelican cannot read back the same).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Export:
    """A commit written to ``folder``: each file's sha256, and what was left out."""

    commit: str
    folder: Path
    files: dict[str, str] = field(default_factory=dict)  # repo-relative path -> sha256 hex
    skipped: list[str] = field(default_factory=list)  # repo-relative paths, with the reason

    def under(self, folder: str) -> dict[str, str]:
        """Return the SHA-256 of the files under ``folder`` (e.g. approvals), by path there.

        Each is the hash of the bytes written (or of a stored blob checked against its
        git object id), so the gate need not read those files again to know it.
        """
        prefix = f"{folder}/"
        return {
            path[len(prefix) :]: sha for path, sha in self.files.items() if path.startswith(prefix)
        }


def _plain(raw: bytes) -> bool:
    """Tell whether a path is UTF-8 without control characters (a name Pelican can read)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _CONTROL.search(text) is None  # one scan in C: 25,000 paths in milliseconds


def check_path(entry: Entry) -> list[str]:
    """Return the path's parts, or raise ``SealError`` for a path that could escape."""
    parts = entry.raw.split(b"/")
    if entry.raw.startswith(b"/") or any(
        part in (b"", b".", b"..") or part.lower() == b".git" for part in parts
    ):
        raise SealError(
            "Jalur ini tidak boleh ada di commit (keluar dari folder situs).",
            path=entry.path,
            hint="Hapus berkas itu dari repositori.",
        )
    return [os.fsdecode(part) for part in parts]


def left_out(entry: Entry) -> bool:
    """Tell whether an entry that is not a plain regular file may be left out.

    Under ``content/`` (not its furniture) and ``approvals/`` it may: an item that
    needs it is held. Anywhere else it is code or furniture, and the publish stops.
    """
    parts = entry.raw.split(b"/")
    top = parts[0].decode("utf-8", errors="replace")
    if top == APPROVALS and len(parts) > 1:
        return True
    return (
        top == CONTENT
        and len(parts) > 1
        and parts[1].decode("utf-8", errors="replace") not in FURNITURE_FOLDERS
    )


def _why(entry: Entry) -> str:
    if entry.mode in KINDS:
        return KINDS[entry.mode]
    if entry.size > MAX_BLOB:
        return f"terlalu besar: {entry.size} bita, batas {MAX_BLOB} bita"
    if entry.mode in REGULAR:
        return "nama berkas bukan UTF-8 biasa"
    return f"jenis berkas git {entry.mode}"


class _Folders:
    """Directories of the export, each created and opened relative to its parent.

    ``ls-tree`` lists a tree depth first, so only the folders on the current path are
    held open. Opening with ``O_NOFOLLOW|O_DIRECTORY`` means no symlink is ever crossed.
    """

    def __init__(self, root: Path) -> None:
        root.mkdir(mode=0o755)  # fresh: an existing folder is an error
        self.fds = [os.open(root, OPEN_FOLDER)]
        self.names: list[str] = []

    def parent(self, parts: list[str]) -> int:
        """Return an open descriptor of the folder ``parts`` (created when missing)."""
        depth = 0
        while depth < min(len(self.names), len(parts)) and self.names[depth] == parts[depth]:
            depth += 1
        while len(self.names) > depth:
            os.close(self.fds.pop())
            self.names.pop()
        for name in parts[depth:]:
            try:
                os.mkdir(name, 0o755, dir_fd=self.fds[-1])
            except FileExistsError:
                pass  # made earlier; opening it below still refuses anything but a folder
            self.fds.append(os.open(name, OPEN_FOLDER, dir_fd=self.fds[-1]))
            self.names.append(name)
        return self.fds[-1]

    def close(self) -> None:
        """Close every descriptor still open."""
        while self.fds:
            os.close(self.fds.pop())


def _write(folders: _Folders, parts: list[str], chunks: Iterator[bytes]) -> str:
    """Write one new regular file (mode 0644) and return its sha256 hex."""
    fd = os.open(parts[-1], NEW_FILE, 0o644, dir_fd=folders.parent(parts[:-1]))
    try:
        os.fchmod(fd, 0o644)
        return write_chunks(fd, chunks)
    finally:
        os.close(fd)


def _sorted_out(
    entries: list[Entry], commit: str
) -> tuple[list[tuple[Entry, list[str]]], list[str]]:
    """Split the entries into files to write (with their path parts) and paths left out.

    Refuses the rest.
    """
    files, skipped = [], []
    for entry in entries:
        parts = check_path(entry)
        if (
            entry.mode in REGULAR
            and entry.kind == "blob"
            and _plain(entry.raw)
            and not (entry.size > MAX_BLOB and left_out(entry))
        ):
            files.append((entry, parts))
        elif left_out(entry):
            skipped.append(f"{entry.path} ({_why(entry)})")
        else:
            raise SealError(
                f"{_why(entry).capitalize()} di commit {commit[:12]}: kode, pengaturan dan "
                "perabot situs hanya boleh berupa berkas biasa.",
                path=entry.path,
                hint="Ganti dengan berkas biasa (atau hapus), commit, lalu terbitkan lagi.",
            )
    return files, skipped


def export_commit(
    repo: Path, commit: str, folder: Path, store: Path | None = None, previous: Path | None = None
) -> Export:
    """Write the regular files of ``commit`` (a full sha) into the new folder ``folder``.

    With ``store`` (``var/segel-blob``, see blobs.py) the verified blobs kept from the
    last export are hard-linked and only new ones are read from git; without it every
    blob is written. With ``previous`` too (the last good publish's export, publishing/refit.py)
    that folder becomes ``folder`` and only what differs is changed. Raises
    ``SealError`` for an entry that may not be published or a blob that does not match
    its id; the caller removes ``folder`` on any failure.
    """
    files, skipped = _sorted_out(list_tree(repo, commit), commit)
    export = Export(commit, folder, skipped=skipped)
    try:
        if store is None:
            _write_all(repo, files, folder, export)
        else:
            _link_all(repo, files, export, BlobStore(store), previous)
    except OSError as error:
        if is_storage(error):  # var/ full or read-only: named by its absolute path
            named = error.filename if os.path.isabs(str(error.filename or "")) else folder
            failed = OSError(error.errno, error.strerror, str(named))
            raise storage_error(failed, doing="(salinan commit)") from None
        raise SealError(
            f"Berkas tidak dapat ditulis ke salinan commit: {error.strerror}.",
            path=error.filename if isinstance(error.filename, str) else None,
        ) from None
    return export


def _write_all(
    repo: Path, files: list[tuple[Entry, list[str]]], folder: Path, export: Export
) -> None:
    """Write every blob of the commit into the export."""
    folders = _Folders(folder)
    blobs = Blobs(repo, [entry.oid for entry, _ in files])
    try:
        for entry, parts in files:
            export.files[entry.path] = _write(folders, parts, blobs.read(entry.oid))
    finally:
        blobs.close()
        folders.close()


def _link_all(
    repo: Path,
    files: list[tuple[Entry, list[str]]],
    export: Export,
    store: BlobStore,
    previous: Path | None,
) -> None:
    """Add the commit's new blobs to the store, then link every file from it."""
    oids = [entry.oid for entry, _ in files]
    try:
        missing = store.missing(oids)
        blobs = Blobs(repo, missing)
        try:
            for oid in missing:
                store.add(oid, blobs.read(oid))
        finally:
            blobs.close()
        if previous is not None and refit.take_over(str(previous), str(export.folder)):
            tree = refit.tree_of([(parts, entry.oid) for entry, parts in files])
            refit.refit_folder(str(export.folder), tree, store.holds, store.link)
            for entry, _ in files:
                export.files[entry.path] = store.sha256[entry.oid]
        else:
            folders = _Folders(export.folder)
            try:
                for entry, parts in files:
                    export.files[entry.path] = store.link(
                        entry.oid, folders.parent(parts[:-1]), parts[-1]
                    )
            finally:
                folders.close()
        store.keep_only(oids)
    finally:
        store.close()
