"""The public theme's settings: identity, navigation and provenance display, checked once.

Every ``SITE_*`` key is declared here with its kind and default. A typo or a bad value
stops the build at start-up with the settings file and key named (never just a log
line), so the public site can never silently lose its logo, colours or provenance.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approval_gate.errors import ConfigError
from approval_gate.settings import unknown_setting

PREFIX = "SITE_"
PROVENANCE_STYLES = ("peran-dan-tanggal", "peran-nama-dan-tanggal", "ringkas")
COLOUR_KEYS = ("primary", "primary_dark", "accent", "text", "background")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")

DEFAULT_COLOURS = {"primary": "#a50e24", "primary_dark": "#6e0918", "accent": "#f5c400",
                   "text": "#1b1b1b", "background": "#ffffff"}

#: key: (kind, default, what is expected, in the words of the people who fix it)
SPECS: dict[str, tuple[str, Any, str]] = {
    "ORGANISATION": ("text", None, "nama lengkap lembaga, mis. 'Komisi Pemilihan Umum ...'"),
    "LOGO": ("logo", None, "jalur berkas logo (.svg, .png, .jpg atau .webp) yang ada, atau None"),
    "COLOURS": ("colours", DEFAULT_COLOURS,
                f"dict warna '#rrggbb' dengan kunci {', '.join(COLOUR_KEYS)}"),
    "ADDRESS": ("text?", None, "alamat kantor untuk kaki halaman, atau None"),
    "KINDS": ("names", None, "daftar nama kategori (jenis isi SOP) untuk navigasi"),
    "NAV_PAGES": ("pages", [], "daftar pasangan (slug, label menu) halaman statis, mis. "
                               "[('profil', 'Profil')]"),
    "DOCUMENT_KINDS": ("names", [], "daftar kategori yang dokumennya ditampilkan di samping"),
    "GALLERY_KINDS": ("names", [], "daftar kategori yang fotonya ditampilkan sebagai galeri"),
    "ANNOUNCEMENT_KIND": ("text?", None, "nama kategori pengumuman, atau None"),
    "ANNOUNCEMENT_DAYS": ("days", 30, "jumlah hari (1-366) pengumuman tanpa masa berlaku "
                                      "dianggap terkini"),
    "PROVENANCE": ("choice", "peran-dan-tanggal",
                   f"salah satu dari {', '.join(PROVENANCE_STYLES)}"),
}


@dataclass(frozen=True)
class ThemeSettings:
    """The validated theme settings of one build."""

    organisation: str
    logo: Path | None
    colours: dict[str, str]
    address: str | None
    kinds: tuple[str, ...]
    nav_pages: tuple[tuple[str, str], ...]
    document_kinds: tuple[str, ...]
    gallery_kinds: tuple[str, ...]
    announcement_kind: str | None
    announcement_days: int
    provenance: str


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two ``#rrggbb`` colours."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class _Checker:
    """Converts one raw setting, raising a ConfigError that names file and key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, value: object, detail: str = "") -> ConfigError:
        what = SPECS[key][2]
        return ConfigError(f"Nilai pengaturan '{PREFIX}{key}': diharapkan {what}, tetapi "
                           f"diterima {value!r}.{detail}", path=self.source,
                           hint="Perbaiki nilai itu di bagian TEMA pada berkas pengaturan, "
                                "lalu jalankan build lagi.")

    def convert(self, key: str, value: Any) -> Any:
        kind = SPECS[key][0]
        if kind.endswith("?") and value is None:
            return None
        if kind in ("text", "text?", "choice"):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(key, value)
            if kind == "choice" and value not in PROVENANCE_STYLES:
                close = difflib.get_close_matches(value, PROVENANCE_STYLES, n=1)
                raise self.fail(key, value, f" Mungkin maksud Anda {close[0]!r}?" if close
                                else "")
            return value.strip()
        if kind == "names":
            if not isinstance(value, (list, tuple)) or not all(
                    isinstance(v, str) and v.strip() for v in value):
                raise self.fail(key, value)
            return tuple(v.strip() for v in value)
        if kind == "pages":
            if not isinstance(value, (list, tuple)) or not all(
                    isinstance(v, (list, tuple)) and len(v) == 2 and
                    all(isinstance(x, str) and x.strip() for x in v) for v in value):
                raise self.fail(key, value)
            return tuple((slug.strip(), label.strip()) for slug, label in value)
        if kind == "days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
                raise self.fail(key, value)
            return value
        if kind == "logo":
            return self.logo(key, value)
        return self.colours(key, value)

    def logo(self, key: str, value: Any) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, (str, Path)) or not str(value).strip():
            raise self.fail(key, value)
        path = Path(value)
        if path.suffix.lower() not in LOGO_SUFFIXES:
            raise self.fail(key, value)
        if not path.is_file():
            raise self.fail(key, value, f" Berkas {path} tidak ditemukan.")
        return path.resolve()

    def colours(self, key: str, value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise self.fail(key, value)
        for name in value:
            if name not in COLOUR_KEYS:
                close = difflib.get_close_matches(str(name), COLOUR_KEYS, n=1)
                hint = f" Mungkin maksud Anda {close[0]!r}?" if close else ""
                raise self.fail(key, value, f" Kunci warna tidak dikenal: {name!r}.{hint}")
        colours = {**DEFAULT_COLOURS, **value}
        for name, colour in colours.items():
            if not isinstance(colour, str) or not _HEX.match(colour):
                raise self.fail(key, value, f" Warna {name!r} bukan '#rrggbb'.")
        # Text on the primary colour (header) and links in the primary colour on the page
        # background must stay readable: WCAG AA asks for at least 4.5:1.
        for fore, back in (("primary", "background"), ("primary_dark", "background"),
                           ("text", "background")):
            ratio = contrast(colours[fore], colours[back])
            if ratio < 4.5:
                shown = f"{ratio:.1f}".replace(".", ",")
                raise self.fail(key, value, f" Kontras {fore!r} dengan {back!r} hanya "
                                            f"{shown}:1; minimal 4,5:1 agar mudah dibaca.")
        return {name: colour.lower() for name, colour in colours.items()}


def load_theme_settings(settings: Mapping[str, Any]) -> ThemeSettings:
    """Validate the ``SITE_*`` settings of a Pelican settings dict, or raise ConfigError."""
    source = str(settings.get("APPROVAL_GATE_SETTINGS_FILE") or "pelicanconf.py")
    unknown = unknown_setting(settings, PREFIX, [PREFIX + name for name in SPECS])
    if unknown:
        raise ConfigError(f"Pengaturan tema tidak dikenal: {unknown[0]!r}.", path=source,
                          hint=unknown[1])
    checker = _Checker(source)
    values: dict[str, Any] = {}
    for name, (kind, default, _) in SPECS.items():
        raw = settings.get(PREFIX + name, default)
        if raw is None and not kind.endswith("?") and kind != "logo":
            raise ConfigError(f"Pengaturan '{PREFIX}{name}' belum diisi ({SPECS[name][2]}).",
                              path=source, hint="Tambahkan di bagian TEMA berkas pengaturan.")
        values[name.lower()] = checker.convert(name, raw)
    return ThemeSettings(**values)
