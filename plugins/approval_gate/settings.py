"""The gate's settings: one prefix, declared once, validated before the build starts.

Every setting the gate reads is declared in ``OPTIONS`` (see options.py). An unknown
``APPROVAL_GATE_*`` key is an error with a close-match hint, so a typo in
``publishconf.py`` can never silently switch a protection off.
"""

from __future__ import annotations

import runpy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import options as o
from .anchor import anchor_origin, missing_anchor_hint
from .digest import Limits
from .errors import ConfigError, KpuError
from .readers import check_readers

PREFIX = "APPROVAL_GATE_"
SETTINGS_FILE_KEY = PREFIX + "SETTINGS_FILE"

OPTIONS = o.OptionSet(
    (
        o.Option(
            "APPROVALS_PATH",
            "folder approvals/ (roster dan berkas persetujuan)",
            o.path,
            required=True,
        ),
        o.Option(
            "ANCHOR", "sidik jari kunci jangkar, bentuk 'SHA256:...'", o.fingerprint, required=True
        ),
        o.Option("ALLOW_DEMO_KEYS", "True hanya untuk situs contoh", o.boolean, default=False),
        o.Option(
            "MANIFEST_PATH", "berkas manifest JSON di luar folder output", o.path, required=True
        ),
        o.Option(
            "CACHE_PATH", "folder cache verifikasi di luar folder output", o.path, required=True
        ),
        o.Option("BUILD_ID", "penanda build dari 'invoke build'", o.text),
        # Inputs have limits (docs/gate.md): a bigger file holds its item, never the build.
        o.Option(
            "MAX_SOURCE_BYTES",
            "ukuran terbesar naskah item dalam bita (bilangan bulat >= 1024)",
            o.integer(1024),
            default=Limits.source,
        ),
        o.Option(
            "MAX_ATTACHMENT_BYTES",
            "ukuran terbesar lampiran dalam bita (bilangan bulat >= 1024)",
            o.integer(1024),
            default=Limits.attachment,
        ),
        o.Option("SETTINGS_FILE", "nama berkas pengaturan ini", o.text, default="pelicanconf.py"),
        o.Option("NOW", "waktu tetap 'YYYY-MM-DDTHH:MM:SS+07:00' (untuk uji)", o.aware_time),
        o.Option(
            "SEALED",
            "True hanya dari 'invoke publish' (build dari commit)",
            o.boolean,
            default=False,
        ),
    ),
    prefix=PREFIX,
    hint="Perbaiki nilai itu lalu jalankan build lagi.",
)


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
    max_source_bytes: int = Limits.source
    max_attachment_bytes: int = Limits.attachment
    #: Built from one commit's sealed input by ``invoke publish`` (never a work tree).
    sealed: bool = False


def read_settings_file(path: Path) -> dict[str, Any]:
    """Run a Pelican settings file and return its upper-case names, without Pelican.

    ``invoke status`` and ``approve`` only need the paths and the gate's settings;
    importing Pelican would cost them a noticeable share of their run time. Relative
    ``PATH``/``OUTPUT_PATH`` are resolved against the file's folder, as Pelican does.
    A settings file that cannot run is a ``ConfigError`` naming it, never a traceback.
    """
    try:
        namespace = runpy.run_path(str(path))
    except KpuError:
        raise
    except Exception as error:  # any failure of the file itself: report, do not trace back
        raise ConfigError(
            f"berkas pengaturan tidak dapat dijalankan: {type(error).__name__}: {error}",
            path=str(path),
            hint="Perbaiki berkas itu lalu ulangi.",
        ) from None
    settings = {key: value for key, value in namespace.items() if key.isupper()}
    for key, default in (("PATH", "."), ("OUTPUT_PATH", "output")):
        value = Path(str(settings.get(key, default)))
        settings[key] = str(value if value.is_absolute() else path.parent / value)
    return settings


def settings_source(settings: Mapping[str, Any]) -> str:
    """Return the name of the settings file these settings came from, for messages."""
    return str(settings.get(SETTINGS_FILE_KEY) or "pelicanconf.py")


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _check_anchor(settings: Mapping[str, Any], source: str) -> None:
    """Refuse a missing or malformed anchor, saying where it comes from and the fix.

    The anchor is missing when a publishing settings file (``publishconf.py``) finds
    none pinned on this machine: the hint names the pin command, never the repository's
    record. A malformed one names its origin (environment, machine file, settings).
    """
    value = settings.get(PREFIX + "ANCHOR")
    expected = next(option.expected for option in OPTIONS.options if option.key == "ANCHOR")
    if value is None:
        raise ConfigError(
            f"Pengaturan '{PREFIX}ANCHOR' belum diisi ({expected}).",
            path=source,
            hint=missing_anchor_hint(),
        )
    try:
        o.fingerprint(value)
    except o.Invalid:
        origin = anchor_origin(str(value), Path(str(settings.get(PREFIX + "APPROVALS_PATH", "."))))
        raise ConfigError(
            f"Nilai pengaturan '{PREFIX}ANCHOR': diharapkan {expected}, tetapi diterima "
            f"{value!r}, dari {origin.where}.",
            path=source,
            hint=origin.fix(),
        ) from None


def load_settings(settings: Mapping[str, Any]) -> GateSettings:
    """Validate the ``APPROVAL_GATE_*`` settings of a Pelican settings dict, or raise."""
    source = settings_source(settings)
    if OPTIONS.unknown(settings) is None:  # a mistyped key is reported first, as before
        _check_anchor(settings, source)
    values = OPTIONS.read(settings, source)
    check_readers(settings, source)
    output = Path(settings["OUTPUT_PATH"]).resolve()
    for name in ("MANIFEST_PATH", "CACHE_PATH", "APPROVALS_PATH"):
        if _inside(values[name], output):
            raise ConfigError(
                f"Pengaturan '{PREFIX}{name}' ({values[name]}) berada di dalam folder output "
                f"({output}); isinya bisa ikut terbit.",
                path=source,
                hint="Pindahkan ke luar folder output.",
            )
    approvals: Path = values["APPROVALS_PATH"]
    if not (approvals / "roster.yml").is_file():
        raise ConfigError(
            f"Roster tidak ditemukan: {approvals / 'roster.yml'}.",
            path=source,
            hint=f"Periksa '{PREFIX}APPROVALS_PATH'.",
        )
    return GateSettings(
        approvals_path=approvals,
        anchor=values["ANCHOR"],
        allow_demo_keys=values["ALLOW_DEMO_KEYS"],
        manifest_path=values["MANIFEST_PATH"],
        cache_path=values["CACHE_PATH"],
        build_id=values["BUILD_ID"],
        now=values["NOW"],
        content_path=Path(settings["PATH"]).resolve(),
        output_path=output,
        source=source,
        max_source_bytes=values["MAX_SOURCE_BYTES"],
        max_attachment_bytes=values["MAX_ATTACHMENT_BYTES"],
        sealed=values["SEALED"],
    )
