"""SOP step 9: ``invoke publish`` builds, audits, deploys atomically and archives.

Every test runs the real command on a real site (real keys, real Pelican, a git
repository: a publish reads the site's last commit) and looks at what readers of the
target would see, what the archive holds and what the web admin is told.
"""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

import pytest
import yaml

from approval_gate.api import ConfigError, KpuError
from publishing.config import load_config, make_target
from publishing.provenance import piece_path
from publishing.publish import published_folder
from publishing.targets import TargetError, target_types
from publishkit import kill, local_targets, publish_settings, run, snapshot, start, wait_for
from sitekit import ROLES, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _sample(site: Site) -> None:
    site.article(
        "berita/rapat.md",
        "Rapat Pleno",
        "Isi TOKENRAPAT. [unduh]({attach}sk.pdf)",
        category="Berita",
    )
    site.attach("berita/sk.pdf", b"%PDF TOKENSK")
    site.approve_all("berita/rapat.md")
    site.article("berita/tunggu.md", "Menunggu Sekretaris", "Isi TOKENTUNGGU.", category="Berita")
    site.approve_all("berita/tunggu.md", ROLES[:2])
    site.article(
        "pengumuman/nanti.md",
        "Jadwal Nanti",
        "Isi TOKENNANTI.",
        category="Pengumuman",
        date="2026-11-25 09:00",
        berlaku="2026-11-25 s.d. 2027-12-31",  # a pengumuman needs its validity (naskah)
        berlaku_sampai="2027-12-31",
    )
    site.approve_all("pengumuman/nanti.md")


@pytest.fixture
def published(site: Site, tmp_path: Path) -> tuple[Site, Path, Path]:
    """A site published once to a local target; returns site, settings, live folder."""
    _sample(site)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    return site, settings, tmp_path / "web" / "current"


def _records(site: Site, pending: bool = False) -> list[Path]:
    """Return the complete archive records (or the pending ones), oldest first."""
    return sorted(
        p
        for p in (site.approvals / "_arsip").rglob("*.yml")
        if p.name.endswith(".tertunda.yml") == pending
    )


def test_publish_puts_only_approved_items_live_and_says_so(site: Site, tmp_path: Path) -> None:
    _sample(site)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    commit = site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stderr
    live = snapshot(tmp_path / "web" / "current")
    assert any(b"TOKENRAPAT" in data for data in live.values())
    assert "berita/sk.pdf" in live
    assert not any(b"TOKENTUNGGU" in d or b"TOKENNANTI" in d for d in live.values())
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Penerbitan ") and lines[0].endswith(" selesai.")
    assert lines[1] == f"  Target: uji (folder lokal {tmp_path / 'web' / 'current'})"
    assert lines[2] == "  terbit 1, ditahan 2"
    assert "    ditahan: berita/tunggu.md: menunggu Sekretaris" in lines
    assert (
        "    ditahan: pengumuman/nanti.md: disetujui; dijadwalkan terbit 2026-11-25 "
        "09:00 WIB" in lines
    )
    assert (
        "  Perubahan berikut: 2026-11-25 09:00 WIB; jalankan 'invoke publish' lagi pada "
        "saat itu (lihat docs/publishing.md, penjadwal)." in lines
    )
    assert f"  Dari commit {commit[:12]} (isi folder kerja tidak dibaca)." in lines


def test_the_archive_records_who_what_where_and_why_not(published) -> None:
    site, _, _ = published
    [path] = _records(site, pending=True)
    text = path.read_text()
    assert text.startswith("# Arsip publikasi situs KPU Kabupaten Rembang")
    record = yaml.safe_load(text)
    assert record["target"]["name"] == "uji" and record["target"]["type"] == "lokal"
    assert record["by"] and record["published_at"].startswith("20")
    [item] = record["published"]
    assert item["item"] == "berita/rapat.md" and item["digest"] == site.digest("berita/rapat.md")
    assert [s["role"] for s in item["signoffs"]] == list(ROLES)
    assert {w["item"]: w["state"] for w in record["withheld"]} == {
        "berita/tunggu.md": "menunggu",
        "pengumuman/nanti.md": "terjadwal",
    }
    assert record["next_change"] == "2026-11-25T09:00:00+07:00"
    [complete] = _records(site)
    assert yaml.safe_load(complete.read_text())["sent"]["files"] > 0


