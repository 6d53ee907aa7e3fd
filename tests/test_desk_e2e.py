"""The issue's story on phones: from a Word file to the live site, through the desk only.

Debian's chromium (Playwright) at 390 px, each person in a browser context of their own
with a CDP virtual passkey authenticator, on a copy of the whole project served by a
real desk. The first web admin is invited from the command line (``invoke meja-undang``);
he invites a writer and the three other officials; each enrols with a passkey; the roster
proposal is signed by the demo anchor with plain ``ssh-keygen`` (as the KPU chair signs)
and uploaded on /roster. The writer uploads a .docx with a picture; the Web Admin
approves, the Kasubbag Tekmas rejects with a note, the writer fixes the text, and the four
approve in order. The web admin publishes from /terbit (``--demo``, the local target) and
the page is in the live release. Then an auditor's check: every sign-off verifies with
``ssh-keygen -Y verify`` against ``invoke allowed-signers``; and the gate refuses a
signature by a real enrolled passkey without the user-verified flag, from another origin
or over another digest.
"""

from __future__ import annotations

import base64
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.serialization import load_der_private_key
from docx import Document
from docx.shared import Inches
from PIL import Image

from approval_gate.api import KpuError, ROSTER_NAMESPACE, open_ledger, prepare_decision
from approval_gate.api import record_decision

from deskkit import Desk, authenticator, git, invoke, running_desk
from passkeykit import Passkey
from sitekit import copy_project, machine_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"
#: How long a page may take to show what the test waits for (not a timing assertion).
WAIT_MS = 300_000
TITLE = "Rapat Koordinasi Persiapan Sosialisasi Pemilih Pesisir"
FIXED = "Rapat dimulai pukul 09.00 WIB di aula KPU Kabupaten Rembang."
#: The officials invited on /undangan: account -> (name, role); andi comes from the CLI.
OFFICIALS = {
    "sri": ("Sri Wahyuni (CONTOH)", "kasubbag-tekmas"),
    "bambang": ("Bambang Sutrisno (CONTOH)", "sekretaris"),
    "dewi": ("Dewi Lestari (CONTOH)", "komisioner"),
}
ORDER = ("andi", "sri", "bambang", "dewi")
WAITING = "berita/2026-11-20-persiapan-logistik.md"  # a sample item waiting for the Web Admin


class Story:
    """The running desk, the people's phones, and the steps done so far (for the report)."""

    def __init__(self, desk: Desk, browser: Any, folder: Path) -> None:
        self.desk, self.browser, self.folder = desk, browser, folder
        self.phones: dict[str, Any] = {}
        self.done: list[str] = []
        self.item = ""

    @property
    def root(self) -> Path:
        return self.desk.root

    def phone(self, who: str) -> Any:
        """Return ``who``'s page (a 390 px context with its own passkey authenticator)."""
        if who not in self.phones:
            context = self.browser.new_context(viewport=PHONE, locale="id-ID")
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page._meja_authenticator = authenticator(page)
            self.phones[who] = page
        return self.phones[who]

    def step(self, name: str) -> None:
        self.done.append(name)

    def shot(self, who: str, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.phone(who).screenshot(path=str(SHOTS / f"meja-e2e-{name}.png"), full_page=True)

    def result(self, who: str, selector: str = "#hasil") -> str:
        """Wait until ``selector`` says something final on ``who``'s page; return it."""
        page = self.phone(who)
        page.wait_for_function(
            """s => { const e = document.querySelector(s);
                      return e && e.textContent.trim() && !/^(Menyiapkan|Sentuh|Mencatat)/
                        .test(e.textContent.trim()); }""",
            arg=selector,
        )
        return str(page.locator(selector).inner_text())

    def enrol(self, who: str, link: str) -> None:
        page = self.phone(who)
        page.goto(link)
        page.click("#buat-passkey")
        page.wait_for_url(self.desk.url + "/")


def _docx(folder: Path) -> Path:
    """A Word file as a writer makes it: a title, paragraphs, a picture with alt text."""
    folder.mkdir(parents=True, exist_ok=True)
    picture = folder / "rapat.png"
    Image.new("RGB", (640, 360), (180, 40, 40)).save(picture)
    document = Document()
    document.add_heading(TITLE, 1)
    document.add_paragraph(
        "KPU Kabupaten Rembang menggelar rapat koordinasi persiapan "
        "sosialisasi bagi pemilih di desa-desa pesisir."
    )
    document.add_paragraph("Rapat dimulai pukul 10.00 WIB di aula KPU Kabupaten Rembang.")
    shape = document.add_paragraph().add_run().add_picture(str(picture), width=Inches(3))
    shape._inline.docPr.set("descr", "Peserta rapat koordinasi di aula KPU")
    document.add_paragraph("Hasil rapat akan dilaporkan dalam rapat pleno berikutnya.")
    target = folder / "rapat-pesisir.docx"
    document.save(str(target))
    return target


def _invite(story: Story, name: str, role: str, account: str) -> str:
    page = story.phone("andi")
    page.goto(story.desk.url + "/undangan")
    page.fill("#nama", name)
    page.select_option("#peran", role)
    page.fill("#akun", account)
    page.click("#buat-undangan")
    return str(page.locator("#tautan-undangan").inner_text()).strip()


def _enrol_everyone(story: Story) -> None:
    made = invoke(
        story.root,
        "meja-undang",
        "--nama",
        "Andi Prasetyo (CONTOH)",
        "--peran",
        "web-admin",
        "--akun",
        "andi",
        "--origin",
        story.desk.url,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    link = re.search(r"(http://localhost:\d+/undangan/\S+)", made.stdout)
    assert link, made.stdout
    story.step("undangan Web Admin dari invoke meja-undang")
    story.enrol("andi", link.group(1))
    story.step("Web Admin membuat passkey")
    links = {"wulan": _invite(story, "Wulan Sari", "penulis", "wulan")}
    for account, (name, role) in OFFICIALS.items():
        links[account] = _invite(story, name, role, account)
    story.step("Web Admin mengundang penulis dan tiga pejabat di /undangan")
    for account, link in links.items():
        story.enrol(account, link)
    story.shot("dewi", "beranda-pejabat")
    story.step("penulis dan tiga pejabat membuat passkey")


def _sign_roster(story: Story) -> None:
    page = story.phone("andi")
    page.goto(story.desk.url + "/roster")
    with page.expect_download() as download:
        page.click("a.unduh-usulan")
    proposal = story.folder / "ketua" / "roster.yml"
    proposal.parent.mkdir(parents=True, exist_ok=True)
    download.value.save_as(str(proposal))
    text = proposal.read_text(encoding="utf-8")
    assert story.desk.url in text and text.count("sk-ecdsa-sha2-nistp256@openssh.com") >= 4
    anchor = story.root / "demo-keys" / "anchor-ketua"
    anchor.chmod(0o600)
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(anchor), "-n", ROSTER_NAMESPACE, str(proposal)],
        check=True,
        capture_output=True,
    )
    page.set_input_files("input[name=tanda_tangan]", str(proposal) + ".sig")
    page.click("#pasang-roster")
    said = story.result("andi")
    assert "dipasang" in said, said
    story.shot("andi", "roster-dipasang")
    story.step("roster ditandatangani jangkar (ssh-keygen) dan dipasang di /roster")


