"""Hand-offs: the chat message for whoever must act next, ready to send on WhatsApp.

The message names the item, its preview address, who is asked and what to run; the
same text appears in ``invoke status --pesan`` and in the preview's panel.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from editorial.handoff import local_only, whatsapp_link
from previewkit import invoke, page, panel, preview
from sitekit import ROLES, Site

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow

ITEM = "berita/rapat.md"
#: What a 127.0.0.1 link means for the person who receives it, in the message itself.
ONLY_HERE = (
    "(Alamat itu hanya terbuka di komputer pengirim. Di komputer Anda: git pull, "
    "lalu invoke watch, lalu buka alamat yang sama.)"
)
ASK_SRI = (
    'Mohon persetujuan Kasubbag Tekmas (Pejabat Sri) untuk "Rapat Pleno" '
    "(berita/rapat.md).\n"
    "Pratinjau: http://127.0.0.1:8001/berita/rapat-pleno/\n"
    f"{ONLY_HERE}\n"
    "Setujui: invoke approve content/berita/rapat.md --role kasubbag-tekmas\n"
    "Bila perlu perbaikan: invoke reject content/berita/rapat.md --role "
    'kasubbag-tekmas --note "alasan"'
)


def _status(site: Site, *args: str, preview_url: str | None = None) -> str:
    env = {"KPU_PRATINJAU_URL": preview_url} if preview_url else None
    done = invoke("status", "--pesan", "--settings", str(site.settings), *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("text", "phone", "link"),
    [
        (
            "Mohon cek: a&b /x?\nTerima kasih",
            None,
            "https://wa.me/?text=Mohon%20cek%3A%20a%26b%20%2Fx%3F%0ATerima%20kasih",
        ),
        ("Halo", "0812-3456-7890", "https://wa.me/6281234567890?text=Halo"),
        ("Halo", "+62 812 3456 7890", "https://wa.me/6281234567890?text=Halo"),
    ],
    ids=["tanpa-nomor", "nomor-lokal", "nomor-internasional"],
)
def test_whatsapp_link_carries_the_whole_text(text: str, phone: str | None, link: str) -> None:
    assert whatsapp_link(text, phone) == link


def test_status_gives_the_kasubbag_the_message_with_the_preview_address(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM, ROLES[:1])
    preview(site)
    lines = _status(site).splitlines()
    start = lines.index("    Pesan untuk Kasubbag Tekmas (Pejabat Sri):")
    assert lines[start - 1].startswith(ITEM)
    assert lines[start + 1 : start + 6] == [f"      {line}" for line in ASK_SRI.splitlines()]
    link = lines[start + 6].removeprefix("      WhatsApp: ")
    assert link.startswith(
        "https://wa.me/?text=Mohon%20persetujuan%20Kasubbag%20Tekmas%20"
        "%28Pejabat%20Sri%29%20untuk%20%22Rapat%20Pleno%22%20"
    )
    assert unquote(link.removeprefix("https://wa.me/?text=")) == ASK_SRI


def test_the_preview_panel_carries_the_same_message_and_link(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM, ROLES[:1])
    preview(site)
    html = page(site, "berita/rapat-pleno/")
    _, text = panel(html)
    assert f"Pesan untuk Kasubbag Tekmas (Pejabat Sri){ASK_SRI}Kirim lewat WhatsApp" in text
    assert f'href="{whatsapp_link(ASK_SRI)}"' in html


def test_status_json_gives_the_message_to_machines(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM, ROLES[:1])
    site.article("berita/lengkap.md", "Lengkap", "Isi.")
    site.approve_all("berita/lengkap.md")
    preview(site)
    rows = {r["item"]: r for r in json.loads(_status(site, "--json"))["items"]}
    assert rows[ITEM]["pesan"] == {
        "kepada": "Kasubbag Tekmas (Pejabat Sri)",
        "teks": ASK_SRI,
        "whatsapp": whatsapp_link(ASK_SRI),
    }
    assert "pesan" not in rows["berita/lengkap.md"]


def test_rejected_item_goes_back_to_the_writer_with_the_reason(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM, ROLES[:2])
    site.sign(ITEM, "sekretaris", decision="tolak", note="Sumber data kurang")
    preview(site)
    rows = {r["item"]: r for r in json.loads(_status(site, "--json"))["items"]}
    assert rows[ITEM]["pesan"]["kepada"] == "Pengampu Konsep (penulis)"
    assert rows[ITEM]["pesan"]["teks"] == (
        'Mohon perbaikan untuk "Rapat Pleno" (berita/rapat.md): ditolak Sekretaris: Sumber '
        "data kurang.\nPratinjau: http://127.0.0.1:8001/berita/rapat-pleno/\n"
        f"{ONLY_HERE}\nSetelah diperbaiki, ajukan kembali ke Web Admin."
    )


def test_a_naskah_that_needs_fixing_goes_back_to_the_writer_with_its_problems(
    site: Site,
) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.\n\n[ISI: kutipan narasumber]")
    rows = {r["item"]: r for r in json.loads(_status(site, "--json"))["items"]}
    message = rows[ITEM]["pesan"]
    assert message["kepada"] == "Pengampu Konsep (penulis)"
    lines = message["teks"].splitlines()
    assert (
        lines[0]
        == 'Naskah "Rapat Pleno" (berita/rapat.md) perlu diperbaiki sebelum dapat disetujui:'
    )
    assert (
        lines[1].startswith("- content/berita/rapat.md:")
        and "[ISI: kutipan narasumber]" in lines[1]
    )
    assert lines[-1] == "Setelah diperbaiki, ajukan kembali ke Web Admin."


def test_changed_item_asks_again_for_approval(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.approve_all(ITEM)
    site.article(ITEM, "Rapat Pleno", "Isi yang diubah.")
    rows = {r["item"]: r for r in json.loads(_status(site, "--json"))["items"]}
    assert rows[ITEM]["pesan"]["teks"].splitlines()[:2] == [
        'Mohon persetujuan ulang Web Admin (Pejabat Andi) untuk "Rapat Pleno" '
        "(berita/rapat.md): isinya berubah setelah disetujui.",
        "Pratinjau: belum dibangun (jalankan 'invoke preview').",
    ]


def test_preview_address_follows_the_configured_host(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    preview(site)
    [row] = json.loads(_status(site, "--json", preview_url="http://192.168.1.20:8001"))["items"]
    assert row["pesan"]["teks"].splitlines()[1:3] == [  # an address others open: no warning
        "Pratinjau: http://192.168.1.20:8001/berita/rapat-pleno/",
        "Setujui: invoke approve content/berita/rapat.md --role web-admin",
    ]


def test_a_local_link_on_another_port_names_that_port_for_the_receiver(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    preview(site)
    [row] = json.loads(_status(site, "--json", preview_url="http://localhost:8002"))["items"]
    assert row["pesan"]["teks"].splitlines()[1:3] == [
        "Pratinjau: http://localhost:8002/berita/rapat-pleno/",
        "(Alamat itu hanya terbuka di komputer pengirim. Di komputer Anda: git pull, "
        "lalu invoke watch --port 8002, lalu buka alamat yang sama.)",
    ]


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8001/berita/x/", True),
        ("http://127.8.0.3:8001/", True),
        ("http://localhost:8001/", True),
        ("http://[::1]:8001/", True),
        ("http://0.0.0.0:8001/", True),
        ("http://192.168.1.20:8001/", False),
        ("http://pratinjau.kpu-rembang.lan/", False),
        ("https://pratinjau.rembang.kpu.go.id/berita/x/", False),
    ],
    ids=lambda value: str(value),
)
def test_only_loopback_and_unspecified_addresses_are_local(url: str, local: bool) -> None:
    assert local_only(url) is local


def test_status_without_pesan_prints_no_messages(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    done = invoke("status", "--settings", str(site.settings))
    assert "Pesan untuk" not in done.stdout and "wa.me" not in done.stdout
