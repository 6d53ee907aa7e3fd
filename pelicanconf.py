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
import site_theme  # noqa: E402  (the public theme's helpers; templates need them)
import render_cache  # noqa: E402  (convert and render once; docs/rendering.md)
from approval_gate import api as gate_api  # noqa: E402  (lower case: not a setting)

AUTHOR = "KPU Kabupaten Rembang"
SITENAME = "KPU Kabupaten Rembang"
SITESUBTITLE = "Informasi publik Komisi Pemilihan Umum Kabupaten Rembang"
SITEURL = "http://127.0.0.1:8000"  # absolute for sitemap, canonical and Open Graph
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
STATIC_PATHS = ["static"]
DELETE_OUTPUT_DIRECTORY = True
# reStructuredText may not pull other files into a page (include, raw :file:, csv-table
# :file:): those bytes are outside every approval. The gate refuses to start otherwise.
DOCUTILS_SETTINGS = {"file_insertion_enabled": False, "raw_enabled": False}
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
# The indexes (direct templates): Pelican 4.12 has no default for these, so without them
# every link to an index pointed at the home page (issue 13; docs/theme.md "Navigation").
ARCHIVES_URL = "arsip/"
ARCHIVES_SAVE_AS = "arsip/index.html"  # years and months, linking the period archives
TAGS_URL = "topik/"
TAGS_SAVE_AS = "topik/index.html"
CATEGORIES_URL = "kategori/"
CATEGORIES_SAVE_AS = "kategori/index.html"
AUTHORS_URL = "penulis/"
AUTHORS_SAVE_AS = "penulis/index.html"
UMPAN_URL = "umpan/"
UMPAN_SAVE_AS = "umpan/index.html"  # every RSS and Atom feed, for readers

FEED_ALL_ATOM = "feeds/semua.atom.xml"
FEED_ALL_RSS = "feeds/semua.rss.xml"
CATEGORY_FEED_ATOM = "feeds/kategori-{slug}.atom.xml"
AUTHOR_FEED_ATOM = "feeds/penulis-{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/kategori-{slug}.rss.xml"
AUTHOR_FEED_RSS = "feeds/penulis-{slug}.rss.xml"
TRANSLATION_FEED_ATOM = "feeds/semua-{lang}.atom.xml"
DEFAULT_PAGINATION = 10
# Pelican's own Markdown settings plus site_theme.linkify: bare addresses in a text
# (https://..., cekdptonline.kpu.go.id) become links (docs/theme.md "Announcements ...").
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "site_theme.linkify": {},
    },
    "output_format": "html5",
}

SITEMAP = {"format": "xml", "exclude": [r"^404\.html$", r"^robots\.txt$", r"^cari/$"]}
# render_cache last: its end of the build ends the cache packs the theme read from too
PLUGINS = [approval_gate, "sitemap", "stable_sitemap", site_theme, render_cache]
# Converted Markdown and rendered pages, kept per approved bytes (docs/rendering.md); a
# publish uses the publishing machine's own folder under var/ instead.
RENDER_CACHE_PATH = str(ROOT / ".cache" / "render")

# The approval gate. The anchor is the fingerprint of the KPU chair's key that signs the
# roster. Local work (status, preview, approve, watch, build) uses the anchor pinned on this
# machine (KPU_ROSTER_ANCHOR or ~/.config/kpu-rembang/roster-anchor), else the office's
# record approvals/jangkar-kantor.txt, else the demo anchor. publishconf.py never uses the
# repository's record: publishing trusts only the pinned anchor.
APPROVAL_GATE_APPROVALS_PATH = str(ROOT / "approvals")
APPROVAL_GATE_ANCHOR = gate_api.local_anchor(ROOT / "approvals")
APPROVAL_GATE_ALLOW_DEMO_KEYS = True
APPROVAL_GATE_MANIFEST_PATH = str(ROOT / "var" / "gate-manifest.json")
APPROVAL_GATE_CACHE_PATH = str(ROOT / ".cache" / "approval-gate")
APPROVAL_GATE_SETTINGS_FILE = "pelicanconf.py"

