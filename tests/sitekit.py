"""Real sites in temporary folders: content, real SSH keys, signed records, real builds.

Every site uses the project's own ``pelicanconf.py`` (imported by its generated settings
file) with only paths, anchor and clock replaced, and is built by the same code as
``invoke build``: a child Pelican process, manifest check, swap.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from approval_gate.api import (
    ROLE_IDS,
    ROSTER_NAMESPACE,
    SIGNOFF_NAMESPACE,
    canonical_payload,
    content_digest,
    fingerprint,
    normalise_key,
    render_signoff,
    sign_with_ssh_keygen,
    signoff_fields,
    signoff_path,
)

from publishing.build import BuildResult, build_site

REPO = Path(__file__).resolve().parent.parent
#: What a fresh clone does not have: the venv, caches, builds and machine state.
NOT_IN_A_CLONE = (
    ".git",
    ".venv",
    "var",
    "output",
    ".cache",
    "__pycache__",
    "*.egg-info",
    "test-artefacts",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
)
NOW = datetime.fromisoformat("2026-11-24T10:00:00+07:00")
ROLES = ROLE_IDS
#: The sample's officials hold the roles in SOP order; a role added to the SOP gets a
#: made-up holder, so nothing here needs an edit.
OFFICIALS = ("andi", "sri", "bambang", "dewi")
PEOPLE = {
    role: OFFICIALS[step] if step < len(OFFICIALS) else f"pejabat{step + 1}"
    for step, role in enumerate(ROLES)
}
FORMER = "rudi"  # held the first role until 2025-12-31
NAMES = ("anchor", *PEOPLE.values(), FORMER, "luar")
#: The publishing machine's key: it signs the archive records (the roster's publishers).
PUBLISHER = "penerbit"
#: What a site's repository does not track (as the project's .gitignore).
GITIGNORE = "var/\noutput/\n.cache/\n__pycache__/\n"
#: When a holder took office, if not 2023-01-12.
SINCE = {"komisioner": "2024-03-01"}


@dataclass(frozen=True)
class Keys:
    """A folder of real ed25519 keys made by ssh-keygen, one per person."""

    folder: Path

    def private(self, name: str) -> Path:
        """Return the private key file of ``name``."""
        return self.folder / name

    def public(self, name: str) -> str:
        """Return the public key of ``name`` as ``type base64``."""
        return normalise_key((self.folder / f"{name}.pub").read_text())

    def fingerprint(self, name: str) -> str:
        """Return the SHA256 fingerprint of ``name``'s key."""
        return fingerprint(self.public(name))


def make_keys(folder: Path) -> Keys:
    """Generate one key per person in ``NAMES``, and the publisher's, with ssh-keygen."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*NAMES, PUBLISHER):
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                f"uji-{name}",
                "-f",
                str(folder / name),
            ],
            check=True,
        )
    return Keys(folder)


def roster_text(
    keys: Keys, *, version: int = 1, extra_people: str = "", extra_holders: str = ""
) -> str:
    """Return a roster like the sample's, with the test keys."""
    people = "".join(
        f"  - id: {n}\n    name: Pejabat {n.title()}\n    keys:\n      - key: {keys.public(n)}\n"
        for n in NAMES[1:-1]
    )
    first = ROLES[0]
    holders = (
        f"  - {{role: {first}, person: {FORMER}, from: 2023-01-12, until: 2025-12-31}}\n"
        f"  - {{role: {first}, person: {PEOPLE[first]}, from: 2026-01-01}}\n"
    )
    holders += "".join(
        f"  - {{role: {r}, person: {PEOPLE[r]}, from: {SINCE.get(r, '2023-01-12')}}}\n"
        for r in ROLES[1:]
    )
    # Named like the roles' ids ("Kasubbag Tekmas"); the sample roster names the last one
    # in full, which the theme's tests see.
    roles = "".join(
        f"  - {{id: {r}, name: {r.replace('-', ' ').title()}, standard_minutes: 30}}\n"
        for r in ROLES
    )
    publishers = (
        f"publishers:\n  - id: {PUBLISHER}\n    name: Komputer penerbit uji\n    keys:\n"
        f"      - key: {keys.public(PUBLISHER)}\n"
    )
    return (
        f"version: {version}\nroles:\n{roles}people:\n{people}{extra_people}"
        f"{publishers}holders:\n{holders}{extra_holders}"
    )


