"""Write the PPID's two blank forms as small PDFs (run once; the output is committed).

Citizens print these, fill them in by hand and hand them in or send them to the PPID, so
they only need text, lines to write on and boxes to tick. No PDF library is a dependency
of the project, and none is needed for that: the file is written here by hand (PDF 1.4,
the standard Helvetica fonts, A4), with no creation date, so running the script again
gives the same bytes and the signed attachments stay valid.

The wording follows the forms of Peraturan Komisi Informasi Nomor 1 Tahun 2010 (Standar
Layanan Informasi Publik) and the grounds of objection of UU 14/2008 Pasal 35 ayat (1).
Usage: ``python tools/ppid_forms.py`` (writes into content/pages/).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "content" / "pages"
OFFICE = "KOMISI PEMILIHAN UMUM KABUPATEN REMBANG"
UNIT = "Pejabat Pengelola Informasi dan Dokumentasi (PPID)"
WIDTH, HEIGHT, MARGIN = 595, 842, 56  # A4 in points


def _escape(text: str) -> str:
    """Return ``text`` as a PDF string body (WinAnsi: these forms use ASCII only)."""
    text.encode("ascii")  # a non-ASCII character would need its own encoding table
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


@dataclass
class Page:
    """One A4 page being laid out from the top down."""

    y: float = HEIGHT - MARGIN
    ops: list[str] = field(default_factory=list)

    def text(self, text: str, size: float = 10, bold: bool = False, x: float = MARGIN) -> None:
        """Write one line of text at the current height and move down."""
        self.y -= size + 4
        font = "F2" if bold else "F1"
        self.ops.append(f"BT /{font} {size} Tf {x} {self.y:.1f} Td ({_escape(text)}) Tj ET")

    def centred(self, text: str, size: float, bold: bool = True) -> None:
        """Write a centred line (Helvetica averages about half the size per character)."""
        self.text(text, size, bold, x=round((WIDTH - len(text) * size * 0.55) / 2))

    def field(self, label: str, lines: int = 1) -> None:
        """Write a label with lines to write on after it (and below it for longer answers)."""
        self.text(label)
        start = max(MARGIN + 190, MARGIN + round(len(label) * 5.5) + 8) if label else MARGIN
        self.ops.append(f"{start} {self.y - 2:.1f} m {WIDTH - MARGIN} {self.y - 2:.1f} l S")
        for _ in range(lines - 1):
            self.y -= 22
            self.ops.append(f"{MARGIN} {self.y - 2:.1f} m {WIDTH - MARGIN} {self.y - 2:.1f} l S")
        self.y -= 10

    def boxes(self, choices: list[str]) -> None:
        """Write one tick box per choice, one under the other."""
        for choice in choices:
            self.text(choice, x=MARGIN + 34)
            self.ops.append(f"{MARGIN + 18} {self.y - 1:.1f} 9 9 re S")
        self.y -= 4

    def gap(self, points: float = 8) -> None:
        """Leave some space."""
        self.y -= points

    def signatures(self, left: str, right: str) -> None:
        """Write two signature blocks side by side: the officer's and the citizen's."""
        self.text("Rembang, ........................................", x=WIDTH - MARGIN - 220)
        self.gap(4)
        top = self.y
        self.text(left, x=MARGIN)
        self.y = top
        self.text(right, x=WIDTH - MARGIN - 220)
        self.gap(56)
        self.text("(.......................................)", x=MARGIN)
        self.y += 14
        self.text("(.......................................)", x=WIDTH - MARGIN - 220)
        self.text("Nama dan tanda tangan", size=8, x=MARGIN)
        self.y += 12
        self.text("Nama dan tanda tangan", size=8, x=WIDTH - MARGIN - 220)

    def heading(self, title: str) -> None:
        """Write the office, the unit and the form's title, with a rule under them."""
        self.centred(OFFICE, 12)
        self.centred(UNIT, 10, bold=False)
        self.gap(6)
        self.ops.append(f"{MARGIN} {self.y:.1f} m {WIDTH - MARGIN} {self.y:.1f} l S")
        self.gap(10)
        self.centred(title, 13)
        self.gap(8)


