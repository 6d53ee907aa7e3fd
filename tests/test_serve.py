"""``invoke serve`` works here: a published release's links point here, a busy port is a sentence.

A real publish builds with the production address (``KPU_SITEURL``), so the release's
logo and photos name the production host; served locally, every text file names the
local address instead, and each of those URLs answers. The files on disk stay exactly as
published. A port another program holds ends with one Indonesian sentence and
``ExitCode.SERVE``, before any build.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from approval_gate.api import ExitCode
from publishing.serve import rewriter, site_urls
from sitekit import REPO, copy_project

PRODUCTION = "https://kab-rembang.kpu.go.id"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _invoke(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "invoke", "-r", str(project), *args]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.read()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The sample, really published to the local target with the production address."""
    root = tmp_path_factory.mktemp("serve")
    project = copy_project(root / "proyek", tests=False)
    env = {
        **os.environ,
        "KPU_SITEURL": PRODUCTION,
        "KPU_ROSTER_ANCHOR": "",
        "KPU_PUBLISHER_KEY": "",
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_STATE_HOME": str(root / "state"),
    }
    done = subprocess.run(
        _invoke(project, "publish", "--demo"),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield project, env


@pytest.mark.slow
def test_published_site_is_served_with_local_links_and_the_files_stay_as_published(
    published: tuple[Path, dict[str, str]],
) -> None:
    project, env = published
    live = project / "var" / "situs" / "current"
    on_disk = {p: p.read_bytes() for p in live.rglob("*") if p.is_file()}
    home_on_disk = (live / "index.html").read_text()
    assert f'<img src="{PRODUCTION}/theme/logo.svg"' in home_on_disk  # as published
    port = _free_port()
    local = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        _invoke(project, "serve", "--published", "--port", str(port)),
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        home = _wait_for(f"{local}/", child).decode()
        [logo] = re.findall(r'<img src="([^"]+)" width="180"', home)
        assert logo == f"{local}/theme/logo.svg"
        assert _get(logo)[0] == 200
        assert PRODUCTION not in home
        gallery = _get(f"{local}/dokumentasi/sosialisasi-pemilih-pemula/")[1].decode()
        photos = re.findall(r'<img src="([^"]+\.jpg)" srcset="([^"]+)"', gallery)  # variants
        photos = [
            url for src, srcset in photos for url in [src, *re.findall(r"(\S+) \d+w", srcset)]
        ]
        assert photos and all(photo.startswith(f"{local}/dokumentasi/") for photo in photos)
        assert all(_get(photo)[0] == 200 for photo in photos)
        sitemap = _get(f"{local}/sitemap.xml")[1].decode()
        assert f"<loc>{local}/" in sitemap and PRODUCTION not in sitemap
        # Served twice over: the second server's port is taken, one sentence, no traceback.
        busy = subprocess.run(
            _invoke(project, "serve", "--published", "--port", str(port)),
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        child.terminate()
        output = child.communicate(timeout=30)[0]
    assert f"Situs tersaji di {local}/ dari {live}" in output
    assert busy.returncode == ExitCode.SERVE
    assert busy.stderr.strip() == (
        f"Port {port} sudah dipakai program lain (mungkin 'invoke serve' lain); situs tidak "
        "disajikan. Pakai port lain, misalnya --port 8010."
    )
    assert {p: p.read_bytes() for p in live.rglob("*") if p.is_file()} == on_disk


def _wait_for(url: str, child: subprocess.Popen[str]) -> bytes:
    deadline = time.monotonic() + 120
    while True:
        assert child.poll() is None, child.communicate()[0]
        try:
            return _get(url)[1]
        except OSError:
            assert time.monotonic() < deadline, f"{url} was never served"
            time.sleep(0.2)


def test_serve_on_a_busy_port_says_so_before_building(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "invoke", "-r", str(REPO), "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == ExitCode.SERVE == 32
    assert done.stderr.strip() == (
        f"Port {port} sudah dipakai program lain (mungkin 'invoke serve' lain); situs tidak "
        "disajikan. Pakai port lain, misalnya --port 8010."
    )
    assert "Build selesai" not in done.stdout and "Traceback" not in done.stderr


def test_a_release_names_its_own_address_even_when_the_settings_name_another(
    tmp_path: Path,
) -> None:
    (tmp_path / "index.html").write_text(
        '<head><link rel="canonical" href="http://127.0.0.1:8000/"></head>'
    )
    settings = {"SITEURL": PRODUCTION, "FEED_DOMAIN": PRODUCTION}
    assert site_urls(settings, tmp_path) == (PRODUCTION, "http://127.0.0.1:8000")
    assert site_urls({"SITEURL": ""}, tmp_path / "kosong") == ()


@pytest.mark.parametrize(
    ("text", "served"),
    [
        (
            f'<img src="{PRODUCTION}/theme/logo.svg">',
            '<img src="http://127.0.0.1:8010/theme/logo.svg">',
        ),
        (f"<loc>{PRODUCTION}/</loc>", "<loc>http://127.0.0.1:8010/</loc>"),
        (f'href="{PRODUCTION}"', 'href="http://127.0.0.1:8010"'),
        (f"{PRODUCTION}.palsu.example/x", f"{PRODUCTION}.palsu.example/x"),
        ("http://127.0.0.1:80001/", "http://127.0.0.1:80001/"),
        (
            "http://127.0.0.1:8000/a http://127.0.0.1:8000",
            "http://127.0.0.1:8010/a http://127.0.0.1:8010",
        ),
    ],
    ids=["logo", "sitemap", "bare", "longer-host", "longer-port", "demo-address"],
)
def test_only_the_sites_own_address_is_replaced(text: str, served: str) -> None:
    pattern = rewriter((PRODUCTION, "http://127.0.0.1:8000"))
    assert pattern is not None
    assert pattern.sub(b"http://127.0.0.1:8010", text.encode()).decode() == served
