"""Hand-off messages: the chat message the SOP's next step needs, ready to send.

Today every hand-off in SOP 11/2023 is a WhatsApp message ("please check this draft").
When an item waits for someone, ``invoke status --pesan`` and the preview panel give that
message ready-made: who is asked, for which item, its preview address, and the command
that answers it, plus a ``https://wa.me/`` share link. Both use this one module, so the
text a person sends is the same wherever they copy it from.

The roster records no telephone numbers (people have an id, a name and keys), so links
open WhatsApp's "choose a chat" screen (``https://wa.me/?text=...``); ``whatsapp_link``
already takes a number for the day the roster carries one.

The preview address is where the *sender* sees the preview. Unless the office set a
shared one (``KPU_PRATINJAU_URL``, or ``invoke watch --bind 0.0.0.0 --url ...``), that is
``127.0.0.1``, which on the receiver's computer means the receiver's own computer: the
message then says so, with the commands that open the same page there.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from approval_gate.api import NEEDS_FIX, Ledger, Roster, Verdict

from .meta import read_metadata

#: Where ``invoke watch`` serves the preview unless told otherwise (``--port``).
DEFAULT_PREVIEW_URL = "http://127.0.0.1:8001/"
#: Environment variable with the preview's address as the approvers reach it (LAN host).
PREVIEW_URL_ENV = "KPU_PRATINJAU_URL"
#: File beside the preview folder mapping each item to its page (written by the preview).
ADDRESS_MAP_NAME = "pratinjau-alamat.json"


@dataclass(frozen=True)
class Handoff:
    """A ready message for the person who must act next on one item."""

    item: str
    recipient: str
    text: str
    link: str

    def as_dict(self) -> dict[str, str]:
        """Return the JSON form used by ``invoke status --json --pesan``."""
        return {"kepada": self.recipient, "teks": self.text, "whatsapp": self.link}

    def render(self, indent: str = "    ") -> str:
        """Return the message as printed under an item by ``invoke status --pesan``."""
        lines = [f"{indent}Pesan untuk {self.recipient}:"]
        lines += [f"{indent}  {line}" for line in self.text.splitlines()]
        lines.append(f"{indent}  WhatsApp: {self.link}")
        return "\n".join(lines)


def whatsapp_link(text: str, phone: str | None = None) -> str:
    """Return a WhatsApp share link for ``text``, to ``phone`` when one is known.

    WhatsApp wants the number in international form, digits only; an Indonesian number
    written from 0 (``0812...``) becomes ``62812...``.
    """
    encoded = quote(text, safe="")
    if not phone:
        return f"https://wa.me/?text={encoded}"
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return f"https://wa.me/{digits}?text={encoded}"


def preview_base_url(explicit: str | None = None) -> str:
    """Return the preview's base address: given, from the environment, or the default."""
    base = explicit or os.environ.get(PREVIEW_URL_ENV) or DEFAULT_PREVIEW_URL
    return base if base.endswith("/") else base + "/"


def local_only(url: str) -> bool:
    """Tell whether ``url`` opens only on the computer that made it (loopback, 0.0.0.0)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def preview_line(url: str | None) -> str:
    """Return the message's preview line(s): the address, and what a local one means."""
    if not url:
        return "Pratinjau: belum dibangun (jalankan 'invoke preview')."
    if not local_only(url):
        return f"Pratinjau: {url}"
    try:
        port = urlsplit(url).port
    except ValueError:
        port = None
    watch = "invoke watch"
    if port is not None and port != urlsplit(DEFAULT_PREVIEW_URL).port:
        watch += f" --port {port}"
    return (
        f"Pratinjau: {url}\n"
        "(Alamat itu hanya terbuka di komputer pengirim. Di komputer Anda: git pull, "
        f"lalu {watch}, lalu buka alamat yang sama.)"
    )


def item_title(content: Path, item: str) -> str:
    """Return the item's title from its metadata, or its path when it has none."""
    return read_metadata(content / item).get("title") or item


def first_role(roster: Roster) -> str:
    """Return the name of the role every draft goes to first (the roster's first)."""
    return roster.roles[0].name


def _holders(roster: Roster, role: str, now: datetime) -> str:
    names = [person.name for person in roster.holders(role, now)]
    return ", ".join(names) if names else "belum ada pejabat"


