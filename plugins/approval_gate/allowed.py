"""The allowed-signers file: the roster in the form ``ssh-keygen -Y verify`` reads.

One line per holding of a role, with principal ``<person>@<role>`` and the holding's
period as ``valid-after``/``valid-before`` (quoted, or OpenSSH ignores the line's
options). An auditor then checks any sign-off with plain OpenSSH; see
docs/approval-records.md. Revoked keys are left out: their signatures no longer count.
"""

from __future__ import annotations

from datetime import UTC

from .roster import Roster
from .signatures import SIGNOFF_NAMESPACE


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
