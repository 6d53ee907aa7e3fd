"""Preview settings: the site's own settings with the gate swapped for the preview plugin.

The preview is derived from whichever settings file the site builds with (the project's
``pelicanconf.py`` or a test site's), so it looks like the real site, except that:

* the approval gate is replaced by ``editorial.preview.plugin`` (every item is built,
  each page marked as a preview, unapproved ones with banner and panel);
* it is written to its own folder (``var/pratinjau/`` beside the settings file), which
  may not overlap the gated output, the content, the approvals, the theme or a local
  publishing target: a preview can never be published or deployed by mistake, and a
  folder holding anything but a preview is refused (``folder.is_preview``);
* no sitemap, and no feeds are written (``plugin.PreviewWriter``): nothing that
  lists unapproved items without the preview marker;
* Pelican's content cache is on, in a folder of its own, so ``invoke watch`` re-reads
  only what changed.

Settings of the preview plugin itself use the prefix ``PRATINJAU_`` and are declared
on the project's option engine (a typo is a ``ConfigError`` with a close match).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approval_gate.api import options as o
from approval_gate.api import ConfigError, KpuError, settings_source

from ..errors import PreviewError
from ..handoff import address_map_path, default_preview_dir, preview_base_url
from .folder import foreign_names, is_preview, remove_command

GATE = "approval_gate"
PLUGIN = "editorial.preview.plugin"
#: The preview plugin's own settings (written by ``preview_settings`` below).
OPTIONS = o.OptionSet(
    (
        o.Option("URL", "alamat pratinjau, mis. 'http://127.0.0.1:8001/'", o.optional(o.text)),
        o.Option("ALAMAT", "jalur berkas peta alamat item pratinjau", o.optional(o.path)),
    ),
    prefix="PRATINJAU_",
)
#: Plugins left out of the preview: they list every page without the preview marker.
DROPPED_PLUGINS = frozenset({"sitemap", "stable_sitemap"})


@dataclass(frozen=True)
class PreviewConfig:
    """The preview plugin's validated settings."""

    base_url: str
    address_map: Path
    output: Path


def _plugin_name(plugin: Any) -> str:
    return plugin if isinstance(plugin, str) else str(getattr(plugin, "__name__", plugin))


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a in b.parents or b in a.parents


def _publish_folders(settings: Mapping[str, Any], base: Path) -> list[Path]:
    try:
        from publishing.config import DEFAULT_TARGETS
    except ImportError:  # publishing not installed beside the preview
        DEFAULT_TARGETS = {}
    targets = settings.get("PUBLISH_TARGETS") or DEFAULT_TARGETS
    folders = []
    for options in targets.values() if isinstance(targets, dict) else ():
        if isinstance(options, dict) and isinstance(options.get("path"), str):
            folders.append((base / options["path"]).resolve())
    return folders


def check_folder(preview: Path, settings: Mapping[str, Any], settings_file: Path) -> None:
    """Refuse a preview folder that overlaps anything published, a source, or other files."""
    protected = {
        "OUTPUT_PATH (hasil build bergerbang)": settings.get("OUTPUT_PATH"),
        "PATH (naskah)": settings.get("PATH"),
        "THEME (tema)": settings.get("THEME"),
        "APPROVAL_GATE_APPROVALS_PATH (persetujuan)": settings.get("APPROVAL_GATE_APPROVALS_PATH"),
    }
    base = settings_file.resolve().parent
    named = {what: (base / str(path)).resolve() for what, path in protected.items() if path}
    for folder in _publish_folders(settings, base):
        named[f"target penerbitan {folder}"] = folder
    for what, folder in named.items():
        if _overlaps(preview, folder):
            raise PreviewError(
                f"Folder pratinjau {preview} bertumpang tindih dengan {what}: "
                f"{folder}. Pratinjau memuat item yang belum disetujui dan "
                "tidak boleh berada di tempat yang diterbitkan.",
                path=settings_file.name,
                hint="Pakai folder lain, misalnya var/pratinjau.",
            )
    default = preview == default_preview_dir(settings_file)
    if not is_preview(preview, default):
        names = ", ".join(foreign_names(preview))
        raise PreviewError(
            f"Folder {preview} berisi berkas yang bukan pratinjau ({names}); setiap "
            "pratinjau mengosongkan foldernya lebih dulu, jadi folder itu tidak dipakai.",
            path=settings_file.name,
            hint=(
                "Pindahkan berkas itu ke tempat lain, atau bila tidak diperlukan hapus "
                f"foldernya dengan: {remove_command(preview)}, lalu ulangi."
                if default
                else "Pakai folder kosong atau folder pratinjau bawaan, misalnya var/pratinjau."
            ),
        )


def preview_settings(
    settings_file: Path, output: Path | None = None, base_url: str | None = None
) -> dict[str, Any]:
    """Return Pelican settings for previewing the site that ``settings_file`` builds."""
    from pelican.settings import read_settings

    try:
        settings = read_settings(str(settings_file))
    except KpuError:
        raise
    except Exception as error:  # the file itself: named, never a traceback (as the gate does)
        raise ConfigError(
            f"berkas pengaturan tidak dapat dijalankan: {type(error).__name__}: {error}",
            path=str(settings_file),
            hint="Perbaiki berkas itu (atau pilih yang benar dengan --settings) lalu ulangi.",
        ) from None
    plugins = [_plugin_name(p) for p in settings.get("PLUGINS") or []]
    if GATE not in plugins:
        raise PreviewError(
            "Pengaturan ini tidak memakai gerbang persetujuan "
            "(approval_gate tidak ada di PLUGINS).",
            path=settings_file.name,
            hint="Pratinjau dibuat dari pengaturan situs yang bergerbang, misalnya pelicanconf.py.",
        )
    preview = (output or default_preview_dir(settings_file)).resolve()
    check_folder(preview, settings, settings_file)
    settings.update(
        {
            "PLUGINS": [
                PLUGIN if name == GATE else name for name in plugins if name not in DROPPED_PLUGINS
            ],
            "OUTPUT_PATH": str(preview),
            "DELETE_OUTPUT_DIRECTORY": True,
            "CACHE_PATH": str(Path(settings["CACHE_PATH"]).with_name("pelican-pratinjau")),
            # Drafts are rendered here: never in the folder a build or publish reuses.
            "RENDER_CACHE_PATH": (
                str(Path(settings["RENDER_CACHE_PATH"]).with_name("render-pratinjau"))
                if settings.get("RENDER_CACHE_PATH")
                else None
            ),
            "LOAD_CONTENT_CACHE": True,
            "CACHE_CONTENT": True,
            "GZIP_CACHE": False,
            "STATIC_CHECK_IF_MODIFIED": True,
            "PRATINJAU_URL": preview_base_url(base_url),
            "PRATINJAU_ALAMAT": str(address_map_path(preview)),
        }
    )
    return settings


def load_config(settings: Mapping[str, Any]) -> PreviewConfig:
    """Read the ``PRATINJAU_*`` settings (a typo is an error with a close match)."""
    values = OPTIONS.read(settings, settings_source(settings))
    output = Path(str(settings["OUTPUT_PATH"])).resolve()
    return PreviewConfig(
        preview_base_url(values["URL"]), values["ALAMAT"] or address_map_path(output), output
    )
