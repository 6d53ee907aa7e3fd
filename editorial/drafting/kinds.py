"""The draft each SOP content kind starts from (``invoke new``), and the names people type.

The kinds themselves (id, folder under content/, category) are the gate's
(``approval_gate.api.KINDS``, the one list); this module adds only what a writer
starts from: the metadata block, the body with its instructions and the attachments
the body links to. A kind without a draft of its own starts from the general one.

A draft is written for someone who has never seen Markdown metadata: every value to
fill is marked ``[ISI: ...]`` and every instruction ``[PETUNJUK: ...]``, both visible in
the preview. The gate's naskah checks find both: until every one is gone the item is
``perlu-diperbaiki``, ``invoke approve`` refuses it and no build publishes it, which is
what the guide promises. Instructions never contain an attachment link: the digest would
count it as an attachment of the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from approval_gate.api import KINDS as SOP_KINDS
from approval_gate.api import EXPIRY_KEY, ContentKind

GUIDE = """[PETUNJUK: Ganti setiap teks dalam kurung siku yang diawali ISI dengan isi
sebenarnya, termasuk pada baris-baris teratas (metadata). Jangan mengubah nama kolom di
depan titik dua (mis. Tags) dan jangan menyisipkan baris kosong di antara baris-baris
teratas itu. Hapus semua PETUNJUK sebelum menyerahkan naskah ke Web Admin: naskah yang
masih berisi ISI atau PETUNJUK akan ditolak (invoke status menampilkan "perlu diperbaiki").
Panduan lengkap: docs/panduan.md.]"""

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
class Draft:
    """What a new item of one kind starts from: metadata, body, expected attachments."""

    meta: str
    body: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Kind:
    """One SOP content kind (the gate's) with the draft it starts from (ours)."""

    sop: ContentKind
    draft: Draft

    @property
    def id(self) -> str:
        """Return the kind's id (``berita``), as typed and as used in addresses."""
        return self.sop.id

    @property
    def folder(self) -> str:
        """Return the kind's folder under content/."""
        return self.sop.folder

    @property
    def category(self) -> str | None:
        """Return the category shown on the site (None: a page)."""
        return self.sop.category

    @property
    def dated(self) -> bool:
        """Tell whether items of this kind are dated (file name and ``Date``)."""
        return self.sop.dated

    @property
    def expires(self) -> bool:
        """Tell whether items of this kind carry ``berlaku_sampai`` (taken down then)."""
        return any(key == EXPIRY_KEY for key, _ in self.sop.fields)

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        """Return the files the draft links to, which the writer puts beside it."""
        return self.draft.attachments


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

_PAGE_META = (
    "Title: $title\nSlug: $slug\nAuthors: [ISI: nama tim atau subbagian penulis]\n"
    "Summary: [ISI: ringkasan satu atau dua kalimat tentang halaman ini]\n"
)

#: A regulation's optional fields (approval_gate/sop.py; shown by site_theme/regulations.py).
#: ``dicabut_oleh`` and ``diubah_oleh`` are rare and left to the guide (docs/panduan.md).
REGULASI_META = (
    "Jenis: [ISI: jenis peraturan, mis. Peraturan KPU]\n"
    "Ditetapkan: [ISI: tanggal penetapan TTTT-BB-HH, mis. 2024-01-26]\n"
    "Keberlakuan: Berlaku\n"
    "sumber_resmi: [ISI: alamat naskah resmi di JDIH, mis. https://jdih.kpu.go.id/...]\n"
)

#: The draft of each kind, by the id of the gate's kind.
DRAFTS: dict[str, Draft] = {
    "berita": Draft(COMMON_META, _BERITA),
    "artikel": Draft(COMMON_META, _ARTIKEL),
    "pengumuman": Draft(
        COMMON_META + "Berlaku: $today s.d. $until_date\nberlaku_sampai: $until\n", _PENGUMUMAN
    ),
    "regulasi": Draft(
        COMMON_META + "Nomor: $nomor\nTahun: $tahun\n" + REGULASI_META,
        _REGULASI,
        (Attachment("$stem.pdf", "naskah resmi peraturan (PDF)"),),
    ),
    "data": Draft(
        COMMON_META + "Periode: [ISI: periode data, mis. Oktober 2026]\n"
        "Sumber: [ISI: asal data, mis. rekapitulasi tingkat kecamatan]\n",
        _DATA,
        (Attachment("$stem.csv", "berkas data (CSV)"),),
    ),
    "dokumentasi": Draft(
        COMMON_META,
        _DOKUMENTASI,
        tuple(Attachment(f"$stem-{n}.jpg", f"foto {n} (JPG)") for n in (1, 2, 3)),
    ),
    "bahan-sosialisasi": Draft(COMMON_META, _BAHAN),
    "liputan-kegiatan": Draft(COMMON_META, _LIPUTAN),
    "halaman": Draft(_PAGE_META, _HALAMAN),
}


def _draft_of(kind: ContentKind) -> Draft:
    """Return the kind's own draft, or the general one (an article, or a page)."""
    return DRAFTS.get(kind.id) or (
        Draft(COMMON_META, _ARTIKEL) if kind.dated else Draft(_PAGE_META, _HALAMAN)
    )


#: Every SOP kind with its draft, by id, in the gate's order.
KINDS: dict[str, Kind] = {kind.id: Kind(kind, _draft_of(kind)) for kind in SOP_KINDS}

#: Other names people type for a kind.
ALIASES = {
    "liputan": "liputan-kegiatan",
    "bahan": "bahan-sosialisasi",
    "sosialisasi": "bahan-sosialisasi",
    "page": "halaman",
    "pages": "halaman",
}


def render_draft(kind: Kind, values: dict[str, str]) -> str:
    """Return the full text of a new draft of ``kind`` with ``values`` filled in."""
    values = {**values, "guide": GUIDE, "category": kind.category or ""}
    return (
        Template(kind.draft.meta).substitute(values)
        + "\n"
        + Template(kind.draft.body).substitute(values)
    )
