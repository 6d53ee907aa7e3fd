"""The SOP's rules, pure: which decisions count, and whether an item may be published.

No I/O here. Given the verified roster, the sign-offs and the current digest, ``judge``
returns a verdict with reasons; the Pelican glue, ``invoke status`` and the tests all
use this one function, so there is one answer to "may this be published?".

Complete means: for the current digest each of the four roles has a counted ``setuju``,
in SOP order by signing time (never earlier than the role before),
from distinct people (unless the roster marks an acting
official), and no role's latest decision on that digest is ``tolak``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime

from .clock import moment_words
from .errors import Finding
from .records import SignOff
from .roster import Role, Roster
from .passkeys import origin_refusal
from .signatures import fingerprint
from .sop import number_word


@dataclass(frozen=True)
class Decision:
    """A sign-off that counts: validly signed by the holder of its role at that time."""

    path: str
    item: str
    digest: str
    role: str
    person: str
    decision: str
    note: str
    signed_at: datetime
    acting: bool


@dataclass(frozen=True)
class Verdict:
    """Whether one item may be published, and what it waits for."""

    item: str
    digest: str
    state: str  # draf, menunggu, ditolak, kedaluwarsa or lengkap
    role: str | None
    reason: str
    chain: tuple[Decision, ...] = ()
    waiting_since: datetime | None = None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def publishable(self) -> bool:
        """Only a complete record publishes."""
        return self.state == "lengkap"


def _reject(signoff: SignOff, message: str, hint: str) -> Finding:
    return Finding(signoff.path, message, hint, None, signoff.item)


def admit(signoff: SignOff, roster: Roster, now: datetime) -> Decision | Finding:
    """Return the decision if it counts, else a finding saying why it does not."""
    if signoff.key is None:
        return _reject(
            signoff,
            f"Tanda tangan tidak sah: {signoff.signature_error}.",
            "Keputusan ini diabaikan; minta pejabatnya menandatangani ulang.",
        )
    refused = origin_refusal(signoff.origin, roster.desk_origins)
    if refused is not None:
        return _reject(
            signoff,
            f"Tanda tangan tidak sah: {refused}.",
            "Keputusan ini diabaikan; minta pejabatnya menandatangani ulang di meja persetujuan.",
        )
    role = roster.role(signoff.role)
    if role is None:
        ids = [r.id for r in roster.roles]
        close = difflib.get_close_matches(signoff.role, ids, n=1)
        extra = f" Mungkin maksudnya {close[0]!r}?" if close else ""
        return _reject(
            signoff,
            f"Peran tidak dikenal: {signoff.role!r}.{extra}",
            f"Peran yang ada: {', '.join(ids)}.",
        )
    person = roster.person_with_key(signoff.key)
    if person is None:
        return _reject(
            signoff,
            f"Ditandatangani dengan kunci {fingerprint(signoff.key)} yang "
            "tidak terdaftar di roster.",
            "Keputusan ini tidak dihitung.",
        )
    if person.id != signoff.signer:
        return _reject(
            signoff,
            f"Ditandatangani dengan kunci milik {person.id!r}, bukan "
            f"{signoff.signer!r} seperti tertulis.",
            "Keputusan ini tidak dihitung.",
        )
    revoked = next(k.revoked for k in person.keys if k.key == signoff.key)
    if revoked is not None:
        return _reject(
            signoff,
            f"Kunci {fingerprint(signoff.key)} milik {person.id!r} telah "
            f"dicabut ({revoked.isoformat()}).",
            "Minta pejabatnya menandatangani ulang dengan kunci barunya.",
        )
    if signoff.signed_at > now:
        return _reject(
            signoff,
            f"Waktu tanda tangan {signoff.signed_at.isoformat()} ada di masa depan.",
            "Periksa jam komputer penanda tangan; keputusan diabaikan.",
        )
    holding = roster.holding(role.id, person.id, signoff.signed_at)
    if holding is None:
        return _reject(
            signoff,
            f"{person.name} ({person.id}) tidak menjabat {role.name} pada "
            f"{signoff.signed_at.isoformat()}.",
            f"Minta pejabat {role.name} yang sedang menjabat untuk menandatangani.",
        )
    return Decision(
        signoff.path,
        signoff.item,
        signoff.digest,
        role.id,
        person.id,
        signoff.decision,
        signoff.note,
        signoff.signed_at,
        holding.acting,
    )


def _repeats(decisions: list[Decision], counted: set[str], reported: set[str]) -> list[Finding]:
    """Report a decision that repeats an earlier identical one and does not count.

    A repeat that counts is the approval given again after an out-of-order one (which
    the order finding asked for); a repeat already reported as out of order is not
    reported twice.
    """
    seen: set[tuple[str, str, str, str]] = set()
    findings = []
    for decision in decisions:
        key = (decision.digest, decision.role, decision.person, decision.decision)
        if key in seen and decision.path not in counted | reported:
            findings.append(
                Finding(
                    decision.path,
                    "Keputusan ganda: pejabat yang sama sudah "
                    "memberi keputusan yang sama untuk versi ini.",
                    "Berkas ini diabaikan.",
                    None,
                    decision.item,
                )
            )
        seen.add(key)
    return findings


def _chain(
    roles: tuple[Role, ...], current: list[Decision]
) -> tuple[list[Decision], Role | None, list[Finding]]:
    """Walk the roles in SOP order; return the approvals found and the role still due."""
    chain: list[Decision] = []
    findings: list[Finding] = []
    used: dict[str, bool] = {}
    for role in roles:
        after = chain[-1].signed_at if chain else None
        candidates = [d for d in current if d.role == role.id and d.decision == "setuju"]
        for early in (d for d in candidates if after is not None and d.signed_at < after):
            findings.append(
                Finding(
                    early.path,
                    f"Persetujuan {role.name} dibuat sebelum peran "
                    "sebelumnya menyetujui (urutan SOP dilanggar).",
                    f"Minta {role.name} menyetujui ulang.",
                    None,
                    early.item,
                )
            )
        fitting = []
        for d in candidates:
            if after is not None and d.signed_at < after:
                continue
            if d.person in used and not (d.acting or used[d.person]):
                count = number_word(len(roles))
                findings.append(
                    Finding(
                        d.path,
                        f"{d.person!r} sudah menyetujui item ini untuk "
                        f"peran lain; {count} persetujuan harus dari {count} "
                        "orang.",
                        "Hanya pejabat pelaksana tugas (acting) yang boleh merangkap.",
                        None,
                        d.item,
                    )
                )
                continue
            fitting.append(d)
        if not fitting:
            return chain, role, findings
        chosen = fitting[0]
        used[chosen.person] = chosen.acting
        chain.append(chosen)
    return chain, None, findings


def judge(
    item: str,
    digest: str,
    roles: tuple[Role, ...],
    decisions: list[Decision],
    changed_at: datetime | None = None,
) -> Verdict:
    """Decide whether ``item`` at ``digest`` may be published, with the reason."""
    names = {role.id: role.name for role in roles}
    mine = sorted((d for d in decisions if d.item == item), key=lambda d: (d.signed_at, d.path))
    current = [d for d in mine if d.digest == digest]
    latest: dict[str, Decision] = {}
    for decision in current:
        latest[decision.role] = decision
    rejections = [d for d in latest.values() if d.decision == "tolak"]
    chain, due, order_findings = _chain(roles, current)
    findings = _repeats(mine, {d.path for d in chain}, {f.path for f in order_findings})
    findings += order_findings

    def verdict(state: str, role: str | None, reason: str, since: datetime | None) -> Verdict:
        return Verdict(item, digest, state, role, reason, tuple(chain), since, tuple(findings))

    if rejections:
        last = max(rejections, key=lambda d: d.signed_at)
        return verdict(
            "ditolak", last.role, f"ditolak {names[last.role]}: {last.note}", last.signed_at
        )
    if due is None:
        return verdict("lengkap", None, "lengkap, siap terbit", None)
    if chain:
        return verdict("menunggu", due.id, f"menunggu {names[due.id]}", chain[-1].signed_at)
    older = [d for d in mine if d.digest != digest and d.decision == "setuju"]
    if older:
        approved = moment_words(max(d.signed_at for d in older))
        return verdict(
            "kedaluwarsa",
            due.id,
            "kedaluwarsa: persetujuan yang ada untuk versi lama; isi telah berubah sejak "
            f"disetujui pada {approved}; menunggu {names[due.id]} menyetujui ulang",
            changed_at,
        )
    return verdict("draf", due.id, f"draf, menunggu {names[due.id]}", changed_at)
