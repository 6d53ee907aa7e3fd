"""The search index in parts (publishing/search_parts.py) and its machine cache.

The parts are made small (one page each on average) so a handful of items gives several
Pagefind bundles. What a reader can find must be exactly the approved pages, whatever the
cache holds: a tampered, swapped or forged cache entry is rebuilt, an edited page's new
words are found and its old words are gone, and every part is audited like the main one.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import publishing.search
from approval_gate.api import MachineCache
from publishing import search_parts, search_runs
from publishing.search import SearchIndexError, audit_search
from searchkit import approved_pages, index_files, manifest, records, words
from sitekit import Keys, Site

#: Title and unique word of each approved item (none of them an Indonesian affix).
ITEMS = {"alfa": "Qorvux", "bravo": "Zelpim", "charlie": "Wumbat", "delta": "Fyxlor"}
LEAK = "Drogmak"  # the word of the item that is never approved


def _make(site: Site) -> None:
    site.news(ITEMS, LEAK, category="Berita")


def test_parts_grow_by_doubling_and_keep_their_pages() -> None:
    assert [search_parts.part_count(n) for n in (0, 800, 801, 1600, 1601, 10_000)] == [
        1,
        1,
        2,
        2,
        4,
        16,
    ]
    pages = [f"berita/item-{n:05d}/index.html" for n in range(3000)]
    parts = search_parts.split(pages)
    assert len(parts) == 4 and sorted(p for part in parts for p in part) == sorted(pages)
    assert max(map(len, parts)) < 900  # about 750 each: Pagefind stays near 150 MB
    grown = search_parts.split([*pages, "berita/baru/index.html"])
    assert [[p for p in part if p in pages] for part in grown] == parts
    for page in pages[:200]:  # doubling splits a part in two; pages never cross parts
        assert search_parts.part_of(page, 8) % 4 == search_parts.part_of(page, 4)


@pytest.mark.slow
def test_index_in_parts_holds_every_approved_page_once(site: Site, small_parts: None) -> None:
    _make(site)
    site.build()
    listed = json.loads((site.output / "pagefind" / "bagian.json").read_text(encoding="utf-8"))
    assert len(listed) >= 2 and all(re.fullmatch(r"bagian-\d\d/", name) for name in listed)
    for name in listed:  # a merged part has no script and no WASM of its own
        assert not (site.output / "pagefind" / name / "pagefind.js").exists()
        assert not list((site.output / "pagefind" / name).glob("wasm.*"))
    urls = [record["url"] for record in records(site.output)]
    assert urls == sorted(f"/berita/berita-{name}/" for name in ITEMS)
    assert LEAK.lower().encode() not in words(site.output)
    assert audit_search(site.output, approved_pages(site)) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("plant", "finding"),
    [
        ("unlisted", "pagefind/bagian.json: daftar bagian indeks pencarian tidak sama dengan"),
        ("missing", "pagefind/bagian.json: daftar bagian indeks pencarian tidak sama dengan"),
        ("record", "yang bukan halaman item disetujui"),
        ("script", "berkas ini bukan bagian indeks pencarian; tidak boleh terbit"),
        ("count", "/pagefind-entry.json: jumlah halaman indeks tidak sama dengan"),
    ],
)
def test_every_part_is_audited(site: Site, small_parts: None, plant: str, finding: str) -> None:
    _make(site)
    site.build()
    folder = site.output / "pagefind"
    part = folder / json.loads((folder / "bagian.json").read_text(encoding="utf-8"))[0]
    if plant == "unlisted":
        shutil.copytree(part, folder / "bagian-99")
    elif plant == "missing":
        shutil.rmtree(part)
    elif plant == "record":
        leak = b"pagefind_dcd" + json.dumps({"url": "/berita/berita-rahasia/"}).encode()
        (part / "fragment" / "id_bocor00.pf_fragment").write_bytes(gzip.compress(leak))
    elif plant == "script":
        shutil.copyfile(folder / "pagefind.js", part / "pagefind.js")
    else:
        next((part / "fragment").glob("*")).unlink()
    assert any(
        finding in f"{path}: {problem}"
        for path, problem in audit_search(site.output, approved_pages(site))
    )


@pytest.mark.slow
def test_one_edited_item_reindexes_its_part_only(
    site: Site, small_parts: None, pagefind_runs: list[list[str]]
) -> None:
    _make(site)
    runs = pagefind_runs
    site.build()
    before = index_files(site.output)
    runs.clear()
    site.build()
    assert runs == [] and index_files(site.output) == before  # unchanged pages, unchanged index
    site.article("berita/bravo.md", "Berita Bravo", "Isi Plonkit hari ini.", category="Berita")
    site.approve_all("berita/bravo.md")
    site.build()
    assert runs == [[page] for page in approved_pages(site) if "bravo" in page]
    found = words(site.output)
    assert b"plonkit" in found and b"zelpim" not in found
    contents = {record["url"]: record["content"] for record in records(site.output)}
    assert "Plonkit" in contents["/berita/berita-bravo/"]
    assert not any("Zelpim" in text for text in contents.values())
    assert audit_search(site.output, approved_pages(site)) == []


@pytest.mark.slow
def test_poisoned_cache_is_rebuilt_never_published(site: Site, small_parts: None) -> None:
    """POISON: flipped bytes, another entry's file, a forged entry: all worked out again."""
    _make(site)
    site.build()
    clean = records(site.output)
    cache = site.root / "var" / "pagefind-cache"
    entries = sorted((cache / search_parts.NAMESPACE).glob("*/*"))
    assert len(entries) >= 3
    flipped = bytearray(entries[0].read_bytes())
    flipped[-1] ^= 1
    entries[0].write_bytes(bytes(flipped))
    shutil.copyfile(entries[2], entries[1])  # a good entry under the key of another
    forged = {  # a whole part whose record shows the unapproved item's text
        "pagefind-entry.json": b'{"version":"1.5.2","languages":{}}',
        "fragment/id_bocor00.pf_fragment": gzip.compress(
            b"pagefind_dcd"
            + json.dumps({"url": "/berita/berita-alfa/", "content": f"Isi {LEAK}."}).encode()
        ),
    }
    blob = search_parts.pack(forged, main=False)
    assert blob is not None
    other = MachineCache(site.root / "mesin-lain", search_parts.NAMESPACE)
    entries[2].write_bytes(other.seal(blob, entries[2].name))
    site.build()
    assert records(site.output) == clean
    assert not any(LEAK.encode() in data for data in index_files(site.output).values())
    assert LEAK.lower().encode() not in words(site.output)
    assert audit_search(site.output, approved_pages(site)) == []


