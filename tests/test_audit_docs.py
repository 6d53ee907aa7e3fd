"""The auditor's commands in docs/approval-records.md work as written on the sample."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from approval_gate.api import content_digest
from sitekit import REPO

SIGNOFF = "approvals/berita/2026-11-10-rapat-pleno-dpt/20261110T153000-web-admin-setuju.yml"


def test_documented_shell_commands_verify_a_sample_sign_off(tmp_path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "-r",
            str(REPO),
            "allowed-signers",
            "--output",
            str(tmp_path / "allowed_signers"),
        ],
        check=True,
        env={**os.environ, "KPU_ROSTER_ANCHOR": ""},
    )
    script = f"""
        set -e
        f={REPO / SIGNOFF}
        sed -n '/^payload: |$/,/^signature: |$/{{//!p}}' "$f" | sed 's/^  //' > payload
        sed -n '/^signature: |$/,${{//!p}}' "$f" | sed 's/^  //' > payload.sig
        ssh-keygen -Y verify -f allowed_signers -I andi@web-admin \\
            -n kpu-rembang-persetujuan -s payload.sig -O verify-time=20261110083000Z < payload
    """
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('Good "kpu-rembang-persetujuan" signature for andi@web-admin')


def test_digest_is_reproducible_with_sha256sum() -> None:
    item = "regulasi/pkpu-2-2024-tahapan.md"
    digest = content_digest(REPO / "content", item)
    listing = subprocess.run(
        ["sha256sum", *digest.files],
        cwd=REPO / "content",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = "kpu-rembang-digest-v1\n" + listing
    assert len(digest.files) == 2  # the page and its PDF
    assert digest.value == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
