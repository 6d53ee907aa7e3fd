"""SSH access to a web server for the rsync target: one command line, never a prompt.

``BatchMode=yes`` makes a missing key or a passphrase fail at once instead of waiting for
someone to type; ``StrictHostKeyChecking=yes`` refuses an unknown or changed host key
instead of accepting it silently (a machine in the middle would otherwise receive the
site and could serve anything under the KPU's name). The key comes from the environment
(``KPU_RSYNC_SSH_KEY``) or a running ssh-agent, never from the repository; with
``KPU_SSH_KNOWN_HOSTS`` that file is the only source of trusted host keys.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import Target, TargetError, credential

KEY_VARIABLE = "KPU_RSYNC_SSH_KEY"
KNOWN_HOSTS_VARIABLE = "KPU_SSH_KNOWN_HOSTS"

#: (text ssh prints, what it means for the person publishing), first match wins.
_DIAGNOSES = (
    (
        ("Host key verification failed", "HOST IDENTIFICATION HAS CHANGED", "host key is known"),
        "kunci host server {host} tidak dikenal atau berubah, jadi sambungan ditolak demi "
        "keamanan. Cocokkan sidik jari kunci host dengan pengelola server (ssh-keygen -lf), "
        "lalu tambahkan baris kunci itu ke berkas known_hosts ({known})",
    ),
    (
        ("UNPROTECTED PRIVATE KEY FILE", "bad permissions"),
        "berkas kunci privat SSH dapat dibaca orang lain, sehingga ssh menolak memakainya. "
        "Jalankan: chmod 600 <berkas kunci>",
    ),
    (
        ("Permission denied", "Too many authentication failures"),
        "server {host} menolak kunci SSH. Pastikan kunci publiknya ada di authorized_keys "
        "pengguna itu di server, dan KPU_RSYNC_SSH_KEY atau ssh-agent memakai kunci yang benar "
        "(kunci berkata sandi harus dimuat ke ssh-agent dengan ssh-add)",
    ),
    (
        (
            "Connection refused",
            "Could not resolve",
            "timed out",
            "No route to host",
            "Network is unreachable",
            "Connection closed",
            "Connection reset",
        ),
        "server {host} tidak dapat dihubungi. Periksa nama host, port dan jaringan",
    ),
    (
        ("rsync: command not found", "rsync: not found", "protocol version mismatch"),
        "rsync tidak tersedia atau tidak cocok di server {host}. Minta pengelola server "
        "memasang rsync",
    ),
)


def explain(stderr: str, host: str, known: str) -> str:
    """Return an Indonesian sentence for an ssh/rsync failure, with ssh's own last lines."""
    tail = " | ".join(line.strip() for line in stderr.strip().splitlines()[-3:])
    for needles, text in _DIAGNOSES:
        if any(needle in stderr for needle in needles):
            return f"{text.format(host=host, known=known)}. (Pesan ssh: {tail})"
    return f"perintah ke server {host} gagal. (Pesan: {tail or 'tidak ada'})"


@dataclass(frozen=True)
class Ssh:
    """How to reach one server: the ssh options, the host and the environment to pass."""

    target: str  # target name, for messages
    host: str
    options: tuple[str, ...]
    env: dict[str, str]
    known: str  # where trusted host keys come from, for messages

    def command(self) -> list[str]:
        """Return the ssh command without host (what rsync's ``-e`` needs)."""
        return ["ssh", *self.options]

    def shell(self) -> str:
        """Return ``command()`` as one string for ``rsync -e`` (rsync splits on spaces)."""
        return shlex.join(self.command())

    def fail(self, stderr: str, doing: str, *, unchanged: bool = True) -> TargetError:
        """Return the error for a failed ``doing`` at this server."""
        after = (
            "Situs di server tidak berubah oleh kegagalan ini."
            if unchanged
            else "Sebagian berkas situs di server mungkin sudah diganti; perbaiki masalahnya "
            "lalu terbitkan ulang untuk menyelesaikannya."
        )
        return TargetError(
            f"Target '{self.target}': gagal {doing}: "
            f"{explain(stderr, self.host, self.known)}. {after}"
        )

    def run(self, script: str, doing: str, *, unchanged: bool = True) -> str:
        """Run a POSIX shell ``script`` on the server; return its output or raise."""
        done = subprocess.run(
            [*self.command(), "--", self.host, script],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
        if done.returncode != 0:
            raise self.fail(done.stderr or done.stdout, doing, unchanged=unchanged)
        return done.stdout


def ssh_for(target: Target, host: str, port: int | None) -> Ssh:
    """Return the ssh access to ``host`` (checked options), or raise if credentials lack."""
    options = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=30"]
    known = target.env.get(KNOWN_HOSTS_VARIABLE, "")
    trusted = "~/.ssh/known_hosts"
    if known:
        path = target.root / Path(known).expanduser()
        trusted = str(path)
        if not path.is_file():
            raise TargetError(
                f"Variabel lingkungan {KNOWN_HOSTS_VARIABLE} menunjuk ke "
                f"{path}, tetapi berkas itu tidak ada. Buat berkas known_hosts "
                "berisi kunci host server, atau kosongkan variabel itu."
            )
        options += ["-o", f'UserKnownHostsFile="{path}"', "-o", "GlobalKnownHostsFile=/dev/null"]
    key = target.env.get(KEY_VARIABLE, "")
    if key:
        path = target.root / Path(key).expanduser()
        if not path.is_file():
            raise TargetError(
                f"Variabel lingkungan {KEY_VARIABLE} menunjuk ke {path}, "
                "tetapi berkas itu tidak ada. Periksa jalur kunci privat SSH."
            )
        options += ["-i", str(path), "-o", "IdentitiesOnly=yes"]
    elif not target.env.get("SSH_AUTH_SOCK"):
        credential(
            target,
            KEY_VARIABLE,
            "jalur berkas kunci privat SSH; atau jalankan ssh-agent sehingga SSH_AUTH_SOCK terisi",
        )
    if port is not None:
        options += ["-p", str(port)]
    return Ssh(target.name, host, tuple(options), dict(target.env), trusted)