def test_unchanged_republish_sends_nothing_but_is_archived(published) -> None:
    site, settings, live = published
    before = snapshot(live)
    releases = sorted(p.name for p in (live.parent / "releases").iterdir())
    done = run(settings)
    assert done.returncode == 0, done.stderr
    assert "  Situs tidak berubah: tidak ada berkas yang dikirim." in done.stdout.splitlines()
    assert sorted(p.name for p in (live.parent / "releases").iterdir()) == releases
    assert snapshot(live) == before
    sent = yaml.safe_load(_records(site)[-1].read_text())["sent"]
    assert sent == {"files": 0, "bytes": 0, "deleted": 0, "unchanged": len(before)}
    first, second = (yaml.safe_load(p.read_text()) for p in _records(site, pending=True))
    # nothing new was published: the record lists no changes and names the earlier one
    assert "published" not in second and second["published_count"] == 1
    earlier = _records(site)[0].relative_to(site.approvals / "_arsip").as_posix()
    assert second["previous"] == earlier and second["chain_depth"] == 1
    assert second["changes"] == {
        "added": [],
        "changed": [],
        "withdrawn": [],
        "files": {"upload": [], "delete": []},
    }
    assert second["published_sha256"] == first["published_sha256"]
    assert second["withheld"] == first["withheld"]


def test_a_change_sends_only_the_changed_files(published) -> None:
    site, settings, live = published
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stderr
    assert any(b"TOKENBARU" in d for d in snapshot(live).values())
    record = yaml.safe_load(_records(site)[-1].read_text())
    old, new = sorted((live.parent / "releases").iterdir())
    assert 0 < record["sent"]["files"] < len(snapshot(new)) and record["sent"]["unchanged"] > 0
    assert (old / "berita/sk.pdf").stat().st_ino == (new / "berita/sk.pdf").stat().st_ino
    # the record lists the change and names the previous record; of the provenance record
    # only the new item's own piece was sent (pieces get no compressed copies)
    pending = yaml.safe_load(_records(site, pending=True)[-1].read_text())
    earlier = _records(site)[0].relative_to(site.approvals / "_arsip").as_posix()
    assert "published" not in pending and pending["previous"] == earlier
    assert [e["item"] for e in pending["changes"]["added"]] == ["berita/baru.md"]
    assert [
        p for p in pending["changes"]["files"]["upload"] if p.startswith("persetujuan/catatan")
    ] == [piece_path("berita/baru.md")]


def test_dry_run_changes_nothing_and_lists_what_would_be_sent(published) -> None:
    site, settings, live = published
    before = snapshot(live)
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()
    done = run(settings, "publish", "--dry-run")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "UJI COBA (--dry-run): tidak ada yang dikirim atau dicatat."
    assert "  akan terbit 2, ditahan 2" in lines
    assert "    kirim: berita/berita-baru/index.html" in lines
    assert snapshot(live) == before and len(_records(site)) == 1


def test_expired_announcement_is_removed_by_the_next_publish(site: Site, tmp_path: Path) -> None:
    site.article(
        "pengumuman/kpps.md",
        "Pendaftaran KPPS",
        "Isi TOKENKPPS.",
        category="Pengumuman",
        berlaku="2026-11-20 s.d. 2026-11-30",
        berlaku_sampai="2026-11-30",
    )
    site.approve_all("pengumuman/kpps.md")
    targets = local_targets(tmp_path / "web")
    settings = publish_settings(site, targets)
    site.commit()
    assert run(settings).returncode == 0
    assert any(b"TOKENKPPS" in d for d in snapshot(tmp_path / "web" / "current").values())
    later = site.write_settings(
        "desember.py",
        extra=f"PUBLISH_TARGETS = {targets}\n"
        "PUBLISH_TARGET = 'uji'\n"
        "APPROVAL_GATE_NOW = '2026-12-01T00:00:00+07:00'\n",
    )
    site.commit()
    done = run(later)
    assert done.returncode == 0, done.stderr
    assert not any(b"TOKENKPPS" in d for d in snapshot(tmp_path / "web" / "current").values())
    assert (
        "    ditahan: pengumuman/kpps.md: masa berlaku berakhir 2026-12-01 00:00 WIB; "
        "arsip tetap menyimpan catatannya" in done.stdout.splitlines()
    )
    first = yaml.safe_load(_records(site, pending=True)[0].read_text())
    assert first["published"][0]["item"] == "pengumuman/kpps.md"  # the record stays


def test_audit_finding_deploys_nothing(published) -> None:
    site, settings, live = published
    before = snapshot(live)
    site.attach("static/bocor.yml", b"TOKENBOCOR: rahasia\n")  # furniture the audit refuses
    site.commit()
    done = run(settings)
    assert done.returncode == 10, done.stdout + done.stderr
    assert "Penerbitan DIBATALKAN, situs tayang tidak berubah." in done.stderr
    assert (
        "static/bocor.yml: berkas pribadi (kunci, persetujuan, cache atau manifest) tidak "
        "boleh terbit" in done.stderr
    )
    assert snapshot(live) == before and len(_records(site)) == 1


