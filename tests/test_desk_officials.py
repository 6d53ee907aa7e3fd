"""The officials' pages of the desk: Menunggu Anda, one item as it will be published, and
Setujui / Tolak signed by a passkey, on a real copy of the project served by waitress.

The officials' passkeys are real P-256 keys: made in Python (``passkeykit.Passkey``, as a
phone's authenticator answers) or given to Chromium's virtual authenticator; their public
keys go into the copy's roster, with the desk's origin, signed by the demo anchor as the
KPU chair would sign it. A sign-off made through the desk is then checked like any other:
the file, the commit's author, ``ssh-keygen -Y verify`` and ``invoke status``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from approval_gate.api import SIGNOFF_NAMESPACE, sk_public_key

from deskkit import Desk, authenticator, git, invoke, running_desk
from passkeykit import Passkey, b64url
from sitekit import commit_all, copy_project

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"
KRAGAN = "berita/2026-11-21-rakor-ppk-kragan.md"  # waits for Kasubbag Tekmas
KPPS = "pengumuman/2026-11-22-seleksi-kpps.md"  # waits for Sekretaris
PEMILIH_MUDA = "artikel/2026-11-18-partisipasi-pemilih-muda.md"  # waits for Komisioner
TPS = "data/2026-11-16-daftar-tps.md"  # stale: waits for Web Admin again
HOSTILE = "berita/2026-11-25-naskah-jahat.md"
#: The officials of the sample roster and their roles.
OFFICIALS = {
    "sri": ("Sri Wahyuni (CONTOH)", "kasubbag-tekmas"),
    "bambang": ("Bambang Sutrisno (CONTOH)", "sekretaris"),
    "dewi": ("Dewi Lestari (CONTOH)", "komisioner"),
}


@dataclass
class Office:
    """The running desk of a project copy and the officials' (simulated) passkeys."""

    desk: Desk
    passkeys: dict[str, Passkey] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)  # person -> credential id
    browser_key: ec.EllipticCurvePrivateKey | None = None

    @property
    def root(self) -> Path:
        return self.desk.root


def enrol_in_roster(root: Path, keys: dict[str, str], origin: str) -> None:
    """Add passkey keys and the desk's origin to the roster; sign it with the demo anchor."""
    roster = root / "approvals" / "roster.yml"
    text = roster.read_text(encoding="utf-8").replace("version: 2", "version: 3", 1)
    for person, key in keys.items():
        line = f"      - key: {key}\n"
        text, found = re.subn(
            rf"(  - id: {person}\n    name: [^\n]*\n(?:    code: [^\n]*\n)?    keys:\n)",
            lambda m, line=line: m.group(1) + line,
            text,
        )
        assert found == 1, person
    roster.write_text(text + f"desk_origins:\n  - {origin}\n", encoding="utf-8")
    anchor = root / "demo-keys" / "anchor-ketua"
    anchor.chmod(0o600)
    (root / "approvals" / "roster.yml.sig").unlink()
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(anchor), "-n", "kpu-rembang-roster", str(roster)],
        check=True,
        capture_output=True,
    )
    commit_all(root, "roster: passkey para pejabat dan alamat meja")


def add_credential(desk: Desk, person: str, credential: str, key: str) -> None:
    with desk.store.transaction() as db:
        db.execute(
            "INSERT INTO credentials (id, account, cose_key, ssh_key, created) "
            "VALUES (?, ?, ?, ?, '2026-11-25T00:00:00+07:00')",
            (credential, person, b"", key),
        )


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    root = copy_project(tmp_path_factory.mktemp("meja") / "situs", tests=False)
    with running_desk(root, MEJA_PRATINJAU_TUNGGU=300.0) as desk:
        made = Office(desk)
        made.browser_key = ec.generate_private_key(ec.SECP256R1())
        numbers = made.browser_key.public_key().public_numbers()
        browser_public = sk_public_key(
            numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big"), "localhost"
        )
        keys = {}
        for person, (name, role) in OFFICIALS.items():
            desk.account(person, name, role)
            made.passkeys[person] = Passkey(rp_id="localhost")
            made.credentials[person] = b64url(os.urandom(16))
            add_credential(desk, person, made.credentials[person], made.passkeys[person].public_key)
            keys[person] = made.passkeys[person].public_key
        keys["dewi"] = f"{keys['dewi']}\n      - key: {browser_public}"
        add_credential(desk, "dewi", "a2V5LWRhcmktcGVyYW1iYW4", browser_public)
        enrol_in_roster(root, keys, desk.url)
        yield made


