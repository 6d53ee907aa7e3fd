"""What every command shares: the project's folders, and the one place errors become exits.

The libraries raise ``KpuError`` families (the gate's, publishing's, the editorial
tools'); each carries its Indonesian text and its code from the one ``ExitCode`` table.
``reported`` is the only place that turns them into ``invoke.Exit``: a task wraps its
work in it, optionally with a prefix naming what was refused ("Tidak ditandatangani: "),
and a person sees the message and the code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke import Exit

from approval_gate.api import GateSettings, KpuError, Roster, load_trusted, read_settings_file

#: The repository: settings files named on the command line are found from here.
ROOT = Path(__file__).resolve().parent.parent
#: Where a signing key lives unless ``--key`` or ``KPU_SIGNING_KEY`` says otherwise.
DEFAULT_KEY = Path.home() / ".ssh" / "kpu-rembang_ed25519"
#: A failed build's full log, kept beside the settings file for the web admin.
FAILED_BUILD_LOG = Path("var") / "build-gagal.log"

Prefix = str | Callable[[KpuError], str]


@contextmanager
def reported(prefix: Prefix = "", *, failed_log: Path | None = None) -> Iterator[None]:
    """Turn any ``KpuError`` raised in the block into ``Exit(prefix + text, code=...)``.

    ``prefix`` may depend on the error (publishing says "situs tayang tidak berubah"
    for everything but the gate's refusals). With ``failed_log``, an error carrying a
    build log (``BuildFailed.log``) has it written there and the message points to it.
    """
    try:
        yield
    except KpuError as error:
        text = (prefix(error) if callable(prefix) else prefix) + error.render()
        log = getattr(error, "log", None)
        if failed_log is not None and isinstance(log, str):
            failed_log.parent.mkdir(parents=True, exist_ok=True)
            failed_log.write_text(log)
            text += f"\nCatatan lengkap: {failed_log}"
        raise Exit(text, code=int(error.exit_code)) from None


def settings_file(settings: str) -> Path:
    """Return the settings file named on the command line (relative to the repository)."""
    return ROOT / settings


def state_folder(settings: str) -> Path:
    """Return the machine-state folder beside the settings file (``var/``)."""
    return settings_file(settings).parent / "var"


def trusted(settings: str) -> tuple[GateSettings, Roster]:
    """Return the gate's settings and the verified roster of a settings file."""
    return load_trusted(read_settings_file(settings_file(settings)))


def shown(path: Path) -> str:
    """Return ``path`` relative to the current folder when it lies inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
