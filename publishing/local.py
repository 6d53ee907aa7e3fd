"""The local-folder target: each release in its own folder, ``current`` switched at once.

A web server serves ``<target>/current``. A release is copied completely into
``releases/<id>`` (through a temporary name, renamed when whole), then ``current`` is
replaced by a new symlink with one ``rename``: a reader sees the old site or the new
one, never a mixture, and a publish killed at any point leaves ``current`` as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class DeployError(Exception):
    """The target cannot take the release; the live site is unchanged."""

    exit_code = 12


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


def deploy_local(output: Path, target: Path, release: str) -> Path:
    """Copy ``output`` to a new release folder and make it current; return its path."""
    folder = target / "releases"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / release
    if final.exists():
        raise DeployError(f"Rilis {release} sudah ada di {folder}; rilis tidak pernah ditimpa.")
    partial = folder / f".{release}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    shutil.copytree(output, partial)
    os.rename(partial, final)
    _switch(target, release)
    return final


def rollback_local(target: Path) -> str:
    """Make the release before the current one current again; return its name."""
    done = releases(target)
    current = current_release(target)
    if current not in done or done.index(current) == 0:
        raise DeployError("Tidak ada rilis sebelumnya untuk dikembalikan.")
    previous = done[done.index(current) - 1]
    _switch(target, previous)
    return previous
