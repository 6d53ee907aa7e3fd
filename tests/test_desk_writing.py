"""The writers' pages of the desk: a naskah from a form or a Word .docx, fixed after a rejection.

Everything runs against a real copy of the project (sample content, signed roster) served
by waitress: a writer's submission must leave exactly the files ``invoke new`` makes,
committed in the writer's name, and only after the gate's naskah checks pass; a
hostile draft's script must never run in the desk (Debian chromium, 390 px).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from approval_gate.api import WIB, open_ledger

from deskkit import Desk, git, running_desk
from editorial.drafting.kinds import KINDS
from editorial.drafting.new import plan_draft
from sitekit import copy_project

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parent.parent / "test-artefacts" / "screenshots"
REJECTED = "berita/2026-11-19-hasil-rapat-evaluasi.md"  # rejected by the Sekretaris
WRITER = ("sari", "Sari Penulis (CONTOH)")
DAY = "2026-12-01"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    root = copy_project(tmp_path_factory.mktemp("meja-naskah") / "situs", tests=False)
    with running_desk(root) as running:
        running.account(WRITER[0], WRITER[1], "penulis")
        running.account("bambang", "Bambang Sutrisno (CONTOH)", "sekretaris")
        yield running


@pytest.fixture
def writer(desk: Desk) -> requests.Session:
    return desk.client(WRITER[0])


def png(colour: str = "red") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send(
    desk: Desk,
    session: requests.Session,
    path: str = "/naskah/baru",
    files: list[tuple[str, tuple[str, bytes]]] | None = None,
    **fields: str,
) -> requests.Response:
    data = {"csrf": session.csrf, "tanggal": DAY, **fields}  # type: ignore[attr-defined]
    return desk.post(path, session, data=data, files=files or [])


def shown(page: str, element_id: str) -> str:
    """Return the text a person reads in the element with ``element_id`` (tags removed)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"#{element_id} tidak ada di halaman"
    inline = re.sub(r"</?(a|strong|span|code|em)\b[^>]*>", "", match[2])
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_a_form_naskah_is_the_file_invoke_new_makes_committed_in_the_writers_name(
    desk: Desk, writer: requests.Session
) -> None:
    before = git(desk.root, "rev-parse", "HEAD").strip()
    answer = send(
        desk,
        writer,
        jenis="berita",
        judul="Rapat Koordinasi Pantarlih",
        tag="pantarlih, rapat",
        ringkasan="KPU Rembang menggelar rapat koordinasi.",
        isi="Rapat berlangsung di aula.\r\n\r\n![Peserta rapat di aula](foto rapat.png)\r\n",
        files=[("lampiran", ("foto rapat.png", png()))],
    )
    assert answer.status_code == 200, shown(answer.text, "masalah")
    item = "berita/2026-12-01-rapat-koordinasi-pantarlih.md"
    assert shown(answer.text, "hasil") == (
        "Tersimpan atas nama Sari Penulis (CONTOH): Rapat Koordinasi Pantarlih "
        f"Keadaan: draf, menunggu Web Admin content/{item} Buka naskah ini"
    )
    planned = plan_draft(
        desk.root / "content",
        KINDS["berita"],
        "Rapat Koordinasi Pantarlih",
        datetime(2026, 12, 1, 9, 0, tzinfo=WIB),
    )
    assert planned.item == item
    text = (desk.root / "content" / item).read_text(encoding="utf-8")
    header, body = text.split("\n\n", 1)
    keys = [line.split(":")[0] for line in header.splitlines()]
    assert keys == [line.split(":")[0] for line in planned.text.split("\n\n")[0].splitlines()]
    assert header.splitlines()[1].startswith("Date: 2026-12-01 ")
    assert "Tags: pantarlih, rapat" in header and "Authors: Sari Penulis (CONTOH)" in header
    assert "Summary: KPU Rembang menggelar rapat koordinasi." in header
    photo = "berita/2026-12-01-rapat-koordinasi-pantarlih-foto-rapat.png"
    assert body == (
        f"Rapat berlangsung di aula.\n\n![Peserta rapat di aula]({{attach}}{Path(photo).name})\n"
    )
    assert (desk.root / "content" / photo).read_bytes() == png()
    assert git(desk.root, "log", "-1", "--format=%an|%ae|%cn|%s") == (
        "Sari Penulis (CONTOH)|sari@meja.kpu-rembang.invalid|Meja Persetujuan|"
        "Naskah baru: Rapat Koordinasi Pantarlih\n"
    )
    assert sorted(git(desk.root, "diff", "--name-only", before, "HEAD").split()) == [
        f"content/{photo}",
        f"content/{item}",
    ]
    verdict = open_ledger(desk.root / "pelicanconf.py").verdict(item)
    assert (verdict.state, verdict.findings) == ("draf", ())


