"""Tasks of the web admin: build, serve, publish and roll back the site.

Glue only: the gated build and every publish step live in ``publishing``; these tasks
call it inside ``reported`` and print the result in Indonesian.
"""

from __future__ import annotations

from invoke import Context, task

from approval_gate.api import GateError, KpuError

from .cli import FAILED_BUILD_LOG, ROOT, reported, settings_file, stopped_exit

#: What a refused publish says first: the gate refused, or the live site stayed as it was.
ABORTED = "Penerbitan DIBATALKAN"


#: What a publish or rollback stopped by Ctrl-C or SIGTERM says ({how}: who stopped it).
PUBLISH_STOPPED = (
    "Penerbitan dihentikan {how}; situs tayang tidak berubah dan folder sementaranya "
    "sudah dibersihkan."
)
BUILD_STOPPED = "Build dihentikan {how}; output/ tidak berubah."
ROLLBACK_STOPPED = "Rollback dihentikan {how}; situs tayang tidak berubah."
#: A signal that arrived during the switch: the work finished first (the summary above).
FINISHED_FIRST = "Dihentikan {how} saat situs sedang dialihkan; {what} diselesaikan lebih dulu."


def _aborted(error: KpuError) -> str:
    from publishing.faults import Unfinished

    if isinstance(error, GateError):
        return f"{ABORTED}: "
    if isinstance(error, Unfinished):  # live already: never "unchanged"
        return "Penerbitan BELUM LENGKAP: "
    return f"{ABORTED}, situs tayang tidak berubah.\n"


def _rollback_failed(error: KpuError) -> str:
    from publishing.faults import Unfinished

    return "Rollback BELUM LENGKAP: " if isinstance(error, Unfinished) else "Rollback gagal: "


@task(help={"settings": "berkas pengaturan (pelicanconf.py atau publishconf.py)"})
def build(c: Context, settings: str = "pelicanconf.py") -> None:
    """Bangun situs: hanya item yang disetujui lengkap yang masuk ke output/."""
    from publishing.build import build_site
    from publishing.gc_thresholds import collecting_less
    from publishing.problems import PROBLEMS_FILE, held_lines, report_problems

    from .cli import shown

    with (
        reported("Build GAGAL: ", failed_log=ROOT / FAILED_BUILD_LOG, stopped=BUILD_STOPPED),
        collecting_less(),  # its objects live until the build ends (gc_thresholds.py)
    ):
        result = build_site(settings_file(settings), ROOT / "output")
    manifest = result.manifest
    print(
        f"Build selesai: {len(manifest['included'])} item terbit, "
        f"{len(manifest['excluded'])} ditahan -> {result.output}"
    )
    for line in held_lines(manifest):
        print(line)
    full_list = ROOT / PROBLEMS_FILE  # the first problems on screen, all of them here
    for line in report_problems(
        manifest, full_list, shown(full_list), result.log, warnings=result.warnings
    ):
        print(line)


@task(
    help={
        "port": "port lokal",
        "settings": "berkas pengaturan",
        "published": "sajikan situs yang sudah terbit (target lokal), tanpa build",
    }
)
def serve(
    c: Context, port: int = 8000, settings: str = "pelicanconf.py", published: bool = False
) -> None:
    """Bangun lalu sajikan situs di http://127.0.0.1:PORT (Ctrl-C untuk berhenti)."""
    from approval_gate.api import read_settings_file

    from publishing.publish import published_folder
    from publishing.serve import open_server, site_urls

    name = "publishconf.py" if published and settings == "pelicanconf.py" else settings
    with reported():
        folder = published_folder(settings_file(name)) if published else ROOT / "output"
        # The site's own address (published: the production host) is served as this one.
        urls = site_urls(read_settings_file(settings_file(name)), folder)
        server = open_server(folder, int(port), urls)  # the port first: no build for nothing
    with server:
        if not published:
            build(c, settings=settings)
        print(f"Situs tersaji di http://127.0.0.1:{port}/ dari {folder} (Ctrl-C untuk berhenti)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


@task(
    help={
        "target": "nama target di PUBLISH_TARGETS (bawaan: PUBLISH_TARGET)",
        "dry_run": "tunjukkan apa yang akan terbit dan dikirim, tanpa mengubah apa pun",
        "demo": "situs contoh dengan kunci CONTOH, ke target lokal saja",
        "settings": "berkas pengaturan penerbitan",
        "commit": "commit yang diterbitkan (bawaan: HEAD); isi folder kerja tidak pernah dibaca",
        "izinkan_penarikan": "izinkan menurunkan lebih banyak item tayang daripada batas "
        "PUBLISH_MAX_WITHDRAWAL (bawaan 20%)",
        "kemajuan": "tampilkan setiap langkah begitu selesai (dipakai Meja Persetujuan)",
    }
)
def publish(
    c: Context,
    target: str | None = None,
    dry_run: bool = False,
    demo: bool = False,
    settings: str = "publishconf.py",
    commit: str | None = None,
    izinkan_penarikan: bool = False,
    kemajuan: bool = False,
) -> None:
    """Terbitkan satu commit: build bergerbang, audit, kirim ke target secara atomik, arsipkan."""
    from publishing.problems import PUBLISH_PROBLEMS_FILE, report_problems
    from publishing.publish import publish as run_publish
    from publishing.summary import render

    from .cli import shown

    path = settings_file(settings)
    with reported(_aborted, failed_log=path.parent / FAILED_BUILD_LOG, stopped=PUBLISH_STOPPED):
        result = run_publish(
            path,
            target=target,
            dry_run=dry_run,
            demo=demo,
            commit=commit,
            allow_withdrawal=izinkan_penarikan,
            progress=(lambda line: print(line, flush=True)) if kemajuan else None,
        )
    print(render(result))
    print(f"  Dari commit {result.commit[:12]} (isi folder kerja tidak dibaca).")
    for skipped in result.skipped:
        print(f"  Dilewati (bukan berkas biasa, tidak diterbitkan): {skipped}")
    full_list = path.parent / PUBLISH_PROBLEMS_FILE  # the first problems on screen, all here
    for line in report_problems(
        result.manifest, full_list, shown(full_list), warnings=result.warnings
    ):
        print(line)
    if result.interrupted is not None:
        raise stopped_exit(result.interrupted, FINISHED_FIRST.replace("{what}", "penerbitan"))


@task(
    help={
        "target": "nama target di PUBLISH_TARGETS",
        "settings": "berkas pengaturan",
        "demo": "rilis situs contoh (yang diterbitkan dengan --demo)",
    }
)
def rollback(
    c: Context, target: str | None = None, settings: str = "publishconf.py", demo: bool = False
) -> None:
    """Kembalikan situs tayang ke rilis yang tayang sebelumnya (tanpa build)."""
    from publishing.rollback import rollback as run_rollback

    with reported(_rollback_failed, stopped=ROLLBACK_STOPPED):
        chosen, previous, interrupted = run_rollback(
            settings_file(settings), target=target, demo=demo
        )
    print(
        f"Situs tayang di {chosen.describe()} kembali ke rilis {previous}.\n"
        "Catatan: arsip publikasi tidak diubah; jalankan 'invoke publish' untuk kembali "
        "ke isi terbaru."
    )
    if interrupted is not None:
        raise stopped_exit(interrupted, FINISHED_FIRST.replace("{what}", "rollback"))
