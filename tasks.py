"""Commands for writers, approvers and the web admin (``invoke --list``).

Everything here is glue: the rules live in ``plugins/approval_gate`` and the build in
``publishing``. Failures end with an Indonesian message and an exit code, no traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

DEFAULT_KEY = Path.home() / ".ssh" / "kpu-rembang_ed25519"


def _gate(settings: str = "pelicanconf.py"):  # type: ignore[no-untyped-def]
    """Load settings, roster and ledger the way the build does (imports are lazy)."""
    from approval_gate.api import KpuError, open_ledger

    try:
        return open_ledger(ROOT / settings)
    except KpuError as error:
        raise Exit(error.render(), code=error.exit_code) from None


def _item(ledger, item: str) -> str:  # type: ignore[no-untyped-def]
    path = Path(item)
    if path.is_absolute():
        path = path.relative_to(ledger.content)
    elif path.parts and path.parts[0] == "content":
        path = Path(*path.parts[1:])
    return path.as_posix()


@task(help={"settings": "berkas pengaturan (pelicanconf.py atau publishconf.py)"})
def build(c, settings="pelicanconf.py"):
    """Bangun situs: hanya item yang disetujui lengkap yang masuk ke output/."""
    from publishing.build import BuildFailed, build_site

    try:
        result = build_site(ROOT / settings, ROOT / "output")
    except BuildFailed as error:
        log = ROOT / "var" / "build-gagal.log"
        log.parent.mkdir(exist_ok=True)
        log.write_text(error.log)
        raise Exit(f"Build GAGAL: {error.message}\nCatatan lengkap: {log}",
                   code=error.exit_code) from None
    manifest = result.manifest
    print(f"Build selesai: {len(manifest['included'])} item terbit, "
          f"{len(manifest['excluded'])} ditahan -> {result.output}")
    for entry in manifest["excluded"]:
        print(f"  ditahan: {entry['item']}: {entry['reason']}")
    if manifest["findings"]:
        print(f"Ada {len(manifest['findings'])} catatan masalah; lihat 'invoke status'.")


def _published_folder(settings: str) -> Path:
    """Return the ``current`` folder of the local publishing target."""
    from approval_gate.settings import read_settings_file
    from publishing.config import load_config
    from publishing.targets import TargetError

    try:
        config = load_config(read_settings_file(ROOT / settings), settings)
    except TargetError as error:
        raise Exit(str(error), code=error.exit_code) from None
    local = next((o for o in config.targets.values() if o["type"] == "lokal"), None)
    if local is None:
        raise Exit(f"Tidak ada target lokal di PUBLISH_TARGETS ({settings}).", code=3)
    current = ROOT / local.get("path", "var/situs") / "current"
    if not current.is_dir():
        raise Exit(f"Belum ada situs terbit di {current}. Jalankan 'invoke publish' dulu.",
                   code=12)
    return current


@task(help={"port": "port lokal", "settings": "berkas pengaturan",
            "published": "sajikan situs yang sudah terbit (target lokal), tanpa build"})
def serve(c, port=8000, settings="pelicanconf.py", published=False):
    """Bangun lalu sajikan situs di http://127.0.0.1:PORT (Ctrl-C untuk berhenti)."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    if published:
        folder = _published_folder("publishconf.py" if settings == "pelicanconf.py"
                                   else settings)
    else:
        build(c, settings=settings)
        folder = ROOT / "output"
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    with ThreadingHTTPServer(("127.0.0.1", int(port)), handler) as server:
        print(f"Situs tersaji di http://127.0.0.1:{port}/ dari {folder} (Ctrl-C untuk "
              "berhenti)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


@task(help={"target": "nama target di PUBLISH_TARGETS (bawaan: PUBLISH_TARGET)",
            "dry_run": "tunjukkan apa yang akan terbit dan dikirim, tanpa mengubah apa pun",
            "demo": "situs contoh dengan kunci CONTOH, ke target lokal saja",
            "settings": "berkas pengaturan penerbitan"})
def publish(c, target=None, dry_run=False, demo=False, settings="publishconf.py"):
    """Terbitkan: build bergerbang, audit, kirim ke target secara atomik, lalu arsipkan."""
    from approval_gate.errors import GateError
    from publishing.build import BuildFailed
    from publishing.lock import LockHeld
    from publishing.publish import publish as run_publish
    from publishing.summary import render
    from publishing.targets import TargetError

    try:
        result = run_publish(ROOT / settings, target=target, dry_run=dry_run, demo=demo)
    except BuildFailed as error:
        log = (ROOT / settings).parent / "var" / "build-gagal.log"
        log.parent.mkdir(exist_ok=True)
        log.write_text(error.log)
        raise Exit(f"Penerbitan DIBATALKAN, situs tayang tidak berubah.\n{error.message}\n"
                   f"Catatan lengkap: {log}", code=error.exit_code) from None
    except GateError as error:
        raise Exit(f"Penerbitan DIBATALKAN: {error.render()}", code=error.exit_code) from None
    except (LockHeld, TargetError) as error:
        raise Exit(f"Penerbitan DIBATALKAN, situs tayang tidak berubah.\n{error}",
                   code=error.exit_code) from None
    print(render(result))


@task(help={"target": "nama target di PUBLISH_TARGETS", "settings": "berkas pengaturan"})
def rollback(c, target=None, settings="publishconf.py"):
    """Kembalikan situs tayang ke rilis sebelumnya (tanpa build)."""
    from approval_gate.errors import GateError
    from publishing.lock import LockHeld, publish_lock
    from publishing.publish import prepare
    from publishing.targets import TargetError

    try:
        chosen = prepare(ROOT / settings, target, dict(os.environ), demo=False).target
        with publish_lock(ROOT / "var" / "publish.lock"):
            previous = chosen.rollback()
    except GateError as error:
        raise Exit(f"Rollback gagal: {error.render()}", code=error.exit_code) from None
    except (LockHeld, TargetError) as error:
        raise Exit(f"Rollback gagal: {error}", code=error.exit_code) from None
    print(f"Situs tayang di {chosen.describe()} kembali ke rilis {previous}.\n"
          "Catatan: arsip publikasi tidak diubah; jalankan 'invoke publish' untuk kembali "
          "ke isi terbaru.")


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return "-"
    hours, mins = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}h {hours}j {mins}m" if days else f"{hours}j {mins}m" if hours else f"{mins}m"