def test_a_regulation_keeps_its_fields_and_its_pdf_where_the_gate_expects_it(
    desk: Desk, writer: requests.Session
) -> None:
    answer = send(
        desk,
        writer,
        jenis="regulasi",
        judul="PKPU Nomor 9 Tahun 2026 tentang Uji Meja",
        meta_jenis="Peraturan KPU",
        meta_ditetapkan="2026-11-02",
        isi="Ringkasan peraturan.",
        files=[("lampiran", ("Naskah Resmi.PDF", PDF))],
    )
    assert answer.status_code == 200, shown(answer.text, "masalah")
    item = "regulasi/2026-12-01-pkpu-nomor-9-tahun-2026-tentang-uji-meja.md"
    text = (desk.root / "content" / item).read_text(encoding="utf-8")
    assert "Nomor: 9\nTahun: 2026\nJenis: Peraturan KPU\nDitetapkan: 2026-11-02\n" in text
    assert "Keberlakuan: Berlaku\n\n" in text and "sumber_resmi" not in text  # optional, empty
    assert text.endswith(
        "Ringkasan peraturan.\n\n[Unduh PKPU Nomor 9 Tahun 2026 tentang Uji Meja (PDF)]"
        "({attach}2026-12-01-pkpu-nomor-9-tahun-2026-tentang-uji-meja.pdf)\n"
    )
    assert (
        desk.root / "content/regulasi/2026-12-01-pkpu-nomor-9-tahun-2026-tentang-uji-meja.pdf"
    ).read_bytes() == PDF


def test_naskah_problems_are_shown_by_field_and_nothing_is_committed(
    desk: Desk, writer: requests.Session
) -> None:
    before = git(desk.root, "rev-parse", "HEAD").strip()
    answer = send(
        desk,
        writer,
        jenis="regulasi",
        judul="Peraturan Tanpa Nomor",
        isi="Pembuka.\n\n[ISI: paragraf isi]\n\n![Peta](peta.png)\n",
        files=[("lampiran", ("sk.pdf", PDF))],
    )
    assert answer.status_code == 422
    problems = shown(answer.text, "masalah")
    assert problems.startswith("Naskah belum dapat dikirim Tidak ada yang disimpan.")
    assert "Nomor: Isian belum diganti: [ISI: nomor peraturan, mis. 2]." in problems
    assert "Tahun: Isian belum diganti: [ISI: tahun peraturan, mis. 2024]." in problems
    assert "Isi naskah (baris 3): Isian belum diganti: [ISI: paragraf isi]." in problems
    assert "Isi naskah (baris 5): Tautan ke berkas 'peta.png' ditulis tanpa {attach}" in problems
    assert shown(answer.text, "galat-isi").startswith("Baris 3: Isian belum diganti")
    assert (
        'id="naskah-isi" name="isi" rows="14" aria-invalid="true" '
        'aria-describedby="isi-petunjuk galat-isi"'
    ) in answer.text
    assert git(desk.root, "rev-parse", "HEAD").strip() == before
    assert git(desk.root, "status", "--porcelain", "--", "content") == ""
    missing = send(desk, writer, jenis="regulasi", judul="PKPU Nomor 3 Tahun 2026", isi="Isi.")
    assert "Lampiran: Naskah Regulasi memerlukan lampiran naskah resmi peraturan (PDF)." in (
        shown(missing.text, "masalah")
    )
    fake = send(
        desk,
        writer,
        jenis="berita",
        judul="Foto Palsu",
        isi="![Foto](x.png)",
        files=[("lampiran", ("x.png", b"<svg onload=alert(1)>"))],
    )
    assert "Lampiran: Berkas 'x.png' bukan berkas PNG yang utuh." in shown(fake.text, "masalah")
    unused = send(
        desk,
        writer,
        jenis="berita",
        judul="Foto Tak Dipakai",
        isi="Isi.",
        files=[("lampiran", ("y.png", png()))],
    )
    assert "Lampiran: Foto 'y.png' belum dipakai di isi naskah." in shown(unused.text, "masalah")
    assert git(desk.root, "status", "--porcelain", "--", "content") == ""


