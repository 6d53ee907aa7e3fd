"""When a naskah reached the Web Admin, for versions git cannot date: ``approvals/pengajuan*.yml``.

The report starts a version's review at the commit that first produced its digest (SOP
steps 2-3: the draft is committed and pushed). Texts reviewed before the office kept
them in git, or signed from a copy that was committed later, have no such commit: their
commit comes after their first signature and the report shows ``?``. Files named
``pengajuan*.yml`` at the top of the approvals folder (where the gate reads no sign-off)
record when such a version was submitted, one entry per version::

    - item: berita/2026-11-10-rapat-pleno-dpt.md
      digest: sha256:...
      diajukan: '2026-11-10T14:40:00+07:00'

Trust: the files are not signed; anyone who can push can add one. So an entry never
overrides git: it counts only when git has no usable start for that version (never
committed, or committed after its first counted sign-off), and only if it is not later
than that first sign-off (or than now, for a version nobody has signed). Whoever commits
a version can already choose its commit date freely, so any start an entry can give, a
back-dated commit could have given too: an entry adds no power over the SOP clock. Like
every file under approvals/, a published entry cannot be changed afterwards (the
publishing machine refuses any edit, deletion or rename there,
``publishing/seal/history.py``): new entries go in a new file. Problems are reported by
file and line and only drop the entry concerned.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from approval_gate.api import FileRefused, YamlProblem, as_moment, read_regular
from approval_gate.api import parse as parse_yaml

from .version_times import Start

#: The files' names: ``pengajuan.yml``, ``pengajuan-2027-01.yml`` and so on.
PREFIX, SUFFIX = "pengajuan", ".yml"
#: Largest file read (about 200 bytes an entry: thousands of versions).
LIMIT = 1024 * 1024
_KEYS = ("item", "digest", "diajukan")
_FIX = "Perbaiki entri itu; waktu mulai versi tersebut dihitung tanpa catatan ini."


@dataclass(frozen=True)
class Submission:
    """One entry: this version of this item was submitted at ``at`` (file and line)."""

    item: str
    digest: str
    at: datetime
    where: str


@dataclass
class Submissions:
    """The entries by (item, digest) and the problems found with them."""

    entries: dict[tuple[str, str], Submission] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str, hint: str = _FIX) -> None:
        """Note a problem at ``where`` (file or file:line), as the report lists it."""
        self.problems.append(" ".join(part for part in (f"{where}:", message, hint) if part))

    def start(self, item: str, digest: str, limit: datetime) -> Start | None:
        """Return the recorded start of a version git cannot date, if it is acceptable.

        ``limit`` is the version's first counted sign-off (or now, if nobody signed it).
        """
        entry = self.entries.get((item, digest))
        if entry is None:
            return None
        if entry.at > limit:
            self.problem(
                entry.where,
                f"Waktu pengajuan {item} ({entry.at:%Y-%m-%d %H:%M}) sesudah tanda tangan "
                f"pertama versi itu ({limit:%Y-%m-%d %H:%M}), jadi tidak dipakai.",
            )
            return None
        return Start(entry.at, "pengajuan")

    def check_used(self, versions: Mapping[str, Mapping[str, bool]]) -> None:
        """Report entries that name no item or version, or that git made unnecessary.

        ``versions``: item -> digest -> whether git had a usable start for it.
        """
        for (item, digest), entry in self.entries.items():
            known = versions.get(item)
            if known is None:
                self.problem(entry.where, f"Item {item!r} tidak ada di content/.")
            elif digest not in known:
                self.problem(
                    entry.where,
                    f"Digest itu bukan versi {item} yang pernah ditandatangani atau versi "
                    "saat ini.",
                )
            elif known[digest]:
                self.problem(
                    entry.where,
                    f"Pengajuan {item} tidak dipakai: versi itu sudah di-commit sebelum "
                    "ditandatangani, dan waktu commit yang dihitung.",
                    "Biarkan saja; catatan ini tidak mengubah laporan.",
                )


def _entry(raw: object, index: int, where: str, found: Submissions) -> Submission | None:
    """Return one entry of a file, or note why it is not one."""
    if not isinstance(raw, dict) or set(raw) != set(_KEYS):
        found.problem(where, f"Entri ke-{index + 1} harus berisi tepat: {', '.join(_KEYS)}.")
        return None
    item, digest, moment = raw["item"], raw["digest"], raw["diajukan"]
    if not isinstance(item, str) or not isinstance(digest, str) or not digest.startswith("sha256:"):
        found.problem(where, "item harus jalur di bawah content/ dan digest harus 'sha256:…'.")
        return None
    at = as_moment(moment) if isinstance(moment, (str, datetime)) else None
    if at is None:
        found.problem(
            where,
            f"diajukan '{moment}' bukan waktu lengkap dengan zona.",
            "Tulis seperti '2026-11-10T14:40:00+07:00'.",
        )
        return None
    return Submission(item.removeprefix("content/"), digest, at, where)


def _read_file(approvals: Path, name: str, shown: str, found: Submissions) -> None:
    """Add the entries of one file; a file that cannot be read adds a problem only."""
    try:
        data = read_regular(str(approvals), name, LIMIT)
        doc = parse_yaml(data.decode("utf-8"), LIMIT) if data is not None else None
    except FileRefused as error:
        found.problem(shown, error.message, error.hint)
        return
    except UnicodeDecodeError:
        found.problem(shown, "Berkas bukan teks UTF-8.", "Simpan ulang sebagai UTF-8.")
        return
    except YamlProblem as error:
        found.problem(f"{shown}:{error.line}" if error.line else shown, str(error), "")
        return
    if doc is None or doc.data is None:
        return
    if not isinstance(doc.data, list):
        found.problem(f"{shown}:1", "Isi berkas harus daftar entri (baris diawali '- ').", "")
        return
    for index, raw in enumerate(doc.data):
        line = doc.line(index)
        entry = _entry(raw, index, f"{shown}:{line}" if line else shown, found)
        if entry is None:
            continue
        first = found.entries.setdefault((entry.item, entry.digest), entry)
        if first is not entry:
            found.problem(
                entry.where,
                f"Versi ini sudah dicatat di {first.where}; entri ini diabaikan.",
                "Biarkan saja; yang pertama yang dihitung.",
            )


def read_submissions(approvals: Path, shown: str) -> Submissions:
    """Read every ``pengajuan*.yml`` at the top of ``approvals`` (shown as ``shown``/name).

    Files are read in name order; the first entry for a version counts. No file: no
    entries. Problems never stop the report.
    """
    found = Submissions()
    try:
        with os.scandir(approvals) as listing:
            names = sorted(
                entry.name
                for entry in listing
                if entry.name.startswith(PREFIX) and entry.name.endswith(SUFFIX)
            )
    except OSError:
        return found  # no approvals folder: the ledger has said so already
    for name in names:
        _read_file(approvals, name, f"{shown}/{name}", found)
    return found
