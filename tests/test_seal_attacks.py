"""Sealed publishing, attacked as a writer would: whole publishes that must hold or refuse.

A writer may commit anything (code and settings too) but holds no official's key. Each
test publishes a real site once, then commits the attack WITHOUT the site's machine
accepting it (``accept=False``: only the history since the last publish counts) and runs
``invoke publish`` again: the publish is refused with its exit code and a message naming
what and where, the marker reaches no output file, and the live site is byte-for-byte
what it was. The signed variants show the same change published when an official the
roster allows signs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from approval_gate.api import ExitCode
from publishkit import leaks, local_targets, publish_settings, run, snapshot
from sitekit import GitSite, Site, code_roster_text, machine_env

#: Whole-site publishes in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

MARKER = "TOKENSERANG"
ARTICLE = "berita/rapat.md"


def _published(site: Site, tmp_path: Path) -> tuple[Path, Path]:
    """Publish an approved article from a roster where andi may sign code.

    Returns the settings file and the live folder.
    """
    site.write_roster(code_roster_text(site.keys))
    site.article(ARTICLE, "Rapat Pleno", "Isi TOKENRAPAT.", category="Berita")
    site.approve_all(ARTICLE)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()  # the machine accepts this first commit as the start of its history
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    return settings, tmp_path / "web" / "current"


def _refused(done, live: Path, before: dict[str, bytes], code: int, *texts: str) -> None:  # type: ignore[no-untyped-def]
    assert done.returncode == code, done.stdout + done.stderr
    for text in texts:
        assert text in done.stderr, done.stderr
    assert snapshot(live) == before
    assert not leaks(live.resolve(), MARKER)


CODE_CHANGES = {
    "settings-anchor": ("terbitcfg.py", "\nAPPROVAL_GATE_ANCHOR = 'SHA256:{x}'  # " + MARKER),
    "theme-template": ("theme/templates/base.html", "\n<!-- " + MARKER + " -->\n"),
    "static-paths": ("terbitcfg.py", "\nSTATIC_PATHS = ['static', 'bocor']  # " + MARKER),
    "content-static": ("content/static/pengumuman.html", "<h1>" + MARKER + "</h1>"),
    "svg-script": ("content/static/peta.svg", f"<svg><script>alert('{MARKER}')</script></svg>"),
    "logo": ("content/static/logo-kpu.svg", f"<!-- {MARKER} -->"),
}


@pytest.mark.parametrize("change", sorted(CODE_CHANGES), ids=sorted(CODE_CHANGES))
def test_an_unsigned_code_change_is_refused_naming_commit_and_file(
    site: Site, tmp_path: Path, change: str
) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    path, text = CODE_CHANGES[change]
    file = site.root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a") as handle:
        handle.write(text.replace("{x}", "A" * 43))
    sha = site.commit(f"Ubah {path}", accept=False)
    done = run(settings)
    _refused(done, live, before, ExitCode.SEAL, "tanpa tanda tangan", sha[:12], path)


def test_the_same_change_signed_by_an_official_allowed_to_change_code_is_published(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    repo = GitSite(site)  # the site's repository (git init again changes nothing)
    repo.write("content/static/pengumuman.html", "<h1>Pengumuman resmi</h1>")
    repo.commit("Perabot baru", signer="andi")
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (live / "static" / "pengumuman.html").read_text() == "<h1>Pengumuman resmi</h1>"


def test_a_change_signed_by_an_official_without_the_code_permission_is_refused(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    repo = GitSite(site)  # the site's repository (git init again changes nothing)
    repo.write("content/static/pengumuman.html", f"<h1>{MARKER}</h1>")
    sha = repo.commit("Perabot", signer="sri")  # sri holds a role but may not sign code
    done = run(settings)
    _refused(done, live, before, ExitCode.SEAL, sha[:12], "content/static/pengumuman.html")


def test_deleting_a_rejection_does_not_bring_the_item_back(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    site.article("berita/ditolak.md", "Ditolak", f"Isi {MARKER}.", category="Berita")
    site.approve_all("berita/ditolak.md")
    rejection = site.sign("berita/ditolak.md", "sekretaris", decision="tolak", note="Salah.")
    site.commit("Ditolak Sekretaris", accept=False)
    assert run(settings).returncode == 0
    before = snapshot(live)
    rejection.unlink()
    sha = site.commit("Hapus penolakan", accept=False)
    done = run(settings)
    _refused(done, live, before, ExitCode.SEAL, sha[:12], rejection.name)


def test_an_old_signed_roster_is_refused_even_on_a_fresh_checkout(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    old = (
        (site.approvals / "roster.yml").read_bytes(),
        (site.approvals / "roster.yml.sig").read_bytes(),
    )
    site.write_roster(code_roster_text(site.keys, version=2))
    site.commit("Roster versi 2", accept=False)
    assert run(settings).returncode == 0
    before = snapshot(live)
    (site.approvals / "roster.yml").write_bytes(old[0])
    (site.approvals / "roster.yml.sig").write_bytes(old[1])
    site.commit("Roster lama lagi", accept=False)
    clone = tmp_path / "klon" / "situs"  # a fresh checkout on the same publishing machine
    shutil.copytree(site.root, clone, ignore=shutil.ignore_patterns("var", ".cache", "output"))
    done = run(clone / settings.name, env=machine_env(site.root))
    _refused(done, live, before, ExitCode.ANCHOR, "Roster versi 1 lebih lama dari versi 2")


def test_history_that_does_not_move_forward_is_refused(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    repo = GitSite(site)
    first = repo.git("rev-parse", "HEAD")
    site.article("berita/dua.md", "Dua", "Isi dua.", category="Berita")
    site.approve_all("berita/dua.md")
    site.commit("Kedua", accept=False)
    assert run(settings).returncode == 0
    before = snapshot(live)
    repo.git("checkout", "-q", "-b", "lain", first)  # history rewritten from the first commit
    site.article("berita/palsu.md", "Palsu", f"Isi {MARKER}.", category="Berita")
    site.approve_all("berita/palsu.md")
    sha = repo.commit("Riwayat lain")
    done = run(settings)
    _refused(done, live, before, ExitCode.SEAL, "tidak maju", sha[:12], "terima-riwayat")


def test_an_archive_folder_that_is_a_symlink_into_the_live_site_fails_closed(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    archive = site.approvals / "_arsip"
    shutil.rmtree(archive, ignore_errors=True)
    archive.symlink_to(live.resolve())
    site.article("berita/baru.md", "Baru", "Isi baru.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit("Arsip menunjuk situs", accept=False)
    done = run(settings)
    _refused(done, live, before, ExitCode.SEAL, "_arsip")
    published = {p.relative_to(live.resolve()).as_posix() for p in live.resolve().rglob("*.yml")}
    assert published <= {"persetujuan/roster.yml"}  # the signed roster, public on purpose


def test_an_archive_year_that_is_a_file_fails_before_the_switch(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    year = next((site.approvals / "_arsip").iterdir())
    shutil.rmtree(year)
    year.write_text("bukan folder\n")
    site.article("berita/baru.md", "Baru", "Isi baru.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit("Tahun arsip sebagai berkas", accept=False)
    done = run(settings)
    _refused(done, live, before, ExitCode.SEAL, year.name)


def test_a_clock_set_back_to_2020_publishes_nothing_and_deletes_nothing(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    faketime = shutil.which("faketime")
    assert faketime, "faketime is installed by .ci/run (APT_PACKAGES)"
    done = run(settings, env={"FAKETIME": "@2020-01-01 10:00:00", "LD_PRELOAD": _libfaketime()})
    _refused(done, live, before, ExitCode.RAIL, "2020-01-01")


def _libfaketime() -> str:
    for candidate in Path("/usr/lib").rglob("libfaketime.so.1"):
        return str(candidate)
    raise AssertionError("libfaketime.so.1 not found (Debian package faketime)")


def test_withdrawing_most_live_items_needs_izinkan_penarikan(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    for number in range(4):
        site.article(f"berita/b{number}.md", f"Berita {number}", "Isi.", category="Berita")
        site.approve_all(f"berita/b{number}.md")
    site.commit("Empat berita", accept=False)
    assert run(settings).returncode == 0
    before = snapshot(live)
    for number in range(3):
        site.sign(f"berita/b{number}.md", "komisioner", decision="tolak", note="Ditarik.")
    site.commit("Tarik tiga berita", accept=False)
    done = run(settings)
    _refused(done, live, before, ExitCode.RAIL, "3 dari 5 item", "berita/b0.md")
    allowed = run(settings, "publish", "--izinkan-penarikan")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "Item yang turun dari situs: 3" in allowed.stdout


def test_rollback_goes_only_to_releases_that_were_live_in_their_order(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    first = Path(os.readlink(live)).name
    site.article("berita/dua.md", "Dua", "Isi dua.", category="Berita")
    site.approve_all("berita/dua.md")
    site.commit("Kedua", accept=False)
    assert run(settings).returncode == 0
    # A release folder that never went live, named to sort between the two real ones.
    planted = live.parent / "releases" / f"{first[:-1]}~"
    shutil.copytree(live.resolve(), planted)
    (planted / "index.html").write_text(MARKER)
    done = run(settings, "rollback")
    assert done.returncode == 0, done.stdout + done.stderr
    assert Path(os.readlink(live)).name == first
    assert not leaks(live.resolve(), MARKER)


def test_a_machine_with_a_real_anchor_never_publishes_the_demo(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    before = snapshot(live)
    done = run(settings, "publish", "--demo", env={"KPU_ROSTER_ANCHOR": site.anchor})
    _refused(done, live, before, ExitCode.RAIL, "penerbitan contoh (--demo)")


BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)}]\n"
    for n in range(8)
)


def test_one_broken_committed_file_holds_only_its_item_and_never_stops_the_publish(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    site.article("berita/baik.md", "Baik", "Isi TOKENBAIK.", category="Berita")
    site.approve_all("berita/baik.md")
    folders = {name: site.approvals / "berita" / name for name in ("bom", "dalam", "lingkar")}
    for name in folders:  # bom and dalam lose a sign-off to a broken file: never published
        text = "Isi lingkar." if name == "lingkar" else f"Isi {MARKER}."
        site.article(f"berita/{name}.md", name.title(), text, category="Berita")
        site.approve_all(f"berita/{name}.md")
    # The Web Admin's sign-off of bom becomes an alias bomb (4^8 nodes), of dalam 999-deep.
    next(folders["bom"].glob("*web-admin-setuju.yml")).write_text(BOMB)
    next(folders["dalam"].glob("*web-admin-setuju.yml")).write_text(
        "a: " + "[" * 999 + "]" * 999 + "\n"
    )
    loop = folders["lingkar"] / "lingkar.yml"
    loop.symlink_to(loop.name)  # a symlink to itself
    (folders["lingkar"] / "pipa.yml").symlink_to("/tmp/kpu-pipa-tidak-ada")
    site.commit("Berkas rusak", accept=False)
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "terbit 3, ditahan" in done.stdout, done.stdout  # first article, baik, lingkar
    assert (live / "berita" / "baik" / "index.html").is_file()
    assert "approvals/berita/lingkar/lingkar.yml (tautan simbolik)" in done.stdout
    assert not leaks(live.resolve(), MARKER)
    for name in ("bom", "dalam"):
        assert f"berita/{name}.md" in done.stdout  # held, with its reason


def test_a_signoff_ssh_keygen_rejects_does_not_count(site: Site, tmp_path: Path) -> None:
    settings, live = _published(site, tmp_path)
    site.article("berita/rusak.md", "Rusak", f"Isi {MARKER}.", category="Berita")
    site.approve_all("berita/rusak.md")
    [signoff] = (site.approvals / "berita" / "rusak").glob("*komisioner-setuju.yml")
    lines = signoff.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("U1NIU0lH")) + 1
    lines[at] = lines[at][:6] + "\0" + lines[at][6:]  # a NUL inside the base64
    signoff.write_text("\n".join(lines))
    site.commit("Tanda tangan rusak", accept=False)
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ditahan: berita/rusak.md: menunggu Komisioner" in done.stdout
    assert not leaks(live.resolve(), MARKER)


def test_a_planted_archive_record_is_never_cited_by_the_next_publish(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    archive = site.approvals / "_arsip"
    [genuine] = archive.rglob("*-uji.yml")
    release = genuine.name.removesuffix("-uji.yml")
    planted = genuine.with_name("99999999T999999.999-ffffff-uji.yml")
    planted.write_text(genuine.read_text().replace(release, f"{MARKER}-palsu"))  # unsigned
    before = set(archive.rglob("*"))
    site.commit("Catatan arsip palsu", accept=False)
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    written = [path.read_text() for path in set(archive.rglob("*.yml")) - before]
    assert written and not any(MARKER in text or planted.name in text for text in written)
    # A record chains to the one before it by name and hash: the genuine record, only.
    cited = [line for text in written for line in text.splitlines() if line.startswith("previous:")]
    assert cited and all(release in line for line in cited)


def test_restructuredtext_cannot_pull_other_files_into_an_approved_page(
    site: Site, tmp_path: Path
) -> None:
    settings, live = _published(site, tmp_path)
    site.article("berita/rahasia.md", "Rahasia", f"Isi {MARKER}.", category="Berita")  # draft
    (site.content / "berita" / "laporan.rst").write_text(
        "Laporan\n#######\n\n:date: 2026-11-20\n:category: Berita\n\nIsi TOKENRST.\n\n"
        ".. include:: rahasia.md\n\n"
        ".. raw:: html\n   :file: /etc/passwd\n\n"
        ".. csv-table:: Data\n   :file: rahasia.md\n"
    )
    site.approve_all("berita/laporan.rst")
    site.commit("Naskah reST", accept=False)
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "berita/laporan.rst" in done.stdout  # held, with its reason
    assert not leaks(live.resolve(), MARKER)
    assert not leaks(live.resolve(), "root:x:0:0")
