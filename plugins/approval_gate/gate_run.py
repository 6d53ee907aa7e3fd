"""The gate's state in a Pelican process: a ``Site`` per instance, a ``BuildRun`` per build.

Pelican's signals carry a generator or the Pelican object, never the gate's state, so
the state is found again by the settings dict (one per Pelican instance) and the
generators' shared context (one per build; autoreload makes a new one each time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .clock import now as clock_now
from .errors import GateError
from .export_hashes import read_export_hashes
from .ledger import Ledger, load_trusted, open_ledger, start_reading
from .manifest import Manifest
from .roster import Roster
from .roster_file import check_version
from .settings import GateSettings
from .signoff_reading import Reading


@dataclass
class BuildRun:
    """The gate's state for one run of Pelican (one shared context)."""

    settings: GateSettings
    roster: Roster
    ledger: Ledger
    manifest: Manifest
    included_links: set[str] = field(default_factory=set)
    excluded_links: set[str] = field(default_factory=set)


@dataclass
class Site:
    """The gate's state for one Pelican instance (survives autoreload runs)."""

    settings: GateSettings
    roster: Roster
    runs: dict[int, BuildRun] = field(default_factory=dict)
    reading: Reading | None = None


_sites: dict[int, Site] = {}


def start_site(settings: dict[str, Any]) -> Site:
    """Validate settings, roster and anchor, and start reading the sign-offs (``initialized``).

    Raises on any problem, which stops Pelican before anything is read.
    """
    gs, roster = load_trusted(settings)
    check_version(roster, gs.cache_path)
    # a sealed build's sign-offs are found by the hashes its seal step kept (never a
    # work tree's: only ``invoke publish`` seals, and the file is bound to its export)
    known = read_export_hashes(gs.cache_path, gs.approvals_path) if gs.sealed else None
    site = Site(gs, roster, reading=start_reading(gs.approvals_path, gs.cache_path, known))
    _sites[id(settings)] = site
    return site


def site_of(settings: dict[str, Any]) -> Site:
    """Return the gate's state of the Pelican instance with these settings (fail closed)."""
    site = _sites.get(id(settings))
    if site is None:
        raise GateError(
            "Gerbang persetujuan tidak dimulai (sinyal 'initialized' tidak diterima).",
            hint="Jalankan build dengan 'invoke build'.",
        )
    return site


def run_of(generator: Any) -> BuildRun:
    """Return the build this generator belongs to; its ledger is opened on first use."""
    site = site_of(generator.settings)
    key = id(generator.context)
    if key not in site.runs:
        gs = site.settings
        now = clock_now(gs.now)
        ledger = open_ledger(gs, roster=site.roster, now=now, reading=site.reading)
        site.reading = None  # later runs (autoreload) read again, through the cache
        manifest = Manifest(
            gs.build_id,
            now,
            {
                "version": site.roster.version,
                "anchor": site.roster.anchor,
                "file": site.roster.path,
            },
            gs.allow_demo_keys,
            sealed=gs.sealed,
        )
        site.runs = {key: BuildRun(gs, site.roster, ledger, manifest)}
    return site.runs[key]


def passed(settings: dict[str, Any]) -> BuildRun | None:
    """Return the latest run whose articles and pages passed the gate, if any."""
    runs = site_of(settings).runs.values()
    done = [r for r in runs if {"articles", "pages"} <= set(r.manifest.stages)]
    return done[-1] if done else None
