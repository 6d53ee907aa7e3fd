"""Where the roster's trust anchor comes from: outside the repository, never from it.

The anchor is the SHA256 fingerprint of the KPU chair's key. It is read from the
environment (``KPU_ROSTER_ANCHOR``, for CI) or from the publishing machine's
configuration file; a writer who edits the repository cannot change either.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SigningError
from .signatures import (
    ROSTER_NAMESPACE,
    SignatureInvalid,
    fingerprint,
    sign_with_ssh_keygen,
    signing_key,
)

#: Fingerprint of demo-keys/anchor-ketua: for the sample site only, refused when publishing.
DEMO_ANCHOR = "SHA256:c+UH1X5069oeuBAMXiHEKKMmgD4M1aoQE8a0GkAyHis"


def anchor_file() -> Path:
    """Return the machine-wide file that pins the anchor (outside any checkout)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kpu-rembang" / "roster-anchor"


def pinned_anchor() -> str | None:
    """Return the anchor pinned in the environment or on this machine, if any."""
    value = os.environ.get("KPU_ROSTER_ANCHOR", "").strip()
    if value:
        return value
    file = anchor_file()
    if file.is_file():
        return file.read_text().strip() or None
    return None


def sign_roster(roster: Path, key_file: Path) -> str:
    """Sign ``roster`` (roster.yml) with the anchor key beside it; return the fingerprint.

    Only the KPU chair runs this (``invoke sign-roster``). The signature is written to
    ``roster.yml.sig``; the returned fingerprint is what publishing machines pin.
    """
    payload = roster.read_bytes()
    try:
        signature = sign_with_ssh_keygen(payload, key_file, ROSTER_NAMESPACE)
        key = signing_key(payload, signature, ROSTER_NAMESPACE)
    except SignatureInvalid as error:
        raise SigningError(f"Roster tidak ditandatangani: {error}.") from None
    (roster.parent / "roster.yml.sig").write_text(signature)
    return fingerprint(key)
