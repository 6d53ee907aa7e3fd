"""The desk's login and enrolment: invitations, passkeys, sessions, and roster proposals.

A real desk (waitress) on a copy of the project, real Debian chromium with a CDP virtual
passkey authenticator at 390 px, the real CLI (``invoke meja-undang``, ``invoke
allowed-signers``), the demo anchor key and a forger's key signing with plain
``ssh-keygen``. What is asserted is what a person sees (Indonesian text, status codes)
and what the repository holds afterwards (files, commits, allowed-signers).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from deskkit import Desk, authenticator, git, invoke, running_desk
from sitekit import copy_project

from approval_gate.api import ROSTER_NAMESPACE, now

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"
#: How long a page may take to do what the test waits for (not a timing assertion).
WAIT_MS = 60_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the whole project (sample site, demo keys, roster signed by the demo anchor)."""
    return copy_project(tmp_path_factory.mktemp("meja-masuk") / "situs")


@pytest.fixture(scope="module")
def desk(project: Path) -> Iterator[Desk]:
    with running_desk(project) as running:
        yield running


def invite_by_admin(
    desk: Desk, admin: requests.Session, name: str, role: str, account: str = ""
) -> str:
    """Make an invitation on /undangan as a logged-in admin; return the link shown."""
    answer = desk.post("/undangan", admin, data={"nama": name, "peran": role, "akun": account})
    assert answer.status_code == 200, answer.text
    found = re.search(r'id="tautan-undangan">([^<]+)<', answer.text)
    assert found, answer.text
    assert "https://wa.me/?text=" in answer.text
    return found.group(1)


def phone(browser: Any) -> tuple[Any, Any]:
    """A new 390 px browser context with a page that has a passkey authenticator."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    authenticator(page)
    return context, page


def arrive(page: Any, url: Any) -> None:
    """Wait until ``page`` is at ``url``; fail with what the page says if it never gets there."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_url(url, timeout=WAIT_MS)
    except Timeout:
        said = page.locator("#pesan").all_inner_texts() or page.locator("main").all_inner_texts()
        raise AssertionError(f"{page.url}: {said}") from None


def enrol(page: Any, desk: Desk, link: str) -> None:
    """Open an invitation link and create the passkey; end on the desk's front page."""
    page.goto(link)
    page.click("#buat-passkey")
    arrive(page, desk.url + "/")


