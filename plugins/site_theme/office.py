"""The office's public services: contact details and the Daftar Informasi Publik (DIP).

Contact details are settings, not page text, so the web admin changes a phone number in
one place and every page (Kontak, PPID, the footer) shows the same one; they are checked
at start-up because a wrong number on a public body's site sends citizens nowhere. Every
link is a plain link (``mailto:``, ``tel:``, ``https://wa.me/``, a map address): no
third-party script or embed reaches the reader.

The DIP lists what the site publishes, grouped by the categories of UU 14/2008 (Pasal
9, 10 and 11). It is made from the items of this build's context, which the gate has
already filtered, and again only from the items the approvals provider publishes: an
item without its four approvals can never be listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from approval_gate.api import CATEGORIES, GateError
from approval_gate.api import options as o

#: The key of the site's static pages in ``SITE_DIP_CATEGORIES`` (they have no kind).
PAGES_KIND = "Halaman"
#: UU 14/2008's categories: id -> (heading, legal basis).
GROUPS: dict[str, tuple[str, str]] = {
    "berkala": ("Informasi yang wajib diumumkan secara berkala", "Pasal 9"),
    "serta-merta": ("Informasi yang wajib diumumkan serta-merta", "Pasal 10"),
    "setiap-saat": ("Informasi yang wajib tersedia setiap saat", "Pasal 11"),
}
#: Kinds that are not "berkala" by default; every other kind and the pages are.
DIP_EXCEPTIONS = {"Pengumuman": "serta-merta", "Regulasi": "setiap-saat", "Data": "setiap-saat"}
DEFAULT_DIP = {kind: DIP_EXCEPTIONS.get(kind, "berkala") for kind in (*CATEGORIES, PAGES_KIND)}
CONTACT_KEYS = ("email", "ppid_email", "phone", "whatsapp", "whatsapp_text", "map_url", "hours")
DEFAULT_WHATSAPP_TEXT = "Yth. petugas layanan informasi, saya ingin bertanya tentang "
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^\+?[0-9(][0-9 ()-]{4,22}[0-9]$")
_WHATSAPP = re.compile(r"^62[1-9][0-9]{7,12}$")


@dataclass(frozen=True)
class Contact:
    """The office's contact details, with the links worked out once."""

    email: str
    ppid_email: str
    phone: str | None
    phone_href: str | None
    whatsapp: str | None
    whatsapp_shown: str | None
    whatsapp_href: str | None
    map_url: str | None
    hours: tuple[tuple[str, str], ...]


def _email(value: Any, key: str) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise o.Invalid(f"Kunci {key!r}: {value!r} bukan alamat surel (mis. 'ppid@contoh.go.id').")
    return value.strip()


def _phone(value: Any) -> tuple[str, str]:
    """Return the number as written and its ``tel:`` link in international form (+62)."""
    text = value.strip() if isinstance(value, str) else ""
    if not _PHONE.match(text) or len(re.sub(r"[^0-9]", "", text)) < 6:
        raise o.Invalid(
            f"Kunci 'phone': {value!r} bukan nomor telepon; tulis angka saja (boleh dengan "
            "spasi, tanda hubung atau kurung kode wilayah), mis. '(0295) 691234'."
        )
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        return text, f"tel:+{digits}"
    if digits.startswith("0"):
        return text, f"tel:+62{digits[1:]}"
    raise o.Invalid(
        f"Kunci 'phone': {value!r} tidak diawali 0 (kode wilayah) atau +62; "
        "tulis mis. '(0295) 691234' atau '+62 295 691234'."
    )


def _whatsapp(value: Any, text: str) -> tuple[str, str, str]:
    """Return the number, as shown (+62 812-3456-7890), and its wa.me link with a text."""
    number = value.strip() if isinstance(value, str) else str(value)
    if not _WHATSAPP.match(number):
        raise o.Invalid(
            f"Kunci 'whatsapp': {value!r} bukan nomor dalam bentuk 62…; tulis angka saja "
            "dengan 62 di depan, tanpa +, spasi atau 0, mis. '6281234567890'."
        )
    rest = number[2:]
    shown = f"+62 {rest[:3]}-{'-'.join(rest[i : i + 4] for i in range(3, len(rest), 4))}"
    return number, shown, f"https://wa.me/{number}?text={quote(text, safe='')}"


def _map_url(value: Any) -> str:
    parts = urlsplit(value.strip()) if isinstance(value, str) else None
    if parts is None or parts.scheme != "https" or not parts.netloc or " " in value.strip():
        raise o.Invalid(
            f"Kunci 'map_url': {value!r} bukan alamat https:// (mis. "
            "'https://maps.google.com/?q=...')."
        )
    return value.strip()


