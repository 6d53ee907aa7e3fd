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
from .search import index_site


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

    ``--fatal errors`` turns Pelican's logged-only failures (a plugin that cannot be
    loaded or registered) into a failed build.
    """
    command = [sys.executable, "-m", "pelican", "-s", str(settings_file), "-o", str(output),
               "--fatal", "errors", "--log-handler", "plain",
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


def _swap(staging: Path, output: Path) -> None:
    old = output.with_name(f".{output.name}.old-{os.getpid()}")
    if output.exists():
        output.rename(old)
    staging.rename(output)
    if old.exists():
        shutil.rmtree(old)


def build_site(settings_file: Path, output: Path, env: dict[str, str] | None = None,
               state_dir: Path | None = None, allow_demo_keys: bool = True) -> BuildResult:
    """Build the gated site into ``output``, replacing it only when the gate vouches.

    Each build's manifest goes to ``state_dir/builds/<id>.json``; the last good one is
    copied to ``state_dir/gate-manifest.json``. The output is audited (audit.py) before
    it replaces anything; ``allow_demo_keys=False`` also refuses a demo-key build.
    """
    build_id = uuid.uuid4().hex
    state = state_dir or settings_file.parent / "var"
    manifest_path = state / "builds" / f"{build_id}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.name}.staging-{build_id[:12]}")
    try:
        done = run_pelican(settings_file, staging, build_id, manifest_path, env)
        log = done.stdout + done.stderr
        if done.returncode != 0:
            raise BuildFailed(f"{reason_in(log)}\nPelican gagal (kode keluar "
                              f"{done.returncode}); tidak ada yang diterbitkan.", log)
        try:
            manifest = read_manifest(manifest_path, build_id)
        except BuildFailed as error:
            raise BuildFailed(error.message, log) from None
        index_site(staging, manifest)  # the search index is made from the gated output only
        findings = audit_output(staging, manifest, build_id, allow_demo_keys)
        if findings:
            report = "\n".join(f"  {f.render()}" for f in findings[:50])
            raise BuildFailed(f"Audit hasil build menemukan {len(findings)} masalah; tidak ada "
                              f"yang diterbitkan:\n{report}", log)
        _swap(staging, output)
        shutil.copyfile(manifest_path, state / "gate-manifest.json")
        return BuildResult(output, manifest, log)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