def test_bad_target_setting_stops_before_anything_is_built(site: Site, tmp_path: Path) -> None:
    _sample(site)
    settings = publish_settings(site, repr({"uji": {"type": "lokal", "path": "web", "keep": -1}}))
    site.commit()
    done = run(settings)
    assert done.returncode == 3
    assert (
        "Penerbitan DIBATALKAN, situs tayang tidak berubah.\nterbitcfg.py: Nilai "
        "pengaturan 'PUBLISH_TARGETS['uji']['keep']': diharapkan bilangan bulat >= 0 "
        "(jumlah rilis yang disimpan), tetapi diterima -1." in done.stderr
    )
    assert not (site.root / "var" / "terbit").exists() and not site.output.exists()


#: One misspelled option per kind of target, and the option it should have been.
MISSPELLED = {
    "lokal": ({"pth": "web"}, "pth", "path"),
    "rsync": (
        {"host": "deploy@web.kpu.example", "path": "/srv/kpu", "porrt": 2222},
        "porrt",
        "port",
    ),
    "s3": (
        {"bucket": "kpu-situs", "endpoint": "http://127.0.0.1:9000"},
        "endpoint",
        "endpoint_url",
    ),
    "github-pages": (
        {"remote": "https://github.com/kpu/situs.git", "brach": "main"},
        "brach",
        "branch",
    ),
}


def _misspelled(kind: str) -> tuple[dict[str, dict[str, object]], str]:
    options, wrong, right = MISSPELLED[kind]
    return (
        {"uji": {"type": kind, **options}},
        f"Pengaturan tidak dikenal: 'PUBLISH_TARGETS['uji']['{wrong}']'. Mungkin maksud "
        f"Anda 'PUBLISH_TARGETS['uji']['{right}']'?",
    )


@pytest.mark.parametrize("kind", sorted(MISSPELLED))
def test_misspelled_target_option_is_refused_when_the_target_is_made(
    kind: str, tmp_path: Path
) -> None:
    targets, message = _misspelled(kind)
    config = load_config({"PUBLISH_TARGETS": targets, "PUBLISH_TARGET": "uji"}, "uji.py")
    with pytest.raises(ConfigError) as error:
        make_target(config, {}, tmp_path, tmp_path / "var")
    assert error.value.exit_code == 3
    assert str(error.value) == f"uji.py: {message}"


@pytest.mark.parametrize("kind", sorted(MISSPELLED))
def test_misspelled_target_option_stops_the_publish_before_the_build(site: Site, kind: str) -> None:
    _sample(site)
    targets, message = _misspelled(kind)
    settings = publish_settings(site, repr(targets))
    site.commit()
    done = run(settings)
    assert done.returncode == 3, done.stderr
    assert (
        f"Penerbitan DIBATALKAN, situs tayang tidak berubah.\nterbitcfg.py: {message}"
        in done.stderr
    )
    assert not (site.root / "var" / "terbit").exists() and not site.output.exists()


def test_every_target_module_is_a_type_without_a_list_to_update() -> None:
    types = target_types()
    assert sorted(types) == ["github-pages", "lokal", "rsync", "s3"]
    for kind, where in types.items():
        module, _, name = where.partition(":")
        assert getattr(importlib.import_module(module), name).kind == kind


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (
            "{'uji': {'type': 'lokall'}}",
            "PUBLISH_TARGETS['uji']['type'] tidak dikenal: 'lokall'. Mungkin maksud Anda 'lokal'?",
        ),
        (
            "{'web': {'type': 'lokal'}}",
            "Target 'uji' tidak ada di PUBLISH_TARGETS. Pilihan: 'web'.",
        ),
    ],
    ids=["unknown-type", "unknown-target"],
)
def test_settings_mistakes_name_the_file_and_key(site: Site, targets: str, expected: str) -> None:
    settings = publish_settings(site, targets)
    site.commit()
    done = run(settings)
    assert done.returncode == 3
    assert f"terbitcfg.py: {expected}" in done.stderr


def test_unknown_publish_setting_suggests_the_right_one(site: Site) -> None:
    settings = site.write_settings("typo.py", extra="PUBLISH_ARSIP_COMMIT = False\n")
    site.commit()
    done = run(settings)
    assert done.returncode == 3
    assert (
        "typo.py: Pengaturan tidak dikenal: 'PUBLISH_ARSIP_COMMIT'. Mungkin maksud "
        "Anda 'PUBLISH_ARCHIVE_COMMIT'?" in done.stderr
    )


def test_rollback_returns_to_the_previous_release(published) -> None:
    site, settings, live = published
    first = snapshot(live)
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()
    assert run(settings).returncode == 0
    done = run(settings, "rollback")
    assert done.returncode == 0, done.stderr
    assert snapshot(live) == first
    assert "Catatan: arsip publikasi tidak diubah" in done.stdout


