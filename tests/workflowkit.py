"""Helpers for the ``new``/``report``/``sheet`` tests: the real ``invoke``, real git history.

A site's content gets a git repository whose commits carry chosen dates
(``GIT_AUTHOR_DATE``/``GIT_COMMITTER_DATE``), so the report's "time of the commit that
introduced this version" is known exactly; sign-offs get chosen times through
``Site.sign(..., at=...)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sitekit import REPO, Site


def run(
    site: Site, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``invoke <args> --settings <site>`` from the site's folder, as a person would."""
    return run_with(site.settings, *args, env=env)


def run_with(
    settings: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``invoke <args> --settings <settings>`` from the settings file's folder."""
    command = [sys.executable, "-m", "invoke", "-r", str(REPO), *args, "--settings", str(settings)]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=settings.parent,
        env={**os.environ, **(env or {})},
    )


def git(site: Site, *args: str, when: str | None = None) -> str:
    """Run git in the site's folder; ``when`` (ISO time) dates the commit."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Penulis",
        "GIT_AUTHOR_EMAIL": "penulis@kpu.test",
        "GIT_COMMITTER_NAME": "Penulis",
        "GIT_COMMITTER_EMAIL": "penulis@kpu.test",
    }
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    done = subprocess.run(
        ["git", *args], cwd=site.root, capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def init_repo(site: Site) -> None:
    """Make the site's folder a git repository (nothing committed yet)."""
    git(site, "init", "-q", "-b", "main")


def commit(site: Site, message: str, when: str) -> None:
    """Commit everything under content/ at the given time (e.g. 2026-11-20T08:00:00+07:00)."""
    git(site, "add", "-A", "content")
    git(site, "commit", "-q", "-m", message, when=when)


def at(text: str) -> datetime:
    """Return a WIB time from ``2026-11-20 08:20``."""
    return datetime.fromisoformat(f"{text.replace(' ', 'T')}:00+07:00")


def sample_copy(root: Path) -> Path:
    """Copy the sample site's content/ and approvals/ to ``root``; return its settings file.

    ``invoke new`` writes into content/, so it is tried on a copy: the shared checkout's
    sample stays as it is for every other test.
    """
    for folder in ("content", "approvals"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("_arsip"))
    settings = root / "samplecfg.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(root / 'content')!r}\nOUTPUT_PATH = {str(root / 'output')!r}\n"
        f"CACHE_PATH = {str(root / '.cache' / 'pelican')!r}\n"
        f"RENDER_CACHE_PATH = {str(root / '.cache' / 'render')!r}\n"
        f"APPROVAL_GATE_APPROVALS_PATH = {str(root / 'approvals')!r}\n"
        f"APPROVAL_GATE_MANIFEST_PATH = {str(root / 'var' / 'manifest.json')!r}\n"
        f"APPROVAL_GATE_CACHE_PATH = {str(root / '.cache' / 'gate')!r}\n"
        "APPROVAL_GATE_SETTINGS_FILE = 'samplecfg.py'\n"
    )
    return settings
