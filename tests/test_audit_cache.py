"""The audit's cache of what files say: faster only, never a different verdict (issue 12).

What a file says (markers, the links of a feed or sitemap) is kept by the file's SHA-256
under the machine's var/; whether it is allowed is judged against the current manifest on
every run. These tests use a small hand-made output (no Pelican), so they run in
milliseconds; the whole-site audit tests are in test_audit.py and test_audit_sealed.py.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from approval_gate.api import MachineCache, cache_key, code_digest
from publishing import audit_facts, provenance_facts, search_audit
from publishing.audit import audit_output
from publishing.audit_facts import FACTS_VERSION, FactTable, KeptTable
from publishing.provenance import FOLDER, audit_provenance, piece_path
from publishing.search_audit import audit_search
from publishing.tree import list_output

SITEMAP = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    "<url><loc>https://kpu.example/berita/a/</loc></url>\n"
    "<url><loc>https://kpu.example/berita/b/</loc></url>\n"
    "</urlset>\n"
)
LEAK_B = "sitemap.xml: menautkan ke 'https://kpu.example/berita/b/' yang bukan item disetujui"
PREVIEW = "halaman PRATINJAU (dapat memuat item yang belum disetujui) tidak boleh terbit"


def _manifest(*items: str) -> dict:
    included = [{"item": f"berita/{i}.md", "save_as": f"berita/{i}/index.html"} for i in items]
    return {"build_id": "b1", "included": included, "excluded": [], "static_files": []}


@pytest.fixture
def output(tmp_path: Path) -> Path:
    folder = tmp_path / "output"
    for item in ("a", "b"):
        (folder / "berita" / item).mkdir(parents=True)
        (folder / "berita" / item / "index.html").write_text(f"<html>{item}</html>")
    (folder / "index.html").write_text('<html><a href="/berita/a/">a</a></html>')
    (folder / "sitemap.xml").write_text(SITEMAP)
    return folder


@pytest.fixture
def cache(tmp_path: Path) -> MachineCache:
    return MachineCache(tmp_path / "var" / "audit-cache", "audit")


def _audit(output: Path, manifest: dict, cache: MachineCache) -> list[str]:
    files = list_output(output)
    found = audit_output(output, manifest, "b1", False, files=files, cache=cache)
    return [finding.render() for finding in found]


def _table_file(cache: MachineCache) -> Path:
    code = audit_facts._code_version()  # the key the table is kept under
    return cache.path_of(cache_key("audit-facts", FACTS_VERSION, code))


def test_unchanged_files_are_not_read_again(
    output: Path, cache: MachineCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    save = FactTable.save
    monkeypatch.setattr(FactTable, "save", lambda self: (made.append(self.made), save(self)))
    assert _audit(output, _manifest("a", "b"), cache) == []
    assert _audit(output, _manifest("a", "b"), cache) == []
    (output / "berita" / "a" / "index.html").write_text("<html>a, diperbaiki</html>")
    assert _audit(output, _manifest("a", "b"), cache) == []
    assert made == [4, 0, 1]  # every file once, then none, then only the changed one


def test_a_withdrawn_item_is_found_although_the_sitemap_bytes_are_cached(
    output: Path, cache: MachineCache
) -> None:
    assert _audit(output, _manifest("a", "b"), cache) == []
    (output / "berita" / "b" / "index.html").unlink()  # b is withdrawn, the sitemap kept
    assert _audit(output, _manifest("a"), cache) == [LEAK_B]


def test_poisoned_table_bytes_fail_their_seal_and_the_link_is_still_found(
    output: Path, cache: MachineCache
) -> None:
    assert _audit(output, _manifest("a", "b"), cache) == []
    stored = _table_file(cache)
    blob = stored.read_bytes()
    mac, table = blob[:32], json.loads(blob[32:])
    sitemap = hashlib.sha256(SITEMAP.encode()).hexdigest()
    assert table[sitemap]["x"]  # the cached links of the sitemap
    table[sitemap]["x"] = []  # "the sitemap links to nothing"
    stored.write_bytes(mac + json.dumps(table).encode())
    (output / "berita" / "b" / "index.html").unlink()
    assert _audit(output, _manifest("a"), cache) == [LEAK_B]


def test_an_entry_sealed_with_the_machine_key_applies_only_to_its_own_bytes(
    output: Path, cache: MachineCache
) -> None:
    """Even a writer who holds the key cannot make one file's facts speak for another."""
    clean = hashlib.sha256(b"<html>b</html>").hexdigest()
    sitemap = hashlib.sha256(SITEMAP.encode()).hexdigest()
    lie = {"p": False, "m": False, "x": []}
    code = audit_facts._code_version()  # the key the table is kept under
    key = cache_key("audit-facts", FACTS_VERSION, code)
    cache.put(key, json.dumps({clean: lie, sitemap: lie}).encode())
    page = output / "berita" / "b" / "index.html"
    page.write_text('<html>b<meta name="kpu-pratinjau"></html>')  # new bytes: another hash
    (output / "sitemap.xml").write_text(SITEMAP + "\n")  # the same links, other bytes
    assert _audit(output, _manifest("a"), cache) == [
        f"berita/b/index.html: {PREVIEW}",
        LEAK_B,
    ]


