"""The roster: the SOP roles, who holds them when, with which keys, and the publishers.

These are the records of a roster already verified against the anchor (reading and
verifying ``roster.yml`` is ``roster_file.py``). A person may also be allowed to sign
commits that change the site's code (``code``); a publisher is a publishing machine
whose key signs the publication archive. ``find_role`` reads a role as a person types it
(``Komisioner``, ``web_admin``, ``komisoner``) against this roster's ids and names.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from .errors import SigningError

#: The form of an OpenSSH key fingerprint (``ssh-keygen -l``), such as the roster's anchor.
FINGERPRINT_FORM = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")

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
        "SHA256:OVIeORUw42Z60qaEqwJJBV4ohUL5PAycVY7C7vrWgQk",  # DEMO-penerbit-contoh
    }
)


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
    """An official who may hold roles; ``code``: may sign commits changing the site's code."""

    id: str
    name: str
    keys: tuple[PersonKey, ...]
    code: bool = False


@dataclass(frozen=True)
class Publisher:
    """A publishing machine: its key signs the publication archive's records."""

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
    publishers: tuple[Publisher, ...] = ()
    #: The approval desk's web origins: a passkey signature counts only from one of them.
    desk_origins: tuple[str, ...] = ()

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

    def code_signers(self) -> list[Person]:
        """Return the people whom the roster allows to sign changes of the site's code."""
        return [person for person in self.people.values() if person.code]


class UnknownRole(SigningError):
    """A role typed on the command line names none of the roster's; nothing is signed."""


#: How alike a misspelling must be to be read as a role (difflib's ratio).
_CLOSE_ENOUGH = 0.75


def _folded(text: str) -> str:
    """Return ``text`` without case, spaces, underscores, hyphens or dots, to compare."""
    return re.sub(r"[\s_.\-]+", "", text.casefold())


def _candidates(forms: dict[str, Role], folded: str) -> list[Role]:
    """Return the roles ``folded`` starts, or else the roles it is a close misspelling of."""
    if not folded:
        return []
    chosen = [role for form, role in forms.items() if form.startswith(folded)]
    if not chosen:
        close = difflib.get_close_matches(folded, list(forms), n=len(forms), cutoff=_CLOSE_ENOUGH)
        chosen = [forms[form] for form in close]
    if not chosen and len(folded) >= 4:  # a misspelled start: "kasubag" for "kasubbag-tekmas"
        chosen = [
            role
            for form, role in forms.items()
            if any(
                difflib.SequenceMatcher(None, folded, form[:size]).ratio() >= _CLOSE_ENOUGH
                for size in (len(folded), len(folded) + 1)
            )
        ]
    return list({role.id: role for role in chosen}.values())


def find_role(roster: Roster, typed: str) -> tuple[Role, str]:
    """Return the role ``typed`` names, and a note when it was read from another spelling.

    People type a role as its id (``web-admin``), its name (``Web Admin``) or from
    memory (``web_admin``, ``kasubbag``, ``komisoner``). Case, spaces, underscores and
    hyphens never matter; an unambiguous prefix or one close misspelling is accepted
    with a note ("Peran 'komisoner' dibaca sebagai 'komisioner'.") so the person sees
    what will be signed; anything else raises ``UnknownRole`` listing the roles.
    """
    forms = {_folded(form): role for role in roster.roles for form in (role.id, role.name)}
    folded = _folded(typed)
    if folded in forms:
        return forms[folded], ""
    found = _candidates(forms, folded)
    if len(found) == 1:
        return found[0], f"Peran {typed!r} dibaca sebagai {found[0].id!r} ({found[0].name})."
    hint = f"Pilih salah satu: {', '.join(role.id for role in roster.roles)}."
    if found:
        *others, last = [repr(role.id) for role in found]
        which = f"{', '.join(others)} atau {last}"
        raise UnknownRole(f"Peran {typed!r} bisa berarti {which}.", hint=hint)
    raise UnknownRole(f"Peran tidak dikenal: {typed!r}.", hint=hint)
