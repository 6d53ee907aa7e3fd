"""Where a sealed publish reads from: the repository, one commit, its settings, this machine.

The checkout is only the place the commit is read from: its work tree is never read.
The exported settings file runs in this process (its values say which target, and where
content and approvals lie in the export), isolated from any settings module another
tree left in ``sys.modules``. The roster anchor is the one pinned on this machine, read
with the publish's environment, never the one the repository's settings name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from approval_gate.api import (
    DEMO_ANCHOR,
    ConfigError,
    missing_anchor_hint,
    pinned_anchor,
    read_settings_file,
    require_git,
    run_git,
)

from ..trash import throw_out
from . import SealError

#: Where the exports live under the checkout's ``var/`` (disposable, like ``terbit/``).
EXPORTS = "segel"
#: The last good publish's export, refitted by the next one (publishing/refit.py).
PREVIOUS = "segel-lalu"
#: The sealed build's gate cache under ``var/``: kept between publishes (sealed_folders).
GATE_CACHE = "gate-cache"


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Run the block with ``env`` added to ``os.environ`` (settings files read it)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _own_modules(folder: Path) -> Iterator[None]:
    """Let a settings file import the modules beside it, not same-named cached ones.

    ``publishconf.py`` runs ``from pelicanconf import *``: a ``pelicanconf`` cached from
    the checkout or an earlier export would hand over another tree's paths. Afterwards
    the cached modules and ``sys.path`` are as they were.
    """
    names = {path.stem for path in folder.glob("*.py")}
    cached = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    saved_path = list(sys.path)
    try:
        yield
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(cached)
        sys.path[:] = saved_path


def read_settings(settings_file: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Run a settings file with ``env`` as its environment (``ConfigError`` if it fails)."""
    with environment(env), _own_modules(settings_file.parent):
        return read_settings_file(settings_file)


def checkout(settings_file: Path) -> tuple[Path, str]:
    """Return the repository holding ``settings_file`` and the file's path inside it."""
    done = run_git(settings_file.parent, "rev-parse", "--show-toplevel")
    if done is None or not done.ok:
        require_git()  # no git at all is said as such, not as "not a repository"
        raise SealError(
            f"{settings_file.parent} bukan repositori git; penerbitan dibuat dari sebuah commit.",
            hint="Jalankan dari folder situs yang di-clone dengan git.",
        )
    repo = Path(done.text.strip()).resolve()
    try:
        rel = settings_file.resolve().relative_to(repo).as_posix()
    except ValueError:
        raise SealError(
            f"Berkas pengaturan {settings_file} berada di luar repositori {repo}.",
            hint="Pakai berkas pengaturan yang di-commit di repositori situs.",
        ) from None
    return repo, rel


def exported_settings(folder: Path, rel: str, commit: str) -> Path:
    """Return the settings file inside the export; refuse one the commit does not hold."""
    path = folder / rel
    if not path.is_file():
        raise SealError(
            f"Berkas pengaturan {rel} tidak ada di commit {commit[:12]}; penerbitan hanya "
            "memakai pengaturan yang di-commit.",
            hint="Commit berkas itu (git add, git commit), lalu terbitkan lagi.",
        )
    return path


def machine_anchor(env: Mapping[str, str], demo: bool) -> str:
    """Return the roster anchor of this machine: pinned, or the demo's with ``--demo``."""
    with environment(env):
        pinned = pinned_anchor()
    if pinned:
        return pinned
    if demo:
        return DEMO_ANCHOR
    raise ConfigError(
        "Jangkar roster belum dipasang di mesin ini; penerbitan hanya memercayai roster "
        "yang ditandatangani jangkar mesin penerbit.",
        hint=missing_anchor_hint(),
    )


@contextmanager
def sealed_folders(var: Path, name: str, keep: bool = False) -> Iterator[tuple[Path, Path]]:
    """Yield a new export folder (removed afterwards) and the machine's gate cache.

    Earlier exports (a killed publish) are thrown out first (publishing/trash.py); the
    caller holds the publish lock, so none of them is in use. A failure removes the
    export at once; after a success the next publish's sweep does, or with ``keep`` (a
    publish's export, linked from the blob store) it becomes ``var/segel-lalu``, which
    the next publish refits (publishing/refit.py). The gate cache
    (``var/gate-cache``) stays between publishes, so a publish verifies only sign-offs it
    has not seen: its entries are keyed on each sign-off's bytes and sealed with a key of
    its own folder (approval_gate's cache.py), so an entry written anywhere else reads as
    missing.
    """
    exports = var / EXPORTS
    throw_out(exports, var)  # an orphaned Pelican child may still read or write in there
    exports.mkdir(parents=True, exist_ok=True)  # (and may have made it again): names are new
    try:
        yield exports / name, var / GATE_CACHE
    except BaseException:
        shutil.rmtree(exports, ignore_errors=True)
        raise
    if keep:  # an export linked from the blob store, kept for the next one to refit
        with contextlib.suppress(OSError):
            throw_out(var / PREVIOUS, var)
            os.rename(exports / name, var / PREVIOUS)
    throw_out(exports, var)  # removed while the next publish's Pelican runs (trash.py)
