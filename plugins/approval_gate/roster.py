"""The roster: the four SOP roles, who holds them when, and with which keys.

The roster is trusted only when ``roster.yml.sig`` is a valid signature over the exact
bytes of ``roster.yml`` made by the anchor key, whose fingerprint is pinned outside the
repository (environment or the publishing machine's configuration). A writer who can
edit the repository therefore cannot add themselves as an approver. Any problem here
is fatal: without a trusted roster nothing can be published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import AnchorError, RosterError
from .signatures import ROSTER_NAMESPACE, SignatureInvalid, fingerprint, normalise_key, signing_key
from .sop import ROLE_IDS, number_word
from .yamlfile import YamlDoc, YamlProblem, as_moment, parse

#: Fingerprints of the demo keys shipped in ``demo-keys/`` for the sample site. They are
#: public knowledge, so ``publishconf.py`` refuses them unless explicitly allowed.
DEMO_FINGERPRINTS = frozenset(
    {
        "SHA256:c+UH1X5069oeuBAMXiHEKKMmgD4M1aoQE8a0GkAyHis",  # DEMO-anchor-ketua
        "SHA256:2wD3In9n0KeS8or/E4v4kDsH1yF/c8LCzscF5fRD/JU",  # DEMO-andi
        "SHA256:AQBRQGEhvIYIKClfLU1gvG9iJFeVKXzIsWPOzEKFxFQ",  # DEMO-bambang
        "SHA256:RndedYSwgeqs5xkv9pN8CLnmkEylvcwmlbg7749FyKM",  # DEMO-dewi
        "SHA256:ud5gBgU/+zSLG78nJ3zRPUeftK1h8xJj/MfFE1qsb8k",  # DEMO-pemalsu
        "SHA256:mnIdvmQnrAIeNHYlgBWeL9V+SRic/CImrtRYyxzK/mU",  # DEMO-rudi
        "SHA256:799Yx8f5h8h+xum/3VAMbCx/m9Z0HhGrlP69JY8g0kA",  # DEMO-sri
    }
)

_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


@dataclass(frozen=True)
class Role:
    """One SOP role, in order, with its time standard in minutes."""

    id: str
    name: str
    standard_minutes: int
    step: int


@dataclass(frozen=True)
class PersonKey:
    """A public key of a person; once revoked, none of its signatures count."""

    key: str
    revoked: datetime | None


@dataclass(frozen=True)
class Person:
    """An official who may hold roles."""

    id: str
    name: str
    keys: tuple[PersonKey, ...]


@dataclass(frozen=True)
class Holding:
    """A person holding a role over a period (end exclusive, None = still in office)."""

    role: str
    person: str
    start: datetime
    end: datetime | None
    acting: bool

    def covers(self, moment: datetime) -> bool:
        """Tell whether the person held the role at ``moment``."""
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True)
class Roster:
    """The verified roster of one build."""

    version: int
    roles: tuple[Role, ...]
    people: dict[str, Person]
    holdings: tuple[Holding, ...]
    anchor: str
    path: str

    @cached_property
    def _roles_by_id(self) -> dict[str, Role]:
        return {role.id: role for role in self.roles}

    @cached_property
    def _owners(self) -> dict[str, Person]:
        return {k.key: person for person in self.people.values() for k in person.keys}

    @cached_property
    def _holdings_by(self) -> dict[tuple[str, str], list[Holding]]:
        index: dict[tuple[str, str], list[Holding]] = {}
        for h in self.holdings:
            index.setdefault((h.role, h.person), []).append(h)
        return index

    def role(self, role_id: str) -> Role | None:
        """Return the role with this id, if any."""
        return self._roles_by_id.get(role_id)

    def holding(self, role: str, person: str, moment: datetime) -> Holding | None:
        """Return the holding that lets ``person`` act as ``role`` at ``moment``."""
        return next(
            (h for h in self._holdings_by.get((role, person), ()) if h.covers(moment)), None
        )

    def holders(self, role: str, moment: datetime) -> list[Person]:
        """Return the people who hold ``role`` at ``moment``."""
        return [self.people[h.person] for h in self.holdings if h.role == role and h.covers(moment)]

    def person_with_key(self, key: str) -> Person | None:
        """Return the person owning ``key`` (normalised), whether revoked or not."""
        return self._owners.get(key)


def _fail(doc: YamlDoc, path: str, message: str, *keys: str | int) -> RosterError:
    return RosterError(
        message,
        path=path,
        line=doc.line(*keys),
        hint="Minta Ketua KPU memperbaiki roster lalu menandatanganinya ulang.",
    )


def _text(doc: YamlDoc, path: str, entry: dict[str, Any], key: str, *where: str | int) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(doc, path, f"Kolom '{key}' harus berisi teks, diterima {value!r}.", *where, key)
    return value.strip()


def _parse_roles(doc: YamlDoc, path: str) -> tuple[Role, ...]:
    raw = doc.data.get("roles")
    if not isinstance(raw, list):
        raise _fail(
            doc,
            path,
            f"Kolom 'roles' harus berupa daftar {number_word(len(ROLE_IDS))} peran.",
            "roles",
        )
    roles = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise _fail(
                doc, path, "Setiap peran harus berisi id, name, standard_minutes.", "roles", index
            )
        minutes = entry.get("standard_minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            raise _fail(
                doc,
                path,
                f"'standard_minutes' harus bilangan menit > 0, diterima {minutes!r}.",
                "roles",
                index,
                "standard_minutes",
            )
        roles.append(
            Role(
                _text(doc, path, entry, "id", "roles", index),
                _text(doc, path, entry, "name", "roles", index),
                minutes,
                index + 1,
            )
        )
    if tuple(role.id for role in roles) != ROLE_IDS:
        raise _fail(
            doc,
            path,
            f"Peran harus tepat {', '.join(ROLE_IDS)} dalam urutan SOP, "
            f"diterima {[r.id for r in roles]}.",
            "roles",
        )
    return tuple(roles)


def _parse_people(doc: YamlDoc, path: str) -> dict[str, Person]:
    raw = doc.data.get("people")
    if not isinstance(raw, list) or not raw:
        raise _fail(doc, path, "Kolom 'people' harus berupa daftar pejabat.", "people")
    people: dict[str, Person] = {}
    owners: dict[str, str] = {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise _fail(doc, path, "Setiap pejabat harus berisi id, name, keys.", "people", index)
        pid = _text(doc, path, entry, "id", "people", index)
        if pid in people:
            raise _fail(doc, path, f"Pejabat {pid!r} tercantum dua kali.", "people", index)
        keys = entry.get("keys")
        if not isinstance(keys, list) or not keys:
            raise _fail(doc, path, f"Pejabat {pid!r} harus punya daftar 'keys'.", "people", index)
        parsed = []
        for kindex, kentry in enumerate(keys):
            where = ("people", index, "keys", kindex)
            if not isinstance(kentry, dict):
                raise _fail(
                    doc, path, "Setiap kunci harus berisi 'key' (dan boleh 'revoked').", *where
                )
            try:
                key = normalise_key(_text(doc, path, kentry, "key", *where))
            except ValueError as error:
                raise _fail(doc, path, f"Kunci pejabat {pid!r}: {error}.", *where) from None
            if key in owners:
                raise _fail(
                    doc, path, f"Kunci yang sama dipakai {owners[key]!r} dan {pid!r}.", *where
                )
            owners[key] = pid
            revoked = None
            if kentry.get("revoked") is not None:
                revoked = as_moment(kentry["revoked"])
                if revoked is None:
                    raise _fail(
                        doc, path, "'revoked' harus tanggal/waktu dengan zona.", *where, "revoked"
                    )
            parsed.append(PersonKey(key, revoked))
        people[pid] = Person(pid, _text(doc, path, entry, "name", "people", index), tuple(parsed))
    return people


def _parse_holdings(
    doc: YamlDoc, path: str, roles: tuple[Role, ...], people: dict[str, Person]
) -> tuple[Holding, ...]:
    raw = doc.data.get("holders")
    if not isinstance(raw, list) or not raw:
        raise _fail(doc, path, "Kolom 'holders' harus berupa daftar jabatan.", "holders")
    role_ids = {role.id for role in roles}
    holdings = []
    for index, entry in enumerate(raw):
        where = ("holders", index)
        if not isinstance(entry, dict):
            raise _fail(doc, path, "Setiap jabatan berisi role, person, from, until.", *where)
        role = _text(doc, path, entry, "role", *where)
        person = _text(doc, path, entry, "person", *where)
        if role not in role_ids:
            raise _fail(doc, path, f"Peran tidak dikenal: {role!r}.", *where, "role")
        if person not in people:
            raise _fail(doc, path, f"Pejabat tidak dikenal: {person!r}.", *where, "person")
        start = as_moment(entry.get("from"))
        end = as_moment(entry["until"], end_of_day=True) if entry.get("until") else None
        if start is None or (entry.get("until") and end is None):
            raise _fail(
                doc,
                path,
                "'from'/'until' harus tanggal (YYYY-MM-DD) atau waktu dengan zona.",
                *where,
                "from",
            )
        acting = entry.get("acting", False)
        if not isinstance(acting, bool):
            raise _fail(doc, path, "'acting' harus true atau false.", *where, "acting")
        holdings.append(Holding(role, person, start, end, acting))
    return tuple(holdings)


def verify_anchor(roster_bytes: bytes, signature: str, anchor: str, sig_path: str) -> None:
    """Raise ``AnchorError`` unless ``signature`` is the anchor's over ``roster_bytes``."""
    if not _FINGERPRINT.match(anchor):
        raise AnchorError(
            f"Sidik jari jangkar tidak sah: {anchor!r}.",
            path=sig_path,
            hint="Isi KPU_ROSTER_ANCHOR dengan bentuk 'SHA256:...' (43 karakter).",
        )
    try:
        key = signing_key(roster_bytes, signature, ROSTER_NAMESPACE)
    except SignatureInvalid as error:
        raise AnchorError(
            f"Tanda tangan roster tidak sah: {error}.",
            path=sig_path,
            hint="Roster mungkin diubah; minta Ketua KPU menandatanganinya "
            "ulang dengan 'invoke sign-roster'.",
        ) from None
    if fingerprint(key) != anchor:
        raise AnchorError(
            f"Roster ditandatangani kunci {fingerprint(key)}, bukan kunci jangkar {anchor}.",
            path=sig_path,
            hint="Hanya Ketua KPU (pemegang kunci jangkar) yang boleh menandatangani roster.",
        )


