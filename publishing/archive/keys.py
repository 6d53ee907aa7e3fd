"""The publishing machine's key: found, checked against the roster, used to sign records.

Each record is signed with ``ssh-keygen -Y sign`` in the namespace ``kpu-rembang-arsip``
by a key the trusted roster lists under ``publishers``. The signature is the file beside
the record, ``<record>.sig``, so plain OpenSSH can check it (docs/publishing.md).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from approval_gate.api import (
    ARCHIVE_NAMESPACE,
    DEMO_FINGERPRINTS,
    DEMO_KEYS,
    SignatureInvalid,
    fingerprint,
    normalise_key,
    ready_demo_key,
    sign_with_ssh_keygen,
    signing_key,
)

from .store import ArchiveKeyError

if TYPE_CHECKING:
    from approval_gate.api import Publisher, Roster

#: Environment variable naming the publishing machine's private key file.
KEY_VARIABLE = "KPU_PUBLISHER_KEY"
#: The sample's publishing machine (``--demo`` only; public knowledge).
DEMO_KEY = DEMO_KEYS / "penerbit-contoh"


def publisher_key_file(env: Mapping[str, str], demo: bool) -> Path:
    """Return where this machine's archive key is: the environment, the demo, or XDG config."""
    given = env.get(KEY_VARIABLE, "").strip()
    if given:
        return Path(given).expanduser()
    if demo:
        return DEMO_KEY
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "kpu-rembang" / "penerbit_ed25519"


def public_half(key: Path) -> str:
    """Return the public key of ``key`` (its ``.pub`` beside it, else ``ssh-keygen -y``)."""
    pub = key if key.suffix == ".pub" else Path(f"{key}.pub")
    try:
        if pub.is_file():
            return normalise_key(pub.read_text(encoding="utf-8"))
        done = subprocess.run(
            ["ssh-keygen", "-y", "-P", "", "-f", str(key)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise ValueError(done.stderr.strip() or "ssh-keygen -y gagal")
        return normalise_key(done.stdout)
    except (OSError, ValueError) as error:
        raise ArchiveKeyError(
            f"Kunci publik mesin penerbit tidak dapat dibaca dari {key}: {error}.",
            hint=f"Letakkan kunci publiknya di {pub}.",
        ) from None


def publisher_of(roster: Roster, public: str) -> Publisher | None:
    """Return the roster's publishing machine holding ``public`` (not revoked), if any."""
    wanted = normalise_key(public)
    for publisher in roster.publishers:
        for key in publisher.keys:
            if key.revoked is None and normalise_key(key.key) == wanted:
                return publisher
    return None


def check_publisher_key(roster: Roster, env: Mapping[str, str], demo: bool) -> Path:
    """Return this machine's archive key file, refusing one the roster does not name.

    Runs before anything is built: a publish whose record could not be signed must not
    start. Outside ``--demo`` a demo key (public knowledge) is refused as well.
    """
    key = publisher_key_file(env, demo)
    if not key.is_file():
        raise ArchiveKeyError(
            f"Kunci mesin penerbit tidak ditemukan: {key}. Catatan arsip ditandatangani "
            "dengan kunci itu, jadi tidak ada yang diterbitkan.",
            hint=f"Buat dengan 'ssh-keygen -t ed25519 -N \"\" -f {key}' (atau atur "
            f"{KEY_VARIABLE}), lalu minta Ketua mencantumkan kunci publiknya di roster "
            "(bagian publishers) dan menandatangani roster baru.",
        )
    public = public_half(key)
    if not demo and fingerprint(public) in DEMO_FINGERPRINTS:
        raise ArchiveKeyError(
            f"Kunci mesin penerbit {key} adalah kunci contoh (diketahui umum); arsip "
            "resmi tidak ditandatangani dengannya.",
            hint=f"Buat kunci sendiri untuk mesin ini dan atur {KEY_VARIABLE}.",
        )
    if publisher_of(roster, public) is None:
        raise ArchiveKeyError(
            f"Kunci mesin penerbit {key} ({fingerprint(public)}) tidak tercantum di roster "
            f"versi {roster.version} sebagai mesin penerbit (bagian publishers), atau sudah "
            "dicabut. Tidak ada yang diterbitkan.",
            hint="Minta Ketua menambahkan kunci publik itu ke roster.yml (publishers) dan "
            "menandatangani roster baru.",
        )
    return key


def sign(payload: bytes, key: Path, roster: Roster) -> tuple[str, str]:
    """Sign ``payload`` with ``key``; return (armored signature, publisher id).

    The signature is checked at once against the roster, so a ``.pub`` that does not
    belong to the private key is found here, not by the next reader.
    """
    try:
        ready_demo_key(key)  # the demo key, checked out 0644, made 0600 as for every demo key
        armored = sign_with_ssh_keygen(payload, key, ARCHIVE_NAMESPACE)
        signer = signing_key(payload, armored, ARCHIVE_NAMESPACE)
    except (SignatureInvalid, OSError) as error:
        raise ArchiveKeyError(
            f"Catatan arsip tidak dapat ditandatangani dengan {key}: {error}.",
            hint=f"Periksa kunci itu (izin berkas: chmod 600 {key}).",
        ) from None
    publisher = publisher_of(roster, signer)
    if publisher is None:
        raise ArchiveKeyError(
            f"Kunci {key} menandatangani dengan {fingerprint(signer)}, yang bukan kunci "
            "mesin penerbit di roster (berkas .pub-nya tidak cocok?)."
        )
    return armored, publisher.id