@pytest.mark.parametrize("point", ["build", "audit", "upload"])
def test_publish_killed_midway_leaves_the_live_site_complete(
    published, tmp_path: Path, point: str
) -> None:
    site, settings, live = published
    before = snapshot(live)
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()
    marker = tmp_path / "berhenti"
    spool = tmp_path / "tmp"  # the publishes' temporary folder: nobody can clean it after
    spool.mkdir()  # a SIGKILL, so nothing of theirs may be left there by name
    child = start(settings, failpoint=point, marker=marker, env={"TMPDIR": str(spool)})
    wait_for(marker, child)
    kill(child)
    assert snapshot(live) == before
    assert len(_records(site)) == 1
    assert list(spool.iterdir()) == []
    done = run(settings, env={"TMPDIR": str(spool)})  # the lock died with the process
    assert done.returncode == 0, done.stderr  # the next publish succeeds
    assert any(b"TOKENBARU" in d for d in snapshot(live).values())
    assert list(spool.iterdir()) == []


def _writing(builds: Path) -> bool:
    """Tell whether a staging folder under ``builds`` has files (it may not exist yet)."""
    try:
        return bool(list(builds.glob(".*.staging-*/*")))
    except FileNotFoundError:  # var/terbit is made, or renamed away, while we look
        return False


def test_publish_killed_while_pelican_runs_leaves_the_live_site(published) -> None:
    site, settings, live = published
    before = snapshot(live)
    for index in range(150):
        site.article(f"berita/massal-{index}.md", f"Massal {index}", "Isi.", category="Berita")
    site.commit()
    child = start(settings)
    builds = site.root / "var" / "terbit"
    while not _writing(builds):  # Pelican has started writing
        assert child.poll() is None, child.communicate()
    kill(child)
    assert snapshot(live) == before and len(_records(site)) == 1


def test_second_publish_is_refused_and_told_who_holds_the_lock(published, tmp_path: Path) -> None:
    site, settings, live = published
    marker = tmp_path / "berhenti"
    # committed first: a publish that resolved HEAD before the commit would have nothing
    # to send and end without reaching the upload it is to stop at
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()
    first = start(settings, failpoint="upload", marker=marker)
    wait_for(marker, first)
    second = run(settings)
    assert second.returncode == 11
    assert "Penerbitan lain sedang berjalan (" in second.stderr
    assert f"pid {marker.read_text().split()[1]}" in second.stderr
    kill(first)
    assert run(settings).returncode == 0


def test_archive_record_is_committed_alone_in_a_git_repository(site: Site, tmp_path: Path) -> None:
    _sample(site)
    settings = publish_settings(site, local_targets(tmp_path / "web"))
    site.commit()
    git = ["git", "-C", str(site.root)]
    (site.root / "catatan.txt").write_text("pekerjaan lain")
    subprocess.run([*git, "add", "catatan.txt"], check=True)
    done = run(settings)
    assert done.returncode == 0, done.stderr
    log = subprocess.run(
        [*git, "log", "--format=%s", "--name-only", "-1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert log[:3] == ["Arsip", "publikasi", log[2]]
    # the pending and the complete record, each with its signature, and nothing else
    assert len(log) == 7 and all(p.startswith("approvals/_arsip/2026/") for p in log[3:])
    staged = subprocess.run(
        [*git, "diff", "--cached", "--name-only"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert staged == ["catatan.txt"]  # other staged work is left alone


def test_serve_published_finds_the_live_folder_of_the_local_target(published) -> None:
    _, settings, live = published
    assert published_folder(settings) == live  # the link, so a new release is served at once


@pytest.mark.parametrize(
    ("entry", "error", "expected"),
    [
        (
            {"type": "s3", "bucket": "kpu-situs"},
            ConfigError,
            "Tidak ada target lokal di PUBLISH_TARGETS (terbitcfg.py).",
        ),
        (
            {"type": "lokal", "path": "belum"},
            TargetError,
            "Belum ada situs terbit di {root}/belum/current. Jalankan 'invoke publish' dulu.",
        ),
    ],
    ids=["no-local-target", "nothing-published"],
)
def test_serve_published_says_why_there_is_nothing_to_serve(
    site: Site, entry: dict[str, str], error: type[KpuError], expected: str
) -> None:
    settings = publish_settings(site, repr({"uji": entry}))
    with pytest.raises(error) as raised:
        published_folder(settings)
    assert str(raised.value) == expected.format(root=site.root.resolve())
    assert raised.value.exit_code == (3 if error is ConfigError else 12)
