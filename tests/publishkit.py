"""Running ``invoke publish`` for real on a test site, and stopping it dead.

A publish is a child process (``python -m invoke publish --settings <site file>``), so
the kill tests can SIGKILL its whole process group at a named failpoint
(publishing/failpoints.py) and then look at what readers would see. It runs as the
site's publishing machine (``sitekit.machine_env``: pinned anchor, archive key, state in
the test's folder) and publishes the site's last commit: commit first (``site.commit()``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import brotli

from publishing.seal import SealedInput
from sitekit import REPO, Site, machine_env


def publish_settings(
    site: Site, targets: str, name: str = "terbitcfg.py", target: str = "uji"
) -> Path:
    """Write a settings file for ``site`` whose ``PUBLISH_TARGETS`` is ``targets``."""
    return site.write_settings(
        name, extra=f"PUBLISH_TARGETS = {targets}\nPUBLISH_TARGET = {target!r}\n"
    )


def local_targets(folder: Path) -> str:
    """Return a ``PUBLISH_TARGETS`` literal with one local target at ``folder``."""
    return repr({"uji": {"type": "lokal", "path": str(folder)}})


def command(settings: Path, *args: str) -> list[str]:
    """Return the command line of ``invoke publish`` (or another task) for ``settings``."""
    task, *rest = args or ("publish",)
    return [
        sys.executable,
        "-m",
        "invoke",
        "-r",
        str(REPO),
        task,
        "--settings",
        str(settings),
        *rest,
    ]


def run(
    settings: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a task to completion and return its result."""
    return subprocess.run(
        command(settings, *args),
        capture_output=True,
        text=True,
        env={**os.environ, **machine_env(settings.parent), **(env or {})},
        timeout=300,
    )


def start(
    settings: Path,
    *args: str,
    env: dict[str, str] | None = None,
    failpoint: str | None = None,
    marker: Path | None = None,
) -> subprocess.Popen[str]:
    """Start a task in its own process group, optionally pausing at ``failpoint``."""
    extra = {**machine_env(settings.parent), **(env or {})}
    if failpoint:
        assert marker is not None
        extra |= {"KPU_FAILPOINT": failpoint, "KPU_FAILPOINT_FILE": str(marker)}
    return subprocess.Popen(
        command(settings, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, **extra},
    )


def wait_for(path: Path, child: subprocess.Popen[str], seconds: float = 240) -> None:
    """Wait until ``path`` exists; fail with the child's output if it ended first."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if child.poll() is not None:
            out, err = child.communicate()
            raise AssertionError(
                f"publish ended (code {child.returncode}) before {path}:\n{out}\n{err}"
            )
        if time.monotonic() > deadline:
            kill(child)
            raise AssertionError(f"publish never reached {path}")
        time.sleep(0.05)


def kill(child: subprocess.Popen[str]) -> None:
    """SIGKILL the child and everything it started (Pelican, rsync, ssh, git)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.communicate()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` (following the ``current`` link) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def hashes(folder: Path, prefix: str = "") -> dict[str, str]:
    """Return ``prefix + path -> sha256`` of every file under ``folder``."""
    return {
        prefix + path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def sealed_for(site: Site, manifest: dict, theme: Path = REPO / "theme") -> SealedInput:
    """Hash the site's content/ and ``theme``'s static/ as the sealed input would."""
    content = hashes(site.content)
    furniture_folders = ("static/", "extra/")
    return SealedInput(
        commit="0" * 40,
        folder=site.root,
        settings_file=site.settings,
        items={e["item"]: e["digest"] for e in manifest["included"]},
        covered={p: h for p, h in content.items() if not p.startswith(furniture_folders)},
        furniture={
            **{f"content/{p}": h for p, h in content.items() if p.startswith(furniture_folders)},
            **hashes(theme / "static", "theme/static/"),
        },
    )


def leaks(folder: Path, marker: str) -> list[str]:
    """Return the files under ``folder`` whose name, bytes or unpacked bytes hold ``marker``.

    Pagefind's index and fragments are gzip files, and the build writes ``.gz``/``.br``
    copies beside text files (publishing/compress.py): a marker in them would not show in
    their raw bytes.
    """
    needle = marker.encode()
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if marker in rel:
            found.append(rel)
            continue
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            try:
                data += gzip.decompress(data)
            except (OSError, EOFError):
                pass
        elif path.suffix == ".br":
            try:
                data += brotli.decompress(data)
            except brotli.error:
                pass
        if needle in data:
            found.append(rel)
    return found


#: A background process that swaps files of the work tree back and forth every few
#: milliseconds until the stop file exists (as a ``git pull`` would, by rename).
SWAPPER = """
import os, sys, time
from pathlib import Path
stop = Path(sys.argv[1])
pairs = [(Path(a), Path(b).read_bytes(), Path(c).read_bytes()) for a, b, c in
         zip(sys.argv[2::3], sys.argv[3::3], sys.argv[4::3])]
swaps = 0
while not stop.exists():
    for path, good, bad in pairs:
        for data in (bad, good):
            temporary = path.with_name("." + path.name + ".swap")
            temporary.write_bytes(data)
            os.replace(temporary, path)
            time.sleep(0.002)
    swaps += 1
print(swaps)
"""


def swap_loop(
    settings: Path, live: Path, swaps: dict[Path, bytes], marker: str, runs: int
) -> tuple[int, list[str]]:
    """Publish ``runs`` times while a process swaps each work-tree file with its tamper.

    ``swaps`` maps a file of the work tree to its tampered bytes (which hold ``marker``);
    the committed bytes are what the file holds now. Returns how many publishes failed
    and every live file that ever held the marker.
    """
    folder = settings.parent / "var" / "tukar"
    folder.mkdir(parents=True, exist_ok=True)
    stop = folder / "stop"
    arguments = []
    for index, (path, tampered) in enumerate(swaps.items()):
        good, bad = folder / f"{index}.good", folder / f"{index}.bad"
        good.write_bytes(path.read_bytes())
        bad.write_bytes(tampered)
        arguments += [str(path), str(good), str(bad)]
    swapper = subprocess.Popen(
        [sys.executable, "-c", SWAPPER, str(stop), *arguments], stdout=subprocess.PIPE, text=True
    )
    failed, tampered_live = 0, []
    try:
        for _ in range(runs):
            done = run(settings)
            failed += done.returncode != 0
            if live.exists():
                tampered_live += leaks(live.resolve(), marker)
    finally:
        stop.write_text("")
        swapper.communicate(timeout=30)
        for index, path in enumerate(swaps):
            path.write_bytes((folder / f"{index}.good").read_bytes())
    return failed, sorted(set(tampered_live))
