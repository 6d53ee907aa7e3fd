"""``invoke new``: SOP step 1, a draft of the right kind, correctly named, never overwriting.

The clock of every sitekit site stands at 2026-11-24 10:00 WIB, so the file names and
dates below are known.
"""

from __future__ import annotations

import json

import pytest

from editorial.meta import parse_metadata
from publishing.build import build_site
from approval_gate import api
from sitekit import Site
from naskahkit import fill
from workflowkit import run, run_with, sample_copy

KINDS = [
    # kind, folder, category, extra metadata the kind needs
    ("berita", "berita", "Berita", {}),
    ("artikel", "artikel", "Artikel", {}),
    (
        "pengumuman",
        "pengumuman",
        "Pengumuman",
        {"berlaku": "2026-11-24 s.d. 2026-12-08", "berlaku_sampai": "2026-12-08 23:59"},
    ),
    (
        "regulasi",
        "regulasi",
        "Regulasi",
        {
            "nomor": "[ISI: nomor peraturan, mis. 2]",
            "tahun": "[ISI: tahun peraturan, mis. 2024]",
            # the optional fields of the Regulasi block (site_theme/regulations.py)
            "jenis": "[ISI: jenis peraturan, mis. Peraturan KPU]",
            "ditetapkan": "[ISI: tanggal penetapan TTTT-BB-HH, mis. 2024-01-26]",
            "keberlakuan": "Berlaku",
            "sumber_resmi": "[ISI: alamat naskah resmi di JDIH, mis. https://jdih.kpu.go.id/...]",
        },
    ),
    (
        "data",
        "data",
        "Data",
        {
            "periode": "[ISI: periode data, mis. Oktober 2026]",
            "sumber": "[ISI: asal data, mis. rekapitulasi tingkat kecamatan]",
        },
    ),
    ("dokumentasi", "dokumentasi", "Dokumentasi", {}),
    ("bahan-sosialisasi", "bahan-sosialisasi", "Bahan Sosialisasi", {}),
    ("liputan-kegiatan", "liputan-kegiatan", "Liputan Kegiatan", {}),
]
COMMON = {
    "tags": "[ISI: kata kunci dipisah koma]",
    "authors": "[ISI: nama tim atau subbagian penulis]",
    "summary": "[ISI: ringkasan satu atau dua kalimat yang tampil di daftar dan hasil pencarian]",
}


def test_every_dated_kind_of_the_sop_has_its_expected_draft_here() -> None:
    assert [(k, f, c) for k, f, c, _ in KINDS] == [
        (kind.id, kind.folder, kind.category) for kind in api.KINDS if kind.dated
    ]