@pytest.mark.parametrize(
    ("title", "upload", "item", "saved"),
    [
        (
            "../../../etc/passwd",
            "../../../pelicanconf.png",
            "berita/2026-12-01-etc-passwd.md",
            "berita/2026-12-01-etc-passwd-pelicanconf.png",
        ),
        (
            "..\\..\\Rahasia",
            "..\\..\\tasks.PNG",
            "berita/2026-12-01-rahasia.md",
            "berita/2026-12-01-rahasia-tasks.png",
        ),
    ],
    ids=["slash", "backslash"],
)
def test_titles_and_file_names_never_leave_the_kinds_folder(
    desk: Desk, writer: requests.Session, title: str, upload: str, item: str, saved: str
) -> None:
    answer = send(
        desk,
        writer,
        jenis="berita",
        judul=title,
        isi=f"![Gambar uji]({upload.replace(chr(92), '/').rsplit('/', 1)[-1]})",
        files=[("lampiran", (upload, png()))],
    )
    assert answer.status_code == 200, shown(answer.text, "masalah")
    assert f"content/{item}" in shown(answer.text, "hasil")
    assert (desk.root / "content" / saved).read_bytes() == png()
    assert sorted(git(desk.root, "show", "--name-only", "--format=", "HEAD").split()) == sorted(
        [f"content/{item}", f"content/{saved}"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/naskah/ubah/%2e%2e/%2e%2e/pelicanconf.py",
        "/naskah/ubah/pages/%2e%2e/%2e%2e/tasks.py",
        "/naskah/ubah/regulasi/pkpu-2-2024-tahapan.pdf",
        "/naskah/ubah//etc/passwd",
    ],
    ids=["dots", "inside-dots", "attachment", "absolute"],
)
def test_the_edit_page_opens_only_naskah_under_content(
    desk: Desk, writer: requests.Session, path: str
) -> None:
    answer = desk.get(path, writer)
    assert answer.status_code == 404
    assert str(desk.root) not in answer.text
    assert "Buka naskah dari daftar Naskah." in answer.text


