"""What a batch of file changes asks of the preview: nothing, some pages, all, a restart.

Watched: the content, the approvals, the theme, the code of the gate and the preview
(``plugins/``, ``editorial/``) and the settings files. One batch of changes becomes one
plan:

* items or attachments edited, or sign-offs added: an incremental run in the warm
  worker (only those items' pages, then the listings);
* a content file deleted or renamed: a clean full build (its old page must go);
* settings, the roster, the theme or code changed: a fresh worker process (modules are
  not reloaded in place, and plugins read some theme files once at start), which starts
  with a clean full build.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The repository: its code folders are watched too.
REPO = Path(__file__).absolute().parents[2]
#: Editor back-up, swap and lock files, hidden files, Python byte code: never content.
IGNORED = re.compile(r"(^\.|~$|\.sw[a-p]x?$|\.tmp$|^4913$|^#.*#$|\.py[co]$)")
Event = tuple[str, str, str | None, bool]  # kind, path, moved-to path, is a folder


@dataclass(frozen=True)
class Roots:
    """The folders and files whose changes matter to the preview."""

    content: Path
    approvals: Path
    theme: Path
    code: tuple[Path, ...]
    settings: tuple[Path, ...]

    @classmethod
    def of(cls, settings_file: Path, settings: Mapping[str, Any]) -> Roots:
        """Take the paths from the settings file's values (read without Pelican)."""
        base = settings_file.parent

        def where(key: str, default: str) -> Path:
            value = Path(str(settings.get(key) or default))
            return (value if value.is_absolute() else base / value).resolve()

        return cls(
            where("PATH", "content"),
            where("APPROVAL_GATE_APPROVALS_PATH", "approvals"),
            where("THEME", "theme"),
            (REPO / "plugins", REPO / "editorial"),
            (settings_file.resolve(), (REPO / "pelicanconf.py").resolve()),
        )


@dataclass
class Plan:
    """What one batch of changes asks the worker to do."""

    restart: bool = False
    clean: bool = False
    content: set[str] = field(default_factory=set)
    approvals: set[str] = field(default_factory=set)

    def empty(self) -> bool:
        """Tell whether nothing that matters changed."""
        return not (self.restart or self.clean or self.content or self.approvals)

    def message(self) -> dict[str, Any]:
        """Return the request line for the worker."""
        return {
            "content": sorted(self.content),
            "approvals": sorted(self.approvals),
            "clean": self.clean,
        }


def _inside(path: Path, folder: Path) -> bool:
    return folder in path.parents


def _note(plan: Plan, path: Path, roots: Roots, gone: bool) -> None:
    """Add one changed (or vanished) path to the plan."""
    if IGNORED.search(path.name) or "__pycache__" in path.parts or ".git" in path.parts:
        return
    gone = gone and not path.exists()  # an editor's save by rename leaves the file there
    if (
        path in roots.settings
        or any(_inside(path, folder) for folder in roots.code)
        or _inside(path, roots.theme)
    ):  # plugins read theme files at start (its CSS)
        plan.restart = True
    elif _inside(path, roots.approvals):
        rel = path.relative_to(roots.approvals).as_posix()
        if "/" not in rel:
            plan.restart = True  # the roster: read once per worker, like the gate does
        else:
            plan.approvals.update({rel.rsplit("/", 1)[0], rel})
    elif _inside(path, roots.content):
        if gone:
            plan.clean = True
        else:
            plan.content.add(path.relative_to(roots.content).as_posix())


def plan_for(events: list[Event], roots: Roots) -> Plan:
    """Turn a batch of file-system events into one plan."""
    plan = Plan()
    for kind, src, dest, folder in events:
        if folder and kind in {"modified", "created", "closed"}:
            continue  # the files inside have their own events
        _note(plan, Path(src), roots, gone=kind in {"deleted", "moved"})
        if dest:
            _note(plan, Path(dest), roots, gone=False)
    return plan