@pytest.mark.browser
def test_search_page_finds_words_of_every_part(site: Site, small_parts: None) -> None:
    """Debian chromium: the search page merges every part (pagefind/bagian.json)."""
    from playwright.sync_api import expect, sync_playwright

    from themekit import CHROMIUM, CHROMIUM_ARGS, serve

    _make(site)
    site.build()
    assert json.loads((site.output / "pagefind" / "bagian.json").read_text(encoding="utf-8"))
    with serve(site.output) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page()
        for name, word in [*ITEMS.items(), ("rahasia", LEAK)]:
            page.goto(f"{base}/cari/?q={word.lower()}")
            status = page.locator("#cari-status")
            expect(status).to_contain_text(re.compile(r"hasil untuk|Tidak ada hasil|Maaf"))
            links = page.locator("#cari-hasil a").evaluate_all("(a) => a.map((x) => x.href)")
            if name == "rahasia":
                assert status.inner_text().startswith("Tidak ada hasil") and links == []
            else:
                assert status.inner_text() == f"1 hasil untuk “{word.lower()}”."
                assert links == [f"{base}/berita/berita-{name}/"]
        browser.close()


# Runs two at once (publishing/search_runs.py): index_site alone on one built output.


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Site:
    """The four approved items and the secret one, built once for the tests below."""
    site = Site(tmp_path_factory.mktemp("runs") / "site", keys)
    _make(site)
    site.build()
    return site