class Site:
    """A project folder with content/, approvals/, the theme and a settings file of its own.

    Like a real checkout, the site holds its theme and logo (copied from the project) and
    its settings name every path relative to the settings file, so a publish that builds
    from an export of the site's commit reads only that export. ``commit()`` makes the
    folder a git repository and commits everything; ``machine`` is the publishing
    machine of the site (its pinned anchor, its archive key, its state).
    """

    def __init__(self, root: Path, keys: Keys) -> None:
        self.root = root
        self.keys = keys
        self.content = root / "content"
        self.approvals = root / "approvals"
        self.output = root / "output"
        self.content.mkdir(parents=True, exist_ok=True)
        self.approvals.mkdir(parents=True, exist_ok=True)
        shutil.copytree(REPO / "theme", root / "theme", dirs_exist_ok=True)
        logo = self.content / "static" / "logo-kpu.svg"
        logo.parent.mkdir(exist_ok=True)
        shutil.copyfile(REPO / "content" / "static" / "logo-kpu.svg", logo)
        (root / ".gitignore").write_text(GITIGNORE)
        self.anchor = keys.fingerprint("anchor")
        self.machine = pin_machine(root, self.anchor, keys.private(PUBLISHER))
        self.write_roster(roster_text(keys))
        self.settings = self.write_settings()

    def commit(self, message: str = "Isi situs", *, accept: bool = True) -> str:
        """Commit everything in the site (``git init`` the first time); return the sha.

        ``accept``: the site's publishing machine accepts the commit as the start of its
        history (``invoke terima-riwayat``), so a test about something else may change
        code or settings between publishes without signing; tests of the history and of
        code signatures commit with ``accept=False``.
        """
        sha = commit_all(self.root, message)
        if accept:
            accept_commit(self.root, sha)
        return sha

    def write_settings(
        self, name: str = "sitecfg.py", base: str = "pelicanconf", extra: str = ""
    ) -> Path:
        """Write a settings file that reuses the project's settings with this site's paths."""
        path = self.root / name
        path.write_text(
            f"import sys\nfrom pathlib import Path\nsys.path.insert(0, {str(REPO)!r})\n"
            f"from {base} import *\n"
            "site_root = Path(__file__).resolve().parent  # the site, or its export\n"
            "PATH = str(site_root / 'content')\nOUTPUT_PATH = str(site_root / 'output')\n"
            "CACHE_PATH = str(site_root / '.cache' / 'pelican')\n"
            "RENDER_CACHE_PATH = str(site_root / '.cache' / 'render')\n"
            "THEME = str(site_root / 'theme')\n"
            "SITE_LOGO = str(site_root / 'content' / 'static' / 'logo-kpu.svg')\n"
            "APPROVAL_GATE_APPROVALS_PATH = str(site_root / 'approvals')\n"
            "APPROVAL_GATE_MANIFEST_PATH = str(site_root / 'var' / 'manifest.json')\n"
            "APPROVAL_GATE_CACHE_PATH = str(site_root / '.cache' / 'gate')\n"
            f"APPROVAL_GATE_ANCHOR = {self.anchor!r}\n"
            f"APPROVAL_GATE_ALLOW_DEMO_KEYS = False\n"
            f"APPROVAL_GATE_NOW = {NOW.isoformat()!r}\n"
            f"APPROVAL_GATE_SETTINGS_FILE = {name!r}\n{extra}"
        )
        return path

    def write_roster(self, text: str, signer: str = "anchor") -> None:
        """Write roster.yml and sign it with ``signer``'s key (the anchor by default)."""
        roster = self.approvals / "roster.yml"
        roster.write_text(text)
        signature = sign_with_ssh_keygen(
            roster.read_bytes(), self.keys.private(signer), ROSTER_NAMESPACE
        )
        (self.approvals / "roster.yml.sig").write_text(signature)

    def article(self, item: str, title: str, body: str, **meta: str) -> str:
        """Write a Markdown item under content/ and return its item path."""
        lines = [f"Title: {title}", f"Date: {meta.pop('date', '2026-11-20 08:00')}"]
        lines += [f"{key.title()}: {value}" for key, value in meta.items()]
        (self.content / item).parent.mkdir(parents=True, exist_ok=True)
        (self.content / item).write_text("\n".join(lines) + f"\n\n{body}\n")
        return item

    def attach(self, path: str, data: bytes) -> None:
        """Write a file (attachment, image) under content/."""
        (self.content / path).parent.mkdir(parents=True, exist_ok=True)
        (self.content / path).write_bytes(data)

    def digest(self, item: str) -> str:
        """Return the item's current content digest."""
        return content_digest(self.content, item).value

    def sign(
        self,
        item: str,
        role: str,
        person: str | None = None,
        *,
        decision: str = "setuju",
        note: str = "",
        at: datetime | None = None,
        digest: str | None = None,
        key: str | None = None,
    ) -> Path:
        """Write one signed sign-off file exactly as ``invoke approve`` would."""
        person = person or PEOPLE[role]
        at = at or datetime.fromisoformat("2026-11-21T09:00:00+07:00") + timedelta(
            minutes=20 * (ROLES.index(role) if role in ROLES else 0)
        )
        fields = signoff_fields(item, role, person, decision, note, at, digest or self.digest(item))
        signature = sign_with_ssh_keygen(
            canonical_payload(fields).encode(), self.keys.private(key or person), SIGNOFF_NAMESPACE
        )
        target = self.approvals / signoff_path(item, role, decision, at)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_signoff(fields, signature))
        return target

    def approve_all(self, item: str, roles: tuple[str, ...] = ROLES) -> None:
        """Have the roles approve ``item`` in SOP order."""
        for role in roles:
            self.sign(item, role)

    def news(self, words: dict[str, str], secret: str, **meta: str) -> None:
        """Write approved news items, one per unique word, and one secret item nobody approves.

        ``berita/<name>.md`` says ``Isi <word> hari ini.``; ``berita/rahasia.md`` says
        ``secret`` (the search tests: a reader finds every word but the secret one).
        """
        for name, word in words.items():
            self.article(
                f"berita/{name}.md", f"Berita {name.title()}", f"Isi {word} hari ini.", **meta
            )
            self.approve_all(f"berita/{name}.md")
        self.article("berita/rahasia.md", "Berita Rahasia", f"Isi {secret}.", **meta)

    def build(self, settings: Path | None = None, env: dict[str, str] | None = None) -> BuildResult:
        """Build like ``invoke build`` does; raises ``BuildFailed`` when the gate refuses."""
        return build_site(settings or self.settings, self.output, env)

    def files(self) -> list[Path]:
        """Return every file in the output."""
        return sorted(p for p in self.output.rglob("*") if p.is_file())

    def hits(self, token: str) -> list[str]:
        """Return the output files (relative) whose bytes or names contain ``token``."""
        needle = token.encode()
        return [
            p.relative_to(self.output).as_posix()
            for p in self.files()
            if needle in p.read_bytes() or token in p.relative_to(self.output).as_posix()
        ]