def sign_in_python(office: Office, person: str, prepared: dict[str, Any], **wrong: Any) -> dict:
    """Answer the desk's options as the person's phone does; return the assertion JSON."""
    challenge = base64.urlsafe_b64decode(prepared["options"]["challenge"] + "==")
    answer = office.passkeys[person].assertion(challenge, origin=office.desk.url, **wrong)
    credential = office.credentials[person]
    return {
        "id": credential,
        "rawId": credential,
        "type": "public-key",
        "response": {
            "clientDataJSON": b64url(answer.client_data_json),
            "authenticatorData": b64url(answer.authenticator_data),
            "signature": b64url(answer.der_signature),
        },
    }


def decide(
    office: Office,
    person: str,
    item: str,
    decision: str,
    note: str = "",
    role: str | None = None,
    **wrong: Any,
) -> requests.Response:
    """Prepare, sign on the 'phone' and finish one decision; return the last answer."""
    session = office.desk.client(person)
    role = role or OFFICIALS[person][1]
    prepared = office.desk.post(
        "/api/tugas/siapkan",
        session,
        json={"item": item, "keputusan": decision, "catatan": note, "peran": role},
    )
    if prepared.status_code != 200:
        return prepared
    return office.desk.post(
        "/api/tugas/selesai",
        session,
        json={
            "id": prepared.json()["id"],
            "assertion": sign_in_python(office, person, prepared.json(), **wrong),
        },
    )


def verify_with_ssh_keygen(root: Path, signoff: Path, person: str, role: str) -> str:
    """Verify a sign-off as an auditor does: plain ssh-keygen, the exported allowed-signers."""
    allowed = root.parent / "allowed_signers"
    done = invoke(root, "allowed-signers", "--output", str(allowed))
    assert done.returncode == 0, done.stderr
    record = yaml.safe_load(signoff.read_text(encoding="utf-8"))
    sig = root.parent / "signoff.sig"
    sig.write_text(record["signature"], encoding="utf-8")
    checked = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(allowed),
            "-I",
            f"{person}@{role}",
            "-n",
            SIGNOFF_NAMESPACE,
            "-s",
            str(sig),
        ],
        input=record["payload"].encode("utf-8"),
        capture_output=True,
    )
    assert checked.returncode == 0, checked.stderr.decode()
    return checked.stdout.decode()


# --- Menunggu Anda -------------------------------------------------------------------------


def test_menunggu_anda_lists_my_roles_items_in_sop_order_with_time_against_the_standard(
    office: Office,
) -> None:
    office.desk.account("uji-dua", "Pejabat Dua Peran", "komisioner", "sekretaris")
    page = office.desk.get("/tugas", office.desk.client("uji-dua"))
    assert page.status_code == 200
    mine, _, others = page.text.partition("Menunggu orang lain")
    links = re.findall(r'<a class="item" href="/tugas/([^"]+)"', mine)
    assert links[0] == KPPS  # Sekretaris comes before Komisioner in the SOP
    assert set(links[1:]) == {PEMILIH_MUDA, "pengumuman/2026-11-17-jadwal-kampanye.md"}
    assert "standar 30 menit" in mine and "Terlambat" in mine
    assert KRAGAN in others and "Kasubbag Tekmas" in others
    item = office.desk.get(f"/tugas/{PEMILIH_MUDA}", office.desk.client("uji-dua")).text
    assert '<select id="peran" name="peran">' in item  # two roles: the person chooses
    assert '<option value="komisioner" selected>' in item  # the one the item waits for


def test_a_writer_without_an_sop_role_cannot_open_the_officials_pages(office: Office) -> None:
    office.desk.account("tulis", "Penulis Saja", "penulis")
    page = office.desk.get(f"/tugas/{KRAGAN}", office.desk.client("tulis"))
    assert page.status_code == 403
    assert "Halaman ini bukan untuk peran Anda." in page.text


def test_the_item_page_lists_each_attachment_with_size_and_sha256(office: Office) -> None:
    page = office.desk.get(f"/tugas/{TPS}", office.desk.client("sri"))
    assert page.status_code == 200
    source = (office.root / "content" / TPS).read_text(encoding="utf-8")
    attached = [m for m in re.findall(r"\]\(([^)]+\.(?:pdf|csv|xlsx|png|jpg))\)", source)]
    assert attached, "the sample item links an attachment"
    for link in attached:
        path = (office.root / "content" / TPS).parent / link.removeprefix("{attach}")
        data = path.resolve().read_bytes()
        assert hashlib.sha256(data).hexdigest() in page.text
        rel = path.resolve().relative_to(office.root / "content").as_posix()
        download = office.desk.get(
            f"/tugas-lampiran/{rel}", office.desk.client("sri"), params={"item": TPS}
        )
        assert download.content == data
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert 'iframe class="pratinjau"' in page.text and 'sandbox="allow-same-origin"' in page.text