def test_a_malformed_table_reads_as_empty(output: Path, cache: MachineCache) -> None:
    code = audit_facts._code_version()  # the key the table is kept under
    key = cache_key("audit-facts", FACTS_VERSION, code)
    sitemap = hashlib.sha256(SITEMAP.encode()).hexdigest()
    (output / "berita" / "b" / "index.html").unlink()
    for value in (b"[]", b"{", json.dumps({sitemap: {"p": 0, "x": "?"}}).encode()):
        cache.put(key, value)
        assert _audit(output, _manifest("a"), cache) == [LEAK_B]


def test_the_audit_without_a_listing_or_cache_is_the_same(output: Path) -> None:
    (output / "berita" / "b" / "index.html").write_text('<html data-x="kpu-pratinjau"></html>')
    found = [f.render() for f in audit_output(output, _manifest("a", "b"), "b1", False)]
    assert found == [f"berita/b/index.html: {PREVIEW}"]


# --- provenance pieces (publishing/provenance.py): decoded once per SHA-256 -------------

ITEMS = ("berita/a.md", "berita/b.md")


def _payload(item: str, role: str, digest: str) -> str:
    lines = ["kpu-rembang-persetujuan-v1"] + [
        f"{name}: {json.dumps(value)}"
        for name, value in (
            ("item", item),
            ("role", role),
            ("signer", f"{role}-1"),
            ("decision", "setuju"),
            ("signed_at", "2026-01-02T03:04:05+07:00"),
            ("digest", digest),
        )
    ]
    return base64.b64encode("\n".join(lines).encode()).decode()


def _entry(item: str) -> dict:
    digest = "sha256:" + hashlib.sha256(item.encode()).hexdigest()
    signoffs = [
        {"role": role, "signer": f"{role}-1", "signed_at": "2026-01-02T03:04:05+07:00"}
        for role in ("web-admin", "komisioner")
    ]
    return {"item": item, "digest": digest, "url": item[:-3] + "/", "signoffs": signoffs}


def _piece(item: str, **change: object) -> bytes:
    entry = _entry(item)
    signoffs = [
        {**s, "payload_base64": _payload(item, s["role"], entry["digest"])}
        for s in entry["signoffs"]
    ]
    piece = {"item": item, "digest": entry["digest"], "url": entry["url"], "signoffs": signoffs}
    return json.dumps({**piece, **change}).encode()


def _pieces_manifest(*items: str, excluded: tuple[str, ...] = ()) -> dict:
    return {
        "included": [_entry(item) for item in items],
        "excluded": [_entry(item) for item in excluded],
    }


@pytest.fixture
def record(tmp_path: Path) -> Path:
    """An output holding the two items' provenance pieces only (no roster, no pages)."""
    folder = tmp_path / "record"
    for item in ITEMS:
        path = folder / piece_path(item)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_piece(item))
    return folder


def _pieces_audit(record: Path, manifest: dict, cache: MachineCache | None) -> list[str]:
    found = audit_provenance(record, manifest, None, cache)
    return [f"{path}: {problem}" for path, problem in found if path.startswith(FOLDER)]


def _pieces_key() -> str:
    code = code_digest(Path(provenance_facts.__file__))
    return cache_key("provenance-pieces", provenance_facts.PIECES_VERSION, code)