def _submit_docx(story: Story) -> None:
    page = story.phone("wulan")
    page.goto(story.desk.url + "/naskah/unggah")
    page.set_input_files("input[name=docx]", str(_docx(story.folder / "penulis")))
    page.select_option("select[name=jenis]", "berita")
    page.click("#kirim")
    said = story.result("wulan")
    assert TITLE in said, said
    found = re.search(r"content/(\S+\.md)", said)
    assert found, said
    story.item = found.group(1)
    files = git(story.root, "show", "--name-only", "--format=%an", "HEAD").split()
    assert files[:2] == ["Wulan", "Sari"], files
    assert any(f.endswith((".png", ".jpg", ".jpeg", ".webp")) for f in files), files
    story.shot("wulan", "naskah-terkirim")
    story.step(f"penulis mengunggah .docx bergambar ({story.item})")


def _decide(story: Story, who: str, decision: str, note: str = "") -> str:
    page = story.phone(who)
    page.goto(story.desk.url + "/tugas")
    page.locator(f'a.item[href="/tugas/{story.item}"]').click()
    page.wait_for_url(story.desk.url + f"/tugas/{story.item}")
    page.locator("iframe.pratinjau").wait_for()
    if note:
        page.fill("#catatan", note)
    page.click("#setujui" if decision == "setuju" else "#tolak")
    said = story.result(who)
    assert "Keputusan Anda tercatat" in said, f"{who}: {said}"
    return said


def _approvals(story: Story) -> None:
    _decide(story, "andi", "setuju")
    story.step("Web Admin menyetujui")
    said = _decide(story, "sri", "tolak", "Jam rapat salah: seharusnya 09.00 WIB.")
    assert "ditolak" in said
    story.shot("sri", "tolak")
    story.step("Kasubbag Tekmas menolak dengan catatan")
    page = story.phone("wulan")
    page.goto(story.desk.url + f"/naskah/ubah/{story.item}")
    assert "Jam rapat salah" in page.locator("#catatan-tolak").inner_text()
    body = page.locator("textarea[name=isi]").input_value()
    assert "pukul 10.00 WIB" in body
    page.fill(
        "textarea[name=isi]",
        body.replace("Rapat dimulai pukul 10.00 WIB di aula KPU Kabupaten Rembang.", FIXED),
    )
    page.click("#kirim")
    story.result("wulan")
    assert FIXED in (story.root / "content" / story.item).read_text(encoding="utf-8")
    story.step("penulis memperbaiki naskah di /naskah/ubah")
    for who in ORDER:
        _decide(story, who, "setuju")
        story.step(f"{who} menyetujui versi perbaikan")
    story.shot("dewi", "setuju-keempat")
    verdict = open_ledger(story.root / "pelicanconf.py").verdict(story.item)
    assert verdict.state == "lengkap", verdict.reason


