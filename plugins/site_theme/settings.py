"""The public theme's settings: identity, navigation and provenance display, checked once.

Every ``SITE_*`` key is declared here with its kind and default. A typo or a bad value
stops the build at start-up with the settings file and key named (never just a log
line), so the public site can never silently lose its logo, colours or provenance.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approval_gate.api import options as o
from approval_gate.api import settings_source

from .office import DEFAULT_DIP, GROUPS, Contact, contact, dip_categories

PREFIX = "SITE_"
PROVENANCE_STYLES = ("peran-dan-tanggal", "peran-nama-dan-tanggal", "ringkas")
COLOUR_KEYS = ("primary", "primary_dark", "accent", "text", "background")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")

DEFAULT_COLOURS = {
    "primary": "#a50e24",
    "primary_dark": "#6e0918",
    "accent": "#f5c400",
    "text": "#1b1b1b",
    "background": "#ffffff",
}


@dataclass(frozen=True)
class ThemeSettings:
    """The validated theme settings of one build."""

    organisation: str
    logo: Path | None
    logo_shows_name: bool
    colours: dict[str, str]
    address: str | None
    kinds: tuple[str, ...]
    nav_pages: tuple[tuple[str, str], ...]
    document_kinds: tuple[str, ...]
    gallery_kinds: tuple[str, ...]
    announcement_kind: str | None
    announcement_days: int
    provenance: str
    # the office (plugins/site_theme/office.py)
    contact: Contact | None
    contact_pages: tuple[str, ...]
    ppid_page: str
    dip_categories: dict[str, str]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two ``#rrggbb`` colours."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _pages(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (list, tuple))
        and len(v) == 2
        and all(isinstance(x, str) and x.strip() for x in v)
        for v in value
    ):
        raise o.Invalid("")
    return tuple((slug.strip(), label.strip()) for slug, label in value)


def _logo(value: Any) -> Path:
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise o.Invalid("")
    path = Path(value)
    if path.suffix.lower() not in LOGO_SUFFIXES:
        raise o.Invalid("")
    if not path.is_file():
        raise o.Invalid(f"Berkas {path} tidak ditemukan.")
    return path.resolve()


def _colours(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise o.Invalid("")
    for name in value:
        if name not in COLOUR_KEYS:
            close = o.close_match(str(name), COLOUR_KEYS)
            hint = f" Mungkin maksud Anda {close!r}?" if close else ""
            raise o.Invalid(f"Kunci warna tidak dikenal: {name!r}.{hint}")
    colours = {**DEFAULT_COLOURS, **value}
    for name, colour in colours.items():
        if not isinstance(colour, str) or not _HEX.match(colour):
            raise o.Invalid(f"Warna {name!r} bukan '#rrggbb'.")
    # Text on the primary colour (header) and links in the primary colour on the page
    # background must stay readable: WCAG AA asks for at least 4.5:1.
    for fore, back in (
        ("primary", "background"),
        ("primary_dark", "background"),
        ("text", "background"),
    ):
        ratio = contrast(colours[fore], colours[back])
        if ratio < 4.5:
            shown = f"{ratio:.1f}".replace(".", ",")
            raise o.Invalid(
                f"Kontras {fore!r} dengan {back!r} hanya {shown}:1; minimal "
                "4,5:1 agar mudah dibaca."
            )
    return {name: colour.lower() for name, colour in colours.items()}


OPTIONS = o.OptionSet(
    (
        o.Option(
            "ORGANISATION",
            "nama lengkap lembaga, mis. 'Komisi Pemilihan Umum ...'",
            o.text,
            required=True,
        ),
        o.Option(
            "LOGO", "jalur berkas logo (.svg, .png, .jpg atau .webp) yang ada, atau None", _logo
        ),
        o.Option(
            "LOGO_SHOWS_NAME",
            "True bila gambar logo sudah memuat nama situs (nama tidak ditulis lagi), atau False",
            o.boolean,
            default=False,
        ),
        o.Option(
            "COLOURS",
            f"dict warna '#rrggbb' dengan kunci {', '.join(COLOUR_KEYS)}",
            _colours,
            default=DEFAULT_COLOURS,
        ),
        o.Option("ADDRESS", "alamat kantor untuk kaki halaman, atau None", o.text),
        o.Option(
            "KINDS", "daftar nama kategori (jenis isi SOP) untuk navigasi", o.names, required=True
        ),
        o.Option(
            "NAV_PAGES",
            "daftar pasangan (slug, label menu) halaman statis, mis. [('profil', 'Profil')]",
            _pages,
            default=[],
        ),
        o.Option(
            "DOCUMENT_KINDS",
            "daftar kategori yang dokumennya ditampilkan di samping",
            o.names,
            default=[],
        ),
        o.Option(
            "GALLERY_KINDS",
            "daftar kategori yang fotonya ditampilkan sebagai galeri",
            o.names,
            default=[],
        ),
        o.Option("ANNOUNCEMENT_KIND", "nama kategori pengumuman, atau None", o.text),
        o.Option(
            "ANNOUNCEMENT_DAYS",
            "jumlah hari (1-366) pengumuman tanpa masa berlaku dianggap terkini",
            o.integer(1, 366),
            default=30,
        ),
        o.Option(
            "PROVENANCE",
            f"salah satu dari {', '.join(PROVENANCE_STYLES)}",
            o.choice(*PROVENANCE_STYLES),
            default="peran-dan-tanggal",
        ),
        o.Option(
            "CONTACT",
            "dict kontak kantor (email, phone, whatsapp, map_url, hours ...), atau None",
            contact,
        ),
        o.Option(
            "CONTACT_PAGES",
            "daftar slug halaman yang menampilkan kontak kantor",
            o.names,
            default=["kontak", "ppid"],
        ),
        o.Option("PPID_PAGE", "slug halaman PPID", o.text, default="ppid"),
        o.Option(
            "DIP_CATEGORIES",
            f"dict jenis isi -> golongan informasi ({', '.join(GROUPS)})",
            dip_categories,
            default=DEFAULT_DIP,
        ),
    ),
    prefix=PREFIX,
    noun="Pengaturan tema",
    hint="Perbaiki nilai itu di bagian TEMA pada berkas pengaturan, lalu jalankan build lagi.",
    missing_hint="Tambahkan di bagian TEMA berkas pengaturan.",
)


def load_theme_settings(settings: Mapping[str, Any]) -> ThemeSettings:
    """Validate the ``SITE_*`` settings of a Pelican settings dict, or raise ConfigError."""
    values = OPTIONS.read(settings, settings_source(settings))
    return ThemeSettings(**{key.lower(): value for key, value in values.items()})
