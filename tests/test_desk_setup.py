"""Starting the desk: its settings, the trusted proxy, and ``invoke meja`` as a process.

The web admin starts the desk with one command; a wrong ``MEJA_*`` setting stops it with
the file and key named, a taken port with code 33 (``DESK``) and a sentence, never a
traceback. Behind the office's reverse proxy, the rate limits count each client, not the
proxy (``MEJA_PROXY``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from deskkit import free_port, running_desk
from sitekit import REPO, copy_project

from approval_gate.api import ConfigError, ExitCode

from desk.settings import read_desk_settings


def settings_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pelicanconf.py"
    path.write_text(text)
    return path


def test_the_default_desk_is_localhost_8002_with_its_data_under_var(tmp_path: Path) -> None:
    desk = read_desk_settings(settings_with(tmp_path, "SITENAME = 'x'\n"))
    assert desk.origin == "http://localhost:8002"
    assert desk.rp_id == "localhost"
    assert desk.data == tmp_path / "var" / "meja" and desk.data.is_dir()
    assert not desk.secure and desk.proxy is None


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("MEJA_ORIGIN = 'http://meja.kpu.example'", "passkey hanya bekerja di https://"),
        ("MEJA_ORIGIN = 'https://meja.kpu.example/meja/'", "tidak boleh memuat jalur"),
        ("MEJA_ORIGIN = 'meja.kpu.example'", "https://nama-host"),
        ("MEJA_SESSION_HOURS = 0", "MEJA_SESSION_HOURS"),
        ("MEJA_ORIGN = 'https://meja.kpu.example'", "Mungkin maksud Anda 'MEJA_ORIGIN'?"),
    ],
)
def test_a_wrong_setting_names_the_file_and_the_key(tmp_path: Path, line: str, said: str) -> None:
    path = settings_with(tmp_path, line + "\n")
    with pytest.raises(ConfigError) as refused:
        read_desk_settings(path)
    assert str(path) in refused.value.render()
    assert said in refused.value.render()


def test_an_https_origin_makes_the_cookies_secure(tmp_path: Path) -> None:
    desk = read_desk_settings(
        settings_with(tmp_path, "MEJA_ORIGIN = 'https://meja.kpu-rembang.go.id/'\n")
    )
    assert desk.origin == "https://meja.kpu-rembang.go.id"
    assert desk.rp_id == "meja.kpu-rembang.go.id" and desk.secure


@pytest.mark.slow
def test_behind_the_trusted_proxy_each_office_computer_has_its_own_login_limit(
    tmp_path: Path,
) -> None:
    root = copy_project(tmp_path / "situs")
    with (root / "pelicanconf.py").open("a") as settings:
        settings.write("\nMEJA_PROXY = '127.0.0.1'\n")
    with running_desk(root, MEJA_LIMIT_MASUK=(2, 300)) as desk:

        def start(client: str) -> int:
            answer = requests.post(
                desk.url + "/api/masuk/mulai",
                json={},
                headers={"X-Forwarded-For": client, "Origin": desk.url},
                timeout=30,
            )
            return answer.status_code

        assert [start("10.0.0.5") for _ in range(3)] == [200, 200, 429]
        assert start("10.0.0.6") == 200  # another computer behind the same proxy


@pytest.mark.slow
def test_invoke_meja_serves_until_stopped_and_a_taken_port_is_one_sentence(
    tmp_path: Path,
) -> None:
    root = copy_project(tmp_path / "situs")
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "invoke", "-r", str(REPO), "meja", "--port", str(port)]
    child = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert f"Meja Persetujuan berjalan di http://127.0.0.1:{port}/" in first
        answer = requests.get(f"http://127.0.0.1:{port}/sehat", timeout=30)
        assert answer.json() == {"ok": True}
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
        login = requests.get(f"http://127.0.0.1:{port}/", timeout=30, allow_redirects=False)
        assert login.status_code == 302 and login.headers["Location"].startswith("/masuk")

        taken = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        assert taken.returncode == ExitCode.DESK
        assert f"Meja tidak dapat membuka 127.0.0.1:{port}" in taken.stderr
        assert "pilih --port lain" in taken.stderr
        assert "Traceback" not in taken.stderr
    finally:
        child.terminate()
        said, _ = child.communicate(timeout=30)
    assert child.returncode == 0  # systemd's stop is the normal end of a server
    assert "Meja Persetujuan berhenti" in said
    with pytest.raises(requests.ConnectionError):  # nothing listens any more
        requests.get(f"http://127.0.0.1:{port}/sehat", timeout=30)
