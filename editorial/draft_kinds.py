"""The content kinds of SOP 11/2023 and the draft each one starts from (``invoke new``).

A draft is written for someone who has never seen Markdown metadata: every value to
fill is marked ``[ISI: ...]`` and every instruction ``[PETUNJUK: ...]``, both visible in
the preview, so an approver who still sees one rejects the text. Instructions never
contain an attachment link: the digest would count it as an attachment of the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

GUIDE = """[PETUNJUK: Ganti setiap teks dalam kurung siku yang diawali ISI dengan isi
sebenarnya, termasuk pada baris-baris teratas (metadata). Jangan mengubah nama kolom di
depan titik dua (mis. Tags) dan jangan menyisipkan baris kosong di antara baris-baris
teratas itu. Hapus semua PETUNJUK sebelum menyerahkan naskah ke Web Admin: naskah yang
masih berisi ISI atau PETUNJUK akan ditolak. Panduan lengkap: docs/panduan.md.]"""

COMMON_META = (
    "Title: $title\nDate: $date\nCategory: $category\n"
    "Tags: [ISI: kata kunci dipisah koma]\nSlug: $slug\n"
    "Authors: [ISI: nama tim atau subbagian penulis]\n"
    "Summary: [ISI: ringkasan satu atau dua kalimat yang tampil di daftar dan hasil pencarian]\n"
)


@dataclass(frozen=True)
class Attachment:
    """A file the draft already links to, which the writer must put beside it."""

    name: str  # a Template: $stem is the item's file name without .md
    what: str


@dataclass(frozen=True)
class Kind:
    """One SOP content kind: where its items live and the draft it starts from."""

    id: str
    folder: str
    category: str | None  # None: a page (no date, no category)
    meta: str
    body: str
    attachments: tuple[Attachment, ...] = ()

    @property
    def dated(self) -> bool:
        """Tell whether items of this kind are dated (file name and ``Date``)."""
        return self.category is not None


_BERITA = """$guide

[ISI: Paragraf pembuka: apa yang terjadi, siapa, kapan (hari dan tanggal), dan di mana.]

[ISI: Paragraf isi: rincian kegiatan, angka penting, dan kutipan narasumber beserta nama dan
jabatannya.]

[ISI: Paragraf penutup: tindak lanjut atau informasi yang perlu diketahui masyarakat.]
"""

_ARTIKEL = """$guide

[ISI: Paragraf pembuka yang mengenalkan topik dan mengapa penting bagi pembaca.]

## [ISI: subjudul pertama]

[ISI: uraian bagian pertama.]

## [ISI: subjudul kedua]

[ISI: uraian bagian kedua.]

## [ISI: subjudul penutup, mis. Mengapa warga perlu tahu?]

[ISI: kesimpulan dan ajakan kepada pembaca.]
"""

_PENGUMUMAN = """$guide

[PETUNJUK: Baris berlaku_sampai adalah batas waktu pengumuman ini (format YYYY-MM-DD HH:MM,
waktu WIB): setelah waktu itu pengumuman otomatis diturunkan dari situs. Baris Berlaku
adalah masa berlaku yang dibaca pengunjung; samakan tanggal akhirnya dengan berlaku_sampai.]

[ISI: Paragraf pembuka: apa yang diumumkan dan untuk siapa.]

## Persyaratan

1. [ISI: persyaratan pertama.]
2. [ISI: persyaratan kedua.]

## Waktu dan tempat

[ISI: tanggal, jam (WIB), dan tempat.]

## Ketentuan lain

[ISI: biaya (bila gratis, sebutkan), tata cara, dan ke mana warga dapat bertanya.]
"""

_REGULASI = """$guide

**[ISI: nama lengkap peraturan, mis. Peraturan Komisi Pemilihan Umum Nomor 2 Tahun 2024
tentang Tahapan dan Jadwal Pemilihan]**

## Pokok pengaturan

[ISI: ringkasan isi peraturan dengan bahasa sederhana: apa yang diatur dan siapa yang terkena.]

## Catatan

Ringkasan ini disusun untuk memudahkan masyarakat memahami isi peraturan dan tidak
menggantikan naskah resmi.

[PETUNJUK: Simpan naskah resmi (PDF) di content/regulasi/$stem.pdf dengan nama persis itu.
Tautan unduhan di bawah menunjuk ke berkas itu; selama berkasnya belum ada, invoke status
menampilkan Lampiran tidak ditemukan.]

[Unduh naskah $title (PDF)]({attach}$stem.pdf)
"""

_DATA = """$guide

[ISI: Satu paragraf: data apa ini, periodenya, dan dari mana asalnya.]

| No | [ISI: nama kolom] | [ISI: nama kolom] | Jumlah |
|---:|---|---:|---:|
| 1 | [ISI] | [ISI] | [ISI] |

## Keterangan

- [ISI: cara membaca data, perubahan dari periode sebelumnya, atau batasan data.]

[PETUNJUK: Simpan berkas data (CSV: dipisah koma, baris pertama berisi nama kolom) di
content/data/$stem.csv dengan nama persis itu. Angka pada tabel di atas harus sama dengan
isi berkas itu.]

