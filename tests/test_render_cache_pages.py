"""Pages rendered once per their inputs (plugins/render_cache/pages.py, issue 12).

Every test builds a real site twice or more with the page cache, and once without it
(``RENDER_CACHE_PATH = None``), and compares every output file byte for byte: the cache
may only make a build faster, never change what it publishes. Hits are checked in
verify mode (``KPU_RENDER_CACHE_VERIFY=1``: every hit is rendered too and compared).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from approval_gate.api import MachineCache, finish_packs
from publishing.build import BuildResult, build_site
from render_cache.page_files import name_in
from sitekit import PACK_ROW, ROLES, Site, drop_packs, pack_rows

#: Whole-site builds in child processes: seconds each.
pytestmark = pytest.mark.slow

VERIFY = {"KPU_RENDER_CACHE_VERIFY": "1"}
#: The item pages and the cacheable direct templates of ``_site`` (listings are rendered).
ITEM_PAGES = {
    "berita/berita-satu/index.html",
    "berita/berita-dua/index.html",
    "berita/berita-tiga/index.html",
    "pengumuman/pengumuman-rapat/index.html",
    "profil/index.html",
}
OTHER_PAGES = {
    "404.html",
    "cari/index.html",
    "persetujuan/index.html",
    "persetujuan/periksa/index.html",
    "robots.txt",
}
#: The paginated listings of ``_site`` (one page each at ten items a page).
LISTING_PAGES = {
    "index.html",
    "kategori/berita/index.html",
    "kategori/pengumuman/index.html",
    "topik/pemilu/index.html",
    "penulis/kpu-kabupaten-rembang/index.html",
}
#: The period archives (a year, a month): their own items and the menu's counts are keyed.
PERIOD_PAGES = {"arsip/2026/index.html", "arsip/2026/11/index.html"}
CACHED = ITEM_PAGES | OTHER_PAGES | LISTING_PAGES | PERIOD_PAGES
#: The feeds of ``_site``, kept like pages (render_cache/feeds.py).
FEEDS = {
    f"feeds/{name}.{kind}.xml"
    for name in ("semua", "kategori-berita", "kategori-pengumuman", "penulis-kpu-kabupaten-rembang")
    for kind in ("atom", "rss")
} | {"feeds/semua-id.atom.xml"}


def _site(site: Site) -> tuple[Path, Path]:
    """Write three news items, an announcement and a page; return both settings files."""
    for slug, title in (("satu", "Berita Satu"), ("dua", "Berita Dua"), ("tiga", "Berita Tiga")):
        site.article(
            f"berita/{slug}.md",
            title,
            f"Isi berita {slug}. Lihat [yang lain]({{filename}}satu.md).\n\nParagraf kedua.",
            category="Berita",
            tags="pemilu",
            date=f"2026-11-{10 + len(slug)} 08:00",
        )
        site.approve_all(f"berita/{slug}.md")
    site.article(
        "pengumuman/rapat.md",
        "Pengumuman Rapat",
        "Rapat pleno terbuka.",
        category="Pengumuman",
        berlaku="2026-11-20 s.d. 2026-11-25",
    )
    site.approve_all("pengumuman/rapat.md")
    (site.content / "pages").mkdir(exist_ok=True)
    (site.content / "pages" / "profil.md").write_text("Title: Profil\nSlug: profil\n\nTentang.\n")
    site.approve_all("pages/profil.md")
    return _settings(site)


def _settings(site: Site, extra: str = "") -> tuple[Path, Path]:
    cache = site.root.parent / "render-cache"
    cached = site.write_settings(
        "dengan_cache.py", extra=f"RENDER_CACHE_PATH = {str(cache)!r}\n{extra}"
    )
    plain = site.write_settings("tanpa_cache.py", extra=f"RENDER_CACHE_PATH = None\n{extra}")
    return cached, plain


def _with_plugin(site: Site, name: str, text: str) -> tuple[Path, Path]:
    """Write a plugin of the site's own (``text``); return both settings files loading it."""
    (site.root / f"{name}.py").write_text(text)
    return _settings(site, f"sys.path.insert(0, str(site_root))\nPLUGINS = [*PLUGINS, {name!r}]\n")


