"""Key files people sign with: ssh-keygen's refusals in Indonesian, and the demo keys' mode.

Approvers sign through ``ssh-keygen`` (signatures.py), so its English reaches them when
a key cannot be used: a wrong passphrase, a key file others may read, a file that is no
key, a key missing from ssh-agent. ``explain_ssh_keygen`` turns each known refusal into
one Indonesian sentence that names the key file and says what to do; English it does
not know is kept after the sentence, never dropped.

git records no file modes but the executable bit, so a fresh clone has the demo keys
at 0644 and ssh-keygen refuses them. ``ready_demo_key`` sets 0600 on one of this
repository's demo keys (and on nothing else: a real person's key with open permissions
is refused with the translated message, never changed behind their back).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .roster import DEMO_FINGERPRINTS

#: This repository's demo keys (public knowledge, for the sample site only).
DEMO_KEYS = Path(__file__).resolve().parents[2] / "demo-keys"
#: A demo private key is a few hundred bytes; anything larger is not one of them.
_DEMO_KEY_MAX_BYTES = 16 * 1024
#: What ssh-keygen prints when it reads a passphrase without a terminal.
_PROMPT = re.compile(r"^(Enter (same )?passphrase[^:]*:\s*)+")
#: Why ssh-keygen could not save or read a file, in the words people read.
_OS_REASONS = {
    "Permission denied": "izin ditolak",
    "No such file or directory": "foldernya tidak ada",
    "Read-only file system": "sistem berkasnya hanya-baca",
    "No space left on device": "disk penuh",
    "Is a directory": "itu sebuah folder",
}

Rule = tuple[re.Pattern[str], Callable[[re.Match[str], Path], str]]


def _open(match: re.Match[str], key: Path) -> str:
    return (
        f"Izin berkas kunci {key} terlalu terbuka ({match['mode']}): ssh-keygen tidak memakai "
        "kunci privat yang bisa dibaca orang lain; jalankan "
        f"'chmod 600 {shlex.quote(str(key))}' lalu ulangi."
    )


def _passphrase(match: re.Match[str], key: Path) -> str:
    return (
        f"Frasa sandi untuk kunci {key} salah; ulangi dan ketik frasa sandi kunci itu "
        "(huruf besar dan kecil dibedakan), atau bila lupa, buat kunci baru dengan "
        "'invoke keygen' dan minta Ketua KPU mengganti kunci Anda di roster."
    )


def _not_a_key(key: Path) -> str:
    return (
        f"Berkas {key} bukan kunci privat SSH yang dapat dibaca; sebutkan berkas kunci "
        "privat Anda dengan --key (mis. ~/.ssh/kpu-rembang_ed25519), atau buat kunci "
        "dengan 'invoke keygen'."
    )


def _unreadable(match: re.Match[str], key: Path) -> str:
    return _not_a_key(key)


def _missing(match: re.Match[str], key: Path) -> str:
    if key.is_dir():
        return (
            f"{key} adalah folder, bukan berkas kunci; sebutkan berkas kunci privat Anda "
            "dengan --key (mis. ~/.ssh/kpu-rembang_ed25519)."
        )
    if key.exists():  # ssh-keygen says "no such file" for a file that holds no key
        return _not_a_key(key)
    return (
        f"Kunci {key} tidak ditemukan; periksa jalurnya (--key), "
        "atau buat kunci dengan 'invoke keygen'."
    )


def _no_private(match: re.Match[str], key: Path) -> str:
    """ssh-keygen found the public half but could not load the private one."""
    if key.suffix != ".pub":
        if key.is_file() or key.is_dir():
            return _missing(match, key)  # a file there that holds no key, or a folder
        return (
            f"Kunci privat {key} tidak ditemukan (hanya {key}.pub yang ada) dan kunci itu "
            "tidak dimuat di ssh-agent; periksa jalurnya pada --key, atau muat kuncinya "
            "dengan 'ssh-add' lalu ulangi."
        )
    private = shlex.quote(str(key.with_suffix("")))
    return (
        f"Kunci {key} tidak dimuat di ssh-agent dan kunci privat pasangannya tidak ada "
        f"di sebelahnya; jalankan 'ssh-add {private}' lalu ulangi, atau sebutkan berkas "
        "kunci privat dengan --key."
    )


def _no_agent(match: re.Match[str], key: Path) -> str:
    return (
        f"ssh-agent tidak dapat dihubungi untuk kunci {key}; jalankan ssh-agent dan "
        "'ssh-add' kunci Anda, atau sebutkan berkas kunci privat dengan --key."
    )


def _agent_refused(match: re.Match[str], key: Path) -> str:
    return (
        f"ssh-agent menolak menandatangani dengan kunci {key} (kuncinya terkunci atau "
        "menunggu konfirmasi); buka kunci agent-nya atau jalankan 'ssh-add' lagi, lalu ulangi."
    )


def _not_saved(match: re.Match[str], key: Path) -> str:
    reason = _OS_REASONS.get(match["why"], match["why"])
    return (
        f"Kunci tidak dapat disimpan di {key} ({reason}); pilih lokasi lain dengan --file "
        "atau periksa izin foldernya."
    )


def _rule(pattern: str, handler: Callable[[re.Match[str], Path], str]) -> Rule:
    return re.compile(pattern, re.MULTILINE), handler


#: ssh-keygen's refusals (OpenSSH 8-9): each pattern covers every line it explains.
RULES: tuple[Rule, ...] = (
    _rule(r"^Saving key \".*\" failed: (?P<why>.*)\n", _not_saved),
    _rule(
        r"^@+\n@\s*WARNING: UNPROTECTED PRIVATE KEY FILE!\s*@\n@+\n"
        r"Permissions (?P<mode>\d+) for '.*' are too open\.\n"
        r"It is required that your private key files are NOT accessible by others\.\n"
        r"This private key will be ignored\.\n"
        r"(?:(?:Load key \".*\": bad permissions|No private key found for \".*\")\n)?",
        _open,
    ),
    _rule(r"^Load key \".*\": incorrect passphrase supplied to decrypt private key\n", _passphrase),
    _rule(r"^Load key \".*\": (?:invalid format|error in libcrypto)\n", _unreadable),
    _rule(
        r"^.*: No such file or directory\n",  # "Couldn't load public key X", "Load key"
        _missing,
    ),
    _rule(
        r"^(?:No private key found for (?:public key )?\".*\"|Couldn't find key in agent.*)\n",
        _no_private,
    ),
    _rule(
        r"^(?:Could not open a connection to your authentication agent\.?|"
        r"Couldn't get agent socket.*|Error connecting to agent.*)\n",
        _no_agent,
    ),
    _rule(r"^.*agent refused operation.*\n", _agent_refused),
)


def explain_ssh_keygen(
    stderr: str, key: Path, doing: str = "menandatangani", returncode: int = 1
) -> str:
    """Return ssh-keygen's failure as Indonesian sentences naming ``key``.

    Each known refusal becomes one sentence that says what to do; the lines no rule
    explains follow in ssh-keygen's own words, so nothing it said is lost. ``doing`` is
    what ssh-keygen was asked to do ("menandatangani", "membuat kunci").
    """
    text = "".join(_PROMPT.sub("", line.rstrip()) + "\n" for line in stderr.splitlines())
    sentences = []
    for pattern, handler in RULES:
        for match in pattern.finditer(text):
            sentence = handler(match, key)
            if sentence not in sentences:
                sentences.append(sentence)
        text = pattern.sub("", text)
    rest = " ".join(line.strip() for line in text.splitlines() if line.strip())
    if not sentences:
        said = f"Pesan ssh-keygen: {rest}" if rest else f"(kode keluar {returncode})"
        return (
            f"ssh-keygen gagal {doing} dengan kunci {key}; periksa berkas kunci itu dan "
            f"ssh-agent Anda. {said}"
        )
    if rest:
        sentences.append(f"Pesan ssh-keygen lainnya: {rest}")
    return " ".join(sentences)


def ready_demo_key(key_file: Path) -> str | None:
    """Give a freshly cloned demo key the mode ssh-keygen needs (0600); say so, or None.

    Only a private key that lies in this repository's ``demo-keys/`` folder and whose
    own public half is a known demo key is touched; git does not record the change.
    """
    try:
        path = key_file.expanduser().resolve()
        if path.parent != DEMO_KEYS.resolve() or not path.is_file():
            return None
        mode = path.stat().st_mode & 0o777
        if not mode & 0o077 or _fingerprint_of_private(path) not in DEMO_FINGERPRINTS:
            return None
        path.chmod(0o600)
    except OSError:
        return None  # left as it was: ssh-keygen's refusal is then explained as usual
    return (
        f"Kunci contoh {key_file}: izinnya {mode:04o} (git tidak menyimpan izin berkas) "
        "diubah menjadi 0600 agar ssh-keygen mau memakainya; kunci contoh hanya untuk "
        "situs contoh."
    )


def _fingerprint_of_private(path: Path) -> str | None:
    """Return the fingerprint of an unencrypted OpenSSH private key, or None."""
    from .signatures import fingerprint

    if path.stat().st_size > _DEMO_KEY_MAX_BYTES:
        return None
    try:
        private = serialization.load_ssh_private_key(path.read_bytes(), password=None)
        public = private.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return fingerprint(public.decode("ascii"))
