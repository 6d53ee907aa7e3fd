"""A gated build that fails closed: a fresh folder, a manifest check, then one swap.

Pelican is run as a child process into a new, empty staging folder with a fresh build
id. Its output replaces the target folder only when Pelican exited cleanly and its
result (data written by pelican_child.py, never its log text) reports no error, and
the gate's manifest for exactly this build id says every stage of the gate ran.
Otherwise the staging folder is deleted and the previous output stays as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approval_gate.api import ExitCode, KpuError

from .audit import audit_output
from .inventory import Sealed
from .failpoints import failpoint
from .search import SearchIndexError, index_site


class BuildFailed(KpuError):
    """The build did not produce a trustworthy output; nothing was replaced.

    ``log`` is Pelican's full log (and Pagefind's), kept for ``var/build-gagal.log``.
    When Pelican stopped on a project error (a tampered roster, a setting typo), the
    build fails with that error's exit code, so ``invoke build`` ends as the gate would.
    """

    exit_code = ExitCode.BUILD

    def __init__(self, message: str, log: str = "", *, exit_code: int | None = None) -> None:
        super().__init__(message, exit_code=exit_code)
        self.log = log


@dataclass(frozen=True)
class BuildResult:
    """A successful gated build."""

    output: Path
    manifest: dict[str, Any]
    log: str


def run_pelican(
    settings_file: Path,
    output: Path,
    build_id: str,
    manifest: Path,
    result: Path,
    env: dict[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run Pelican with the given settings into ``output`` (a child process).

    The child (pelican_child.py) writes its outcome as data to ``result``; the log it
    prints is for people only. ``extra`` settings override the file's (``-e``, as JSON):
    a sealed publish sets the machine's anchor and marks the build sealed this way.
    """
    command = [
        sys.executable,
        str(Path(__file__).with_name("pelican_child.py")),
        "--result",
        str(result),
        "-s",
        str(settings_file),
        "-o",
        str(output),
        "-e",
        f"APPROVAL_GATE_BUILD_ID={json.dumps(build_id)}",
        f"APPROVAL_GATE_MANIFEST_PATH={json.dumps(str(manifest))}",
        *(f"{key}={json.dumps(value)}" for key, value in (extra or {}).items()),
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings_file.parent,
        env={**os.environ, **(env or {})},
    )


#: Why Pelican skipped a file (the child's reason ids), for the people who must fix it.
#: Such a file only leaves out its item; every other error fails the build.
SKIPPED = {
    "missing-metadata": "metadata wajib '{detail}' tidak ada; tambahkan (mis. 'Title: "
    "...') lalu ajukan lagi",
    "unknown-status": "status '{detail}' tidak dikenal; pakai published, hidden atau draft",
    "outside-output": "alamat simpan (save_as) berada di luar folder output; perbaiki metadata itu",
    "unreadable": "berkas tidak dapat dibaca Pelican; periksa isinya (lihat catatan build)",
}


#: The shape of the child's result; anything else counts as no result (fail closed).
_SHAPE: dict[str, type | tuple[type, ...]] = {
    "status": int,
    "fatal": (dict, type(None)),
    "skipped": list,
    "errors": list,
}


def read_result(path: Path) -> dict[str, Any] | None:
    """Return the child's result, or None if there is none (killed) or it is malformed."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(result, dict) or not all(
        isinstance(result.get(key), kind) for key, kind in _SHAPE.items()
    ):
        return None
    if not all(isinstance(entry, dict) for entry in result["skipped"] + result["errors"]):
        return None
    return result


def _reason(fatal: dict[str, Any] | None, errors: list[dict[str, Any]]) -> tuple[str, int]:
    """Return the text that tells a person what went wrong, and the exit code it means."""
    if fatal and isinstance(fatal.get("exit_code"), int):  # a project error: its own code
        error = KpuError(
            str(fatal.get("message")),
            path=fatal.get("path") or None,
            line=fatal.get("line") or None,
            hint=str(fatal.get("hint") or ""),
            exit_code=fatal["exit_code"],
        )
        return error.render(), error.exit_code
    if fatal:
        return f"CRITICAL: {fatal.get('class')}: {fatal.get('message')}", ExitCode.BUILD
    if errors:
        return f"{errors[0].get('level')}: {errors[0].get('message')}", ExitCode.BUILD
    return "Pelican tidak menulis pesan apa pun.", ExitCode.BUILD


def _skipped(result: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the manifest entries of the files Pelican skipped, and unknown reports."""
    entries, unknown = [], []
    for skip in result["skipped"]:
        reason = SKIPPED.get(skip.get("reason"))  # type: ignore[arg-type]
        if reason is None or not skip.get("item"):
            unknown.append(
                {
                    "level": "ERROR",
                    "message": f"Pelican melewati berkas dengan alasan yang tidak dikenal: {skip}",
                }
            )
            continue
        entries.append(
            {
                "item": str(skip["item"]),
                "state": "rusak",
                "digest": None,
                "reason": reason.format(detail=skip.get("detail")),
            }
        )
    return entries, unknown


