"""The GitHub Pages target against a real bare git repository in tmp as the remote."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from approval_gate.api import ConfigError
from publishing.targets import TargetError
from publishing.targets.ghpages import GhPagesTarget
from httpgit import git_https
from sitekit import REPO

PAGES = {
    "index.html": "<h1>Beranda</h1>",
    "berita/rapat-pleno.html": "<p>Rapat pleno</p>",
    "berita/lama.html": "<p>Berita lama</p>",
    "theme/css/main.css": "body{}",
    "lampiran/dpt.pdf": "%PDF-1.4 daftar pemilih",
}
CNAME = "pemilu.kpu-rembang.example"


def build(folder: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Write a small output folder, as a fresh build would."""
    for rel, text in {**PAGES, **(changes or {})}.items():
        if text is not None:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    return folder


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    git("init", "--bare", "-q", str(tmp_path / "remote.git"))
    return tmp_path / "remote.git"


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A machine with no git identity or config of its own."""
    (tmp_path / "home").mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        **extra,
    }


def pages(
    tmp_path: Path, remote: str | Path, environment: dict[str, str] | None = None, **options: Any
) -> GhPagesTarget:
    return GhPagesTarget(
        "pages",
        {"remote": str(remote), "cname": CNAME, **options},
        environment or env(tmp_path),
        REPO,
        tmp_path / "var",
    )


def head(remote: Path) -> str:
    return git(f"--git-dir={remote}", "rev-parse", "refs/heads/gh-pages")


def published(remote: Path, dest: Path) -> dict[str, bytes]:
    """Clone the Pages branch and return every file GitHub would serve."""
    shutil.rmtree(dest, ignore_errors=True)
    git("clone", "-q", "-b", "gh-pages", str(remote), str(dest))
    return {
        p.relative_to(dest).as_posix(): p.read_bytes()
        for p in sorted(dest.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(dest).parts
    }


def expected(output: Path) -> dict[str, bytes]:
    files = {
        p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()
    }
    return {**files, ".nojekyll": b"", "CNAME": CNAME.encode()}


def subjects(remote: Path) -> list[str]:
    return git(f"--git-dir={remote}", "log", "--format=%s", "gh-pages").splitlines()


def test_first_publish_commits_the_site_with_nojekyll_and_cname(
    tmp_path: Path, remote: Path
) -> None:
    target, out = pages(tmp_path, remote), build(tmp_path / "b1")
    target.check()
    plan = target.plan(out)
    assert sorted(plan.upload) == sorted(expected(out)) and plan.delete == []
    sent = target.deploy(out, "20261124T0900")
    assert published(remote, tmp_path / "clone") == expected(out)
    assert (sent.objects, sent.deleted) == (7, 0)
    assert sent.bytes == sum(len(data) for data in expected(out).values())
    assert subjects(remote) == ["Rilis 20261124T0900"]
    assert (
        git(f"--git-dir={remote}", "log", "-1", "--format=%an|%cn", "gh-pages")
        == "KPU Rembang Publikasi|KPU Rembang Publikasi"
    )
    assert target.plan(out).empty
    assert (tmp_path / "var" / "ghpages" / "pages" / "HEAD").is_file()


def test_unchanged_republish_pushes_nothing(tmp_path: Path, remote: Path) -> None:
    target = pages(tmp_path, remote)
    target.deploy(build(tmp_path / "b1"), "r1")
    before = head(remote)
    again = build(tmp_path / "b2")
    assert target.plan(again).empty
    sent = target.deploy(again, "r2")
    assert (sent.objects, sent.bytes) == (0, 0)
    assert head(remote) == before and subjects(remote) == ["Rilis r1"]


def test_changed_page_and_removed_page(tmp_path: Path, remote: Path) -> None:
    target = pages(tmp_path, remote)
    target.deploy(build(tmp_path / "b1"), "r1")
    first = head(remote)
    out = build(tmp_path / "b2", {"index.html": "<h1>Beranda baru</h1>", "berita/lama.html": None})
    plan = target.plan(out)
    assert (plan.upload, plan.delete, plan.unchanged) == (["index.html"], ["berita/lama.html"], 5)
    sent = target.deploy(out, "r2")
    assert (sent.objects, sent.bytes, sent.deleted) == (1, len("<h1>Beranda baru</h1>"), 1)
    assert published(remote, tmp_path / "clone") == expected(out)
    assert git(f"--git-dir={remote}", "rev-parse", "gh-pages^") == first


def test_a_fresh_machine_continues_the_remote_history(tmp_path: Path, remote: Path) -> None:
    pages(tmp_path, remote).deploy(build(tmp_path / "b1"), "r1")
    shutil.rmtree(tmp_path / "var")  # the working repository is disposable
    pages(tmp_path, remote).deploy(build(tmp_path / "b2", {"index.html": "dua"}), "r2")
    assert subjects(remote) == ["Rilis r2", "Rilis r1"]


def test_publish_killed_before_the_push_leaves_the_remote_as_it_was(
    tmp_path: Path, remote: Path
) -> None:
    target = pages(tmp_path, remote)
    target.deploy(build(tmp_path / "b1"), "r1")
    before = head(remote)
    new = build(tmp_path / "b2", {"index.html": "<h1>Baru</h1>", "berita/lama.html": None})
    marker = tmp_path / "failpoint"
    script = textwrap.dedent(f"""
        import json, sys; sys.path[:0] = [{str(REPO)!r}, {str(REPO / "plugins")!r}]
        from pathlib import Path
        from publishing.targets.ghpages import GhPagesTarget
        options, env = json.loads({json.dumps([target.options, dict(target.env)])!r})
        GhPagesTarget("pages", options, env, Path({str(REPO)!r}),
                      Path({str(tmp_path / "var")!r})).deploy(Path({str(new)!r}), "r2")
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
    work = tmp_path / "var" / "ghpages" / "pages"
    assert git(f"--git-dir={work}", "log", "-1", "--format=%s", "gh-pages") == "Rilis r2"
    assert head(remote) == before  # committed locally, never pushed
    assert published(remote, tmp_path / "clone") == expected(tmp_path / "b1")
    target.deploy(new, "r3")
    assert subjects(remote) == ["Rilis r3", "Rilis r1"]
    assert published(remote, tmp_path / "clone") == expected(new)