def copy_project(folder: Path, *, tests: bool = True) -> Path:
    """Copy the project as a fresh clone has it: a git repository with one commit.

    ``tests=False`` leaves tests/ out.
    """
    skipped = NOT_IN_A_CLONE if tests else (*NOT_IN_A_CLONE, "tests")
    shutil.copytree(REPO, folder, ignore=shutil.ignore_patterns(*skipped))
    commit_all(folder, "Salinan proyek")
    return folder


def invoke_build(
    project: Path, settings: Path, timeout: float = 300, **options: Any
) -> subprocess.CompletedProcess[str]:
    """Run ``invoke build`` of a project copy (``copy_project``) on ``settings``, to the end.

    The copy's own output/ and var/ take the build; ``options`` go to ``subprocess.run``.
    """
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(project), "build", "--settings", str(settings)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **options,
    )


def commit_all(root: Path, message: str) -> str:
    """Commit every file of ``root`` (``git init`` it first if needed); return the sha."""
    env = {**os.environ, **GIT_ENV}
    for args in (
        ("init", "-q", "-b", "utama"),
        ("add", "-A"),
        ("commit", "-q", "--allow-empty", "--no-verify", "-m", message),
    ):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def accept_commit(root: Path, sha: str) -> None:
    """Record ``sha`` as the accepted start of history on the site's publishing machine."""
    from publishing.seal.history import accept_history, machine_state

    env = {**os.environ, **machine_env(root)}
    state = machine_state(root, env)
    accept_history(
        root, sha, state, reason="dibuat oleh uji", by="uji@mesin", git_user="uji", at=NOW, env=env
    )
    state.save()


