"""Precompressed copies: written beside text files, kept per SHA-256, audited as what they are."""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import shutil
import threading
import zlib
from pathlib import Path

import brotli
import pytest
import yaml

from approval_gate.api import ConfigError, ExitCode, MachineCache, cache_key
from publishing import compress, compress_audit, compress_store
from publishing.audit import audit_output
from publishing.build import BuildFailed, build_site
from publishing.compress import Compression, compress_output, gunzip_bounded, unbrotli_bounded
from publishing.compress_audit import CopyCheck
from publishing.compress_store import STORE, CopyStore
from publishing.inventory import UNACCOUNTED
from publishing.tree import list_output
from publishkit import leaks, local_targets, publish_settings, run, snapshot
from sitekit import Site
from test_audit_sealed import sealed_for
from test_faults import paused_at

PAGE = ("<!DOCTYPE html><html lang='id'><p>" + "Rapat pleno terbuka KPU Rembang. " * 40).encode()
OTHER = PAGE.replace(b"Rapat", b"RAHASIA")


def _folder(tmp_path: Path) -> Path:
    output = tmp_path / "keluaran"
    for rel, data in {
        "berita/a/index.html": PAGE,
        "theme/js/cari.js": b"const x = 1;\n" * 40,
        "persetujuan/allowed_signers": b'andi@kpu namespaces="x" ssh-ed25519 AAAA\n' * 8,
        "persetujuan/catatan/0123456789abcdef0123.json": b'{"item":"berita/a.md"}\n' * 40,
        "kecil.html": b"<p>kecil</p>",
        "foto.jpg": b"\xff\xd8" + bytes(range(256)) * 4,
        "pagefind/fragment/id_1.pf_fragment": gzip.compress(PAGE, mtime=0),
        "data/rekap.csv.gz": gzip.compress(b"a,b\n1,2\n" * 100, mtime=0),
    }.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_bytes(data)
    return output


def _copies(output: Path) -> list[str]:
    return sorted(
        p.relative_to(output).as_posix() for p in output.rglob("*") if p.suffix in (".gz", ".br")
    )


# --- writing the copies -------------------------------------------------------------------


def test_text_files_get_gz_and_br_copies_that_decompress_to_them(tmp_path: Path) -> None:
    output = _folder(tmp_path)
    counts = compress_output(output, list_output(output), Compression(True)).counts
    assert _copies(output) == [
        "berita/a/index.html.br",
        "berita/a/index.html.gz",
        "data/rekap.csv.gz",  # an attachment of that name: kept, not compressed again
        # no copies of an item's approval record (persetujuan/catatan/): read one at a time
        "persetujuan/allowed_signers.br",
        "persetujuan/allowed_signers.gz",
        "theme/js/cari.js.br",
        "theme/js/cari.js.gz",
    ]
    assert counts == {"written": 6, "made": 6}
    page = output / "berita/a/index.html"
    assert gzip.decompress((output / "berita/a/index.html.gz").read_bytes()) == PAGE
    assert brotli.decompress(page.with_name("index.html.br").read_bytes()) == PAGE


def test_the_copies_come_back_listed_as_the_listing_would_list_them(tmp_path: Path) -> None:
    output = _folder(tmp_path)
    written = compress_output(output, list_output(output), Compression(True)).files
    listed = list_output(output)
    assert written == {rel: listed[rel] for rel in written}  # path, size and SHA-256
    assert all(written[rel].stamp == listed[rel].stamp for rel in written)  # reused, not read


def test_copies_are_the_same_bytes_on_every_machine_and_run(tmp_path: Path) -> None:
    one, two = _folder(tmp_path / "1"), _folder(tmp_path / "2")
    compress_output(one, list_output(one), Compression(True))
    compress_output(two, list_output(two), Compression(True))
    for rel in _copies(one):
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel
    assert (one / "berita/a/index.html.gz").read_bytes()[4:8] == b"\0\0\0\0"  # gzip time 0


