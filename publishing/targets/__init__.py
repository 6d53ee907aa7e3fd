"""Where a publish goes: one class per kind of static hosting, one interface for all.

``invoke publish`` builds and audits the site, then hands the output folder to a
``Target``. Every target must be atomic from a reader's point of view (old site or new
site, never a broken mixture), must send only what changed, must delete removed files
last, and must leave the live site as it was if the publish is killed. Each target class
declares its ``PUBLISH_TARGETS`` options as an ``OptionSet`` (``OPTIONS``), read once
when the target is made, so a misspelled or malformed option is a ``ConfigError`` (exit
3) before anything is built. Credentials come from the environment (never from the
repository); ``check()`` looks at them and at the target, also before the build.
"""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Protocol

from approval_gate.api import ConfigError, ExitCode, KpuError, options

from ..tree import OutputFile

#: How a target's option is shown to people; ``{name}`` is the target's name.
LABEL = "PUBLISH_TARGETS['{name}']['{key}']"


class TargetError(KpuError):
    """The target is unreachable, lacks credentials or refused the release.

    The message is Indonesian and says what to do; the live site is unchanged.
    """

    exit_code = ExitCode.TARGET


def target_options(*declared: options.Option) -> options.OptionSet:
    """Return the ``OptionSet`` of a target class: its options, shown as in settings."""
    return options.OptionSet(
        declared,
        label=LABEL,
        ignored=("type",),
        hint="Perbaiki nilai itu di PUBLISH_TARGETS lalu ulangi.",
        missing_hint="Isi pengaturan itu di PUBLISH_TARGETS.",
    )


def folder(value: Any) -> Path:
    """Accept a non-empty folder name (text or path), kept as written (not resolved)."""
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise options.Invalid("")
    return Path(value)


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


class Looking(Protocol):
    """A target's look at its live site under way (``Target.look_ahead``)."""

    def result(self) -> Any:
        """Wait for the look; return what it found (None: nothing, the plan looks itself)."""

    def cancel(self) -> None:
        """End the look; its answer is no longer wanted."""


class Target(ABC):
    """One configured publishing target (an entry of ``PUBLISH_TARGETS``)."""

    #: The ``type`` value in settings that selects this class.
    kind: str = ""
    #: The options of this kind of target (``target_options(...)``).
    OPTIONS: ClassVar[options.OptionSet] = target_options()
    #: The build's listing of the output (``BuildResult.files``), set by the publish before
    #: ``plan``: a target that lists the output passes it to ``tree.list_output`` so each
    #: file is hashed once per publish. Only a hint: a file changed since is hashed again.
    known: Mapping[str, OutputFile] | None = None
    #: What ``look_ahead`` found while the build's audit ran (``BuildResult.ahead``), set
    #: by the publish before ``plan``; None when it found nothing or did not run.
    ahead: Any = None

    def __init__(
        self,
        name: str,
        settings: Mapping[str, Any],
        env: Mapping[str, str],
        root: Path,
        state: Path,
        *,
        source: str = "publishconf.py",
    ) -> None:
        """Read the options once (``ConfigError`` naming ``source``), then ``configure``.

        ``root`` is the project folder, ``state`` its var/ folder; ``settings`` is kept as
        written in ``options`` (a test hands it to a child process).
        """
        self.name = name
        self.options = dict(settings)
        self.env = env
        self.root = root
        self.state = state
        self.source = source
        label = LABEL.replace("{name}", name.replace("{", "{{").replace("}", "}}"))
        self.configure(replace(self.OPTIONS, label=label).read(self.options, source))

    @abstractmethod
    def configure(self, values: dict[str, Any]) -> None:
        """Keep the typed option values; rules across options raise ``ConfigError``."""

    def setting_error(self, key: str, message: str) -> ConfigError:
        """Return the error for a rule about option ``key``, naming the settings file."""
        return ConfigError(f"PUBLISH_TARGETS['{self.name}']['{key}'] {message}", path=self.source)

    @abstractmethod
    def describe(self) -> str:
        """Return where this target publishes, for people (no secrets)."""

    @abstractmethod
    def check(self) -> None:
        """Raise ``TargetError`` if credentials are missing or the target is unreachable.

        Runs before the build, so a publish that cannot deploy never starts.
        """

    @abstractmethod
    def plan(self, output: Path) -> Plan:
        """Return what ``deploy(output, ...)`` would change, changing nothing.

        It costs what changed where the target can tell (``known``, the local target's
        record of the live release); it never plans less than what changed.
        """

    @abstractmethod
    def deploy(self, output: Path, release: str) -> Sent:
        """Make ``output`` the live site, atomically for readers; return what was sent.

        Must call ``failpoint("upload")`` once some data has been sent and the switch has
        not happened yet, so the kill tests can stop it there, and ``interrupts.hold()``
        right before the switch, so Ctrl-C or SIGTERM lets the switch and its records
        finish (the publish releases the hold).
        """

    def look_ahead(self) -> Looking | None:
        """Start finding what ``plan`` will need of the live site, beside the build's audit.

        Called once the output is listed and before it is audited (publishing/build.py),
        which takes the answer of what this returns (``result``) after the audit, or ends
        it (``cancel``) when the build fails; the publish hands the answer back as
        ``ahead``. Only reading is allowed, and ``plan`` must not rely on the answer if
        the target changed since. The default finds nothing (None).
        """
        return None

    def tidy(self) -> list[str]:
        """Remove what killed publishes left at the target; return it, for the summary.

        Called under the publish lock before a deploy (never in a dry run).
        """
        return []

    @abstractmethod
    def rollback(self, to: str) -> str:
        """Make the release ``to`` live again; return its name. ``TargetError`` if it is gone.

        ``to`` comes from the machine's release log (``rails.previous_live``): the release
        that was live before the current one, never one guessed from names or clocks.
        """


def credential(target: Target, variable: str, what: str) -> str:
    """Return the environment variable ``variable`` or raise a ``TargetError`` saying so."""
    value = target.env.get(variable, "")
    if not value:
        raise TargetError(
            f"Kredensial untuk target '{target.name}' belum ada: variabel "
            f"lingkungan {variable} ({what}) kosong. Atur variabel itu di "
            "komputer penerbit (jangan di repositori), lalu ulangi."
        )
    return value


@cache
def target_types() -> dict[str, str]:
    """Return every target type: ``kind`` -> ``"module:Class"``, from this folder's sources.

    A type is registered by existing: a module here with a class that derives from
    ``Target`` and sets ``kind = "..."``. The sources are read, not imported, so choosing
    one target never loads another's libraries (boto3 alone takes a quarter second) and
    adding a target touches no list elsewhere.
    """
    found: dict[str, str] = {}
    for source in sorted(Path(__file__).parent.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or not any(
                isinstance(base, ast.Name) and base.id == "Target" for base in node.bases
            ):
                continue
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "kind" for t in statement.targets)
                    and isinstance(statement.value, ast.Constant)
                    and statement.value.value
                ):
                    found[str(statement.value.value)] = f"{__name__}.{source.stem}:{node.name}"
    return found