@task(name="status", help={"json": "keluaran JSON untuk mesin",
                           "settings": "berkas pengaturan",
                           "pesan": "sertakan pesan serah terima (teks dan tautan WhatsApp)"})
def status_(c, json_=False, settings="pelicanconf.py", pesan=False):
    """Tampilkan posisi setiap item dalam alur SOP dan siapa yang harus bertindak."""
    from approval_gate.api import discover_items, status_rows

    ledger = _gate(settings)
    items = discover_items(ledger.content)
    rows = status_rows(ledger, items)
    ledger.save_cache()
    orphans = ledger.orphans(set(items))
    from editorial.handoff import status_messages, with_message

    messages = status_messages(ledger, [r.verdict for r in rows], ROOT / settings) \
        if pesan else {}
    if json_:
        print(json.dumps({"now": ledger.now.isoformat(), "roster_version": ledger.roster.version,
                          "items": [with_message(row.as_dict(), messages) for row in rows],
                          "problems": [f.as_dict() for f in orphans]},
                         ensure_ascii=False, indent=2))
        return
    width = max((len(row.verdict.item) for row in rows), default=4)
    print(f"{'ITEM':<{width}}  {'STATUS':<48}  {'MENUNGGU':>10}  STANDAR")
    for row in rows:
        waited = _duration(row.waited_minutes)
        standard = f"{row.standard_minutes}m" if row.standard_minutes else "-"
        flag = "  TERLAMBAT" if row.overdue else ""
        print(f"{row.verdict.item:<{width}}  {row.verdict.reason[:48]:<48}  {waited:>10}  "
              f"{standard}{flag}")
        if len(row.verdict.reason) > 48:
            print(f"    {row.verdict.reason}")
        for finding in row.verdict.findings:
            print(f"    ! {finding.render()}")
        if row.verdict.item in messages:
            print(messages[row.verdict.item].render())
    for finding in orphans:
        print(f"! {finding.render()}")
    ready = sum(row.verdict.publishable for row in rows)
    print(f"\n{ready} dari {len(rows)} item siap terbit.")


def _decide(item: str, role: str, decision: str, note: str, key: str | None,
            settings: str) -> None:
    from approval_gate.decide import decide
    from approval_gate.errors import GateError

    ledger = _gate(settings)
    key_file = Path(key or os.environ.get("KPU_SIGNING_KEY") or DEFAULT_KEY).expanduser()
    try:
        made = decide(ledger, _item(ledger, item), role, decision, note, key_file, ledger.now)
    except GateError as error:
        raise Exit(f"Tidak ditandatangani: {error.render()}", code=error.exit_code) from None
    word = "DISETUJUI" if decision == "setuju" else "DITOLAK"
    print(f"{word} oleh {made.signer} sebagai {made.role}: {made.item}\n"
          f"  berkas: {made.path.relative_to(ledger.approvals.parent)}\n  digest: {made.digest}\n"
          "  Langkah berikut: commit berkas itu ke repositori, lalu lihat 'invoke status'.")