def test_a_preview_that_cannot_be_built_is_said_and_never_served(
    office: Office, tmp_path: Path
) -> None:
    from dataclasses import replace

    from desk.preview import Previews

    broken = office.root / "tanpa-gerbang.py"
    broken.write_text('PATH = "content"\nPLUGINS = []\n', encoding="utf-8")
    try:
        previews = Previews(
            replace(office.desk.settings, settings_file=broken, data=tmp_path / "data")
        )
        built, current = previews.fresh(wait=300)
    finally:
        broken.unlink()
    assert (built, current) == (None, False)
    assert previews.failure is not None
    assert "tidak memakai gerbang persetujuan" in previews.failure[1]
    assert not list((tmp_path / "data" / "pratinjau").glob("*/situs"))


# --- Setujui / Tolak -------------------------------------------------------------------------


def test_an_approval_signed_by_passkey_is_committed_in_the_officials_name_and_counts(
    office: Office,
) -> None:
    answer = decide(office, "sri", KRAGAN, "setuju")
    assert answer.status_code == 200, answer.text
    made = office.root / answer.json()["berkas"]
    assert made.is_file() and made.name.endswith("kasubbag-tekmas-setuju.yml")
    assert answer.json()["pesan"] == (
        f"Keputusan Anda tercatat: {KRAGAN} disetujui sebagai Kasubbag Tekmas."
    )
    log = git(office.root, "log", "-1", "--format=%an|%ae|%cn|%s", "--name-only")
    assert log.splitlines()[0] == (
        f"Sri Wahyuni (CONTOH)|sri@meja.kpu-rembang.invalid|Meja Persetujuan|"
        f"Setuju: {KRAGAN} (Kasubbag Tekmas)"
    )
    assert log.split()[-1] == answer.json()["berkas"]
    handoff = answer.json()["serah"]  # the next step's WhatsApp hand-off, for the page
    assert handoff["kepada"].startswith("Sekretaris")
    assert handoff["whatsapp"].startswith("https://wa.me/?text=")
    assert 'Good "kpu-rembang-persetujuan" signature for sri@kasubbag-tekmas' in (
        verify_with_ssh_keygen(office.root, made, "sri", "kasubbag-tekmas")
    )
    status = invoke(office.root, "status", "--item", KRAGAN)
    assert "menunggu Sekretaris" in status.stdout, status.stdout + status.stderr


def test_an_official_cannot_act_for_another_role(office: Office) -> None:
    answer = decide(office, "sri", KPPS, "setuju", role="sekretaris")
    assert answer.status_code == 403
    assert answer.json()["galat"] == (
        "Anda tidak memegang peran 'sekretaris' di meja ini; keputusan tidak dibuat."
    )


def test_the_gate_refuses_an_approval_out_of_turn_in_plain_indonesian(office: Office) -> None:
    answer = decide(office, "dewi", TPS, "setuju")
    assert answer.status_code == 409
    assert answer.json()["galat"].startswith("Belum bisa: Web Admin")


def test_the_gates_refusals_are_shown_in_plain_indonesian(office: Office) -> None:
    """Already decided, and not the holder of the role: the gate's own words."""
    again = decide(office, "sri", KRAGAN, "setuju")  # approved by Sri in an earlier test
    assert again.status_code == 409
    assert again.json()["galat"] == "Anda sudah memberi keputusan 'setuju' untuk versi ini."
    office.desk.account("sri", "Sri Wahyuni (CONTOH)", "kasubbag-tekmas", "komisioner")
    try:
        other = decide(office, "sri", PEMILIH_MUDA, "setuju", role="komisioner")
    finally:
        office.desk.account("sri", *OFFICIALS["sri"])
    assert other.status_code == 409
    assert other.json()["galat"].startswith(
        "Sri Wahyuni (CONTOH) bukan pemegang jabatan Komisioner Divisi Sosdiklih, Parmas dan SDM"
    )


def test_a_signature_without_user_verification_is_refused_and_nothing_is_written(
    office: Office,
) -> None:
    before = git(office.root, "rev-parse", "HEAD")
    answer = decide(office, "bambang", KPPS, "setuju", flags=0x01)
    assert answer.status_code == 409
    assert answer.json()["galat"].startswith("Tanda tangan tidak sah")
    assert git(office.root, "rev-parse", "HEAD") == before
    assert not list(
        (office.root / "approvals" / "pengumuman" / "2026-11-22-seleksi-kpps").glob(
            "*sekretaris-setuju.yml"
        )
    )


