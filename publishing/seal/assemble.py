"""Assemble the build input: only approved items, the files they cover, and the furniture.

The export holds every regular file of the commit. Before Pelican may read it, its
``content/`` is cut down to (i) the source of each item whose record is complete,
(ii) the files that item's digest covers, byte for byte as approved, and (iii) the
furniture folders (``content/static/``, ``content/extra/``). Everything else is deleted,
so an unapproved page, a file the digest never saw, or a file an approved link spells
differently does not exist for Pelican. Items left out are reported as the gate reports
them (state and reason) and their sign-offs stay (no orphan noise).

The roster is verified with the anchor pinned on THIS machine (or the demo anchor with
``--demo``), never the anchor the exported settings name: the settings are the
repository's. Embargo and expiry stay the gate's job during the build.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from approval_gate.api import (
    FURNITURE_FOLDERS,
    SOURCE_SUFFIXES,
    GateSettings,
    Known,
    Ledger,
    Roster,
    Verdict,
    load_roster,
    load_settings,
    open_ledger,
    write_export_hashes,
)

from . import SealedInput, SealError
from .export import APPROVALS, CONTENT, Export


def _checked_settings(settings: Mapping[str, Any], folder: Path) -> GateSettings:
    """Return the gate's settings, refusing a content or approvals folder outside the export.

    A settings file in the commit that names absolute paths of a work tree would have
    Pelican read that work tree again; only ``content/`` and ``approvals/`` of the export
    may be read.
    """
    gs = load_settings(settings)
    root = folder.resolve()
    for key, value, expected in (
        ("PATH", gs.content_path, root / CONTENT),
        ("APPROVAL_GATE_APPROVALS_PATH", gs.approvals_path, root / APPROVALS),
    ):
        if Path(value).resolve() != expected:
            raise SealError(
                f"Pengaturan '{key}' ({value}) bukan folder {expected.name}/ dari commit "
                "yang diterbitkan; penerbitan hanya membaca isi commit.",
                path=gs.source,
                hint="Tulis jalur itu relatif terhadap berkas pengaturan, mis. "
                f"Path(__file__).parent / {expected.name!r}.",
            )
    return gs


def candidates(export: Export) -> list[str]:
    """Return every content source of the export (an item Pelican would read), sorted."""
    prefix = f"{CONTENT}/"
    found = []
    for path in export.files:
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        top = rel.split("/", 1)[0]
        if "/" in rel and top in FURNITURE_FOLDERS:
            continue
        if posixpath.splitext(rel)[1].lower() in SOURCE_SUFFIXES:
            found.append(rel)
    return sorted(found)


def _furniture(export: Export, settings: Mapping[str, Any]) -> dict[str, str]:
    """Return the furniture files (export-relative path -> sha256): content's and the theme's."""
    prefixes = [f"{CONTENT}/{name}/" for name in sorted(FURNITURE_FOLDERS)]
    theme = Path(str(settings.get("THEME", "")))
    root = export.folder.resolve()
    if theme.is_absolute() and theme.resolve().is_relative_to(root):
        base = theme.resolve().relative_to(root).as_posix()
        statics = settings.get("THEME_STATIC_PATHS") or ["static"]
        prefixes += [f"{base}/{str(name).strip('/')}/" for name in statics]
    return {path: sha for path, sha in export.files.items() if path.startswith(tuple(prefixes))}


def _prune(export: Export, keep: set[str]) -> None:
    """Delete from the export's content/ every file not kept and not furniture."""
    prefix = f"{CONTENT}/"
    for path in export.files:
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        if rel in keep or ("/" in rel and rel.split("/", 1)[0] in FURNITURE_FOLDERS):
            continue
        os.unlink(export.folder / path)
    content = export.folder / CONTENT
    for folder, dirs, files in os.walk(content, topdown=False):
        if Path(folder) != content and not dirs and not files and not os.listdir(folder):
            os.rmdir(folder)


def _judge(ledger: Ledger, items: list[str]) -> tuple[dict[str, str], set[str], list[Verdict]]:
    """Return the approved items (item -> digest), the files they cover, the others."""
    approved: dict[str, str] = {}
    keep: set[str] = set()
    others = []
    for item in items:
        verdict = ledger.verdict(item)
        if verdict.publishable:
            approved[item] = verdict.digest
            keep.update(ledger.digest(item).files)
        else:
            others.append(verdict)
    return approved, keep, others


def trusted_roster(export: Export, anchor: str, demo: bool) -> Roster:
    """Return the export's roster verified with this machine's anchor (read as data only).

    Used before any code of the export runs: it says which officials may sign code.
    """
    return load_roster(export.folder / APPROVALS, anchor, demo)


def sealed_ledger(
    export: Export, settings: Mapping[str, Any], *, anchor: str, demo: bool, cache: Path
) -> Ledger:
    """Open the gate's ledger over the export, with this machine's anchor.

    ``settings`` are the exported settings file's values; ``anchor`` is the machine's
    pinned anchor (the demo anchor with ``demo``); ``cache`` is the machine's gate cache
    (kept between publishes, entries keyed on bytes and sealed with its own key), which
    the build then reuses: only sign-offs this machine never verified are verified.
    The export's SHA-256 of every file (from blobs checked against their git object ids,
    export.py) goes with it, so a sign-off verified and a file hashed by an earlier
    publish is found without being read again (``Known``).
    A broken roster or anchor raises the gate's error with its exit code.
    """
    gs = _checked_settings(settings, export.folder)
    known = Known(content=export.under(CONTENT), approvals=export.under(APPROVALS))
    # for the Pelican child, which reads these sign-offs again (export_hashes.py)
    write_export_hashes(cache, export.folder / APPROVALS, known.approvals)
    return open_ledger(
        replace(gs, anchor=anchor, allow_demo_keys=demo, cache_path=cache), known=known
    )


def assemble(
    export: Export, settings_file: Path, settings: Mapping[str, Any], ledger: Ledger
) -> SealedInput:
    """Cut the export down to the build input and return what it holds."""
    approved, keep, others = _judge(ledger, candidates(export))
    ledger.save_cache()
    _prune(export, keep)
    held = [v for v in others if v.item not in keep]  # a covered source is judged by the gate
    return SealedInput(
        commit=export.commit,
        folder=export.folder,
        settings_file=settings_file,
        items=approved,
        covered={rel: export.files[f"{CONTENT}/{rel}"] for rel in sorted(keep)},
        furniture=_furniture(export, settings),
        skipped=list(export.skipped),
        held=[
            {"item": v.item, "state": v.state, "reason": v.reason, "digest": v.digest} for v in held
        ],
        findings=[f.as_dict() for v in held for f in v.findings],
    )


def amend(sealed: SealedInput, manifest: dict[str, Any]) -> None:
    """Add the items left out of the input to the build's manifest, as the gate would.

    Their sign-offs are still in the export, so the gate counted them as orphans; those
    findings are replaced by the items' own.
    """
    held = {entry["item"] for entry in sealed.held}
    manifest["excluded"] = sorted(
        [*manifest["excluded"], *sealed.held], key=lambda entry: entry["item"]
    )
    manifest["findings"] = [
        f for f in manifest.get("findings", []) if f.get("item") not in held
    ] + sealed.findings
