"""Faults during a publish, a build and a rollback: one Indonesian sentence each, never a traceback.

Each fault is made for real: a small tmpfs is a full disk (the target's, the archive
folder's, ``var/``'s), a read-only bind mount is a read-only folder (root ignores file
modes), SIGKILL, SIGINT and SIGTERM are sent to a child ``invoke publish`` paused at a
failpoint (publishing/failpoints.py). Every test checks the exact message and exit code,
what readers see (byte for byte), what the archive and the machine's state hold, and
that the next run cleans up and succeeds. Mounting needs root (CI runs as root).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import yaml

from publishkit import kill, publish_settings, run, snapshot, start, wait_for
from sitekit import Site, machine_folder

#: Whole-site publishes in child processes: seconds each.
pytestmark = pytest.mark.slow

CAN_MOUNT = os.geteuid() == 0


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} gagal ({done.stderr.strip()}): perlu root")


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` on ``folder`` (a small disk that fills up for real)."""
    if not CAN_MOUNT:
        pytest.skip("a tmpfs needs root (mount); CI runs the suite as root")
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _unmount(folder)


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """Bind-mount ``folder`` read-only onto itself (root ignores modes; a mount it cannot)."""
    if not CAN_MOUNT:
        pytest.skip("a read-only bind mount needs root (mount); CI runs the suite as root")
    _mount("--bind", str(folder), str(folder))
    try:
        _mount("-o", "remount,bind,ro", str(folder))
        yield folder
    finally:
        _unmount(folder)


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte; return the filler to free it."""
    filler = folder / "pengisi"
    with open(filler, "wb", buffering=0) as stream, suppress(OSError):
        while True:
            stream.write(b"\0" * 4096)
    return filler


def first_publish(site: Site, web: Path, keep: int | None = None) -> Path:
    """Publish one approved item to a local target at ``web``; return the settings."""
    site.article("berita/rapat.md", "Rapat Pleno", "Isi TOKENRAPAT.", category="Berita")
    site.approve_all("berita/rapat.md")
    lokal = {"type": "lokal", "path": str(web), **({"keep": keep} if keep else {})}
    settings = publish_settings(site, repr({"uji": lokal}))
    site.commit()
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    return settings


def new_item(site: Site, attachment: int = 0) -> None:
    """Commit a new approved item (with an attachment of ``attachment`` bytes)."""
    body = "Isi TOKENBARU."
    if attachment:
        site.attach("berita/besar.bin", os.urandom(attachment))
        body += " [unduh]({attach}besar.bin)"
    site.article("berita/baru.md", "Berita Baru", body, category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()


def paused_at(settings: Path, point: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    """Start a publish, wait until it stands at ``point``; return it and the file resuming it."""
    marker, resume = tmp_path / "berhenti", tmp_path / "lanjut"
    child = start(
        settings, failpoint=point, marker=marker, env={"KPU_FAILPOINT_RESUME": str(resume)}
    )
    wait_for(marker, child)
    return child, resume


def archive_files(site: Site) -> list[str]:
    """Return every file of the archive folder (hidden ones too), with its size."""
    folder = site.approvals / "_arsip"
    return sorted(
        f"{p.relative_to(folder).as_posix()} {p.stat().st_size}"
        for p in folder.rglob("*")
        if p.is_file() and p.name != "pengisi"
    )


def releases(web: Path) -> list[str]:
    return sorted(p.name for p in (web / "releases").iterdir())


def machine(site: Site) -> dict:
    """Return the publishing machine's state of the site."""
    (state,) = (machine_folder(site.root) / "state" / "kpu-rembang").glob("*/state.json")
    return json.loads(state.read_text())


ABORTED = "Penerbitan DIBATALKAN, situs tayang tidak berubah.\n"


# --- full disks ---------------------------------------------------------------------------


