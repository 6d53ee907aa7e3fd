"""Running the Pelican child and judging what it reports: data, never its log text.

``run_pelican`` starts publishing/pelican_child.py, which writes its outcome as JSON;
``judge_result`` decides from that file only (no result: the child was killed, and the
build fails closed), ``read_manifest`` checks the gate's manifest belongs to this build.
A child stopped by a full disk or a read-only folder reports the errno and the path,
which become one sentence with exit code 17 (``storage_text``). build.py builds with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from approval_gate.api import ExitCode, KpuError, load_bytes

from .faults import is_storage, storage_error
from .pelican_child import PARENT_VARIABLE


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


#: The child's script, run by the interpreter running this process.
CHILD = Path(__file__).with_name("pelican_child.py")


def _child_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """Return the child's environment: this process's, ``env``, and who its parent is."""
    return {**os.environ, **(env or {}), PARENT_VARIABLE: str(os.getpid())}


class WarmChild:
    """A Pelican child started before its build, importing while the input is sealed.

    Why: starting the interpreter and importing Pelican, Markdown, Jinja2 and the rest
    took about 0.35 s of every build, while the publish waited for the seal step
    (publishing/forked.py) with the second core idle. ``start`` runs
    ``pelican_child.py --warm`` in the folder and environment the build will use; that
    child imports (``pelican_child.WARM_MODULES``), never the site's settings or plugins,
    and reads nothing of the site until ``run_pelican`` hands it its arguments. A warm
    child is used only for exactly the folder and environment it was started with, and
    only once; ``close`` (or leaving the ``with`` block) ends one never used: its stdin
    closes and it exits without a result, or is killed after a few seconds. It dies with
    the publishing process like any build child (``PR_SET_PDEATHSIG``).
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._for: tuple[str, dict[str, str]] | None = None

    def start(self, folder: Path, env: Mapping[str, str] | None = None) -> None:
        """Start the child in ``folder`` (the build's settings folder) with ``env``.

        A child that cannot be started (no memory, no process slot) is not started: the
        build starts its own as before, and says why if it cannot either.
        """
        if self._process is not None:
            return
        environment = _child_env(env)
        try:
            self._process = subprocess.Popen(
                [sys.executable, str(CHILD), "--warm"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=folder,
                env=environment,
            )
        except OSError:
            return
        self._for = (str(folder), environment)

    def take(self, folder: Path, env: Mapping[str, str]) -> subprocess.Popen[str] | None:
        """Return the running child if it was started for ``folder`` and ``env``, once."""
        process, wanted = self._process, self._for
        if process is None or wanted != (str(folder), dict(env)) or process.poll() is not None:
            return None
        self._process = self._for = None
        return process

    def close(self) -> None:
        """End a child never used: its stdin closes, so it exits; killed if it does not."""
        process, self._process, self._for = self._process, None, None
        if process is None:
            return
        try:
            _talk(process, "", timeout=5)
        except subprocess.TimeoutExpired:
            pass  # killed and waited for by ``_talk``

    def __enter__(self) -> WarmChild:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _talk(
    process: subprocess.Popen[str], text: str, timeout: float | None = None
) -> tuple[str, str]:
    """Write ``text`` to the child's stdin, close it, and return what it printed.

    On any error (Ctrl-C, SIGTERM, the time running out) the child is killed and waited
    for first, as ``subprocess.run`` does: it goes with the publish.
    """
    try:
        return process.communicate(input=text, timeout=timeout)
    except BaseException:
        process.kill()
        process.wait()
        raise


def _handed(process: subprocess.Popen[str], command: list[str]) -> subprocess.CompletedProcess[str]:
    """Hand a warm child its arguments and wait for it, as ``subprocess.run`` would."""
    out, err = _talk(process, json.dumps(command[2:]) + "\n")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def run_pelican(
    settings_file: Path,
    output: Path,
    build_id: str,
    manifest: Path,
    result: Path,
    env: dict[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    warm: WarmChild | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run Pelican with the given settings into ``output`` (a child process).

    The child (pelican_child.py) writes its outcome as data to ``result``; the log it
    prints is for people only. ``extra`` settings override the file's (``-e``, as JSON):
    a sealed publish sets the machine's anchor and marks the build sealed this way.
    ``warm``: a child started earlier for this folder and environment (``WarmChild``)
    is given these arguments instead of starting a new one.
    """
    command = [
        sys.executable,
        str(CHILD),
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
    environment = _child_env(env)
    started = warm.take(settings_file.parent, environment) if warm is not None else None
    if started is not None:
        return _handed(started, command)
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings_file.parent,
        env=environment,
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
    warnings = result.setdefault("warnings", [])  # the plugins' findings (pelican_child.py)
    if not isinstance(warnings, list):
        return None
    rows = result["skipped"] + result["errors"] + warnings
    if not all(isinstance(entry, dict) for entry in rows):
        return None
    return result


#: What a build stopped by a full disk or a read-only folder leaves unchanged.
UNCHANGED = "tidak ada yang diterbitkan dan output sebelumnya tidak diganti"


def storage_text(error_number: int, path: str) -> str:
    """Return the sentence for a write that failed for lack of room or rights."""
    error = OSError(error_number, os.strerror(error_number), path)
    return storage_error(error, unchanged=UNCHANGED).render()


def _reason(fatal: dict[str, Any] | None, errors: list[dict[str, Any]]) -> tuple[str, int]:
    """Return the text that tells a person what went wrong, and the exit code it means."""
    number = fatal.get("errno") if fatal else None
    if fatal and isinstance(number, int) and is_storage(OSError(number, "")):
        return storage_text(number, str(fatal.get("filename") or "?")), ExitCode.STORAGE
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
    text, code = _reason(result["fatal"], errors)
    if code == ExitCode.STORAGE:
        raise BuildFailed(text, log, exit_code=code)
    ending = f"Pelican gagal (kode keluar {status})" if status else "Pelican melaporkan galat"
    raise BuildFailed(f"{text}\n{ending}; tidak ada yang diterbitkan.", log, exit_code=code)


def read_manifest(path: Path, build_id: str) -> dict[str, Any]:
    """Return the manifest of this build, or raise ``BuildFailed`` if it is not."""
    try:
        manifest = load_bytes(path.read_bytes())
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
