"""A real OpenSSH server on 127.0.0.1, started as a child process for the rsync tests.

It has its own host key (so ``known_hosts`` can be right or wrong on purpose), accepts one
fresh client key, and logs in as the user running the tests, whose shell then runs the
server side of rsync: the "server's" folders are ordinary folders under a tmp path.
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")


def keygen(path: Path, comment: str) -> Path:
    """Make an ed25519 key pair with ssh-keygen; return the private key's path."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True
    )
    return path


@dataclass(frozen=True)
class SshServer:
    """A running sshd: where it listens, the key it accepts and its known_hosts line."""

    port: int
    user: str
    client_key: Path
    known_hosts: Path
    folder: Path

    @property
    def host(self) -> str:
        """Return ``user@127.0.0.1`` as the rsync target's ``host`` option."""
        return f"{self.user}@127.0.0.1"

    def env(self, **extra: str) -> dict[str, str]:
        """Return a clean environment with the client key and known_hosts set."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "KPU_RSYNC_SSH_KEY": str(self.client_key),
            "KPU_SSH_KNOWN_HOSTS": str(self.known_hosts),
        }
        env.update(extra)
        return {k: v for k, v in env.items() if v}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_banner(port: int, child: subprocess.Popen[bytes], log: Path) -> None:
    """Return once sshd answers with its SSH banner; fail if it died or never answers."""
    for _ in range(600):  # a start-up guard (about 30 s), not a timed assertion
        if child.poll() is not None:
            raise RuntimeError(f"sshd stopped at start-up: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                if conn.recv(64).startswith(b"SSH-2.0"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not answer on port {port}: {log.read_text()}")


@contextmanager
def ssh_server(folder: Path) -> Iterator[SshServer]:
    """Run ``sshd -D -e`` on a free port for the duration of the ``with`` block."""
    if not SSHD.exists():
        raise RuntimeError("sshd is missing: install the Debian package openssh-server")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation dir
    host_key = keygen(folder / "host_ed25519", "uji-host")
    client_key = keygen(folder / "client_ed25519", "uji-penerbit")
    authorized = folder / "authorized_keys"
    authorized.write_text((folder / "client_ed25519.pub").read_text())
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"AuthorizedKeysFile {authorized}\nPidFile {folder / 'sshd.pid'}\n"
        "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "AllowAgentForwarding no\nX11Forwarding no\nPrintMotd no\nMaxStartups 50\n"
    )
    known = folder / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {(folder / 'host_ed25519.pub').read_text()}")
    log = folder / "sshd.log"
    with log.open("wb") as stderr:
        child = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        _wait_for_banner(port, child, log)
        yield SshServer(port, getpass.getuser(), client_key, known, folder)
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait()
