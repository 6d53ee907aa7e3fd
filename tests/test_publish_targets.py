"""``invoke publish`` end to end for every kind of target, killed at every step.

For each target (local folder, rsync over SSH to a real sshd, a GitHub Pages branch in a
bare repository, S3 on a local moto server) a real site is published once, then a new
approved item is published by a child process that is SIGKILLed at the failpoints
``build``, ``audit`` and ``upload``: readers must still get the previous site, complete,
and the next publish must succeed. Also per target: an unchanged re-publish sends
nothing, and a missing credential stops the publish before anything is built. Each
publish reads the site's last commit (``site.commit()``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from publishing.targets import target_types
from publishkit import kill, publish_settings, run, snapshot, start, wait_for
from s3kit import CREDENTIALS, admin_client, live_objects, moto_server, new_bucket
from sitekit import Site
from sshkit import SshServer, ssh_server

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


@dataclass
class Kit:
    """One configured target: its settings literal, credentials and what readers see."""

    targets: str
    env: dict[str, str]
    live: Callable[[], dict[str, bytes]]
    missing: tuple[str, str]  # (credential variable to drop, text the error must contain)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with ssh_server(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture(scope="module")
def s3_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


def _s3(tmp_path: Path, request: pytest.FixtureRequest) -> Kit:
    url: str = request.getfixturevalue("s3_url")
    admin = admin_client(url)
    bucket = new_bucket(admin, True)
    targets = repr({"uji": {"type": "s3", "bucket": bucket, "endpoint_url": url}})
    return Kit(
        targets,
        dict(CREDENTIALS),
        lambda: live_objects(admin, bucket),
        ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    )


def _local(tmp_path: Path, request: pytest.FixtureRequest) -> Kit:
    web = tmp_path / "web"
    return Kit(
        repr({"uji": {"type": "lokal", "path": str(web)}}),
        {},
        lambda: snapshot(web / "current") if (web / "current").exists() else {},
        ("", ""),
    )


def _rsync(tmp_path: Path, request: pytest.FixtureRequest) -> Kit:
    server: SshServer = request.getfixturevalue("sshd")
    web = tmp_path / "server"
    targets = repr(
        {"uji": {"type": "rsync", "host": server.host, "path": str(web), "port": server.port}}
    )
    env = {
        "KPU_RSYNC_SSH_KEY": str(server.client_key),
        "KPU_SSH_KNOWN_HOSTS": str(server.known_hosts),
    }
    return Kit(
        targets,
        env,
        lambda: snapshot(web / "current") if (web / "current").exists() else {},
        ("KPU_RSYNC_SSH_KEY", "KPU_RSYNC_SSH_KEY"),
    )


def _branch_files(remote: Path) -> dict[str, bytes]:
    listing = subprocess.run(
        ["git", "--git-dir", str(remote), "ls-tree", "-r", "gh-pages"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    files = {}
    for line in listing.splitlines():
        meta, rel = line.split("\t", 1)
        files[rel] = subprocess.run(
            ["git", "--git-dir", str(remote), "cat-file", "blob", meta.split()[2]],
            capture_output=True,
            check=True,
        ).stdout
    return files


def _ghpages(tmp_path: Path, request: pytest.FixtureRequest) -> Kit:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True)
    return Kit(
        repr({"uji": {"type": "github-pages", "remote": str(remote)}}),
        {},
        lambda: _branch_files(remote),
        ("", ""),
    )


KITS = {"lokal": _local, "rsync": _rsync, "github-pages": _ghpages, "s3": _s3}


def test_every_target_type_has_a_kit_here() -> None:
    assert sorted(KITS) == sorted(target_types())


#: The servers some kits need, for ``-m "not sshd"`` and ``-m "not s3"``.
SERVICE = {"rsync": pytest.mark.sshd, "s3": pytest.mark.s3}


@pytest.fixture(params=[pytest.param(name, marks=SERVICE.get(name, ())) for name in sorted(KITS)])
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Kit:
    return KITS[request.param](tmp_path, request)


def _published(site: Site, kit: Kit) -> Path:
    site.article(
        "berita/rapat.md",
        "Rapat Pleno",
        "Isi TOKENRAPAT. [unduh]({attach}sk.pdf)",
        category="Berita",
    )
    site.attach("berita/sk.pdf", b"%PDF TOKENSK")
    site.approve_all("berita/rapat.md")
    settings = publish_settings(site, kit.targets)
    site.commit()
    done = run(settings, env=kit.env)
    assert done.returncode == 0, done.stdout + done.stderr
    live = kit.live()
    assert live["berita/sk.pdf"] == b"%PDF TOKENSK"
    assert any(b"TOKENRAPAT" in data for data in live.values())
    return settings


def _records(site: Site) -> list[Path]:
    """Return the complete archive records (not the pending ones), oldest first."""
    return sorted(
        p for p in (site.approvals / "_arsip").rglob("*.yml") if ".tertunda." not in p.name
    )


@pytest.mark.parametrize("point", ["build", "audit", "upload"])
def test_killed_publish_leaves_the_previous_site_complete(
    site: Site, kit: Kit, tmp_path: Path, point: str
) -> None:
    settings = _published(site, kit)
    before = kit.live()
    site.article("berita/baru.md", "Berita Baru", "Isi TOKENBARU.", category="Berita")
    site.approve_all("berita/baru.md")
    site.commit()
    marker = tmp_path / "berhenti"
    child = start(settings, env=kit.env, failpoint=point, marker=marker)
    wait_for(marker, child)
    kill(child)
    assert kit.live() == before
    assert len(_records(site)) == 1
    done = run(settings, env=kit.env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(b"TOKENBARU" in data for data in kit.live().values())


def test_unchanged_republish_sends_nothing(site: Site, kit: Kit) -> None:
    settings = _published(site, kit)
    before = kit.live()
    done = run(settings, env=kit.env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "  Situs tidak berubah: tidak ada berkas yang dikirim." in done.stdout.splitlines()
    assert kit.live() == before
    record = yaml.safe_load(_records(site)[-1].read_text())
    assert record["sent"]["files"] == 0 and record["sent"]["bytes"] == 0


@pytest.mark.parametrize("name", [pytest.param(name, marks=SERVICE[name]) for name in SERVICE])
def test_missing_credential_stops_before_the_build(
    site: Site, name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    kit = KITS[name](tmp_path, request)
    variable, text = kit.missing
    site.article("berita/rapat.md", "Rapat Pleno", "Isi.", category="Berita")
    site.approve_all("berita/rapat.md")
    env = {**kit.env, variable: ""}
    settings = publish_settings(site, kit.targets)
    site.commit()
    done = run(settings, env=env)
    assert done.returncode == 12, done.stdout + done.stderr
    assert "Penerbitan DIBATALKAN, situs tayang tidak berubah." in done.stderr
    assert text in done.stderr
    assert (
        not (site.root / "var" / "terbit").exists() and not (site.root / "var" / "builds").exists()
    )
