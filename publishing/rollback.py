"""``invoke rollback``: the release that was live before the current one, live again.

No build: the target is read from the settings of the last commit this machine published
and switched back to the release the machine's release log names. The switch and the
log entry finish together even if Ctrl-C or SIGTERM arrives in between
(publishing/interrupts.py); a full or read-only folder is one Indonesian sentence.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from approval_gate.api import now

from . import interrupts, rails
from .failpoints import failpoint
from .faults import MACHINE_NOTE, Unfinished, is_storage, storage_error
from .lock import publish_lock
from .prepare import prepare, publish_env
from .seal.export import export_commit
from .seal.gitlog import resolve_commit
from .seal.history import machine_state
from .seal.source import checkout, exported_settings, sealed_folders
from .state import MachineState
from .targets import Target, TargetError


def rollback(
    settings_file: Path,
    *,
    target: str | None = None,
    env: Mapping[str, str] | None = None,
    demo: bool = False,
) -> tuple[Target, str, int | None]:
    """Make the release before the current one live again, by the machine's log.

    The target is read from the settings of the last commit this machine published (its
    code was judged then; ``HEAD`` may hold code nobody signed, and the work tree is never
    run); the release comes from the release log (``rails.previous_live``), never names.
    Returns the target, the release now live, and a signal (Ctrl-C, SIGTERM) that arrived
    during the switch, which finished first. ``demo`` rolls back the sample's demo
    releases (``invoke publish --demo``), whose log is the demo's own machine state.
    """
    env = publish_env(env, demo)
    repo, rel = checkout(settings_file)
    var = settings_file.parent / "var"
    machine = machine_state(repo, env, demo=demo)
    if not machine.last:
        raise TargetError(
            "Mesin ini belum pernah menerbitkan situs ini; tidak ada rilis untuk dikembalikan."
        )
    sha = resolve_commit(repo, str(machine.last["commit"]))
    try:
        with publish_lock(var / "publish.lock"):
            return _rolled_back(repo, rel, var, sha, target, env, machine, demo)
    except OSError as error:
        if not is_storage(error):
            raise
        raise storage_error(error, unchanged="situs tayang tidak berubah") from None
    finally:
        interrupts.release()


def _rolled_back(
    repo: Path,
    rel: str,
    var: Path,
    sha: str,
    target: str | None,
    env: dict[str, str],
    machine: MachineState,
    demo: bool = False,
) -> tuple[Target, str, int | None]:
    """Switch the target back and log it (the publish lock is held)."""
    with sealed_folders(var, f"kembali-{secrets.token_hex(3)}") as (folder, _):
        export_commit(repo, sha, folder)
        ready = prepare(exported_settings(folder, rel, sha), target, env, demo, root=var.parent)
    name = ready.target.name
    order = rails.live_order(machine.releases(name))
    failpoint("rollback")  # checked, not yet switched back
    done = ready.target.rollback(rails.previous_live(machine, name))
    interrupts.hold()  # switched: the log follows
    at = now()
    try:
        machine.went_live(rails.rollback_entry(name, done, order[-1] if order else None, at, demo))
        machine.saw(at)
        machine.save()
    except OSError as error:
        if not is_storage(error):
            raise
        raise Unfinished(
            done, ready.target.describe(), MACHINE_NOTE, storage_error(error)
        ) from None
    return ready.target, done, interrupts.release()