[Unduh data $title (CSV)]({attach}$stem.csv)
"""

_DOKUMENTASI = """$guide

[ISI: Paragraf pembuka: kegiatan apa, kapan, di mana, dan siapa pesertanya.]

[PETUNJUK: Simpan foto (JPG, lebar sekitar 1600 piksel) di content/dokumentasi/ dengan nama
$stem-1.jpg, $stem-2.jpg dan $stem-3.jpg. Tambah atau hapus blok foto sesuai jumlah foto.
Teks di dalam tanda seru dan kurung siku dibacakan untuk pembaca tunanetra: tulis apa yang
tampak di foto. Pastikan orang yang tampak jelas di foto, terutama anak-anak, telah memberi
izin.]

![ISI: apa yang tampak di foto 1]({attach}$stem-1.jpg)

*[ISI: keterangan foto 1.]*

![ISI: apa yang tampak di foto 2]({attach}$stem-2.jpg)

*[ISI: keterangan foto 2.]*

![ISI: apa yang tampak di foto 3]({attach}$stem-3.jpg)

*[ISI: keterangan foto 3.]*

[ISI: Paragraf penutup: ucapan terima kasih atau tindak lanjut.]
"""

_BAHAN = """$guide

[ISI: Pembuka: mengapa hal ini penting bagi pemilih.]

## Yang perlu disiapkan

- [ISI: hal pertama yang perlu disiapkan.]

## Langkah-langkah

1. [ISI: langkah pertama.]
2. [ISI: langkah kedua.]

## Perlu diingat

[ISI: peringatan atau tips, mis. jangan membagikan data pribadi.]

[PETUNJUK: Bila ada poster atau leaflet untuk diunduh, lihat docs/panduan.md bagian Lampiran.]
"""

_LIPUTAN = """$guide

[ISI: Paragraf pembuka: nama kegiatan, hari dan tanggal, tempat, dan penyelenggara.]

[ISI: Peserta dan narasumber, dengan jumlah peserta bila ada.]

## Jalannya kegiatan

[ISI: materi atau acara yang berlangsung, dengan kutipan narasumber beserta nama dan jabatannya.]

## Hasil dan tindak lanjut

[ISI: apa yang disepakati atau akan dilakukan sesudahnya.]

[PETUNJUK: Foto kegiatan boleh ditambahkan; caranya ada di docs/panduan.md bagian Lampiran.]
"""

_HALAMAN = """$guide

[ISI: Isi halaman: paragraf pembuka.]

## [ISI: subjudul]

[ISI: uraian.]
"""

KINDS: dict[str, Kind] = {kind.id: kind for kind in (
    Kind("berita", "berita", "Berita", COMMON_META, _BERITA),
    Kind("artikel", "artikel", "Artikel", COMMON_META, _ARTIKEL),
    Kind("pengumuman", "pengumuman", "Pengumuman",
         COMMON_META + "Berlaku: $today s.d. $until_date\nberlaku_sampai: $until\n",
         _PENGUMUMAN),
    Kind("regulasi", "regulasi", "Regulasi", COMMON_META + "Nomor: $nomor\nTahun: $tahun\n",
         _REGULASI, (Attachment("$stem.pdf", "naskah resmi peraturan (PDF)"),)),
    Kind("data", "data", "Data",
         COMMON_META + "Periode: [ISI: periode data, mis. Oktober 2026]\n"
         "Sumber: [ISI: asal data, mis. rekapitulasi tingkat kecamatan]\n",
         _DATA, (Attachment("$stem.csv", "berkas data (CSV)"),)),
    Kind("dokumentasi", "dokumentasi", "Dokumentasi", COMMON_META, _DOKUMENTASI,
         tuple(Attachment(f"$stem-{n}.jpg", f"foto {n} (JPG)") for n in (1, 2, 3))),
    Kind("bahan-sosialisasi", "bahan-sosialisasi", "Bahan Sosialisasi", COMMON_META, _BAHAN),
    Kind("liputan-kegiatan", "liputan-kegiatan", "Liputan Kegiatan", COMMON_META, _LIPUTAN),
    Kind("halaman", "pages", None,
         "Title: $title\nSlug: $slug\nAuthors: [ISI: nama tim atau subbagian penulis]\n"
         "Summary: [ISI: ringkasan satu atau dua kalimat tentang halaman ini]\n", _HALAMAN),
)}

#: Other names people type for a kind.
ALIASES = {"liputan": "liputan-kegiatan", "bahan": "bahan-sosialisasi",
           "sosialisasi": "bahan-sosialisasi", "page": "halaman", "pages": "halaman"}


def render_draft(kind: Kind, values: dict[str, str]) -> str:
    """Return the full text of a new draft of ``kind`` with ``values`` filled in."""
    values = {**values, "guide": GUIDE, "category": kind.category or ""}
    return Template(kind.meta).substitute(values) + "\n" + \
        Template(kind.body).substitute(values)