def _hours(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, (list, tuple))
        and len(v) == 2
        and all(isinstance(x, str) and x.strip() for x in v)
        for v in value
    ):
        raise o.Invalid(
            "Kunci 'hours': tulis daftar pasangan (hari, jam), "
            "mis. [('Senin–Kamis', '08.00–16.00 WIB')]."
        )
    return tuple((days.strip(), time.strip()) for days, time in value)


def contact(value: Any) -> Contact:
    """Convert ``SITE_CONTACT``: e-mail required, the rest optional, each checked."""
    if not isinstance(value, Mapping):
        raise o.Invalid("")
    for key in value:
        if key not in CONTACT_KEYS:
            raise o.Invalid(
                f"Kunci tidak dikenal: {key!r}. {o.did_you_mean(str(key), CONTACT_KEYS, 'Kunci')}"
            )
    if "email" not in value:
        raise o.Invalid("Kunci 'email' wajib diisi.")
    email = _email(value["email"], "email")
    ppid = _email(value["ppid_email"], "ppid_email") if value.get("ppid_email") else email
    phone, phone_href = _phone(value["phone"]) if value.get("phone") else (None, None)
    text = value.get("whatsapp_text") or DEFAULT_WHATSAPP_TEXT
    if not isinstance(text, str):
        raise o.Invalid(f"Kunci 'whatsapp_text': {text!r} bukan teks.")
    number, shown, href = (
        _whatsapp(value["whatsapp"], text) if value.get("whatsapp") else (None, None, None)
    )
    return Contact(
        email=email,
        ppid_email=ppid,
        phone=phone,
        phone_href=phone_href,
        whatsapp=number,
        whatsapp_shown=shown,
        whatsapp_href=href,
        map_url=_map_url(value["map_url"]) if value.get("map_url") else None,
        hours=_hours(value.get("hours") or ()),
    )


def dip_categories(value: Any) -> dict[str, str]:
    """Convert ``SITE_DIP_CATEGORIES``: kind -> UU 14/2008 category, over the default."""
    if not isinstance(value, Mapping):
        raise o.Invalid("")
    for kind, group in value.items():
        if kind not in DEFAULT_DIP:
            raise o.Invalid(
                f"Jenis tidak dikenal: {kind!r}. "
                f"{o.did_you_mean(str(kind), DEFAULT_DIP, 'Jenis yang dikenal')}"
            )
        if group not in GROUPS:
            raise o.Invalid(
                f"Golongan {group!r} untuk {kind!r} tidak dikenal. "
                f"{o.did_you_mean(str(group), GROUPS, 'Golongan')}"
            )
    return {**DEFAULT_DIP, **value}


@dataclass(frozen=True)
class Row:
    """One published item as the DIP lists it."""

    title: str
    url: str
    kind: str
    date: datetime | None
    units: str  # who is responsible: the item's authors


@dataclass(frozen=True)
class Group:
    """One category of UU 14/2008 with its items, newest first."""

    id: str
    heading: str
    basis: str
    rows: tuple[Row, ...]


def _row(content: Any, kind: str) -> Row:
    authors = getattr(content, "authors", None) or []
    return Row(
        str(content.title),
        str(content.url),
        kind,
        getattr(content, "date", None) if kind != PAGES_KIND else None,
        ", ".join(str(author.name) for author in authors),
    )


def public_information(
    articles: Iterable[Any],
    pages: Iterable[Any],
    published: Mapping[str, Any],
    mapping: Mapping[str, str],
) -> list[Group]:
    """Group the published items by UU 14/2008's categories (``mapping``: kind -> id).

    ``published`` is the approvals provider's list: an item in the context that it does
    not name is left out, so only an item the gate admitted can ever be listed.
    """
    rows: dict[str, list[Row]] = {group: [] for group in GROUPS}
    for content, kind in [
        *((a, getattr(getattr(a, "category", None), "name", "")) for a in articles),
        *((p, PAGES_KIND) for p in pages),
    ]:
        if content.relative_source_path.replace("\\", "/") not in published:
            continue
        rows[mapping.get(kind, "berkala")].append(_row(content, kind))
    for found in rows.values():
        found.sort(key=lambda row: row.title)
        found.sort(key=lambda row: row.date.timestamp() if row.date else -1e18, reverse=True)
    return [Group(gid, *GROUPS[gid], tuple(rows[gid])) for gid in GROUPS]


def dip_helper(
    approvals: Callable[[], Any], mapping: Mapping[str, str]
) -> Callable[[Iterable[Any], Iterable[Any]], list[Group]]:
    """Return the templates' ``daftar_informasi(articles, pages)`` for one build.

    ``approvals`` gives the build's provider, which exists only once the gate has run.
    """

    def daftar_informasi(articles: Iterable[Any], pages: Iterable[Any]) -> list[Group]:
        provider = approvals()
        if provider is None:
            raise GateError("Templat dirender sebelum gerbang persetujuan berjalan.")
        return public_information(articles, pages, provider.published(), mapping)

    return daftar_informasi
