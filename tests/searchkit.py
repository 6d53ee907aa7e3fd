"""What the search tests read back: the gate's manifest and the index a build wrote.

Shared by test_search_parts.py, test_search_store.py and test_search_ahead.py.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

from sitekit import Keys, Site

#: Title and unique word of each approved item (none of them an Indonesian affix).
ITEMS = {"alfa": "Qorvux", "bravo": "Zelpim", "charlie": "Wumbat"}
LEAK = "Drogmak"  # the word of the item that is never approved


def built_news(folder: Path, keys: Keys) -> Site:
    """Return a site of the ``ITEMS``, approved, and the ``LEAK`` one, not: built once."""
    site = Site(folder / "site", keys)
    site.news(ITEMS, LEAK)
    site.build()
    return site


def manifest(site: Site) -> dict[str, Any]:
    """Return the gate's manifest of the site's last good build."""
    path = site.root / "var" / "gate-manifest.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def approved_pages(site: Site) -> set[str]:
    """Return the pages of the items the last good build published."""
    return {entry["save_as"] for entry in manifest(site)["included"]}


def without_index(site: Site, folder: Path) -> Path:
    """Return a copy of the built output without its search index (as Pelican left it)."""
    shutil.copytree(site.output, folder, ignore=shutil.ignore_patterns("pagefind"))
    return folder


def index_files(output: Path) -> dict[str, bytes]:
    """Return every file of the search index under ``output``, by its path in pagefind/."""
    folder = output / "pagefind"
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def records(output: Path) -> list[dict[str, Any]]:
    """Return every record of every part (``pagefind_dcd`` + JSON), by address."""
    return sorted(
        (
            json.loads(gzip.decompress(data)[len(b"pagefind_dcd") :])
            for rel, data in index_files(output).items()
            if "/fragment/" in f"/{rel}"
        ),
        key=lambda record: record["url"],
    )


def words(output: Path) -> bytes:
    """Every word of the index: the decompressed word files of every part."""
    return b"".join(
        gzip.decompress(data)
        for rel, data in index_files(output).items()
        if rel.endswith(".pf_index")
    )
