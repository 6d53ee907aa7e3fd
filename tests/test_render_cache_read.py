"""Markdown converted once per digest: the cache only ever makes the build faster.

Whole sites are built the way ``invoke build`` builds them, with and without
``RENDER_CACHE_PATH``, cold and warm, through the pool and around it; every file of the
output must be byte-identical. Poisoned entries (edited bytes, another item's entry,
another machine's key, an older MARKDOWN setting) must change nothing, an edited item
shows its new text, and the gate alone decides what is published.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pelican.contents import Article
from pelican.readers import METADATA_PROCESSORS, MarkdownReader
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Category

from approval_gate.api import MachineCache, cache_key
from publishing.build import build_site
from render_cache import dates, memo, page_files, readers
from site_theme import formats
from sitekit import ROLES, Site, drop_packs

#: A settings file line that puts the cache under the site's machine state.
CACHE = "RENDER_CACHE_PATH = str(site_root / 'var' / 'render')\n"
#: The same, and every uncached Markdown file goes through the pool (test-only: the
#: settings file runs in the build's process), with a record of what the pool stored.
POOL = CACHE + (
    "import render_cache.pool as _pool\n"
    "_pool.THRESHOLD = 0\n"
    "_pool._cores = lambda: 2\n"
    "_run = _pool.run_pool\n"
    "def _spy(jobs):\n"
    "    stored = _run(jobs)\n"
    "    (site_root / 'var' / 'pool.txt').write_text(str(stored))\n"
    "    return stored\n"
    "_pool.run_pool = _spy\n"
)
RICH = (
    "Paragraf pertama TOKENSATU dengan *miring*[^1] dan `kode`.\n\n"
    "| Kolom | Nilai |\n|---|---|\n| a | 1 |\n\n"
    "```python\nprint('halo')\n```\n\n[^1]: Catatan kaki.\n"
)


def _snapshot(output: Path) -> dict[str, bytes]:
    return {
        p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()
    }


def _build(site: Site, settings: Path) -> dict[str, bytes]:
    build_site(settings, site.output, state_dir=site.root / "var", search=False)
    return _snapshot(site.output)


def _write(site: Site, item: str, data: bytes) -> None:
    (site.content / item).parent.mkdir(parents=True, exist_ok=True)
    (site.content / item).write_bytes(data)


def _fill(site: Site) -> list[str]:
    """Write four approved items (one with BOM and CRLF) and one short of a sign-off."""
    site.article("berita/satu.md", "Satu", RICH, summary="Ringkasan *SATU* [tautan](/x/)")
    site.article("berita/dua.md", "Dua", "Isi TOKENDUA.", tags="pemilu, rapat")
    _write(
        site,
        "berita/tiga.md",
        b"\xef\xbb\xbfTitle: Tiga\r\nDate: 2026-11-19 07:30\r\nSummary: Baris satu\r\n"
        b"    baris dua TOKENRINGKAS\r\n\r\nIsi TOKENTIGA\r\nbaris kedua.\r\n",
    )
    site.article("pages/profil.md", "Profil", "Profil TOKENPROFIL.")
    items = ["berita/satu.md", "berita/dua.md", "berita/tiga.md", "pages/profil.md"]
    for item in items:
        site.approve_all(item)
    site.article("berita/belum.md", "Belum", "Rahasia TOKENBELUM.")
    for role in ROLES[:-1]:
        site.sign("berita/belum.md", role)
    return items


def _cache(site: Site) -> MachineCache:
    return MachineCache(site.root / "var" / "render", readers.NAMESPACE)


def _entries(site: Site) -> dict[str, dict]:
    """Return the stored entries by the sha256 of the source they were made from."""
    cache = _cache(site)
    found = {}
    for path in (cache.folder / cache.namespace).rglob("*"):
        if path.is_file():
            data = cache.get(path.name)
            assert data is not None
            entry = json.loads(data)
            found[entry["source"]] = {"key": path.name, **entry}
    return found


def _source(site: Site, item: str) -> str:
    return hashlib.sha256((site.content / item).read_bytes()).hexdigest()


def test_cached_builds_are_byte_identical_and_poison_changes_nothing(site: Site) -> None:
    items = _fill(site)
    plain = _build(site, site.write_settings("plain.py", extra="RENDER_CACHE_PATH = None\n"))
    assert not (site.root / "var" / "render").exists()  # no cache: the plugin did nothing
    cached = site.write_settings("cached.py", extra=CACHE)
    assert _build(site, cached) == plain  # cold
    entries = _entries(site)
    assert set(entries) == {_source(site, i) for i in [*items, "berita/belum.md"]}
    assert _build(site, cached) == plain  # warm

    # The cache is really read: a sealed entry under the right key is what the page shows.
    cache, dua = _cache(site), entries[_source(site, "berita/dua.md")]
    real = cache.get(dua["key"])
    cache.put(dua["key"], real.replace(b"TOKENDUA", b"TOKENDARICACHE"))  # type: ignore[union-attr]
    drop_packs(cache.folder)  # the pack holds the entry as the last build read it
    _build(site, cached)
    assert "berita/dua/index.html" in site.hits("TOKENDARICACHE")
    cache.put(dua["key"], real)  # type: ignore[arg-type]

    # Poison: edited bytes, another item's entry, another machine's key, older settings.
    satu, tiga = entries[_source(site, "berita/satu.md")], entries[_source(site, "berita/tiga.md")]
    profil = entries[_source(site, "pages/profil.md")]
    shutil.copyfile(cache.path_of(satu["key"]), cache.path_of(tiga["key"]))
    path = cache.path_of(satu["key"])
    path.write_bytes(path.read_bytes().replace(b"TOKENSATU", b"RACUN"))
    other = MachineCache(site.root / "lain", readers.NAMESPACE)
    other.put(profil["key"], json.dumps({**profil, "content": "<p>RACUN</p>"}).encode())
    shutil.copyfile(other.path_of(profil["key"]), cache.path_of(profil["key"]))
    older = {**DEFAULT_CONFIG["MARKDOWN"], "extensions": ["markdown.extensions.meta"]}
    stale = readers.convert("Title: Dua\nDate: 2026-11-20 08:00\n\nIsi RACUN.", older, ["summary"])
    stale_print = readers.fingerprint(older, ["summary"], readers.CachingMarkdown)
    cache.put(dua["key"], readers.encode(stale, dua["source"], stale_print))
    drop_packs(cache.folder)
    assert _build(site, cached) == plain
    assert site.hits("RACUN") == []
    _poisoned_pages(site, cached, plain)


def test_edited_item_shows_its_new_text(site: Site) -> None:
    _fill(site)
    cached = site.write_settings("cached.py", extra=CACHE)
    _build(site, cached)
    site.article("berita/dua.md", "Dua", "Isi TOKENBARU.", tags="pemilu, rapat")
    assert site.hits("TOKENDUA") != []  # the old page, before the build
    _build(site, cached)
    assert site.hits("TOKENDUA") == []  # edited, not re-approved: the gate holds it back
    assert site.hits("TOKENBARU") == []
    site.approve_all("berita/dua.md")
    after = _build(site, cached)
    assert site.hits("TOKENDUA") == []
    assert "TOKENBARU" in after["berita/dua/index.html"].decode()
    plain = site.write_settings("plain.py", extra="RENDER_CACHE_PATH = None\n")
    assert _build(site, plain) == after


def test_unapproved_item_never_published_through_the_cache(site: Site) -> None:
    _fill(site)
    cached = site.write_settings("cached.py", extra=CACHE)
    first = _build(site, cached)
    assert site.hits("TOKENBELUM") == []
    # Its conversion is cached (Pelican reads every file), and an approved item's key
    # now holds the unapproved text, sealed with the right key: still never published.
    entries = _entries(site)
    belum, dua = entries[_source(site, "berita/belum.md")], entries[_source(site, "berita/dua.md")]
    cache = _cache(site)
    cache.put(dua["key"], readers.encode(belum, belum["source"], belum["fingerprint"]))
    assert _build(site, cached) == first
    assert site.hits("TOKENBELUM") == []


@pytest.mark.slow
def test_pool_fills_the_cache_and_changes_nothing(site: Site) -> None:
    items = _fill(site)
    for number in range(12):
        item = site.article(f"berita/massal-{number}.md", f"Massal {number}", f"{RICH}\n{number}")
        site.approve_all(item)
    plain = _build(site, site.write_settings("plain.py", extra="RENDER_CACHE_PATH = None\n"))
    pooled = site.write_settings("pooled.py", extra=POOL)
    assert _build(site, pooled) == plain
    assert (site.root / "var" / "pool.txt").read_text() == str(len(items) + 12 + 1)
    assert len(_entries(site)) == len(items) + 12 + 1
    (site.root / "var" / "pool.txt").unlink()
    assert _build(site, pooled) == plain  # warm: nothing left for the pool
    assert not (site.root / "var" / "pool.txt").exists()
    # Workers that die: Pelican converts the files they had, the output is the same.
    shutil.rmtree(site.root / "var" / "render")
    crash = POOL + "_pool.WORKER_CODE = 'import os; os._exit(3)'\n"
    assert _build(site, site.write_settings("crash.py", extra=crash)) == plain
    stored = int((site.root / "var" / "pool.txt").read_text())
    assert 0 < stored < len(items) + 12 + 1  # this process's share only
    assert len(_entries(site)) == len(items) + 12 + 1  # Pelican's reads filled it


def test_bad_cache_path_names_the_settings_file_and_key(site: Site) -> None:
    site.article("berita/dua.md", "Dua", "Isi.")
    settings = site.write_settings(
        "salah.py", extra="RENDER_CACHE_PATH = str(site_root / 'content' / 'cache')\n"
    )
    from publishing.build import BuildFailed

    with pytest.raises(BuildFailed) as caught:
        build_site(settings, site.output, state_dir=site.root / "var", search=False)
    assert (
        "salah.py: Nilai pengaturan 'RENDER_CACHE_PATH': diharapkan jalur folder cache di "
        "mesin ini (di luar folder isi dan folder hasil), atau None, tetapi diterima "
    ) in caught.value.message
    assert "Folder itu berada di dalam folder isi (PATH)." in caught.value.message


def test_url_memo_gives_pelicans_own_urls() -> None:
    """Every pattern and value gives what Pelican's own formatting gives (memo or not)."""
    memo.install()
    settings = {**DEFAULT_CONFIG, "ARTICLE_URL": "{category}/{slug}/{date:%Y/%m}/"}
    zones = (ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura"), datetime.UTC)
    for zone in zones:
        for settings_url in (
            "{category}/{slug}/{date:%Y-%m-%d %H}/",
            "{path}.{lang}/{author}",
            "{title!r}/{date.year}",
            "{0}",
            "{nothing}",
        ):
            settings["ARTICLE_URL"] = settings_url
            moment = datetime.datetime(2026, 12, 31, 20, 0, tzinfo=datetime.UTC)
            metadata = {"title": "T", "date": moment.astimezone(zone), "slug": "s"}
            metadata["category"] = Category("Berita Utama", settings)
            article = Article(
                "isi", metadata=metadata, settings=settings, source_path="/situs/berita/t.md"
            )
            try:
                expected = memo._ORIGINAL["content"](article, "url", "article")
            except (IndexError, KeyError):
                with pytest.raises((IndexError, KeyError)):
                    article.url  # noqa: B018
                continue
            assert article.url == expected == article.url


def test_slug_memo_gives_pelicans_own_slugs() -> None:
    """Every name and setting gives Pelican's own slug, asked once or again (memo.slug)."""
    from pelican import urlwrappers
    from pelican.urlwrappers import Tag

    memo.install()
    assert urlwrappers.slugify is memo.slug
    own = memo._ORIGINAL["slugify"]
    subs = DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"]
    names = ["Berita Utama", "berita utama", "Pemilu 2024!", "Ç a va", "  ", "A/B", "Ünï"]
    for name in names * 2:
        for regex_subs in (subs, [list(s) for s in subs], [("a", "x")], []):
            for case, uni in ((False, False), (True, False), (False, True), (1, 0)):
                expected = own(name, regex_subs=regex_subs, preserve_case=case, use_unicode=uni)
                assert memo.slug(name, regex_subs, case, uni) == expected
                settings = {
                    **DEFAULT_CONFIG,
                    "TAG_REGEX_SUBSTITUTIONS": regex_subs,
                    "SLUGIFY_PRESERVE_CASE": case,
                    "SLUGIFY_USE_UNICODE": uni,
                }
                assert Tag(name, settings).slug == expected


def test_relative_source_path_memo_gives_pelicans_own_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative and absolute content folders, odd names, another working folder (memo)."""
    from pelican.contents import Article, Content

    memo.install()
    assert Content.get_relative_source_path is memo.relative_source_path
    own = memo._ORIGINAL["relative"]
    (tmp_path / "situs" / "content").mkdir(parents=True)
    (tmp_path / "lain").mkdir()
    bases = ["content", "./content", str(tmp_path / "situs" / "content"), "content/../content"]
    sources = [
        "berita/a.md",
        "content/berita/a.md",
        str(tmp_path / "situs" / "content" / "berita" / "b c.md"),
        "../luar.md",
        "berita//ganda/./x.md",
        "pengumuman/ü ñ.md",
    ]
    for folder in (tmp_path / "situs", tmp_path / "lain", tmp_path / "situs"):
        monkeypatch.chdir(folder)
        for base in bases:
            settings = {**DEFAULT_CONFIG, "PATH": base}
            for source in sources:
                item = Article("<p>x</p>", {"title": "x"}, settings=settings, source_path=source)
                expected = own(item)
                assert item.get_relative_source_path() == expected, (folder, base, source)
                assert item.relative_source_path == expected
                other = sources[0]
                assert item.get_relative_source_path(other) == own(item, other)
    item = Article("<p>x</p>", {"title": "x"}, settings=dict(DEFAULT_CONFIG), source_path=None)
    assert item.get_relative_source_path() is None


def test_date_memo_gives_babels_own_text() -> None:
    from babel.dates import format_date, format_time

    day = datetime.datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    for minutes in range(0, 24 * 60 * 3, 7):
        for zone in (ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), datetime.UTC):
            moment = (day + datetime.timedelta(minutes=minutes)).astimezone(zone)
            assert formats.tanggal(moment) == format_date(moment, "d MMMM y", locale="id")
            assert formats.tanggal(moment.date()) == format_date(
                moment.date(), "d MMMM y", locale="id"
            )
            shown = formats.tanggal_waktu(moment)
            assert f" pukul {format_time(moment, 'HH.mm', locale='id')}" in shown


def test_entry_names_what_it_was_made_from() -> None:
    """An entry that does not name the bytes and fingerprint asked for is never used."""
    data = readers.convert("Title: A\n\nIsi.", DEFAULT_CONFIG["MARKDOWN"], ["summary"])
    blob = readers.encode(data, "a" * 64, "sidik")
    assert readers._entry(blob, "a" * 64, "sidik") is not None
    assert readers._entry(blob, "b" * 64, "sidik") is None
    assert readers._entry(blob, "a" * 64, "lain") is None
    assert readers._entry(b"{", "a" * 64, "sidik") is None
    for bad in ({"meta": [["title"]]}, {"meta": [["title", [1]]]}, {"formatted": {"a": 1}}):
        assert (
            readers._entry(readers.encode({**data, **bad}, "a" * 64, "sidik"), "a" * 64, "sidik")
            is None
        )
    assert readers._entry(None, "a" * 64, "sidik") is None
    assert cache_key("markdown", "a") != cache_key("markdown", "b")


# --- pages kept as files and linked (page_files.py), dates without dateutil (dates.py) ---


def _page_name(site: Site, page: str) -> str:
    return hashlib.sha256((site.output / page).read_bytes()).hexdigest()


def _poisoned_pages(site: Site, cached: Path, plain: dict[str, bytes]) -> None:
    """After a warm build: pages are links to stored files, and damaged ones are redone."""
    store = site.root / "var" / "render" / page_files.FOLDER
    page = site.output / "berita" / "dua" / "index.html"
    kept = store / _page_name(site, "berita/dua/index.html")
    assert (page.stat().st_ino, kept.stat().st_mode & 0o777) == (kept.stat().st_ino, 0o444)

    # Poison: edited in place (the last output's link changes with it), a symlink in
    # its place, removed. Each page is rendered again, in verify mode, and stored again.
    edited = store / _page_name(site, "berita/satu/index.html")
    edited.chmod(0o644)
    edited.write_bytes(edited.read_bytes().replace(b"TOKENSATU", b"RACUN"))
    linked = store / _page_name(site, "berita/tiga/index.html")
    linked.unlink()
    (site.root / "racun.html").write_text("RACUN")
    linked.symlink_to(site.root / "racun.html")
    (store / _page_name(site, "profil/index.html")).unlink()
    build_site(
        cached,
        site.output,
        {**os.environ, "KPU_RENDER_CACHE_VERIFY": "1"},
        state_dir=site.root / "var",
        search=False,
    )
    assert _snapshot(site.output) == plain
    assert site.hits("RACUN") == []
    stats = json.loads((site.root / "var" / "render" / "halaman-statistik.json").read_text())
    assert sorted(stats["halaman_dirender"]) == [
        "berita/satu/index.html",
        "berita/tiga/index.html",
        "profil/index.html",
    ]
    kept = store / _page_name(site, "berita/tiga/index.html")
    assert (
        not kept.is_symlink()
        and kept.stat().st_ino == (site.output / "berita/tiga/index.html").stat().st_ino
    )


def test_a_page_is_never_written_through_a_file_already_in_the_output(tmp_path: Path) -> None:
    files, output = page_files.PageFiles(tmp_path / "cache"), tmp_path / "output"
    output.mkdir()
    old = files.store(b"halaman lama", str(output / "a.html"))
    os.link(output / "a.html", output / "b.html")  # another build's link to the stored page
    new = files.store(b"halaman baru", str(output / "b.html"))
    page_files.write_fresh(str(output / "a.html"), b"tanpa cache")
    assert (files.folder / old).read_bytes() == b"halaman lama"
    assert files.place(old, str(output / "b.html")) == b"halaman lama"  # replaces b
    assert (files.folder / new).read_bytes() == b"halaman baru"

    # A stored page that is not what its name says is removed from both places.
    (files.folder / new).chmod(0o644)
    (files.folder / new).write_bytes(b"RACUN")
    assert files.place(new, str(output / "c.html")) is None
    assert not (output / "c.html").exists() and not (files.folder / new).exists()
    assert page_files.name_in(b"RACUN") is None and page_files.name_in(new.encode()) == new
    files.close()


def test_quick_dates_are_pelicans_own() -> None:
    reader = readers.caching_class(MarkdownReader)({**DEFAULT_CONFIG, "RENDER_CACHE_PATH": "/x"})
    forms = [
        "2026-11-19 07:30",
        "2026-11-19",
        "2026-11-19T07:30:05",
        "2026-11-19_07:30",
        "2026-11-19  07:30",
        "2024-02-29 23:59:59",
        "0001-01-01",
        "2026-05-06",
    ]
    for text in forms:
        for name in ("date", "modified"):
            try:
                want = METADATA_PROCESSORS[name](text, reader.settings)
            except ValueError:
                continue
            got = reader.process_metadata(name, text)
            assert (got, type(got), got.tzinfo) == (want, type(want), want.tzinfo), text
    assert dates.quick_date("2026-11-19 07:30") is not None
    for wrong in ("2026-13-01", "2025-02-29", "2026-11-19 24:00", "2026-11-19 07:60"):
        assert dates.quick_date(wrong) is None  # Pelican reads it (or says why it cannot)
        with pytest.raises(ValueError, match="is not a valid date"):
            reader.process_metadata("date", wrong)


def test_a_stored_page_is_copied_where_it_cannot_be_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, output = page_files.PageFiles(tmp_path / "cache"), tmp_path / "output"
    output.mkdir()
    name = files.store(b"halaman", str(output / "a.html"))
    bad = files.store(b"lain", str(output / "b.html"))

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(18, "Invalid cross-device link")  # EXDEV: another file system

    monkeypatch.setattr(page_files.os, "link", refused)
    assert files.place(name, str(output / "c.html")) == b"halaman"
    assert (output / "c.html").read_bytes() == b"halaman"
    assert (output / "c.html").stat().st_ino != (files.folder / name).stat().st_ino
    (files.folder / bad).chmod(0o644)
    (files.folder / bad).write_bytes(b"RACUN")
    assert files.place(bad, str(output / "d.html")) is None  # rendered instead
    assert not (output / "d.html").exists() and not (files.folder / bad).exists()
    assert files.store(b"baru", str(output / "a.html")) and (output / "a.html").read_bytes() == (
        b"baru"
    )
    files.close()


class _Reader:
    """Stands in for a caching reader: entries are files named by the source's digest."""

    def __init__(self, folder: Path) -> None:
        self._cache = self
        self.folder = folder
        self.hashed: list[str] = []

    def key(self, digest: str) -> str:
        self.hashed.append(digest)
        return digest

    def has(self, key: str) -> bool:
        return (self.folder / key).is_file()


def test_the_pool_reads_a_sample_of_a_warm_cache_and_every_file_of_a_cold_one(
    tmp_path: Path,
) -> None:
    from render_cache import pool

    sources, entries = tmp_path / "isi", tmp_path / "cache"
    sources.mkdir()
    entries.mkdir()
    step = pool.SAMPLE_STEP
    paths = []
    for n in range(10 * step):
        path = sources / f"{n:04d}.md"
        path.write_text(f"Isi {n}\n")
        paths.append(str(path))
        (entries / hashlib.sha256(path.read_bytes()).hexdigest()).write_text("entri")

    warm = _Reader(entries)
    assert pool._uncached(warm, paths) == []
    assert len(warm.hashed) == 10  # one file in SAMPLE_STEP was read, no more

    block = paths[3 * step + 1 : 4 * step + 1]  # a folder's worth of changed files
    for path in block:
        Path(path).write_text("Diubah\n" + Path(path).read_text())
    assert pool._uncached(_Reader(entries), paths) == block  # the sample hit: all read
    for path in paths:
        (entries / hashlib.sha256(Path(path).read_bytes()).hexdigest()).unlink(missing_ok=True)
    assert pool._uncached(_Reader(entries), paths) == paths  # cold
