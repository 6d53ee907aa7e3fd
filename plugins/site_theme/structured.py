"""Sharing and search engines: share image, share links, JSON-LD, feed language.

A link shared on WhatsApp, Facebook or X shows a picture only when the page names one
(``og:image``); search engines read what a page is (an organisation, a news story, a
breadcrumb trail) from JSON-LD. Everything here is built from the same approved items
the page shows, so nothing of an unapproved item can be named; the JSON-LD is data in a
``<script type="application/ld+json">`` element (browsers never run it) and every ``<``,
``>`` and ``&`` in it is written as a JSON escape, so no text can close the element.

The share image and links themselves are made in sharing.py. The templates get the
values through the theme (``theme.make_helpers``): the default share image and the home
page's organisation as plain values, ``berbagi(article)`` for an item, and
``remah_jsonld(base, (name, url), ...)`` for a listing (a pure function of its
arguments: the page cache keys it by its code and arguments, render_cache/closure.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from approval_gate.api import KINDS

from .formats import iso, striptags
from .sharing import ShareImage, ShareLink, absolute, default_image, item_image, share_links

#: Kinds whose items are news (schema.org NewsArticle; approval_gate/sop.py says which).
NEWS_KINDS = frozenset(k.category for k in KINDS if k.news and k.category)
HOME = "Beranda"


@dataclass(frozen=True)
class Sharing:
    """What an item's page adds for sharing: its picture, links and JSON-LD."""

    image: ShareImage | None
    links: tuple[ShareLink, ...]
    jsonld: Markup


@dataclass(frozen=True)
class Site:
    """The site-wide facts the structured data repeats (one per build)."""

    base: str  # canonical site URL without the trailing slash
    name: str
    organisation: str
    language: str
    logo: str | None  # absolute URL of the logo
    address: str | None
    contact: Any  # SITE_CONTACT when the settings have it (plugins/site_theme/office.py)
    image: ShareImage | None  # the default share image


def dumps(data: Any) -> str:
    """Return JSON that is safe inside a script element: no ``<``, ``>`` or ``&`` as such.

    They only ever occur inside JSON strings, where their ``u003c``-style escapes mean the
    same characters to every JSON reader, so ``</script>`` or ``<!--`` in a title cannot
    end the element.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script(*objects: Mapping[str, Any]) -> Markup:
    """Return one ``application/ld+json`` element per object."""
    return Markup(
        "".join(f'<script type="application/ld+json">{dumps(o)}</script>\n' for o in objects)
    )


def _text(value: Any) -> str:
    """Return a title or summary as plain text (tags dropped, entities decoded)."""
    return striptags(str(value or ""))  # striptags also decodes entities


def make_site(settings: Mapping[str, Any], theme: Any, logo: Mapping[str, Any] | None) -> Site:
    """Return the site's facts from the validated settings and the theme's own files."""
    base = str(settings.get("FEED_DOMAIN") or settings.get("SITEURL") or "").rstrip("/")
    return Site(
        base=base,
        name=_text(settings.get("SITENAME")),
        organisation=theme.organisation,
        language=str(settings.get("DEFAULT_LANG") or "id"),
        logo=absolute(base, logo["name"]) if logo else None,
        address=theme.address,
        contact=getattr(theme, "contact", None) or settings.get("SITE_CONTACT"),
        image=default_image(settings, theme.organisation, base),
    )


def _contact(contact: Any) -> dict[str, Any]:
    """Return contactPoint and hasMap from SITE_CONTACT (office.Contact, or a plain dict).

    The telephone is given in international form (``phone_href`` without ``tel:``), as
    schema.org asks; SITE_CONTACT is optional (plugins/site_theme/office.py checks it).
    """
    if contact is None:
        return {}

    def field(name: str) -> str | None:
        value = contact.get(name) if isinstance(contact, Mapping) else getattr(contact, name, None)
        return value if isinstance(value, str) and value.strip() else None

    phone = field("phone_href")
    point = {
        "@type": "ContactPoint",
        "contactType": "layanan informasi publik",
        "email": field("ppid_email") or field("email"),
        "telephone": phone.removeprefix("tel:") if phone else field("phone"),
        "availableLanguage": "id",
    }
    found: dict[str, Any] = {}
    if point["email"] or point["telephone"]:
        found["contactPoint"] = {key: value for key, value in point.items() if value}
    if field("map_url"):
        found["hasMap"] = field("map_url")
    return found


def organisation(site: Site) -> dict[str, Any]:
    """Return the organisation as schema.org GovernmentOrganization."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "@id": f"{site.base}/#organisasi",
        "name": site.organisation,
        "alternateName": site.name,
        "url": f"{site.base}/",
    }
    if site.logo:
        data["logo"] = site.logo
    if site.image:
        data["image"] = site.image.url
    if site.address:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": site.address,
            "addressCountry": "ID",
        }
    data.update(_contact(site.contact))
    return data


