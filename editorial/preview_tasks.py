"""Tasks ``preview`` and ``watch`` (imported by tasks.py, listed by ``invoke --list``).

Glue only: the preview is built by ``preview_build`` and served and rebuilt by
``preview_watch``. Failures end with an Indonesian message and an exit code.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from invoke import Context, Exit, task

ROOT = Path(__file__).absolute().parent.parent


def _failed(error: Any) -> Exit:
    render = getattr(error, "render", None)
    text = render() if callable(render) else f"{error}; lihat pesan Pelican di atas."
    return Exit(f"Pratinjau GAGAL: {text}", code=getattr(error, "exit_code", 30))


def _output(settings_file: Path, output: str | None) -> Path:
    from .handoff import default_preview_dir

    return Path(output).absolute() if output else default_preview_dir(settings_file)


@task(help={"settings": "berkas pengaturan situs (bawaan pelicanconf.py)",
            "output": "folder pratinjau (bawaan var/pratinjau)",
            "url": "alamat pratinjau untuk pesan serah terima (bawaan http://127.0.0.1:8001/)"})
def preview(c: Context, settings: str = "pelicanconf.py", output: str | None = None,
            url: str | None = None) -> None:
    """Bangun pratinjau SEMUA item, juga yang belum disetujui, ke var/pratinjau/ (tak terbit)."""
    from approval_gate.errors import GateError

    from .preview_build import build_preview
    from .preview_errors import PreviewError

    settings_file = ROOT / settings
    try:
        report = build_preview(settings_file, _output(settings_file, output), url)
    except (GateError, PreviewError, RuntimeError) as error:
        raise _failed(error) from None
    print(f"Pratinjau selesai: {report.items} item ({report.unapproved} belum disetujui, "
          f"berbanner DRAF), {report.pages} halaman -> {report.output}\n"
          "Pratinjau TIDAK untuk diterbitkan. Sajikan dan perbarui otomatis dengan "
          "'invoke watch'.")


@task(help={"port": "port lokal (bawaan 8001; 0 = pilih bebas)",
            "bind": "alamat dengar (bawaan 127.0.0.1: hanya komputer ini)",
            "settings": "berkas pengaturan situs", "output": "folder pratinjau",
            "url": "alamat pratinjau untuk pesan serah terima (mis. alamat komputer di LAN)",
            "log": "catat setiap permintaan HTTP"})
def watch(c: Context, port: int = 8001, bind: str = "127.0.0.1",
          settings: str = "pelicanconf.py", output: str | None = None,
          url: str | None = None, log: bool = False) -> None:
    """Sajikan pratinjau dan bangun ulang otomatis saat naskah/persetujuan/tema berubah."""
    from approval_gate.errors import GateError

    from .handoff import PREVIEW_URL_ENV
    from .preview_errors import PreviewError
    from .preview_settings import check_folder
    from .preview_watch import Watcher

    settings_file = ROOT / settings
    folder = _output(settings_file, output)
    try:
        from approval_gate.settings import read_settings_file

        check_folder(folder, read_settings_file(settings_file), settings_file)
        watcher = Watcher(settings_file, folder, bind, int(port),
                          url or os.environ.get(PREVIEW_URL_ENV), lambda text: print(
                              text, flush=True), verbose=log)
    except (GateError, PreviewError) as error:
        raise _failed(error) from None
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