def test_rollback_pushes_the_previous_tree_as_a_new_commit(tmp_path: Path, remote: Path) -> None:
    target = pages(tmp_path, remote)
    target.deploy(build(tmp_path / "b1"), "r1")
    target.deploy(build(tmp_path / "b2", {"index.html": "<h1>Dua</h1>"}), "r2")
    second = head(remote)
    assert target.rollback("r1") == "r1"
    assert subjects(remote) == ["Kembali ke rilis r1", "Rilis r2", "Rilis r1"]
    assert git(f"--git-dir={remote}", "rev-parse", "gh-pages^") == second  # no rewrite
    assert published(remote, tmp_path / "clone") == expected(tmp_path / "b1")
    with pytest.raises(TargetError, match="^Rilis r0 tidak ada di riwayat cabang gh-pages"):
        target.rollback("r0")


def test_rollback_without_a_branch_is_refused(tmp_path: Path, remote: Path) -> None:
    with pytest.raises(TargetError, match="Cabang gh-pages belum ada"):
        pages(tmp_path, remote).rollback("r1")


def test_https_remote_without_token_stops_before_the_build(tmp_path: Path) -> None:
    target = pages(tmp_path, "https://github.com/kpu-rembang/situs.git")
    with pytest.raises(TargetError, match="variabel lingkungan KPU_GITHUB_TOKEN .* kosong"):
        target.check()
    with pytest.raises(TargetError, match="KPU_GITHUB_TOKEN"):
        target.deploy(build(tmp_path / "b1"), "r1")
    assert not (tmp_path / "var").exists()


