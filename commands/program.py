"""``kpu``: the site's commands from any folder, with command-line mistakes in Indonesian.

``kpu`` is invoke (``Program``) with three differences. It finds the site's ``tasks.py``
itself: the site the current folder lies in, else the repository it was installed from
(``pip install -e .`` leaves this module in place, so it knows its root). Invoke's
parse errors ("No idea what 'publsh' is!", missing arguments, flags without a value)
become one Indonesian sentence with "Mungkin maksud Anda ...?" from the task names or
the task's flags, and end with ``ExitCode.USAGE`` (a value of the wrong type:
``BAD_VALUE``). Everything else (``--list``, ``--help``, several tasks in one line,
``-r``/``-c``) is invoke's own. Plain ``invoke`` stays as it is: invoke offers no hook
for its parse errors short of replacing its program, so ``kpu`` is the friendly one.

Invoke's ``ParseError`` carries only its English text and the parser context it
happened in; its templates (the patterns below) have been invoke's since 1.0, and one
that is not recognised still becomes an Indonesian sentence quoting it. A value that is
not a number for a number flag (``--port delapan``) is a ``ValueError`` in invoke, and a
traceback under plain ``invoke``.
"""

from __future__ import annotations

import ast
import os
import re
import signal
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Collection, Exit, FilesystemLoader, Program
from invoke.exceptions import CollectionNotFound, ParseError
from invoke.parser import ParseResult

if TYPE_CHECKING:
    from invoke.parser import Argument, ParserContext

#: The repository this module was installed from (an editable install keeps it there).
HOME = Path(__file__).resolve().parent.parent
#: What makes a folder a copy of this site: its collection and its gate.
MARKERS = ("tasks.py", "plugins/approval_gate/api.py")

_UNKNOWN = re.compile(r"No idea what (?P<token>.+) is!$")
_MISSING = re.compile(r"'(?P<task>.+)' did not receive required positional arguments")
_NO_VALUE = re.compile(r"Flag <\w+: (?P<name>[^ >]+).*> needed value and was not given one!$")
_AMBIGUOUS = re.compile(r"(?P<token>.+) is ambiguous when given after an optional-value flag$")
_NOT_A_NUMBER = re.compile(r"invalid literal for int\(\) with base 10: (?P<token>.+)$")


def is_site(folder: Path) -> bool:
    """Tell whether ``folder`` is the top of a copy of this site's repository."""
    return all((folder / marker).is_file() for marker in MARKERS)


def find_site(start: Path) -> Path | None:
    """Return the site ``start`` lies in, else the one ``kpu`` was installed from."""
    for folder in (start, *start.parents):
        if is_site(folder):
            return folder
    return HOME if is_site(HOME) else None


def _text(token: str) -> str:
    """Return a token as invoke quoted it (``repr`` or plain quotes) without the quotes."""
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError):
        return token.strip("'\"")
    return value if isinstance(value, str) else token


def _guess(typed: str, choices: list[str]) -> str:
    """Return " Mungkin maksud Anda 'x'?" for the closest choice, or ""."""
    from approval_gate.api import options  # the gate is on the path by now (see _code)

    close = options.close_match(typed, choices)
    return f" Mungkin maksud Anda {close!r}?" if close is not None else ""


def _flag(arg: Argument) -> str:
    """Return how an argument is typed as a flag (``--role``, ``--berlaku-sampai``)."""
    return "--" + str(arg.name).replace("_", "-")


def _flags(context: ParserContext | None) -> list[str]:
    """Return every flag a context accepts, long and short, ``--no-x`` included."""
    if context is None:
        return []
    return [*context.flags.keys(), *context.inverse_flags.keys()]


