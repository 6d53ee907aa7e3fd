"""Every refusal a person meets at the keyboard is one Indonesian sentence (issue 11).

ssh-keygen's English (a wrong passphrase, a key others may read, a file that is no
key, a missing file, a key not in ssh-agent), a key the roster does not know, the demo
keys of a fresh ``git clone`` (0644: git keeps no modes), and a machine without git.
Everything runs the real ``invoke`` in a child process with real ssh-keygen and git;
the passphrase is typed by an ``SSH_ASKPASS`` program.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from approval_gate.api import ExitCode, explain_ssh_keygen

from sitekit import REPO, Keys, Site, copy_project

#: Child processes and whole projects: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

ITEM = "berita/rapat.md"
GIT_MISSING = (
    "Program git tidak ditemukan; pasang git (Debian/Ubuntu: 'sudo apt install git'; "
    "Windows: https://git-scm.com/download/win, lalu buka terminal baru) dan jalankan "
    "perintah ini lagi. Tidak ada yang diubah."
)


def invoke(
    *args: str, project: Path = REPO, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``invoke`` of ``project`` as a person would (no terminal, no typed input)."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(project), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def approve(
    site: Site, key: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Approve ITEM as Web Admin with the key file ``key``."""
    args = ("approve", f"content/{ITEM}", "--role", "web-admin", "--key", str(key))
    return invoke(*args, "--settings", str(site.settings), env=env)


def signed(site: Site) -> list[Path]:
    """Return the sign-off files written for ITEM."""
    return sorted((site.approvals / "berita").rglob("*.yml"))


@pytest.fixture
def draft(site: Site) -> Site:
    site.article(ITEM, "Rapat Pleno", "Isi TOKENRAPAT.")
    return site


