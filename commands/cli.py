"""What every command shares: the project's folders, and the one place errors become exits.

The libraries raise ``KpuError`` families (the gate's, publishing's, the editorial
tools'); each carries its Indonesian text and its code from the one ``ExitCode`` table.
``reported`` is the only place that turns them into ``invoke.Exit``: a task wraps its
work in it, optionally with a prefix naming what was refused ("Tidak ditandatangani: "),
and a person sees the message and the code, never a traceback.

Importing this module (every task does) installs the handling of Ctrl-C and SIGTERM
(publishing/interrupts.py): the work unwinds, cleaning up, and ``reported`` ends it with
one sentence and code 130 or 143. A full disk or a read-only folder that no layer below
translated still ends as a sentence naming the path (code 17), never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke import Exit

from approval_gate.api import ExitCode, GateSettings, KpuError, Roster, read_settings_file
from publishing import faults, interrupts

#: The repository: settings files named on the command line are found from here.
ROOT = Path(__file__).resolve().parent.parent
#: Where a signing key lives unless ``--key`` or ``KPU_SIGNING_KEY`` says otherwise.
DEFAULT_KEY = Path.home() / ".ssh" / "kpu-rembang_ed25519"
#: A failed build's full log, kept beside the settings file for the web admin.
FAILED_BUILD_LOG = Path("var") / "build-gagal.log"

Prefix = str | Callable[[KpuError], str]
#: What a command stopped by a signal says unless it knows more ({how}: who stopped it).
STOPPED = "Dihentikan {how}."
#: What it says when the signal came during a step that had to finish (a swap, a switch).
FINISHED = "Dihentikan {how} tepat setelah langkah yang sedang berjalan selesai."

interrupts.install()


def stopped_exit(signum: int, text: str = STOPPED) -> Exit:
    """Return the exit of a command stopped by ``signum``: one sentence, code 130 or 143."""
    stop = interrupts.Interrupted(signum)
    return Exit(text.format(how=interrupts.how(signum)), code=int(stop.exit_code))


@contextmanager
def reported(
    prefix: Prefix = "", *, failed_log: Path | None = None, stopped: str = STOPPED
) -> Iterator[None]:
    """Turn any ``KpuError`` raised in the block into ``Exit(prefix + text, code=...)``.

    ``prefix`` may depend on the error (publishing says "situs tayang tidak berubah"
    for everything but the gate's refusals). With ``failed_log``, an error carrying a
    build log (``BuildFailed.log``) has it written there and the message points to it.
    Ctrl-C or SIGTERM ends the block with ``stopped`` (``{how}``: who stopped it), which
    says what is unchanged; the ``finally`` blocks inside have cleaned up by then. A
    signal held until a step finished (``interrupts.held``) says so instead.
    """
    try:
        yield
    except KeyboardInterrupt as stop:
        signum = getattr(stop, "signum", interrupts.SIGNALS[0])
        text = FINISHED if getattr(stop, "finished", False) else stopped
        raise stopped_exit(signum, text) from None
    except OSError as error:
        if not faults.is_storage(error):
            raise  # a bug: its traceback is the report
        text = (
            f"Berhenti: {faults.failed_path(error)} tidak dapat ditulis "
            f"({faults.reason(error)}). {faults.remedy(error)}, lalu ulangi."
        )
        raise Exit(text, code=int(ExitCode.STORAGE)) from None
    except KpuError as error:
        text = (prefix(error) if callable(prefix) else prefix) + error.render()
        log = getattr(error, "log", None)
        if failed_log is not None and isinstance(log, str):
            text += "\n" + _keep_log(failed_log, log)
        raise Exit(text, code=int(error.exit_code)) from None


def _keep_log(path: Path, log: str) -> str:
    """Write a failed build's log to ``path``; return the line that tells where (or why not)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(log)
    except OSError as error:
        if not faults.is_storage(error):
            raise
        return f"Catatan lengkap tidak dapat disimpan di {path} ({faults.reason(error)})."
    return f"Catatan lengkap: {path}"


def settings_file(settings: str) -> Path:
    """Return the settings file named on the command line (relative to the repository)."""
    return ROOT / settings


def state_folder(settings: str) -> Path:
    """Return the machine-state folder beside the settings file (``var/``)."""
    return settings_file(settings).parent / "var"


def trusted(settings: str) -> tuple[GateSettings, Roster]:
    """Return the gate's settings and the verified roster of a settings file."""
    from approval_gate.api import load_trusted  # the ledger's module: only when asked

    return load_trusted(read_settings_file(settings_file(settings)))


def shown(path: Path) -> str:
    """Return ``path`` relative to the current folder when it lies inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
