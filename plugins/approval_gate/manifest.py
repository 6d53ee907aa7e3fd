"""The build manifest: the audit trail of what one build published and left out, and why.

Written outside the deployable output (``APPROVAL_GATE_MANIFEST_PATH``), atomically, at
the end of a build; ``invoke build`` refuses the output unless the manifest exists and
carries this build's id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .atomic import write_whole
from .errors import Finding
from .rules import Verdict

MANIFEST_FORMAT = 1


@dataclass
class Manifest:
    """What the gate decided in one build."""

    build_id: str | None
    generated_at: datetime
    roster: dict[str, Any]
    demo_keys_allowed: bool
    included: list[dict[str, Any]] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    dropped_files: list[str] = field(default_factory=list)
    static_files: list[str] = field(default_factory=list)
    static: list[dict[str, str]] = field(default_factory=list)
    derived: list[dict[str, str]] = field(default_factory=list)  # made from approved bytes
    findings: list[Finding] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    upcoming: list[dict[str, Any]] = field(default_factory=list)
    sealed: bool = False  # built from a commit's sealed input (only those are published)

    def include(self, verdict: Verdict, url: str, save_as: str, lang: str) -> None:
        """Record a published item with the sign-offs that allowed it."""
        self.included.append(
            {
                "item": verdict.item,
                "digest": verdict.digest,
                "url": url,
                "save_as": save_as,
                "lang": lang,
                "signoffs": [
                    {
                        "role": d.role,
                        "signer": d.person,
                        "signed_at": d.signed_at.isoformat(),
                        "file": d.path,
                    }
                    for d in verdict.chain
                ],
            }
        )

    def copy(self, source: str, save_as: str) -> None:
        """Record a copied file and its content-relative source (the sealed audit's input)."""
        self.static.append({"source": source, "save_as": save_as})

    def exclude(self, item: str, state: str, reason: str, digest: str | None = None) -> None:
        """Record an item left out, with the reason people read."""
        self.excluded.append({"item": item, "state": state, "reason": reason, "digest": digest})

    def schedule(self, item: str, state: str, moment: datetime) -> None:
        """Record a moment at which a rebuild would change the site for ``item``."""
        change = "terbit" if state == "terjadwal" else "berakhir"
        self.upcoming.append({"item": item, "change": change, "at": moment.isoformat()})

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        unique = {f.render(): f for f in self.findings}
        return {
            "format": MANIFEST_FORMAT,
            "build_id": self.build_id,
            "generated_at": self.generated_at.isoformat(),
            "roster": self.roster,
            "demo_keys_allowed": self.demo_keys_allowed,
            "sealed": self.sealed,
            "stages": self.stages,
            "included": sorted(self.included, key=lambda e: e["item"]),
            "excluded": sorted(self.excluded, key=lambda e: e["item"]),
            "dropped_files": sorted(self.dropped_files),
            "static_files": sorted(self.static_files),
            "static": sorted(self.static, key=lambda e: (e["save_as"], e["source"])),
            "derived": sorted(self.derived, key=lambda e: e["save_as"]),
            "findings": [f.as_dict() for f in unique.values()],
            "upcoming": sorted(self.upcoming, key=lambda e: (e["at"], e["item"])),
            "next_change": min(
                (e["at"] for e in self.upcoming), default=None, key=datetime.fromisoformat
            ),
        }

    def write(self, path: Path) -> None:
        """Write the manifest atomically (a reader never sees half a file).

        Written in pieces (``json_pieces``): at 10,000 items the text is about 12 MB, and
        as one string plus its copy with the newline and its UTF-8 bytes it was the
        Pelican child's last rise in memory (docs/publishing.md, "Memory of a publish").
        """
        write_whole(path, json_pieces(self.as_dict()))


#: How many entries of a long list are encoded in one piece.
BATCH = 500


def json_pieces(data: dict[str, Any], batch: int = BATCH) -> Iterator[str]:
    """Yield the text of ``json.dumps(data, ensure_ascii=False)`` and a newline, in pieces.

    Each long list is encoded ``batch`` entries at a time with the same encoder and
    joined by the same separator, so the pieces add up to exactly the one-shot text.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    yield "{"
    for number, (key, value) in enumerate(data.items()):
        head = f"{', ' if number else ''}{encode(key)}: "
        if isinstance(value, list) and len(value) > batch:
            yield head + "["
            for start in range(0, len(value), batch):
                yield (", " if start else "") + encode(value[start : start + batch])[1:-1]
            yield "]"
        else:
            yield head + encode(value)
    yield "}\n"