# --- Public theme (issue 3; docs/theme.md) ------------------------------------------------
# Identity, navigation and the provenance display. plugins/site_theme checks every SITE_*
# key at start-up: an unknown key or a bad value stops the build naming this file and key.
SITE_ORGANISATION = "Komisi Pemilihan Umum Kabupaten Rembang"
SITE_LOGO = str(ROOT / "content" / "static" / "logo-kpu.svg")  # .svg/.png/.jpg/.webp, or None
SITE_LOGO_SHOWS_NAME = True  # the logo already spells the name: the header shows it once
SITE_COLOURS = {
    "primary": "#a50e24",
    "primary_dark": "#6e0918",
    "accent": "#f5c400",
    "text": "#1b1b1b",
    "background": "#ffffff",
}  # contrast >= 4.5:1 is checked
SITE_ADDRESS = "Jl. Pemuda Barat No. 18, Rembang, Jawa Tengah 59211"
SITE_KINDS = list(gate_api.CATEGORIES)  # the SOP's kinds in menu order (approval_gate/sop.py)
SITE_NAV_PAGES = [
    ("profil", "Profil"),
    ("ppid", "Informasi Publik (PPID)"),
    ("kontak", "Kontak"),
]  # static pages in the menu: (slug, label)
SITE_DOCUMENT_KINDS = ["Regulasi", "Data"]  # documents listed beside the HTML summary
SITE_GALLERY_KINDS = ["Dokumentasi"]  # images shown as a photo gallery
SITE_ANNOUNCEMENT_KIND = "Pengumuman"  # "current" ones lead the home page
SITE_ANNOUNCEMENT_DAYS = 30  # current for this long when no "Berlaku: ... s.d. ..." is given
SITE_PROVENANCE = "peran-dan-tanggal"  # or "peran-nama-dan-tanggal", "ringkas"
# The office (docs/theme.md "The office"): contact details on the Kontak and PPID pages and
# in the footer, as plain links (mailto:, tel:, https://wa.me/, the map). Checked at start-up.
SITE_CONTACT = {
    "email": "sekretariat@kab-rembang.kpu.go.id",  # CONTOH: alamat contoh situs contoh ini
    "ppid_email": "ppid@kab-rembang.kpu.go.id",  # CONTOH; tanpa kunci ini = "email"
    "phone": "(0295) 691234",  # CONTOH: nomor contoh (kode wilayah Rembang 0295)
    "whatsapp": "6281234567890",  # CONTOH: 62 + nomor tanpa 0, tanpa + atau spasi
    "map_url": "https://maps.google.com/?q=KPU+Kabupaten+Rembang",
    "hours": [
        ("Senin–Kamis", "08.00–16.00 WIB"),
        ("Jumat", "08.00–16.30 WIB"),
        ("Sabtu, Minggu, dan hari libur nasional", "tutup"),
    ],
}
SITE_CONTACT_PAGES = ["kontak", "ppid"]  # pages (slugs) that show the contact details
SITE_PPID_PAGE = "ppid"  # shows the PPID e-mail and links the Daftar Informasi Publik
# Daftar Informasi Publik: each kind's category under UU 14/2008 ("berkala", "serta-merta",
# "setiap-saat"); kinds not named here, and the static pages ("Halaman"), are "berkala".
SITE_DIP_CATEGORIES = {
    "Pengumuman": "serta-merta",
    "Regulasi": "setiap-saat",
    "Data": "setiap-saat",
}
DIRECT_TEMPLATES = [
    "index",
    "tags",
    "categories",
    "authors",
    "archives",
    "umpan",
    "cari",
    "persetujuan",
    "periksa",
    "dip",
    "404",
    "robots",
]
CARI_SAVE_AS = "cari/index.html"  # search (Pagefind, indexed after the gate)
PERSETUJUAN_SAVE_AS = "persetujuan/index.html"  # how to verify the approvals
PERIKSA_SAVE_AS = "persetujuan/periksa/index.html"  # "Periksa keaslian" in the browser
DIP_URL = "daftar-informasi-publik/"  # Daftar Informasi Publik (dip.html), from the gate's lists
DIP_SAVE_AS = "daftar-informasi-publik/index.html"  # the sealed audit allows exactly this path
ROBOTS_SAVE_AS = "robots.txt"
