"""The publish plan the web admin sees before anything is done: a dry run's answer.

The desk asks the very function ``invoke publish --dry-run`` calls
(``publishing.publish.publish(..., dry_run=True)``), not its printed text, but in a child
process (``python -m desk.publish_plan SETTINGS [--demo]``): a dry run builds the whole
site with Pelican, holds the publish lock meanwhile and reads this machine's state and
anchor from the environment; none of that belongs in the web server's threads, and a
desk stopped halfway must leave nothing behind but a build folder the next publish
removes. The child prints one JSON object (``compute``); ``plan()`` runs it.

Which settings file and whether the sample's demo mode applies are decided here too,
so the plan and the publish the desk starts agree (``publish_settings``, ``demo_site``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from approval_gate.api import DEMO_ANCHOR, KpuError, load_roster, pinned_anchor, read_settings_file

#: Where the desk's own code lives: the children run this code, with the gate importable.
CODE = Path(__file__).resolve().parent.parent
#: A dry run of a big site may take minutes; a plan that takes longer is reported as such.
PLAN_SECONDS = 600
PUBLISH_FILE = "publishconf.py"


def child_env(*, code: bool = False) -> dict[str, str]:
    """Return the environment of a child the desk starts: the desk's own, unbuffered.

    ``code``: the desk's own modules importable (``python -m desk.publish_plan``); an
    ``invoke`` child needs nothing, its ``tasks.py`` sets its paths as in a terminal.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if code:
        paths = [str(CODE), str(CODE / "plugins"), *filter(None, [env.get("PYTHONPATH")])]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def publish_settings(desk_settings: Path) -> Path:
    """Return the settings file a publish from the desk uses.

    The desk's own settings file when it declares ``PUBLISH_TARGETS`` (the office may
    run the desk with ``--settings publishconf.py``); else ``publishconf.py`` beside
    it, the file ``invoke publish`` uses by default.
    """
    try:
        if "PUBLISH_TARGETS" in read_settings_file(desk_settings):
            return desk_settings
    except KpuError:
        pass
    return desk_settings.parent / PUBLISH_FILE


def demo_site(approvals: Path) -> bool:
    """Tell whether the site is the sample (its roster signed by the demo anchor).

    Never on a machine that pins a real anchor: such a machine is a publishing machine
    of the KPU, and the publish itself refuses a demo release there.
    """
    pinned = pinned_anchor()
    if pinned and pinned != DEMO_ANCHOR:
        return False
    try:
        load_roster(approvals, DEMO_ANCHOR, True)
    except (KpuError, OSError):
        return False
    return True


def plan(settings_file: Path, demo: bool) -> dict[str, Any]:
    """Run the dry run in a child and return its plan, or ``{"galat": text, "kode": n}``."""
    command = [sys.executable, "-P", "-m", "desk.publish_plan", str(settings_file)]  # -P: no cwd
    try:
        done = subprocess.run(
            [*command, *(["--demo"] if demo else [])],
            cwd=settings_file.parent,
            env=child_env(code=True),
            capture_output=True,
            text=True,
            timeout=PLAN_SECONDS,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return {
            "galat": f"Rencana terbit belum selesai dihitung setelah {PLAN_SECONDS} detik.",
            "kode": None,
        }
    lines = done.stdout.strip().splitlines()
    try:
        answer: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = (done.stderr.strip().splitlines() or ["(tanpa pesan)"])[-1]
        return {"galat": f"Rencana terbit tidak dapat dihitung: {tail}", "kode": done.returncode}
    return answer


def _site_url(settings_file: Path, demo: bool) -> str:
    from publishing.prepare import publish_env
    from publishing.seal.source import read_settings

    return str(read_settings(settings_file, publish_env(None, demo)).get("SITEURL") or "")


def compute(settings_file: Path, demo: bool) -> dict[str, Any]:
    """Return what a dry run of ``settings_file`` would publish, hold and withdraw."""
    from publishing.publish import publish
    from publishing.rails import withdrawn_lines
    from publishing.summary import moment, size

    result = publish(settings_file, dry_run=True, demo=demo)
    manifest, chosen = result.manifest, result.plan
    reasons = {entry["item"]: entry["reason"] for entry in manifest.get("excluded") or []}
    gone = withdrawn_lines(result.withdrawn, reasons, limit=len(result.withdrawn))
    upcoming = manifest.get("upcoming") or []
    return {
        "target": result.target.name,
        "lokasi": result.target.describe(),
        "commit": result.commit[:12],
        "terbit": [{"item": e["item"], "url": e.get("url", "")} for e in manifest["included"]],
        "ditahan": [{"item": item, "alasan": why} for item, why in reasons.items()],
        "ditarik": [
            {"item": item, "alasan": why}
            for item, _, why in (line.partition(": ") for line in gone)
        ],
        "kirim": len(chosen.upload),
        "ukuran": size(chosen.upload_bytes),
        "hapus": len(chosen.delete),
        "tetap": chosen.unchanged,
        "berikut": moment(manifest["next_change"]) if manifest.get("next_change") else None,
        "terjadwal": [
            {"saat": moment(e["at"]), "item": e["item"], "perubahan": e["change"]}
            for e in upcoming[:10]
        ],
        "situs": _site_url(settings_file, demo),
        "demo": demo,
    }


def main(argv: list[str]) -> int:
    """Print the plan as one JSON line (stdout); Pelican's chatter goes to stderr."""
    from publishing.interrupts import install

    install()  # Ctrl-C or SIGTERM: the dry run's own clean-up, as on the command line
    settings_file, demo = Path(argv[0]).resolve(), "--demo" in argv[1:]
    out, sys.stdout = sys.stdout, sys.stderr
    try:
        answer = compute(settings_file, demo)
        code = 0
    except KpuError as error:
        answer, code = {"galat": error.render(), "kode": int(error.exit_code)}, int(error.exit_code)
    finally:
        sys.stdout = out
    print(json.dumps(answer, ensure_ascii=False))
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