def make_docx(*, alt: str | None = "Peserta rapat di aula", heading: bool = True) -> bytes:
    """Return a real .docx: a heading, paragraphs, a list, a table and an embedded PNG."""
    import docx
    from docx.shared import Inches

    document = docx.Document()
    if heading:
        document.add_heading("Rapat Pleno Terbuka Rekapitulasi", level=1)
    paragraph = document.add_paragraph("Rapat dibuka oleh ")
    paragraph.add_run("Ketua KPU").bold = True
    paragraph.add_run(" pada pukul 09.00 WIB.")
    if heading:
        document.add_heading("Agenda", level=2)
    document.add_paragraph("Pembacaan hasil", style="List Bullet")
    document.add_paragraph("Penetapan", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {
        (0, 0): "Kecamatan",
        (0, 1): "TPS",
        (1, 0): "Kragan",
        (1, 1): "74",
    }.items():
        table.cell(row, col).text = text
    document.add_picture(io.BytesIO(png("blue")), width=Inches(1))
    if alt is not None:
        document.inline_shapes[-1]._inline.docPr.set("descr", alt)
    document.add_paragraph("<script>alert(1)</script> ditutup.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_word_document_becomes_a_naskah_with_its_picture(
    desk: Desk, writer: requests.Session
) -> None:
    answer = send(
        desk,
        writer,
        "/naskah/unggah",
        jenis="berita",
        tag="pleno",
        files=[("docx", ("Rapat Pleno.docx", make_docx()))],
    )
    assert answer.status_code == 200, shown(answer.text, "masalah")
    # a .docx naskah is dated today
    path = next((desk.root / "content/berita").glob("*-rapat-pleno-terbuka-rekapitulasi.md"))
    assert f"content/berita/{path.name}" in shown(answer.text, "hasil")
    text = path.read_text(encoding="utf-8")
    picture = f"{path.stem}-gambar-1.png"
    assert text.split("\n\n", 1)[1] == (
        "Rapat dibuka oleh **Ketua KPU** pada pukul 09.00 WIB.\n\n## Agenda\n\n"
        "- Pembacaan hasil\n- Penetapan\n\n| Kecamatan | TPS |\n|---|---|\n| Kragan | 74 |\n\n"
        f"![Peserta rapat di aula]({{attach}}{picture})\n\n"
        "&lt;script>alert(1)&lt;/script> ditutup.\n"
    )
    assert "Title: Rapat Pleno Terbuka Rekapitulasi\n" in text and "Tags: pleno\n" in text
    assert (path.parent / picture).read_bytes() == png("blue")
    assert git(desk.root, "log", "-1", "--format=%an|%s") == (
        "Sari Penulis (CONTOH)|Naskah baru: Rapat Pleno Terbuka Rekapitulasi\n"
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "catatan.txt",
            b"bukan word",
            "Dokumen Word: Berkas 'catatan.txt' bukan dokumen Word .docx.",
        ),
        ("rusak.docx", b"PK\x03\x04 rusak", "Dokumen Word: Berkas 'rusak.docx' bukan dokumen Word"),
        (
            "zip.docx",
            None,
            "Dokumen Word: Berkas 'zip.docx' rusak atau bukan dokumen Word yang dapat dibaca.",
        ),
        (
            "tanpa-alt.docx",
            "no-alt",
            "Dokumen Word: Gambar ke-1 di dokumen belum punya teks alternatif.",
        ),
        ("tanpa-judul.docx", "no-heading", "Judul: Dokumen ini tidak punya judul (Heading 1)."),
    ],
    ids=["not-docx", "broken-zip", "zip-not-word", "no-alt-text", "no-title"],
)
def test_a_document_that_cannot_be_taken_is_refused_by_name(
    desk: Desk, writer: requests.Session, name: str, data: Any, message: str
) -> None:
    if data is None:
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("hello.txt", "bukan dokumen")
        data = out.getvalue()
    elif data == "no-alt":
        data = make_docx(alt=None)
    elif data == "no-heading":
        data = make_docx(heading=False)
    before = git(desk.root, "rev-parse", "HEAD")
    answer = send(desk, writer, "/naskah/unggah", jenis="berita", files=[("docx", (name, data))])
    assert answer.status_code == 422
    assert message in shown(answer.text, "masalah")
    assert git(desk.root, "rev-parse", "HEAD") == before


