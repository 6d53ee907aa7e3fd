"""Reading roster.yml: verified against the anchor first, then parsed, or nothing.

The roster is trusted only when ``roster.yml.sig`` is a valid signature over the exact
bytes of ``roster.yml`` made by the anchor key, whose fingerprint a publish takes only from
outside the repository (environment or the publishing machine's configuration; see
anchor.py). A writer who can edit the repository therefore cannot add themselves as an
approver to what is published. Any problem here
is fatal, and names the line: without a trusted roster nothing can be published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .anchor import anchor_origin
from .errors import AnchorError, RosterError
from .passkeys import origin_problem
from .roster import (
    DEMO_FINGERPRINTS,
    FINGERPRINT_FORM,
    Holding,
    Person,
    PersonKey,
    Publisher,
    Role,
    Roster,
)
from .signatures import ROSTER_NAMESPACE, SignatureInvalid, fingerprint, normalise_key, signing_key
from .sop import ROLE_IDS, number_word
from .yamlfile import YamlDoc, YamlProblem, as_moment, parse


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


def _parse_keys(
    doc: YamlDoc,
    path: str,
    entry: dict[str, Any],
    owner: str,
    owners: dict[str, str],
    *where: str | int,
) -> tuple[PersonKey, ...]:
    """Read the ``keys`` of a person or a publisher; one key belongs to one owner."""
    keys = entry.get("keys")
    if not isinstance(keys, list) or not keys:
        raise _fail(doc, path, f"{owner!r} harus punya daftar 'keys'.", *where)
    parsed = []
    for kindex, kentry in enumerate(keys):
        at = (*where, "keys", kindex)
        if not isinstance(kentry, dict):
            raise _fail(doc, path, "Setiap kunci harus berisi 'key' (dan boleh 'revoked').", *at)
        try:
            key = normalise_key(_text(doc, path, kentry, "key", *at))
        except ValueError as error:
            raise _fail(doc, path, f"Kunci {owner!r}: {error}.", *at) from None
        if key in owners:
            raise _fail(doc, path, f"Kunci yang sama dipakai {owners[key]!r} dan {owner!r}.", *at)
        owners[key] = owner
        revoked = None
        if kentry.get("revoked") is not None:
            revoked = as_moment(kentry["revoked"])
            if revoked is None:
                raise _fail(doc, path, "'revoked' harus tanggal/waktu dengan zona.", *at, "revoked")
        parsed.append(PersonKey(key, revoked))
    return tuple(parsed)


def _flag(doc: YamlDoc, path: str, entry: dict[str, Any], key: str, *where: str | int) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise _fail(doc, path, f"'{key}' harus true atau false.", *where, key)
    return value


def _parse_people(doc: YamlDoc, path: str, owners: dict[str, str]) -> dict[str, Person]:
    raw = doc.data.get("people")
    if not isinstance(raw, list) or not raw:
        raise _fail(doc, path, "Kolom 'people' harus berupa daftar pejabat.", "people")
    people: dict[str, Person] = {}
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise _fail(doc, path, "Setiap pejabat harus berisi id, name, keys.", "people", index)
        pid = _text(doc, path, entry, "id", "people", index)
        if pid in people:
            raise _fail(doc, path, f"Pejabat {pid!r} tercantum dua kali.", "people", index)
        keys = _parse_keys(doc, path, entry, pid, owners, "people", index)
        name = _text(doc, path, entry, "name", "people", index)
        people[pid] = Person(pid, name, keys, _flag(doc, path, entry, "code", "people", index))
    return people


def _parse_publishers(doc: YamlDoc, path: str, owners: dict[str, str]) -> tuple[Publisher, ...]:
    raw = doc.data.get("publishers", [])
    if not isinstance(raw, list):
        raise _fail(
            doc, path, "Kolom 'publishers' harus berupa daftar mesin penerbit.", "publishers"
        )
    publishers: dict[str, Publisher] = {}
    for index, entry in enumerate(raw):
        where = ("publishers", index)
        if not isinstance(entry, dict):
            raise _fail(doc, path, "Setiap mesin penerbit berisi id, name, keys.", *where)
        pid = _text(doc, path, entry, "id", *where)
        if pid in publishers:
            raise _fail(doc, path, f"Mesin penerbit {pid!r} tercantum dua kali.", *where)
        keys = _parse_keys(doc, path, entry, pid, owners, *where)
        publishers[pid] = Publisher(pid, _text(doc, path, entry, "name", *where), keys)
    return tuple(publishers.values())


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


def _parse_origins(doc: YamlDoc, path: str) -> tuple[str, ...]:
    """Read ``desk_origins``: the approval desk's web origins (none: no passkey counts)."""
    raw = doc.data.get("desk_origins", [])
    if not isinstance(raw, list):
        raise _fail(
            doc,
            path,
            "Kolom 'desk_origins' harus berupa daftar alamat meja persetujuan, "
            f"mis. [https://meja.kpu-rembang.go.id], diterima {raw!r}.",
            "desk_origins",
        )
    origins: list[str] = []
    for index, value in enumerate(raw):
        problem = origin_problem(value) if isinstance(value, str) else "harus berupa teks"
        if problem is None and value in origins:
            problem = "tercantum dua kali"
        if problem is not None:
            raise _fail(
                doc, path, f"Alamat meja {value!r} tidak sah: {problem}.", "desk_origins", index
            )
        origins.append(value)
    return tuple(origins)


