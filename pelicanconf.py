"""Pelican settings for local builds and previews of the KPU Kabupaten Rembang site.

The approval gate is imported here directly (not by name through PLUGINS), so a gate
that cannot be imported stops Pelican with an error instead of being skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "plugins"))

import approval_gate  # noqa: E402  (must fail loudly: the gate is not optional)
from approval_gate.anchor import DEMO_ANCHOR, pinned_anchor  # noqa: E402

AUTHOR = "KPU Kabupaten Rembang"
SITENAME = "KPU Kabupaten Rembang"
SITESUBTITLE = "Informasi publik Komisi Pemilihan Umum Kabupaten Rembang"
SITEURL = ""
RELATIVE_URLS = True
FEED_DOMAIN = "http://127.0.0.1:8000"

PATH = str(ROOT / "content")
OUTPUT_PATH = str(ROOT / "output")
THEME = str(ROOT / "theme")
TIMEZONE = "Asia/Jakarta"
DEFAULT_LANG = "id"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

PAGE_PATHS = ["pages"]
ARTICLE_EXCLUDES = ["pages", "static", "extra"]
STATIC_PATHS = ["static", "extra/robots.txt"]
EXTRA_PATH_METADATA = {"extra/robots.txt": {"path": "robots.txt"}}
DELETE_OUTPUT_DIRECTORY = True
CACHE_PATH = str(ROOT / ".cache" / "pelican")

# Each item gets its own folder, so its {attach} files sit beside it and never collide.
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
ARTICLE_LANG_URL = "{category}/{slug}/{lang}.html"
ARTICLE_LANG_SAVE_AS = "{category}/{slug}/{lang}.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_URL = "{slug}/{lang}.html"
PAGE_LANG_SAVE_AS = "{slug}/{lang}.html"
CATEGORY_URL = "kategori/{slug}/"
CATEGORY_SAVE_AS = "kategori/{slug}/index.html"
TAG_URL = "topik/{slug}/"
TAG_SAVE_AS = "topik/{slug}/index.html"
YEAR_ARCHIVE_URL = "arsip/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "arsip/{date:%Y}/index.html"
MONTH_ARCHIVE_URL = "arsip/{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "arsip/{date:%Y}/{date:%m}/index.html"
AUTHOR_URL = "penulis/{slug}/"
AUTHOR_SAVE_AS = "penulis/{slug}/index.html"

FEED_ALL_ATOM = "feeds/semua.atom.xml"
FEED_ALL_RSS = "feeds/semua.rss.xml"
CATEGORY_FEED_ATOM = "feeds/kategori-{slug}.atom.xml"
AUTHOR_FEED_ATOM = "feeds/penulis-{slug}.atom.xml"
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = "feeds/semua-{lang}.atom.xml"
DEFAULT_PAGINATION = 10

SITEMAP = {"format": "xml"}
PLUGINS = [approval_gate, "sitemap", "stable_sitemap"]

# The approval gate. The anchor is the fingerprint of the KPU chair's key that signs the
# roster; it is pinned outside the repository (KPU_ROSTER_ANCHOR or the machine's
# ~/.config/kpu-rembang/roster-anchor). Without one, local builds use the demo anchor.
APPROVAL_GATE_APPROVALS_PATH = str(ROOT / "approvals")
APPROVAL_GATE_ANCHOR = pinned_anchor() or DEMO_ANCHOR
APPROVAL_GATE_ALLOW_DEMO_KEYS = True
APPROVAL_GATE_MANIFEST_PATH = str(ROOT / "var" / "gate-manifest.json")
APPROVAL_GATE_CACHE_PATH = str(ROOT / ".cache" / "approval-gate")
APPROVAL_GATE_SETTINGS_FILE = "pelicanconf.py"
