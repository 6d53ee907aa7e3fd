"""Pelican settings for publishing: the same site, with the demo keys refused.

The roster anchor must be pinned on the publishing machine (KPU_ROSTER_ANCHOR or
~/.config/kpu-rembang/roster-anchor); there is no fallback. Demo keys are refused unless
KPU_ALLOW_DEMO_KEYS=1 is set explicitly (for the sample site only).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pelicanconf import *  # noqa: E402,F403
from pelicanconf import ROOT  # noqa: E402
from approval_gate.anchor import pinned_anchor  # noqa: E402

SITEURL = os.environ.get("KPU_SITEURL", "https://kab-rembang.kpu.go.id")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
LOAD_CONTENT_CACHE = False
OUTPUT_PATH = str(ROOT / "output")

APPROVAL_GATE_ANCHOR = pinned_anchor()  # (None stops the build: no fallback)
APPROVAL_GATE_ALLOW_DEMO_KEYS = os.environ.get("KPU_ALLOW_DEMO_KEYS") == "1"
APPROVAL_GATE_SETTINGS_FILE = "publishconf.py"