def test_a_challenge_works_once(office: Office) -> None:
    session = office.desk.client("bambang")
    prepared = office.desk.post(
        "/api/tugas/siapkan",
        session,
        json={
            "item": KPPS,
            "keputusan": "tolak",
            "catatan": "Uji sekali pakai.",
            "peran": "sekretaris",
        },
    ).json()
    assertion = sign_in_python(office, "bambang", prepared)
    again = office.desk.post(
        "/api/tugas/selesai", session, json={"id": prepared["id"] + "x", "assertion": assertion}
    )
    assert again.status_code == 410
    done = office.desk.post(
        "/api/tugas/selesai", session, json={"id": prepared["id"], "assertion": assertion}
    )
    assert done.status_code == 200, done.text
    replay = office.desk.post(
        "/api/tugas/selesai", session, json={"id": prepared["id"], "assertion": assertion}
    )
    assert replay.status_code == 410
    assert replay.json()["galat"] == (
        "Permintaan tanda tangan ini sudah dipakai atau kedaluwarsa (5 menit)."
    )


def test_a_rejection_needs_a_note_and_every_post_needs_the_csrf_token(office: Office) -> None:
    session = office.desk.client("bambang")
    bare = office.desk.post(
        "/api/tugas/siapkan",
        session,
        json={"item": KPPS, "keputusan": "tolak", "catatan": "  ", "peran": "sekretaris"},
    )
    assert bare.status_code == 400
    assert bare.json()["galat"] == "Penolakan wajib disertai alasan."
    session.headers.pop("X-CSRF-Token")
    forged = office.desk.post(
        "/api/tugas/siapkan",
        session,
        json={"item": KPPS, "keputusan": "setuju", "peran": "sekretaris"},
    )
    assert forged.status_code == 403
    assert forged.json()["galat"] == "Formulir ini sudah kedaluwarsa atau bukan dari meja ini."


def test_after_a_rejection_the_item_page_shows_what_the_writer_changed(office: Office) -> None:
    item = "pengumuman/2026-11-17-jadwal-kampanye.md"
    answer = decide(office, "dewi", item, "tolak", note="Zona kampanye belum lengkap.")
    assert answer.status_code == 200, answer.text
    path = office.root / "content" / item
    path.write_text(
        path.read_text(encoding="utf-8") + "\nZona C: Lapangan Kragan.\n", encoding="utf-8"
    )
    commit_all(office.root, "penulis: zona kampanye dilengkapi")
    page = office.desk.get(f"/tugas/{item}", office.desk.client("dewi"))
    section = page.text[page.text.index('id="perubahan"') :]
    section = section[: section.index("</section>")]
    assert "terakhir Anda lihat atau tolak" in section
    assert '<span class="tambah">+Zona C: Lapangan Kragan.</span>' in section
    again = office.desk.get(f"/tugas/{item}", office.desk.client("dewi"))
    assert "+Zona C: Lapangan Kragan." in again.text  # reopening still shows the change


def test_only_opening_the_page_marks_an_item_seen_never_a_drafts_image(office: Office) -> None:
    """A draft's <img src="/tugas/other"> must not move what 'changed since' compares with."""

    def seen() -> Any:
        return office.desk.store.one(
            "SELECT digest FROM seen WHERE account = 'bambang' AND item = ?", TPS
        )

    assert seen() is None
    office.desk.get(
        f"/tugas/{TPS}", office.desk.client("bambang"), headers={"Sec-Fetch-Dest": "image"}
    )
    assert seen() is None
    office.desk.get(
        f"/tugas/{TPS}", office.desk.client("bambang"), headers={"Sec-Fetch-Dest": "document"}
    )
    assert seen() is not None


# --- in the browser (Debian chromium, 390 px) ------------------------------------------------

HOSTILE_TEXT = """Title: Naskah yang mencoba menjalankan skrip
Date: 2026-11-25 09:00
Category: Berita
Slug: naskah-jahat
Summary: Uji keamanan pratinjau meja.

<script>fetch("/HOSTILE-script"); navigator.credentials.get({publicKey: {challenge: new
Uint8Array(32)}}).then(() => fetch("/HOSTILE-credentials"));</script>

<img src="/tidak-ada-gambar.png" alt="rusak" onerror="fetch('/HOSTILE-onerror')">

<a id="jahat" href="javascript:fetch('/HOSTILE-link')">Klik saya</a>

<iframe src="javascript:fetch('/HOSTILE-iframe')"></iframe>

<iframe srcdoc="<script>fetch('/HOSTILE-srcdoc')</script>"></iframe>

<meta http-equiv="refresh" content="0;url=javascript:fetch('/HOSTILE-refresh')">

<svg onload="fetch('/HOSTILE-svg')"><rect width="10" height="10"/></svg>
"""