def test_a_rejected_naskah_shows_the_note_and_its_fix_is_committed_as_the_writer(
    desk: Desk, writer: requests.Session
) -> None:
    page = desk.get(f"/naskah/ubah/{REJECTED}", writer)
    assert page.status_code == 200
    assert shown(page.text, "catatan-tolak").startswith(
        "Catatan penolakan Sekretaris (Bambang Sutrisno (CONTOH), "
    )
    assert "Daftar hadir PPK belum dilampirkan dan angka partisipasi belum bersumber." in shown(
        page.text, "catatan-tolak"
    )
    assert shown(page.text, "keadaan").startswith("Keadaan: ditolak Sekretaris: Daftar hadir")
    current = (desk.root / "content" / REJECTED).read_text(encoding="utf-8")
    body = current.split("\n\n", 1)[1]
    title = re.search(r"^Title: (.*)$", current, re.M)[1]  # type: ignore[index]
    same = send(
        desk,
        writer,
        f"/naskah/ubah/{REJECTED}",
        judul=title,
        isi=body,
        ringkasan=re.search(r"^Summary: (.*)$", current, re.M)[1],  # type: ignore[index]
        tag=re.search(r"^Tags: (.*)$", current, re.M)[1],
    )  # type: ignore[index]
    assert "Naskah tidak berubah; tidak ada yang disimpan." in shown(same.text, "masalah")
    fixed = body + "\nDaftar hadir PPK terlampir pada arsip sekretariat (sumber: KPU).\n"
    answer = send(
        desk,
        writer,
        f"/naskah/ubah/{REJECTED}",
        judul=title,
        isi=fixed,
        ringkasan="Hasil rapat evaluasi, dengan sumber angka.",
        tag="evaluasi",
    )
    assert answer.status_code == 200, shown(answer.text, "masalah")
    # earlier approvals were for the old text: the Web Admin approves again, first
    assert re.search(
        r"Keadaan: kedaluwarsa: .*; menunggu Web Admin menyetujui ulang",
        shown(answer.text, "hasil"),
    )
    text = (desk.root / "content" / REJECTED).read_text(encoding="utf-8")
    assert "Summary: Hasil rapat evaluasi, dengan sumber angka.\n" in text
    assert "Tags: evaluasi\n" in text and text.endswith("(sumber: KPU).\n")
    assert git(desk.root, "log", "-1", "--format=%an|%s", "--name-only") == (
        f"Sari Penulis (CONTOH)|Perbaikan naskah: {title}\n\ncontent/{REJECTED}\n"
    )
    broken = send(
        desk,
        writer,
        f"/naskah/ubah/{REJECTED}",
        judul=title,
        isi=fixed + "\n[PETUNJUK: hapus ini]\n",
        tag="evaluasi",
    )
    assert "Petunjuk penulisan belum dihapus" in shown(broken.text, "masalah")
    assert (desk.root / "content" / REJECTED).read_text(encoding="utf-8") == text


def test_the_list_shows_my_naskah_and_what_is_not_complete(
    desk: Desk, writer: requests.Session
) -> None:
    send(desk, writer, jenis="artikel", judul="Artikel Daftar Uji", isi="Isi artikel.")
    page = desk.get("/naskah", writer).text
    mine, others = page.split("<h2>Naskah lain yang belum lengkap</h2>")
    assert "Artikel Daftar Uji" in mine and "draf, menunggu Web Admin" in mine
    assert "Persiapan Logistik" not in mine
    assert "menunggu Sekretaris" in others
    assert "lengkap, siap terbit" not in others


def test_only_writers_and_the_web_admin_reach_the_writers_pages(desk: Desk) -> None:
    official = desk.client("bambang")
    for path in ("/naskah", "/naskah/baru", "/naskah/unggah", f"/naskah/ubah/{REJECTED}"):
        assert desk.get(path, official).status_code == 403
        assert desk.get(path, allow_redirects=False).status_code == 302
    assert desk.post("/naskah/pratinjau", official, json={"isi": "x"}).status_code == 403
    writer = desk.client(WRITER[0])
    forged = desk.post(
        "/naskah/baru", writer, data={"csrf": "palsu", "judul": "X"}, headers={"X-CSRF-Token": ""}
    )
    assert forged.status_code == 403


