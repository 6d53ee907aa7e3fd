"""The walls between the packages, checked by reading the source (milliseconds).

docs/architecture.md describes the structure; these tests keep it true: everything
outside the gate goes through ``approval_gate.api``, imports point only downwards, the
API's two lists of names agree, the exit codes have one table, the SOP's roles and kinds
are written in one place, and there is one clock and one git runner. The modules that
are scanned are parsed with ``ast``, never imported (only ``api`` is, where its values
are the point). Each failure lists ``file:line`` and what was found there.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
GATE = "plugins/approval_gate/"
#: Top-level folders that hold no project code (data, output, environments).
SKIPPED = {
    "venv",
    "node_modules",
    "content",
    "approvals",
    "output",
    "var",
    "demo-keys",
    "test-artefacts",
    "build",
    "dist",
}
THIS = "tests/test_architecture.py"


@cache
def python_files() -> tuple[str, ...]:
    """Return every Python file of the project, relative to the repository, sorted."""
    found = []
    for folder, dirs, files in os.walk(REPO):
        top = Path(folder) == REPO
        dirs[:] = [
            d
            for d in dirs
            if not (top and d in SKIPPED)
            and not d.startswith(".")
            and d != "__pycache__"
            and not d.endswith(".egg-info")
        ]
        found += [Path(folder, f).relative_to(REPO).as_posix() for f in files if f.endswith(".py")]
    return tuple(sorted(found))


@cache
def tree(rel: str) -> ast.Module:
    return ast.parse((REPO / rel).read_text(encoding="utf-8"), rel)


@cache
def _index(rel: str) -> dict[type, list[ast.AST]]:
    index: dict[type, list[ast.AST]] = {}
    for node in ast.walk(tree(rel)):
        index.setdefault(type(node), []).append(node)
    return index


def nodes(rel: str, *kinds: type) -> list[Any]:
    """Return every node of these kinds in ``rel`` (the walk is done once per file)."""
    index = _index(rel)
    return [node for kind in kinds for node in index.get(kind, ())]


def template_files() -> list[str]:
    """Return the Jinja templates of the theme and of any plugin or editorial view."""
    found = []
    for top in ("theme", "plugins", "editorial"):
        found += [
            p.relative_to(REPO).as_posix()
            for p in (REPO / top).rglob("*")
            if p.suffix in {".html", ".j2", ".jinja"} and p.is_file()
        ]
    return sorted(found)


def project_code(*excepted: str) -> list[str]:
    """Return the Python files of the project proper: not tests, not benchmarks."""
    return [
        f for f in python_files() if not f.startswith(("tests/", "bench/")) and f not in excepted
    ]


def report(problems: list[str], what: str) -> str:
    return f"{what}:\n  " + "\n  ".join(problems)


# --- a. outside the gate, only its API ----------------------------------------------


def imports(rel: str) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """Yield (line, module, names) of every absolute import, nested ones included."""
    for node in nodes(rel, ast.Import, ast.ImportFrom, ast.Call):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, tuple(a.name for a in node.names)
        elif (
            isinstance(node, ast.Call)
            and _called(node) == "importlib.import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value, ()


def _called(call: ast.Call) -> str:
    """Return the dotted name a call calls (``subprocess.run``), or ""."""
    parts, func = [], call.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
        return ".".join(reversed(parts))
    return ""


def past_the_api(module: str, names: tuple[str, ...]) -> bool:
    """Tell whether importing ``names`` from ``module`` reaches behind approval_gate.api."""
    if module == "approval_gate":
        return any(name != "api" for name in names)  # ``import approval_gate`` registers
    return module.startswith("approval_gate.") and module != "approval_gate.api"


#: Python written into generated settings files (``from approval_gate.x import y``).
_CODE_IN_TEXT = re.compile(
    r"^\s*(?:from\s+(approval_gate[\w.]*)\s+import\s+([\w, ]+)"
    r"|import\s+(approval_gate[\w.]*))",
    re.M,
)


def test_outside_the_gate_everything_imports_only_its_api() -> None:
    problems = []
    for rel in python_files():
        if rel.startswith(GATE):
            continue
        for line, name, names in imports(rel):
            if past_the_api(name, names):
                shown = f"from {name} import {', '.join(names)}" if names else f"import {name}"
                problems.append(f"{rel}:{line}: {shown}")
        for node in nodes(rel, ast.Constant):
            if isinstance(node.value, str):
                for found in _CODE_IN_TEXT.finditer(node.value):
                    name = found.group(1) or found.group(3)
                    names = tuple(n.strip() for n in (found.group(2) or "").split(","))
                    if past_the_api(name, names if found.group(1) else ()):
                        problems.append(
                            f"{rel}:{node.lineno}: in generated code: {found.group(0).strip()}"
                        )
    assert not problems, report(
        problems,
        "imports past approval_gate.api (use the API; "
        "add a missing name to api.py's _EXPORTS and TYPE_CHECKING)",
    )


# --- b. layers ---------------------------------------------------------------------------

LAYERS = {
    "plugins/approval_gate/": "approval_gate",
    "plugins/site_theme/": "site_theme",
    "plugins/render_cache/": "render_cache",
    "publishing/": "publishing",
    "editorial/": "editorial",
    "desk/": "desk",
    "commands/": "commands",
    "tasks.py": "tasks",
}
FORBIDDEN = {
    "approval_gate": {"publishing", "editorial", "desk", "commands", "site_theme", "tasks"},
    "site_theme": {"publishing", "editorial", "desk", "commands", "tasks"},
    "render_cache": {"publishing", "editorial", "desk", "commands", "tasks", "site_theme"},
    "publishing": {"editorial", "desk", "commands", "tasks"},
    "editorial": {"desk", "commands", "tasks"},
    "desk": {"commands", "tasks"},
}


def test_imports_point_only_downwards() -> None:
    problems = []
    for rel in python_files():
        layer = next((name for prefix, name in LAYERS.items() if rel.startswith(prefix)), None)
        if layer not in FORBIDDEN:
            continue
        for line, name, _ in imports(rel):
            if name.split(".")[0] in FORBIDDEN[layer]:
                problems.append(f"{rel}:{line}: {layer} imports {name}")
    assert not problems, report(
        problems,
        "imports against the layers (tasks -> commands -> desk -> "
        "editorial -> publishing -> approval_gate; site_theme -> "
        "approval_gate)",
    )


# --- c. the API's two lists --------------------------------------------------------------


def api_declarations() -> tuple[dict[str, str], dict[str, str]]:
    """Return {name: module} of ``_EXPORTS`` (+ ``_MODULES``) and of the TYPE_CHECKING block."""
    exported: dict[str, str] = {}
    typed: dict[str, str] = {}
    for node in tree(GATE + "api.py").body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            name = getattr(target, "id", None)
            if name == "_EXPORTS" and isinstance(node.value, ast.Dict):
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    if key is None:  # **dict.fromkeys((names...), "module")
                        assert isinstance(value, ast.Call)
                        names, module = (ast.literal_eval(arg) for arg in value.args)
                        exported.update(dict.fromkeys(names, module))
                    else:
                        exported[ast.literal_eval(key)] = ast.literal_eval(value)
            elif name == "_MODULES" and node.value is not None:
                exported.update({m: m for m in ast.literal_eval(node.value)})
        elif isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imported in node.body:
                assert isinstance(imported, ast.ImportFrom) and imported.level == 1
                for alias in imported.names:
                    typed[alias.asname or alias.name] = imported.module or alias.name
    return exported, typed


def test_the_api_exports_and_its_type_checking_imports_name_the_same_things() -> None:
    exported, typed = api_declarations()
    assert exported, "api.py: no _EXPORTS found"
    problems = [f"{n}: only in _EXPORTS" for n in sorted(set(exported) - set(typed))]
    problems += [
        f"{n}: only in the TYPE_CHECKING block" for n in sorted(set(typed) - set(exported))
    ]
    problems += [
        f"{n}: _EXPORTS says {exported[n]!r}, TYPE_CHECKING imports it from {typed[n]!r}"
        for n in sorted(set(exported) & set(typed))
        if exported[n] != typed[n]
    ]
    assert not problems, report(problems, "plugins/approval_gate/api.py: the two lists differ")


def test_every_exported_name_resolves() -> None:
    from approval_gate import api

    exported, _ = api_declarations()
    assert sorted(api.__all__) == sorted(exported)
    missing = []
    for name in api.__all__:
        try:
            getattr(api, name)
        except (AttributeError, ImportError) as error:
            missing.append(f"{name}: {error}")
    assert not missing, report(missing, "names in approval_gate.api that do not load")


# --- d. exit codes -----------------------------------------------------------------------

EXIT_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`([A-Z][A-Z0-9_]*)`\s*\|")


def test_every_exit_code_has_one_meaning() -> None:
    from approval_gate.api import ExitCode

    aliases = [
        f"{name} = {member.value} (same as {member.name})"
        for name, member in ExitCode.__members__.items()
        if member.name != name
    ]
    assert not aliases, report(aliases, "ExitCode values used twice")


def documented_exit_codes() -> dict[str, int]:
    """Return the rows ``| <number> | `<NAME>` | ... |`` under ``## Exit codes``."""
    doc = REPO / "docs" / "architecture.md"
    assert doc.is_file(), "docs/architecture.md does not exist (it holds the exit-code table)"
    rows: dict[str, int] = {}
    inside = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = line.strip() == "## Exit codes"
        elif inside and (found := EXIT_ROW.match(line)):
            rows[found.group(2)] = int(found.group(1))
    assert rows, "docs/architecture.md: no rows `| <number> | `NAME` | ... |` under '## Exit codes'"
    return rows


