"""Tasks ``preview`` and ``watch``: every item, approved or not, on pages never published.

Glue only: the preview is built by ``editorial.preview.build`` and served and rebuilt
by ``editorial.watch``. Failures end with "Pratinjau GAGAL: ", the message and the
preview's exit code.
"""

from __future__ import annotations

import os
import signal
import threading

from invoke import Context, task

from .cli import reported, settings_file

FAILED = "Pratinjau GAGAL: "


@task(
    help={
        "settings": "berkas pengaturan situs (bawaan pelicanconf.py)",
        "output": "folder pratinjau (bawaan var/pratinjau)",
        "url": "alamat pratinjau untuk pesan serah terima (bawaan http://127.0.0.1:8001/)",
    }
)
def preview(
    c: Context, settings: str = "pelicanconf.py", output: str | None = None, url: str | None = None
) -> None:
    """Bangun pratinjau SEMUA item, juga yang belum disetujui, ke var/pratinjau/ (tak terbit)."""
    from editorial.handoff import preview_folder
    from editorial.preview.build import build_preview

    path = settings_file(settings)
    with reported(FAILED):
        report = build_preview(path, preview_folder(path, output), url)
    print(
        f"Pratinjau selesai: {report.items} item ({report.unapproved} belum disetujui, "
        f"berbanner DRAF), {report.pages} halaman -> {report.output}\n"
        "Pratinjau TIDAK untuk diterbitkan. Sajikan dan perbarui otomatis dengan "
        "'invoke watch'."
    )


@task(
    help={
        "port": "port lokal (bawaan 8001; 0 = pilih bebas)",
        "bind": "alamat dengar (bawaan 127.0.0.1: hanya komputer ini)",
        "settings": "berkas pengaturan situs",
        "output": "folder pratinjau",
        "url": "alamat pratinjau untuk pesan serah terima (mis. alamat komputer di LAN)",
        "log": "catat setiap permintaan HTTP",
    }
)
def watch(
    c: Context,
    port: int = 8001,
    bind: str = "127.0.0.1",
    settings: str = "pelicanconf.py",
    output: str | None = None,
    url: str | None = None,
    log: bool = False,
) -> None:
    """Sajikan pratinjau dan bangun ulang otomatis saat naskah/persetujuan/tema berubah."""
    from editorial.handoff import PREVIEW_URL_ENV, preview_folder
    from editorial.watch.watcher import Watcher

    path = settings_file(settings)
    with reported(FAILED):
        watcher = Watcher(
            path,
            preview_folder(path, output),
            bind,
            int(port),
            url or os.environ.get(PREVIEW_URL_ENV),
            lambda text: print(text, flush=True),
            verbose=log,
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    watcher.start()
    try:
        watcher.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.close()
        print("Pratinjau berhenti.", flush=True)