def test_the_preview_is_rendered_with_the_sites_markdown_settings(
    desk: Desk, writer: requests.Session
) -> None:
    answer = desk.post(
        "/naskah/pratinjau",
        writer,
        json={
            "judul": "Uji <b>tebal</b>",
            "isi": "Kunjungi www.kpu.go.id\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        },
    )
    document = answer.json()["html"]
    assert "<h1>Uji &lt;b&gt;tebal&lt;/b&gt;</h1>" in document
    assert "<table>" in document  # markdown.extensions.extra
    assert 'href="https://www.kpu.go.id"' in document  # site_theme.linkify


HOSTILE = """Paragraf biasa.

<script>fetch('/naskah/jejak?dari=script'); navigator.credentials.get({publicKey:{challenge:new Uint8Array(32)}}).then(()=>fetch('/naskah/jejak?dari=passkey'));</script>

<img src="/naskah/tidak-ada.png" alt="gambar" onerror="fetch('/naskah/jejak?dari=onerror')">

<svg><script>fetch('/naskah/jejak?dari=svg')</script></svg>

<iframe srcdoc="<script>parent.parent.fetch('/naskah/jejak?dari=bingkai')</script>"></iframe>

[Klik saya](javascript:fetch('/naskah/jejak?dari=tautan')) dan <a id="jahat" href="javascript:top.fetch('/naskah/jejak?dari=a')">ini</a>
"""  # noqa: E501  (a hostile draft is not written to be read)


@pytest.mark.browser
def test_a_hostile_draft_never_runs_script_in_the_desk(desk: Desk, browser: Any) -> None:
    session = desk.client(WRITER[0])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.add_cookies(
        [{"name": "meja_sesi", "value": session.cookies.get("meja_sesi"), "url": desk.url}]
    )
    page = context.new_page()
    traces: list[str] = []
    page.on(
        "request", lambda request: traces.append(request.url) if "jejak" in request.url else None
    )
    try:
        page.goto(desk.url + "/naskah/baru")
        page.screenshot(path=str(SHOTS / "meja-naskah-baru.png"), full_page=True)
        page.fill("#judul", "Naskah jahat")
        page.fill("textarea[name=isi]", HOSTILE + "\n**penanda-pratinjau**")
        frame_element = page.locator("iframe.pratinjau")
        assert frame_element.get_attribute("sandbox") == ""
        expect(frame_element).to_have_attribute("srcdoc", re.compile("penanda-pratinjau"))
        frame = page.frame_locator("iframe.pratinjau")
        assert frame.locator("strong").inner_text() == "penanda-pratinjau"
        frame.locator("text=Klik saya").click()
        frame.locator("#jahat").click()
        page.wait_for_timeout(500)  # give any script that could run the time to run
        page.screenshot(path=str(SHOTS / "meja-naskah-pratinjau.png"), full_page=True)
        assert traces == []
        assert page.title().startswith("Tulis naskah baru")
        # the detector sees a real fetch from the desk's own page (it is not blind)
        page.evaluate("fetch('/naskah/jejak?dari=kontrol')")
        page.wait_for_timeout(200)
        assert traces == [desk.url + "/naskah/jejak?dari=kontrol"]
        traces.clear()
        # the same text sent and opened on the edit page (preview made by the server)
        page.click("#kirim")
        assert "Keadaan: draf, menunggu Web Admin" in page.locator("#hasil").inner_text()
        page.click("#hasil a.item")
        page.locator("iframe.pratinjau").wait_for()
        assert page.frame_locator("iframe.pratinjau").locator("strong").inner_text() == (
            "penanda-pratinjau"
        )
        assert page.locator("textarea[name=isi]").input_value().startswith("Paragraf biasa.")
        page.locator("iframe.pratinjau").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "meja-naskah-ubah.png"), full_page=True)
        assert traces == []
        page.goto(desk.url + "/naskah")
        page.screenshot(path=str(SHOTS / "meja-naskah-daftar.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.browser
def test_problems_are_shown_on_the_phone_form(desk: Desk, browser: Any) -> None:
    session = desk.client(WRITER[0])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.add_cookies(
        [{"name": "meja_sesi", "value": session.cookies.get("meja_sesi"), "url": desk.url}]
    )
    page = context.new_page()
    try:
        page.goto(desk.url + "/naskah/baru")
        page.select_option("#jenis", "pengumuman")
        assert page.locator("fieldset[data-jenis=pengumuman]").is_visible()
        assert not page.locator("fieldset[data-jenis=regulasi]").is_visible()
        page.fill("#judul", "Pengumuman Uji Telepon")
        page.fill("textarea[name=isi]", "[ISI: pembuka]")
        page.click("#kirim")
        problems = page.locator("#masalah")
        assert "Isi naskah (baris 1): Isian belum diganti: [ISI: pembuka]." in (
            problems.inner_text()
        )
        assert page.locator("textarea[name=isi]").input_value() == "[ISI: pembuka]"
        assert page.locator("#jenis").input_value() == "pengumuman"
        page.locator("iframe.pratinjau").scroll_into_view_if_needed()
        expect(page.frame_locator("iframe.pratinjau").locator("p")).to_have_text("[ISI: pembuka]")
        page.screenshot(path=str(SHOTS / "meja-naskah-masalah.png"), full_page=True)
        page.goto(desk.url + "/naskah/unggah")
        page.screenshot(path=str(SHOTS / "meja-naskah-unggah.png"), full_page=True)
    finally:
        context.close()


def writer_page(desk: Desk, browser: Any, width: int) -> Any:
    """Return a browser page logged in as the writer (a real session cookie)."""
    session = desk.client(WRITER[0])
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="id-ID")
    context.add_cookies(
        [{"name": "meja_sesi", "value": session.cookies.get("meja_sesi"), "url": desk.url}]
    )
    return context.new_page()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_writers_pages_pass_axe(desk: Desk, browser: Any, width: int) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = writer_page(desk, browser, width)
    try:
        for path in ("/naskah", "/naskah/baru", "/naskah/unggah", f"/naskah/ubah/{REJECTED}"):
            page.goto(desk.url + path)
            results = Axe().run(page)
            assert results.violations_count == 0, (path, results.generate_report())
        page.goto(desk.url + "/naskah/baru")
        page.fill("#judul", "Uji Aksesibilitas")
        page.click("#kirim")  # empty body: the problems are shown
        assert "Isi naskah: Isi naskah masih kosong." in page.locator("#masalah").inner_text()
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("../../../etc/passwd.png", "berita/2026-12-01-x-passwd.png"),
        ("C:\\Users\\sari\\Foto Rapat.JPEG", "berita/2026-12-01-x-foto-rapat.jpg"),
        ("....png", "berita/2026-12-01-x-png"),  # no suffix: refused by check_upload
        ("/etc/..\\..\\.png", "berita/2026-12-01-x-png"),
        ("a/../../b\x00c.pdf", "berita/2026-12-01-x-b-c.pdf"),
        ("Überblick–Ḱ.pdf", "berita/2026-12-01-x-uberblickk.pdf"),
    ],
    ids=["dots", "windows", "only-dots", "mixed", "nul", "unicode"],
)
def test_an_uploaded_name_is_placed_beside_the_item_and_nowhere_else(sent: str, saved: str) -> None:
    from desk.compose import Upload, check_upload, place

    (placed,) = place([Upload(sent, b"%PDF-")], "berita/2026-12-01-x.md", (), set())
    assert placed.path == saved
    if "." not in saved:
        problem = check_upload(Upload(sent, b""))
        assert problem is not None and problem.message.endswith("(jenis tanpa akhiran).")