def test_the_exit_code_table_in_the_docs_is_exit_code() -> None:
    from approval_gate.api import ExitCode

    assert documented_exit_codes() == {name: int(m) for name, m in ExitCode.__members__.items()}


def literal_int(node: ast.AST | None) -> int | None:
    """Return the number if ``node`` is an int literal (not a bool), else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def numbered_codes(rel: str) -> Iterator[tuple[int, str]]:
    """Yield (line, text) of every ``exit_code = 3``, ``exit_code=3`` and ``Exit(code=3)``."""
    for node in nodes(rel, ast.Assign, ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        number = literal_int(node.value)
        if number is not None and any(
            getattr(t, "id", getattr(t, "attr", None)) == "exit_code" for t in targets
        ):
            yield node.lineno, f"exit_code = {number}"
    for node in nodes(rel, ast.Call):
        called = _called(node).rsplit(".", 1)[-1]
        key = "code" if called == "Exit" else "exit_code"
        values = [k.value for k in node.keywords if k.arg == key]
        values += node.args[1:2] if called == "Exit" else []
        for value in values:
            if (number := literal_int(value)) is not None:
                yield node.lineno, f"{called or 'call'}(..., {key}={number})"


def test_no_exit_code_is_a_bare_number() -> None:
    # KpuError's default, 1, is "a failure without a code of its own" (documented).
    allowed = {(GATE + "errors.py", "exit_code = 1")}
    problems = [
        f"{rel}:{line}: {text}"
        for rel in python_files()
        for line, text in numbered_codes(rel)
        if (rel, text) not in allowed
    ]
    assert not problems, report(problems, "exit codes written as numbers (use api.ExitCode)")


# --- e. one source of roles and kinds ----------------------------------------------------


def test_the_roster_lists_exactly_the_sops_roles() -> None:
    from approval_gate.api import ROLE_IDS

    roster = yaml.safe_load((REPO / "approvals" / "roster.yml").read_text(encoding="utf-8"))
    assert tuple(role["id"] for role in roster["roles"]) == ROLE_IDS


def test_the_sites_kinds_are_the_sops_categories() -> None:
    from approval_gate.api import CATEGORIES, read_settings_file

    settings = read_settings_file(REPO / "pelicanconf.py")
    assert tuple(settings["SITE_KINDS"]) == CATEGORIES


def spelled_lists() -> list[tuple[str, int, list[str]]]:
    """Return (file, line, strings) of every literal list, tuple, set or dict of strings."""
    found = []
    for rel in python_files():
        if rel in (GATE + "sop.py", THIS):
            continue
        for node in nodes(rel, ast.List, ast.Tuple, ast.Set, ast.Dict):
            elements: list[ast.expr | None] = []
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                elements = list(node.elts)
            elif isinstance(node, ast.Dict):
                elements = [*node.keys, *node.values]
            strings = [
                e.value
                for e in elements
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
            if len(strings) > 1:
                found.append((rel, node.lineno, strings))
    for rel in template_files():
        text = (REPO / rel).read_text(encoding="utf-8")
        for span in re.finditer(r"[\[(]([^\[\]()]*)[\])]", text):
            strings = re.findall(r"""["']([^"']*)["']""", span.group(1))
            if len(strings) > 1:
                found.append((rel, text.count("\n", 0, span.start()) + 1, strings))
    return found


def test_no_list_of_roles_or_kinds_is_written_outside_sop_py() -> None:
    from approval_gate.api import CATEGORIES

    problems = []
    for rel, line, strings in spelled_lists():
        if "kasubbag-tekmas" in strings and "sekretaris" in strings:
            problems.append(f"{rel}:{line}: the SOP's roles: {strings}")
        if "Liputan Kegiatan" in strings and len(set(strings) & set(CATEGORIES)) > 1:
            problems.append(f"{rel}:{line}: the SOP's kinds: {strings}")
    assert not problems, report(
        problems,
        "lists that only approval_gate/sop.py may write "
        "(use api.ROLE_IDS, api.KINDS or api.CATEGORIES)",
    )


def role_names() -> list[str]:
    roster = yaml.safe_load((REPO / "approvals" / "roster.yml").read_text(encoding="utf-8"))
    return [role["name"] for role in roster["roles"]]


def test_the_roles_names_come_from_the_roster() -> None:
    names = role_names()
    problems = []
    texts = [
        (rel, node.lineno, node.value)
        for rel in project_code()
        for node in nodes(rel, ast.Constant)
        if isinstance(node.value, str)
    ]
    texts += [
        (rel, number, line)
        for rel in template_files()
        for number, line in enumerate(
            (REPO / rel).read_text(encoding="utf-8").splitlines(), start=1
        )
    ]
    for rel, line, text in texts:
        spelled = [name for name in names if name in text]
        if len(spelled) > 1:
            problems.append(f"{rel}:{line}: {', '.join(spelled)}")
    assert not problems, report(problems, "role names written in code (show roster.roles)")


EMPAT = re.compile(r"\b(?:ke)?empat\b", re.I)


def test_the_number_of_roles_is_not_written_as_a_word() -> None:
    files = [
        *template_files(),
        *(
            f
            for f in python_files()
            if f == "tasks.py"
            or f.startswith(("plugins/", "publishing/", "editorial/", "commands/"))
        ),
    ]
    problems = [
        f"{rel}:{number}: {line.strip()}"
        for rel in files
        if rel != GATE + "sop.py"
        for number, line in enumerate(
            (REPO / rel).read_text(encoding="utf-8").splitlines(), start=1
        )
        if EMPAT.search(line)
    ]
    assert not problems, report(
        problems, "'empat' written out (use api.number_word(len(roles)) or api.all_of)"
    )


# --- f. one clock --------------------------------------------------------------------------

CLOCK_READS = {(kind, read) for kind in ("datetime", "date") for read in ("now", "utcnow", "today")}


def reads_the_clock(call: ast.Call) -> bool:
    """Tell whether ``call`` is ``datetime.now()`` (or ``utcnow``, ``today``, ``date.today``)."""
    return tuple(_called(call).split(".")[-2:]) in CLOCK_READS


def test_only_the_gates_clock_reads_the_time() -> None:
    problems = [
        f"{rel}:{node.lineno}: {_called(node)}()"
        for rel in project_code(GATE + "clock.py")
        for node in nodes(rel, ast.Call)
        if reads_the_clock(node)
    ]
    assert not problems, report(
        problems, "clock reads outside approval_gate/clock.py (use api.now() / api.settings_now())"
    )


# --- g. one git runner ---------------------------------------------------------------------

SUBPROCESS = {"run", "Popen", "call", "check_call", "check_output"}
#: The two exceptions: a long-running ``git cat-file --batch`` reader feeds the report
#: (version_times.py) and the sealed publish's export (seal/objects.py) thousands of blobs
#: through one process; run_git() runs one command and returns.
GIT_EXCEPTIONS = {
    ("editorial/report/version_times.py", ("git", "cat-file", "--batch")),
    ("publishing/seal/objects.py", ("git", "cat-file", "--batch")),
}


def _starts_with_git(node: ast.expr | None, lists: dict[str, ast.expr]) -> tuple[str, ...]:
    """Return the literal head of a command that runs git, or ()."""
    if isinstance(node, ast.Name) and node.id in lists:
        return _starts_with_git(lists[node.id], {})
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ("git",) if node.value.split()[:1] == ["git"] else ()
    if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
        return ()
    first = node.elts[0]
    if isinstance(first, ast.Starred):
        return _starts_with_git(first.value, lists)
    if isinstance(first, ast.Constant) and first.value == "git":
        return tuple(e.value for e in node.elts if isinstance(e, ast.Constant))
    return ()


def test_only_the_gates_git_runner_runs_git() -> None:
    problems = []
    for rel in project_code(GATE + "git.py"):
        lists = {
            n.targets[0].id: n.value
            for n in nodes(rel, ast.Assign)
            if len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
        }
        from_subprocess = {
            a.asname or a.name
            for n in nodes(rel, ast.ImportFrom)
            if n.module == "subprocess"
            for a in n.names
        }
        for node in nodes(rel, ast.Call):
            called = _called(node)
            if not (
                called.startswith("subprocess.")
                and called.split(".")[1] in SUBPROCESS
                or called in from_subprocess
            ):
                continue
            command = (
                node.args[0]
                if node.args
                else next((k.value for k in node.keywords if k.arg == "args"), None)
            )
            head = _starts_with_git(command, lists)
            if head and (rel, head) not in GIT_EXCEPTIONS:
                problems.append(f"{rel}:{node.lineno}: {called}({list(head)}...)")
    assert not problems, report(
        problems, "git run outside approval_gate/git.py (use api.run_git / git_text / git_lines)"
    )