def pdf(page: Page, title: str) -> bytes:
    """Return a one-page PDF 1.4 file with ``page``'s drawing, its title and language."""
    stream = ("0.6 w\n" + "\n".join(page.ops) + "\n").encode("ascii")
    objects = [
        "<< /Type /Catalog /Pages 2 0 R /Lang (id-ID) >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] "
        "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 7 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        f"<< /Title ({_escape(title)}) /Author ({_escape(OFFICE.title())}) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    offsets.append(len(out))
    out += f"7 0 obj\n<< /Length {len(stream)} >>\nstream\n".encode("ascii")
    out += stream + b"endstream\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += (
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R /Info 6 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)


def request_form() -> bytes:
    """Return the Formulir Permohonan Informasi Publik."""
    page = Page()
    title = "FORMULIR PERMOHONAN INFORMASI PUBLIK"
    page.heading(title)
    page.field("Nomor pendaftaran (diisi petugas)")
    page.gap()
    page.field("Nama pemohon")
    page.field("Alamat", 2)
    page.field("Nomor telepon / surel")
    page.field("Pekerjaan")
    page.field("Rincian informasi yang dibutuhkan", 4)
    page.field("Tujuan penggunaan informasi", 2)
    page.text("Cara memperoleh informasi:", bold=True)
    page.boxes(
        [
            "Melihat / membaca / mendengarkan / mencatat",
            "Mendapatkan salinan informasi (cetak atau berkas elektronik)",
        ]
    )
    page.text("Cara mendapatkan salinan informasi:", bold=True)
    page.boxes(["Mengambil langsung", "Pos", "Surel (e-mail)"])
    page.text("Lampirkan salinan kartu identitas (KTP) pemohon.", size=9)
    page.text("Informasi diberikan tanpa biaya; biaya penggandaan, bila ada, sesuai ketentuan.", 9)
    page.gap(10)
    page.signatures("Petugas Pelayanan Informasi", "Pemohon Informasi")
    return pdf(page, title.title())


OBJECTIONS = [
    "a. Permohonan informasi ditolak",
    "b. Informasi berkala tidak disediakan",
    "c. Permintaan informasi tidak ditanggapi",
    "d. Permintaan informasi ditanggapi tidak sebagaimana yang diminta",
    "e. Permintaan informasi tidak dipenuhi",
    "f. Biaya yang dikenakan tidak wajar",
    "g. Informasi disampaikan melebihi jangka waktu yang ditentukan",
]


def objection_form() -> bytes:
    """Return the Formulir Pengajuan Keberatan atas Permohonan Informasi Publik."""
    page = Page()
    title = "FORMULIR PENGAJUAN KEBERATAN"
    page.heading(title)
    page.field("Nomor registrasi keberatan (diisi petugas)")
    page.text("A. Informasi pengaju keberatan", bold=True)
    page.field("Nomor pendaftaran permohonan")
    page.field("Tujuan penggunaan informasi")
    page.field("Nama pemohon")
    page.field("Alamat")
    page.field("Nomor telepon / surel")
    page.field("Nama dan alamat kuasa (bila ada)")
    page.text("B. Alasan pengajuan keberatan (UU 14/2008 Pasal 35 ayat (1))", bold=True)
    page.boxes(OBJECTIONS)
    page.text("C. Kasus posisi (uraikan singkat)", bold=True)
    page.field("", 4)
    page.field("D. Tanggapan diberikan paling lambat (diisi petugas)")
    page.text("Keberatan diajukan paling lambat 30 hari kerja setelah alasan keberatan muncul.", 9)
    page.gap(6)
    page.signatures("Petugas Penerima Keberatan", "Pengaju Keberatan")
    return pdf(page, title.title())


FORMS = {
    "formulir-permohonan-informasi-publik.pdf": request_form,
    "formulir-pengajuan-keberatan.pdf": objection_form,
}


def main() -> None:
    """Write both forms into content/pages/ (or the folder given)."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET
    for name, make in FORMS.items():
        (target / name).write_bytes(make())


if __name__ == "__main__":
    main()