class KpuProgram(Program):
    """Invoke's program for this site: its tasks from anywhere, its mistakes in Indonesian."""

    def __init__(self, site: Path) -> None:
        try:
            version = metadata.version("kpu-rembang-situs")
        except metadata.PackageNotFoundError:
            version = "unknown"
        super().__init__(version=version, name="kpu", binary="kpu", binary_names=["kpu"])
        self.site = site

    # --- the collection ------------------------------------------------------------

    def load_collection(self) -> None:
        """Load ``tasks.py`` of the site (or of ``-r FOLDER``), never another project's."""
        start = self.args["search-root"].value or str(self.site)
        loader = FilesystemLoader(config=self.config, start=start)
        name = self.args.collection.value or self.config.tasks.collection_name
        try:
            spec = loader.find(name)
        except CollectionNotFound:
            spec = None
        if spec is None or not spec.origin:
            raise Exit(
                f"Kumpulan perintah {name!r} tidak ditemukan di {start} atau di atasnya. "
                "Tidak ada yang dijalankan; jalankan kpu di dalam folder situs, atau "
                "sebutkan foldernya dengan kpu -r FOLDER.",
                code=_code("USAGE"),
            )
        _forget_other_copies(Path(spec.origin).parent)
        module, parent = loader.load(name)
        self.config.set_project_location(parent)
        self.config.load_project()
        self.collection = Collection.from_module(
            module, loaded_from=parent, auto_dash_names=self.config.tasks.auto_dash_names
        )

    # --- parsing, with invoke's errors said in Indonesian -----------------------------

    def parse_core(self, argv: list[str] | None) -> None:
        """Parse the core flags; a mistake there is said in Indonesian."""
        try:
            super().parse_core(argv)
        except (ParseError, ValueError) as error:
            raise self._said(error) from None

    def parse_tasks(self) -> None:
        """Parse the tasks and their flags; refuse a flag typed where an argument goes.

        ``kpu approve --help`` is read as ``kpu --help approve``: invoke would take
        ``--help`` for the missing item and then complain that the role is missing.
        """
        asked = self._help_asked()
        if asked:
            self.parser = self._make_parser()
            self.tasks = ParseResult()
            self.args.help.value = asked
            return
        try:
            super().parse_tasks()
        except (ParseError, ValueError) as error:
            raise self._said(error) from None
        for context in self.tasks:
            for arg in context.positional_args:
                value = arg.value
                if isinstance(value, str) and value.startswith("-") and len(value) > 1:
                    raise self._unknown_flag(value, context)

    def parse_cleanup(self) -> None:
        """Handle ``--help TASK`` and ``--list``; an unknown task name is said in Indonesian."""
        try:
            super().parse_cleanup()
        except ParseError as error:
            raise self._said(error) from None

    def _help_asked(self) -> str | None:
        """Return the task whose ``--help`` (``-h``) follows it on the command line, if any."""
        names = self.collection.task_names
        task = None
        for word in self.core.unparsed:
            if word in names:
                task = word
            elif word in ("--help", "-h") and task is not None:
                return task
        return None

    # --- the sentences -----------------------------------------------------------------

    def _said(self, error: ParseError | ValueError) -> Exit:
        """Return the Indonesian exit for one of invoke's parse errors."""
        text = str(error)
        if isinstance(error, ValueError):
            found = _NOT_A_NUMBER.search(text)
            value = _text(found["token"]) if found else text
            return self._exit(
                f"Nilai {value!r}{self._after(value)} harus bilangan bulat.",
                next_step=f"lihat {self.binary} --help",
                code="BAD_VALUE",
            )
        context = error.context
        if found := _UNKNOWN.match(text):
            token = _text(found["token"])
            if token.startswith("-"):
                return self._unknown_flag(token, context)
            return self._exit(self._unknown_word(token, context))
        if (found := _MISSING.match(text)) and context is not None:
            return self._missing(context)
        if found := _NO_VALUE.match(text):
            flag = "--" + found["name"].replace("_", "-")
            return self._exit(
                f"Pilihan {flag} memerlukan nilai sesudahnya, mis. {flag} NILAI.",
                next_step=self._help_of(context),
            )
        if found := _AMBIGUOUS.match(text):
            return self._exit(
                f"{_text(found['token'])!r} tidak jelas milik siapa: pilihan sebelumnya boleh "
                "diberi nilai atau tidak.",
                next_step="tulis nilainya dengan '=', mis. --pesan=content/berita/x.md",
            )
        return self._exit(f"Baris perintah tidak dapat dibaca ({text}).")

    def _exit(self, what: str, *, next_step: str | None = None, code: str = "USAGE") -> Exit:
        """Return the exit: what is wrong, that nothing ran, what to do next."""
        step = next_step or f"daftar perintah: {self.binary} --list"
        return Exit(f"{what} Tidak ada yang dijalankan; {step}.", code=_code(code))

    def _unknown_flag(self, flag: str, context: ParserContext | None) -> Exit:
        task = context.name if context is not None else None
        core = _flags(self.initial_context)
        guess = _guess(flag, _flags(context) if task else core) or _guess(flag, core)
        where = f" untuk perintah {task!r}" if task else ""
        return self._exit(
            f"Pilihan {flag!r} tidak dikenal{where}.{guess}", next_step=self._help_of(context)
        )

    def _unknown_word(self, word: str, context: ParserContext | None) -> str:
        names = [*self.collection.task_names] if hasattr(self, "collection") else []
        guess = _guess(word, names)
        if context is not None and context.name:
            return (
                f"{word!r} tidak dikenal: bukan perintah, dan perintah {context.name!r} tidak "
                f"menerima argumen lagi.{guess}"
            )
        return f"Perintah {word!r} tidak dikenal.{guess}"

    def _missing(self, context: ParserContext) -> Exit:
        *others, last = [str(arg.name) for arg in context.missing_positional_args]
        said = f"{', '.join(others)} dan {last}" if others else last
        first, *rest = context.positional_args
        example = " ".join(
            [self.binary, str(context.name), str(first.name).upper()]
            + [f"{_flag(arg)} {str(arg.name).upper()}" for arg in rest]
        )
        return self._exit(
            f"Perintah {context.name!r} belum lengkap: {said} belum diberikan.",
            next_step=f"contoh: {example}; lengkapnya: {self.binary} {context.name} --help",
        )

    def _help_of(self, context: ParserContext | None) -> str:
        if context is not None and context.name:
            return f"lihat {self.binary} {context.name} --help"
        return f"lihat {self.binary} --help"

    def _after(self, value: str) -> str:
        """Return " untuk --port" when the bad value follows a flag on the command line."""
        words = self.argv[1:]
        for index, word in enumerate(words):
            if word.endswith(f"={value}") and word.startswith("-"):
                return f" untuk {word.split('=', 1)[0]}"
            if word == value and index and words[index - 1].startswith("-"):
                return f" untuk {words[index - 1]}"
        return ""