def handoff(
    verdict: Verdict, roster: Roster, now: datetime, title: str, url: str | None
) -> Handoff | None:
    """Return the message for whoever must act next on the item, or None if nobody must."""
    item = verdict.item
    where = preview_line(url)
    if verdict.state == NEEDS_FIX:
        problems = "\n".join(f"- {finding.render()}" for finding in verdict.findings[:5])
        more = len(verdict.findings) - 5
        if more > 0:
            problems += f"\n- ... dan {more} masalah lain ('invoke status' menampilkan semuanya)"
        text = (
            f'Naskah "{title}" ({item}) perlu diperbaiki sebelum dapat disetujui:\n'
            f"{problems}\n{where}\n"
            f"Setelah diperbaiki, ajukan kembali ke {first_role(roster)}."
        )
        return Handoff(item, "Pengampu Konsep (penulis)", text, whatsapp_link(text))
    if verdict.state == "lengkap" or verdict.role is None:
        return None
    if verdict.state == "ditolak":
        reason = (
            verdict.reason if verdict.reason.endswith((".", "!", "?")) else verdict.reason + "."
        )
        text = (
            f'Mohon perbaikan untuk "{title}" ({item}): {reason}\n{where}\n'
            f"Setelah diperbaiki, ajukan kembali ke {first_role(roster)}."
        )
        return Handoff(item, "Pengampu Konsep (penulis)", text, whatsapp_link(text))
    role = roster.role(verdict.role)
    if role is None:
        return None
    who = f"{role.name} ({_holders(roster, role.id, now)})"
    if verdict.state == "kedaluwarsa":
        ask = (
            f'Mohon persetujuan ulang {who} untuk "{title}" ({item}): isinya berubah '
            "setelah disetujui."
        )
    else:
        ask = f'Mohon persetujuan {who} untuk "{title}" ({item}).'
    text = (
        f"{ask}\n{where}\n"
        f"Setujui: invoke approve content/{item} --role {role.id}\n"
        f"Bila perlu perbaikan: invoke reject content/{item} --role {role.id} "
        '--note "alasan"'
    )
    return Handoff(item, who, text, whatsapp_link(text))


def default_preview_dir(settings_file: Path) -> Path:
    """Return the preview folder of a site: ``var/pratinjau`` beside its settings file."""
    return settings_file.resolve().parent / "var" / "pratinjau"


def preview_folder(settings_file: Path, given: str | None = None) -> Path:
    """Return the preview folder named on the command line, else the site's default."""
    return Path(given).absolute() if given else default_preview_dir(settings_file)


def address_map_path(preview: Path) -> Path:
    """Return the file beside the preview folder that maps items to their pages."""
    return preview.parent / ADDRESS_MAP_NAME


def read_address_map(preview: Path) -> dict[str, str]:
    """Return ``{item: page URL relative to the site}`` from the last preview, or {}."""
    try:
        data = json.loads(address_map_path(preview).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def status_handoffs(
    verdicts: list[Verdict],
    roster: Roster,
    now: datetime,
    content: Path,
    preview: Path,
    base_url: str | None = None,
) -> dict[str, Handoff]:
    """Return the hand-off of every waiting item, for ``invoke status --pesan``."""
    pages = read_address_map(preview)
    base = preview_base_url(base_url)
    found = {}
    for verdict in verdicts:
        page = pages.get(verdict.item)
        url = base + page.lstrip("/") if page is not None else None
        made = handoff(verdict, roster, now, item_title(content, verdict.item), url)
        if made is not None:
            found[verdict.item] = made
    return found


def status_messages(
    ledger: Ledger, verdicts: list[Verdict], settings_file: Path
) -> dict[str, Handoff]:
    """Return the hand-offs ``invoke status --pesan`` prints, by item."""
    return status_handoffs(
        verdicts, ledger.roster, ledger.now, ledger.content, default_preview_dir(settings_file)
    )


def with_message(entry: dict[str, object], messages: dict[str, Handoff]) -> dict[str, object]:
    """Return a ``status --json`` entry with its hand-off (``pesan``) when it has one."""
    made = messages.get(str(entry["item"]))
    return {**entry, "pesan": made.as_dict()} if made is not None else entry
