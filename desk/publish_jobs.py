"""Publishing and rolling back from the desk: ``invoke`` as a child, its output kept.

A publish started on the desk is ``invoke publish`` (or ``invoke rollback``) in a child
process of its own session, never code run in the web server: Ctrl-C on the desk's
terminal does not reach it (it is not in the desk's process group), and a desk that
crashes or is stopped leaves the child running to its end. The publish itself is atomic
and holds the publish lock, so a second one (from the desk or a terminal) is refused
with the lock's own message, which the job shows.

The child writes its output into ``<data>/terbit/<job>.log`` (a file, not a pipe: a dead
desk cannot break the child's writes) and a small shell wrapper writes its exit code
into ``<job>.rc`` when it ends. A watcher thread reads new lines as they come for the
page to poll; a restarted desk finds its jobs in the same folder (``Jobs.load``).
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from approval_gate.api import ExitCode, now, process_alive, wib_text


#: Runs the command, then records its exit code atomically (``$1``: the rc file).
WRAPPER = 'rc="$1"; shift; "$@"; code=$?; echo "$code" > "$rc.tmp"; mv "$rc.tmp" "$rc"'
#: How many finished jobs are kept (records and logs beyond it are removed).
KEEP = 30
POLL_SECONDS = 0.2
#: The line ``invoke publish`` sums a publish up with (``terbit 12, ditahan 7``).
COUNTS = re.compile(r"^\s*(?:akan )?terbit \d+, ditahan \d+\s*$")
LIVE = re.compile(r"^\s*Situs tayang(?::\s*| di )(?P<where>.+?)(?: kembali ke rilis .*)?$")
#: The line ``invoke rollback`` ends with (``... kembali ke rilis 2026...``).
BACK = re.compile(r"^Situs tayang di .+ kembali ke rilis \S+$")

#: What each exit code of ``invoke publish`` and ``invoke rollback`` means, for people.
MEANINGS = {
    0: "Selesai dengan baik.",
    ExitCode.GATE: "Gerbang persetujuan tidak dapat menjamin build ini; situs tayang tidak "
    "berubah.",
    ExitCode.CONFIG: "Ada pengaturan yang salah atau belum dipasang (lihat pesan di atas); "
    "situs tayang tidak berubah.",
    ExitCode.ROSTER: "Roster tidak dapat dibaca; situs tayang tidak berubah.",
    ExitCode.ANCHOR: "Roster tidak ditandatangani jangkar mesin ini; situs tayang tidak berubah.",
    ExitCode.SIGNING: "Kunci arsip mesin ini tidak ada atau tidak terdaftar di roster; situs "
    "tayang tidak berubah.",
    ExitCode.BUILD: "Build atau audit menolak hasilnya; tidak ada yang dikirim.",
    ExitCode.LOCK: "Penerbitan lain sedang berjalan; tunggu sampai selesai, lalu coba lagi.",
    ExitCode.TARGET: "Target tidak dapat dijangkau atau menolak rilis; situs tayang tidak berubah.",
    ExitCode.SEAL: "Commit ini tidak boleh diterbitkan (lihat pesan di atas); situs tayang "
    "tidak berubah.",
    ExitCode.RAIL: "Pagar pengaman menghentikan penerbitan (jam mundur atau terlalu banyak "
    "item turun); situs tayang tidak berubah.",
    ExitCode.UNARCHIVED: "Rilis sudah tayang, tetapi catatan arsip lengkapnya belum tertulis; "
    "penerbitan berikutnya melengkapinya.",
    ExitCode.STORAGE: "Folder di mesin ini penuh atau hanya-baca; tidak ada yang tayang.",
    ExitCode.INTERRUPTED: "Dihentikan sebelum selesai (lihat pesan di atas).",
    ExitCode.TERMINATED: "Dihentikan sebelum selesai (lihat pesan di atas).",
}
KINDS = {"terbit": "Penerbitan", "kembalikan": "Rollback"}


def meaning(code: int | None) -> str:
    """Return what an exit code means, in Indonesian."""
    if code is None:
        return (
            "Hasilnya tidak diketahui: prosesnya berhenti tanpa kode keluar (mis. server "
            "dimatikan). Periksa situs tayang, lalu ulangi bila perlu."
        )
    return MEANINGS.get(code, f"Berakhir dengan kode {code}; lihat pesan di atas.")


@dataclass
class Job:
    """One publish or rollback started on the desk, and what it has printed so far."""

    id: str
    kind: str  # terbit | kembalikan
    by: str
    command: list[str]
    started: str
    demo: bool = False
    site: str = ""  # the site's address (SITEURL), shown as a link after a publish
    pid: int | None = None
    code: int | None = None
    ended: str | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        """Whether the child has not ended yet."""
        return self.ended is None

    def counts(self) -> str:
        """Return the ``terbit N, ditahan M`` line (a rollback: where it went back to)."""
        pattern = BACK if self.kind == "kembalikan" else COUNTS
        return next((line.strip() for line in self.lines if pattern.match(line)), "")

    def location(self) -> str:
        """Return where the site is live, as the command said it."""
        for line in self.lines:
            found = LIVE.match(line)
            if found:
                return found.group("where").strip()
        return ""

    def view(self, since: int = 0) -> dict[str, Any]:
        """Return the job as the page's script reads it (lines from ``since`` on)."""
        success = not self.running and self.code == 0
        return {
            "id": self.id,
            "jenis": self.kind,
            "judul": KINDS.get(self.kind, self.kind),
            "berjalan": self.running,
            "baris": self.lines[since:],
            "jumlah": len(self.lines),
            "kode": self.code,
            "arti": "" if self.running else meaning(self.code),
            "ringkasan": self.counts(),
            "lokasi": self.location() if success else "",
            "situs": self.site if success and self.kind == "terbit" else "",
            "mulai": wib_text(datetime.fromisoformat(self.started)),
            "oleh": self.by,
        }