def _code(name: str) -> int:
    """Return an exit code of the project's table by name (the gate is loaded by now)."""
    from approval_gate.api import ExitCode

    return int(ExitCode[name])


def _forget_other_copies(folder: Path) -> None:
    """Forget ``commands`` modules from another copy, so ``folder``'s tasks use its own.

    ``kpu`` itself is imported from the installed repository; when it runs another copy
    of the site (the one the current folder lies in), that copy's ``tasks.py`` must
    import its own ``commands`` package, not the one already loaded for ``kpu``.
    """
    for name, module in list(sys.modules.items()):
        if (name == "commands" or name.startswith("commands.")) and name != __name__:
            origin = getattr(module, "__file__", None) or ""
            if not Path(origin).resolve().is_relative_to(folder.resolve()):
                del sys.modules[name]
    for path in (folder / "plugins", folder):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def main() -> None:
    """Run ``kpu``: the site's tasks, found from the current folder, as invoke runs them."""
    site = find_site(Path.cwd())
    if site is None:
        sys.exit(
            f"Folder situs KPU (dengan tasks.py) tidak ditemukan di {Path.cwd()} atau di "
            "atasnya. Tidak ada yang dijalankan; jalankan kpu di dalam folder situs."
        )
    _forget_other_copies(site)
    try:
        KpuProgram(site).run()
    except BrokenPipeError:
        # The reader stopped early (``kpu status | head``): end quietly, as a pipe's
        # writer does when SIGPIPE ends it, instead of a traceback about stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        pipe = getattr(signal, "SIGPIPE", None)  # Windows has none: nothing failed
        sys.exit(None if pipe is None else 128 + pipe)
