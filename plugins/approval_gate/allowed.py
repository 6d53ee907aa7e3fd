"""The allowed-signers file: the roster in the form ``ssh-keygen -Y verify`` reads.

One line per holding of a role, with principal ``<person>@<role>`` and the holding's
period as ``valid-after``/``valid-before`` (quoted, or OpenSSH ignores the line's
options). An auditor then checks any sign-off with plain OpenSSH; see
docs/approval-records.md. Revoked keys are left out: their signatures no longer count.
"""

from __future__ import annotations

from datetime import UTC

from .roster import PersonKey, Roster
from .signatures import ARCHIVE_NAMESPACE, GIT_NAMESPACE, SIGNOFF_NAMESPACE


def principal(person: str, role: str) -> str:
    """Return the principal an auditor passes to ``ssh-keygen -Y verify -I``."""
    return f"{person}@{role}"


def _stamp(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def allowed_signers(roster: Roster) -> str:
    """Return the allowed-signers text for every holding in the roster."""
    lines = [
        f"# allowed_signers dari roster versi {roster.version} (jangkar {roster.anchor})",
        f"# Periksa: ssh-keygen -Y verify -f berkas-ini -I <orang>@<peran> "
        f"-n {SIGNOFF_NAMESPACE} -s tanda-tangan.sig -O verify-time=<waktu> < payload",
    ]
    for holding in roster.holdings:
        person = roster.people[holding.person]
        options = [f'namespaces="{SIGNOFF_NAMESPACE}"', f'valid-after="{_stamp(holding.start)}"']
        if holding.end is not None:
            options.append(f'valid-before="{_stamp(holding.end)}"')
        for key in person.keys:
            if key.revoked is None:
                lines.append(f"{principal(person.id, holding.role)} {','.join(options)} {key.key}")
    return "\n".join(lines) + "\n"


def _lines(owners: list[tuple[str, tuple[PersonKey, ...]]], namespace: str) -> list[str]:
    return [
        f'{owner} namespaces="{namespace}" {key.key}'
        for owner, keys in owners
        for key in keys
        if key.revoked is None
    ]


def code_allowed_signers(roster: Roster) -> str:
    """Return who may sign commits that change the site's code (``gpg.ssh.allowedSignersFile``).

    ``git verify-commit`` reads it; the principal is the person's id. Only people the
    roster marks ``code: true`` are listed, each with the keys not revoked.
    """
    owners = [(person.id, person.keys) for person in roster.code_signers()]
    return (
        "\n".join(
            [
                f"# penanda tangan kode dari roster versi {roster.version}",
                *_lines(owners, GIT_NAMESPACE),
            ]
        )
        + "\n"
    )


def publisher_allowed_signers(roster: Roster) -> str:
    """Return the publishing machines' keys, which sign the publication archive's records."""
    owners = [(publisher.id, publisher.keys) for publisher in roster.publishers]
    return (
        "\n".join(
            [
                f"# mesin penerbit dari roster versi {roster.version}",
                *_lines(owners, ARCHIVE_NAMESPACE),
            ]
        )
        + "\n"
    )
