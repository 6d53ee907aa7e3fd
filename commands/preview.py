"""Tasks ``preview`` and ``watch``: every item, approved or not, on pages never published.

Glue only: the preview is built by ``editorial.preview.build`` and served and rebuilt
by ``editorial.watch``. A preview that was made ends with exit 0 and one line per
problem it found (a broken item is a problem of that item, never a failure of the
preview); a preview that could not be made ends with "Pratinjau GAGAL: ", the message
and the preview's exit code (a stopped one, Ctrl-C or SIGTERM, with 130 or 143).
"""

from __future__ import annotations

import os
import signal
import threading

from invoke import Context, task

from approval_gate.api import Finding

from .cli import reported, settings_file

FAILED = "Pratinjau GAGAL: "
#: At most this many problems are printed; the preview's front page lists them all.
SHOWN_PROBLEMS = 50
#: What a preview stopped by Ctrl-C or SIGTERM says ({how}: who stopped it).
STOPPED = (
    FAILED + "dihentikan {how} sebelum selesai. Naskah dan situs tidak berubah; sisa "
    "pratinjau ini dibersihkan sendiri oleh 'invoke preview' atau 'invoke watch' berikutnya."
)


def problem_lines(problems: tuple[Finding, ...]) -> list[str]:
    """Return the lines that list a preview's problems (none when there are none)."""
    if not problems:
        return []
    lines = [
        f"Ada {len(problems)} masalah; item lain tetap dipratinjau dan halaman depan "
        "pratinjau mendaftar semuanya:"
    ]
    lines += [problem.render() for problem in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"... dan {len(problems) - SHOWN_PROBLEMS} masalah lain.")
    return lines


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
    with reported(FAILED, stopped=STOPPED):
        report = build_preview(path, preview_folder(path, output), url)
    lines = [
        f"Pratinjau selesai: {report.items} item ({report.unapproved} belum disetujui, "
        f"berbanner DRAF), {report.pages} halaman -> {report.output}"
    ]
    if report.recovered:
        lines.append(
            "Pratinjau sebelumnya tidak selesai (terhenti atau gagal); sisanya sudah dibersihkan."
        )
    lines += problem_lines(report.problems)
    lines.append(
        "Pratinjau TIDAK untuk diterbitkan. Sajikan dan perbarui otomatis dengan 'invoke watch'."
    )
    print("\n".join(lines))


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
