"""The local-folder target: each release in its own folder, ``current`` switched at once.

A web server serves ``<path>/current``. A release is assembled completely in
``releases/.<id>.partial`` and renamed when whole, then ``current`` is replaced by a new
symlink with one ``rename``: a reader sees the old site or the new one, never a mixture,
and a publish killed at any point leaves ``current`` as it was. Files unchanged since the
current release are hard links to it, so an unchanged re-publish writes no file data.
Old releases beyond ``keep`` are removed, oldest first, never the current one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..failpoints import failpoint
from ..tree import list_output
from . import Plan, Sent, Target, TargetError, option

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
    temp.symlink_to(Path("releases") / release)
    os.replace(temp, target / "current")  # rename(2): atomic for readers


def plan_local(output: Path, target: Path) -> Plan:
    """Compare ``output`` with the current release file by file."""
    new = list_output(output)
    live_name = current_release(target)
    old = list_output(target / "releases" / live_name) if live_name else {}
    plan = Plan()
    for rel, file in new.items():
        before = old.get(rel)
        if before is not None and before.sha256 == file.sha256:
            plan.unchanged += 1
        else:
            plan.upload.append(rel)
            plan.upload_bytes += file.size
    plan.delete = sorted(set(old) - set(new))
    return plan


def deploy_local(output: Path, target: Path, release: str, keep: int = 0) -> Sent:
    """Assemble ``output`` as a new release folder and make it current."""
    folder = target / "releases"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / release
    if final.exists():
        raise TargetError(f"Rilis {release} sudah ada di {folder}; rilis tidak pernah "
                          "ditimpa.")
    live_name = current_release(target)
    live = folder / live_name if live_name else None
    old = list_output(live) if live else {}
    partial = folder / f".{release}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    sent = Sent(location=str(target / "current"), release=release)
    for rel, file in list_output(output).items():
        destination = partial / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        before = old.get(rel)
        if live is not None and before is not None and before.sha256 == file.sha256:
            os.link(live / rel, destination)
        else:
            shutil.copy2(file.path, destination)
            sent.objects += 1
            sent.bytes += file.size
            if sent.objects == 1:
                failpoint("upload")
    sent.deleted = len(set(old) - {p.relative_to(partial).as_posix()
                                   for p in partial.rglob("*") if p.is_file()})
    os.rename(partial, final)
    _switch(target, release)
    if keep:
        for name in releases(target)[:-keep]:
            if name != release:
                shutil.rmtree(folder / name)
    return sent


def rollback_local(target: Path) -> str:
    """Make the release before the current one current again; return its name."""
    done = releases(target)
    current = current_release(target)
    if current not in done or done.index(current) == 0:
        raise TargetError("Tidak ada rilis sebelumnya untuk dikembalikan.")
    previous = done[done.index(current) - 1]
    _switch(target, previous)
    return previous


class LocalTarget(Target):
    """``{"type": "lokal", "path": "var/situs", "keep": 20}``: a folder on this machine."""

    kind = "lokal"

    @property
    def path(self) -> Path:
        """Return the target folder (relative paths are relative to the project)."""
        return (self.root / option(self, "path", "var/situs")).resolve()

    def describe(self) -> str:
        """Return the folder readers are served from."""
        return f"folder lokal {self.path / 'current'}"

    def check(self) -> None:
        """Refuse a target folder inside the project's content or approvals."""
        keep = option(self, "keep", 20)
        if not isinstance(keep, int) or isinstance(keep, bool) or keep < 0:
            raise TargetError(f"PUBLISH_TARGETS['{self.name}']['keep'] harus bilangan bulat "
                              f">= 0 (jumlah rilis yang disimpan), bukan {keep!r}.")
        for inner in ("content", "approvals", "theme", "plugins"):
            if self.path.is_relative_to(self.root / inner):
                raise TargetError(f"PUBLISH_TARGETS['{self.name}']['path'] ({self.path}) "
                                  f"berada di dalam {inner}/. Pilih folder lain.")

    def plan(self, output: Path) -> Plan:
        """Compare with the current release."""
        return plan_local(output, self.path)

    def deploy(self, output: Path, release: str) -> Sent:
        """Add a release and switch ``current`` to it."""
        return deploy_local(output, self.path, release, keep=option(self, "keep", 20))

    def rollback(self) -> str:
        """Switch ``current`` back to the previous release."""
        return rollback_local(self.path)
