"""A gated build that fails closed: a fresh folder, a manifest check, then one swap.

Pelican is run as a child process into a new, empty staging folder with a fresh build
id. Its output replaces the target folder only when Pelican exited cleanly and the
gate's manifest for exactly this build id says every stage of the gate ran. Otherwise
the staging folder is deleted and the previous output stays as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audit import audit_output
from .failpoints import failpoint
from .search import SearchIndexError, index_site


class BuildFailed(Exception):
    """The build did not produce a trustworthy output; nothing was replaced."""

    exit_code = 10

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.log = log


@dataclass(frozen=True)
class BuildResult:
    """A successful gated build."""

    output: Path
    manifest: dict[str, Any]
    log: str


def run_pelican(settings_file: Path, output: Path, build_id: str, manifest: Path,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run Pelican with the given settings into ``output`` (a child process).

    The log lines carry their level (pelican_child.py); ``judge_log`` decides which
    errors only leave out one item and which fail the build.
    """
    command = [sys.executable, str(Path(__file__).with_name("pelican_child.py")),
               "-s", str(settings_file), "-o", str(output),
               "-e", f"APPROVAL_GATE_BUILD_ID={json.dumps(build_id)}",
               f"APPROVAL_GATE_MANIFEST_PATH={json.dumps(str(manifest))}"]
    return subprocess.run(command, capture_output=True, text=True, check=False,
                          cwd=settings_file.parent, env={**os.environ, **(env or {})})


_GATE_ERROR = re.compile(r"(?:GateError|ConfigError|RosterError|AnchorError): (.+)$")


def reason_in(log: str) -> str:
    """Return the one line of Pelican's log that tells a person what went wrong."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        match = _GATE_ERROR.search(line)
        if match:
            return match.group(1)
    for marker in ("CRITICAL", "ERROR"):
        for line in reversed(lines):
            if marker in line:
                return line
    return lines[-1] if lines else "Pelican tidak menulis pesan apa pun."


#: Pelican errors that only mean "this one file was skipped": the item is left out and
#: reported; every other error or critical line fails the build (fail closed).
_SKIPPED = (
    (re.compile(r"^ERROR: Skipping (?P<file>.+?): could not find information about "
                r"'(?P<what>[^']+)'$"),
     "metadata wajib '{what}' tidak ada; tambahkan (mis. 'Title: ...') lalu ajukan lagi"),
    (re.compile(r"^ERROR: Unknown status '(?P<what>[^']*)' for file (?P<file>.+), skipping"),
     "status '{what}' tidak dikenal; pakai published, hidden atau draft"),
    (re.compile(r"^ERROR: Skipping (?P<file>.+?): file .+ would be written outside output"),
     "alamat simpan (save_as) berada di luar folder output; perbaiki metadata itu"),
    (re.compile(r"^ERROR: Could not process (?P<file>.+)$"),
     "berkas tidak dapat dibaca Pelican; periksa isinya (lihat catatan build)"),
)


def judge_log(log: str, content: Path) -> tuple[list[dict[str, Any]], str | None]:
    """Return the items Pelican skipped (with reasons) and the first fatal error line."""
    skipped: list[dict[str, Any]] = []
    fatal = None
    for line in log.splitlines():
        if not line.startswith(("ERROR: ", "CRITICAL: ")):
            continue
        for pattern, reason in _SKIPPED:
            match = pattern.match(line)
            if match:
                file = Path(match["file"])
                item = file.relative_to(content) if file.is_relative_to(content) else file
                skipped.append({"item": item.as_posix(), "state": "rusak", "digest": None,
                                "reason": reason.format(what=match.groupdict().get("what"))})
                break
        else:
            fatal = fatal or line
    return skipped, fatal


def read_manifest(path: Path, build_id: str) -> dict[str, Any]:
    """Return the manifest of this build, or raise ``BuildFailed`` if it is not."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BuildFailed(f"Manifest gerbang tidak ada atau rusak: {path}. Gerbang "
                          "persetujuan tidak berjalan; tidak ada yang diterbitkan.") from None
    if manifest.get("build_id") != build_id:
        raise BuildFailed(f"Manifest {path} bukan milik build ini (build lama?). Tidak ada "
                          "yang diterbitkan.")
    missing = {"articles", "pages", "static"} - set(manifest.get("stages", []))
    if missing:
        raise BuildFailed(f"Gerbang tidak menjalankan tahap: {', '.join(sorted(missing))}.")
    return manifest


