"""The web admin's deliberate decision about the publishing history: ``invoke terima-riwayat``.

A publish must descend from the last one on this machine, and nothing in the repository
can vouch for a rewritten history. When one really must start anew (the first publish
on a machine, a history replaced on purpose), the web admin accepts a commit here, with
a reason; the machine's state records who, when and why. Glue only: the record is made
by ``publishing.seal.history``.
"""

from __future__ import annotations

import getpass
import os
import socket

from invoke import Context, task

from approval_gate.api import git_text, now

from .cli import ROOT, reported


@task(
    name="terima-riwayat",
    help={
        "commit": "commit yang diterima sebagai titik awal (bawaan: HEAD)",
        "alasan": "mengapa riwayat ini diterima (wajib; dicatat)",
        "demo": "untuk catatan situs contoh (invoke publish --demo)",
    },
)
def accept_history_(c: Context, commit: str = "HEAD", alasan: str = "", demo: bool = False) -> None:
    """(Web admin) Terima sebuah commit sebagai titik awal riwayat penerbitan; dicatat."""
    from publishing.seal.history import accept_history, machine_state
    from publishing.seal.history_text import shown

    with reported("Riwayat TIDAK diterima: "):
        state = machine_state(ROOT, os.environ, demo=demo)
        base = accept_history(
            ROOT,
            commit,
            state,
            reason=alasan,
            by=f"{getpass.getuser()}@{socket.gethostname()}",
            git_user=git_text(ROOT, "config", "user.name") or "-",
            at=now(),
        )
        state.save()
    subject = git_text(ROOT, "show", "-s", "--format=%s", base["commit"]) or ""
    replaced = f"\n  menggantikan terbitan terakhir: {base['replaces']}" if base["replaces"] else ""
    print(
        f"Riwayat DITERIMA sebagai titik awal penerbitan di mesin ini.\n"
        f'  commit: {base["commit"]} "{shown(subject, 72)}"\n'
        f"  oleh:   {base['by']} ({base['git_user']}), {base['at']}\n"
        f"  alasan: {base['reason']}{replaced}\n"
        f"Tercatat di {state.file}.\n"
        "Penerbitan berikutnya harus turunan dari commit ini. Kode dan catatan persetujuan "
        "pada commit ini dianggap sah: pastikan Anda sudah memeriksanya."
    )