@pytest.fixture
def output(built: Site, tmp_path: Path) -> Path:
    """A copy of the built output without its search index."""
    copy = tmp_path / "output"
    shutil.copytree(built.output, copy, ignore=shutil.ignore_patterns("pagefind"))
    return copy


@pytest.fixture
def four_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with cores and memory to spare: only WORKERS bounds the runs."""
    monkeypatch.setattr(search_runs, "_cores", lambda: 4)
    monkeypatch.setattr(search_runs, "_available", lambda: 8 * search_runs.RUN_MEMORY)
    monkeypatch.setattr(search_runs, "BUDGET", 2**40)


@pytest.mark.parametrize(
    ("cores", "free_runs", "runs", "expected"),
    [(2, 8, 8, 2), (16, 8, 8, 2), (1, 8, 8, 1), (2, 1, 8, 1), (2, 0, 8, 1), (2, 8, 1, 1)],
)
def test_runs_at_once_follow_cores_memory_and_work(
    monkeypatch: pytest.MonkeyPatch, cores: int, free_runs: int, runs: int, expected: int
) -> None:
    monkeypatch.setattr(search_runs, "_cores", lambda: cores)
    monkeypatch.setattr(search_runs, "_available", lambda: free_runs * search_runs.RUN_MEMORY)
    assert search_runs.workers(runs) == expected


def test_parts_are_indexed_two_at_once_never_more(
    built: Site,
    output: Path,
    small_parts: None,
    four_cores: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first two runs meet at a barrier (one at a time would break it); three parts."""
    meet, lock = threading.Barrier(2, timeout=60), threading.Lock()
    calls, going, most = [0], [0], [0]
    real = publishing.search.run_pagefind

    def watched(*args: Any) -> dict[str, bytes]:
        with lock:
            calls[0], going[0] = calls[0] + 1, going[0] + 1
            most[0], first_two = max(most[0], going[0]), calls[0] <= 2
        try:
            if first_two:
                meet.wait()
            return real(*args)
        finally:
            with lock:
                going[0] -= 1

    monkeypatch.setattr(publishing.search, "run_pagefind", watched)
    publishing.search.index_site(output, manifest(built), None)
    assert calls[0] == 3 and most[0] == 2
    urls = [record["url"] for record in records(output)]
    assert urls == sorted(f"/berita/berita-{name}/" for name in ITEMS)
    assert json.loads((output / "pagefind" / "bagian.json").read_text()) == [
        "bagian-01/",
        "bagian-02/",
    ]
    assert audit_search(output, approved_pages(built)) == []


