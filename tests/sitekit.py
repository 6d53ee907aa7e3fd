"""Real sites in temporary folders: content, real SSH keys, signed records, real builds.

Every site uses the project's own ``pelicanconf.py`` (imported by its generated settings
file) with only paths, anchor and clock replaced, and is built by the same code as
``invoke build``: a child Pelican process, manifest check, swap.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

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
    """Generate one key per person in ``NAMES`` with ssh-keygen."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
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
    return (
        f"version: {version}\nroles:\n{roles}people:\n{people}{extra_people}"
        f"holders:\n{holders}{extra_holders}"
    )


class Site:
    """A project folder with content/, approvals/ and a settings file of its own."""

    def __init__(self, root: Path, keys: Keys) -> None:
        self.root = root
        self.keys = keys
        self.content = root / "content"
        self.approvals = root / "approvals"
        self.output = root / "output"
        self.content.mkdir(parents=True, exist_ok=True)
        self.approvals.mkdir(parents=True, exist_ok=True)
        self.anchor = keys.fingerprint("anchor")
        self.write_roster(roster_text(keys))
        self.settings = self.write_settings()

    def write_settings(
        self, name: str = "sitecfg.py", base: str = "pelicanconf", extra: str = ""
    ) -> Path:
        """Write a settings file that reuses the project's settings with this site's paths."""
        path = self.root / name
        path.write_text(
            f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom {base} import *\n"
            f"PATH = {str(self.content)!r}\nOUTPUT_PATH = {str(self.output)!r}\n"
            f"CACHE_PATH = {str(self.root / '.cache' / 'pelican')!r}\n"
            f"APPROVAL_GATE_APPROVALS_PATH = {str(self.approvals)!r}\n"
            f"APPROVAL_GATE_MANIFEST_PATH = {str(self.root / 'var' / 'manifest.json')!r}\n"
            f"APPROVAL_GATE_CACHE_PATH = {str(self.root / '.cache' / 'gate')!r}\n"
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
    """Copy the project as a fresh clone would have it (``tests=False``: without tests/)."""
    skipped = NOT_IN_A_CLONE if tests else (*NOT_IN_A_CLONE, "tests")
    shutil.copytree(REPO, folder, ignore=shutil.ignore_patterns(*skipped))
    return folder
