"""The rsync target against a real OpenSSH server on localhost: what the web server serves."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from approval_gate.api import ConfigError
from publishing.targets import TargetError
from publishing.targets.rsync import RsyncTarget
from sitekit import REPO, Site
from sshkit import SshServer, keygen, ssh_server

#: A real OpenSSH server on 127.0.0.1 (docs/architecture.md).
pytestmark = pytest.mark.sshd

PAGES = {
    "index.html": "<h1>Beranda</h1>",
    "berita/rapat-pleno.html": "<p>Rapat pleno</p>",
    "berita/lama.html": "<p>Berita lama</p>",
    "theme/css/main.css": "body{}",
}
ATTACHMENT = bytes(range(256)) * 400  # 100 KiB "PDF"


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with ssh_server(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def build(folder: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Write a small output folder, as a fresh build would (new files, new mtimes)."""
    pages: dict[str, str | None] = {**PAGES, **(changes or {})}
    for rel, text in pages.items():
        if text is not None:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    (folder / "lampiran").mkdir(exist_ok=True)
    (folder / "lampiran" / "dpt.pdf").write_bytes(ATTACHMENT)
    return folder


def target(
    sshd: SshServer, path: Path, env: dict[str, str] | None = None, **options: Any
) -> RsyncTarget:
    return RsyncTarget(
        "web",
        {"host": sshd.host, "path": str(path), "port": sshd.port, **options},
        sshd.env() if env is None else env,
        REPO,
        path,
    )


