"""Tasks of the web admin: build, serve, publish and roll back the site.

Glue only: the gated build and every publish step live in ``publishing``; these tasks
call it inside ``reported`` and print the result in Indonesian.
"""

from __future__ import annotations

from invoke import Context, task

from approval_gate.api import GateError, KpuError

from .cli import FAILED_BUILD_LOG, ROOT, reported, settings_file

#: What a refused publish says first: the gate refused, or the live site stayed as it was.
ABORTED = "Penerbitan DIBATALKAN"


def _aborted(error: KpuError) -> str:
    if isinstance(error, GateError):
        return f"{ABORTED}: "
    return f"{ABORTED}, situs tayang tidak berubah.\n"


@task(help={"settings": "berkas pengaturan (pelicanconf.py atau publishconf.py)"})
def build(c: Context, settings: str = "pelicanconf.py") -> None:
    """Bangun situs: hanya item yang disetujui lengkap yang masuk ke output/."""
    from publishing.build import build_site

    with reported("Build GAGAL: ", failed_log=ROOT / FAILED_BUILD_LOG):
        result = build_site(settings_file(settings), ROOT / "output")
    manifest = result.manifest
    print(
        f"Build selesai: {len(manifest['included'])} item terbit, "
        f"{len(manifest['excluded'])} ditahan -> {result.output}"
    )
    for entry in manifest["excluded"]:
        print(f"  ditahan: {entry['item']}: {entry['reason']}")
    if manifest["findings"]:
        print(f"Ada {len(manifest['findings'])} catatan masalah; lihat 'invoke status'.")


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
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from publishing.publish import published_folder

    if published:
        with reported():
            folder = published_folder(
                settings_file("publishconf.py" if settings == "pelicanconf.py" else settings)
            )
    else:
        build(c, settings=settings)
        folder = ROOT / "output"
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", int(port)), handler) as server:
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
) -> None:
    """Terbitkan satu commit: build bergerbang, audit, kirim ke target secara atomik, arsipkan."""
    from publishing.publish import publish as run_publish
    from publishing.summary import render

    path = settings_file(settings)
    with reported(_aborted, failed_log=path.parent / FAILED_BUILD_LOG):
        result = run_publish(
            path,
            target=target,
            dry_run=dry_run,
            demo=demo,
            commit=commit,
            allow_withdrawal=izinkan_penarikan,
        )
    print(render(result))
    print(f"  Dari commit {result.commit[:12]} (isi folder kerja tidak dibaca).")
    for skipped in result.skipped:
        print(f"  Dilewati (bukan berkas biasa, tidak diterbitkan): {skipped}")


@task(help={"target": "nama target di PUBLISH_TARGETS", "settings": "berkas pengaturan"})
def rollback(c: Context, target: str | None = None, settings: str = "publishconf.py") -> None:
    """Kembalikan situs tayang ke rilis yang tayang sebelumnya (tanpa build)."""
    from publishing.publish import rollback as run_rollback

    with reported("Rollback gagal: "):
        chosen, previous = run_rollback(settings_file(settings), target=target)
    print(
        f"Situs tayang di {chosen.describe()} kembali ke rilis {previous}.\n"
        "Catatan: arsip publikasi tidak diubah; jalankan 'invoke publish' untuk kembali "
        "ke isi terbaru."
    )