@pytest.mark.parametrize(("kind", "folder", "category", "extra"), KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_gets_a_dated_file_with_the_metadata_it_needs(
    site: Site, kind: str, folder: str, category: str, extra: dict[str, str]
) -> None:
    done = run(site, "new", kind, "Uji Coba Naskah Baru")
    assert done.returncode == 0, done.stderr
    path = site.content / folder / "2026-11-24-uji-coba-naskah-baru.md"
    meta = parse_metadata(path.read_text(encoding="utf-8"))
    assert meta == {
        "title": "Uji Coba Naskah Baru",
        "date": "2026-11-24 10:00",
        "category": category,
        "slug": "uji-coba-naskah-baru",
        **COMMON,
        **extra,
    }
    assert done.stdout.startswith(
        f"Draf baru dibuat: content/{folder}/2026-11-24-uji-coba-"
        f"naskah-baru.md\n  Jenis: {category}; alamat setelah terbit: "
        f"{kind}/uji-coba-naskah-baru/\n"
    )


def test_a_page_has_no_date_in_its_name_like_the_sample_profile(site: Site) -> None:
    done = run(site, "new", "halaman", "Layanan Informasi Publik")
    assert done.returncode == 0, done.stderr
    meta = parse_metadata((site.content / "pages/layanan-informasi-publik.md").read_text())
    assert meta == {
        "title": "Layanan Informasi Publik",
        "slug": "layanan-informasi-publik",
        "authors": "[ISI: nama tim atau subbagian penulis]",
        "summary": "[ISI: ringkasan satu atau dua kalimat tentang halaman ini]",
    }
    assert "alamat setelah terbit: layanan-informasi-publik/" in done.stdout


def test_writer_is_told_where_to_write_and_what_comes_next(site: Site) -> None:
    done = run(site, "new", "berita", "Rapat Pleno Terbuka")
    item = "content/berita/2026-11-24-rapat-pleno-terbuka.md"
    assert done.stdout.splitlines() == [
        f"Draf baru dibuat: {item}",
        "  Jenis: Berita; alamat setelah terbit: berita/rapat-pleno-terbuka/",
        "",
        "Langkah berikutnya:",
        "  1. Buka berkas itu di penyunting teks. Ganti setiap [ISI: ...] dan hapus setiap "
        "[PETUNJUK: ...].",
        "     Masih ada [ISI: ...] di baris 4, 6-7, 16, 18, 21; [PETUNJUK: ...] di baris 9.",
        '     Selama masih ada, invoke status menampilkan "perlu diperbaiki" dan naskah ini '
        "belum dapat disetujui.",
        "  2. Lihat pratinjaunya: invoke preview (atau invoke watch selama menulis).",
        f"  3. Simpan ke repositori: git add {item}, lalu git commit -m "
        '"Draf berita: 2026-11-24-rapat-pleno-terbuka" dan git push.',
        "  4. Serahkan ke Web Admin untuk diperiksa (SOP langkah 4). Posisinya terlihat di: "
        "invoke status",
        "     Web Admin menyetujui dengan:",
        f"       invoke approve {item} --role web-admin",
        "     atau mengembalikan dengan alasan:",
        f'       invoke reject {item} --role web-admin --note "alasan"',
        "Sampai keempat pejabat (Web Admin, Kasubbag Tekmas, Sekretaris, Komisioner) "
        "menyetujui, item ini berstatus draf dan tidak tampil di situs.",
    ]


def test_kinds_with_attachments_name_the_files_to_put_beside_the_draft(site: Site) -> None:
    done = run(site, "new", "dokumentasi", "Sosialisasi di SMA 1")
    stem = "content/dokumentasi/2026-11-24-sosialisasi-di-sma-1"
    assert (
        "  2. Simpan lampirannya dengan nama persis ini:\n"
        f"       {stem}-1.jpg  (foto 1 (JPG))\n       {stem}-2.jpg  (foto 2 (JPG))\n"
        f"       {stem}-3.jpg  (foto 3 (JPG))\n" in done.stdout
    )
    text = (site.content / "dokumentasi/2026-11-24-sosialisasi-di-sma-1.md").read_text()
    assert (
        "![ISI: apa yang tampak di foto 2]({attach}2026-11-24-sosialisasi-di-sma-1-2.jpg)" in text
    )


def test_regulation_number_and_year_are_taken_from_the_title(site: Site) -> None:
    done = run(site, "new", "regulasi", "PKPU Nomor 5 Tahun 2026 tentang Kampanye")
    assert done.returncode == 0, done.stderr
    path = site.content / "regulasi/2026-11-24-pkpu-nomor-5-tahun-2026-tentang-kampanye.md"
    text = path.read_text()
    assert parse_metadata(text)["nomor"] == "5" and parse_metadata(text)["tahun"] == "2026"
    assert text.rstrip().endswith(
        "[Unduh naskah PKPU Nomor 5 Tahun 2026 tentang Kampanye (PDF)]"
        "({attach}2026-11-24-pkpu-nomor-5-tahun-2026-tentang-"
        "kampanye.pdf)"
    )


@pytest.mark.slow
def test_every_new_draft_builds_and_is_held_back_until_it_is_filled_in(site: Site) -> None:
    for kind, *_ in KINDS:
        assert run(site, "new", kind, f"Draf {kind}").returncode == 0
    assert run(site, "new", "halaman", "Draf halaman").returncode == 0
    result = site.build()
    excluded = {e["item"]: e["state"] for e in result.manifest["excluded"]}
    assert excluded == {
        f"{folder}/2026-11-24-draf-{kind}.md": api.NEEDS_FIX for kind, folder, *_ in KINDS
    } | {"pages/draf-halaman.md": api.NEEDS_FIX}
    assert result.manifest["included"] == []
    assert site.hits("PETUNJUK") == [] and site.hits("Draf berita") == []


@pytest.mark.slow
def test_a_new_draft_once_approved_is_published_at_the_announced_address(site: Site) -> None:
    run(site, "new", "berita", "Rapat Pleno Terbuka")
    run(site, "new", "pengumuman", "Pendaftaran KPPS", "--berlaku-sampai", "2026-12-05 16:00")
    for item in (
        "berita/2026-11-24-rapat-pleno-terbuka.md",
        "pengumuman/2026-11-24-pendaftaran-kpps.md",
    ):
        path = site.content / item
        path.write_text(fill(path.read_text()))  # an untouched draft is never published
        site.approve_all(item)
    result = site.build()
    urls = sorted(e["url"] for e in result.manifest["included"])
    assert urls == ["berita/rapat-pleno-terbuka/", "pengumuman/pendaftaran-kpps/"]
    assert "berita/rapat-pleno-terbuka/index.html" in site.hits("Rapat Pleno Terbuka")


def test_a_typo_in_the_kind_gets_a_close_match(site: Site) -> None:
    done = run(site, "new", "beritaa", "Judul")
    assert done.returncode == 21
    assert done.stderr.strip() == (
        "Jenis 'beritaa' tidak dikenal. Mungkin maksudnya 'berita'? Jenis yang ada (SOP "
        "11/2023): berita, artikel, pengumuman, regulasi, data, dokumentasi, bahan-sosialisasi, "
        "liputan-kegiatan, halaman."
    )
    assert not any(site.content.rglob("*.md"))


@pytest.mark.parametrize(
    ("typed", "folder"),
    [
        ("liputan", "liputan-kegiatan"),
        ("Bahan Sosialisasi", "bahan-sosialisasi"),
        ("PENGUMUMAN", "pengumuman"),
    ],
    ids=["short-name", "with-space", "upper-case"],
)
def test_kind_names_people_type_are_understood(site: Site, typed: str, folder: str) -> None:
    assert run(site, "new", typed, "Judul Uji").returncode == 0
    assert (site.content / folder / "2026-11-24-judul-uji.md").is_file()


def test_an_existing_file_is_never_overwritten(site: Site) -> None:
    assert run(site, "new", "berita", "Rapat Pleno").returncode == 0
    path = site.content / "berita/2026-11-24-rapat-pleno.md"
    path.write_text(path.read_text() + "\nTulisan penulis yang tidak boleh hilang.\n")
    before = path.read_bytes()
    done = run(site, "new", "berita", "Rapat Pleno")
    assert done.returncode == 22
    assert done.stderr.strip() == (
        "content/berita/2026-11-24-rapat-pleno.md: Berkas ini sudah ada dan tidak ditimpa. Buka "
        "berkas itu untuk melanjutkan, atau pakai judul lain atau --slug nama-lain."
    )
    assert path.read_bytes() == before


def test_an_address_already_used_in_the_folder_is_refused(site: Site) -> None:
    site.article("berita/2026-11-02-rapat-pleno.md", "Rapat Pleno", "Isi.", slug="rapat-pleno")
    done = run(site, "new", "berita", "Rapat Pleno")
    assert done.returncode == 22
    assert done.stderr.strip() == (
        "content/berita/2026-11-24-rapat-pleno.md: Alamat (slug) 'rapat-pleno' sudah dipakai "
        "oleh content/berita/2026-11-02-rapat-pleno.md. Dua item dengan alamat sama akan saling "
        "menimpa di situs. Pakai judul lain atau --slug nama-lain."
    )
    site.article("berita/2026-11-03-tanpa-slug.md", "Rapat Koordinasi", "Isi.")
    done = run(site, "new", "berita", "Rapat Koordinasi")
    assert (
        done.returncode == 22
        and "sudah dipakai oleh content/berita/2026-11-03-tanpa-slug.md" in done.stderr
    )  # Pelican would make the same slug from the same title
    done = run(site, "new", "berita", "Rapat Pleno", "--slug", "rapat-pleno-kedua")
    assert done.returncode == 0, done.stderr
    assert (site.content / "berita/2026-11-24-rapat-pleno-kedua.md").is_file()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("pengumuman", "Judul", "--berlaku-sampai", "2026-11-01 08:00"),
            23,
            "Batas berlaku '2026-11-01 08:00' sudah lewat. Pakai waktu setelah sekarang, format "
            "'YYYY-MM-DD HH:MM'.",
        ),
        (
            ("pengumuman", "Judul", "--berlaku-sampai", "5 Desember"),
            23,
            "Batas berlaku '5 Desember' tidak dikenali. Pakai format 'YYYY-MM-DD HH:MM' "
            "(WIB), mis. '2026-12-05 23:59'.",
        ),
        (
            ("berita", "Judul", "--berlaku-sampai", "2026-12-05"),
            23,
            "--berlaku-sampai hanya untuk jenis pengumuman. Hapus pilihan itu, atau pilih jenis "
            "pengumuman.",
        ),
        (
            ("berita", "   "),
            23,
            'Judul kosong. Tulis judulnya, mis. invoke new berita "Rapat Pleno Rekapitulasi".',
        ),
        (
            ("berita", "Пресс-релиз"),
            23,
            "Judul 'Пресс-релиз' tidak menghasilkan alamat (slug). "
            "Tambahkan --slug dengan huruf latin, mis. --slug rapat-pleno.",
        ),
    ],
    ids=[
        "expiry-in-the-past",
        "expiry-not-a-date",
        "expiry-on-a-news-item",
        "empty-title",
        "no-latin-letters",
    ],
)
def test_bad_values_are_refused_with_what_to_do(
    site: Site, args: tuple[str, ...], code: int, message: str
) -> None:
    done = run(site, "new", *args)
    assert (done.returncode, done.stderr.strip()) == (code, message)
    assert not any(site.content.rglob("*.md"))