def _content_path(settings_file: Path) -> Path:
    from approval_gate.settings import read_settings_file

    try:
        return Path(read_settings_file(settings_file)["PATH"]).resolve()
    except Exception:  # the child already ran this file; a failure here only costs names
        return settings_file.parent / "content"


def _prune(builds: Path, keep: int = 50) -> None:
    """Keep the newest ``keep`` build manifests (the archive keeps what was published)."""
    done = sorted(builds.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in done[:-keep]:
        old.unlink(missing_ok=True)


def _swap(staging: Path, output: Path) -> None:
    old = output.with_name(f".{output.name}.old-{os.getpid()}")
    if output.exists():
        output.rename(old)
    staging.rename(output)
    if old.exists():
        shutil.rmtree(old)


def build_site(settings_file: Path, output: Path, env: dict[str, str] | None = None,
               state_dir: Path | None = None, allow_demo_keys: bool = True,
               search: bool = True) -> BuildResult:
    """Build the gated site into ``output``, replacing it only when the gate vouches.

    Each build's manifest goes to ``state_dir/builds/<id>.json``; the last good one is
    copied to ``state_dir/gate-manifest.json``. The output is audited (audit.py) before
    it replaces anything; ``allow_demo_keys=False`` also refuses a demo-key build.
    ``search=False`` skips the search index (only bench/gate_bench.py, which measures
    the gate alone; the audit still refuses any search index it finds).
    """
    build_id = uuid.uuid4().hex
    state = state_dir or settings_file.parent / "var"
    manifest_path = state / "builds" / f"{build_id}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.name}.staging-{build_id[:12]}")
    try:
        done = run_pelican(settings_file, staging, build_id, manifest_path, env)
        log = done.stdout + done.stderr
        failpoint("build")  # Pelican has written the staging folder; nothing checked yet
        if done.returncode != 0:
            raise BuildFailed(f"{reason_in(log)}\nPelican gagal (kode keluar "
                              f"{done.returncode}); tidak ada yang diterbitkan.", log)
        skipped, fatal = judge_log(log, _content_path(settings_file))
        if fatal:
            reason = reason_in(log) if _GATE_ERROR.search(log) else fatal
            raise BuildFailed(f"{reason}\nPelican melaporkan galat; tidak ada yang "
                              "diterbitkan.", log)
        try:
            manifest = read_manifest(manifest_path, build_id)
        except BuildFailed as error:
            raise BuildFailed(error.message, log) from None
        if skipped:
            manifest["excluded"] = sorted(manifest["excluded"] + skipped,
                                          key=lambda entry: entry["item"])
            manifest_path.write_text(json.dumps(manifest, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        try:
            if search:  # the search index is made from the gated output only
                index_site(staging, manifest, state / "pagefind-cache")
        except SearchIndexError as error:
            raise BuildFailed(error.message, log + error.log) from None
        findings = audit_output(staging, manifest, build_id, allow_demo_keys)
        if findings:
            report = "\n".join(f"  {f.render()}" for f in findings[:50])
            raise BuildFailed(f"Audit hasil build menemukan {len(findings)} masalah; tidak ada "
                              f"yang diterbitkan:\n{report}", log)
        failpoint("audit")  # audited, not yet moved into place
        _swap(staging, output)
        shutil.copyfile(manifest_path, state / "gate-manifest.json")
        _prune(manifest_path.parent)
        return BuildResult(output, manifest, log)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
