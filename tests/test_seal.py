"""Sealed publishing: only the bytes of one commit reach the site, never the work tree.

Each test is a whole ``invoke publish`` on a real site in a git repository, as an
attacker who may change the work tree or commit under content/ and approvals/ (but holds
no official's key) would try it. A marker planted by the attack must appear in no file
of the live site (bytes, gunzipped search data, file names), and the live site is either
byte-for-byte what it was, or the item is held with its reason, or the publish is refused
and nothing changed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from publishing.seal import SealError
from publishing.seal.export import export_commit
from publishkit import leaks, local_targets, publish_settings, run, snapshot, swap_loop
from sitekit import Site, commit_all, roster_text

#: Whole-site publishes in child processes: seconds each (docs/architecture.md).
slow = pytest.mark.slow

MARKER = "TOKENSEGEL"
ARTICLE = "berita/rapat.md"


def _published(site: Site, tmp_path: Path, body: str = "") -> tuple[Path, Path]:
    """Commit an approved article with an attachment, publish it; return settings, live."""
    site.article(
        ARTICLE,
        "Rapat Pleno",
        body or "Isi TOKENRAPAT. [unduh]({attach}sk.csv)",
        category="Berita",
    )
    site.attach("berita/sk.csv", b"no,nama\n1,asli\n")
    site.approve_all(ARTICLE)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    live = tmp_path / "web" / "current"
    assert any(b"TOKENRAPAT" in data for data in snapshot(live).values())
    return settings, live


def _unchanged(done, live: Path, before: dict[str, bytes]) -> None:  # type: ignore[no-untyped-def]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "  Situs tidak berubah: tidak ada berkas yang dikirim." in done.stdout.splitlines()
    assert snapshot(live) == before
    assert not leaks(live.resolve(), MARKER)


@slow
def test_furniture_only_in_the_work_tree_never_goes_live(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    site.attach("static/pengumuman-resmi.html", f"<html><h1>{MARKER}</h1></html>".encode())
    site.attach(
        "static/peta.svg",
        f'<svg xmlns="http://www.w3.org/2000/svg"><script>alert("{MARKER}")</script></svg>'.encode(),
    )
    site.attach("static/logo-kpu.svg", f"<svg><text>{MARKER}</text></svg>".encode())  # replaced
    site.attach(f"static/{MARKER}.txt", b"nama berkas")
    done = run(settings)  # nothing committed: the work tree alone holds all of it
    _unchanged(done, live, before)
    assert json.loads((site.root / "var" / "gate-manifest.json").read_text())["sealed"] is True


@slow
def test_uncommitted_and_untracked_files_are_not_published(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    template = site.root / "theme" / "templates" / "base.html"
    template.write_text(template.read_text().replace("</body>", f"{MARKER}</body>"))
    site.article(ARTICLE, "Rapat Pleno", f"Isi diubah {MARKER}.", category="Berita")
    site.attach("berita/sk.csv", f"no,nama\n1,{MARKER}\n".encode())
    site.article("pages/baru.md", "Halaman Baru", f"Isi {MARKER}.")
    site.approve_all("pages/baru.md")  # even signed: the sign-offs are not committed either
    site.approve_all(ARTICLE)
    done = run(settings)
    _unchanged(done, live, before)


@slow
def test_commit_option_publishes_exactly_that_commit(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    first = snapshot(live)
    chosen = site.commit("Titik terbit")
    site.article("berita/baru.md", "Berita Baru", f"Isi {MARKER}.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit("Berita baru", accept=False)
    done = run(settings, "publish", "--commit", chosen[:10])
    assert f"  Dari commit {chosen[:12]} (isi folder kerja tidak dibaca)." in done.stdout
    _unchanged(done, live, first)
    unknown = run(settings, "publish", "--commit", "tidak-ada")
    assert unknown.returncode == 14 and "'tidak-ada' bukan commit" in unknown.stderr


@slow
def test_a_work_tree_site_build_is_marked_not_sealed(site: Site) -> None:
    site.article(ARTICLE, "Rapat Pleno", "Isi.", category="Berita")
    site.approve_all(ARTICLE)
    assert site.build().manifest["sealed"] is False


@slow
def test_a_committed_symlink_in_the_furniture_stops_the_publish(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    os.symlink("/proc/self/environ", site.content / "static" / "env.txt")
    site.commit("Tautan ke lingkungan proses")
    done = run(settings, env={"KPU_RAHASIA": MARKER})
    assert done.returncode == 14, done.stdout + done.stderr
    assert "Penerbitan DIBATALKAN, situs tayang tidak berubah." in done.stderr
    assert "content/static/env.txt: Tautan simbolik di commit " in done.stderr
    assert snapshot(live) == before and not leaks(live.resolve(), MARKER)
    assert not (site.root / "var" / "segel").exists()  # the export is removed


@slow
def test_committed_symlinks_in_content_and_approvals_are_left_out_and_reported(
    site: Site, tmp_path: Path
) -> None:
    site.write_roster(roster_text(site.keys) + "# TOKENROSTER\n")
    (site.content / "berita").mkdir()
    os.symlink("../../approvals/roster.yml", site.content / "berita" / "data.txt")
    body = "Isi TOKENRAPAT. [unduh]({attach}sk.csv) [data]({attach}data.txt)"
    settings, live = _published_with_links(site, tmp_path, body)
    os.symlink("/proc/self/environ", site.content / "berita" / "env.txt")
    (site.approvals / "berita").mkdir(exist_ok=True)
    os.symlink("/proc/self/environ", site.approvals / "berita" / "palsu.yml")
    site.commit("Tautan simbolik")
    done = run(settings, env={"KPU_RAHASIA": MARKER})
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for path in ("approvals/berita/palsu.yml", "content/berita/data.txt", "content/berita/env.txt"):
        assert f"  Dilewati (bukan berkas biasa, tidak diterbitkan): {path} (tautan simbolik)" in (
            lines
        )
    assert any(line.startswith(f"    ditahan: {ARTICLE}: ") for line in lines)
    assert not leaks(live.resolve(), MARKER)
    # The signed roster is published on purpose (Periksa keaslian), never through the link.
    public_roster = {f"persetujuan/roster.yml{copy}" for copy in ("", ".gz", ".br")}
    assert set(leaks(live.resolve(), "TOKENROSTER")) <= public_roster
    assert not (live.resolve() / "berita").exists() or not leaks(
        live.resolve() / "berita", "TOKENROSTER"
    )
    assert not any(b"TOKENRAPAT" in data for data in snapshot(live).values())  # held


def _published_with_links(site: Site, tmp_path: Path, body: str) -> tuple[Path, Path]:
    """Like ``_published``, without the first publish (its links need not resolve)."""
    site.article(ARTICLE, "Rapat Pleno", body, category="Berita")
    site.attach("berita/sk.csv", b"no,nama\n1,asli\n")
    site.approve_all(ARTICLE)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    return settings, tmp_path / "web" / "current"


#: Links the digest used to read differently from Pelican: (link, approved file, the
#: file the attacker writes after the approval).
LINKS = {
    "spasi-di-depan": ('<a href="{attach} x.csv">unduh</a>', "x.csv", "x.csv"),
    "nama-berspasi": ('<a href="{attach}data (final).csv">unduh</a>', "data (final).csv", None),
    "nama-berkutip": ("<a href=\"{attach}data'v2'.csv\">unduh</a>", "data'v2'.csv", None),
    "persen": ('<a href="{attach}a%2Bb.csv">unduh</a>', "a+b.csv", "a%2Bb.csv"),
}


@slow
@pytest.mark.parametrize("case", sorted(LINKS))
def test_an_attachment_replaced_after_approval_never_goes_live(
    site: Site, tmp_path: Path, case: str
) -> None:
    link, approved, replaced = LINKS[case]
    site.article(ARTICLE, "Rapat Pleno", f"Isi TOKENRAPAT. {link}", category="Berita")
    site.attach(f"berita/{approved}", b"no,nama\n1,asli\n")
    site.approve_all(ARTICLE)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    assert run(settings).returncode == 0
    live = tmp_path / "web" / "current"
    before = snapshot(live)
    site.attach(f"berita/{replaced or approved}", f"no,nama\n1,{MARKER}\n".encode())
    site.commit("Lampiran diganti")
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not leaks(live.resolve(), MARKER)
    held = any(line.startswith(f"    ditahan: {ARTICLE}: ") for line in done.stdout.splitlines())
    assert held or snapshot(live) == before


@slow
def test_work_tree_swapped_during_publishes_never_goes_live(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    article = site.content / ARTICLE
    tampered = article.read_text().replace("Isi TOKENRAPAT.", f"Isi TOKENRAPAT {MARKER}.")
    swaps = {
        article: tampered.encode(),
        site.content / "berita" / "sk.csv": f"no,nama\n1,{MARKER}\n".encode(),
    }
    failed, tampered_live = swap_loop(settings, live, swaps, MARKER, runs=10)
    assert failed == 0 and tampered_live == []  # 0 tampered bytes live


@slow
def test_settings_that_point_outside_the_commit_are_refused(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    outside = publish_settings(site, local_targets(tmp_path / "web"), name="luar.py")
    outside.write_text(outside.read_text() + f"PATH = {str(site.content)!r}\n")
    site.commit("Pengaturan dengan jalur mutlak")
    done = run(outside)
    assert done.returncode == 14, done.stdout + done.stderr
    assert "luar.py: Pengaturan 'PATH' (" in done.stderr
    assert "bukan folder content/ dari commit yang diterbitkan" in done.stderr
    assert snapshot(live) == before


# --- the export alone (git objects -> folder), without a publish: milliseconds ------------


def _git(repo: Path, *args: str, data: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, input=data, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _tree_commit(repo: Path, entries: str) -> str:
    """Return a commit whose tree is ``entries`` (mktree lines), however odd they are."""
    tree = _git(repo, "mktree", "--missing", data=entries)
    return _git(
        repo, "-c", "user.name=Uji", "-c", "user.email=uji@kpu", "commit-tree", tree, "-m", "x"
    )


def test_export_writes_the_commits_regular_files_and_leaves_out_content_links(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / "content" / "berita").mkdir(parents=True)
    (repo / "approvals").mkdir()
    (repo / "content" / "berita" / "a.md").write_bytes(b"Title: A\r\n\r\nisi\x00\n")
    (repo / "alat.sh").write_text("echo\n")
    (repo / "alat.sh").chmod(0o755)
    os.symlink("/proc/self/environ", repo / "content" / "berita" / "env.txt")
    os.symlink("../content/berita/a.md", repo / "approvals" / "tautan.yml")
    commit = commit_all(repo, "isi")
    (repo / "content" / "berita" / "a.md").write_text("diubah di folder kerja")
    export = export_commit(repo, commit, tmp_path / "salinan")
    out = tmp_path / "salinan"
    assert (out / "content" / "berita" / "a.md").read_bytes() == b"Title: A\r\n\r\nisi\x00\n"
    assert oct((out / "alat.sh").stat().st_mode & 0o777) == "0o644"
    assert not any(p.is_symlink() for p in out.rglob("*"))
    assert export.skipped == [
        "approvals/tautan.yml (tautan simbolik)",
        "content/berita/env.txt (tautan simbolik)",
    ]
    assert set(export.files) == {"alat.sh", "content/berita/a.md"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("120000 blob {blob}\tplugins", "plugins: Tautan simbolik di commit "),
        ("120000 blob {blob}\tcontent", "content: Tautan simbolik di commit "),
        ("160000 commit {commit}\ttema", "tema: Submodul di commit "),
        ("100644 blob {blob}\t..", "..: Jalur ini tidak boleh ada di commit"),
        ("100644 blob {blob}\t.git", ".git: Jalur ini tidak boleh ada di commit"),
    ],
    ids=["symlink-code", "symlink-content", "submodule", "dotdot", "dotgit"],
)
def test_export_refuses_what_may_not_be_published(tmp_path: Path, entry: str, message: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    blob = _git(repo, "hash-object", "-w", "--stdin", data="/proc/self/environ")
    commit = _tree_commit(repo, entry.format(blob=blob, commit="1" * 40) + "\n")
    with pytest.raises(SealError) as refused:
        export_commit(repo, commit, tmp_path / "salinan")
    assert refused.value.exit_code == 14
    assert refused.value.render().startswith(message)
    assert not (tmp_path / "salinan").exists()  # refused before anything was written


def test_export_leaves_out_a_submodule_under_content(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    blob = _git(repo, "hash-object", "-w", "--stdin", data="isi")
    inner = _git(repo, "mktree", data=f"160000 commit {'1' * 40}\tsub\n100644 blob {blob}\ta.md\n")
    commit = _tree_commit(repo, f"040000 tree {inner}\tcontent\n")
    export = export_commit(repo, commit, tmp_path / "salinan")
    assert export.skipped == ["content/sub (submodul)"]
    assert (tmp_path / "salinan" / "content" / "a.md").read_text() == "isi"


def test_the_blob_store_links_what_it_verified_and_keeps_only_the_last_commit(
    tmp_path: Path,
) -> None:
    repo, store = tmp_path / "repo", tmp_path / "var" / "segel-blob"
    (repo / "content").mkdir(parents=True)
    (repo / "content" / "a.md").write_text("Title: A\n\nsama\n")
    (repo / "content" / "b.md").write_text("Title: B\n\nlama\n")
    first = commit_all(repo, "pertama")
    one = export_commit(repo, first, tmp_path / "satu", store)
    (repo / "content" / "b.md").write_text("Title: B\n\nbaru\n")
    second = commit_all(repo, "kedua")
    two = export_commit(repo, second, tmp_path / "dua", store)
    assert (tmp_path / "dua" / "content" / "b.md").read_text() == "Title: B\n\nbaru\n"
    same = (tmp_path / "satu" / "content" / "a.md", tmp_path / "dua" / "content" / "a.md")
    assert same[0].stat().st_ino == same[1].stat().st_ino  # linked, not written again
    assert one.files["content/a.md"] == two.files["content/a.md"]
    old_b = _git(repo, "rev-parse", f"{first}:content/b.md")
    assert not (store / old_b).exists()  # only the last commit's blobs are kept
    assert len([p for p in store.iterdir() if p.name != "sha256.json"]) == 2


def test_a_committed_file_above_the_attachment_limit_is_never_copied(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "content" / "data").mkdir(parents=True)
    (repo / "content" / "data" / "besar.csv").write_bytes(b"0" * (50 * 1024 * 1024 + 1))
    (repo / "content" / "data" / "kecil.csv").write_bytes(b"1")
    export = export_commit(repo, commit_all(repo, "besar"), tmp_path / "salinan")
    assert export.skipped == [
        "content/data/besar.csv (terlalu besar: 52428801 bita, batas 52428800 bita)"
    ]
    assert not (tmp_path / "salinan" / "content" / "data" / "besar.csv").exists()
    assert (tmp_path / "salinan" / "content" / "data" / "kecil.csv").read_bytes() == b"1"
