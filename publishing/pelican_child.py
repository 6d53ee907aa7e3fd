"""Run Pelican and report its outcome as data (a JSON result file) for the build to judge.

Pelican's ``--fatal errors`` would stop the whole build at the first broken content file
(a missing title, an unknown status), which must instead leave out only that item. So
Pelican runs without it, and this wrapper watches its log records instead of its text:
a handler installed before Pelican's own (Pelican's ``basicConfig`` then leaves the root
logger alone) keeps the human-readable log on stderr and collects, from each record's
format template and arguments (never from the rendered English line), the items
Pelican skipped, the fatal error (a ``KpuError`` with its exit code, path and line) and
every other error. ``build.py`` decides from that file only; a child that dies before
writing it leaves no result, and the build fails closed.

The child dies with its parent (``PR_SET_PDEATHSIG``): a publish killed with SIGKILL
leaves no orphan still writing into the folders the next publish cleans.

Usage: ``python publishing/pelican_child.py --result FILE <pelican arguments>``, or
``--warm``: import Pelican and its libraries first, then read those arguments as one JSON
line from stdin (a publish starts its child while the build input is still being sealed,
pelican_run.py ``WarmChild``); end at once, with no result, when stdin closes first.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

#: Pelican 4.12's templates for "this one file was skipped" (contents.py, generators.py),
#: each with the reason id build.py explains, and where the file and detail sit in the
#: record's arguments.
SKIPPED = {
    "Skipping %s: could not find information about '%s'": ("missing-metadata", 0, 1),
    "Unknown status '%s' for file %s, skipping it. (Not in %s)": ("unknown-status", 1, 0),
    "Skipping %s: file %r would be written outside output path": ("outside-output", 0, 1),
    "Could not process %s": ("unreadable", 0, None),
}
#: The template of Pelican's ``main()`` for the exception that ended the run.
FATAL = "%s: %s"
#: Pelican's ``main()`` logs an interrupted run only as a warning, then returns 0.
INTERRUPTED = "Keyboard interrupt received. Exiting."
#: The log record field of a plugin's warning about one file (``approval_gate.errors``'
#: ``LOGGED_FINDING``, spelled here because the gate is not importable before Pelican
#: runs; tests/test_build_warnings.py keeps the two the same).
LOGGED_FINDING = "kpu_temuan"
#: The parent's pid, set by build.py: the child checks it is still the parent's.
PARENT_VARIABLE = "KPU_PELICAN_PARENT"
_PR_SET_PDEATHSIG = 1


def content_relative(source: object, content: str | os.PathLike[str] | None) -> str:
    """Return the path of a Pelican source (or of a path) relative to ``content``, posix form.

    Pelican logs a skipped file by its absolute path or by the content object; the
    build's result and the preview's problem list both name it as people do (under
    content/). A path outside ``content`` (or without one) is only normalised.
    """
    path = str(getattr(source, "source_path", None) or source)
    if content and os.path.isabs(path):
        relative = os.path.relpath(path, content)
        if relative.split(os.sep)[0] != os.pardir:
            return Path(relative).as_posix()
    return Path(os.path.normpath(path)).as_posix()


class Outcome(logging.Handler):
    """Collect what the build must know from Pelican's log records."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.content: str | None = None  # Pelican's PATH, learned on ``initialized``
        self.fatal: dict[str, Any] | None = None
        self.skipped: list[dict[str, Any]] = []
        self.errors: list[dict[str, str]] = []
        self.warnings: list[dict[str, Any]] = []  # plugins' findings that publish the item

    def emit(self, record: logging.LogRecord) -> None:
        """Sort one record; a record that cannot be sorted is itself an error."""
        found = getattr(record, LOGGED_FINDING, None)
        if record.levelno == logging.WARNING and isinstance(found, dict):
            self.warnings.append(warning_of(found))
            return
        if record.levelno < logging.ERROR and record.msg != INTERRUPTED:
            return
        try:
            self.sort(record)
        except Exception:  # never lose an error: it fails the build instead
            self.errors.append({"level": record.levelname, "message": str(record.msg)})

    def sort(self, record: logging.LogRecord) -> None:
        """File the record as a skipped file, the fatal error, or any other error."""
        args = record.args if isinstance(record.args, tuple) else ()
        known = SKIPPED.get(record.msg) if isinstance(record.msg, str) else None
        if known and record.levelno == logging.ERROR and len(args) > known[1]:
            reason, file, detail = known
            self.skipped.append(
                {
                    "item": self.item(args[file]),
                    "reason": reason,
                    "detail": None if detail is None else str(args[detail]),
                }
            )
        elif (
            record.msg == FATAL
            and record.levelno == logging.CRITICAL
            and len(args) == 2
            and isinstance(args[1], BaseException)
            and self.fatal is None
        ):
            self.fatal = describe(args[1])
        else:
            self.errors.append({"level": record.levelname, "message": self.text(record)})

    def item(self, source: object) -> str:
        """Return a content file's path relative to Pelican's PATH (posix form)."""
        return content_relative(source, self.content)

    @staticmethod
    def text(record: logging.LogRecord) -> str:
        """Return the record's message, or its template if the arguments do not fit."""
        try:
            return record.getMessage()
        except Exception:  # a plugin's broken log call is still an error, never lost
            return str(record.msg)

    def learn_path(self, pelican: Any) -> None:
        """Remember Pelican's PATH (the ``initialized`` signal hands over the instance)."""
        self.content = os.path.abspath(str(pelican.settings["PATH"]))

    def result(self, status: int) -> dict[str, Any]:
        """Return the JSON-ready result of this run."""
        return {
            "status": status,
            "content": self.content,
            "fatal": self.fatal,
            "skipped": self.skipped,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def warning_of(found: Mapping[str, Any]) -> dict[str, Any]:
    """Return a logged finding as the result carries it: its five fields, as text or None.

    A plugin's record is data from anywhere in the build; only these fields, of these
    types, reach the result (and so the screen).
    """
    line = found.get("line")
    return {
        "path": str(found.get("path") or "?"),
        "line": line if type(line) is int and line > 0 else None,
        "item": None if found.get("item") is None else str(found["item"]),
        "message": str(found.get("message") or ""),
        "hint": str(found.get("hint") or ""),
    }


def describe(error: BaseException) -> dict[str, Any]:
    """Return the fatal error as data: a project error whole, any other its class and text.

    The gate is never imported before Pelican runs: the settings file imports it, from
    the path it chooses, so a ``KpuError`` can only exist once that has happened.
    """
    if "approval_gate" in sys.modules:
        from approval_gate.api import KpuError

        if isinstance(error, KpuError):
            return dict(error.as_dict())
    found: dict[str, Any] = {"class": type(error).__name__, "message": str(error)}
    if isinstance(error, OSError):  # a full disk or a read-only folder: build.py says which
        found |= {"errno": error.errno, "filename": error.filename and str(error.filename)}
    return found


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies; stop now if it already has.

    Elsewhere nothing happens (the parent still kills the child on any error it sees).
    """
    parent = os.environ.get(PARENT_VARIABLE)
    if not sys.platform.startswith("linux") or not parent:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if str(os.getppid()) != parent:  # the parent died before the request was made
        os._exit(1)


def pause_here() -> None:
    """Stop at the failpoint ``pelican`` (failpoints.py): output written, no result yet."""
    if os.environ.get("KPU_FAILPOINT") == "pelican":
        from failpoints import failpoint  # publishing/, this script's folder, is sys.path[0]

        failpoint("pelican")


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` whole or not at all (temporary file, rename)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, default=str)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


#: What a warm child imports before its arguments arrive: Pelican's own modules and the
#: libraries of every build (about 0.35 s on the 2-core machine). Never the site's plugins
#: or settings: those are read from the sealed input once the build starts.
WARM_MODULES = (
    "pelican",
    "pelican.generators",
    "pelican.readers",
    "pelican.writers",
    "pelican.settings",
    "markdown",
    "jinja2",
    "yaml",
    "babel.dates",
    "orjson",  # the render keys' JSON and the kept tables (17 ms)
)


class Early(logging.Handler):
    """Keep the log records of a warm child's imports for the handlers installed later."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record as it is."""
        self.records.append(record)


def warm() -> tuple[list[str] | None, list[logging.LogRecord]]:
    """Import ``WARM_MODULES``, then return the arguments read from stdin (None: none came).

    What the imports logged is returned too, so the build judges it as if they had
    happened in ``run`` (a module that fails to import is imported there again).
    """
    early = Early()
    logging.getLogger().addHandler(early)
    try:
        for name in WARM_MODULES:
            try:
                __import__(name)
            except Exception:  # noqa: S112 - imported again by Pelican, which then says why
                continue
    finally:
        logging.getLogger().removeHandler(early)
    line = sys.stdin.readline()
    if not line.strip():
        return None, early.records
    argv = json.loads(line)
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        sys.exit("pelican_child.py --warm: argumen bukan daftar teks")
    return argv, early.records


def run(argv: list[str], result: Path, early: list[logging.LogRecord] | None = None) -> int:
    """Run Pelican's own command line with the collector installed; write ``result``.

    ``early``: what a warm child's imports logged (``warm``), handled first.
    """
    from gc_thresholds import collect_less  # publishing/, this script's folder, is sys.path[0]
    from item_notice import NOTICE, ItemPages

    # Python's cycle collector (not the log collector below): nearly all of a build's
    # objects live until it ends, so it scans less often (gc_thresholds.py).
    collect_less()
    outcome = Outcome()
    readable = logging.StreamHandler(sys.stderr)
    readable.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.getLogger().addHandler(readable)
    logging.getLogger().addHandler(outcome)
    for record in early or ():
        logging.getLogger(record.name).handle(record)
    status = 1
    try:
        from pelican import main as pelican_main, signals

        # Every ``initialized`` receiver runs before any content is read, so PATH is
        # known before the first file can be skipped.
        signals.initialized.connect(outcome.learn_path, weak=False)
        # the item pages written: the publish may index them meanwhile (item_notice.py)
        pages = ItemPages(result.with_name(NOTICE), write_atomically)
        signals.all_generators_finalized.connect(pages.expect, weak=False)
        signals.content_written.connect(pages.written, weak=False)
        pelican_main(argv)
        status = 0
        pause_here()
    except SystemExit as stop:  # Pelican's main ends a failed run with sys.exit(code)
        status = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
    except BaseException as error:  # noqa: BLE001 (reported as data; the run fails)
        outcome.fatal = outcome.fatal or describe(error)
    write_atomically(result, outcome.result(status))
    return status


def leave(status: int) -> NoReturn:
    """Exit with ``status`` without freeing Pelican's objects one by one.

    Why: the result is written; what a normal exit still did was tear the interpreter
    down, every article, page and cache entry deallocated on its own, for 0.6-0.75 s at
    5,000 items while the publish waited (issue 12). So the exit handlers that matter
    run first (logging's flush, the gate's background cache saves it waits for, a
    profiler's dump: ``atexit``), stdio is flushed, and the process ends at once. Only
    when the main thread is the last one: a thread still running gets the usual exit,
    which waits for it.
    """
    if threading.active_count() == 1:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def main() -> None:
    """Consume ``--result FILE`` (or ``--warm``), run Pelican, exit with Pelican's status."""
    die_with_parent()
    args: list[str] | None = sys.argv[1:]
    early: list[logging.LogRecord] = []
    if args == ["--warm"]:
        args, early = warm()
        if args is None:  # the publish stopped before its build: nothing to do
            os._exit(0)
    if not args or len(args) < 2 or args[0] != "--result":
        sys.exit("pemakaian: pelican_child.py --result BERKAS <argumen pelican>")
    leave(run(args[2:], Path(args[1]), early))


if __name__ == "__main__":
    main()
