"""The rsync target: the site goes over SSH to a web server, changed files only.

Mode ``rilis`` (default) keeps the local target's layout on the server: every release in
``<path>/releases/<release>`` and a ``<path>/current`` symlink that the web server's
document root points at. rsync fills ``releases/.<release>.partial`` with
``--link-dest`` to the current release, so an unchanged file becomes a hard link to it
(no file data sent); only when the upload is complete is the folder renamed and
``current`` replaced with one ``rename`` (``mv -T``) on the server. A reader sees the old
site or the new one; a publish killed at any point leaves ``current`` as it was.

Mode ``langsung`` is for hosts whose document root cannot be a symlink. The changed files
are first uploaded into a staging folder beside the document root (``staging``, default
``<path>.kpu-unggah``; outside it, so nothing there is ever served, and on the same disk,
so unchanged files are hard links to the live ones), then a server-side
``rsync --delay-updates --delete-after`` copies them into place: new files are renamed in
only at the very end, removed files are deleted after that. During those renames
(milliseconds) a reader may see a mixture; a kill before them leaves the live site
unchanged, and the next publish reuses the staging folder. There is no previous release to
roll back to in this mode. Files the server keeps for itself in the document root
(``protect``, default ``.well-known/`` for certificates and ``.htaccess``) are never
deleted.

Flags: ``--checksum`` because Pelican writes every file anew (fresh mtimes), so rsync's
size-and-mtime check would resend the whole site; times are not preserved (no ``-t``)
so that an unchanged file can be hard-linked to the previous release (rsync links only
when the attributes match); symlinks are not sent (the output listing ignores them too,
and one could expose files of the server); ``--chmod=D755,F644`` so the web server can
read everything whatever the publisher's umask.

``Sent.bytes`` is rsync's "Total bytes sent": everything that left this machine for the
server, including the file list and checksums (a few dozen bytes per file even when
nothing changed), and counting a changed file only by what its delta actually needed.
That is the honest figure for an office uplink; "Total transferred file size" would count
whole files that the delta algorithm did not send. ``Sent.objects`` is rsync's
"Number of regular files transferred".
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

from approval_gate.api import options

from .. import interrupts
from ..failpoints import failpoint
from . import Plan, Sent, Target, TargetError, target_options
from .rsync_remote import STATE, Remote, itemized, local_files, parse_state, stats, switch_script
from .ssh import Ssh, ssh_for

MODES = ("rilis", "langsung")
STAGING = ".kpu-unggah"  # langsung mode: suffix of the default staging folder
RSYNC = (
    "rsync",
    "--recursive",
    "--perms",
    "--chmod=D755,F644",
    "--checksum",
    "--8-bit-output",
    "--out-format=%i %l %n",
)
_RELEASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _server_folder(value: Any) -> str:
    """Accept a folder on the server: no trailing slash, not an option (leading -)."""
    found = options.text(str(value) if isinstance(value, Path) else value).rstrip("/")
    if not found or found.startswith("-"):
        raise options.Invalid("")
    return found


class RsyncTarget(Target):
    """``{"type": "rsync", "host": "deploy@web.kpu.example", "path": "/srv/kpu"}``."""

    kind = "rsync"
    OPTIONS = target_options(
        options.Option(
            "host",
            "pengguna@server, mis. 'deploy@web.kpu.example'",
            options.text_of(pattern=r"[^\s-]\S*"),
            required=True,
        ),
        options.Option(
            "path", "folder di server, mis. '/srv/kpu-rembang'", _server_folder, required=True
        ),
        options.Option("port", "nomor port 1-65535", options.integer(1, 65535)),
        options.Option("mode", "'rilis' atau 'langsung'", options.choice(*MODES), default="rilis"),
        options.Option(
            "keep",
            "bilangan bulat >= 0 (jumlah rilis yang disimpan)",
            options.integer(0),
            default=20,
        ),
        options.Option(
            "staging",
            "folder di server di luar path (mode 'langsung')",
            options.optional(_server_folder),
        ),
        options.Option(
            "protect",
            "daftar nama berkas/folder di server yang tidak boleh dihapus",
            options.names,
            default=(".well-known/", ".htaccess"),
        ),
    )

    def configure(self, values: dict[str, Any]) -> None:
        """Keep the typed options; the staging folder must lie outside the site folder."""
        self.host: str = values["host"]
        self.path: str = values["path"]  # ``<path>/current`` is the document root in rilis
        self.port: int | None = values["port"]
        self.mode: str = values["mode"]
        self.keep: int = values["keep"]
        self.protect: list[str] = [
            f"--filter=P /{entry.lstrip('/')}" for entry in values["protect"]
        ]
        self.staging: str = values["staging"] or f"{self.path}{STAGING}"
        if self.mode == "langsung" and (
            f"{self.staging}/".startswith(f"{self.path}/")
            or f"{self.path}/".startswith(f"{self.staging}/")
        ):
            raise self.setting_error(
                "staging",
                f"({self.staging!r}) harus folder di luar "
                "folder situs (path), agar berkas yang belum dipasang "
                "tidak pernah tampil. Pilih folder lain.",
            )

    def _ssh(self) -> Ssh:
        return ssh_for(self, self.host, self.port)

    def describe(self) -> str:
        """Return the server folder readers are served from."""
        where = f"{self.host}:{self.path}"
        return f"rsync ke {where}/current" if self.mode == "rilis" else f"rsync ke {where}"

    def check(self) -> None:
        """Check credentials, then log in once (``ssh ... true``)."""
        self._ssh().run("true", "masuk ke server lewat SSH")

    def _state(self, ssh: Ssh) -> Remote:
        remote = parse_state(
            ssh.run(STATE.format(path=shlex.quote(self.path)), "membaca keadaan folder di server")
        )
        if self.mode == "rilis" and remote.not_a_link:
            raise TargetError(
                f"{self.path}/current di server {ssh.host} ada tetapi bukan "
                "symlink (mungkin bekas mode 'langsung'). Pindahkan isinya, "
                "atau pakai mode 'langsung'."
            )
        if self.mode == "langsung" and (remote.current or remote.releases):
            raise TargetError(
                f"{ssh.host}:{self.path} berisi rilis dari mode 'rilis'; mode "
                "'langsung' akan menghapusnya. Pakai mode 'rilis' atau folder "
                "lain."
            )
        return remote

    def _rsync(self, ssh: Ssh, args: list[str], doing: str) -> str:
        done = subprocess.run(
            [*RSYNC, "-e", ssh.shell(), *args],
            env=ssh.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
        if done.returncode != 0:
            raise ssh.fail(done.stderr or done.stdout, doing)
        return done.stdout

    def plan(self, output: Path) -> Plan:
        """Dry-run rsync against what the server serves now; nothing is changed."""
        ssh = self._ssh()
        remote = self._state(ssh)
        if self.mode == "rilis":
            base = f"{self.path}/releases/{remote.current}/" if remote.current else None
        else:
            base = f"{self.path}/" if remote.exists else None
        files = local_files(output)
        plan = Plan()
        if base is None:  # nothing there yet: every file is new
            plan.upload = sorted(files)
            plan.upload_bytes = sum((output / rel).stat().st_size for rel in files)
            return plan
        protect = self.protect if self.mode == "langsung" else []
        text = self._rsync(
            ssh,
            ["--dry-run", "--delete", *protect, f"{output}/", f"{ssh.host}:{base}"],
            "membandingkan dengan isi server",
        )
        sent, plan.delete = itemized(text)
        plan.upload = [name for name, _ in sent]
        plan.upload_bytes = sum(size for _, size in sent)
        plan.unchanged = len(files) - len(plan.upload)
        return plan

    def deploy(self, output: Path, release: str) -> Sent:
        """Upload the changed files, then make them live in one step (see module doc)."""
        if not _RELEASE.fullmatch(release):
            raise TargetError(f"Nama rilis tidak sah: {release!r}.")
        ssh = self._ssh()
        remote = self._state(ssh)
        if self.mode == "langsung":
            return self._deploy_in_place(ssh, remote, output)
        if release in remote.releases:
            raise TargetError(
                f"Rilis {release} sudah ada di {ssh.host}:{self.path}/releases;"
                " rilis tidak pernah ditimpa."
            )
        q = shlex.quote(self.path)
        ssh.run(
            f"mkdir -p -- {q}/releases && rm -rf -- {q}/releases/.*.partial",
            "menyiapkan folder rilis di server",
        )
        link = [f"--link-dest=../{remote.current}"] if remote.current else []
        counts = stats(
            self._rsync(
                ssh,
                [
                    "--delete",
                    "--stats",
                    *link,
                    f"{output}/",
                    f"{ssh.host}:{self.path}/releases/.{release}.partial/",
                ],
                "mengunggah rilis",
            )
        )
        sent = Sent(
            location=f"{ssh.host}:{self.path}/current",
            release=release,
            objects=counts.get("Number of regular files transferred", 0),
            bytes=counts.get("Total bytes sent", 0),
            deleted=len(remote.files - local_files(output)),
        )
        failpoint("upload")  # on the server, complete, but not live
        drop = (
            [n for n in sorted({*remote.releases, release})[: -self.keep] if n != release]
            if self.keep
            else []
        )
        interrupts.hold()  # the switch and its records finish (publishing/interrupts.py)
        ssh.run(switch_script(self.path, release, finish=True, drop=drop), "mengganti rilis aktif")
        return sent

    def _deploy_in_place(self, ssh: Ssh, remote: Remote, output: Path) -> Sent:
        q, staging = shlex.quote(self.path), self.staging
        live = ssh.run(
            f"mkdir -p -- {q} {shlex.quote(staging)} && cd -- {q} && pwd -P",
            "membuat folder di server",
        ).strip()  # absolute, for --link-dest
        counts = stats(
            self._rsync(
                ssh,
                [
                    "--delete",
                    "--stats",
                    f"--link-dest={live}",
                    f"{output}/",
                    f"{ssh.host}:{staging}/",
                ],
                "mengunggah berkas",
            )
        )
        sent = Sent(
            location=f"{ssh.host}:{self.path}",
            objects=counts.get("Number of regular files transferred", 0),
            bytes=counts.get("Total bytes sent", 0),
        )
        failpoint("upload")  # in the staging folder, nothing live has changed
        protect = " ".join(shlex.quote(f) for f in self.protect)
        interrupts.hold()  # the in-place update and its records finish
        applied = ssh.run(
            f"rsync --recursive --perms --checksum --delay-updates "
            f"--delete-after {protect} --out-format='%i %l %n' "
            f"{shlex.quote(staging)}/ {q}/ && rm -rf -- {shlex.quote(staging)}",
            "memasang berkas baru",
            unchanged=False,
        )
        sent.deleted = len(itemized(applied)[1])
        return sent

    def rollback(self, to: str) -> str:
        """Switch ``current`` on the server to the release ``to``."""
        if self.mode != "rilis":
            raise TargetError(
                f"Target '{self.name}' memakai mode 'langsung', yang tidak "
                "menyimpan rilis sebelumnya, jadi tidak bisa dikembalikan. "
                "Kembalikan dengan menerbitkan ulang isi lama, atau pakai "
                "mode 'rilis'."
            )
        ssh = self._ssh()
        remote = self._state(ssh)
        if to not in remote.releases:
            raise TargetError(
                f"Rilis {to} tidak ada lagi di {ssh.host}:{self.path}/releases (rilis lama "
                "dihapus bila melebihi 'keep'), jadi tidak bisa dikembalikan. Situs yang "
                "tayang tidak berubah."
            )
        interrupts.hold()
        ssh.run(switch_script(self.path, to), "mengembalikan rilis sebelumnya")
        return to
