"""Where a publish goes: one class per kind of static hosting, one interface for all.

``invoke publish`` builds and audits the site, then hands the output folder to a
``Target``. Every target must be atomic from a reader's point of view (old site or new
site, never a broken mixture), must send only what changed, must delete removed files
last, and must leave the live site as it was if the publish is killed. Targets read
their options from the ``PUBLISH_TARGETS`` setting and their credentials from the
environment (never from the repository); ``check()`` runs before anything is built.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class TargetError(Exception):
    """The target is misconfigured, unreachable or refused the release.

    The message is Indonesian and says what to do; the live site is unchanged.
    """

    exit_code = 12


@dataclass
class Plan:
    """What a deploy would change at the target (computed without changing anything)."""

    upload: list[str] = field(default_factory=list)  # new or changed files
    delete: list[str] = field(default_factory=list)  # files the new site no longer has
    unchanged: int = 0
    upload_bytes: int = 0

    @property
    def empty(self) -> bool:
        """Return whether the target already serves exactly this output."""
        return not self.upload and not self.delete


@dataclass
class Sent:
    """What a deploy actually did, for the summary, the archive and the benchmark."""

    location: str  # where readers see it (URL, path or remote branch)
    release: str | None = None  # release name, where the target keeps releases
    objects: int = 0  # files/objects transferred
    bytes: int = 0  # payload bytes transferred
    deleted: int = 0


class Target(ABC):
    """One configured publishing target (an entry of ``PUBLISH_TARGETS``)."""

    #: The ``type`` value in settings that selects this class.
    kind: str = ""

    def __init__(self, name: str, options: Mapping[str, Any], env: Mapping[str, str],
                 root: Path, state: Path) -> None:
        """Keep the options; ``root`` is the project folder, ``state`` its var/ folder."""
        self.name = name
        self.options = dict(options)
        self.env = env
        self.root = root
        self.state = state

    @abstractmethod
    def describe(self) -> str:
        """Return where this target publishes, for people (no secrets)."""

    @abstractmethod
    def check(self) -> None:
        """Raise ``TargetError`` if options or credentials are missing or it is unreachable.

        Runs before the build, so a publish that cannot deploy never starts.
        """

    @abstractmethod
    def plan(self, output: Path) -> Plan:
        """Return what ``deploy(output, ...)`` would change, changing nothing."""

    @abstractmethod
    def deploy(self, output: Path, release: str) -> Sent:
        """Make ``output`` the live site, atomically for readers; return what was sent.

        Must call ``failpoint("upload")`` once some data has been sent and the switch has
        not happened yet, so the kill tests can stop it there.
        """

    @abstractmethod
    def rollback(self) -> str:
        """Make the previous release live again; return its name. ``TargetError`` if none."""


def option(target: Target, key: str, default: Any = None, *, required: bool = False) -> Any:
    """Return an option of ``target``, or raise a ``TargetError`` naming the setting."""
    value = target.options.get(key, default)
    if required and value in (None, ""):
        raise TargetError(f"Pengaturan PUBLISH_TARGETS['{target.name}']['{key}'] belum "
                          f"diisi (target jenis {target.kind}). Isi di publishconf.py.")
    return value


def credential(target: Target, variable: str, what: str) -> str:
    """Return the environment variable ``variable`` or raise a ``TargetError`` saying so."""
    value = target.env.get(variable, "")
    if not value:
        raise TargetError(f"Kredensial untuk target '{target.name}' belum ada: variabel "
                          f"lingkungan {variable} ({what}) kosong. Atur variabel itu di "
                          "komputer penerbit (jangan di repositori), lalu ulangi.")
    return value