def test_expiry_date_alone_means_the_end_of_that_day(site: Site) -> None:
    run(site, "new", "pengumuman", "Seleksi PPS", "--berlaku-sampai", "2026-12-05")
    meta = parse_metadata((site.content / "pengumuman/2026-11-24-seleksi-pps.md").read_text())
    assert (meta["berlaku"], meta["berlaku_sampai"]) == (
        "2026-11-24 s.d. 2026-12-05",
        "2026-12-05 23:59",
    )


@pytest.mark.slow
def test_new_on_a_copy_of_the_sample_site(tmp_path) -> None:
    settings = sample_copy(tmp_path)
    taken = run_with(settings, "new", "berita", "Rapat Pleno DPT")
    assert taken.returncode == 22
    assert "sudah dipakai oleh content/berita/2026-11-10-rapat-pleno-dpt.md" in taken.stderr
    done = run_with(settings, "new", "regulasi", "PKPU Nomor 8 Tahun 2026 tentang Pemutakhiran")
    assert done.returncode == 0, done.stderr
    result = build_site(settings, tmp_path / "output")
    excluded = {e["item"]: e["state"] for e in result.manifest["excluded"]}
    new_item = next(
        item for item in excluded if item.startswith("regulasi/") and "pemutakhiran" in item
    )
    assert excluded[new_item] == api.NEEDS_FIX
    included = {e["item"] for e in result.manifest["included"]}
    assert "berita/2026-11-10-rapat-pleno-dpt.md" in included
    status = json.loads(run_with(settings, "status", "--json").stdout)
    row = next(r for r in status["items"] if r["item"] == new_item)
    assert row["reason"].startswith("perlu diperbaiki: isian belum diganti: [ISI: kata kunci")
    assert {"line": 38, "message": f"Lampiran tidak ditemukan: {new_item[:-3]}.pdf."} in [
        {"line": f["line"], "message": f["message"]} for f in row["findings"]
    ]
