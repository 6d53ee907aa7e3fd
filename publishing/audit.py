"""Audit of a built output before anything leaves the machine.

The gate decides what is built; the audit checks the result independently, from the
files themselves and the gate's manifest: every page, feed entry, sitemap URL and
copied file must belong to an approved item or to the site's furniture (listings,
theme, static assets), and nothing private (sign-off files, caches, manifests, private
keys) may be in the output. Any finding stops the build or publish.

A local build trusts the furniture folders as a whole. A sealed publish passes its
sealed input, and then no folder is trusted: every file is accounted for on its own
(publishing/inventory.py), copies by their bytes.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from .inventory import GENERATED_FILES, Inventory, Sealed
from .provenance import audit_provenance
from .search import audit_search

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
)
FURNITURE_FILES = GENERATED_FILES | {"index.html"}
PRIVATE_MARKERS = (b"PRIVATE KEY-----", b"kpu-rembang-persetujuan-v1", b'"build_id"')
#: Every file of the editorial preview carries this (editorial/preview/inject.py MARKER_NAME):
#: a preview shows unapproved items, so no part of one may ever be published.
PREVIEW_MARKER = b"kpu-pratinjau"
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


def _url_path(url: str) -> str:
    path = urlparse(url).path.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


class _Allowed:
    """What the manifest says may be in the output."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.pages = {entry["save_as"] for entry in manifest["included"]}
        self.folders = {posixpath.dirname(page) for page in self.pages}
        self.statics = set(manifest.get("static_files", []))

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

    def account(self, rel: str, data: bytes) -> str | None:
        """Return why ``rel`` belongs to no approved item nor furniture folder, or None."""
        del data  # a local build checks places, not bytes
        html = PurePosixPath(rel).suffix == ".html"
        if html and not self.page(rel):
            return "halaman ini bukan milik item yang disetujui"
        if not html and not self.file(rel):
            return "berkas ini tidak ditautkan item yang disetujui"
        return None


def _links_in(xml_file: Path) -> list[str]:
    try:
        root = ET.parse(xml_file).getroot()
    except ET.ParseError as error:
        return [f"!{error}"]
    links = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if (
            tag == "link"
            and element.get("href")
            and element.get("rel", "alternate") == "alternate"
            and element is not root
        ):
            links.append(element.get("href", ""))
        elif tag in {"loc"} or (tag == "link" and element.text and element.text.strip()):
            links.append((element.text or "").strip())
    return links


def _check_xml(rel: str, file: Path, page: Callable[[str], bool]) -> list[AuditFinding]:
    findings = []
    for link in _links_in(file):
        if link.startswith("!"):
            findings.append(AuditFinding(rel, f"XML tidak dapat dibaca: {link[1:]}"))
            continue
        target = _url_path(link)
        if not page(target):
            findings.append(AuditFinding(rel, f"menautkan ke {link!r} yang bukan item disetujui"))
    return findings


def _private(file: Path, data: bytes) -> str | None:
    """Return why ``file`` must never be published whatever its origin, or None."""
    if PREVIEW_MARKER in data:
        return "halaman PRATINJAU (dapat memuat item yang belum disetujui) tidak boleh terbit"
    if (
        file.name in PRIVATE_NAMES
        or file.suffix in {".yml", ".yaml"}
        or any(marker in data for marker in PRIVATE_MARKERS)
    ):
        return "berkas pribadi (kunci, persetujuan, cache atau manifest) tidak boleh terbit"
    return None


def audit_output(
    output: Path,
    manifest: dict[str, Any],
    build_id: str,
    allow_demo_keys: bool,
    sealed: Sealed | None = None,
) -> list[AuditFinding]:
    """Check every file in ``output`` against the manifest; return what is wrong.

    With ``sealed`` (the sealed publish's input) every file must be accounted for by
    the inventory instead of by folder.
    """
    findings = []
    if manifest.get("build_id") != build_id:
        findings.append(AuditFinding("manifest", "manifest bukan milik build ini"))
    if manifest.get("demo_keys_allowed") and not allow_demo_keys:
        findings.append(AuditFinding("manifest", "build ini menerima kunci CONTOH (demo)"))
    allowed = _Allowed(manifest)
    accounts: _Allowed | Inventory = allowed if sealed is None else Inventory(manifest, sealed)
    for file in sorted(p for p in output.rglob("*") if p.is_file()):
        rel = file.relative_to(output).as_posix()
        data = file.read_bytes()
        problem = _private(file, data) or accounts.account(rel, data)
        if problem:
            findings.append(AuditFinding(rel, problem))
        if file.suffix == ".xml":
            findings += _check_xml(rel, file, accounts.page)
    findings += [
        AuditFinding(path, problem) for path, problem in audit_search(output, set(allowed.pages))
    ]
    findings += [
        AuditFinding(path, problem) for path, problem in audit_provenance(output, manifest)
    ]
    return findings
