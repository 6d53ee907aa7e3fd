"""The desk's settings (``MEJA_*`` in the site's settings file), validated at start-up.

The origin is the one thing a passkey is bound to: its host name is the WebAuthn rpId,
the application of every passkey key in the roster, and the origin every passkey
signature must carry (the roster's ``desk_origins``). Tests and a first look run on
``http://localhost:8002`` (browsers treat localhost as a secure context); the office
runs HTTPS behind a reverse proxy (docs/desk.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from approval_gate.api import options as o
from approval_gate.api import read_settings_file

from .errors import DeskError


def _origin(value: Any) -> str:
    text = o.text(value)
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise o.Invalid("alamat harus berbentuk https://nama-host (tanpa jalur)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise o.Invalid("alamat asal tidak boleh memuat jalur, ?kueri atau #bagian")
    if parts.scheme == "http" and parts.hostname != "localhost":
        raise o.Invalid("passkey hanya bekerja di https:// (atau http://localhost untuk uji)")
    return f"{parts.scheme}://{parts.netloc}"


OPTIONS = o.OptionSet(
    (
        o.Option(
            "ORIGIN",
            "alamat meja, mis. 'https://meja.kpu-rembang.go.id'",
            _origin,
            default="http://localhost:8002",
        ),
        o.Option(
            "DATA",
            "folder data meja (sesi, undangan, langganan notifikasi)",
            o.text,
            default="var/meja",
        ),
        o.Option(
            "SESSION_HOURS", "lama sesi masuk dalam jam (1-720)", o.integer(1, 720), default=12
        ),
        o.Option(
            "INVITATION_HOURS",
            "masa berlaku undangan dalam jam (1-336)",
            o.integer(1, 336),
            default=72,
        ),
        o.Option(
            "PUSH_CONTACT",
            "kontak VAPID untuk notifikasi, mis. 'mailto:web@kpu.go.id'",
            o.text,
            default="mailto:admin@localhost",
        ),
        o.Option(
            "PROXY",
            "alamat proxy HTTPS di depan meja yang dipercaya, mis. '127.0.0.1'",
            o.optional(o.text),
        ),
        o.Option(
            "REMIND_MINUTES",
            "jeda pengingat ulang untuk item terlambat (menit)",
            o.integer(5, 1440),
            default=60,
        ),
    ),
    prefix="MEJA_",
)


@dataclass(frozen=True)
class DeskSettings:
    """Everything the desk needs, validated: paths absolute, the origin normalised."""

    settings_file: Path
    root: Path
    origin: str
    data: Path
    session_hours: int
    invitation_hours: int
    push_contact: str
    remind_minutes: int
    proxy: str | None = None

    @property
    def rp_id(self) -> str:
        """The WebAuthn relying-party id: the origin's host name."""
        return urlsplit(self.origin).hostname or "localhost"

    @property
    def secure(self) -> bool:
        """Whether cookies carry ``Secure`` (an https origin)."""
        return self.origin.startswith("https://")


def read_desk_settings(settings_file: Path, **overrides: Any) -> DeskSettings:
    """Read and validate ``MEJA_*`` from ``settings_file``; ``overrides`` win (CLI flags)."""
    values = {k: v for k, v in read_settings_file(settings_file).items() if k.startswith("MEJA_")}
    values |= {f"MEJA_{k.upper()}": v for k, v in overrides.items() if v is not None}
    read = OPTIONS.read(values, str(settings_file))
    root = settings_file.resolve().parent
    data = Path(read["DATA"])
    data = data if data.is_absolute() else root / data
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DeskError(
            f"Folder data meja {data} tidak dapat dibuat ({error.strerror or error}).",
            path=str(settings_file),
            hint="Atur MEJA_DATA ke folder yang dapat ditulis.",
        ) from None
    return DeskSettings(
        settings_file=settings_file.resolve(),
        root=root,
        origin=read["ORIGIN"],
        data=data,
        session_hours=read["SESSION_HOURS"],
        invitation_hours=read["INVITATION_HOURS"],
        push_contact=read["PUSH_CONTACT"],
        remind_minutes=read["REMIND_MINUTES"],
        proxy=read["PROXY"],
    )