def test_a_run_goes_beside_another_only_within_the_memory_bound(
    built: Site,
    output: Path,
    small_parts: None,
    four_cores: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Room for this process and one run, not two: the parts are indexed one after another.

    A publish's tree may hold 400 MB (issue 12); two runs at once beside a large
    publishing process went over it at 10,000 items. Counted here: Pagefind processes
    alive at once (started, not yet ended), whatever the threads waiting for room do.
    """
    own = search_runs.kb_field("/proc/self/status", "VmRSS:")
    assert own is not None
    alive, most, lock = [0], [0], threading.Lock()
    real = search_runs.subprocess.Popen

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            with lock:
                alive[0] += 1
                most[0] = max(most[0], alive[0])

        def communicate(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().communicate(*args, **kwargs)
            finally:
                with lock:
                    alive[0] -= 1

    monkeypatch.setattr(search_runs.subprocess, "Popen", Counted)
    one = search_runs.run_need(1)  # a part of one page (``small_parts``)
    monkeypatch.setattr(search_runs, "BUDGET", own + one + one // 2)
    publishing.search.index_site(output, manifest(built), None)
    assert most[0] == 1
    assert [record["url"] for record in records(output)] == sorted(
        f"/berita/berita-{name}/" for name in ITEMS
    )
    assert audit_search(output, approved_pages(built)) == []
    monkeypatch.setattr(search_runs, "BUDGET", own + 3 * one)  # room for two: both go
    shutil.rmtree(output / "pagefind")
    alive[0] = most[0] = 0
    publishing.search.index_site(output, manifest(built), None)
    assert most[0] == 2


def _scratches(output: Path, monkeypatch: pytest.MonkeyPatch) -> list[search_runs.Scratch]:
    """Record where each run put its pages."""
    seen: list[search_runs.Scratch] = []
    real = publishing.search.run_pagefind

    def watched(out: Path, pages: list[str], main: bool, scratch: Any, *rest: Any) -> Any:
        seen.append(scratch)
        return real(out, pages, main, scratch, *rest)

    monkeypatch.setattr(publishing.search, "run_pagefind", watched)
    return seen


def test_pages_are_copied_to_memory_scratch_and_killed_scratch_is_swept(
    built: Site, output: Path, tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    shm = tmp_path / "shm"
    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = shm / f"kpu-pagefind-{dead.pid}-abc" / "situs"  # a killed build's leftovers
    running = shm / f"kpu-pagefind-{os.getpid()}-def"  # a build still going
    killed.mkdir(parents=True)
    running.mkdir()
    monkeypatch.setattr(search_runs, "SCRATCH", shm)
    seen = _scratches(output, monkeypatch)
    publishing.search.index_site(output, manifest(built), None)
    assert seen and all(s == search_runs.Scratch(shm, copy=True) for s in seen)
    assert sorted(p.name for p in shm.iterdir()) == [running.name]
    assert [r["url"] for r in records(output)] == sorted(f"/berita/berita-{n}/" for n in ITEMS)
    assert audit_search(output, approved_pages(built)) == []


def test_without_room_in_memory_pages_are_linked_beside_the_output(
    built: Site, output: Path, tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_runs, "SCRATCH", tmp_path / "tidak-ada")
    seen = _scratches(output, monkeypatch)
    publishing.search.index_site(output, manifest(built), None)
    assert seen and all(s == search_runs.Scratch(tmp_path, copy=False) for s in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]  # nothing left beside it
    assert [r["url"] for r in records(output)] == sorted(f"/berita/berita-{n}/" for n in ITEMS)
    assert audit_search(output, approved_pages(built)) == []


def test_a_failing_run_stops_the_index_and_leaves_no_scratch(
    built: Site,
    output: Path,
    tmp_path: Path,
    small_parts: None,
    four_cores: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(search_runs, "SCRATCH", shm)
    monkeypatch.setattr(publishing.search, "pagefind_command", lambda: ["false"])
    with pytest.raises(SearchIndexError) as caught:
        publishing.search.index_site(output, manifest(built), tmp_path / "cache")
    assert caught.value.message == (
        "Indeks pencarian gagal dibuat (Pagefind, kode keluar 1); tidak ada yang diterbitkan."
    )
    assert list(shm.iterdir()) == []
    assert not (output / "pagefind" / "bagian.json").exists()
    assert not list((tmp_path / "cache" / search_parts.NAMESPACE).glob("*/*"))  # none cached


def test_a_stopped_index_kills_the_run_still_going(
    built: Site, output: Path, small_parts: None, four_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C reaches the main thread only: the other run's Pagefind is killed, not awaited."""
    slow = [sys.executable, "-c", "import time; time.sleep(30)"]  # ignores Pagefind's options
    monkeypatch.setattr(publishing.search, "pagefind_command", lambda: slow)
    real, second, ends = publishing.search.run_pagefind, threading.Event(), []
    order, lock = iter(range(9)), threading.Lock()

    def first_interrupted(*args: Any) -> dict[str, bytes]:
        with lock:
            first = next(order) == 0
        if first:
            second.wait(60)  # the other run is on its way
            raise KeyboardInterrupt
        second.set()
        try:
            made = real(*args)
        except SearchIndexError as error:
            ends.append(error.message)
            raise
        ends.append("selesai")  # the slow run was awaited to its end: the test fails
        return made

    monkeypatch.setattr(publishing.search, "run_pagefind", first_interrupted)
    with pytest.raises(KeyboardInterrupt):
        publishing.search.index_site(output, manifest(built), None)
    assert ends and all("kode keluar -9" in end or "dihentikan" in end for end in ends), ends