def sign(root: Path, key: str, data: bytes, folder: Path) -> bytes:
    """Sign ``data`` as the chair would, with plain ssh-keygen and a key of demo-keys/."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "roster.yml"
    target.write_bytes(data)
    (folder / "roster.yml.sig").unlink(missing_ok=True)
    key_file = root / "demo-keys" / key
    key_file.chmod(0o600)
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(key_file), "-n", ROSTER_NAMESPACE, str(target)],
        check=True,
        capture_output=True,
    )
    return (folder / "roster.yml.sig").read_bytes()


@pytest.mark.browser
def test_invitation_makes_a_passkey_login_and_a_roster_the_chair_signs(
    desk: Desk, project: Path, browser: Any, tmp_path: Path
) -> None:
    # The first web admin's invitation comes from the command line (nobody can log in yet).
    made = invoke(
        project,
        "meja-undang",
        "--nama",
        "Andi Prasetyo",
        "--peran",
        "web-admin",
        "--akun",
        "andi",
        "--origin",
        desk.url,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Undangan untuk Andi Prasetyo (web-admin), berlaku sampai" in made.stdout
    link = re.search(r"(http://localhost:\d+/undangan/\S+)", made.stdout).group(1)  # type: ignore[union-attr]

    context, page = phone(browser)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Undangan untuk Andi Prasetyo"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "meja-masuk-undangan.png"), full_page=True)
    page.click("#buat-passkey")
    arrive(page, desk.url + "/")
    assert page.locator("h1").inner_text() == "Selamat datang, Andi Prasetyo"
    cookie = next(c for c in context.cookies() if c["name"] == "meja_sesi")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", "/")

    # The link worked once.
    again = requests.get(link, timeout=60)
    assert again.status_code == 410
    assert "Undangan ini sudah dipakai; setiap undangan hanya berlaku sekali." in again.text

    # Logging out ends the session; the same passkey logs in again.
    page.click("form.keluar button")
    arrive(page, re.compile(r".*/masuk$"))
    assert not [c for c in context.cookies() if c["name"] == "meja_sesi"]
    assert (
        requests.get(
            desk.url + "/",
            cookies={"meja_sesi": cookie["value"]},
            allow_redirects=False,
            timeout=60,
        ).status_code
        == 302
    )
    page.screenshot(path=str(SHOTS / "meja-masuk-masuk.png"), full_page=True)
    page.click("#masuk-passkey")
    arrive(page, desk.url + "/")
    assert page.locator("h1").inner_text() == "Selamat datang, Andi Prasetyo"

    # A page opened while logged out (a link from WhatsApp) comes back after the login.
    page.click("form.keluar button")
    arrive(page, re.compile(r".*/masuk$"))
    page.goto(desk.url + "/undangan")
    arrive(page, re.compile(r".*/masuk\?lanjut=/undangan"))
    page.click("#masuk-passkey")
    arrive(page, desk.url + "/undangan")

    # The admin invites a new official on /undangan; she enrols on her own phone.
    page.fill("#nama", "Siti Aminah")
    page.select_option("#peran", "sekretaris")
    page.click("#buat-undangan")
    siti_link = page.locator("#tautan-undangan").inner_text()
    assert siti_link.startswith(desk.url + "/undangan/")
    assert page.locator("#kirim-wa").get_attribute("href").startswith("https://wa.me/?text=")
    page.screenshot(path=str(SHOTS / "meja-masuk-undangan-admin.png"), full_page=True)
    other, siti = phone(browser)
    enrol(siti, desk, siti_link)
    assert siti.locator("h1").inner_text() == "Selamat datang, Siti Aminah"
    other.close()

    # One proposal holds both passkeys, the new person, her holding and the desk's origin.
    page.goto(desk.url + "/roster")
    page.screenshot(path=str(SHOTS / "meja-masuk-roster.png"), full_page=True)
    words = page.locator("section.kartu ul").inner_text()
    assert "Kunci passkey baru untuk Andi Prasetyo (CONTOH) (andi): SHA256:" in words
    assert "Orang baru di roster: Siti Aminah (siti), dengan kunci passkey SHA256:" in words
    assert "Siti Aminah (siti) memegang peran Sekretaris mulai" in words
    assert f"Alamat meja {desk.url} dicatat di desk_origins" in words
    assert "Versi roster naik dari 2 ke 3." in words
    live_before = (project / "approvals" / "roster.yml").read_bytes()
    with page.expect_download() as download:
        page.click("a.unduh-usulan")
    proposal = Path(download.value.path()).read_bytes()
    assert proposal != live_before
    assert proposal.count(b"sk-ecdsa-sha2-nistp256@openssh.com ") == 2
    assert b"# PERHATIAN: semua kunci di roster ini adalah KUNCI CONTOH" in proposal

    # A signature by another key is refused; the live roster stays as it was.
    forged = tmp_path / "palsu" / "roster.yml.sig"
    forged.parent.mkdir()
    forged.write_bytes(sign(project, "pemalsu", proposal, tmp_path / "palsu"))
    page.set_input_files("input[name=tanda_tangan]", str(forged))
    page.click("#pasang-roster")
    refusal = page.locator("#hasil.galat").inner_text()
    assert page.locator("#pasang-roster").is_visible()  # try again on the same page
    assert refusal.startswith(
        "Tanda tangan tidak dipasang: Roster ditandatangani kunci "
        "SHA256:ud5gBgU/+zSLG78nJ3zRPUeftK1h8xJj/MfFE1qsb8k, bukan kunci "
        "jangkar SHA256:c+UH1X5069oeuBAMXiHEKKMmgD4M1aoQE8a0GkAyHis"
    )
    assert (project / "approvals" / "roster.yml").read_bytes() == live_before

    # The chair's signature over exactly those bytes is installed and committed.
    signed = tmp_path / "ketua" / "roster.yml.sig"
    signed.parent.mkdir()
    signed.write_bytes(sign(project, "anchor-ketua", proposal, tmp_path / "ketua"))
    page.set_input_files("input[name=tanda_tangan]", str(signed))
    page.click("#pasang-roster")
    assert page.locator("#hasil").inner_text().startswith("Roster versi 3 dipasang dan disimpan")
    assert (project / "approvals" / "roster.yml").read_bytes() == proposal
    assert (project / "approvals" / "roster.yml.sig").read_bytes() == signed.read_bytes()
    log = git(project, "log", "-1", "--format=%an|%s", "--name-only")
    assert log.startswith(
        "Andi Prasetyo|Roster versi 3: passkey Andi Prasetyo (CONTOH), "
        "Siti Aminah (ditandatangani Ketua KPU, jangkar SHA256:"
    )
    assert "approvals/roster.yml\napprovals/roster.yml.sig" in log
    assert not git(project, "status", "--porcelain", "approvals")
    page.goto(desk.url + "/roster")
    assert (
        page.locator("main p")
        .first.inner_text()
        .startswith("Tidak ada perubahan roster yang menunggu.")
    )

    # The auditor's allowed-signers now holds both passkey keys, for their roles.
    exported = invoke(project, "allowed-signers")
    assert exported.returncode == 0, exported.stderr
    keys = yaml.safe_load(proposal)
    siti_key = next(p for p in keys["people"] if p["id"] == "siti")["keys"][0]["key"]
    assert re.search(rf"^siti@sekretaris .* {re.escape(siti_key)}$", exported.stdout, re.M)
    assert exported.stdout.count("sk-ecdsa-sha2-nistp256@openssh.com ") >= 2
    context.close()


def test_an_expired_or_unknown_invitation_is_refused_in_plain_words(
    desk: Desk, project: Path
) -> None:
    from desk.invitations import invite_from_cli

    link, _ = invite_from_cli(desk.settings, "Budi Santoso", "penulis", None)
    token = link.rsplit("/", 1)[1]
    assert desk.get(f"/undangan/{token}").status_code == 200
    with desk.store.transaction() as db:  # the invitation's hours have passed
        db.execute(
            "UPDATE invitations SET expires = ? WHERE account = 'budi'",
            ((now() - timedelta(minutes=1)).isoformat(),),
        )
    page = desk.get(f"/undangan/{token}")
    assert page.status_code == 410
    assert "Undangan ini sudah kedaluwarsa." in page.text
    assert "Minta Web Admin membuat undangan baru untuk Anda." in page.text
    api = desk.post(f"/api/undangan/{token}/mulai", json={})
    assert (api.status_code, api.json()["galat"]) == (410, "Undangan ini sudah kedaluwarsa.")
    unknown = desk.get("/undangan/bukan-token-yang-ada")
    assert unknown.status_code == 404 and "Undangan ini tidak dikenal." in unknown.text


def test_a_writer_cannot_open_the_admin_pages(desk: Desk) -> None:
    desk.account("penulis-a", "Penulis A", "penulis")
    writer = desk.client("penulis-a")
    for path in ("/undangan", "/roster", "/roster/usulan.yml"):
        page = desk.get(path, writer)
        assert page.status_code == 403, path
        assert "Halaman ini bukan untuk peran Anda." in page.text
    made = desk.post("/undangan", writer, data={"nama": "X", "peran": "web-admin"})
    assert made.status_code == 403
    assert not desk.store.query("SELECT * FROM invitations WHERE name = 'X'")


def test_a_post_without_the_token_or_from_another_site_is_refused(desk: Desk) -> None:
    desk.account("admin-b", "Admin B", "web-admin")
    admin = desk.client("admin-b")
    bare = requests.Session()
    bare.cookies.update(admin.cookies)
    bare.headers["Origin"] = desk.settings.origin
    refused = desk.post("/undangan", bare, data={"nama": "Y", "peran": "penulis"})
    assert refused.status_code == 403
    assert "Formulir ini sudah kedaluwarsa atau bukan dari meja ini." in refused.text
    foreign = desk.post(
        "/undangan",
        admin,
        data={"nama": "Y", "peran": "penulis"},
        headers={"Origin": "https://jahat.example"},
    )
    assert foreign.status_code == 403
    assert "Permintaan dari situs lain ditolak." in foreign.text
    login = desk.post("/api/masuk/mulai", json={}, headers={"Origin": "https://jahat.example"})
    assert login.status_code == 403
    assert login.json()["galat"] == "Permintaan dari situs lain ditolak."
    assert not desk.store.query("SELECT * FROM invitations WHERE name = 'Y'")
    still = desk.get("/", admin, allow_redirects=False)
    assert still.status_code == 200  # neither refusal ended the session
    assert desk.post("/keluar", admin, allow_redirects=False).status_code == 303
    assert desk.get("/", admin, allow_redirects=False).status_code == 302


def test_login_attempts_and_invitation_use_are_rate_limited(project: Path) -> None:
    limits = {"MEJA_LIMIT_MASUK": (3, 600), "MEJA_LIMIT_UNDANGAN": (2, 600)}
    with running_desk(project, **limits) as desk:
        with desk.store.transaction() as db:
            db.execute("DELETE FROM attempts")
        answers = [desk.post("/api/masuk/mulai", json={}) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].json()["galat"] == (
            "Terlalu banyak percobaan. Tunggu beberapa menit, lalu coba lagi."
        )
        guesses = [desk.get(f"/undangan/tebakan-{n}") for n in range(3)]
        assert [g.status_code for g in guesses] == [404, 404, 429]
        assert "Terlalu banyak percobaan." in guesses[-1].text
        with desk.store.transaction() as db:
            db.execute("DELETE FROM attempts")


def test_a_login_answer_works_once_and_only_for_its_challenge(desk: Desk) -> None:
    asked = desk.post("/api/masuk/mulai", json={}).json()
    assert asked["options"]["userVerification"] == "required"
    assert asked["options"]["allowCredentials"] == []
    fake = {
        "id": asked["id"],
        "credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}},
    }
    first = desk.post("/api/masuk/selesai", json=fake)
    assert first.status_code == 403
    assert first.json()["galat"] == "Passkey ini tidak terdaftar di meja ini."
    second = desk.post("/api/masuk/selesai", json=fake)
    assert second.status_code == 400
    assert second.json()["galat"] == "Permintaan passkey ini sudah kedaluwarsa atau sudah dipakai."


def test_invitation_options_ask_for_a_p256_discoverable_verified_passkey(desk: Desk) -> None:
    from desk.invitations import invite_from_cli

    link, _ = invite_from_cli(desk.settings, "Rina Wati", "komisioner", "rina")
    options = desk.post(f"/api/undangan/{link.rsplit('/', 1)[1]}/mulai", json={}).json()["options"]
    assert options["pubKeyCredParams"] == [{"type": "public-key", "alg": -7}]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["rp"] == {"id": "localhost", "name": "Meja Persetujuan KPU Kabupaten Rembang"}
    assert options["user"]["name"] == "rina" and options["user"]["displayName"] == "Rina Wati"


def test_an_official_account_id_must_have_the_roster_form(desk: Desk) -> None:
    desk.account("admin-c", "Admin C", "web-admin")
    admin = desk.client("admin-c")
    page = desk.post(
        "/undangan", admin, data={"nama": "Z", "peran": "sekretaris", "akun": "Bukan Id!"}
    )
    assert page.status_code == 400
    assert "Id akun &#39;bukan id!&#39; tidak sah." in page.text
    link = invite_by_admin(desk, admin, "Bambang Sutrisno", "sekretaris", "bambang")
    assert link.startswith(desk.url + "/undangan/")
    listed = desk.get("/undangan", admin).text
    assert "<td>Bambang Sutrisno</td><td>Sekretaris</td><td>bambang</td>" in listed


@pytest.mark.browser
def test_a_phone_without_screen_lock_is_told_so_and_the_invitation_stays(
    desk: Desk, browser: Any
) -> None:
    from desk.invitations import invite_from_cli

    link, _ = invite_from_cli(desk.settings, "Tono Wijaya", "penulis", None)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    authenticator(page, verified=False)  # no fingerprint, no screen lock
    page.goto(link)
    page.click("#buat-passkey")
    page.locator("#pesan.pesan-galat").wait_for(timeout=WAIT_MS)
    assert page.locator("#pesan").inner_text() == (
        "Passkey dibatalkan atau waktunya habis. Bila ponsel Anda tidak punya kunci layar "
        "atau sidik jari, aktifkan dulu di Pengaturan, lalu coba lagi."
    )
    assert page.url == link and page.locator("#buat-passkey").is_enabled()
    assert not desk.store.query("SELECT * FROM accounts WHERE name = 'Tono Wijaya'")
    assert desk.store.one("SELECT used FROM invitations WHERE name = 'Tono Wijaya'")["used"] is None
    context.close()


def test_a_roster_the_line_edits_cannot_follow_is_rewritten_with_the_same_meaning() -> None:
    from desk.roster_text import NewHolding, NewKey, edit_roster

    text = (
        "version: 4\npeople: [{id: a, name: A, keys: [{key: k1}]}]\nholders:\n"
        "  - {role: sekretaris, person: a, from: 2024-01-01}\n"
    )
    edited = edit_roster(
        text,
        [NewKey("b", "Budi", "k2", True)],
        [NewHolding("komisioner", "b", "2026-12-02")],
        "https://meja.example",
        5,
    )
    assert edited.startswith("# Roster pejabat penyetuju website KPU Kabupaten Rembang")
    assert yaml.safe_load(edited) == {
        "version": 5,
        "people": [
            {"id": "a", "name": "A", "keys": [{"key": "k1"}]},
            {"id": "b", "name": "Budi", "keys": [{"key": "k2"}]},
        ],
        "holders": [
            {"role": "sekretaris", "person": "a", "from": date(2024, 1, 1)},
            {"role": "komisioner", "person": "b", "from": date(2026, 12, 2)},
        ],
        "desk_origins": ["https://meja.example"],
    }


def sk_key(desk: Desk) -> str:
    """A fresh passkey-shaped OpenSSH key for this desk (P-256 point, application = rpId)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from approval_gate.api import sk_public_key

    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    return sk_public_key(
        point.x.to_bytes(32, "big"), point.y.to_bytes(32, "big"), desk.settings.rp_id
    )