def verify_anchor(
    roster_bytes: bytes,
    signature: str,
    anchor: str,
    sig_path: str,
    approvals: Path | None = None,
) -> None:
    """Raise ``AnchorError`` unless ``signature`` is the anchor's over ``roster_bytes``.

    ``approvals`` (the folder of the roster) lets the message say where this machine's
    anchor comes from and the one command that fixes it.
    """
    folder = approvals or Path(sig_path).parent
    if not FINGERPRINT_FORM.match(anchor):
        origin = anchor_origin(anchor, folder)
        raise AnchorError(
            f"Sidik jari jangkar tidak sah: {anchor!r}, dari {origin.where}.",
            path=sig_path,
            hint="Bentuknya 'SHA256:' diikuti 43 karakter. " + origin.fix(),
        )
    try:
        key = signing_key(roster_bytes, signature, ROSTER_NAMESPACE)
    except SignatureInvalid as error:
        raise AnchorError(
            f"Tanda tangan roster tidak sah: {error}.",
            path=sig_path,
            hint="Roster mungkin diubah; minta Ketua KPU menandatanganinya "
            f"ulang dengan 'invoke sign-roster'. {anchor_origin(anchor, folder).uses()}",
        ) from None
    signed = fingerprint(key)
    if signed != anchor:
        origin = anchor_origin(anchor, folder)
        raise AnchorError(
            f"Roster ditandatangani kunci {signed}, bukan kunci jangkar {anchor} yang dipakai "
            f"mesin ini; jangkar itu dari {origin.where}.",
            path=sig_path,
            hint=origin.fix(signed),
        )


def load_roster(approvals: Path, anchor: str, allow_demo_keys: bool) -> Roster:
    """Load ``roster.yml``, verify it against the anchor and return it, or raise."""
    path = approvals / "roster.yml"
    sig_path = approvals / "roster.yml.sig"
    shown = f"{approvals.name}/roster.yml"
    if anchor in DEMO_FINGERPRINTS and not allow_demo_keys:
        origin = anchor_origin(anchor, approvals)
        raise AnchorError(
            f"Kunci jangkar {anchor} adalah kunci CONTOH (demo-keys/) yang diketahui umum; "
            f"mesin ini memakainya dari {origin.where}.",
            path=shown,
            hint=origin.fix(),
        )
    if not sig_path.is_file():
        raise AnchorError(
            "Tanda tangan roster (roster.yml.sig) tidak ada.",
            path=f"{shown}.sig",
            hint="Minta Ketua KPU menjalankan 'invoke sign-roster'. "
            + anchor_origin(anchor, approvals).uses(),
        )
    raw = path.read_bytes()
    verify_anchor(raw, sig_path.read_text(), anchor, f"{shown}.sig", approvals)
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
    owners: dict[str, str] = {}
    people = _parse_people(doc, shown, owners)
    publishers = _parse_publishers(doc, shown, owners)
    holdings = _parse_holdings(doc, shown, roles, people)
    origins = _parse_origins(doc, shown)
    if not allow_demo_keys:
        everyone: list[Person | Publisher] = [*people.values(), *publishers]
        for owner in everyone:
            for pkey in owner.keys:
                if fingerprint(pkey.key) in DEMO_FINGERPRINTS:
                    raise AnchorError(
                        f"Roster memuat kunci CONTOH milik {owner.id!r}.",
                        path=shown,
                        hint="Hapus kunci demo dari roster resmi.",
                    )
    return Roster(version, roles, people, holdings, anchor, shown, publishers, origins)


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
