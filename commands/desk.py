"""Task ``meja``: the approval desk for phones, and its invitations (docs/desk.md).

Glue only: the desk lives in ``desk/``; this starts it (waitress) and prints where it
listens, or makes an invitation link from the command line (the first web admin's,
before anybody can log in to the desk).
"""

from __future__ import annotations

from invoke import Context, task

from .cli import reported, settings_file


@task(
    help={
        "settings": "berkas pengaturan situs (bawaan pelicanconf.py)",
        "host": "alamat dengar (bawaan 127.0.0.1; di balik proxy HTTPS)",
        "port": "port (bawaan 8002)",
        "origin": "alamat meja yang dibuka orang, mis. https://meja.kpu-rembang.go.id",
    }
)
def meja(
    c: Context,
    settings: str = "pelicanconf.py",
    host: str = "127.0.0.1",
    port: int = 8002,
    origin: str | None = None,
) -> None:
    """Jalankan Meja Persetujuan: alur SOP lewat ponsel, dengan passkey."""
    from desk.server import Running
    from desk.settings import read_desk_settings

    with reported():
        desk = Running(read_desk_settings(settings_file(settings), origin=origin), host, port)
    origin = desk.app.config["MEJA_SETTINGS"].origin
    print(
        f"Meja Persetujuan berjalan di http://{host}:{desk.port}/ (dibuka sebagai {origin}).\n"
        "Hentikan dengan Ctrl-C."
    )
    with reported():
        desk.serve_forever()  # Ctrl-C or SIGTERM (systemd's stop) ends it cleanly
    print("Meja Persetujuan berhenti; sesi dan undangan tersimpan untuk saat dijalankan lagi.")


@task(
    name="meja-undang",
    help={
        "nama": "nama lengkap orang yang diundang",
        "peran": "penulis, web-admin, kasubbag-tekmas, sekretaris atau komisioner",
        "akun": "id orang (untuk pejabat: id-nya di roster; bawaan dari nama)",
        "settings": "berkas pengaturan situs",
        "origin": "alamat meja (bawaan MEJA_ORIGIN)",
    },
)
def meja_undang(
    c: Context,
    nama: str,
    peran: str,
    akun: str | None = None,
    settings: str = "pelicanconf.py",
    origin: str | None = None,
) -> None:
    """Buat tautan undangan sekali pakai ke Meja Persetujuan (untuk dibuka di ponsel)."""
    from desk.invitations import invite_from_cli
    from desk.settings import read_desk_settings

    with reported():
        link, expires = invite_from_cli(
            read_desk_settings(settings_file(settings), origin=origin), nama, peran, akun
        )
    print(
        f"Undangan untuk {nama} ({peran}), berlaku sampai {expires}:\n  {link}\n"
        "Kirim tautan ini hanya kepada orangnya; tautan berlaku sekali."
    )