@task(help={"item": "jalur item di bawah content/", "role": "peran Anda (mis. web-admin)",
            "key": "kunci SSH Anda (bawaan ~/.ssh/kpu-rembang_ed25519)",
            "settings": "berkas pengaturan"})
def approve(c, item, role, key=None, settings="pelicanconf.py"):
    """Setujui versi terkini sebuah item dengan tanda tangan SSH Anda."""
    _decide(item, role, "setuju", "", key, settings)


@task(help={"item": "jalur item di bawah content/", "role": "peran Anda",
            "note": "alasan penolakan (wajib)", "key": "kunci SSH Anda",
            "settings": "berkas pengaturan"})
def reject(c, item, role, note="", key=None, settings="pelicanconf.py"):
    """Tolak versi terkini sebuah item, dengan alasan, sehingga kembali ke penulis."""
    _decide(item, role, "tolak", note, key, settings)


@task(help={"name": "nama Anda (komentar kunci)", "file": "lokasi kunci baru",
            "no_passphrase": "tanpa frasa sandi (hanya untuk uji/otomasi)"})
def keygen(c, name, file=None, no_passphrase=False):
    """Buat kunci tanda tangan SSH baru untuk seorang pejabat penyetuju."""
    import subprocess

    from approval_gate.signatures import fingerprint, normalise_key

    target = Path(file or DEFAULT_KEY).expanduser()
    if target.exists():
        raise Exit(f"Kunci sudah ada: {target}. Tidak ditimpa; pakai --file untuk lokasi lain.",
                   code=6)
    target.parent.mkdir(parents=True, exist_ok=True)
    command = ["ssh-keygen", "-q", "-t", "ed25519", "-f", str(target), "-C", name]
    if no_passphrase:
        command += ["-N", ""]
    if subprocess.run(command, check=False).returncode != 0:
        raise Exit("ssh-keygen gagal membuat kunci.", code=6)
    public = normalise_key(Path(f"{target}.pub").read_text())
    print(f"Kunci dibuat: {target}\nKunci publik (kirim ke Ketua KPU untuk roster):\n"
          f"  {public}\nSidik jari: {fingerprint(public)}")


@task(name="allowed-signers", help={"output": "tulis ke berkas ini (bawaan: layar)",
                                    "settings": "berkas pengaturan"})
def allowed_signers_(c, output=None, settings="pelicanconf.py"):
    """Ekspor roster sebagai berkas allowed_signers untuk 'ssh-keygen -Y verify'."""
    from approval_gate.allowed import allowed_signers

    text = allowed_signers(_gate(settings).roster)
    if output:
        Path(output).write_text(text)
        print(f"Ditulis: {output}")
    else:
        print(text, end="")


@task(name="sign-roster", help={"key": "kunci jangkar Ketua KPU",
                                "approvals": "folder approvals/ (bawaan: milik proyek ini)"})
def sign_roster(c, key, approvals=None):
    """(Ketua KPU) Tandatangani approvals/roster.yml dengan kunci jangkar."""
    from approval_gate.signatures import ROSTER_NAMESPACE, SignatureInvalid, fingerprint, \
        sign_with_ssh_keygen, signing_key

    roster = Path(approvals or ROOT / "approvals") / "roster.yml"
    payload = roster.read_bytes()
    try:
        signature = sign_with_ssh_keygen(payload, Path(key).expanduser(), ROSTER_NAMESPACE)
    except SignatureInvalid as error:
        raise Exit(f"Roster tidak ditandatangani: {error}.", code=6) from None
    (roster.parent / "roster.yml.sig").write_text(signature)
    anchor = fingerprint(signing_key(payload, signature, ROSTER_NAMESPACE))
    print(f"Roster ditandatangani. Sidik jari jangkar: {anchor}\n"
          "Pasang di mesin penerbit: KPU_ROSTER_ANCHOR atau ~/.config/kpu-rembang/roster-anchor")


from editorial.workflow_tasks import new, report, sheet  # noqa: E402,F401
from editorial.preview_tasks import preview, watch  # noqa: E402,F401
