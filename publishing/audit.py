"""Audit of a built output before anything leaves the machine.

The gate decides what is built; the audit checks the result independently, from the
files themselves and the gate's manifest: every page, feed entry, sitemap URL and
copied file must belong to an approved item or to the site's furniture (listings,
theme, static assets), and nothing private (sign-off files, caches, manifests, private
keys) may be in the output. Any finding stops the build or publish.

A local build trusts the furniture folders as a whole. A sealed publish passes its
sealed input, and then no folder is trusted: every file is accounted for on its own
(publishing/inventory.py), copies by their bytes.

The audit costs what changed: each file is hashed once for the whole publish (the
listing, publishing/tree.py, which the plan and the deploy reuse), and what a file says
(markers, links; a search record's address) is read only from files whose hash is new
(publishing/audit_facts.py, search_audit.py, provenance_facts.py).
Whether what it says is allowed is judged against this build's manifest every time.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audit_facts import PREVIEW_MARKER, PRIVATE_MARKERS, Facts, FactTable, extract
from .compress_audit import CopyCheck
from .image_audit import DerivedImages
from .inventory import GENERATED_FILES, Inventory, Sealed
from .provenance import PUBLIC_ROSTER, audit_provenance
from .search_audit import audit_search
from .tree import Listing, OutputFile, fresh, list_output

if TYPE_CHECKING:
    from approval_gate.api import MachineCache

__all__ = ["PREVIEW_MARKER", "PRIVATE_MARKERS", "AuditFinding", "audit_output"]

#: Output folders and files that are site furniture, not items (see pelicanconf.py).
FURNITURE_PREFIXES = (
    "kategori/",
    "topik/",
    "penulis/",
    "arsip/",
    "feeds/",
    "theme/",
    "static/",
    "pagefind/",
    "persetujuan/catatan/",  # one piece per item; provenance.py audits each strictly
)
FURNITURE_FILES = GENERATED_FILES | {"index.html"}
PRIVATE_NAMES = frozenset(
    {"roster.yml", "roster.yml.sig", "signoffs.json", "content.json", "gate-manifest.json"}
)


@dataclass(frozen=True)
class AuditFinding:
    """One reason the output must not be published."""

    path: str
    message: str

    def render(self) -> str:
        """Return ``path: message`` for the report."""
        return f"{self.path}: {self.message}"


def _is_pagination(name: str) -> bool:
    stem = name.removesuffix(".html")
    return name.endswith(".html") and stem.startswith("index") and stem[5:].isdigit()


class _Allowed:
    """What the manifest says may be in the output."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.pages = {entry["save_as"] for entry in manifest["included"]}
        self.folders = {posixpath.dirname(page) for page in self.pages}
        self.statics = set(manifest.get("static_files", []))
        self.images = DerivedImages(manifest, None)  # variants: exactly as recorded

    def page(self, rel: str) -> bool:
        if rel in self.pages or rel in FURNITURE_FILES or _is_pagination(rel):
            return True
        return rel.startswith(FURNITURE_PREFIXES)

    def file(self, rel: str) -> bool:
        return (
            rel.startswith(FURNITURE_PREFIXES)
            or rel in FURNITURE_FILES
            or rel in self.statics
            or posixpath.dirname(rel) in self.folders - {""}
        )

    def account(self, rel: str, sha256: str) -> str | None:
        """Return why ``rel`` belongs to no approved item nor furniture folder, or None."""
        if self.images.claims(rel):  # image variants are checked by their bytes
            return self.images.account(rel, sha256)
        name = rel.rpartition("/")[2]
        html = name.endswith(".html") and len(name) > len(".html")  # PurePosixPath's suffix
        if html and not self.page(rel):
            return "halaman ini bukan milik item yang disetujui"
        if not html and not self.file(rel):
            return "berkas ini tidak ditautkan item yang disetujui"
        return None


def _check_xml(rel: str, links: list[list[str]], page: Callable[[str], bool]) -> list[AuditFinding]:
    findings = []
    for link, target in links:
        if link.startswith("!"):
            findings.append(AuditFinding(rel, f"XML tidak dapat dibaca: {link[1:]}"))
            continue
        if not page(target):
            findings.append(AuditFinding(rel, f"menautkan ke {link!r} yang bukan item disetujui"))
    return findings


def _xml(rel: str) -> bool:
    """Return whether ``rel`` is a feed or sitemap (its suffix is ``.xml``).

    As ``posixpath.splitext(rel)[1] == ".xml"``, without its cost on every file: the
    name before ``.xml`` must hold something besides dots (``..xml`` has no suffix).
    """
    return rel.endswith(".xml") and rel[rel.rfind("/") + 1 : -4].strip(".") != ""