def judge_result(
    result: dict[str, Any] | None, returncode: int, log: str = ""
) -> list[dict[str, Any]]:
    """Return the items Pelican skipped (manifest entries), or raise ``BuildFailed``.

    No result (the child was killed), a non-zero exit, a fatal error, or any error that
    is not a known "file skipped" fails the build (fail closed). A fatal project error
    keeps its exit code and text: a tampered roster ends the build as the gate would.
    """
    if result is None:
        raise BuildFailed(
            "Pelican berhenti tanpa melaporkan hasilnya.\nPelican gagal "
            f"(kode keluar {returncode}); tidak ada yang diterbitkan.",
            log,
        )
    skipped, unknown = _skipped(result)
    errors = [*result["errors"], *unknown]
    status = returncode or result["status"]
    if status == 0 and not result["fatal"] and not errors:
        return skipped
    reason, code = _reason(result["fatal"], errors)
    ending = f"Pelican gagal (kode keluar {status})" if status else "Pelican melaporkan galat"
    raise BuildFailed(f"{reason}\n{ending}; tidak ada yang diterbitkan.", log, exit_code=code)


def read_manifest(path: Path, build_id: str) -> dict[str, Any]:
    """Return the manifest of this build, or raise ``BuildFailed`` if it is not."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BuildFailed(
            f"Manifest gerbang tidak ada atau rusak: {path}. Gerbang "
            "persetujuan tidak berjalan; tidak ada yang diterbitkan."
        ) from None
    if manifest.get("build_id") != build_id:
        raise BuildFailed(
            f"Manifest {path} bukan milik build ini (build lama?). Tidak ada yang diterbitkan."
        )
    missing = {"articles", "pages", "static"} - set(manifest.get("stages", []))
    if missing:
        raise BuildFailed(f"Gerbang tidak menjalankan tahap: {', '.join(sorted(missing))}.")
    return manifest


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


def build_site(
    settings_file: Path,
    output: Path,
    env: dict[str, str] | None = None,
    state_dir: Path | None = None,
    allow_demo_keys: bool = True,
    search: bool = True,
    extra: Mapping[str, Any] | None = None,
    amend: Callable[[dict[str, Any]], None] | None = None,
    sealed: Sealed | None = None,
) -> BuildResult:
    """Build the gated site into ``output``, replacing it only when the gate vouches.

    Each build's manifest goes to ``state_dir/builds/<id>.json``; the last good one is
    copied to ``state_dir/gate-manifest.json``. The output is audited (audit.py) before
    it replaces anything; ``allow_demo_keys=False`` also refuses a demo-key build.
    ``search=False`` skips the search index (only bench/gate_bench.py, which measures
    the gate alone; the audit still refuses any search index it finds). ``extra``
    settings override the file's; ``amend`` may add to the manifest before the search
    index and the audit read it (a sealed publish adds the items it left out).
    ``sealed`` (a sealed publish's input) makes the audit account for every output file.
    """
    build_id = uuid.uuid4().hex
    state = state_dir or settings_file.parent / "var"
    manifest_path = state / "builds" / f"{build_id}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.name}.staging-{build_id[:12]}")
    try:
        with tempfile.TemporaryDirectory(prefix=".pelican-result-") as folder:
            result = Path(folder) / "result.json"
            done = run_pelican(settings_file, staging, build_id, manifest_path, result, env, extra)
            outcome = read_result(result)
        log = done.stdout + done.stderr
        failpoint("build")  # Pelican has written the staging folder; nothing checked yet
        skipped = judge_result(outcome, done.returncode, log)
        try:
            manifest = read_manifest(manifest_path, build_id)
        except BuildFailed as error:
            raise BuildFailed(error.message, log) from None
        if skipped:
            manifest["excluded"] = sorted(
                manifest["excluded"] + skipped, key=lambda entry: entry["item"]
            )
        if amend is not None:
            amend(manifest)
        if skipped or amend is not None:
            manifest_path.write_text(
                json.dumps(manifest, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        try:
            if search:  # the search index is made from the gated output only
                index_site(staging, manifest, state / "pagefind-cache")
        except SearchIndexError as error:
            raise BuildFailed(error.message, log + error.log, exit_code=error.exit_code) from None
        findings = audit_output(staging, manifest, build_id, allow_demo_keys, sealed)
        if findings:
            report = "\n".join(f"  {f.render()}" for f in findings[:50])
            raise BuildFailed(
                f"Audit hasil build menemukan {len(findings)} masalah; tidak ada "
                f"yang diterbitkan:\n{report}",
                log,
            )
        failpoint("audit")  # audited, not yet moved into place
        _swap(staging, output)
        shutil.copyfile(manifest_path, state / "gate-manifest.json")
        _prune(manifest_path.parent)
        return BuildResult(output, manifest, log)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