def _cache(site: Site) -> Path:
    return site.root.parent / "render-cache"


def _build(site: Site, settings: Path, env: dict[str, str] | None = None) -> dict[str, bytes]:
    result: BuildResult = build_site(settings, site.output, {**os.environ, **(env or {})})
    assert result.manifest["included"], result.log
    return {p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.files()}


def _entries(site: Site) -> dict[Path, str]:
    """Return each page or feed entry of the cache with the stored file it names.

    The call records of pages with a helper over a whole list (render_cache/calls.py)
    are entries too, naming no file: they are left out here.
    """
    box = MachineCache(_cache(site), "halaman")
    found = {p: name_in(box.get(p.name)) for p in (_cache(site) / "halaman").rglob("*")}
    return {p: name for p, name in found.items() if name is not None}


def _records(site: Site) -> dict[Path, Any]:
    """Return the call records of the cache (render_cache/calls.py), decoded."""
    box = MachineCache(_cache(site), "halaman")
    found = {p: box.get(p.name) for p in (_cache(site) / "halaman").rglob("*") if p.is_file()}
    return {p: json.loads(v) for p, v in found.items() if v is not None and v.startswith(b"[")}


def _stats(site: Site) -> dict[str, Any]:
    stats: dict[str, Any] = json.loads((_cache(site) / "halaman-statistik.json").read_text())
    return stats


def _rewrite(site: Site, item: str, old: str, new: str) -> None:
    """Edit an item's text (``old`` becomes ``new``); the four roles approve it again."""
    source = site.content / item
    source.write_text(source.read_text().replace(old, new))
    site.approve_all(item)


def _same(cached: dict[str, bytes], plain: dict[str, bytes]) -> None:
    """Assert that two builds wrote the same files with the same bytes."""
    assert sorted(cached) == sorted(plain)
    assert [name for name in cached if cached[name] != plain[name]] == []


