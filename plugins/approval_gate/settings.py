"""The gate's settings: one prefix, declared once, validated before the build starts.

Every setting the gate reads is declared in ``SPECS`` with its type and default. An
unknown ``APPROVAL_GATE_*`` key is an error with a close-match hint, so a typo in
``publishconf.py`` can never silently switch a protection off.
"""

from __future__ import annotations

import difflib
import re
import runpy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from .errors import ConfigError

PREFIX = "APPROVAL_GATE_"
_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


@dataclass(frozen=True)
class Spec:
    """How one setting is typed, defaulted and explained."""

    kind: str  # "path", "str", "bool", "time", "fingerprint"
    required: bool
    default: Any
    help: str


SPECS: dict[str, Spec] = {
    "APPROVALS_PATH": Spec("path", True, None, "folder approvals/ (roster dan berkas persetujuan)"),
    "ANCHOR": Spec("fingerprint", True, None, "sidik jari kunci jangkar, bentuk 'SHA256:...'"),
    "ALLOW_DEMO_KEYS": Spec("bool", False, False, "True hanya untuk situs contoh"),
    "MANIFEST_PATH": Spec("path", True, None, "berkas manifest JSON di luar folder output"),
    "CACHE_PATH": Spec("path", True, None, "folder cache verifikasi di luar folder output"),
    "BUILD_ID": Spec("str", False, None, "penanda build dari 'invoke build'"),
    "SETTINGS_FILE": Spec("str", False, "pelicanconf.py", "nama berkas pengaturan ini"),
    "NOW": Spec("time", False, None, "waktu tetap 'YYYY-MM-DDTHH:MM:SS+07:00' (untuk uji)"),
}


@dataclass(frozen=True)
class GateSettings:
    """The validated settings of one build."""

    approvals_path: Path
    anchor: str
    allow_demo_keys: bool
    manifest_path: Path
    cache_path: Path
    build_id: str | None
    now: datetime | None
    content_path: Path
    output_path: Path
    source: str


def _expected(key: str, spec: Spec, value: object, source: str) -> ConfigError:
    return ConfigError(
        f"Nilai pengaturan '{PREFIX}{key}': diharapkan {spec.help}, tetapi diterima {value!r}.",
        path=source, hint="Perbaiki nilai itu lalu jalankan build lagi.")


def _convert(key: str, spec: Spec, value: object, source: str) -> object:
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise _expected(key, spec, value, source)
        return value
    if spec.kind == "time":
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise _expected(key, spec, value, source) from None
        if parsed.tzinfo is None:
            raise _expected(key, spec, value, source)
        return parsed
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise _expected(key, spec, value, source)
    if spec.kind == "fingerprint" and not _FINGERPRINT.match(str(value)):
        raise _expected(key, spec, value, source)
    return Path(value).resolve() if spec.kind == "path" else str(value)


def read_settings_file(path: Path) -> dict[str, Any]:
    """Run a Pelican settings file and return its upper-case names, without Pelican.

    ``invoke status`` and ``approve`` only need the paths and the gate's settings;
    importing Pelican would cost them a noticeable share of their run time. Relative
    ``PATH``/``OUTPUT_PATH`` are resolved against the file's folder, as Pelican does.
    """
    namespace = runpy.run_path(str(path))
    settings = {key: value for key, value in namespace.items() if key.isupper()}
    for key, default in (("PATH", "."), ("OUTPUT_PATH", "output")):
        value = Path(str(settings.get(key, default)))
        settings[key] = str(value if value.is_absolute() else path.parent / value)
    return settings


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def unknown_setting(settings: Mapping[str, Any], prefix: str, known: list[str]
                    ) -> tuple[str, str] | None:
    """Return the first ``prefix`` key not in ``known`` with a "did you mean" hint, if any.

    Shared by every settings family with a prefix (gate, theme), so a typo is never
    silently ignored and the hint reads the same everywhere.
    """
    for key in settings:
        if key.startswith(prefix) and key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            return key, (f"Mungkin maksud Anda {close[0]!r}?" if close else
                         f"Pengaturan yang dikenal: {', '.join(known)}.")
    return None


def load_settings(settings: Mapping[str, Any]) -> GateSettings:
    """Validate the ``APPROVAL_GATE_*`` settings of a Pelican settings dict, or raise."""
    source = str(settings.get(PREFIX + "SETTINGS_FILE") or "pelicanconf.py")
    unknown = unknown_setting(settings, PREFIX, [PREFIX + name for name in SPECS])
    if unknown:
        raise ConfigError(f"Pengaturan tidak dikenal: {unknown[0]!r}.", path=source,
                          hint=unknown[1])
    values: dict[str, object] = {}
    for name, spec in SPECS.items():
        raw = settings.get(PREFIX + name, spec.default)
        if raw is None:
            if spec.required:
                raise ConfigError(f"Pengaturan '{PREFIX}{name}' belum diisi ({spec.help}).",
                                  path=source, hint="Tambahkan pengaturan itu.")
            values[name] = None
            continue
        values[name] = _convert(name, spec, raw, source)
    output = Path(settings["OUTPUT_PATH"]).resolve()
    for name in ("MANIFEST_PATH", "CACHE_PATH", "APPROVALS_PATH"):
        if _inside(Path(str(values[name])), output):
            raise ConfigError(
                f"Pengaturan '{PREFIX}{name}' ({values[name]}) berada di dalam folder output "
                f"({output}); isinya bisa ikut terbit.", path=source,
                hint="Pindahkan ke luar folder output.")
    approvals = Path(str(values["APPROVALS_PATH"]))
    if not (approvals / "roster.yml").is_file():
        raise ConfigError(f"Roster tidak ditemukan: {approvals / 'roster.yml'}.", path=source,
                          hint=f"Periksa '{PREFIX}APPROVALS_PATH'.")
    return GateSettings(
        approvals_path=approvals, anchor=str(values["ANCHOR"]),
        allow_demo_keys=bool(values["ALLOW_DEMO_KEYS"]),
        manifest_path=Path(str(values["MANIFEST_PATH"])),
        cache_path=Path(str(values["CACHE_PATH"])),
        build_id=values["BUILD_ID"] if isinstance(values["BUILD_ID"], str) else None,
        now=values["NOW"] if isinstance(values["NOW"], datetime) else None,
        content_path=Path(settings["PATH"]).resolve(), output_path=output, source=source)
