"""The shipped sample site: every SOP state is present, only complete items are built."""

from __future__ import annotations

from pathlib import Path

import pytest

from publishing.build import BuildResult, build_site
from sitekit import REPO

EXCLUDED = {  # item: (state, marker word in its body or attachment, slug)
    "berita/2026-11-20-persiapan-logistik.md": (
        "draf",
        "Kotak-Suara-Cadangan-Sluke",
        "persiapan-logistik",
    ),
    "berita/2026-11-21-rakor-ppk-kragan.md": (
        "menunggu",
        "Rakor-Kragan-Tahap-Dua",
        "rakor-ppk-kragan",
    ),
    "pengumuman/2026-11-22-seleksi-kpps.md": (
        "menunggu",
        "Seleksi-KPPS-Gelombang-Tiga",
        "seleksi-kpps",
    ),
    "artikel/2026-11-18-partisipasi-pemilih-muda.md": (
        "menunggu",
        "Survei-Pemilih-Muda-Lasem",
        "partisipasi-pemilih-muda",
    ),
    "berita/2026-11-19-hasil-rapat-evaluasi.md": (
        "ditolak",
        "Evaluasi-Internal-Sarang",
        "hasil-rapat-evaluasi",
    ),
    "data/2026-11-16-daftar-tps.md": ("kedaluwarsa", "Jumlah-TPS-Pamotan-Revisi", "daftar-tps"),
    "pengumuman/2026-11-17-jadwal-kampanye.md": (
        "menunggu",
        "Jadwal-Kampanye-Palsu-Gunem",
        "jadwal-kampanye",
    ),
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    folder = tmp_path_factory.mktemp("contoh")
    result = build_site(REPO / "pelicanconf.py", folder / "output", state_dir=folder / "var")
    return folder / "output", result


def _files(output: Path) -> list[Path]:
    return [p for p in output.rglob("*") if p.is_file()]


def test_sample_has_every_sop_state(sample: tuple[Path, BuildResult]) -> None:
    _, result = sample
    states = {e["item"]: e["state"] for e in result.manifest["excluded"]}
    assert states == {item: state for item, (state, _, _) in EXCLUDED.items()}
    assert len(result.manifest["included"]) == 12
    forged = [f for f in result.manifest["findings"] if "jadwal-kampanye" in f["path"]]
    assert "tidak terdaftar di roster" in forged[0]["message"]


@pytest.mark.parametrize("item", sorted(EXCLUDED), ids=lambda i: i.split("/")[1][11:])
def test_no_output_file_mentions_an_excluded_sample_item(
    sample: tuple[Path, BuildResult], item: str
) -> None:
    output, _ = sample
    _, marker, slug = EXCLUDED[item]
    for path in _files(output):
        data = path.read_bytes()
        assert marker.encode() not in data, path
        assert f"/{slug}/".encode() not in data, path
        assert slug not in path.relative_to(output).as_posix(), path
    for attachment in ("daftar-tps-2026.csv", "jadwal-kampanye-lampiran.pdf"):
        assert not list(output.rglob(attachment))


def test_sample_shows_each_kind_with_its_attachments(sample: tuple[Path, BuildResult]) -> None:
    output, _ = sample
    names = {p.relative_to(output).as_posix() for p in _files(output)}
    for expected in (
        "berita/rapat-pleno-dpt/index.html",
        "regulasi/pkpu-2-2024-tahapan/pkpu-2-2024-tahapan.pdf",
        "data/rekapitulasi-dpt/rekapitulasi-dpt-2026.csv",
        "dokumentasi/sosialisasi-pemilih-pemula/sosialisasi-pemula-1.jpg",
        "profil/index.html",
        "robots.txt",
        "static/logo-kpu.svg",
        "sitemap.xml",
    ):
        assert any(name.endswith(expected.split("/")[-1]) for name in names), expected
    assert any(name.startswith("artikel/mengenal-tahapan-pilkada/en") for name in names)
    for kind in (
        "berita",
        "artikel",
        "pengumuman",
        "regulasi",
        "data",
        "dokumentasi",
        "bahan-sosialisasi",
        "liputan-kegiatan",
    ):
        assert f"kategori/{kind}/index.html" in names, kind
