"""Audit of the image files the build made from approved images (plugins/site_theme/images.py).

A resized variant or a stripped copy is not a copy of approved bytes, so the inventory's
rule for copies cannot account for it. The build records each one in the gate's
manifest (``derived``: the included item, the source's content path and approved
SHA-256, the output path and the SHA-256 of the file made). The audit accepts such a
file only exactly as recorded:

* every output file named like a variant (``<name>.<width>w.<webp|jpg|png>``) or at a
  recorded path must have a record, and its bytes must hash to the recorded SHA-256;
* the record's item must be one the manifest includes, and its source a file the gate
  kept for the site (``static``);
* in a sealed publish, the source must be a file an approved item's digest covers
  (``sealed.covered``) with exactly the recorded SHA-256;
* every recorded file must be in the output (a record of a file that is not there is a
  build that did not do what it said).

So a planted or altered image, a variant of an item that is not published, or a variant
made from other bytes than the approved ones stops the publish.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from typing import Any

#: The output names of variants (images.variant_path): ``foto.480w.webp``.
VARIANT = re.compile(r"\.[1-9][0-9]{0,4}w\.(?:webp|jpg|png)$")
UNRECORDED = (
    "berkas bernama seperti varian gambar ini tidak dibuat build dari gambar yang disetujui"
)


class DerivedImages:
    """The manifest's record of image files made at build, checked file by file."""

    def __init__(self, manifest: Mapping[str, Any], covered: Mapping[str, str] | None) -> None:
        self.entries = {e["save_as"]: e for e in manifest.get("derived", [])}
        self.included = {e["item"] for e in manifest["included"]}
        self.kept = {e["source"] for e in manifest.get("static", [])}
        self.covered = covered  # sealed publish: content path -> approved sha256

    def claims(self, rel: str) -> bool:
        """Return whether ``rel`` is judged here (recorded, or named like a variant)."""
        return rel in self.entries or bool(VARIANT.search(rel))

    def account(self, rel: str, sha256: str) -> str | None:
        """Return why ``rel`` may not be published, or None when it is exactly as recorded."""
        entry = self.entries.get(rel)
        if entry is None:
            return UNRECORDED
        source = entry["source"]
        if entry["item"] not in self.included:
            return f"varian gambar dari item {entry['item']!r} yang tidak diterbitkan"
        if source not in self.kept:
            return f"varian gambar dari {source!r} yang tidak disalin gerbang untuk situs"
        if self.covered is not None and self.covered.get(source) != entry["source_sha256"]:
            return (
                f"varian gambar dibuat dari {source!r} yang isinya tidak sama dengan yang disetujui"
            )
        if sha256 != entry["sha256"]:
            return f"isi berkas ini tidak sama dengan yang dibuat build dari {source!r}"
        return None

    def missing(self, present: Container[str]) -> list[tuple[str, str]]:
        """Return the recorded files that are not in the output."""
        return [
            (rel, "varian gambar tercatat di manifest tetapi tidak ada di hasil build")
            for rel in sorted(self.entries)
            if rel not in present
        ]
