"""What the publishing machine remembers, outside the repository a writer can change.

A writer who can commit could rewrite history, delete a sign-off or bring back an old
roster; nothing in the repository can tell. So the publishing machine keeps its own
record under the XDG state directory (``$XDG_STATE_HOME/kpu-rembang/<site>/``, by default
``~/.local/state/kpu-rembang/<site>/``), never in ``.cache`` or the checkout:

* ``base``: the commit the web admin accepted as the starting point (``invoke
  terima-riwayat``: the first publish, or a deliberate replacement of history);
* ``last``: the commit, release and target of the last publish; the next one must descend
  from it;
* ``roster_versions``: the highest roster version accepted per anchor (a replayed older
  roster is refused on a fresh checkout too);
* ``newest``: the newest moment this machine has seen (signatures, commits, releases), so a
  clock set back is noticed;
* ``events``: every deliberate decision, with who, when and why;
* ``releases.jsonl`` beside it: every release that went live, in the order it did (the
  rollback order, never derived from names or clocks).

A site is identified by its repository's root commits, so two clones of one site share
the record and two sites never do. Writes are atomic (temporary file, rename).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import ConfigError, git_lines, require_git, write_whole

STATE_FORMAT = 1


def state_root(env: Mapping[str, str]) -> Path:
    """Return the machine's state folder for this project (XDG, never the checkout)."""
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local/state")
    return Path(base) / "kpu-rembang"


def site_id(repo: Path) -> str:
    """Return a stable id of the site: a hash of its repository's root commits."""
    roots = git_lines(repo, "rev-list", "--max-parents=0", "HEAD")
    if not roots:
        require_git()  # no git at all is said as such, not as "not a repository"
        raise ConfigError(
            f"{repo} bukan repositori git dengan commit; penerbitan dibuat dari commit.",
            hint="Jalankan dari folder situs yang di-clone dengan git.",
        )
    return hashlib.sha256("\n".join(sorted(roots)).encode()).hexdigest()[:16]


@dataclass
class MachineState:
    """The publishing machine's record of one site (see the module docstring)."""

    folder: Path
    site: str
    base: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    roster_versions: dict[str, int] = field(default_factory=dict)
    newest: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def file(self) -> Path:
        """Return the state file."""
        return self.folder / "state.json"

    @property
    def release_log(self) -> Path:
        """Return the log of releases that went live, in order."""
        return self.folder / "releases.jsonl"

    def save(self) -> None:
        """Write the state atomically."""
        data = {"format": STATE_FORMAT, **asdict(self)}
        data.pop("folder")
        write_whole(self.file, json.dumps(data, ensure_ascii=False, indent=1) + "\n", durable=True)

    def saw(self, moment: datetime) -> None:
        """Remember ``moment`` if it is the newest this machine has seen."""
        if self.newest is None or moment > datetime.fromisoformat(self.newest):
            self.newest = moment.isoformat()

    def record(self, event: str, **details: Any) -> None:
        """Add a deliberate decision to the events (saved with the state)."""
        self.events.append({"event": event, **details})

    def went_live(self, entry: Mapping[str, Any]) -> None:
        """Append a release that just went live to the release log."""
        self.release_log.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(dict(entry), ensure_ascii=False) + "\n").encode()
        with self.release_log.open("ab", buffering=0) as log:
            size = log.tell()
            try:
                rest = memoryview(line)
                while rest:  # a raw write may take only part of the line
                    written = log.write(rest)
                    if not written:
                        full = errno.ENOSPC
                        raise OSError(full, os.strerror(full), str(self.release_log))
                    rest = rest[written:]
                os.fsync(log.fileno())
            except OSError:  # a full disk: never leave half a line behind
                log.truncate(size)
                raise

    def releases(self, target: str | None = None) -> list[dict[str, Any]]:
        """Return the releases that went live (of ``target``), oldest first."""
        if not self.release_log.is_file():
            return []
        entries = [json.loads(line) for line in self.release_log.read_text().splitlines() if line]
        return [e for e in entries if target is None or e.get("target") == target]


def load_state(folder: Path, site: str) -> MachineState:
    """Return the state kept in ``folder`` (an empty one the first time)."""
    state = MachineState(folder, site)
    if not state.file.is_file():
        return state
    try:
        data = json.loads(state.file.read_text(encoding="utf-8"))
        if data.get("format") != STATE_FORMAT or data.get("site") != site:
            raise ValueError("format atau situs tidak cocok")
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"Catatan mesin penerbit tidak dapat dibaca: {error}.",
            path=str(state.file),
            hint="Periksa berkas itu; jangan menghapusnya (ia menjaga riwayat penerbitan).",
        ) from None
    return MachineState(
        folder,
        site,
        data.get("base"),
        data.get("last"),
        dict(data.get("roster_versions") or {}),
        data.get("newest"),
        list(data.get("events") or []),
    )
