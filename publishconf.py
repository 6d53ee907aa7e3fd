"""Pelican settings for publishing: the same site, with the demo keys refused.

The roster anchor must be pinned on the publishing machine (KPU_ROSTER_ANCHOR or
~/.config/kpu-rembang/roster-anchor, ``invoke pin-anchor``); there is no fallback, and the
office's record in the repository (approvals/jangkar-kantor.txt, which pelicanconf.py uses
for local work) is never read here. Demo keys and the demo anchor
are refused unless KPU_DEMO=1 is set explicitly (``invoke publish --demo``: the sample
site, to the local target only). Publishing targets: see docs/publishing.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pelicanconf import *  # noqa: E402,F403
from pelicanconf import ROOT  # noqa: E402
from approval_gate import api as gate_api  # noqa: E402  (lower case: not a setting)

SITEURL = os.environ.get("KPU_SITEURL", "https://kab-rembang.kpu.go.id")
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
LOAD_CONTENT_CACHE = False
OUTPUT_PATH = str(ROOT / "output")

DEMO = os.environ.get("KPU_DEMO") == "1"
# No pinned anchor and no --demo: None, and the gate refuses to build. Never the repository's
# approvals/jangkar-kantor.txt: whoever can edit the repository could change it.
APPROVAL_GATE_ANCHOR = gate_api.pinned_anchor() or (gate_api.DEMO_ANCHOR if DEMO else None)
APPROVAL_GATE_ALLOW_DEMO_KEYS = DEMO

# Where `invoke publish` deploys (docs/publishing.md). Options only: credentials come from
# the environment of the publishing machine, never from this repository.
PUBLISH_TARGET = os.environ.get("KPU_PUBLISH_TARGET", "lokal")
PUBLISH_TARGETS = {
    # A folder on this machine; a web server serves var/situs/current.
    "lokal": {"type": "lokal", "path": "var/situs", "keep": 20},
    # Examples, switched on by filling them in:
    # "server": {"type": "rsync", "host": "deploy@web.kpu-rembang.example", "path": "/srv/situs"},
    # "s3": {"type": "s3", "bucket": "kpu-rembang-situs", "region": "ap-southeast-3"},
    # "github": {"type": "github-pages", "remote": "git@github.com:kpu-rembang/situs.git"},
}
PUBLISH_ARCHIVE_COMMIT = True
APPROVAL_GATE_SETTINGS_FILE = "publishconf.py"