def logged_in_page(browser: Any, office: Office, person: str) -> Any:
    """Return a 390 px page logged in as ``person`` (the cookie a passkey login leaves)."""
    token = office.desk.client(person).cookies.get("meja_sesi")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.add_cookies([{"name": "meja_sesi", "value": token, "url": office.desk.url}])
    page = context.new_page()
    page.set_default_timeout(300_000)
    return page


@pytest.mark.browser
def test_a_hostile_draft_never_runs_script_in_the_desk(browser: Any, office: Office) -> None:
    (office.root / "content" / HOSTILE).write_text(HOSTILE_TEXT, encoding="utf-8")
    commit_all(office.root, "penulis: naskah jahat")
    page = logged_in_page(browser, office, "sri")
    authenticator(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{office.desk.url}/tugas/{HOSTILE}")
    frame = page.frame_locator("iframe.pratinjau")
    frame.locator("#jahat").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("iframe.pratinjau").get_attribute("sandbox") == "allow-same-origin"
    served = office.desk.get("/pratinjau/berita/naskah-jahat/", office.desk.client("sri"))
    assert '<script>fetch("/HOSTILE-script")' in served.text  # the markup did reach the frame
    assert "script-src 'none'" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Security-Policy"].startswith("sandbox allow-same-origin;")
    assert any(url.endswith("/tidak-ada-gambar.png") for url in asked)  # the body rendered
    page.screenshot(path=str(SHOTS / "meja-tugas-naskah-jahat.png"), full_page=True)
    page.goto(f"{office.desk.url}/pratinjau/berita/naskah-jahat/")  # opened on its own too
    page.wait_for_load_state("networkidle")
    assert [url for url in asked if "HOSTILE-" in url] == []
    page.context.close()


@pytest.mark.browser
def test_an_official_approves_on_a_phone_with_a_passkey(browser: Any, office: Office) -> None:
    assert office.browser_key is not None
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = logged_in_page(browser, office, "dewi")
    made = authenticator(page)
    private = office.browser_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    page._meja_cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": made,
            "credential": {
                "credentialId": base64.b64encode(b"key-dari-peramban").decode(),
                "isResidentCredential": True,
                "rpId": "localhost",
                "privateKey": base64.b64encode(private).decode(),
                "userHandle": base64.b64encode(b"dewi").decode(),
                "signCount": 0,
            },
        },
    )
    page.goto(f"{office.desk.url}/tugas")
    page.screenshot(path=str(SHOTS / "meja-tugas-daftar.png"), full_page=True)
    page.locator(f'a.item[href="/tugas/{PEMILIH_MUDA}"]').first.click()
    page.frame_locator("iframe.pratinjau").locator("h1").first.wait_for()
    page.screenshot(path=str(SHOTS / "meja-tugas-item.png"), full_page=True)
    page.locator("#setujui").click()
    page.locator("#hasil.berhasil").wait_for()
    assert page.locator("#hasil").inner_text() == (
        f"Keputusan Anda tercatat: {PEMILIH_MUDA} disetujui sebagai Komisioner Divisi "
        "Sosdiklih, Parmas dan SDM. Status sekarang: lengkap, siap terbit"
    )
    page.screenshot(path=str(SHOTS / "meja-tugas-disetujui.png"), full_page=True)
    page.context.close()
    files = sorted(
        (office.root / "approvals" / "artikel" / "2026-11-18-partisipasi-pemilih-muda").glob(
            "*-komisioner-setuju.yml"
        )
    )
    record = files[-1]
    assert git(office.root, "log", "-1", "--format=%an|%s") == (
        f"Dewi Lestari (CONTOH)|Setuju: {PEMILIH_MUDA} (Komisioner Divisi Sosdiklih, Parmas "
        "dan SDM)\n"
    )
    assert 'Good "kpu-rembang-persetujuan" signature for dewi@komisioner with ECDSA-SK key' in (
        verify_with_ssh_keygen(office.root, record, "dewi", "komisioner")
    )
    status = invoke(office.root, "status", "--item", PEMILIH_MUDA)
    assert "lengkap, siap terbit" in status.stdout, status.stdout + status.stderr