def served(root: Path) -> dict[str, bytes]:
    """Return every file a web server with this document root would serve."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def current(server: Path) -> str:
    return os.readlink(server / "current")


def test_first_publish_sends_every_file_and_current_serves_the_site(
    sshd: SshServer, tmp_path: Path
) -> None:
    server, out = tmp_path / "srv", build(tmp_path / "b1")
    web = target(sshd, server)
    web.check()
    plan = web.plan(out)
    assert sorted(plan.upload) == sorted(served(out)) and plan.delete == []
    sent = web.deploy(out, "r1")
    assert current(server) == "releases/r1"
    assert served(server / "current") == served(out)
    assert (sent.objects, sent.deleted, sent.release) == (5, 0, "r1")
    assert sent.bytes >= len(ATTACHMENT)
    assert sent.location == f"{sshd.host}:{server}/current"
    assert oct((server / "current" / "index.html").stat().st_mode & 0o777) == "0o644"
    assert web.plan(out).empty


def test_unchanged_republish_sends_no_file_data(sshd: SshServer, tmp_path: Path) -> None:
    server = tmp_path / "srv"
    web = target(sshd, server)
    web.deploy(build(tmp_path / "b1"), "r1")
    again = build(tmp_path / "b2")  # same content, every file written anew
    plan = web.plan(again)
    assert plan.empty and plan.unchanged == 5
    sent = web.deploy(again, "r2")
    assert sent.objects == 0 and sent.bytes < len(ATTACHMENT) // 10
    assert current(server) == "releases/r2"
    for rel in served(again):  # the same inodes: hard links to the previous release
        assert (server / "releases/r2" / rel).stat().st_ino == (
            server / "releases/r1" / rel
        ).stat().st_ino


def test_changed_page_is_sent_and_removed_page_is_gone(sshd: SshServer, tmp_path: Path) -> None:
    server = tmp_path / "srv"
    web = target(sshd, server)
    web.deploy(build(tmp_path / "b1"), "r1")
    out = build(tmp_path / "b2", {"index.html": "<h1>Beranda baru</h1>", "berita/lama.html": None})
    plan = web.plan(out)
    assert (plan.upload, plan.delete, plan.unchanged) == (["index.html"], ["berita/lama.html"], 3)
    assert plan.upload_bytes == len("<h1>Beranda baru</h1>")
    sent = web.deploy(out, "r2")
    assert (sent.objects, sent.deleted) == (1, 1)
    assert served(server / "current") == served(out)
    assert (server / "releases/r1/index.html").read_text() == "<h1>Beranda</h1>"
    assert (server / "releases/r1/berita/lama.html").exists()


def test_missing_key_stops_before_anything_is_built(sshd: SshServer, tmp_path: Path) -> None:
    env = sshd.env(KPU_RSYNC_SSH_KEY="")
    web = target(sshd, tmp_path / "srv", env)
    with pytest.raises(TargetError, match="variabel lingkungan KPU_RSYNC_SSH_KEY .* kosong"):
        web.check()
    with pytest.raises(TargetError, match="KPU_RSYNC_SSH_KEY"):
        web.deploy(build(tmp_path / "b1"), "r1")
    assert not (tmp_path / "srv").exists()


def test_missing_host_option_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        RsyncTarget("web", {"path": "/srv/kpu"}, {}, REPO, tmp_path)
    assert str(error.value) == (
        "publishconf.py: Pengaturan 'PUBLISH_TARGETS['web']['host']' belum diisi "
        "(pengguna@server, mis. 'deploy@web.kpu.example'). Isi pengaturan itu di "
        "PUBLISH_TARGETS."
    )
    assert error.value.exit_code == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"mode": "rilsi"},
            "Nilai pengaturan 'PUBLISH_TARGETS['web']['mode']': diharapkan "
            "'rilis' atau 'langsung', tetapi diterima 'rilsi'. Mungkin maksud "
            "Anda 'rilis'?",
        ),
        (
            {"port": 70000},
            "Nilai pengaturan 'PUBLISH_TARGETS['web']['port']': diharapkan nomor "
            "port 1-65535, tetapi diterima 70000.",
        ),
        (
            {"keep": -1},
            "Nilai pengaturan 'PUBLISH_TARGETS['web']['keep']': diharapkan bilangan "
            "bulat >= 0 (jumlah rilis yang disimpan), tetapi diterima -1.",
        ),
        (
            {"host": "-oProxyCommand=x"},
            "Nilai pengaturan 'PUBLISH_TARGETS['web']['host']': diharapkan pengguna@server",
        ),
        (
            {"path": "-rf"},
            "Nilai pengaturan 'PUBLISH_TARGETS['web']['path']': diharapkan folder di server",
        ),
    ],
    ids=["mode", "port", "keep", "host", "path"],
)
def test_bad_option_is_refused_when_the_target_is_made(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    settings = {"host": "deploy@web.kpu.example", "path": "/srv/kpu", **options}
    with pytest.raises(ConfigError) as error:
        RsyncTarget("web", settings, {}, REPO, tmp_path)
    assert str(error.value).startswith(f"publishconf.py: {message}")


def test_unknown_host_key_is_refused(sshd: SshServer, tmp_path: Path) -> None:
    stranger = keygen(tmp_path / "other_host", "host-lain")
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {stranger.with_suffix('.pub').read_text()}")
    web = target(sshd, tmp_path / "srv", sshd.env(KPU_SSH_KNOWN_HOSTS=str(known)))
    with pytest.raises(TargetError, match="kunci host server .* tidak dikenal atau berubah"):
        web.check()
    with pytest.raises(TargetError, match="ditolak demi keamanan"):
        web.deploy(build(tmp_path / "b1"), "r1")
    assert not (tmp_path / "srv").exists()
    assert known.read_text().count("\n") == 1  # nothing was added to known_hosts


def test_server_refuses_a_key_it_does_not_know(sshd: SshServer, tmp_path: Path) -> None:
    other = keygen(tmp_path / "bukan_kunci", "orang-lain")
    web = target(sshd, tmp_path / "srv", sshd.env(KPU_RSYNC_SSH_KEY=str(other)))
    with pytest.raises(TargetError, match="menolak kunci SSH"):
        web.check()


@pytest.mark.parametrize("mode", ["rilis", "langsung"])
def test_publish_killed_after_upload_leaves_the_live_site_as_it_was(
    sshd: SshServer, tmp_path: Path, mode: str
) -> None:
    server = tmp_path / "srv"
    web = target(sshd, server, mode=mode)
    live = server / "current" if mode == "rilis" else server
    web.deploy(build(tmp_path / "b1"), "r1")
    before = served(live)
    new = build(
        tmp_path / "b2",
        {
            "index.html": "<h1>Baru</h1>",
            "berita/lama.html": None,
            "berita/tambahan.html": "<p>Tambahan</p>",
        },
    )
    marker = tmp_path / "failpoint"
    script = textwrap.dedent(f"""
        import json, sys; sys.path[:0] = [{str(REPO)!r}, {str(REPO / "plugins")!r}]
        from pathlib import Path
        from publishing.targets.rsync import RsyncTarget
        options, env = json.loads({json.dumps([web.options, dict(web.env)])!r})
        RsyncTarget("web", options, env, Path({str(REPO)!r}), Path(".")).deploy(
            Path({str(new)!r}), "r2")
    """)
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        start_new_session=True,
        env={**os.environ, "KPU_FAILPOINT": "upload", "KPU_FAILPOINT_FILE": str(marker)},
    )
    while not marker.exists():
        assert child.poll() is None, "the publish ended before reaching the failpoint"
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    assert served(live) == before  # complete and unchanged
    if mode == "rilis":
        assert current(server) == "releases/r1"
        assert (server / "releases/.r2.partial/berita/tambahan.html").exists()  # data sent
    else:
        assert (tmp_path / "srv.kpu-unggah/berita/tambahan.html").exists()
    sent = web.deploy(new, "r3")
    assert served(live) == served(new)
    assert sent.deleted == 1
    if mode == "rilis":
        assert sorted(p.name for p in (server / "releases").iterdir()) == ["r1", "r3"]
    else:
        assert not (tmp_path / "srv.kpu-unggah").exists()


def test_rollback_switches_current_back(sshd: SshServer, tmp_path: Path) -> None:
    server = tmp_path / "srv"
    web = target(sshd, server)
    first = build(tmp_path / "b1")
    web.deploy(first, "r1")
    web.deploy(build(tmp_path / "b2", {"index.html": "<h1>Dua</h1>"}), "r2")
    assert web.rollback("r1") == "r1"
    assert current(server) == "releases/r1"
    assert served(server / "current") == served(first)
    with pytest.raises(TargetError, match="^Rilis r0 tidak ada lagi di "):
        web.rollback("r0")


def test_old_releases_beyond_keep_are_removed(sshd: SshServer, tmp_path: Path) -> None:
    server = tmp_path / "srv"
    web = target(sshd, server, keep=2)
    for number in (1, 2, 3):
        web.deploy(
            build(tmp_path / f"b{number}", {"index.html": f"<h1>{number}</h1>"}), f"r{number}"
        )
    assert sorted(p.name for p in (server / "releases").iterdir()) == ["r2", "r3"]
    with pytest.raises(TargetError, match="rilis tidak pernah ditimpa"):
        web.deploy(build(tmp_path / "b4"), "r3")


def test_langsung_mode_writes_into_the_folder_and_deletes_after(
    sshd: SshServer, tmp_path: Path
) -> None:
    server = tmp_path / "srv"
    web = target(sshd, server, mode="langsung")
    sent = web.deploy(build(tmp_path / "b1"), "r1")
    assert sent.objects == 5 and served(server) == served(tmp_path / "b1")
    (server / ".well-known/acme-challenge").mkdir(parents=True)  # the server's own files
    (server / ".well-known/acme-challenge/token").write_text("acme")
    (server / ".htaccess").write_text("Options -Indexes")
    out = build(tmp_path / "b2", {"berita/lama.html": None, "index.html": "<h1>Lagi</h1>"})
    assert web.plan(out).delete == ["berita/lama.html"]
    sent = web.deploy(out, "r2")
    assert (sent.objects, sent.deleted) == (1, 1)
    assert served(server) == {
        **served(out),
        ".htaccess": b"Options -Indexes",
        ".well-known/acme-challenge/token": b"acme",
    }
    assert sorted(p.name for p in server.iterdir()) == [
        ".htaccess",
        ".well-known",
        "berita",
        "index.html",
        "lampiran",
        "theme",
    ]
    assert web.plan(out).empty
    assert (
        web.deploy(
            build(tmp_path / "b3", {"berita/lama.html": None, "index.html": "<h1>Lagi</h1>"}), "r3"
        ).objects
        == 0
    )
    with pytest.raises(TargetError, match="mode 'rilis'"):
        web.rollback("r1")


def test_langsung_mode_refuses_a_folder_holding_releases(sshd: SshServer, tmp_path: Path) -> None:
    target(sshd, tmp_path / "srv").deploy(build(tmp_path / "b1"), "r1")
    with pytest.raises(TargetError, match="berisi rilis dari mode 'rilis'"):
        target(sshd, tmp_path / "srv", mode="langsung").deploy(build(tmp_path / "b2"), "r2")
    assert current(tmp_path / "srv") == "releases/r1"


def test_langsung_staging_folder_must_be_outside_the_site(sshd: SshServer, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        target(sshd, tmp_path / "srv", mode="langsung", staging=str(tmp_path / "srv/tmp"))
    assert str(error.value) == (
        f"publishconf.py: PUBLISH_TARGETS['web']['staging'] ({str(tmp_path / 'srv/tmp')!r}) "
        "harus folder di luar folder situs (path), agar berkas yang belum dipasang tidak "
        "pernah tampil. Pilih folder lain."
    )
    assert not (tmp_path / "srv" / "tmp").exists()


def test_key_held_by_a_running_ssh_agent_is_enough(sshd: SshServer, tmp_path: Path) -> None:
    socket = tmp_path / "a.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        while not socket.exists():
            assert agent.poll() is None, "ssh-agent stopped at start-up"
            time.sleep(0.05)
        env = sshd.env(KPU_RSYNC_SSH_KEY="", SSH_AUTH_SOCK=str(socket))
        subprocess.run(
            ["ssh-add", "-q", str(sshd.client_key)], env=env, check=True, capture_output=True
        )
        web = target(sshd, tmp_path / "srv", env)
        web.check()
        web.deploy(build(tmp_path / "b1"), "r1")
        assert served(tmp_path / "srv" / "current") == served(tmp_path / "b1")
    finally:
        agent.kill()
        agent.wait()


def test_a_gated_build_reaches_the_server_and_a_rebuild_sends_no_file(
    sshd: SshServer, site: Site, tmp_path: Path
) -> None:
    site.article(
        "berita/pleno.md", "Rapat Pleno Terbuka", "Rekapitulasi TOKENPLENO.", category="Berita"
    )
    site.approve_all("berita/pleno.md")
    site.build()
    first = tmp_path / "build1"
    shutil.copytree(site.output, first)
    web = target(sshd, tmp_path / "srv")
    sent = web.deploy(first, "r1")
    assert served(tmp_path / "srv" / "current") == served(first)
    assert sent.objects == len(served(first)) > 3
    site.build()  # the same content built again: every file written anew
    assert web.plan(site.output).empty
    assert web.deploy(site.output, "r2").objects == 0