def own_copy(keys: Keys, folder: Path, name: str = "andi", *, mode: int = 0o600) -> Path:
    """Copy ``name``'s key pair into ``folder`` (as a person keeps it) with ``mode``."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / f"{name}_ed25519"
    shutil.copyfile(keys.private(name), key)
    shutil.copyfile(f"{keys.private(name)}.pub", f"{key}.pub")
    key.chmod(mode)
    return key


# -- ssh-keygen's refusals ----------------------------------------------------------------


def test_wrong_passphrase_is_one_indonesian_sentence(
    draft: Site, keys: Keys, tmp_path: Path
) -> None:
    key = own_copy(keys, tmp_path / "kunci")
    subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", "benar", "-f", str(key)], check=True)
    typed = tmp_path / "ketik.sh"
    env = {"SSH_ASKPASS": str(typed), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
    typed.write_text("#!/bin/sh\necho salah\n")
    typed.chmod(0o755)
    done = approve(draft, key, env)
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr == (
        f"Tidak ditandatangani: Frasa sandi untuk kunci {key} salah; ulangi dan ketik frasa "
        "sandi kunci itu (huruf besar dan kecil dibedakan), atau bila lupa, buat kunci baru "
        "dengan 'invoke keygen' dan minta Ketua KPU mengganti kunci Anda di roster.\n"
    )
    assert signed(draft) == []
    typed.write_text("#!/bin/sh\necho benar\n")  # the same path with the right passphrase
    done = approve(draft, key, env)
    assert done.returncode == 0, done.stderr
    assert len(signed(draft)) == 1


def test_key_others_can_read_is_refused_and_left_as_it_was(
    draft: Site, keys: Keys, tmp_path: Path
) -> None:
    key = own_copy(keys, tmp_path / "kunci", mode=0o644)
    done = approve(draft, key)
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr == (
        f"Tidak ditandatangani: Izin berkas kunci {key} terlalu terbuka (0644): ssh-keygen "
        "tidak memakai kunci privat yang bisa dibaca orang lain; jalankan "
        f"'chmod 600 {key}' lalu ulangi.\n"
    )
    assert key.stat().st_mode & 0o777 == 0o644  # a person's own key is never changed
    assert done.stdout == "" and signed(draft) == []


def test_file_that_holds_no_key_is_named(draft: Site, keys: Keys, tmp_path: Path) -> None:
    key = own_copy(keys, tmp_path / "kunci")
    key.write_text("ini bukan kunci\n")  # the .pub beside it is andi's: the roster knows it
    done = approve(draft, key)
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr == (
        f"Tidak ditandatangani: Berkas {key} bukan kunci privat SSH yang dapat dibaca; "
        "sebutkan berkas kunci privat Anda dengan --key (mis. ~/.ssh/kpu-rembang_ed25519), "
        "atau buat kunci dengan 'invoke keygen'.\n"
    )


def test_missing_key_file_is_named(site: Site, tmp_path: Path) -> None:
    missing = tmp_path / "tidak-ada_ed25519"
    before = (site.approvals / "roster.yml.sig").read_bytes()
    done = invoke("sign-roster", "--key", str(missing), "--approvals", str(site.approvals))
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr == (
        f"Roster tidak ditandatangani: Kunci {missing} tidak ditemukan; periksa jalurnya "
        "(--key), atau buat kunci dengan 'invoke keygen'.\n"
    )
    assert (site.approvals / "roster.yml.sig").read_bytes() == before


def test_public_key_not_in_agent_says_ssh_add(draft: Site, keys: Keys, tmp_path: Path) -> None:
    key = own_copy(keys, tmp_path / "kunci")
    key.unlink()  # only the .pub is here, and no ssh-agent runs
    public = Path(f"{key}.pub")
    done = approve(draft, public, env={"SSH_AUTH_SOCK": ""})
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr == (
        f"Tidak ditandatangani: Kunci {public} tidak dimuat di ssh-agent dan kunci privat "
        f"pasangannya tidak ada di sebelahnya; jalankan 'ssh-add {key}' lalu ulangi, atau "
        "sebutkan berkas kunci privat dengan --key.\n"
    )


def test_key_not_in_roster_names_the_file_and_its_fingerprint(
    draft: Site, keys: Keys, tmp_path: Path
) -> None:
    key = own_copy(keys, tmp_path / "kunci", "luar")
    done = approve(draft, key)
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr == (
        "Tidak ditandatangani: Kunci Anda tidak terdaftar di roster. Kunci "
        f"{key} ({keys.fingerprint('luar')}) tidak ada di roster versi 1: kirim {key}.pub "
        "ke Ketua KPU untuk dimasukkan ke roster, atau sebutkan kunci Anda yang terdaftar "
        "dengan --key.\n"
    )


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a folder no one may write: /sys")
def test_keygen_that_cannot_save_says_where(tmp_path: Path) -> None:
    target = Path("/sys/kpu-uji-kunci")
    done = invoke("keygen", "--name", "Uji", "--file", str(target), "--no-passphrase")
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr.startswith(f"Kunci tidak dapat disimpan di {target} (")
    assert done.stderr.endswith("); pilih lokasi lain dengan --file atau periksa izin foldernya.\n")
    assert "Saving key" not in done.stderr


def test_english_no_rule_knows_is_kept_after_the_sentence(tmp_path: Path) -> None:
    key = tmp_path / "k"
    assert explain_ssh_keygen("Something new went wrong\n", key) == (
        f"ssh-keygen gagal menandatangani dengan kunci {key}; periksa berkas kunci itu dan "
        "ssh-agent Anda. Pesan ssh-keygen: Something new went wrong"
    )
    known = f'Load key "{key}": incorrect passphrase supplied to decrypt private key\n'
    said = explain_ssh_keygen(f"Enter passphrase: {known}and one more thing\n", key)
    assert said.startswith(f"Frasa sandi untuk kunci {key} salah;")
    assert said.endswith("Pesan ssh-keygen lainnya: and one more thing")
    assert "Enter passphrase" not in said


# -- the demo keys of a fresh clone -------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project as a fresh clone has it: a git repository with one commit."""
    return copy_project(tmp_path_factory.mktemp("asal") / "proyek", tests=False)


@pytest.fixture
def clone(project: Path, tmp_path: Path) -> Path:
    """A real ``git clone`` of the project: demo keys at 0644, as git writes them."""
    target = tmp_path / "klon"
    subprocess.run(["git", "clone", "-q", str(project), str(target)], check=True)
    return target


def _waiting_for_web_admin(clone: Path) -> str:
    done = invoke("status", "--json", project=clone, cwd=clone)
    rows = json.loads(done.stdout)["items"]
    return next(row["item"] for row in rows if row["next_role"] == "web-admin")


