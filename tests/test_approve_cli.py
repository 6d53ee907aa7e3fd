"""SOP steps 4-6 at the keyboard: approvers sign with ``invoke approve`` / ``reject``.

These run the real ``invoke`` command in a child process against a site in a temporary
folder, sign with real keys through ssh-keygen (and ssh-agent), and check the result
with plain ``ssh-keygen -Y verify``, as an auditor would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from sitekit import NOW, REPO, ROLES, PEOPLE, Site, roster_text

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

ITEM = "berita/rapat.md"


def invoke(
    site: Site, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "invoke", "-r", str(REPO), *args]
    if args[0] in {"approve", "reject", "status", "allowed-signers"}:
        command += ["--settings", str(site.settings)]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def approve(
    site: Site, role: str, key: str | None = None, item: str = ITEM
) -> subprocess.CompletedProcess[str]:
    return invoke(
        site,
        "approve",
        f"content/{item}",
        "--role",
        role,
        "--key",
        str(site.keys.private(key or PEOPLE[role])),
    )


@pytest.fixture
def draft(site: Site) -> Site:
    site.article(ITEM, "Rapat Pleno", "Isi TOKENRAPAT.")
    return site


def test_four_approvals_by_invoke_publish_the_item(draft: Site) -> None:
    for role in ROLES:
        done = approve(draft, role)
        assert done.returncode == 0, done.stderr
        assert f"DISETUJUI oleh {PEOPLE[role]} sebagai {role}: {ITEM}" in done.stdout
    files = sorted((draft.approvals / "berita" / "rapat").iterdir())
    assert [f.name for f in files] == sorted(f"20261124T100000-{role}-setuju.yml" for role in ROLES)
    draft.build()
    assert draft.hits("TOKENRAPAT")


def test_sign_off_made_by_invoke_approve_verifies_with_plain_ssh_keygen(
    draft: Site, tmp_path: Path
) -> None:
    assert approve(draft, "web-admin").returncode == 0
    allowed = tmp_path / "allowed_signers"
    assert invoke(draft, "allowed-signers", "--output", str(allowed)).returncode == 0
    [signoff] = (draft.approvals / "berita" / "rapat").iterdir()
    record = yaml.safe_load(signoff.read_text())
    (tmp_path / "payload").write_text(record["payload"])
    (tmp_path / "payload.sig").write_text(record["signature"])
    verify = [
        "ssh-keygen",
        "-Y",
        "verify",
        "-f",
        str(allowed),
        "-I",
        "andi@web-admin",
        "-n",
        "kpu-rembang-persetujuan",
        "-s",
        str(tmp_path / "payload.sig"),
        "-O",
        "verify-time=20261124030000Z",
    ]
    with open(tmp_path / "payload", "rb") as payload:
        good = subprocess.run(verify, stdin=payload, capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert 'Good "kpu-rembang-persetujuan" signature for andi@web-admin' in good.stdout
    (tmp_path / "payload").write_text(record["payload"].replace("setuju", "tolak"))
    with open(tmp_path / "payload", "rb") as payload:
        bad = subprocess.run(verify, stdin=payload, capture_output=True, text=True)
    assert bad.returncode != 0
    # rudi's term as Web Admin ended in 2025: his line carries valid-before
    assert re.search(r'^rudi@web-admin .*valid-before="20251231170000Z"', allowed.read_text(), re.M)


def test_komisioner_cannot_sign_before_sekretaris(draft: Site) -> None:
    assert approve(draft, "web-admin").returncode == 0
    assert approve(draft, "kasubbag-tekmas").returncode == 0
    done = approve(draft, "komisioner")
    assert done.returncode == 6
    assert (
        "Tidak ditandatangani: Belum bisa: Sekretaris belum menyetujui versi ini "
        "(menunggu Sekretaris)." in done.stderr
    )
    assert len(list((draft.approvals / "berita" / "rapat").iterdir())) == 2


def test_komisioner_who_signed_too_early_signs_again_after_sekretaris(draft: Site) -> None:
    early = datetime.fromisoformat("2026-11-21T09:30:00+07:00")
    draft.sign(ITEM, "web-admin", at=early - timedelta(minutes=20))
    draft.sign(ITEM, "kasubbag-tekmas", at=early - timedelta(minutes=10))
    draft.sign(ITEM, "komisioner", at=early)  # before the Sekretaris: does not count
    draft.sign(ITEM, "sekretaris", at=early + timedelta(minutes=10))
    done = approve(draft, "komisioner")
    assert done.returncode == 0, done.stderr
    status = json.loads(invoke(draft, "status", "--json").stdout)
    [row] = [row for row in status["items"] if row["item"] == ITEM]
    assert row["state"] == "lengkap"
    assert [a["signed_at"] for a in row["approvals"]][-1] == NOW.isoformat()
    assert [f["message"] for f in row["findings"]] == [
        "Persetujuan Komisioner dibuat sebelum peran sebelumnya menyetujui (urutan SOP dilanggar)."
    ]


def test_former_official_cannot_sign(draft: Site) -> None:
    done = approve(draft, "web-admin", key="rudi")
    assert done.returncode == 6
    assert (
        "Pejabat Rudi bukan pemegang jabatan Web Admin saat ini (pemegangnya: "
        "Pejabat Andi)." in done.stderr
    )


def test_key_not_in_roster_cannot_sign(draft: Site) -> None:
    done = approve(draft, "web-admin", key="luar")
    assert done.returncode == 6 and "Kunci Anda tidak terdaftar di roster." in done.stderr


def test_same_decision_twice_is_refused(draft: Site) -> None:
    assert approve(draft, "web-admin").returncode == 0
    done = approve(draft, "web-admin")
    assert done.returncode == 6 and "sudah memberi keputusan 'setuju'" in done.stderr


def test_existing_sign_off_file_is_never_overwritten(draft: Site) -> None:
    target = draft.approvals / "berita/rapat/20261124T100000-web-admin-setuju.yml"
    target.parent.mkdir(parents=True)
    target.write_text("milik orang lain\n")
    done = approve(draft, "web-admin")
    assert done.returncode == 6 and "Berkas keputusan sudah ada" in done.stderr
    assert target.read_text() == "milik orang lain\n"


def test_reject_needs_a_reason_and_sends_the_item_back(draft: Site) -> None:
    done = invoke(
        draft, "reject", ITEM, "--role", "web-admin", "--key", str(draft.keys.private("andi"))
    )
    assert done.returncode == 6 and "Penolakan wajib disertai alasan." in done.stderr
    done = invoke(
        draft,
        "reject",
        ITEM,
        "--role",
        "web-admin",
        "--note",
        "Foto belum ada keterangan.",
        "--key",
        str(draft.keys.private("andi")),
    )
    assert done.returncode == 0 and "DITOLAK oleh andi" in done.stdout
    status = invoke(draft, "status")
    assert "ditolak Web Admin: Foto belum ada keterangan." in status.stdout


def test_unknown_role_lists_the_roles(draft: Site) -> None:
    done = approve(draft, "web-admin")
    done = invoke(
        draft, "approve", ITEM, "--role", "bendahara", "--key", str(draft.keys.private("andi"))
    )
    assert done.returncode == 6
    assert (
        "Peran tidak dikenal: 'bendahara'. Pilih salah satu: web-admin, "
        "kasubbag-tekmas, sekretaris, komisioner." in done.stderr
    )


def test_passphrase_key_held_in_ssh_agent_signs(draft: Site, tmp_path: Path) -> None:
    key = tmp_path / "andi-baru"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "kata sandi rahasia", "-f", str(key)],
        check=True,
    )
    public = key.with_suffix(".pub").read_text().split()[:2]
    text = roster_text(draft.keys, version=2).replace(draft.keys.public("andi"), " ".join(public))
    draft.write_roster(text)
    askpass = tmp_path / "askpass.sh"
    askpass.write_text("#!/bin/sh\necho 'kata sandi rahasia'\n")
    askpass.chmod(0o700)
    agent = subprocess.run(["ssh-agent", "-s"], capture_output=True, text=True, check=True)
    env = dict(re.findall(r"(SSH_AUTH_SOCK|SSH_AGENT_PID)=([^;]+);", agent.stdout))
    try:
        added = subprocess.run(
            ["ssh-add", str(key)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env={
                **os.environ,
                **env,
                "SSH_ASKPASS": str(askpass),
                "SSH_ASKPASS_REQUIRE": "force",
                "DISPLAY": ":0",
            },
        )
        assert added.returncode == 0, added.stderr
        done = invoke(
            draft,
            "approve",
            ITEM,
            "--role",
            "web-admin",
            "--key",
            str(key.with_suffix(".pub")),
            env=env,
        )
        assert done.returncode == 0, done.stderr
    finally:
        subprocess.run(["kill", env["SSH_AGENT_PID"]], check=False)
    assert "menunggu Kasubbag Tekmas" in invoke(draft, "status").stdout


def test_keygen_makes_a_key_and_never_overwrites_one(tmp_path: Path, site: Site) -> None:
    target = tmp_path / "kunci"
    done = invoke(
        site, "keygen", "--name", "Pejabat Baru", "--file", str(target), "--no-passphrase"
    )
    assert done.returncode == 0, done.stderr
    assert "Kunci publik (kirim ke Ketua KPU untuk roster):" in done.stdout
    assert "SHA256:" in done.stdout and target.is_file()
    again = invoke(site, "keygen", "--name", "X", "--file", str(target), "--no-passphrase")
    assert again.returncode == 6 and "Kunci sudah ada" in again.stderr


def test_signed_at_is_the_settings_clock(draft: Site) -> None:
    approve(draft, "web-admin")
    [signoff] = (draft.approvals / "berita" / "rapat").iterdir()
    assert yaml.safe_load(signoff.read_text())["signed_at"] == NOW.isoformat()


def test_an_item_whose_attachment_is_missing_cannot_be_approved(draft: Site) -> None:
    draft.article(ITEM, "Rapat Pleno", "Isi. [unduh]({attach}sk.pdf)")
    done = approve(draft, "web-admin")
    assert done.returncode == 20  # ExitCode.WORKFLOW: the naskah must be fixed first
    assert done.stderr.endswith(
        "Belum bisa disetujui: content/berita/rapat.md perlu diperbaiki lebih dulu (1 masalah); "
        "tidak ada yang ditandatangani. Minta penulis memperbaikinya, lalu setujui versi yang "
        "sudah diperbaiki. Menolak dengan alasan (invoke reject) tetap bisa.\n"
        "  content/berita/rapat.md:4: Lampiran tidak ditemukan: berita/sk.pdf.\n"
    )
    rejected = invoke(
        draft,
        "reject",
        f"content/{ITEM}",
        "--role",
        "web-admin",
        "--note",
        "Lampiran belum ada.",
        "--key",
        str(draft.keys.private("andi")),
    )
    assert rejected.returncode == 0, rejected.stderr
