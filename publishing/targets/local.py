"""The local-folder target: each release in its own folder, ``current`` switched at once.

A web server serves ``<path>/current``. A release is assembled completely in
``releases/.<id>.partial`` and renamed when whole, then ``current`` is replaced by a new
symlink with one ``rename``: a reader sees the old site or the new one, never a mixture,
and a publish killed at any point leaves ``current`` as it was. Files unchanged since the
current release are hard links to it, so an unchanged re-publish writes no file data.
Old releases beyond ``keep`` are removed, oldest first, never the current one; the one
this publish would remove is made into the new release instead (``_refit``).

A full disk or a read-only folder stops the copy with one Indonesian sentence; the
incomplete copy is removed at once, and whatever a killed publish left (``.partial``
folders, a temporary link) is removed by the next publish, which says so.

The plan costs what changed: the new output comes hashed from the build (``Target.known``)
and the live release is not hashed again. Once a release is live, the SHA-256 of each of
its files is recorded beside it (``.kpu-hashes/<release>.sha256``, sealed with the
publishing machine's key) with what identifies the file on disk (device, inode, size,
modification and change times). The next plan reuses a recorded hash only for a file
that is still exactly that file; a file edited, replaced or touched by hand on the
target, a missing, forged or foreign record all mean hashing that file again, so a plan
never sends less than what changed. The walk that checks each live file against the
record runs in a small process while the build is audited (``look_live``,
targets/local_look.py); the plan takes its answer while ``current`` has not moved.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import shutil
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approval_gate.api import NEW_FILE, MachineCache, options

from .. import interrupts, refit
from ..failpoints import failpoint
from ..faults import AGAIN, FULL, failed_path, is_storage, reason, remedy
from ..meanwhile import alongside
from ..tree import OutputFile, Packed, Stamp, fresh, list_output, pack_output
from .local_look import Live, LocalLook
from .local_record import RECORD_KEYS, read_record, record_path, recorded, write_record
from . import Plan, Sent, Target, TargetError, folder, target_options

#: Kept for backwards compatibility with the first tests: the local target's error.
DeployError = TargetError


def releases(target: Path) -> list[str]:
    """Return the complete releases at ``target``, oldest first."""
    folder = target / "releases"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def current_release(target: Path) -> str | None:
    """Return the release ``current`` points at, if any."""
    link = target / "current"
    return Path(os.readlink(link)).name if link.is_symlink() else None


def _switch(target: Path, release: str) -> None:
    temp = target / f".current-{os.getpid()}"
    if temp.is_symlink():
        temp.unlink()
    try:
        temp.symlink_to(Path("releases") / release)
        os.replace(temp, target / "current")  # rename(2): atomic for readers
    finally:
        if temp.is_symlink():
            temp.unlink()


def leftovers(target: Path) -> list[Path]:
    """Return what killed publishes left at ``target``: ``.partial`` releases, temporary links."""
    found = sorted((target / "releases").glob(".*.partial")) if target.is_dir() else []
    return found + sorted(p for p in target.glob(".current-*") if p.is_symlink())


def tidy_local(target: Path) -> list[str]:
    """Remove what killed publishes left at ``target``; return their names (for the summary).

    Runs under the publish lock, so none of it belongs to a publish still running.
    """
    removed = []
    for path in leftovers(target):
        if path.is_symlink():
            path.unlink()
        else:
            shutil.rmtree(path)
        removed.append(path.relative_to(target).as_posix())
    return removed


@dataclass(frozen=True)
class Trees:
    """A build and the live release it is compared with, each file hashed once."""

    new: Mapping[str, OutputFile]
    live: str | None  # the release ``current`` pointed at
    old: Packed  # its files (empty without one): a hash and a stamp each, nothing more


def look_live(target: Path, seal: MachineCache | None) -> LocalLook | None:
    """Start the look at the current release at ``target`` (targets/local_look.py).

    Its record is read and checked here and handed over packed; the look lists the
    release with the recorded hashes reused. None when no release is live.
    """
    live = current_release(target)
    if not live:
        return None
    return LocalLook(live, target / "releases" / live, recorded(target, live, seal))


def compare(
    output: Path,
    target: Path,
    known: Mapping[str, OutputFile] | None = None,
    seal: MachineCache | None = None,
    ahead: Live | None = None,
) -> Trees:
    """List ``output`` and the current release at ``target``, hashing only what is new.

    ``known`` is the build's listing of ``output`` (taken as it is when it is complete and
    of ``output`` itself, ``tree.fresh``); ``seal`` opens the live release's record.
    ``ahead`` (``look_live``'s answer) is the live release's listing while it is still
    current.
    """
    live = current_release(target)
    new = fresh(known, output) or list_output(output, known)
    if not live:
        return Trees(new, live, Packed(target))
    root = target / "releases" / live
    if ahead is not None and ahead.release == live:
        with contextlib.suppress(ValueError):  # an answer that does not read: listed here
            return Trees(new, live, Packed.from_wire(root, ahead.wire))
    return Trees(new, live, pack_output(root, read_record(target, live, seal)))  # as the look


def _same(trees: Trees, rel: str, file: OutputFile) -> bool:
    """Return whether the live release already has ``file``'s bytes at ``rel``."""
    return trees.old.sha256(rel) == file.sha256


def _expected(trees: Trees) -> dict[str, tuple[str, Stamp, bool]]:
    """Return, per file of the new release, its hash, its source's stamp and whether linked."""
    expected = {}
    for rel, file in trees.new.items():
        linked = trees.live is not None and _same(trees, rel, file)
        expected[rel] = (file.sha256, trees.old.stamp(rel) if linked else file.stamp, linked)
    return expected


def plan_local(output: Path, target: Path, trees: Trees | None = None) -> Plan:
    """Compare ``output`` with the current release file by file."""
    trees = trees or compare(output, target)
    plan = Plan()
    for rel, file in trees.new.items():
        if _same(trees, rel, file):
            plan.unchanged += 1
        else:
            plan.upload.append(rel)
            plan.upload_bytes += file.size
    plan.delete = sorted(set(trees.old) - set(trees.new))
    return plan


def deploy_local(
    output: Path,
    target: Path,
    release: str,
    keep: int = 0,
    trees: Trees | None = None,
    seal: MachineCache | None = None,
) -> Sent:
    """Assemble ``output`` as a new release folder and make it current.

    ``trees`` (from ``compare``, e.g. made for the plan) saves hashing both trees again;
    it is used only while ``current`` still points where it did. With ``seal`` the
    release's hashes are recorded for the next plan once it is live.
    """
    folder = target / "releases"
    final = folder / release
    if final.exists():
        raise TargetError(f"Rilis {release} sudah ada di {folder}; rilis tidak pernah ditimpa.")
    if trees is None or trees.live != current_release(target):
        trees = compare(output, target, trees.new if trees else None, seal)
    partial = folder / f".{release}.partial"
    sent = Sent(location=str(target / "current"), release=release)
    try:
        _assemble(trees, folder, partial, sent, _spare(target, trees, keep))
        interrupts.hold()  # from here the switch and its records finish (interrupts.py)
        os.rename(partial, final)
        _switch(target, release)
    except BaseException as error:  # not live: the copy goes (Ctrl-C and full disks too)
        for leftover in (partial, final):
            if leftover.exists() and current_release(target) != release:
                shutil.rmtree(leftover, ignore_errors=True)
        if not is_storage(error):
            raise
        raise _refused(
            error,
            folder,
            "situs tayang tidak berubah dan salinan rilis yang belum lengkap sudah dihapus",
            AGAIN,
        ) from None
    sent.deleted = len(set(trees.old) - set(trees.new))
    if keep:  # live already: an old release that cannot be removed now is removed next time
        for name in releases(target)[:-keep]:
            if name != release:
                shutil.rmtree(folder / name, ignore_errors=True)
                record_path(target, name).unlink(missing_ok=True)
    if seal is not None:  # last: removing old releases changes the ctimes of shared files
        write_record(target, release, _expected(trees), seal)
    return sent


def _spare(target: Path, trees: Trees, keep: int) -> str | None:
    """Return the release this publish would remove once live (the oldest beyond ``keep``).

    It is made into the new release instead (``_refit``); None when none would be removed,
    or when the oldest is the live one (a rollback to it), which is never touched.
    """
    names = releases(target)
    if not keep or trees.live is None or len(names) < keep or names[0] == trees.live:
        return None
    return names[0]


def _assemble(
    trees: Trees, folder: Path, partial: Path, sent: Sent, spare: str | None = None
) -> None:
    """Write the new release into ``partial``: changed files copied, the rest hard-linked.

    With ``spare`` (a release about to be removed) that release is renamed to ``partial``
    and refitted (``_refit``). Otherwise paths are plain strings and each folder is made
    with one ``mkdir`` (parents first, none twice): a release of tens of thousands of
    files costs one system call per file and one per folder (issue 12). The folders and
    the copies come first; the links are then made in two threads, one half each
    (``link`` releases the GIL: publishing/meanwhile.py), so the idle second core makes
    half of them.
    """
    live = f"{folder / trees.live}/" if trees.live else None
    if partial.exists():
        shutil.rmtree(partial)
    if live is not None and spare is not None:
        record_path(folder.parent, spare).unlink(missing_ok=True)
        if refit.take_over(str(folder / spare), str(partial)):
            return _refit(trees, live, partial, sent)
    partial.mkdir(parents=True)
    into, made = f"{partial}/", {""}
    links = []
    for rel, file in trees.new.items():
        parent = posixpath.dirname(rel)
        if parent not in made:
            _folders(into, parent, made)
        if live is not None and _same(trees, rel, file):
            links.append(rel)
        else:
            _copy(file, sent, into + rel)
    if live is not None and links:
        half = len(links) // 2
        alongside(
            lambda stop: _link(live, into, links[half:], stop),
            lambda: _link(live, into, links[:half]),
        )


def _refit(trees: Trees, live: str, partial: Path, sent: Sent) -> None:
    """Make the renamed old release ``partial`` into the new one (publishing/refit.py).

    A file stays only when it is the live release's very file (its inode, as the folder
    listing gives it) at a path where the new release links the live file; everything
    else goes, and what is missing is linked or copied as ``_assemble`` would.
    """
    linked = {
        rel: trees.old.stamp(rel)[1] for rel, file in trees.new.items() if _same(trees, rel, file)
    }

    def kept(rel: str, entry: os.DirEntry[str]) -> bool:
        return linked.get(rel, 0) == entry.inode() != 0

    def make(rel: str, folder_fd: int, name: str) -> None:
        if rel in linked:
            os.link(live + rel, name, dst_dir_fd=folder_fd, follow_symlinks=False)
        else:
            _copy(trees.new[rel], sent, name, folder_fd)

    tree = refit.tree_of([(rel.split("/"), rel) for rel in trees.new])
    refit.refit_folder(str(partial), tree, kept, make)


def _copy(file: OutputFile, sent: Sent, name: str, folder_fd: int | None = None) -> None:
    """Copy a changed file into the new release as a new file (never through an old one).

    Its mode and modification time are the build's (as ``shutil.copy2`` kept them): the
    release's record matches a copied file by its source's size and time.
    """
    with open(file.path, "rb") as source:
        status = os.fstat(source.fileno())
        fd = os.open(name, NEW_FILE, 0o600, dir_fd=folder_fd)
        with os.fdopen(fd, "wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
            os.fchmod(fd, stat.S_IMODE(status.st_mode))
            copy.flush()
            os.utime(fd, ns=(status.st_atime_ns, status.st_mtime_ns))
    sent.objects += 1
    sent.bytes += file.size
    if sent.objects == 1:
        failpoint("upload")


def _link(live: str, into: str, rels: list[str], stop: threading.Event | None = None) -> None:
    """Hard-link ``rels`` of the live release into the new one (``stop``: checked per 256)."""
    for number, rel in enumerate(rels):
        if stop is not None and not number % 256 and stop.is_set():
            return
        os.link(live + rel, into + rel, follow_symlinks=False)


def _folders(into: str, parent: str, made: set[str]) -> None:
    """Make the folder ``parent`` (and those above it not made yet) under ``into``."""
    above = posixpath.dirname(parent)
    if above not in made:
        _folders(into, above, made)
    os.mkdir(into + parent)
    made.add(parent)


def rollback_local(target: Path, to: str) -> str:
    """Make the release ``to`` (chosen from the release log) current again; return it."""
    if to not in releases(target):
        raise TargetError(
            f"Rilis {to} tidak ada lagi di {target / 'releases'} (rilis lama dihapus bila "
            "melebihi 'keep'), jadi tidak bisa dikembalikan. Situs yang tayang tidak berubah."
        )
    interrupts.hold()  # the switch and the release log finish together (interrupts.py)
    try:
        _switch(target, to)
    except OSError as error:
        if not is_storage(error):
            raise
        raise _refused(error, target, "situs tayang tidak berubah", "lalu ulangi") from None
    return to


def _refused(error: OSError, folder: Path, unchanged: str, then: str) -> TargetError:
    """Return the target's error for a full disk or a folder it may not write."""
    if error.errno in FULL:
        what = "Disk target penuh" if error.errno == errno.ENOSPC else "Kuota disk target habis"
        text = f"{what} saat menyalin rilis ke {folder}"
    else:
        text = f"Folder target {failed_path(error, folder)} tidak dapat ditulis ({reason(error)})"
    return TargetError(f"{text}; {unchanged}.", hint=f"{remedy(error)}, {then}.")


class LocalTarget(Target):
    """``{"type": "lokal", "path": "var/situs", "keep": 20}``: a folder on this machine."""

    kind = "lokal"
    OPTIONS = target_options(
        options.Option("path", "folder tujuan, mis. 'var/situs'", folder, default="var/situs"),
        options.Option(
            "keep",
            "bilangan bulat >= 0 (jumlah rilis yang disimpan)",
            options.integer(0),
            default=20,
        ),
    )

    def configure(self, values: dict[str, Any]) -> None:
        """Resolve the folder (relative to the project) and refuse one inside the sources."""
        self.path: Path = (self.root / values["path"]).resolve()
        self.keep: int = values["keep"]
        for inner in ("content", "approvals", "theme", "plugins"):
            if self.path.is_relative_to(self.root / inner):
                raise self.setting_error(
                    "path", f"({self.path}) berada di dalam {inner}/. Pilih folder lain."
                )

    def describe(self) -> str:
        """Return the folder readers are served from."""
        return f"folder lokal {self.path / 'current'}"

    def check(self) -> None:
        """Refuse a folder that cannot be written (read-only mount, no permission) early."""
        existing = next(p for p in (self.path, *self.path.parents) if p.exists())
        if not os.access(existing, os.W_OK):
            code = errno.EROFS if _read_only(existing) else errno.EACCES
            error = OSError(code, os.strerror(code), str(existing))
            raise _refused(error, existing, "situs tayang tidak berubah", "lalu ulangi")

    def tidy(self) -> list[str]:
        """Remove the ``.partial`` folders and temporary links of killed publishes."""
        return tidy_local(self.path)

    @property
    def seal(self) -> MachineCache:
        """Return what seals the records of live releases (its key is in this machine's var/)."""
        return MachineCache(self.state / RECORD_KEYS, self.kind)

    def look_ahead(self) -> LocalLook | None:
        """Start listing the live release for ``plan`` (``look_live``), beside the audit."""
        return look_live(self.path, self.seal)

    def plan(self, output: Path) -> Plan:
        """Compare with the current release (the hashes are kept for ``deploy``)."""
        ahead = self.ahead if isinstance(self.ahead, Live) else None
        self._compared = (output, compare(output, self.path, self.known, self.seal, ahead))
        return plan_local(output, self.path, self._compared[1])

    def deploy(self, output: Path, release: str) -> Sent:
        """Add a release and switch ``current`` to it."""
        compared = getattr(self, "_compared", None)
        trees = compared[1] if compared and compared[0] == output else None
        seal = self.seal
        return deploy_local(output, self.path, release, keep=self.keep, trees=trees, seal=seal)

    def rollback(self, to: str) -> str:
        """Switch ``current`` to the release ``to``."""
        return rollback_local(self.path, to)


def _read_only(path: Path) -> bool:
    """Return whether ``path`` lies on a file system mounted read-only."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