class Jobs:
    """The desk's publish jobs: in memory, and in ``<data>/terbit/`` for a restart."""

    def __init__(self, data: Path) -> None:
        self.folder = data / "terbit"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self.finished = 0  # counts jobs ended in this process (the plan cache's key)
        self.load()

    def _path(self, job: Job, suffix: str) -> Path:
        return self.folder / f"{job.id}.{suffix}"

    def _save(self, job: Job) -> None:
        record = {k: v for k, v in asdict(job).items() if k != "lines"}
        temporary = self._path(job, "json.tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self._path(job, "json"))

    def load(self) -> None:
        """Read earlier jobs; watch again those whose child may still be running."""
        for record in sorted(self.folder.glob("*.json"))[-KEEP:]:
            try:
                job = Job(**json.loads(record.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            self._jobs[job.id] = job
            if not job.running:
                job.lines = self._read_lines(job)
            elif self._path(job, "rc").exists() or not _alive(job.pid, None):
                self._finish(job)  # it ended while no desk was watching
            else:
                threading.Thread(target=self._watch, args=(job, None), daemon=True).start()

    def _read_lines(self, job: Job, whole: bool = True) -> list[str]:
        """Return the log's lines; while running, without a line still being written."""
        try:
            text = self._path(job, "log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        lines = text.split("\n")
        return lines[:-1] if text.endswith("\n") or not whole else lines

    def get(self, job_id: str) -> Job | None:
        """Return the job ``job_id``, or None."""
        return self._jobs.get(job_id)

    def running(self) -> Job | None:
        """Return the newest job that is still running, or None."""
        live = [job for job in self._jobs.values() if job.running]
        return max(live, key=lambda job: job.started) if live else None

    def start(
        self,
        kind: str,
        command: list[str],
        *,
        shown: str,
        cwd: Path,
        env: dict[str, str],
        by: str,
        demo: bool,
        site: str = "",
    ) -> Job:
        """Start ``command`` as a child in its own session; return its job.

        ``shown`` is the command as the web admin would type it (the log's first line).
        """
        moment = now()
        job = Job(
            f"{moment:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}",
            kind,
            by,
            command,
            moment.isoformat(),
            demo,
            site,
        )
        first = f"$ {shown}"
        with self._lock:
            log = self._path(job, "log")
            log.write_text(first + "\n", encoding="utf-8")
            with open(log, "a", encoding="utf-8") as out:
                child = subprocess.Popen(
                    ["sh", "-c", WRAPPER, "sh", str(self._path(job, "rc")), *command],
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            job.pid = child.pid
            job.lines = [first]
            self._jobs[job.id] = job
            self._save(job)
            self._forget_old()
        threading.Thread(target=self._watch, args=(job, child), daemon=True).start()
        return job

    def _forget_old(self) -> None:
        done = sorted((j for j in self._jobs.values() if not j.running), key=lambda j: j.started)
        for job in done[:-KEEP]:
            del self._jobs[job.id]
            for suffix in ("json", "log", "rc"):
                self._path(job, suffix).unlink(missing_ok=True)

    def _watch(self, job: Job, child: subprocess.Popen[bytes] | None) -> None:
        """Follow the child's log until its exit code is written (or it is gone)."""
        rc = self._path(job, "rc")
        while True:
            ended = rc.exists() or not _alive(job.pid, child)
            job.lines = self._read_lines(job, whole=False) or job.lines
            if ended:
                break
            time.sleep(POLL_SECONDS)
        self._finish(job)

    def _finish(self, job: Job) -> None:
        """Record the job's exit code (None: it left none), its last lines, its end."""
        rc = self._path(job, "rc")
        try:
            job.code = int(rc.read_text().strip())
        except (OSError, ValueError):
            job.code = None
        job.lines = self._read_lines(job) or job.lines
        job.ended = now().isoformat()
        with self._lock:
            self._save(job)
            self.finished += 1


def _alive(pid: int | None, child: subprocess.Popen[bytes] | None) -> bool:
    """Whether the job's process still runs (our own child: not yet reaped)."""
    if child is not None:
        return child.poll() is None
    return pid is not None and process_alive(pid)