def test_enrolments_accumulate_and_a_changed_proposal_is_not_installed(desk: Desk) -> None:
    from desk.roster_change import record_enrolment

    desk.account("admin-d", "Admin D", "web-admin")
    admin = desk.client("admin-d")
    with desk.store.transaction() as db:
        record_enrolment(db, "dewi", "Dewi Lestari", "komisioner", sk_key(desk), "2026-12-02")
    shown = desk.get("/roster", admin).text
    digest = re.search(r'name="usulan" value="([0-9a-f]{64})"', shown).group(1)  # type: ignore[union-attr]
    assert "Kunci passkey baru untuk Dewi Lestari (CONTOH) (dewi)" in shown
    with desk.store.transaction() as db:  # another official enrols before the chair signs
        record_enrolment(db, "joko", "Joko Susilo", "sekretaris", sk_key(desk), "2026-12-02")
    both = desk.get("/roster", admin).text
    assert "Kunci passkey baru untuk Dewi Lestari (CONTOH) (dewi)" in both
    assert "Orang baru di roster: Joko Susilo (joko)" in both
    garbage = desk.post(
        "/roster/pasang",
        admin,
        data={"usulan": digest, "csrf": admin.csrf},
        files={"tanda_tangan": ("roster.yml.sig", b"bukan tanda tangan")},
    )
    assert garbage.status_code == 409
    assert "Usulan roster berubah sejak halaman ini dibuka (ada pendaftaran baru)" in garbage.text
    fresh = re.search(r'name="usulan" value="([0-9a-f]{64})"', both).group(1)  # type: ignore[union-attr]
    garbage = desk.post(
        "/roster/pasang",
        admin,
        data={"usulan": fresh},
        files={"tanda_tangan": ("roster.yml.sig", b"bukan tanda tangan")},
    )
    assert garbage.status_code == 400
    assert "Berkas itu bukan tanda tangan SSH (roster.yml.sig)." in garbage.text