def home(site: Site) -> Markup:
    """Return the home page's JSON-LD: the organisation and the web site with its search."""
    website = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "@id": f"{site.base}/#situs",
        "name": site.name,
        "url": f"{site.base}/",
        "inLanguage": site.language,
        "publisher": {"@id": f"{site.base}/#organisasi"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": f"{site.base}/cari/?q={{search_term_string}}",
            "query-input": "required name=search_term_string",
        },
    }
    return script(organisation(site), website)


def breadcrumbs(base: str, *trail: tuple[str, str]) -> dict[str, Any]:
    """Return a BreadcrumbList: the home page, then each ``(name, url)`` of the trail."""
    steps = [(HOME, ""), *trail]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": _text(name), "item": absolute(base, url)}
            for n, (name, url) in enumerate(steps, start=1)
        ],
    }


def remah_jsonld(base: str, *trail: tuple[str, str]) -> Markup:
    """Return a listing's breadcrumb trail as JSON-LD (pure: the page cache relies on it)."""
    return script(breadcrumbs(str(base).rstrip("/"), *trail))


def _kind(content: Any) -> str | None:
    """Return an article's kind (its category); None for a page (Profil, PPID, Kontak).

    Pelican gives pages a category too (their folder, ``pages``), so the class decides:
    a page's ``default_template`` is ``page``.
    """
    if getattr(content, "default_template", None) == "page":
        return None
    return getattr(getattr(content, "category", None), "name", None)


def _person(site: Site, author: Any) -> dict[str, Any]:
    name = str(author.name)
    if name in (site.name, site.organisation):
        return {"@id": f"{site.base}/#organisasi"}
    return {"@type": "Person", "name": name, "url": absolute(site.base, author.url)}


def item_data(site: Site, content: Any, image: ShareImage | None) -> dict[str, Any]:
    """Return an item as NewsArticle (news kinds), Article (other kinds) or WebPage (pages)."""
    url = absolute(site.base, content.url)
    kind = _kind(content)
    date, modified = getattr(content, "date", None), getattr(content, "modified", None)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "WebPage" if kind is None else "NewsArticle" if kind in NEWS_KINDS else "Article",
        "headline" if kind else "name": _text(content.title),
        "url": url,
        "inLanguage": getattr(content, "lang", None) or site.language,
        "publisher": {
            "@type": "GovernmentOrganization",
            "@id": f"{site.base}/#organisasi",
            "name": site.organisation,
            "url": f"{site.base}/",
            **({"logo": {"@type": "ImageObject", "url": site.logo}} if site.logo else {}),
        },
    }
    summary = _text(getattr(content, "summary", ""))
    if summary:
        data["description"] = summary
    if date is not None:
        data["datePublished"] = iso(date)
        data["dateModified"] = iso(modified or date)
    if image is not None:
        data["image"] = [image.url]
    if kind is not None:
        data["mainEntityOfPage"] = {"@type": "WebPage", "@id": url}
        data["articleSection"] = kind
        authors = getattr(content, "authors", None) or []
        data["author"] = [_person(site, a) for a in authors] or [{"@id": data["publisher"]["@id"]}]
        tags = [str(t.name) for t in getattr(content, "tags", None) or []]
        if tags:
            data["keywords"] = tags
    return data


def sharing(
    site: Site,
    content: Any,
    view: Any,
    files: Callable[[str], Path | None],
    pictures: Mapping[str, Any] | None = None,
) -> Sharing:
    """Return an item page's share image, share links and JSON-LD (item and breadcrumbs)."""
    title = _text(content.title)
    image = item_image(site.base, site.image, view, title, files, pictures)
    trail: list[tuple[str, str]] = []
    if _kind(content) is not None:  # an article: its kind's listing comes first
        trail.append((content.category.name, content.category.url))
    trail.append((content.title, content.url))  # breadcrumbs() makes it text
    return Sharing(
        image,
        share_links(title, absolute(site.base, content.url)),
        script(item_data(site, content, image), breadcrumbs(site.base, *trail)),
    )


def feed_language(context: Mapping[str, Any], feed: Any) -> None:
    """Declare a feed's language (Atom ``xml:lang``, RSS ``<language>``).

    Pelican 4.12 never passes one to feedgenerator; its ``feed_generated`` signal hands
    over the feed before it is written. A translation feed (``TRANSLATION_FEED_*``, e.g.
    ``feeds/semua-en.atom.xml``) is in its own language, every other feed in
    ``DEFAULT_LANG``.
    """
    language = str(context.get("DEFAULT_LANG") or "id")
    url = str(feed.feed.get("feed_url") or "")
    for key in ("TRANSLATION_FEED_ATOM", "TRANSLATION_FEED_RSS"):
        pattern = context.get(key)
        if not pattern or "{lang}" not in pattern:
            continue
        head, tail = (re.escape(part) for part in str(pattern).split("{lang}", 1))
        found = re.search(f"(?:^|/){head}([A-Za-z]{{2,3}}(?:[-_][A-Za-z0-9]+)*){tail}$", url)
        if found:
            language = found.group(1)
            break
    feed.feed["language"] = language