def _publish(story: Story) -> None:
    page = story.phone("andi")
    page.goto(story.desk.url + "/terbit")
    assert page.locator("input[name=demo]").is_checked()
    page.click("#terbitkan")
    page.wait_for_function(
        "() => /kode keluar/.test(document.querySelector('#hasil-terbit')?.textContent || '')"
    )
    said = str(page.locator("#hasil-terbit").inner_text())
    story.shot("andi", "terbit")
    assert "(kode keluar 0)" in said, page.locator("#kemajuan").inner_text()
    live = (story.root / "var" / "situs" / "current").resolve()
    slug = Path(story.item).stem.split("-", 3)[3]  # berita/2026-12-02-<slug>.md
    pages = [
        p
        for p in live.rglob("index.html")
        if slug in p.parent.name and FIXED in p.read_text(encoding="utf-8", errors="replace")
    ]
    assert pages, f"the item's page is not in the live release {live}"
    story.step(f"Web Admin menerbitkan dari /terbit; tayang di {pages[0].relative_to(live)}")


def _signoffs(story: Story, base: str) -> list[Path]:
    names = git(story.root, "diff", "--name-only", f"{base}..HEAD", "--", "approvals/").split()
    return [story.root / n for n in names if n.endswith(".yml") and "/" in n[len("approvals/") :]]


def _audit(story: Story, base: str) -> None:
    """Every sign-off of the story verifies with plain ssh-keygen (approval-records.md)."""
    allowed = story.folder / "allowed_signers"
    made = invoke(story.root, "allowed-signers", "--output", str(allowed))
    assert made.returncode == 0, made.stdout + made.stderr
    files = _signoffs(story, base)
    assert len(files) == 6, files  # andi, sri (tolak), then the four again
    for path in files:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        signed = datetime.fromisoformat(str(record["signed_at"])).astimezone(UTC)
        message = story.folder / "payload"
        message.write_text(record["payload"], encoding="utf-8")
        (story.folder / "payload.sig").write_text(record["signature"], encoding="utf-8")
        done = subprocess.run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                str(allowed),
                "-I",
                f"{record['signer']}@{record['role']}",
                "-n",
                "kpu-rembang-persetujuan",
                "-s",
                str(story.folder / "payload.sig"),
                "-O",
                f"verify-time={signed:%Y%m%d%H%M%S}Z",
            ],
            input=message.read_bytes(),
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, (path, done.stdout, done.stderr)
        assert b"with ECDSA-SK key" in done.stdout + done.stderr, done.stdout
    story.step(f"{len(files)} sign-off lolos ssh-keygen -Y verify dengan invoke allowed-signers")


def _refusals(story: Story) -> None:
    """The gate refuses andi's real passkey's signature when the policy is not met."""
    page = story.phone("andi")
    found = page._meja_cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": page._meja_authenticator}
    )
    der = base64.b64decode(found["credentials"][0]["privateKey"])
    passkey = Passkey(rp_id="localhost", private=load_der_private_key(der, None))  # type: ignore[arg-type]
    ledger = open_ledger(story.root / "pelicanconf.py")
    pending = prepare_decision(
        ledger, WAITING, "web-admin", "setuju", "", passkey.public_key, ledger.now
    )
    other = pending.payload.replace(pending.digest.encode(), b"0" * len(pending.digest))
    assert other != pending.payload
    wrong = {
        "tanpa verifikasi pengguna": passkey.sign(
            pending.payload, origin=story.desk.url, flags=0x01
        ),
        "alamat lain": passkey.sign(pending.payload, origin="http://localhost:1"),
        "bukan untuk isi ini": passkey.sign(other, origin=story.desk.url),
    }
    for words, signature in wrong.items():
        with pytest.raises(KpuError) as refused:
            record_decision(ledger, pending, signature)
        assert words in refused.value.message, refused.value.message
        assert not pending.path.exists()
    made = record_decision(ledger, pending, passkey.sign(pending.payload, origin=story.desk.url))
    assert made.path.exists()  # the same key, the policy met: counted
    story.step("gerbang menolak tanda tangan tanpa UV, dari alamat lain, atas digest lain")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = copy_project(tmp_path / "situs", tests=False)
    for key, value in machine_env(root).items():
        monkeypatch.setenv(key, value)  # the desk's publish child inherits them
    monkeypatch.delenv("KPU_SITEURL", raising=False)
    monkeypatch.delenv("KPU_FAILPOINT", raising=False)
    yield root


def test_a_word_file_reaches_the_live_site_through_four_phones(
    project: Path, browser: Any, tmp_path: Path
) -> None:
    base = git(project, "rev-parse", "HEAD").strip()
    with running_desk(project, MEJA_PRATINJAU_TUNGGU=300.0) as desk:
        story = Story(desk, browser, tmp_path / "kerja")
        try:
            _enrol_everyone(story)
            _sign_roster(story)
            _submit_docx(story)
            _approvals(story)
            _publish(story)
            _audit(story, base)
            _refusals(story)
        finally:
            print("Langkah yang lulus:", *story.done, sep="\n  ")
            for page in story.phones.values():
                page.context.close()
