"""Site search: the index is built from the gated output, and audited like any page.

``index_site`` runs Pagefind (the binary of the ``pagefind[bin]`` package; no network)
after the gate and before the audit, on the pages of the items the gate's manifest
lists as included, and on nothing else. ``audit_search``
then reads the index back independently: every file under ``pagefind/`` must be one
Pagefind writes, and every record (a gzip-compressed fragment) must point at an
approved page. Anything else is a finding, and the build publishes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from approval_gate.api import ExitCode, KpuError

FOLDER = "pagefind"
#: Pagefind's ready-made interfaces; the theme has its own (theme/static/js/cari.js).
UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
#: Every file Pagefind writes that the site keeps (paths under pagefind/).
KNOWN = re.compile(
    r"^(?:pagefind\.js|pagefind-worker\.js|pagefind-entry\.json"
    r"|pagefind\.[\w-]+\.pf_meta|wasm\.[\w-]+\.pagefind"
    r"|fragment/[\w-]+\.pf_fragment|index/[\w-]+\.pf_index"
    r"|filter/[\w-]+\.pf_filter)$"
)
FRAGMENT_SIGNATURE = b"pagefind_dcd"


class SearchIndexError(KpuError):
    """Pagefind could not build the index; the build must not publish."""

    exit_code = ExitCode.SEARCH

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def pagefind_command() -> list[str]:
    """Return how to run the Pagefind binary installed with ``pagefind[bin]``."""
    return [sys.executable, "-m", "pagefind"]


def _approved_pages(output: Path, manifest: dict[str, Any], folder: Path) -> int:
    """Hard-link (or copy) the approved item pages into ``folder``; return how many."""
    count = 0
    for page in sorted({entry["save_as"] for entry in manifest.get("included", [])}):
        source = output / page
        if not source.is_file():
            continue
        target = folder / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        count += 1
    return count


def _input_key(folder: Path, command: list[str]) -> str:
    """Return a digest of exactly what Pagefind would index, and how."""
    try:
        version = importlib.metadata.version("pagefind")
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    digest = hashlib.sha256("\0".join([version, *command[1:]]).encode())
    for page in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(page.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(page.read_bytes()).digest())
    return digest.hexdigest()


def _reuse(cache: Path | None, key: str, target: Path) -> bool:
    """Copy the cached index built from the same input, if there is one."""
    if (
        cache is None
        or not (cache / "key").is_file()
        or (cache / "key").read_text(encoding="utf-8") != key
    ):
        return False
    shutil.copytree(cache / FOLDER, target)
    return True


def _remember(cache: Path | None, key: str, built: Path) -> None:
    """Keep the newest index and its input key (written whole, then renamed)."""
    if cache is None:
        return
    fresh = cache.with_name(f".{cache.name}.{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(built, fresh / FOLDER)
    (fresh / "key").write_text(key, encoding="utf-8")
    shutil.rmtree(cache, ignore_errors=True)
    fresh.rename(cache)


def index_site(output: Path, manifest: dict[str, Any], cache: Path | None = None) -> None:
    """Build the search index of the approved item pages of ``output`` (Pagefind).

    Pagefind is given a folder holding only the pages of the items the manifest lists
    as included, so no listing, no theme page and nothing else can become a record,
    whatever the theme's markup. Pagefind's output is not byte-for-byte repeatable (its
    filter and meta files differ between runs of the same input), so the index of the
    previous build is reused from ``cache`` when the indexed pages are identical: an
    unchanged site then publishes an unchanged index. The audit checks a reused index
    record by record like a new one.
    """
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=output.parent) as tmp:
        if not _approved_pages(output, manifest, Path(tmp)):
            return  # nothing approved, nothing to find; the search page says so
        command = [
            *pagefind_command(),
            "--site",
            tmp,
            "--output-path",
            str(output / FOLDER),
            "--quiet",
        ]
        key = _input_key(Path(tmp), [*pagefind_command(), "--quiet"])
        if _reuse(cache, key, output / FOLDER):
            return
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SearchIndexError(
                f"Indeks pencarian tidak dapat dibuat: {error}. Periksa "
                "pemasangan paket 'pagefind[bin]'; tidak ada yang "
                "diterbitkan."
            ) from None
    if done.returncode != 0:
        raise SearchIndexError(
            f"Indeks pencarian gagal dibuat (Pagefind, kode keluar "
            f"{done.returncode}); tidak ada yang diterbitkan.",
            done.stdout + done.stderr,
        )
    for name in UNUSED:
        (output / FOLDER / name).unlink(missing_ok=True)
    _remember(cache, key, output / FOLDER)


def _page_of(url: str) -> str:
    path = unquote(urlparse(url).path).lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def _record_url(data: bytes) -> str | None:
    """Return the URL of one compressed Pagefind fragment, or None if unreadable."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return None
    if not raw.startswith(FRAGMENT_SIGNATURE):
        return None
    try:
        url = json.loads(raw[len(FRAGMENT_SIGNATURE) :]).get("url")
    except (ValueError, AttributeError):
        return None
    return url if isinstance(url, str) else None


def _page_count(folder: Path) -> int | None:
    try:
        entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        return sum(int(lang["page_count"]) for lang in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def audit_search(output: Path, pages: set[str]) -> list[tuple[str, str]]:
    """Return ``(path, problem)`` for every search record that is not an approved page."""
    folder = output / FOLDER
    if not folder.exists():
        return []
    findings = []
    fragments = 0
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = file.relative_to(folder).as_posix()
        shown = f"{FOLDER}/{rel}"
        if not KNOWN.match(rel):
            findings.append((shown, "berkas ini bukan bagian indeks pencarian; tidak boleh terbit"))
            continue
        if not rel.startswith("fragment/"):
            continue
        fragments += 1
        url = _record_url(file.read_bytes())
        if url is None:
            findings.append(
                (shown, "rekaman indeks pencarian tidak dapat dibaca; tidak boleh terbit")
            )
        elif _page_of(url) not in pages:
            findings.append(
                (
                    shown,
                    f"rekaman indeks pencarian menunjuk ke {url!r} yang "
                    "bukan halaman item disetujui",
                )
            )
    if _page_count(folder) != fragments:
        findings.append(
            (
                f"{FOLDER}/pagefind-entry.json",
                f"jumlah halaman indeks tidak sama dengan {fragments} rekaman yang diperiksa",
            )
        )
    return findings