def test_unchanged_pieces_are_not_decoded_again(
    record: Path, cache: MachineCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    save = KeptTable.save
    monkeypatch.setattr(KeptTable, "save", lambda self: (made.append(self.made), save(self)))
    manifest = _pieces_manifest(*ITEMS)
    assert _pieces_audit(record, manifest, cache) == []
    assert _pieces_audit(record, manifest, cache) == []
    (record / piece_path("berita/a.md")).write_bytes(_piece("berita/a.md", url="lain/"))
    assert _pieces_audit(record, manifest, cache) == [
        f"{piece_path('berita/a.md')}: sidik isi atau alamat 'berita/a.md' tidak sama "
        "dengan manifest"
    ]
    assert made == [2, 0, 1]  # every piece once, then none, then only the changed one


def test_a_cached_piece_is_judged_against_each_manifest(record: Path, cache: MachineCache) -> None:
    assert _pieces_audit(record, _pieces_manifest(*ITEMS), cache) == []
    withdrawn = _pieces_manifest("berita/a.md", excluded=("berita/b.md",))
    shown = piece_path("berita/b.md")
    digest = _entry("berita/b.md")["digest"]
    assert _pieces_audit(record, withdrawn, cache) == [
        f"{shown}: menyebut 'berita/b.md' yang tidak disetujui",
        f"{shown}: menyebut {digest!r} yang tidak disetujui",
        f"{shown}: mencantumkan 'berita/b.md' yang bukan item disetujui",
    ]


def test_poisoned_piece_entries_never_let_a_forged_piece_through(
    record: Path, cache: MachineCache
) -> None:
    """Damaged bytes fail the seal; a sealed lie speaks only for the bytes it names."""
    manifest = _pieces_manifest(*ITEMS)
    assert _pieces_audit(record, manifest, cache) == []
    path = record / piece_path("berita/b.md")
    forged = _piece("berita/b.md", digest="sha256:" + "0" * 64)  # other content, same name
    path.write_bytes(forged)
    bad = f"{piece_path('berita/b.md')}: sidik isi atau alamat 'berita/b.md' tidak sama "
    bad += "dengan manifest"
    stored = cache.path_of(_pieces_key())
    blob = stored.read_bytes()
    mac, table = blob[:32], json.loads(blob[32:])
    clean = table[hashlib.sha256(_piece("berita/b.md")).hexdigest()]
    table[hashlib.sha256(forged).hexdigest()] = clean  # "the forged bytes are the clean piece"
    stored.write_bytes(mac + json.dumps(table).encode())  # the seal no longer matches
    assert _pieces_audit(record, manifest, cache) == [bad]
    lie = {hashlib.sha256(_piece("berita/b.md")).hexdigest(): clean}
    cache.put(_pieces_key(), json.dumps(lie).encode())  # sealed, but for the clean bytes
    assert _pieces_audit(record, manifest, cache) == [bad]
    for malformed in ({"i": "berita/b.md"}, {**clean, "at": "x"}, {**clean, "s": [[1]]}, 7):
        cache.put(
            _pieces_key(), json.dumps({hashlib.sha256(forged).hexdigest(): malformed}).encode()
        )
        assert _pieces_audit(record, manifest, cache) == [bad]


def test_the_pieces_audit_is_the_same_with_and_without_the_cache(
    record: Path, cache: MachineCache
) -> None:
    (record / piece_path("berita/a.md")).write_bytes(b"{rusak")
    (record / FOLDER / "sub").mkdir()
    (record / FOLDER / "sub" / "x.json").write_text("{}")
    manifest = _pieces_manifest(*ITEMS)
    expected = [
        f"{piece_path('berita/a.md')}: catatan persetujuan tidak dapat dibaca",
        f"{FOLDER}/sub/x.json: berkas ini bukan catatan persetujuan satu isi",
        f"{piece_path('berita/a.md')}: catatan persetujuan 'berita/a.md' tidak ada",
    ]
    assert _pieces_audit(record, manifest, None) == expected
    assert _pieces_audit(record, manifest, cache) == expected
    assert _pieces_audit(record, manifest, cache) == expected


# --- search records (publishing/search_audit.py): decoded once per SHA-256 --------------


def _fragment(url: object) -> bytes:
    return gzip.compress(b"pagefind_dcd" + json.dumps({"url": url, "content": "isi"}).encode())


SEARCH_PAGES = {"berita/a/index.html", "berita/b/index.html"}
FORGED = (
    "pagefind/fragment/id_b.pf_fragment: rekaman indeks pencarian menunjuk ke "
    "'/berita/rahasia/' yang bukan halaman item disetujui"
)


@pytest.fixture
def index(tmp_path: Path) -> Path:
    """An output holding a two-record search index only (no Pagefind run)."""
    folder = tmp_path / "cari" / "pagefind"
    (folder / "fragment").mkdir(parents=True)
    entry = {"version": "1", "languages": {"id": {"hash": "x", "wasm": None, "page_count": 2}}}
    (folder / "pagefind-entry.json").write_text(json.dumps(entry))
    (folder / "bagian.json").write_text("[]")
    for item in ("a", "b"):
        (folder / "fragment" / f"id_{item}.pf_fragment").write_bytes(_fragment(f"/berita/{item}/"))
    return folder.parent


def _search(output: Path, cache: MachineCache | None, listed: bool = True) -> list[str]:
    files = list_output(output) if listed else None
    found = audit_search(output, SEARCH_PAGES, files, cache)
    return [f"{path}: {problem}" for path, problem in found]


def _records_key() -> str:
    code = code_digest(Path(search_audit.__file__))
    return cache_key("search-records", search_audit.RECORDS_VERSION, code)


def test_unchanged_search_records_are_not_decoded_again(
    index: Path, cache: MachineCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    save = KeptTable.save
    monkeypatch.setattr(KeptTable, "save", lambda self: (made.append(self.made), save(self)))
    assert _search(index, cache) == []
    assert _search(index, cache) == []
    forged = index / "pagefind" / "fragment" / "id_b.pf_fragment"
    forged.write_bytes(_fragment("/berita/rahasia/"))
    assert _search(index, cache) == [FORGED]
    assert made == [2, 0, 1]  # every record once, then none, then only the changed one


def test_poisoned_search_records_never_let_a_forged_record_through(
    index: Path, cache: MachineCache
) -> None:
    """Damaged bytes fail the seal; a sealed entry speaks only for the bytes it names."""
    assert _search(index, cache) == []
    record = index / "pagefind" / "fragment" / "id_b.pf_fragment"
    clean, forged = record.read_bytes(), _fragment("/berita/rahasia/")
    record.write_bytes(forged)
    stored = cache.path_of(_records_key())
    blob = stored.read_bytes()
    mac, table = blob[:32], json.loads(blob[32:])
    table[hashlib.sha256(forged).hexdigest()] = ["/berita/b/"]  # "the forged record is b"
    stored.write_bytes(mac + json.dumps(table).encode())  # the seal no longer matches
    assert _search(index, cache) == [FORGED]
    lie = {hashlib.sha256(clean).hexdigest(): ["/berita/rahasia/"]}  # sealed, other bytes
    cache.put(_records_key(), json.dumps(lie).encode())
    assert _search(index, cache) == [FORGED]
    for malformed in ([], ["/berita/b/", "x"], [7], "/berita/b/", {"u": "/berita/b/"}, None):
        entry = {hashlib.sha256(forged).hexdigest(): malformed}
        cache.put(_records_key(), json.dumps(entry).encode())
        assert _search(index, cache) == [FORGED]
    cache.put(_records_key(), b"{rusak")
    assert _search(index, cache) == [FORGED]


def test_the_search_audit_is_the_same_with_and_without_listing_and_cache(
    index: Path, cache: MachineCache, tmp_path: Path
) -> None:
    folder = index / "pagefind"
    (folder / "fragment" / "id_c.pf_fragment").write_bytes(b"bukan gzip")
    (folder / "fragment" / "id_d.pf_fragment").write_bytes(_fragment(["/berita/a/"]))
    (folder / "fragment" / "id_a.pf_fragment.gz").write_bytes(b"salinan")  # held to sibling
    (folder / "fragment" / "id_x.pf_fragment.br").write_bytes(b"tanpa saudara")
    (folder / "bocor.html").write_text("<html>bocor</html>")
    outside = tmp_path / "luar.pf_fragment"
    outside.write_bytes(_fragment("/berita/rahasia/"))
    (folder / "fragment" / "id_e.pf_fragment").symlink_to(outside)  # read through, as before
    (folder / "bagian-01" / "fragment").mkdir(parents=True)
    (folder / "bagian-01" / "fragment" / "id_f.pf_fragment").write_bytes(_fragment("/berita/b/"))
    (folder / "bagian-02").symlink_to(folder / "bagian-01", target_is_directory=True)
    expected = _search(index, None, listed=False)
    assert [line.split(":")[0] for line in expected] == [
        "pagefind/bocor.html",
        "pagefind/fragment/id_c.pf_fragment",
        "pagefind/fragment/id_d.pf_fragment",
        "pagefind/fragment/id_e.pf_fragment",
        "pagefind/fragment/id_x.pf_fragment.br",
        "pagefind/pagefind-entry.json",
        "pagefind/bagian-01/pagefind-entry.json",
        "pagefind/bagian.json",
    ]
    for _ in range(2):  # the cache made, then used
        assert _search(index, cache) == expected
        assert _search(index, cache, listed=False) == expected
    whole = [f.render() for f in audit_output(index, _manifest("a", "b"), "b1", False)]
    assert [line for line in whole if line.startswith(FORGED.split(":")[0])] == []
    assert all(line in whole for line in expected if ".br:" not in line)  # .br: as a copy
    for _ in range(2):  # the whole audit, through the build's listing and the cache
        assert _audit(index, _manifest("a", "b"), cache) == whole