def test_https_token_travels_only_in_request_headers(tmp_path: Path) -> None:
    (tmp_path / "srv").mkdir()
    git("init", "--bare", "-q", str(tmp_path / "srv" / "situs.git"))
    token = "ghp_UjiRahasia0123456789"
    with git_https(tmp_path / "srv", token) as server:
        trust = {"GIT_SSL_CAINFO": str(server.cafile)}
        url = f"{server.url}/situs.git"
        target = pages(tmp_path, url, env(tmp_path, KPU_GITHUB_TOKEN=token, **trust))
        target.check()
        out = build(tmp_path / "b1")
        target.deploy(out, "r1")
        basic = base64.b64encode(f"x-access-token:{token}".encode())
        assert server.seen and set(server.seen) == {f"Basic {basic.decode()}"}
        wrong = pages(tmp_path, url, env(tmp_path, KPU_GITHUB_TOKEN="ghp_Keliru999", **trust))
        with pytest.raises(TargetError, match="remote menolak kredensial") as refused:
            wrong.check()
        assert "ghp_Keliru999" not in str(refused.value)
    assert published(tmp_path / "srv" / "situs.git", tmp_path / "clone") == expected(out)
    for path in (tmp_path / "var").rglob("*"):  # not in the working repo, config or logs
        if path.is_file():
            assert token.encode() not in path.read_bytes() and basic not in path.read_bytes()


@pytest.mark.parametrize(
    "url, message",
    [
        ("https://kpu:rahasia@github.com/kpu-rembang/situs.git", "token di URL"),
        ("http://github.com/kpu-rembang/situs.git", "skema 'http'"),
    ],
    ids=["token-in-url", "plain-http"],
)
def test_unsafe_remote_is_refused(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^publishconf.py: .*{message}") as error:
        pages(tmp_path, url, env(tmp_path, KPU_GITHUB_TOKEN="ghp_contoh"))
    assert error.value.exit_code == 3 and "rahasia" not in str(error.value)


def test_missing_remote_option_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        GhPagesTarget("pages", {}, env(tmp_path), REPO, tmp_path / "var")
    assert str(error.value) == (
        "publishconf.py: Pengaturan 'PUBLISH_TARGETS['pages']['remote']' belum diisi (alamat "
        "repositori, mis. 'https://github.com/kpu/situs.git'). Isi pengaturan itu di "
        "PUBLISH_TARGETS."
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"branch": "../main"},
            "Nilai pengaturan 'PUBLISH_TARGETS['pages']['branch']': "
            "diharapkan nama cabang, mis. 'gh-pages', tetapi diterima "
            "'../main'.",
        ),
        (
            {"cname": "https://kpu.example/"},
            "Nilai pengaturan 'PUBLISH_TARGETS['pages']['cname']': diharapkan nama domain saja",
        ),
        (
            {"nojekyll": "ya"},
            "Nilai pengaturan 'PUBLISH_TARGETS['pages']['nojekyll']': "
            "diharapkan True atau False, tetapi diterima 'ya'.",
        ),
    ],
    ids=["branch", "cname", "nojekyll"],
)
def test_bad_option_is_refused_when_the_target_is_made(
    tmp_path: Path, remote: Path, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        pages(tmp_path, remote, **options)
    assert str(error.value).startswith(f"publishconf.py: {message}")


def test_unreachable_remote_is_reported_before_the_build(tmp_path: Path) -> None:
    target = pages(tmp_path, tmp_path / "tidak-ada.git")
    with pytest.raises(TargetError, match="remote tidak dapat dihubungi atau tidak ada"):
        target.check()


def test_nojekyll_can_be_left_out_and_cname_is_optional(tmp_path: Path, remote: Path) -> None:
    target = GhPagesTarget(
        "pages", {"remote": str(remote), "nojekyll": False}, env(tmp_path), REPO, tmp_path / "var"
    )
    out = build(tmp_path / "b1")
    target.deploy(out, "r1")
    files = published(remote, tmp_path / "clone")
    assert ".nojekyll" not in files and "CNAME" not in files and len(files) == len(PAGES)