def drop_packs(cache: Path) -> None:
    """Remove a cache folder's packs, so the next build reads each entry from its own file.

    A pack holds the entries the last build read (plugins/approval_gate/cache_pack.py);
    a test that poisons entry files removes it first, or the poison is never read.
    """
    for pack in cache.glob("*.pak"):
        pack.unlink()


#: A pack's layout as cache_pack.py's docstring gives it: magic, count, then one row per
#: entry (raw key, offset, length; sorted by key), then the blobs.
PACK_MAGIC = b"KPU-PAK1"
PACK_ROW = struct.Struct("<32sQI")
PACK_HEAD = len(PACK_MAGIC) + 4


def pack_rows(pack: Path) -> list[tuple[bytes, int, int]]:
    """Return a pack's index rows: raw key, offset and length of each blob."""
    data = pack.read_bytes()
    (count,) = struct.unpack_from("<I", data, len(PACK_MAGIC))
    return [PACK_ROW.unpack_from(data, PACK_HEAD + n * PACK_ROW.size) for n in range(count)]


def machine_folder(root: Path) -> Path:
    """Return the publishing machine of the site in ``root`` (beside it, never inside)."""
    return root.parent / "mesin"


def pin_machine(root: Path, anchor: str, publisher_key: Path) -> Path:
    """Set up the site's publishing machine: the pinned anchor and the archive key."""
    config = machine_folder(root) / "config" / "kpu-rembang"
    config.mkdir(parents=True, exist_ok=True)
    (config / "roster-anchor").write_text(anchor + "\n")
    for suffix in ("", ".pub"):
        shutil.copyfile(f"{publisher_key}{suffix}", config / f"penerbit_ed25519{suffix}")
    (config / "penerbit_ed25519").chmod(0o600)
    return machine_folder(root)


def machine_env(root: Path) -> dict[str, str]:
    """Return the environment of the site's publishing machine: its config and state.

    The anchor and the archive key come from the machine's config folder (as on a real
    publishing machine); the state (last commit, release log) from its state folder.
    """
    machine = machine_folder(root)
    return {
        "XDG_CONFIG_HOME": str(machine / "config"),
        "XDG_STATE_HOME": str(machine / "state"),
        "KPU_ROSTER_ANCHOR": "",
        "KPU_PUBLISHER_KEY": "",
    }


# --- git repositories with signed commits (sealed publishing: history, code signatures) ---

#: Git without the machine's or the user's configuration, and with a fixed identity.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Penulis Uji",
    "GIT_AUTHOR_EMAIL": "penulis@uji.invalid",
    "GIT_COMMITTER_NAME": "Penulis Uji",
    "GIT_COMMITTER_EMAIL": "penulis@uji.invalid",
}


def code_roster_text(keys: Keys, *, code: tuple[str, ...] = ("andi",), version: int = 1) -> str:
    """Return the test roster in which ``code`` may sign changes of the site's code."""
    text = roster_text(keys, version=version)
    for person in code:
        line = f"    name: Pejabat {person.title()}\n"
        text = text.replace(line, f"{line}    code: true\n", 1)
    return text


class GitSite:
    """A ``Site`` under git: files written, committed (signed with a test key or not)."""

    def __init__(self, site: Site) -> None:
        import os

        self.site = site
        self.root = site.root
        self.env = {**os.environ, **GIT_ENV}
        self.git("init", "-q", "-b", "utama")

    def git(self, *args: str) -> str:
        """Run git in the site; return its output (fails the test when git fails)."""
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout.strip()

    def write(self, path: str, text: str) -> None:
        """Write a file of the repository (relative path)."""
        (self.root / path).parent.mkdir(parents=True, exist_ok=True)
        (self.root / path).write_text(text)

    def _signed(self, signer: str | None, command: str) -> tuple[str, ...]:
        """Return git's arguments up to ``command``, signing with ``signer``'s key if given."""
        if signer is None:
            return (command,)
        key = self.site.keys.private(signer)
        return ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", command, "-S")

    def commit(self, message: str, signer: str | None = None) -> str:
        """Commit everything, signed with ``signer``'s key when given; return the sha."""
        self.git("add", "-A")
        self.git(*self._signed(signer, "commit"), "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, signer: str | None = None, message: str = "Gabung") -> str:
        """Merge ``branch`` into the current branch as a merge commit (signed if asked)."""
        self.git(*self._signed(signer, "merge"), "-q", "--no-ff", "-m", message, branch)
        return self.git("rev-parse", "HEAD")