def test_the_setting_off_writes_no_copy(tmp_path: Path) -> None:
    output = _folder(tmp_path)
    assert compress_output(output, list_output(output), compress.OFF).counts == {
        "written": 0,
        "made": 0,
    }
    assert _copies(output) == ["data/rekap.csv.gz"]


def test_a_second_build_takes_every_copy_from_the_machine_cache(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    first, second = _folder(tmp_path / "1"), _folder(tmp_path / "2")
    assert compress_output(first, list_output(first), how).made == 6
    (second / "theme/js/cari.js").write_bytes(b"const y = 2;\n" * 40)  # one file changed
    counts = compress_output(second, list_output(second), how).counts
    assert counts == {"written": 6, "made": 2}
    assert gzip.decompress((second / "theme/js/cari.js.gz").read_bytes()) == b"const y = 2;\n" * 40


def _store(cache: Path) -> CopyStore:
    return CopyStore(cache, cache_key("compressed-copies", compress._settings()), 2)


def _stored(cache: Path, data: bytes, suffix: str) -> Path:
    """Return where the store keeps the ``suffix`` copy of ``data``."""
    return cache / STORE / compress_store.sha(compress.made(data)[suffix])


def _replace(path: Path, data: bytes) -> None:
    """Put other bytes at ``path`` (a new file: a copy is read-only and may be a link)."""
    path.unlink(missing_ok=True)
    path.write_bytes(data)


def test_kept_copies_are_read_only_files_linked_into_the_next_build(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    first, second = _folder(tmp_path / "1"), _folder(tmp_path / "2")
    compress_output(first, list_output(first), how)
    written = compress_output(second, list_output(second), how)
    assert written.counts == {"written": 6, "made": 0}
    stored = _stored(tmp_path / "cache", PAGE, ".br")
    linked = (second / "berita/a/index.html.br").stat()
    assert (linked.st_ino, linked.st_mode & 0o777) == (stored.stat().st_ino, 0o444)
    listed = list_output(second)
    assert all(written.files[rel].stamp == listed[rel].stamp for rel in written.files)


def test_the_store_keeps_only_the_last_builds_copies(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    first, second = _folder(tmp_path / "1"), _folder(tmp_path / "2")
    compress_output(first, list_output(first), how)
    (second / "berita/a/index.html").write_bytes(OTHER)
    compress_output(second, list_output(second), how)
    assert not _stored(tmp_path / "cache", PAGE, ".gz").exists()
    assert _stored(tmp_path / "cache", OTHER, ".gz").exists()
    assert len(list((tmp_path / "cache" / STORE).iterdir())) == 6


@pytest.mark.parametrize("damage", ["edited", "replaced", "symlink", "fifo", "missing"])
def test_a_damaged_stored_copy_is_never_linked_but_made_again(tmp_path: Path, damage: str) -> None:
    how = Compression(True, tmp_path / "cache")
    first = _folder(tmp_path / "1")
    compress_output(first, list_output(first), how)
    stored = _stored(tmp_path / "cache", PAGE, ".br")
    if damage == "edited":  # in place: the first build's copy is the same file
        stored.chmod(0o644)
        stored.write_bytes(brotli.compress(OTHER))
    else:
        stored.unlink()  # the first build's own link keeps its copy
    if damage == "replaced":
        stored.write_bytes(brotli.compress(OTHER))
    elif damage == "symlink":
        (tmp_path / "lain.br").write_bytes(brotli.compress(OTHER))
        stored.symlink_to(tmp_path / "lain.br")
    elif damage == "fifo":  # opening it to read must not wait for a writer
        os.mkfifo(stored)
    second = _folder(tmp_path / "2")
    assert compress_output(second, list_output(second), how).made == 2
    copy = second / "berita/a/index.html.br"
    assert brotli.decompress(copy.read_bytes()) == PAGE
    assert not copy.is_symlink() and copy.stat().st_ino == stored.stat().st_ino  # kept again
    assert brotli.decompress(stored.read_bytes()) == PAGE


def test_a_copy_table_failing_its_seal_reads_as_empty(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    first = _folder(tmp_path / "1")
    compress_output(first, list_output(first), how)
    store = _store(tmp_path / "cache")
    entry = store.cache.path_of(store.key)
    store.close()
    entry.write_bytes(entry.read_bytes()[:32] + b"{}")  # the seal no longer fits
    second = _folder(tmp_path / "2")
    assert compress_output(second, list_output(second), how).made == 6


def test_a_table_naming_a_path_instead_of_a_hash_is_ignored(tmp_path: Path) -> None:
    how = Compression(True, tmp_path / "cache")
    (tmp_path / "rahasia").write_bytes(brotli.compress(OTHER))
    store = _store(tmp_path / "cache")
    sibling = hashlib.sha256(PAGE).hexdigest()
    store.cache.put(store.key, json.dumps({sibling: ["", "../../rahasia"]}).encode())
    store.close()
    output = _folder(tmp_path / "1")
    assert compress_output(output, list_output(output), how).made == 6
    assert brotli.decompress((output / "berita/a/index.html.br").read_bytes()) == PAGE


def test_copies_are_written_where_they_cannot_be_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    how = Compression(True, tmp_path / "cache")
    first, second = _folder(tmp_path / "1"), _folder(tmp_path / "2")
    assert MachineCache(tmp_path / "cache", "kunci").key  # made before links fail
    monkeypatch.setattr(os, "link", refused)  # the store on another file system
    assert compress_output(first, list_output(first), how).made == 6
    assert compress_output(second, list_output(second), how).counts == {"written": 6, "made": 0}
    copy = second / "berita/a/index.html.gz"
    assert copy.stat().st_nlink == 1 and gzip.decompress(copy.read_bytes()) == PAGE


def test_a_full_disk_in_a_worker_stops_the_compression(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: object, data: bytes, folder_fd: int | None = None) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    output = _folder(tmp_path)
    monkeypatch.setattr(compress_store, "write_new", full)
    with pytest.raises(OSError) as failed:
        compress_output(output, list_output(output), Compression(True, tmp_path / "cache"))
    assert failed.value.errno == errno.ENOSPC  # build.py: "disk penuh", exit code 16


def test_a_poisoned_stored_copy_is_never_published(site: Site) -> None:
    body = "Isi rapat pleno terbuka yang cukup panjang untuk dipadatkan. " * 20
    site.article("berita/a.md", "Rapat A", body, slug="a", category="Berita")
    site.approve_all("berita/a.md")
    site.build()
    page = (site.output / "berita/a/index.html").read_bytes()
    for suffix, squeeze in ((".br", brotli.compress), (".gz", gzip.compress)):
        stored = _stored(site.root / ".cache" / "compress", page, suffix)
        stored.chmod(0o644)  # edited in place: the live output's copy changes with it
        stored.write_bytes(squeeze(page.replace(b"Rapat", b"TOKENRACUN")))
    assert leaks(site.output, "TOKENRACUN")  # what the poison did to the old output
    site.build()
    assert leaks(site.output, "TOKENRACUN") == []
    for suffix in (".br", ".gz"):
        copy = (site.output / f"berita/a/index.html{suffix}").read_bytes()
        assert compress.DECOMPRESS[suffix](copy, len(page)) == page


def test_a_wrong_entry_sealed_with_the_machine_key_stops_the_build(site: Site) -> None:
    """Even the machine's own key cannot make a copy of other bytes pass: the audit decides."""
    body = "Isi rapat pleno terbuka yang cukup panjang untuk dipadatkan. " * 20
    site.article("berita/a.md", "Rapat A", body, slug="a", category="Berita")
    site.approve_all("berita/a.md")
    site.build()
    before = snapshot(site.output)
    page = (site.output / "berita/a/index.html").read_bytes()
    other = compress.made(page.replace(b"Rapat", b"RAHASIA"))
    store = _store(site.root / ".cache" / "compress")
    names = [compress_store.sha(other[suffix]) for suffix in compress.ENCODINGS]
    for name, suffix in zip(names, compress.ENCODINGS, strict=True):
        compress_store.write_new(site.root / ".cache/compress" / STORE / name, other[suffix])
    table = json.loads(store.cache.get(store.key) or b"{}")
    table[hashlib.sha256(page).hexdigest()] = names  # the page's copies: another text's
    store.cache.put(store.key, json.dumps(table).encode())
    store.close()
    with pytest.raises(BuildFailed) as failed:
        site.build()
    for suffix in (".br", ".gz"):
        assert (
            f"berita/a/index.html{suffix}: salinan terkompresi ini tidak terurai menjadi isi "
            "'berita/a/index.html' yang persis sama; tidak boleh terbit"
        ) in failed.value.message
    assert snapshot(site.output) == before  # the last good build stays


# --- bounded decompression ----------------------------------------------------------------


BOMB = b"\0" * (64 << 20)  # 64 MiB of zeros: a few kilobytes compressed


@pytest.mark.parametrize(
    ("inflate", "squeeze"),
    [(gunzip_bounded, gzip.compress), (unbrotli_bounded, brotli.compress)],
    ids=["gzip", "brotli"],
)
def test_a_bomb_is_refused_without_inflating_it(inflate, squeeze) -> None:  # type: ignore[no-untyped-def]
    packed = squeeze(BOMB)
    assert len(packed) < 1 << 20
    assert inflate(packed, len(PAGE)) is None
    assert inflate(squeeze(PAGE), len(PAGE)) == PAGE
    assert inflate(squeeze(PAGE) + b"lagi", len(PAGE)) is None  # something after the stream
    assert inflate(squeeze(PAGE)[:-5], len(PAGE)) is None  # cut short


def test_two_gzip_members_are_not_one_copy() -> None:
    half = len(PAGE) // 2
    joined = gzip.compress(PAGE[:half]) + gzip.compress(PAGE[half:])
    assert gzip.decompress(joined) == PAGE  # what a lenient reader would accept
    assert gunzip_bounded(joined, len(PAGE)) is None
    assert gunzip_bounded(zlib.compress(PAGE), len(PAGE)) is None  # zlib, not gzip


# --- the audit of a real build ------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys) -> tuple[Site, dict]:  # type: ignore[no-untyped-def]
    site = Site(tmp_path_factory.mktemp("kompres") / "site", keys)
    body = "Isi rapat pleno terbuka yang cukup panjang untuk dipadatkan. " * 20
    site.article("berita/a.md", "Rapat A", body, slug="a", category="Berita")
    site.approve_all("berita/a.md")
    return site, site.build().manifest


@pytest.fixture
def output(built: tuple[Site, dict], tmp_path: Path) -> Path:
    copy = tmp_path / "salinan"
    shutil.copytree(built[0].output, copy)
    return copy


def _audit(output: Path, manifest: dict, site: Site | None = None, cache=None) -> list[str]:  # type: ignore[no-untyped-def]
    sealed = sealed_for(site, manifest) if site is not None else None
    findings = audit_output(output, manifest, manifest["build_id"], False, sealed, cache=cache)
    return [finding.render() for finding in findings]


def test_a_build_writes_copies_of_pages_feeds_and_the_search_script(built) -> None:  # type: ignore[no-untyped-def]
    site, _ = built
    copies = _copies(site.output)
    for rel in ("berita/a/index.html", "index.html", "sitemap.xml", "pagefind/pagefind.js"):
        assert f"{rel}.br" in copies and f"{rel}.gz" in copies, rel
    assert not [rel for rel in copies if ".pf_" in rel or rel.endswith(".pagefind.gz")]
    records = sorted((site.output / "persetujuan" / "catatan").iterdir())
    assert records and all(p.suffix == ".json" and p.stat().st_size > 256 for p in records)
    assert not [rel for rel in copies if rel.startswith("persetujuan/catatan/")]


FORGED = "berita/a/index.html.br: salinan terkompresi ini tidak terurai menjadi isi "
FORGED += "'berita/a/index.html' yang persis sama; tidak boleh terbit"
ORPHAN = "berita/a/hantu.html.gz: salinan terkompresi dari 'berita/a/hantu.html' yang tidak "
ORPHAN += "ada di hasil build; tidak boleh terbit"


@pytest.mark.parametrize("sealed", [False, True], ids=["lokal", "tersegel"])
def test_the_audit_accepts_true_copies_and_refuses_forged_and_orphan_ones(
    built, output: Path, sealed: bool
) -> None:  # type: ignore[no-untyped-def]
    site, manifest = built
    sealing = site if sealed else None
    assert _audit(output, manifest, sealing) == []
    _replace(output / "berita/a/index.html.br", brotli.compress(OTHER))
    (output / "berita/a/hantu.html.gz").write_bytes(gzip.compress(OTHER))
    assert _audit(output, manifest, sealing) == [ORPHAN, FORGED]


def test_many_new_copies_are_judged_on_two_threads_with_the_same_findings(
    built, output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A first publish decompresses every copy: on two threads, each judged as on one."""
    site, manifest = built
    threads: set[int] = set()
    for suffix, undo in list(compress.DECOMPRESS.items()):

        def recording(data: bytes, limit: int, _undo=undo) -> bytes | None:  # type: ignore[no-untyped-def]
            threads.add(threading.get_ident())
            return _undo(data, limit)

        monkeypatch.setitem(compress.DECOMPRESS, suffix, recording)
    monkeypatch.setattr(compress, "cores", lambda: 2)
    forged = sorted(rel for rel in _copies(output) if rel.endswith(".br"))
    for rel in forged:  # every .br wrong: both halves hold forged copies and true ones
        _replace(output / rel, brotli.compress(OTHER))
    (output / "berita/a/hantu.html.gz").write_bytes(gzip.compress(OTHER))
    monkeypatch.setattr(compress_audit, "SPLIT", 10**9)  # never enough copies: one thread
    alone = _audit(output, manifest, site)
    assert len(threads) == 1
    threads.clear()
    monkeypatch.setattr(compress_audit, "SPLIT", 2)
    assert _audit(output, manifest, site) == alone
    assert len(threads) == 2
    assert ORPHAN in alone and FORGED in alone
    assert len(alone) == len(forged) + 1  # each forged copy named once, the orphan too


def test_a_true_copy_of_a_refused_file_adds_no_finding_and_publishes_nothing(
    built, output: Path
) -> None:  # type: ignore[no-untyped-def]
    site, manifest = built
    (output / "draf.html").write_bytes(OTHER)
    (output / "draf.html.gz").write_bytes(gzip.compress(OTHER, mtime=0))
    assert _audit(output, manifest, site) == [f"draf.html: {UNACCOUNTED}"]


def test_a_bomb_named_like_a_copy_is_refused(built, output: Path) -> None:  # type: ignore[no-untyped-def]
    _, manifest = built
    _replace(output / "index.html.gz", gzip.compress(BOMB))
    assert _audit(output, manifest) == [
        "index.html.gz: salinan terkompresi ini tidak terurai menjadi isi 'index.html' yang "
        "persis sama; tidak boleh terbit"
    ]


def test_a_verified_pair_in_the_cache_vouches_only_for_its_own_bytes(
    built, output: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _, manifest = built
    cache = MachineCache(tmp_path / "audit-cache", "audit")
    assert _audit(output, manifest, cache=cache) == []
    check = CopyCheck(manifest, list_output(output), cache)
    assert check.known  # the true pairs were kept
    forged = brotli.compress(OTHER)
    page = (output / "berita/a/index.html").read_bytes()
    lie = f"{hashlib.sha256(page).hexdigest()}:{hashlib.sha256(OTHER).hexdigest()}:.br"
    cache.put(check.key, json.dumps(sorted(check.known | {lie})).encode())  # a wrong pair
    _replace(output / "berita/a/index.html.br", forged)
    assert _audit(output, manifest, cache=cache) == [FORGED]


def test_a_pair_table_failing_its_seal_reads_as_empty(built, output: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, manifest = built
    cache = MachineCache(tmp_path / "audit-cache", "audit")
    assert _audit(output, manifest, cache=cache) == []
    check = CopyCheck(manifest, list_output(output), cache)
    _replace(output / "berita/a/index.html.br", brotli.compress(OTHER))
    page = (output / "berita/a/index.html").read_bytes()
    forged = hashlib.sha256(brotli.compress(OTHER)).hexdigest()
    lie = f"{hashlib.sha256(page).hexdigest()}:{forged}:.br"
    stored = cache.path_of(check.key)
    mac = stored.read_bytes()[:32]
    stored.write_bytes(mac + json.dumps([lie]).encode())  # the forged pair, under an old seal
    assert _audit(output, manifest, cache=cache) == [FORGED]


# --- real builds and publishes ------------------------------------------------------------


def test_publish_compress_false_writes_no_copy(site: Site) -> None:
    site.article("berita/a.md", "Rapat A", "Isi. " * 100, slug="a", category="Berita")
    site.approve_all("berita/a.md")
    settings = site.write_settings("tanpa.py", extra="PUBLISH_COMPRESS = False\n")
    site.build(settings)
    assert _copies(site.output) == []


def test_a_misspelt_setting_value_is_refused_naming_file_and_key(site: Site) -> None:
    settings = site.write_settings("salah.py", extra="PUBLISH_COMPRESS = 'ya'\n")
    with pytest.raises(ConfigError) as failed:
        build_site(settings, site.output)
    assert failed.value.render() == (
        "salah.py: Nilai pengaturan 'PUBLISH_COMPRESS': diharapkan True atau False, "
        "tetapi diterima 'ya'. Perbaiki nilai itu lalu jalankan perintahnya lagi."
    )
    assert failed.value.exit_code == ExitCode.CONFIG
    assert not site.output.exists()  # stopped before Pelican ran


def _pending(site: Site) -> dict:
    records = sorted((site.approvals / "_arsip").rglob("*.tertunda.yml"))
    return yaml.safe_load(records[-1].read_text())


@pytest.mark.slow
def test_a_publish_sends_a_copy_only_when_its_sibling_changed(site: Site, tmp_path: Path) -> None:
    body = "Isi rapat pleno terbuka yang cukup panjang untuk dipadatkan. " * 20
    site.article("berita/a.md", "Rapat A", body, slug="a", category="Berita")
    site.approve_all("berita/a.md")
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    assert run(settings).returncode == 0
    live = tmp_path / "web" / "current"
    assert "berita/a/index.html.br" in snapshot(live)
    site.article("berita/b.md", "Rapat B", body, slug="b", category="Berita")
    site.approve_all("berita/b.md")
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    upload = set(_pending(site)["changes"]["files"]["upload"])
    assert {"berita/b/index.html.br", "berita/b/index.html.gz"} <= upload
    assert "berita/a/index.html.br" not in upload  # its page is unchanged
    for rel in upload:
        sibling = compress.copy_of(rel)
        assert sibling is None or sibling in upload, rel


@pytest.mark.slow
def test_a_forged_copy_written_into_a_sealed_publish_is_refused(site: Site, tmp_path: Path) -> None:
    site.article("berita/a.md", "Rapat A", "Isi TOKENRAPAT. " * 40, slug="a", category="Berita")
    site.approve_all("berita/a.md")
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    # Pelican has written the staging folder; nothing is checked yet
    child, resume = paused_at(settings, "build", tmp_path)
    (staging,) = (site.root / "var" / "terbit").glob(".*staging*")
    _replace(staging / "berita/a/index.html.br", brotli.compress(b"<p>TOKENPALSU</p>"))
    resume.write_text("")
    out, err = child.communicate(timeout=300)
    assert child.returncode == 10, out + err
    assert "Penerbitan DIBATALKAN, situs tayang tidak berubah." in err
    assert (
        "berita/a/index.html.br: salinan terkompresi ini tidak terurai menjadi isi "
        "'berita/a/index.html' yang persis sama; tidak boleh terbit"
    ) in err
    assert not (tmp_path / "web" / "current").exists()