def test_an_unchanged_build_takes_every_cacheable_page_from_the_cache(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    first = _stats(site)
    assert set(first["halaman_dirender"]) == CACHED
    result = build_site(cached, site.output, {**os.environ, **VERIFY})
    again = {p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.files()}
    second = _stats(site)
    assert (second["dari_cache"], second["dirender"]) == (len(CACHED), 0)
    assert second["tanpa_cache"] == first["tanpa_cache"] > 0  # whole-list pages: each time
    assert second["periksa"] is True
    assert f"Halaman: {len(CACHED)} dari cache, 0 dirender" in result.log
    _same(again, _build(site, plain))


def test_one_edited_item_renders_only_its_own_page(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    source = site.content / "berita" / "dua.md"
    source.write_text(source.read_text().replace("Paragraf kedua.", "Paragraf DIUBAH."))
    site.approve_all("berita/dua.md")
    after = _build(site, cached, VERIFY)
    # its page, and the listings showing it (its summary comes from its text)
    assert set(_stats(site)["halaman_dirender"]) == {
        "berita/berita-dua/index.html",
        "index.html",
        "kategori/berita/index.html",
        "topik/pemilu/index.html",
        "penulis/kpu-kabupaten-rembang/index.html",
        *PERIOD_PAGES,  # its year and month, whose lists key each item whole
    }
    assert b"Paragraf DIUBAH." in after["berita/berita-dua/index.html"]
    _same(after, _build(site, plain))


def test_an_unchanged_build_takes_every_feed_from_the_cache(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    assert set(_stats(site)["umpan"]["dibuat_daftar"]) == FEEDS
    again = _build(site, cached, VERIFY)  # verify: each feed from the cache is made too
    feeds = _stats(site)["umpan"]
    assert (feeds["dari_cache"], feeds["dibuat"], feeds["tanpa_cache"]) == (len(FEEDS), 0, 0)
    assert b"<title>Berita Dua</title>" in again["feeds/semua.atom.xml"]
    _same(again, _build(site, plain))


def test_an_edited_item_makes_again_only_the_feeds_listing_it(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    _rewrite(site, "pengumuman/rapat.md", "Rapat pleno terbuka.", "Rapat DIUBAH.")
    after = _build(site, cached, VERIFY)
    assert set(_stats(site)["umpan"]["dibuat_daftar"]) == FEEDS - {
        "feeds/kategori-berita.atom.xml",  # only news: unchanged, from the cache
        "feeds/kategori-berita.rss.xml",
    }
    assert b"Rapat DIUBAH." in after["feeds/kategori-pengumuman.atom.xml"]
    _same(after, _build(site, plain))


def test_a_feed_follows_the_new_address_of_an_item_its_items_link_to(site: Site) -> None:
    """The announcement links to a news item that is in no feed of announcements."""
    cached, plain = _site(site)
    rapat = site.content / "pengumuman" / "rapat.md"
    link = ". [Berita]({filename}../berita/satu.md)\n"  # in its text, not in its summary
    rapat.write_text("Summary: Ringkasan.\n" + rapat.read_text().replace(".\n", link))
    site.approve_all("pengumuman/rapat.md")
    _build(site, cached)
    _rewrite(site, "berita/satu.md", "Date:", "Slug: satu-baru\nDate:")
    after = _build(site, cached, VERIFY)
    assert "feeds/kategori-pengumuman.atom.xml" in _stats(site)["umpan"]["dibuat_daftar"]
    assert b"berita/satu-baru/" in after["feeds/kategori-pengumuman.atom.xml"]
    _same(after, _build(site, plain))


def test_a_poisoned_feed_is_made_again_and_never_published(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    stored = _cache(site) / "halaman-berkas"
    names = _entries(site)
    feeds = [n for n in names.values() if (stored / n).read_bytes().startswith(b"<?xml")]
    assert len(feeds) == len(FEEDS)
    for name in feeds[:3]:  # a stored feed edited in place: it no longer hashes to its name
        (stored / name).chmod(0o644)
        (stored / name).write_bytes((stored / name).read_bytes()[:-7] + b"RACUN!!")
    after = _build(site, cached)  # not verify: the stored file itself must be refused
    assert _stats(site)["umpan"]["dibuat"] == 3
    assert site.hits("RACUN") == []
    _same(after, _build(site, plain))


#: A plugin of the site's own that changes every feed from the environment: the writer
#: cannot know what it reads, so no feed may come from the cache while it is connected.
FEED_PLUGIN = """
import os
from pelican import signals

def rights(context, feed):
    feed.feed["feed_copyright"] = os.environ.get("HAK_CIPTA", "-")

def register():
    signals.feed_generated.connect(rights)
"""


def test_with_an_unknown_feed_plugin_every_feed_is_made_as_without_cache(site: Site) -> None:
    _site(site)
    cached, plain = _with_plugin(site, "umpan_hak_cipta", FEED_PLUGIN)
    _build(site, cached, {"HAK_CIPTA": "Satu"})
    after = _build(site, cached, {"HAK_CIPTA": "Dua"})
    feeds = _stats(site)["umpan"]
    assert (feeds["dari_cache"], feeds["dibuat"], feeds["tanpa_cache"]) == (0, 0, len(FEEDS))
    assert _stats(site)["alasan_tanpa_cache"]["penerima sinyal umpan"] == len(FEEDS)
    assert b"<rights>Dua</rights>" in after["feeds/semua.atom.xml"]
    _same(after, _build(site, plain, {"HAK_CIPTA": "Dua"}))


def test_period_pages_follow_their_own_items_and_the_menus_periods(site: Site) -> None:
    """The archive menu's periods are keyed, not their counts (no period page shows
    another's count: a year page counts its months from its own items); other periods'
    items are not keyed either."""
    cached, plain = _site(site)
    october = "berita/oktober.md"
    site.article(october, "Berita Oktober", "Isi.", category="Berita", date="2026-10-05 08:00")
    site.approve_all(october)
    _build(site, cached)
    source = site.content / "berita" / "dua.md"  # November: its text, not its date
    source.write_text(source.read_text().replace("Paragraf kedua.", "Paragraf DIUBAH."))
    site.approve_all("berita/dua.md")
    _build(site, cached, VERIFY)  # verify: a stale cached page stops the build
    rendered = set(_stats(site)["halaman_dirender"])
    assert {"arsip/2026/index.html", "arsip/2026/11/index.html"} <= rendered
    assert "arsip/2026/10/index.html" not in rendered  # the counts did not move
    site.article("berita/nov.md", "Berita November", "Isi.", category="Berita", date="2026-11-02")
    site.approve_all("berita/nov.md")
    _build(site, cached, VERIFY)  # one item more in November: its own month and year only
    rendered = set(_stats(site)["halaman_dirender"])
    assert {p for p in rendered if p.startswith("arsip/")} == PERIOD_PAGES
    site.article("berita/sep.md", "Berita September", "Isi.", category="Berita", date="2026-09-01")
    site.approve_all("berita/sep.md")
    after = _build(site, cached, VERIFY)
    assert "arsip/2026/10/index.html" in set(_stats(site)["halaman_dirender"])  # the year's count
    assert b"September" in after["arsip/2026/index.html"]
    _same(after, _build(site, plain))


def test_an_item_linking_to_a_renamed_item_is_rendered_again(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    source = site.content / "berita" / "satu.md"
    source.write_text(source.read_text().replace("Date:", "Slug: satu-baru\nDate:"))
    site.approve_all("berita/satu.md")
    after = _build(site, cached, VERIFY)
    # every news item links to "satu": its new address is on all three pages and the
    # listings showing "satu"
    assert (
        set(_stats(site)["halaman_dirender"])
        == {
            "berita/satu-baru/index.html",
            "berita/berita-dua/index.html",
            "berita/berita-tiga/index.html",
        }
        | LISTING_PAGES - {"kategori/pengumuman/index.html"}
        | PERIOD_PAGES
    )
    _same(after, _build(site, plain))


def test_a_changed_template_or_setting_renders_every_page_again(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    base = site.root / "theme" / "templates" / "base.html"
    base.write_text(base.read_text().replace("Langsung ke isi utama", "Ke isi utama"))
    after = _build(site, cached, VERIFY)
    # robots.txt does not extend base.html: it is still the cached one
    assert set(_stats(site)["halaman_dirender"]) == CACHED - {"robots.txt"}
    assert b"Ke isi utama" in after["berita/berita-satu/index.html"]
    _same(after, _build(site, plain))
    cached, plain = _settings(site, "SITENAME = 'KPU Rembang Baru'\n")
    after = _build(site, cached, VERIFY)
    assert set(_stats(site)["halaman_dirender"]) == CACHED
    assert b"KPU Rembang Baru" in after["profil/index.html"]
    _same(after, _build(site, plain))


def test_added_and_withdrawn_items_come_out_exactly_as_without_cache(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    site.article("berita/empat.md", "Berita Empat TOKENBARU", "Isi baru.", category="Berita")
    site.approve_all("berita/empat.md")
    after = _build(site, cached, VERIFY)
    rendered = set(_stats(site)["halaman_dirender"])
    assert {
        "berita/berita-empat-tokenbaru/index.html",
        "persetujuan/index.html",  # "6 yang terbit"
        "index.html",
        "kategori/berita/index.html",
    } <= rendered
    assert not rendered & ITEM_PAGES  # no other item's page
    _same(after, _build(site, plain))
    for signoff in site.approvals.rglob("*"):
        if signoff.is_file() and "tiga" in signoff.relative_to(site.approvals).as_posix():
            signoff.unlink()  # the item is withdrawn: its sign-offs are gone
    after = _build(site, cached, VERIFY)
    assert "berita/berita-tiga/index.html" not in after
    assert site.hits("Berita Tiga") == []  # no page, listing, feed or sitemap names it
    assert site.hits("berita-tiga") == []
    _same(after, _build(site, plain))


def test_a_poisoned_cache_still_gives_exactly_the_right_pages(site: Site) -> None:
    cached, plain = _site(site)
    _build(site, cached)
    names = _entries(site)
    entries = sorted(names)
    assert len(entries) == len(CACHED) + len(FEEDS)  # the feeds' entries beside the pages'
    assert sorted(map(json.dumps, _records(site).values())) == [
        '[["current_announcements", "articles"], ["kinds_counted", "articles"]]',  # home
        '[["months_counted", "dates"]]',  # the year page
        "[]",  # the month page
    ]
    stored = _cache(site) / "halaman-berkas"  # an entry names its page's file (page_files.py)
    texts = {p: (stored / names[p]).read_bytes() for p in entries}
    one = next(
        p for p, text in texts.items() if b'<h1 data-pagefind-meta="title">Berita Satu<' in text
    )
    two = next(
        p for p, text in texts.items() if b'<h1 data-pagefind-meta="title">Berita Dua<' in text
    )
    shutil.copyfile(one, two)  # item one's entry under item two's key
    others = [p for p in entries if p not in (one, two) and not texts[p].startswith(b"<?xml")]
    others[0].write_bytes(b"RACUN")
    others[1].write_bytes(others[1].read_bytes()[:-7] + b"RACUN!!")
    drop_packs(_cache(site))
    after = _build(site, cached, VERIFY)
    assert b"Berita Dua" in after["berita/berita-dua/index.html"]
    assert _stats(site)["dirender"] == 3
    assert site.hits("RACUN") == []
    _same(after, _build(site, plain))


def test_damaged_packs_give_exactly_the_right_pages(site: Site) -> None:
    """A pack holds what the last build read (cache_pack.py); each of its blobs passes the
    same seal check as the entry's own file, so an edited or swapped one is never used."""
    cached, plain = _site(site)
    _build(site, cached)
    packs = {pack.name: pack for pack in _cache(site).glob("*.pak")}
    assert set(packs) == {"halaman.pak", "halaman-templat.pak", "markdown.pak", "catatan.pak"}
    for pack in packs.values():  # a byte of every blob edited
        data = bytearray(pack.read_bytes())
        for _, offset, length in pack_rows(pack):
            data[offset + length // 2] ^= 0x01
        pack.write_bytes(bytes(data))
    _build(site, cached)  # the files again: packed anew
    pack = packs["halaman.pak"]  # two entries' blobs swapped under each other's key
    data = bytearray(pack.read_bytes())
    (one, at_one, size_one), (two, at_two, size_two) = pack_rows(pack)[:2]
    PACK_ROW.pack_into(data, 12, one, at_two, size_two)
    PACK_ROW.pack_into(data, 12 + PACK_ROW.size, two, at_one, size_one)
    pack.write_bytes(bytes(data))
    after = _build(site, cached, VERIFY)
    assert _stats(site)["dirender"] == 0  # each entry's own file, checked and right
    _same(after, _build(site, plain))


def test_poisoned_or_stale_template_analyses_still_give_exactly_the_right_pages(
    site: Site,
) -> None:
    """A template's closure is kept between builds; a stale or bad one is never trusted."""
    cached, plain = _site(site)
    _build(site, cached)
    folder = _cache(site) / "halaman-templat"
    kept = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert kept  # the closures were stored
    article = site.root / "theme" / "templates" / "article.html"
    article.write_text(
        article.read_text().replace(
            "{% block content %}", "{% block content %}{{ article.filename }}"
        )
    )
    after = _build(site, cached, VERIFY)  # article.html's stored closure is now stale
    stats = _stats(site)
    assert not {"berita/berita-satu/index.html", "berita/berita-dua/index.html"} & set(
        stats["halaman_dirender"]
    )
    assert stats["tanpa_cache"] >= 3  # the item pages are rendered, never from the cache
    assert b"berita/satu.md" in after["berita/berita-satu/index.html"]
    _same(after, _build(site, plain))
    paths = sorted(kept)
    for path, text in kept.items():  # every entry back, then each one poisoned
        path.write_bytes(text)
    paths[0].write_bytes(b"RACUN")
    if len(paths) > 2:
        shutil.copyfile(paths[1], paths[2])  # one template's entry under another's key
    drop_packs(_cache(site))
    _same(_build(site, cached, VERIFY), _build(site, plain))


def test_a_template_reading_unknown_parts_of_an_item_is_never_cached(site: Site) -> None:
    cached, plain = _site(site)
    article = site.root / "theme" / "templates" / "article.html"
    article.write_text(
        article.read_text().replace(
            "{% block content %}", "{% block content %}{{ article.filename }}"
        )
    )
    _build(site, cached)
    stats = _stats(site)
    assert not ITEM_PAGES & set(stats["halaman_dirender"]) - {"profil/index.html"}
    again = _build(site, cached)
    assert _stats(site)["tanpa_cache"] == stats["tanpa_cache"]
    _same(again, _build(site, plain))


def test_an_announcement_that_expired_between_builds_is_shown_as_expired(site: Site) -> None:
    cached, plain = _site(site)
    before = _build(site, cached)
    assert b"Pengumuman terkini" in before["index.html"]
    cached, plain = _settings(site, "APPROVAL_GATE_NOW = '2026-11-27T10:00:00+07:00'\n")
    after = _build(site, cached, VERIFY)
    assert b"Pengumuman terkini" not in after["index.html"]
    _same(after, _build(site, plain))


def test_a_preview_beside_the_cache_never_puts_a_draft_on_the_site(site: Site) -> None:
    from previewkit import preview

    cached, plain = _site(site)
    site.article("berita/draf.md", "Draf RAHASIADRAF", "Belum disetujui RAHASIADRAF.")
    _build(site, cached)
    site.settings = cached
    preview(site)
    assert (
        b"RAHASIADRAF"
        in (
            site.root / "var" / "pratinjau" / "berita" / "draf-rahasiadraf" / "index.html"
        ).read_bytes()
    )
    preview_cache = _cache(site).with_name("render-pratinjau")
    assert not (preview_cache / "halaman").exists()  # the preview's own writer renders
    if preview_cache.exists():  # the preview's cache folder, key and all, over the build's
        shutil.copytree(preview_cache, _cache(site), dirs_exist_ok=True)
    after = _build(site, cached, VERIFY)
    assert site.hits("RAHASIADRAF") == []
    _same(after, _build(site, plain))


def _listing_site(site: Site) -> tuple[Path, Path]:
    """``_site`` with two items a page: the listings have several pages."""
    _site(site)
    for number in range(4, 9):
        site.article(
            f"berita/b{number}.md",
            f"Berita Nomor {number}",
            f"Isi berita nomor {number}.",
            category="Berita",
            date=f"2026-11-{number:02d} 08:00",
        )
        site.approve_all(f"berita/b{number}.md")
    return _settings(site, "DEFAULT_PAGINATION = 2\n")


def test_listing_pages_are_cached_per_page_and_follow_their_items(site: Site) -> None:
    cached, plain = _listing_site(site)
    _build(site, cached)
    stored = set(_stats(site)["halaman_dirender"])
    assert {"index2.html", "kategori/berita/index3.html"} <= stored
    _same(_build(site, cached, VERIFY), _build(site, plain))
    assert _stats(site)["dirender"] == 0
    source = site.content / "berita" / "b6.md"
    source.write_text(source.read_text().replace("nomor 6.", "nomor 6 DIUBAH."))
    site.approve_all("berita/b6.md")
    after = _build(site, cached, VERIFY)
    showing = {name for name in stored if b"/berita-nomor-6/" in after[name]}
    assert "kategori/berita/index.html" not in showing  # it is on a later page
    assert set(_stats(site)["halaman_dirender"]) == showing | {"berita/berita-nomor-6/index.html"}
    _same(after, _build(site, plain))


def test_an_added_item_leaves_the_older_listing_pages_as_they_were(site: Site) -> None:
    """A new item goes to the first page of its listings; the older pages keep their items
    (site_theme/paging.py), so they are neither rendered again nor changed. The home
    listing grows from nine to ten items (two a page): a full page is split off its first
    page, and the page before it now links to that page instead of the first."""
    cached, plain = _listing_site(site)
    before = _build(site, cached)
    site.article(
        "berita/baru.md", "Berita Paling Baru", "Isi.", category="Berita", date="2026-11-20 09:00"
    )
    site.approve_all("berita/baru.md")
    after = _build(site, cached, VERIFY)
    author = "penulis/kpu-kabupaten-rembang"
    older = {"index2.html", "index3.html", f"{author}/index2.html", f"{author}/index3.html"}
    older |= {f"kategori/berita/index{n}.html" for n in (2, 3, 4)}  # 8 -> 9 items: no split
    assert all(after[name] == before[name] for name in older)
    assert "index5.html" not in before  # split off the first page: the two items below it
    assert set(_stats(site)["halaman_dirender"]) == {
        "berita/berita-paling-baru/index.html",
        *("index.html", "index4.html", "index5.html"),  # index4: its newer page is index5
        *(f"{author}/index.html", f"{author}/index4.html", f"{author}/index5.html"),
        "kategori/berita/index.html",
        *("arsip/2026/index.html", "arsip/2026/11/index.html", "persetujuan/index.html"),
    }
    _same(after, _build(site, plain))


def test_the_folders_made_meanwhile_are_only_those_of_pages_written(site: Site) -> None:
    """The worker makes item folders; an unapproved item gets none, and none stays empty."""
    cached, plain = _site(site)
    site.article("berita/rahasia.md", "Berita Rahasia", "Belum disetujui.", category="Berita")
    site.approve_all("berita/rahasia.md", ROLES[:2])  # half-way through the SOP: unpublished
    after = _build(site, cached)
    assert not any("rahasia" in name for name in after)
    folders = [p for p in site.output.rglob("*") if p.is_dir()]
    assert not [p for p in folders if "rahasia" in p.name]
    assert not [p for p in folders if not any(p.iterdir())]  # every folder holds a page
    assert "berita/berita-satu/index.html" in after
    _same(after, _build(site, plain))


def test_the_folder_worker_makes_exactly_the_planned_items_folders(tmp_path: Path) -> None:
    from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator

    from render_cache import folders

    articles = object.__new__(ArticlesGenerator)
    articles.translations = [SimpleNamespace(save_as="en/berita/satu/index.html")]
    articles.articles = [
        SimpleNamespace(save_as="berita/satu/index.html"),
        SimpleNamespace(save_as="berita/dua/index.html"),
        SimpleNamespace(save_as=""),  # not written at all
        SimpleNamespace(save_as="../di-luar/index.html"),  # outside the output: refused
    ]
    articles.hidden_articles = [SimpleNamespace(save_as="tersembunyi/x/index.html")]
    pages = object.__new__(PagesGenerator)
    pages.translations, pages.pages = [], [SimpleNamespace(save_as="profil/index.html")]
    static = object.__new__(StaticGenerator)
    static.staticfiles = [SimpleNamespace(save_as="lampiran/x.pdf")]
    folders.plan([articles, pages, static])
    output = tmp_path / "keluaran"
    output.mkdir()
    maker = folders.FolderMaker(str(output))
    maker.thread.join()
    maker.finish()
    made = sorted(p.relative_to(output).as_posix() for p in output.rglob("*"))
    assert made == [
        "berita",
        "berita/dua",
        "berita/satu",
        "en",
        "en/berita",
        "en/berita/satu",
        "profil",
    ]
    assert not (tmp_path / "di-luar").exists()


def test_an_edited_announcement_renders_again_only_the_home_page_that_shows_it(
    site: Site,
) -> None:
    """The current announcements are shown on the home page's first page only: the other
    pages of the home listing never called that helper, so its result is not theirs."""
    cached, plain = _listing_site(site)
    _build(site, cached)
    stored = set(_stats(site)["halaman_dirender"])
    home = {name for name in stored if name.startswith("index")}
    assert len(home) == 4
    records = _records(site)  # one call record per page of the home listing, the period pages'
    assert len(records) == len(home) + len(PERIOD_PAGES)
    assert sorted(map(json.dumps, records.values())) == [
        '[["current_announcements", "articles"], ["kinds_counted", "articles"]]',  # first page
        '[["months_counted", "dates"]]',  # the year page
        *["[]"] * 4,  # three older home pages, the month page
    ]
    _rewrite(site, "pengumuman/rapat.md", "Rapat pleno terbuka.", "Rapat pleno DIUNDUR.")
    after = _build(site, cached, VERIFY)
    showing = {name for name in stored if b"/pengumuman-rapat/" in after[name]}
    assert "index.html" in showing and len(home - showing) >= 3  # pages not showing it
    assert set(_stats(site)["halaman_dirender"]) == showing | {
        "pengumuman/pengumuman-rapat/index.html"
    }
    assert b"Rapat pleno DIUNDUR." in after["pengumuman/pengumuman-rapat/index.html"]
    _same(after, _build(site, plain))


#: The call record of the home listing's first page (``index.html``).
RECORD = b'[["current_announcements","articles"],["kinds_counted","articles"]]'


def test_a_wrong_or_damaged_call_record_only_makes_the_page_render_again(site: Site) -> None:
    """A call record names what the page's entry is keyed by: one that lies (no call,
    another list, another helper, not a record at all) finds no entry, never a stale one."""
    cached, plain = _listing_site(site)
    _build(site, cached)
    box = MachineCache(_cache(site), "halaman")
    (first,) = [p for p, calls in _records(site).items() if ["kinds_counted", "articles"] in calls]
    for lie in (
        b"[]",
        b'[["current_announcements","dates"]]',
        b'[["kinds_nav","articles"]]',
        b'[["current_announcements","articles"],["current_announcements","articles"]]',
        b'[["current_announcements","articles"]]',  # one call left out
        b"RACUN",
    ):
        box.put(first.name, lie)  # sealed with this machine's own key: only its content lies
        drop_packs(_cache(site))
        after = _build(site, cached, VERIFY)
        assert _stats(site)["halaman_dirender"] == ["index.html"]
        assert box.get(first.name) == RECORD  # recorded
        assert b"Pengumuman terkini" in after["index.html"]
        _same(after, _build(site, plain))
    box = MachineCache(_cache(site), "halaman", packed=True)
    drop_packs(_cache(site))
    box.put(first.name, b"[]")  # the lie packed (cache_pack.py), its file then made true
    assert finish_packs() == 1
    MachineCache(_cache(site), "halaman").put(first.name, RECORD)
    after = _build(site, cached, VERIFY)
    assert _stats(site)["halaman_dirender"] == ["index.html"]
    _same(after, _build(site, plain))
    first.write_bytes(b"RACUN")  # not sealed at all
    drop_packs(_cache(site))
    _same(_build(site, cached, VERIFY), _build(site, plain))
    assert _stats(site)["halaman_dirender"] == ["index.html"]


#: A plugin of the site's own that counts the collections of the cycle collector, by the
#: generation asked for, into the file ``KPU_GC_LOG`` names when the build ends.
GC_PLUGIN = """
import gc
import os
from pelican import signals

asked = []
collect = gc.collect

def counting(generation=2):
    asked.append(generation)
    return collect(generation)

def start(pelican):
    gc.collect = counting

def end(pelican):
    with open(os.environ["KPU_GC_LOG"], "w") as log:
        log.write(" ".join(map(str, asked)))

def register():
    signals.initialized.connect(start)
    signals.finalized.connect(end)
"""


def test_rendering_many_pages_frees_their_cycles_every_twenty_renders(site: Site) -> None:
    """After a theme change every page is rendered again; its cycles must not pile up."""
    _site(site)
    cached, _plain = _with_plugin(site, "hitung_gc", GC_PLUGIN)
    log = site.root.parent / "gc.log"
    _build(site, cached, {"KPU_GC_LOG": str(log)})  # the first build: every page rendered
    stats = _stats(site)
    renders = stats["dirender"] + stats["tanpa_cache"]
    assert renders >= 20, stats
    assert log.read_text().split().count("1") == renders // 20