def _yaml(name: str) -> bool:
    """Return whether ``name``'s suffix is ``.yml`` or ``.yaml`` (as ``posixpath.splitext``).

    ``splitext`` only for names ending so: the audit asks of every file.
    """
    return name.endswith((".yml", ".yaml")) and posixpath.splitext(name)[1] in {".yml", ".yaml"}


def _private(rel: str, facts: Facts) -> str | None:
    """Return why ``rel`` must never be published whatever its origin, or None."""
    if facts["p"]:
        return "halaman PRATINJAU (dapat memuat item yang belum disetujui) tidak boleh terbit"
    name = rel.rpartition("/")[2]  # posixpath.basename, asked of every file
    if rel in PUBLIC_ROSTER:  # only these two places; provenance.py checks their bytes
        name = ""
    if name in PRIVATE_NAMES or _yaml(name) or facts["m"]:
        return "berkas pribadi (kunci, persetujuan, cache atau manifest) tidak boleh terbit"
    return None


def _judge(
    rel: str, sha256: str, facts: Facts, accounts: _Allowed | Inventory
) -> list[AuditFinding]:
    """Judge one file's facts against this build's manifest (never cached)."""
    findings = []
    problem = _private(rel, facts) or accounts.account(rel, sha256)
    if problem:
        findings.append(AuditFinding(rel, problem))
    if _xml(rel):
        findings += _check_xml(rel, facts["x"], accounts.page)
    return findings


def _facts(output: Path, files: Listing, table: FactTable) -> list[tuple[str, str, Facts]]:
    """Return ``(rel, sha256, facts)`` of every file, symlinked ones too, in path order."""
    found = [(rel, file.sha256, table.of(file, _xml(rel))) for rel, file in files.items()]
    for rel in files.links:  # never published, but audited as before: fail closed
        data = (output / rel).read_bytes()
        facts = extract(data, _xml(rel))
        found.append((rel, hashlib.sha256(data).hexdigest(), facts))
    return sorted(found, key=lambda entry: entry[0].split("/"))


def audit_output(
    output: Path,
    manifest: dict[str, Any],
    build_id: str,
    allow_demo_keys: bool,
    sealed: Sealed | None = None,
    *,
    files: Mapping[str, OutputFile] | None = None,
    cache: MachineCache | None = None,
) -> list[AuditFinding]:
    """Check every file in ``output`` against the manifest; return what is wrong.

    With ``sealed`` (the sealed publish's input) every file must be accounted for by
    the inventory instead of by folder. ``files`` is the build's listing of ``output``
    (taken as it is when complete and of ``output`` itself, else reused while each file
    is unchanged, publishing/tree.py); ``cache`` keeps what the
    files say between builds (publishing/audit_facts.py).
    """
    findings = []
    if manifest.get("build_id") != build_id:
        findings.append(AuditFinding("manifest", "manifest bukan milik build ini"))
    if manifest.get("demo_keys_allowed") and not allow_demo_keys:
        findings.append(AuditFinding("manifest", "build ini menerima kunci CONTOH (demo)"))
    allowed = _Allowed(manifest)
    accounts: _Allowed | Inventory = allowed if sealed is None else Inventory(manifest, sealed)
    table = FactTable(cache)
    listing = fresh(files, output) or list_output(output, files)  # the build's, after its writes
    copies = CopyCheck(manifest, listing, cache)  # .gz/.br: publishing/compress_audit.py
    for rel, sha256, facts in _facts(output, listing, table):
        if not copies.hold(rel, sha256):  # a compressed copy is judged last, by its sibling
            findings += _judge(rel, sha256, facts, accounts)
    table.save()
    # Each kept table is read only while its part runs: their memory never adds up
    # (docs/publishing.md, "Memory of a publish").
    del table
    findings += [
        AuditFinding(path, problem)
        for path, problem in audit_search(output, set(allowed.pages), listing, cache)
    ]
    findings += [
        AuditFinding(path, problem)
        for path, problem in audit_provenance(output, manifest, sealed, cache)
    ]
    findings += [AuditFinding(path, problem) for path, problem in allowed.images.missing(listing)]
    findings = [finding for finding in findings if finding.path not in copies.held]
    refused = {finding.path for finding in findings}
    findings += [AuditFinding(path, problem) for path, problem in copies.judge(output, refused)]
    return findings
