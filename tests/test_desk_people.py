"""The web admin's /akun: a lost phone or a person who leaves stops at once.

Removing a person's last passkey or disabling the account ends their sessions; a
disabled account cannot come back with an old cookie, and a removed passkey is no
longer offered for signing. Only a web admin may do it, never to themselves, and
every action needs the session's CSRF token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from deskkit import Desk, running_desk
from passkeykit import Passkey, add_credential, b64url
from sitekit import copy_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    root = copy_project(tmp_path_factory.mktemp("meja-akun") / "situs")
    with running_desk(root) as running:
        running.account("andi", "Andi Prasetyo", "web-admin")
        yield running


def person_with_passkey(desk: Desk, account: str, role: str) -> str:
    desk.account(account, f"Orang {account.title()}", role)
    credential = b64url(os.urandom(16))
    add_credential(desk.store, account, credential, Passkey(rp_id="localhost").public_key)
    return credential


def logged_in(desk: Desk, session) -> bool:  # type: ignore[no-untyped-def]
    return desk.get("/", session, allow_redirects=False).status_code == 200


def test_a_lost_phones_passkey_is_removed_and_its_sessions_end(desk: Desk) -> None:
    credential = person_with_passkey(desk, "siti", "penulis")
    siti, admin = desk.client("siti"), desk.client("andi")
    assert logged_in(desk, siti)
    page = desk.get("/akun", admin)
    assert page.status_code == 200 and "Orang Siti" in page.text and "SHA256:" in page.text

    done = desk.post(
        "/akun/siti/passkey/hapus", admin, data={"csrf": admin.csrf, "passkey": credential}
    )
    assert done.status_code == 200  # after the redirect: the list again, with what was done
    assert "Passkey siti dihapus dari meja" in done.text
    assert "minta Ketua KPU mencabutnya di roster" in done.text
    assert desk.store.one("SELECT * FROM credentials WHERE id = ?", credential) is None
    assert not logged_in(desk, siti)  # her only passkey: the phone's session is over too

    again = desk.post(
        "/akun/siti/passkey/hapus", admin, data={"csrf": admin.csrf, "passkey": credential}
    )
    assert again.status_code == 404 and "sudah dihapus" in again.text


def test_a_disabled_account_cannot_come_back_with_its_old_cookie(desk: Desk) -> None:
    person_with_passkey(desk, "budi", "sekretaris")
    budi, admin = desk.client("budi"), desk.client("andi")
    assert logged_in(desk, budi)
    done = desk.post("/akun/budi/nonaktifkan", admin, data={"csrf": admin.csrf})
    assert "Akun budi dinonaktifkan" in done.text
    assert 'id="akun-budi"' in done.text and "(nonaktif)" in done.text
    assert not logged_in(desk, budi)
    later = desk.client("budi")  # even a session made afterwards does not count
    assert not logged_in(desk, later)


def test_only_a_web_admin_may_and_never_on_themselves_nor_without_the_token(
    desk: Desk,
) -> None:
    person_with_passkey(desk, "rina", "penulis")
    rina, admin = desk.client("rina"), desk.client("andi")
    assert desk.get("/akun", rina).status_code == 403
    refused = desk.post("/akun/andi/nonaktifkan", rina, data={"csrf": rina.csrf})
    assert refused.status_code == 403

    own = desk.post("/akun/andi/nonaktifkan", admin, data={"csrf": admin.csrf})
    assert own.status_code == 409 and "akun Anda sendiri" in own.text

    forged = desk.post(
        "/akun/rina/nonaktifkan", admin, data={"csrf": "palsu"}, headers={"X-CSRF-Token": ""}
    )
    assert forged.status_code == 403
    assert logged_in(desk, rina)  # nothing happened