def load_roster(approvals: Path, anchor: str, allow_demo_keys: bool) -> Roster:
    """Load ``roster.yml``, verify it against the anchor and return it, or raise."""
    path = approvals / "roster.yml"
    sig_path = approvals / "roster.yml.sig"
    shown = f"{approvals.name}/roster.yml"
    if anchor in DEMO_FINGERPRINTS and not allow_demo_keys:
        raise AnchorError(
            f"Kunci jangkar {anchor} adalah kunci CONTOH (demo-keys/) yang diketahui umum.",
            path=shown,
            hint="Tetapkan KPU_ROSTER_ANCHOR ke sidik jari kunci Ketua KPU.",
        )
    if not sig_path.is_file():
        raise AnchorError(
            "Tanda tangan roster (roster.yml.sig) tidak ada.",
            path=f"{shown}.sig",
            hint="Minta Ketua KPU menjalankan 'invoke sign-roster'.",
        )
    raw = path.read_bytes()
    verify_anchor(raw, sig_path.read_text(), anchor, f"{shown}.sig")
    try:
        doc = parse(raw.decode("utf-8"))
    except (YamlProblem, UnicodeDecodeError) as error:
        raise RosterError(
            str(error),
            path=shown,
            line=getattr(error, "line", None),
            hint="Perbaiki roster lalu tandatangani ulang.",
        ) from None
    if not isinstance(doc.data, dict):
        raise RosterError("Roster harus berupa pemetaan YAML.", path=shown)
    version = doc.data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(
            doc, shown, f"'version' harus bilangan bulat >= 1, diterima {version!r}.", "version"
        )
    roles = _parse_roles(doc, shown)
    people = _parse_people(doc, shown)
    holdings = _parse_holdings(doc, shown, roles, people)
    if not allow_demo_keys:
        for person in people.values():
            for pkey in person.keys:
                if fingerprint(pkey.key) in DEMO_FINGERPRINTS:
                    raise AnchorError(
                        f"Roster memuat kunci CONTOH milik {person.id!r}.",
                        path=shown,
                        hint="Hapus kunci demo dari roster resmi.",
                    )
    return Roster(version, roles, people, holdings, anchor, shown)


def check_version(roster: Roster, state_dir: Path) -> None:
    """Refuse a roster older than one already accepted on this machine (replay guard)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    marker = state_dir / f"roster-version-{roster.anchor.replace('/', '_')[7:]}"
    seen = int(marker.read_text()) if marker.is_file() else 0
    if roster.version < seen:
        raise AnchorError(
            f"Roster versi {roster.version} lebih lama dari versi {seen} yang "
            "sudah pernah diterima di mesin ini.",
            path=roster.path,
            hint="Gunakan roster terbaru dari repositori.",
        )
    if roster.version > seen:
        marker.write_text(str(roster.version))
