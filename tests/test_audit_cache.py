"""The audit's cache of what files say: faster only, never a different verdict (issue 12).

What a file says (markers, the links of a feed or sitemap) is kept by the file's SHA-256
under the machine's var/; whether it is allowed is judged against the current manifest on
every run. These tests use a small hand-made output (no Pelican), so they run in
milliseconds; the whole-site audit tests are in test_audit.py and test_audit_sealed.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from approval_gate.api import MachineCache, cache_key
from publishing import audit_facts
from publishing.audit import audit_output
from publishing.audit_facts import FACTS_VERSION, FactTable
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
