"""The web admin's list of people: who may log in, with which passkeys (``/akun``).

A lost phone or a person who leaves must stop being able to use the desk at once. The
web admin removes that passkey (or disables the whole account): its sessions end, it can
no longer log in, and the desk no longer relays its signatures. What the desk cannot do
is make the gate stop counting the key: that is a roster change the chair signs
(``revoked``), and a revoked key stops counting for its past signatures too
(docs/approval-records.md); the page says so, with the key's fingerprint to name.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for

from approval_gate.api import fingerprint

from .accounts import ADMIN, needs, store
from .errors import Refused

bp = Blueprint("akun", __name__)
#: What the page says after an action (``?selesai=<kind>&akun=<id>``: no free text in URLs).
DONE = {
    "nonaktif": "Akun {akun} dinonaktifkan: sesinya berakhir dan tidak dapat masuk lagi.",
    "passkey": "Passkey {akun} dihapus dari meja. Agar kuncinya juga tidak dihitung situs, "
    "minta Ketua KPU mencabutnya di roster.",
}


@bp.get("/akun")
@needs(ADMIN)
def halaman() -> Any:
    """List every account with its roles and passkeys (fingerprint, when it was made)."""
    people = []
    for row in store().query("SELECT * FROM accounts ORDER BY disabled, name"):
        keys = [
            {"id": key["id"], "sidik": fingerprint(key["ssh_key"]), "dibuat": key["created"][:16]}
            for key in store().query(
                "SELECT id, ssh_key, created FROM credentials WHERE account = ? ORDER BY created",
                row["id"],
            )
        ]
        people.append(
            {
                "id": row["id"],
                "nama": row["name"],
                "peran": row["roles"].split(),
                "nonaktif": bool(row["disabled"]),
                "passkey": keys,
            }
        )
    done = DONE.get(request.args.get("selesai", ""), "")
    shown = done.format(akun=request.args.get("akun", "")) if done else ""
    return render_template("akun.html", people=people, me=g.account.id, done=shown)


@bp.post("/akun/<account_id>/nonaktifkan")
@needs(ADMIN)
def nonaktifkan(account_id: str) -> Any:
    """Disable an account: its sessions end and it can no longer log in."""
    if account_id == g.account.id:
        raise Refused(
            "Anda tidak dapat menonaktifkan akun Anda sendiri.",
            status=409,
            hint="Minta Web Admin lain bila memang perlu.",
        )
    with store().transaction() as db:
        changed = db.execute(
            "UPDATE accounts SET disabled = 1 WHERE id = ?", (account_id,)
        ).rowcount
        db.execute("DELETE FROM sessions WHERE account = ?", (account_id,))
    if not changed:
        raise Refused("Akun itu tidak ada.", status=404)
    return redirect(url_for("akun.halaman", selesai="nonaktif", akun=account_id), code=303)


@bp.post("/akun/<account_id>/passkey/hapus")
@needs(ADMIN)
def hapus_passkey(account_id: str) -> Any:
    """Remove one passkey (a lost phone): it can no longer log in or sign on the desk."""
    credential = request.form.get("passkey", "")
    with store().transaction() as db:
        removed = db.execute(
            "DELETE FROM credentials WHERE id = ? AND account = ?", (credential, account_id)
        ).rowcount
        left = db.execute(
            "SELECT COUNT(*) FROM credentials WHERE account = ?", (account_id,)
        ).fetchone()[0]
        if removed and not left:  # no way to log in is left: end the sessions too
            db.execute("DELETE FROM sessions WHERE account = ?", (account_id,))
    if not removed:
        raise Refused("Passkey itu tidak ada (mungkin sudah dihapus).", status=404)
    return redirect(url_for("akun.halaman", selesai="passkey", akun=account_id), code=303)