def test_a_full_target_disk_stops_the_copy_and_leaves_the_live_site(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    with tmpfs(web, "2m"):
        settings = first_publish(site, web)
        before, kept = snapshot(web / "current"), releases(web)
        new_item(site, attachment=3_000_000)
        done = run(settings)
        assert done.returncode == 12, done.stdout + done.stderr
        assert done.stderr == (
            f"{ABORTED}Disk target penuh saat menyalin rilis ke {web}/releases; situs tayang "
            "tidak berubah dan salinan rilis yang belum lengkap sudah dihapus. Kosongkan "
            "ruang di disk itu, lalu jalankan 'invoke publish' lagi.\n"
        )
        assert snapshot(web / "current") == before
        assert releases(web) == kept  # the incomplete copy is gone: its space is free again
        assert not (site.root / "var" / "terbit").exists() or not any(
            (site.root / "var" / "terbit").iterdir()
        )


def test_a_full_archive_folder_stops_the_publish_before_the_deploy(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    with tmpfs(site.approvals / "_arsip", "1m"):
        settings = first_publish(site, web)
        before, records = snapshot(web / "current"), archive_files(site)
        new_item(site)
        filler = fill(site.approvals / "_arsip")
        done = run(settings)
        assert done.returncode == 17, done.stdout + done.stderr
        assert done.stderr == (
            f"{ABORTED}approvals/_arsip/2026 tidak dapat ditulis: disk penuh. Tidak ada yang "
            "diterbitkan; situs yang tayang tidak berubah. Kosongkan ruang di disk itu, lalu "
            "jalankan 'invoke publish' lagi.\n"
        )
        assert snapshot(web / "current") == before
        assert archive_files(site) == records  # no 0-byte, partial or reserved file
        filler.unlink()
        done = run(settings)
        assert done.returncode == 0, done.stderr
        assert any(b"TOKENBARU" in data for data in snapshot(web / "current").values())


def test_room_reserved_before_the_switch_keeps_the_record_when_the_disk_fills(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    with tmpfs(site.approvals / "_arsip", "1m"):
        settings = first_publish(site, web)
        new_item(site)
        child, resume = paused_at(settings, "upload", tmp_path)
        filler = fill(site.approvals / "_arsip")  # full while the release is being copied
        resume.touch()
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, out + err
        release = out.split()[1]
        record = site.approvals / "_arsip" / "2026" / f"{release}-uji.yml"
        assert yaml.safe_load(record.read_text())["status"] == "selesai"
        assert not [name for name in archive_files(site) if name.split()[1] == "0"]
        assert not [name for name in archive_files(site) if ".cadangan" in name]
        filler.unlink()


def test_a_record_that_cannot_follow_the_switch_is_reported_and_completed_next_time(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    with tmpfs(site.approvals / "_arsip", "1m"):
        settings = first_publish(site, web)
        new_item(site)
        # switched; the room reserved for the record is given back
        child, resume = paused_at(settings, "archive", tmp_path)
        filler = fill(site.approvals / "_arsip")
        resume.touch()
        out, err = child.communicate(timeout=300)
        release = machine(site)["last"]["release"]
        assert child.returncode == 16, out + err
        assert err == (
            f"Penerbitan BELUM LENGKAP: Rilis {release} sudah tayang di folder lokal "
            f"{web}/current, tetapi catatan arsip selesainya belum tertulis.\n"
            f"approvals/_arsip/2026/{release}-uji.yml.sig tidak dapat ditulis: disk penuh. "
            f"Catatan tertunda {release}-uji.tertunda.yml yang bertanda tangan menjadi catatan "
            "arsipnya sampai 'invoke publish' berikutnya melengkapinya. Kosongkan ruang di "
            "disk itu, lalu jalankan 'invoke publish' lagi.\n"
        )
        live = snapshot(web / "current")
        assert any(b"TOKENBARU" in data for data in live.values())  # it is live, and says so
        assert os.readlink(web / "current") == f"releases/{release}"
        names = [entry.split()[0] for entry in archive_files(site)]
        assert f"2026/{release}-uji.tertunda.yml" in names
        assert not [n for n in names if n.startswith(f"2026/{release}-uji.yml")]
        assert not [e for e in archive_files(site) if e.split()[1] == "0" or ".tmp" in e]
        filler.unlink()
        done = run(settings)
        assert done.returncode == 0, done.stderr
        assert (
            f"  Dilengkapi: catatan arsip rilis {release}, yang sudah tayang tetapi belum "
            "tercatat selesai oleh penerbitannya." in done.stdout.splitlines()
        )
        record = site.approvals / "_arsip" / "2026" / f"{release}-uji.yml"
        said = yaml.safe_load(record.read_text())
        assert said["status"] == "selesai" and said["completed_later"] is True
        assert said["sent"]["files"] > 0
        assert snapshot(web / "current") == live  # the site stayed; only the record was added


def test_a_full_var_folder_names_the_path_and_changes_nothing(site: Site, tmp_path: Path) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    before = snapshot(web / "current")
    new_item(site)
    with tmpfs(site.root / "var", "64k"):
        done = run(settings)
        assert done.returncode == 17, done.stdout + done.stderr
        assert done.stderr.startswith(f"{ABORTED}Tidak dapat menulis {site.root}/var/segel/")
        assert done.stderr.endswith(
            " (salinan commit): disk penuh. Kosongkan ruang di disk itu, lalu ulangi.\n"
        )
        assert "Traceback" not in done.stderr
        assert snapshot(web / "current") == before
    done = run(settings)
    assert done.returncode == 0, done.stderr


# --- read-only folders ----------------------------------------------------------------------


def test_a_read_only_target_is_refused_before_the_build(site: Site, tmp_path: Path) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    before = snapshot(web / "current")
    new_item(site)
    with read_only(web):
        done = run(settings)
        assert done.returncode == 12, done.stdout + done.stderr
        assert done.stderr == (
            f"{ABORTED}Folder target {web} tidak dapat ditulis (sistem berkasnya hanya-baca); "
            "situs tayang tidak berubah. Jadikan folder itu dapat ditulis (periksa mount dan "
            "izinnya), lalu ulangi.\n"
        )
        assert not (site.root / "var" / "terbit").exists()  # nothing was built
        assert snapshot(web / "current") == before


def test_a_read_only_var_folder_names_the_path(site: Site, tmp_path: Path) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    before = snapshot(web / "current")
    new_item(site)
    var = site.root / "var"
    with read_only(var):
        done = run(settings)
        assert done.returncode == 17, done.stdout + done.stderr
        assert done.stderr == (
            f"{ABORTED}Tidak dapat menulis {var}/publish.lock: sistem berkasnya hanya-baca. "
            "Jadikan folder itu dapat ditulis (periksa mount dan izinnya), lalu jalankan "
            "'invoke publish' lagi.\n"
        )
        done = run(settings, "rollback")
        assert done.returncode == 17, done.stdout + done.stderr
        assert done.stderr == (
            f"Rollback gagal: Tidak dapat menulis {var}/publish.lock: sistem berkasnya "
            "hanya-baca; situs tayang tidak berubah. Jadikan folder itu dapat ditulis "
            "(periksa mount dan izinnya), lalu ulangi.\n"
        )
    assert snapshot(web / "current") == before


def test_a_read_only_output_folder_is_left_as_it_was(site: Site) -> None:
    from approval_gate.api import ExitCode
    from publishing.build import BuildFailed

    site.article("berita/rapat.md", "Rapat Pleno", "Isi TOKENRAPAT.", category="Berita")
    site.approve_all("berita/rapat.md")
    site.build()
    before = snapshot(site.output)
    with read_only(site.output), pytest.raises(BuildFailed) as failed:
        site.build()
    assert failed.value.exit_code == ExitCode.STORAGE
    assert failed.value.message == (
        f"Tidak dapat menulis {site.output}: sedang dipakai atau berupa titik mount; tidak ada "
        "yang diterbitkan dan output sebelumnya tidak diganti. Jadikan folder itu dapat ditulis "
        "(periksa mount dan izinnya), lalu ulangi."
    )
    assert snapshot(site.output) == before
    assert not list(site.root.glob(".output.*"))  # no staging or old folder is left


# --- killed publishes: the next run cleans up ------------------------------------------------


def test_a_killed_copy_is_removed_by_the_next_publish_which_says_so(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    new_item(site)
    marker = tmp_path / "berhenti"
    child = start(settings, failpoint="upload", marker=marker)
    wait_for(marker, child)
    kill(child)
    (partial,) = (web / "releases").glob(".*.partial")
    done = run(settings)
    assert done.returncode == 0, done.stderr
    assert (
        f"  Dibersihkan: sisa penerbitan yang terhenti di target (releases/{partial.name})."
        in done.stdout.splitlines()
    )
    assert not list((web / "releases").glob(".*"))


def test_a_publish_killed_while_refitting_the_oldest_release_leaves_the_live_site(
    site: Site, tmp_path: Path
) -> None:
    """keep=2: the third publish makes the oldest release into the new one; killed there."""
    web = tmp_path / "web"
    settings = first_publish(site, web, keep=2)
    new_item(site)
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    oldest, live = releases(web)
    before = snapshot(web / "current")
    site.article("berita/lagi.md", "Berita Lagi", "Isi TOKENLAGI.", category="Berita")
    site.approve_all("berita/lagi.md")
    site.commit()
    marker = tmp_path / "berhenti"
    child = start(settings, failpoint="upload", marker=marker)
    wait_for(marker, child)
    kill(child)
    (partial,) = (web / "releases").glob(".*.partial")
    assert releases(web) == [partial.name, live]  # the oldest was taken to be refitted
    assert snapshot(web / "current") == before
    done = run(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"releases/{partial.name}" in done.stdout
    (newest,) = set(releases(web)) - {live}
    assert releases(web) == sorted([live, newest]) and oldest not in releases(web)
    now = snapshot(web / "current")
    assert b"TOKENLAGI" in now["berita/berita-lagi/index.html"]
    assert now["berita/rapat-pleno/index.html"] == before["berita/rapat-pleno/index.html"]


def _gone(pid: int) -> bool:
    """Return whether ``pid`` has ended (a zombie counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_pelican_dies_with_a_killed_publish_and_the_next_one_succeeds(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    new_item(site)
    marker = tmp_path / "berhenti"
    child = start(settings, failpoint="pelican", marker=marker)
    wait_for(marker, child)
    pelican = int(marker.read_text().split()[1])
    os.kill(child.pid, signal.SIGKILL)  # the publish only, as the OOM killer would
    child.communicate()
    deadline = time.monotonic() + 30
    while not _gone(pelican) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pelican), "the Pelican child outlived the publish that started it"
    done = run(settings)  # at once: no "Directory not empty", no lock held by an orphan
    assert done.returncode == 0, done.stderr
    assert any(b"TOKENBARU" in data for data in snapshot(web / "current").values())


#: An orphan of an older version, still writing into the folders a publish cleans.
WRITER = """
import os, sys
from pathlib import Path
stop = Path(sys.argv[1])
count = 0
while not stop.exists():
    for root in sys.argv[2:]:
        folder = Path(root) / "yatim" / str(count % 7)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{count}.html").write_text("x")
        except OSError:
            pass
    count += 1
"""


def test_an_orphan_still_writing_never_breaks_the_next_publish(site: Site, tmp_path: Path) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    new_item(site)
    var, stop = site.root / "var", tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop), str(var / "terbit"), str(var / "segel")]
    )
    try:
        while not (var / "terbit" / "yatim").exists():
            assert writer.poll() is None
            time.sleep(0.01)
        done = run(settings)
    finally:
        stop.touch()
        writer.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Directory not empty" not in done.stderr
    assert any(b"TOKENBARU" in data for data in snapshot(web / "current").values())


# --- Ctrl-C and SIGTERM ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "number", "code", "how"),
    [
        ("build", signal.SIGINT, 130, "oleh pengguna (Ctrl-C)"),
        ("upload", signal.SIGTERM, 143, "oleh sinyal SIGTERM"),
    ],
)
def test_a_stopped_publish_says_so_cleans_up_and_frees_the_lock(
    site: Site, tmp_path: Path, point: str, number: int, code: int, how: str
) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    before, kept = snapshot(web / "current"), releases(web)
    new_item(site)
    marker = tmp_path / "berhenti"
    child = start(settings, failpoint=point, marker=marker)
    wait_for(marker, child)
    os.kill(child.pid, number)
    out, err = child.communicate(timeout=120)
    assert child.returncode == code, out + err
    assert (out, err) == (
        "",
        f"Penerbitan dihentikan {how}; situs tayang tidak berubah dan folder sementaranya "
        "sudah dibersihkan.\n",
    )
    assert snapshot(web / "current") == before and releases(web) == kept
    var = site.root / "var"
    assert not (var / "segel").exists()
    assert not (var / "terbit").exists() or not list((var / "terbit").iterdir())
    done = run(settings)  # the lock was released
    assert done.returncode == 0, done.stderr


def test_a_signal_during_the_switch_lets_the_publish_finish_first(
    site: Site, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    new_item(site)
    # switched, the complete record not yet written
    child, resume = paused_at(settings, "archive", tmp_path)
    os.kill(child.pid, signal.SIGINT)
    resume.touch()
    out, err = child.communicate(timeout=120)
    assert child.returncode == 130, out + err
    assert err == (
        "Dihentikan oleh pengguna (Ctrl-C) saat situs sedang dialihkan; penerbitan "
        "diselesaikan lebih dulu.\n"
    )
    release = out.split()[1]
    assert out.startswith(f"Penerbitan {release} selesai.")
    assert (site.approvals / "_arsip" / "2026" / f"{release}-uji.yml").is_file()
    assert machine(site)["last"]["release"] == release
    assert any(b"TOKENBARU" in data for data in snapshot(web / "current").values())


def test_a_stopped_rollback_leaves_the_live_site(site: Site, tmp_path: Path) -> None:
    web = tmp_path / "web"
    settings = first_publish(site, web)
    new_item(site)
    assert run(settings).returncode == 0
    before = snapshot(web / "current")
    marker = tmp_path / "berhenti"
    child = start(settings, "rollback", failpoint="rollback", marker=marker)
    wait_for(marker, child)
    os.kill(child.pid, signal.SIGTERM)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 143, out + err
    assert err == "Rollback dihentikan oleh sinyal SIGTERM; situs tayang tidak berubah.\n"
    assert snapshot(web / "current") == before
    assert not (site.root / "var" / "segel").exists()


# --- invoke build, in a copy of the project (it builds into the project's output/) ----------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, so ``invoke build`` writes its own output/ and var/."""
    from sitekit import copy_project

    return copy_project(tmp_path_factory.mktemp("proyek") / "proyek", tests=False)


def _build(project: Path, settings: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "invoke", "-r", str(project), "build", "--settings", str(settings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, **env},
    )


def test_invoke_build_stopped_or_refused_leaves_output_as_it_was(
    site: Site, project: Path, tmp_path: Path
) -> None:
    site.article("berita/rapat.md", "Rapat Pleno", "Isi TOKENRAPAT.", category="Berita")
    site.approve_all("berita/rapat.md")
    out, err = _build(project, site.settings).communicate(timeout=300)
    assert "Build selesai" in out, err
    output = project / "output"
    before = snapshot(output)
    marker = tmp_path / "berhenti"
    child = _build(
        project, site.settings, KPU_FAILPOINT="audit", KPU_FAILPOINT_FILE=str(marker)
    )  # audited, about to replace output/
    wait_for(marker, child)
    os.kill(child.pid, signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert (child.returncode, out, err) == (
        130,
        "",
        "Build dihentikan oleh pengguna (Ctrl-C); output/ tidak berubah.\n",
    )
    assert snapshot(output) == before and not list(project.glob(".output.*"))
    (project / "var").mkdir(exist_ok=True)
    with read_only(site.root / "var"), read_only(project / "var"):
        child = _build(project, site.settings)
        out, err = child.communicate(timeout=300)
    assert child.returncode == 17, out + err
    assert err.startswith(f"Build GAGAL: Tidak dapat menulis {site.root}/var/builds/")
    assert err.endswith(
        ": sistem berkasnya hanya-baca; tidak ada yang diterbitkan dan output sebelumnya tidak "
        "diganti. Jadikan folder itu dapat ditulis (periksa mount dan izinnya), lalu ulangi.\n"
        f"Catatan lengkap tidak dapat disimpan di {project}/var/build-gagal.log "
        "(sistem berkasnya hanya-baca).\n"
    )
    assert snapshot(output) == before


# --- the pieces, without a whole publish ----------------------------------------------------


def test_the_release_log_never_keeps_half_a_line(tmp_path: Path) -> None:
    from publishing.state import MachineState

    with tmpfs(tmp_path / "keadaan", "8k") as folder:
        state = MachineState(folder, "situs")
        state.went_live({"release": "r1", "target": "uji"})
        filler = fill(folder)
        with pytest.raises(OSError) as full:
            state.went_live({"release": "r2", "target": "uji", "pad": "x" * 5000})
        assert full.value.errno == 28
        assert [e["release"] for e in state.releases()] == ["r1"]
        filler.unlink()


def test_a_stray_full_disk_or_signal_in_any_task_is_one_sentence() -> None:
    import errno

    from invoke import Exit

    from publishing.interrupts import Interrupted

    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        from commands.cli import reported  # installs the handlers: restored below
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    with pytest.raises(Exit) as stopped, reported("Tidak ditandatangani: "):
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/kpu/var/x")
    assert (stopped.value.message, stopped.value.code) == (
        "Berhenti: /srv/kpu/var/x tidak dapat ditulis (disk penuh). Kosongkan ruang di disk "
        "itu, lalu ulangi.",
        17,
    )
    with pytest.raises(Exit) as stopped, reported():
        raise Interrupted(signal.SIGTERM)
    assert (stopped.value.message, stopped.value.code) == ("Dihentikan oleh sinyal SIGTERM.", 143)
    with pytest.raises(Exit) as stopped, reported(stopped="Build dihentikan {how}."):
        raise Interrupted(signal.SIGINT, finished=True)  # held until output/ was swapped
    assert stopped.value.message == (
        "Dihentikan oleh pengguna (Ctrl-C) tepat setelah langkah yang sedang berjalan selesai."
    )
    with pytest.raises(Exit) as stopped, reported():
        raise KeyboardInterrupt
    assert (stopped.value.message, stopped.value.code) == (
        "Dihentikan oleh pengguna (Ctrl-C).",
        130,
    )
    with pytest.raises(OSError), reported():  # anything else is a bug: its traceback shows
        raise OSError(errno.EIO, "Input/output error", "/srv/kpu/var/x")