def test_demo_key_of_a_fresh_clone_signs_after_one_line(clone: Path) -> None:
    andi = clone / "demo-keys" / "andi"
    assert andi.stat().st_mode & 0o777 == 0o644  # what ssh-keygen refuses
    item = _waiting_for_web_admin(clone)
    args = ("approve", f"content/{item}", "--role", "web-admin", "--key", "demo-keys/andi")
    done = invoke(*args, project=clone, cwd=clone)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "Kunci contoh demo-keys/andi: izinnya 0644 (git tidak menyimpan izin berkas) "
        "diubah menjadi 0600 agar ssh-keygen mau memakainya; kunci contoh hanya untuk "
        "situs contoh."
    )
    assert f"DISETUJUI oleh andi sebagai web-admin: {item}" in done.stdout
    assert andi.stat().st_mode & 0o777 == 0o600
    again = invoke(*args, project=clone, cwd=clone)  # nothing left to fix: no line
    assert not again.stdout.startswith("Kunci contoh")
    roster = invoke("sign-roster", "--key", "demo-keys/anchor-ketua", project=clone, cwd=clone)
    assert roster.returncode == 0, roster.stderr
    assert roster.stdout.startswith("Kunci contoh demo-keys/anchor-ketua: izinnya 0644 ")
    assert "dengan kunci jangkar CONTOH" in roster.stdout  # no office anchor was written
    assert not (clone / "approvals" / "jangkar-kantor.txt").exists()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "demo-keys"], cwd=clone, capture_output=True, text=True
    )
    assert changed.stdout == ""  # git does not see the mode as a change


def test_other_keys_with_open_modes_are_never_changed(
    clone: Path, keys: Keys, tmp_path: Path
) -> None:
    item = _waiting_for_web_admin(clone)
    elsewhere = tmp_path / "salinan" / "andi"  # a demo key, but outside demo-keys/
    elsewhere.parent.mkdir()
    for suffix in ("", ".pub"):
        shutil.copyfile(clone / "demo-keys" / f"andi{suffix}", f"{elsewhere}{suffix}")
    elsewhere.chmod(0o644)
    done = invoke(
        "approve",
        f"content/{item}",
        "--role",
        "web-admin",
        "--key",
        str(elsewhere),
        project=clone,
        cwd=clone,
    )
    assert done.returncode == ExitCode.SIGNING
    assert done.stderr.startswith(
        f"Tidak ditandatangani: Izin berkas kunci {elsewhere} terlalu terbuka (0644): "
    )
    assert elsewhere.stat().st_mode & 0o777 == 0o644
    stranger = clone / "demo-keys" / "orang-lain"  # inside demo-keys/, not a demo key
    for suffix in ("", ".pub"):
        shutil.copyfile(f"{keys.private('luar')}{suffix}", f"{stranger}{suffix}")
    stranger.chmod(0o644)
    done = invoke(
        "approve",
        f"content/{item}",
        "--role",
        "web-admin",
        "--key",
        "demo-keys/orang-lain",
        project=clone,
        cwd=clone,
    )
    assert done.returncode == ExitCode.SIGNING and "Kunci contoh" not in done.stdout
    assert stranger.stat().st_mode & 0o777 == 0o644


# -- a machine without git ----------------------------------------------------------------


@pytest.fixture(scope="module")
def no_git(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose PATH has every program of this machine except git."""
    folder = tmp_path_factory.mktemp("tanpa-git")
    for directory in os.environ["PATH"].split(os.pathsep):
        try:
            tools = sorted(Path(directory).iterdir())
        except OSError:
            continue
        for tool in tools:
            link = folder / tool.name
            if tool.name == "git" or tool.name.startswith("git-") or os.path.lexists(link):
                continue
            link.symlink_to(tool)
    assert shutil.which("git", path=str(folder)) is None
    assert shutil.which("ssh-keygen", path=str(folder)) is not None
    return {"PATH": str(folder)}


@pytest.mark.parametrize(
    ("args", "prefix"),
    [
        (
            ("publish", "--demo", "--dry-run"),
            "Penerbitan DIBATALKAN, situs tayang tidak berubah.\n",
        ),
        (("rollback",), "Rollback gagal: "),
        (("terima-riwayat", "--alasan", "uji"), "Riwayat TIDAK diterima: "),
    ],
    ids=["publish", "rollback", "terima-riwayat"],
)
def test_commands_that_need_git_say_git_is_missing(
    project: Path, no_git: dict[str, str], args: tuple[str, ...], prefix: str
) -> None:
    done = invoke(*args, project=project, cwd=project, env=no_git)
    assert done.returncode == ExitCode.GIT_MISSING == 7
    assert done.stderr == f"{prefix}{GIT_MISSING}\n"
    assert "bukan repositori git" not in done.stdout + done.stderr


def test_report_without_git_says_git_is_missing(project: Path, no_git: dict[str, str]) -> None:
    done = invoke("report", project=project, cwd=project, env=no_git)
    assert done.returncode == 0, done.stderr
    assert (
        "! Program git tidak ditemukan: waktu mulai setiap versi diperkirakan dari waktu "
        "berkas." in done.stdout + done.stderr
    )
    assert "bukan repositori git" not in done.stdout + done.stderr
