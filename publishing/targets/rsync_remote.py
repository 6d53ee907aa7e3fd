"""What the rsync target reads and runs on the server, kept apart from the flow.

The server is only ever asked through small POSIX shell scripts (``STATE`` to read, the
switch to change ``current``) and through rsync, whose itemized lines and ``--stats``
counters are parsed here. Everything here is pure text in, text out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

# Prints what the server has at <path>, changing nothing.
STATE = """cd -- {path} 2>/dev/null || exit 0
echo exists
if [ -L current ]; then printf 'current %s\\n' "$(readlink current)"
elif [ -e current ]; then echo not-a-link; fi
for d in releases/*/; do [ -d "$d" ] && d=${{d%/}} && printf 'release %s\\n' "${{d#releases/}}"
done
if [ -L current ] && [ -d current/ ]; then
  (cd current/ && find . -type f -print | sed 's|^[.]/|file |'); fi
exit 0"""


@dataclass
class Remote:
    """What the server has at ``path``: releases, the current one and its files."""

    exists: bool = False
    current: str | None = None
    not_a_link: bool = False
    releases: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)


def parse_state(text: str) -> Remote:
    """Read the output of the ``_STATE`` script."""
    remote = Remote()
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        if word == "exists":
            remote.exists = True
        elif word == "current" and rest:
            remote.current = rest.rstrip("/").rsplit("/", 1)[-1]
        elif word == "not-a-link":
            remote.not_a_link = True
        elif word == "release":
            remote.releases.append(rest)
        elif word == "file":
            remote.files.add(rest)
    remote.releases.sort()
    return remote


def itemized(text: str) -> tuple[list[tuple[str, int]], list[str]]:
    """Return (files whose data is sent, with sizes) and deleted files from rsync's lines."""
    sent, deleted = [], []
    for line in text.splitlines():
        flags, rest = line[:11], line[12:]
        size, _, name = rest.partition(" ")
        if not name or name.endswith("/") or not size.isdigit():
            continue
        if flags.startswith("*deleting"):
            deleted.append(name)
        elif flags[:2] in ("<f", ">f"):  # data goes to the server (attribute-only: ".f")
            sent.append((name, int(size)))
    return sent, deleted


def stats(text: str) -> dict[str, int]:
    """Return the ``--stats`` counters (``Label: 1,234 ...``) as integers."""
    found = re.findall(r"^([A-Z][A-Za-z ]+): ([\d,]+)", text, flags=re.MULTILINE)
    return {label: int(number.replace(",", "")) for label, number in found}


def local_files(output: Path) -> set[str]:
    """Return the regular files of ``output`` (symlinks are never published)."""
    return {
        p.relative_to(output).as_posix()
        for p in output.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def switch_script(
    path: str, release: str, *, finish: bool = False, drop: list[str] | None = None
) -> str:
    """Return the server commands that make ``release`` current with one rename."""
    q, r = shlex.quote(path), shlex.quote(release)
    lines = ["set -e", f"cd -- {q}"]
    if finish:
        lines += [f"test ! -e releases/{r}", f"mv -T -- releases/.{release}.partial releases/{r}"]
    lines += [
        "rm -f -- .current-tmp",
        f"ln -s -- releases/{r} .current-tmp",
        "mv -T -- .current-tmp current",
    ]  # rename(2): readers see old or new
    if drop:
        lines.append("rm -rf -- " + " ".join(f"releases/{shlex.quote(n)}" for n in drop))
    return "\n".join(lines)
