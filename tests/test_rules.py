"""The SOP's rules, one by one, on the pure core: ``api.admit`` and ``api.judge``.

No keys, no files, no Pelican: the roster and the sign-offs are built here as objects,
so every rule of SOP 11/2023 is checked in milliseconds. The whole-site tests
(test_gate_whole_site.py and friends) check that the gate applies these same rules to
real files and real signatures.

The roles come from ``api.ROLE_IDS``; each role is held by ``pejabat-<role id>`` and
shown as its id in title case ("Kasubbag Tekmas"), so a new role needs no edit here.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from datetime import datetime, timedelta

import pytest

from approval_gate.api import (
    ROLE_IDS,
    WIB,
    Decision,
    Finding,
    Holding,
    Person,
    PersonKey,
    Role,
    Roster,
    SignOff,
    Verdict,
    admit,
    all_of,
    fingerprint,
    judge,
    number_word,
    signoff_path,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=WIB)
START = datetime(2026, 11, 21, 9, 0, tzinfo=WIB)  # the first approval of a record
IN_OFFICE = datetime(2023, 1, 12, tzinfo=WIB)
ITEM = "berita/2026-11-20-rapat-pleno.md"
DIGEST = "sha256:" + "a" * 64
OLD_DIGEST = "sha256:" + "b" * 64
FIRST, LAST = ROLE_IDS[0], ROLE_IDS[-1]
NOTE = "Daftar hadir belum dilampirkan."


def name_of(role: str) -> str:
    """Return the role's name as this roster shows it ("Kasubbag Tekmas")."""
    return role.replace("-", " ").title()


def holder(role: str) -> str:
    """Return the id of the person holding ``role`` in the default roster."""
    return f"pejabat-{role}"


def key_of(person: str) -> str:
    """Return a fixed, well-formed ed25519 public key for ``person`` (never used to sign)."""

    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    blob = field(b"ssh-ed25519") + field(hashlib.sha256(person.encode()).digest())
    return f"ssh-ed25519 {base64.b64encode(blob).decode()}"


ROLES = tuple(Role(r, name_of(r), 30, step) for step, r in enumerate(ROLE_IDS, start=1))
NAMES = {r.id: r.name for r in ROLES}


def at(step: int) -> datetime:
    """Return the signing time of the ``step``-th approval (0-based), 20 minutes apart."""
    return START + timedelta(minutes=20 * step)


def person(pid: str, *, revoked: datetime | None = None) -> Person:
    return Person(pid, f"Pejabat {pid.title()}", (PersonKey(key_of(pid), revoked),))


def roster(
    *extra: Holding, people: tuple[Person, ...] = (), holdings: tuple[Holding, ...] | None = None
) -> Roster:
    """Return a roster: each role held by its ``holder`` since 2023, plus ``extra``."""
    if holdings is None:
        holdings = tuple(Holding(r, holder(r), IN_OFFICE, None, False) for r in ROLE_IDS)
    everyone = {p.id: p for p in (*(person(holder(r)) for r in ROLE_IDS), *people)}
    return Roster(
        1, ROLES, everyone, (*holdings, *extra), "SHA256:" + "A" * 43, "approvals/roster.yml"
    )


def signoff(
    role: str,
    signer: str | None = None,
    *,
    when: datetime = START,
    decision: str = "setuju",
    key: str | None = None,
    role_written: str | None = None,
    signature_error: str | None = None,
    valid: bool = True,
) -> SignOff:
    """Return a sign-off file as parsed, signed by ``key`` (the signer's own by default)."""
    signer = signer or holder(role)
    shown = role_written or role
    return SignOff(
        f"approvals/{signoff_path(ITEM, shown, decision, when)}",
        ITEM,
        shown,
        signer,
        decision,
        NOTE if decision == "tolak" else "",
        when,
        DIGEST,
        "payload",
        "signature",
        (key or key_of(signer)) if valid else None,
        signature_error,
    )


def decision(
    role: str,
    step: int | None = None,
    *,
    who: str | None = None,
    choice: str = "setuju",
    digest: str = DIGEST,
    item: str = ITEM,
    acting: bool = False,
    when: datetime | None = None,
) -> Decision:
    """Return a counted decision of ``role`` at approval ``step`` (its SOP step by default)."""
    moment = when or at(ROLE_IDS.index(role) if step is None else step)
    return Decision(
        f"approvals/{signoff_path(item, role, choice, moment)}",
        item,
        digest,
        role,
        who or holder(role),
        choice,
        NOTE if choice == "tolak" else "",
        moment,
        acting,
    )


def in_order(*roles: str, digest: str = DIGEST) -> list[Decision]:
    """Return approvals of ``roles`` (all by default) in SOP order, 20 minutes apart."""
    return [decision(r, digest=digest) for r in (roles or ROLE_IDS)]


def verdict(decisions: list[Decision], changed_at: datetime | None = None) -> Verdict:
    return judge(ITEM, DIGEST, ROLES, decisions, changed_at)


def messages(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    return [f"{f.path}: {f.message} {f.hint}" for f in findings]


# --- judge: a complete record ---------------------------------------------------------


def test_all_roles_approving_in_sop_order_is_lengkap() -> None:
    result = verdict(in_order())
    assert (result.state, result.role, result.reason) == ("lengkap", None, "lengkap, siap terbit")
    assert result.publishable
    assert [d.role for d in result.chain] == list(ROLE_IDS)
    assert result.findings == ()


def test_a_role_may_approve_in_the_same_second_as_the_role_before() -> None:
    same = [decision(r, when=START) for r in ROLE_IDS]
    assert verdict(same).state == "lengkap"


def test_decisions_on_other_items_do_not_count() -> None:
    other = [decision(r, item="berita/lain.md") for r in ROLE_IDS]
    result = verdict(other)
    assert (result.state, result.reason) == ("draf", f"draf, menunggu {NAMES[FIRST]}")


# --- judge: waiting ------------------------------------------------------------------


def test_nothing_signed_is_draf_waiting_for_the_first_role() -> None:
    changed = datetime(2026, 11, 20, 8, 0, tzinfo=WIB)
    result = verdict([], changed)
    assert (result.state, result.role, result.reason) == (
        "draf",
        FIRST,
        f"draf, menunggu {NAMES[FIRST]}",
    )
    assert result.waiting_since == changed
    assert not result.publishable


@pytest.mark.parametrize("done", range(1, len(ROLE_IDS)), ids=[f"after-{r}" for r in ROLE_IDS[:-1]])
def test_the_next_role_in_sop_order_is_awaited(done: int) -> None:
    result = verdict(in_order(*ROLE_IDS[:done]))
    due = ROLE_IDS[done]
    assert (result.state, result.role, result.reason) == ("menunggu", due, f"menunggu {NAMES[due]}")
    assert result.waiting_since == at(done - 1)
    assert not result.publishable


@pytest.mark.parametrize("missing", ROLE_IDS, ids=[f"{r}-missing" for r in ROLE_IDS])
def test_a_missing_role_holds_the_item_even_when_later_roles_signed(missing: str) -> None:
    result = verdict(in_order(*(r for r in ROLE_IDS if r != missing)))
    assert result.role == missing
    if missing == FIRST:
        assert (result.state, result.reason) == ("draf", f"draf, menunggu {NAMES[missing]}")
    else:
        assert (result.state, result.reason) == ("menunggu", f"menunggu {NAMES[missing]}")
    assert not result.publishable


# --- judge: the order of the SOP ------------------------------------------------------

PAIRS = list(zip(ROLE_IDS, ROLE_IDS[1:], strict=False))


@pytest.mark.parametrize(("earlier", "later"), PAIRS, ids=[f"{b}-before-{a}" for a, b in PAIRS])
def test_a_role_cannot_approve_before_the_role_before_it(earlier: str, later: str) -> None:
    """E.g. the Komisioner cannot sign before the Sekretaris: that approval is not counted."""
    steps = {r: ROLE_IDS.index(r) for r in ROLE_IDS}
    steps[earlier], steps[later] = steps[later], steps[earlier]
    early = decision(later, steps[later])
    result = verdict([decision(r, steps[r]) for r in ROLE_IDS if r != later] + [early])
    assert (result.state, result.role, result.reason) == (
        "menunggu",
        later,
        f"menunggu {NAMES[later]}",
    )
    assert later not in [d.role for d in result.chain]
    assert messages(result.findings) == [
        f"{early.path}: Persetujuan {NAMES[later]} dibuat sebelum peran sebelumnya "
        f"menyetujui (urutan SOP dilanggar). Minta {NAMES[later]} menyetujui ulang."
    ]


def test_komisioner_cannot_sign_before_sekretaris() -> None:
    sekretaris, komisioner = ROLE_IDS.index("sekretaris"), ROLE_IDS.index("komisioner")
    early = decision("komisioner", sekretaris)
    result = verdict([*in_order(*ROLE_IDS[:sekretaris]), early, decision("sekretaris", komisioner)])
    assert (result.state, result.reason) == ("menunggu", f"menunggu {NAMES['komisioner']}")
    assert [f.message for f in result.findings] == [
        f"Persetujuan {NAMES['komisioner']} dibuat sebelum peran sebelumnya menyetujui "
        "(urutan SOP dilanggar)."
    ]


def test_approving_again_after_the_role_before_completes_the_record() -> None:
    steps = len(ROLE_IDS)
    early = decision(LAST, steps - 2)
    result = verdict(
        [*in_order(*ROLE_IDS[:-2]), early, decision(ROLE_IDS[-2], steps - 1), decision(LAST, steps)]
    )
    assert result.state == "lengkap"
    assert result.chain[-1].signed_at == at(steps)
    assert [f.path for f in result.findings] == [early.path]  # the early one stays reported


# --- judge: rejection -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_IDS, ids=list(ROLE_IDS))
def test_tolak_by_any_role_rejects_the_item_with_its_note(role: str) -> None:
    step = ROLE_IDS.index(role)
    result = verdict([*in_order(*ROLE_IDS[:step]), decision(role, choice="tolak")])
    assert (result.state, result.role, result.reason) == (
        "ditolak",
        role,
        f"ditolak {NAMES[role]}: {NOTE}",
    )
    assert result.waiting_since == at(step)
    assert not result.publishable


@pytest.mark.parametrize("role", ROLE_IDS, ids=list(ROLE_IDS))
def test_a_later_tolak_withdraws_the_same_roles_approval(role: str) -> None:
    late = at(len(ROLE_IDS) + 1)
    result = verdict([*in_order(), decision(role, choice="tolak", when=late)])
    assert (result.state, result.reason) == ("ditolak", f"ditolak {NAMES[role]}: {NOTE}")


@pytest.mark.parametrize("role", ROLE_IDS, ids=list(ROLE_IDS))
def test_a_later_setuju_of_the_same_role_lifts_its_tolak(role: str) -> None:
    step = ROLE_IDS.index(role)
    shift = timedelta(minutes=5)
    before = [decision(r) for r in ROLE_IDS[:step]]
    rejected = decision(role, choice="tolak")
    after = [decision(r, when=at(ROLE_IDS.index(r)) + shift) for r in ROLE_IDS[step:]]
    result = verdict([*before, rejected, *after])
    assert (result.state, result.reason) == ("lengkap", "lengkap, siap terbit")


def test_the_latest_rejection_is_the_one_reported() -> None:
    first, second = ROLE_IDS[1], ROLE_IDS[2]
    result = verdict(
        [
            decision(FIRST),
            decision(first, choice="tolak"),
            decision(second, choice="tolak", when=at(5)),
        ]
    )
    assert (result.role, result.reason) == (second, f"ditolak {NAMES[second]}: {NOTE}")
    assert result.waiting_since == at(5)


# --- judge: the content changed ---------------------------------------------------------


def test_approvals_of_an_old_version_are_kedaluwarsa() -> None:
    changed = datetime(2026, 11, 23, 8, 0, tzinfo=WIB)
    result = verdict(in_order(digest=OLD_DIGEST), changed)
    assert (result.state, result.role, result.reason) == (
        "kedaluwarsa",
        FIRST,
        # The last approval of the old version: 2026-11-21T10:00:00+07:00.
        "kedaluwarsa: persetujuan yang ada untuk versi lama; isi telah berubah sejak "
        "disetujui pada Sabtu, 21 November 2026 pukul 10.00 WIB; menunggu Web Admin "
        "menyetujui ulang",
    )
    assert result.waiting_since == changed
    assert result.chain == ()


def test_a_rejection_of_an_old_version_leaves_a_draf() -> None:
    result = verdict([decision(FIRST, choice="tolak", digest=OLD_DIGEST)])
    assert result.state == "draf"


def test_approvals_on_the_new_version_take_over_from_the_old() -> None:
    result = verdict([*in_order(digest=OLD_DIGEST), decision(FIRST, len(ROLE_IDS))])
    assert (result.state, result.role) == ("menunggu", ROLE_IDS[1])


# --- judge: four people, and duplicates -------------------------------------------------

COUNT = number_word(len(ROLE_IDS))
SAME_PERSON = (
    "{who!r} sudah menyetujui item ini untuk peran lain; "
    + COUNT
    + " persetujuan harus dari "
    + COUNT
    + " orang."
)


@pytest.mark.parametrize(
    ("first_acting", "second_acting", "counted"),
    [(False, False, False), (False, True, True), (True, False, True)],
    ids=["neither-acting-refused", "second-acting-counted", "first-acting-counted"],
)
def test_one_person_may_hold_two_roles_only_when_acting(
    first_acting: bool, second_acting: bool, counted: bool
) -> None:
    who = holder(FIRST)
    second = ROLE_IDS[1]
    double = decision(second, who=who, acting=second_acting)
    result = verdict([decision(FIRST, acting=first_acting), double, *in_order(*ROLE_IDS[2:])])
    if counted:
        assert (result.state, result.findings) == ("lengkap", ())
        return
    assert (result.state, result.reason) == ("menunggu", f"menunggu {NAMES[second]}")
    assert messages(result.findings) == [
        f"{double.path}: {SAME_PERSON.format(who=who)} Hanya pejabat pelaksana tugas "
        "(acting) yang boleh merangkap."
    ]


def test_a_duplicate_decision_is_reported_and_ignored() -> None:
    again = decision(FIRST, when=at(0) + timedelta(minutes=1))
    result = verdict([*in_order(), again])
    assert result.state == "lengkap"
    assert messages(result.findings) == [
        f"{again.path}: Keputusan ganda: pejabat yang sama sudah memberi keputusan yang sama "
        "untuk versi ini. Berkas ini diabaikan."
    ]


# --- admit: whether a sign-off counts ---------------------------------------------------


def refused(result: Decision | Finding) -> tuple[str, str]:
    assert isinstance(result, Finding), f"expected a finding, got {result!r}"
    assert result.item == ITEM
    return result.message, result.hint


def test_a_valid_signoff_by_the_holder_counts() -> None:
    role = ROLE_IDS[2]
    result = admit(signoff(role), roster(), NOW)
    assert result == Decision(
        signoff(role).path, ITEM, DIGEST, role, holder(role), "setuju", "", START, False
    )


def test_a_bad_signature_counts_for_nothing() -> None:
    bad = signoff(FIRST, valid=False, signature_error="tanda tangan tidak dapat dibaca (x)")
    assert refused(admit(bad, roster(), NOW)) == (
        "Tanda tangan tidak sah: tanda tangan tidak dapat dibaca (x).",
        "Keputusan ini diabaikan; minta pejabatnya menandatangani ulang.",
    )


@pytest.mark.parametrize(
    ("written", "extra"),
    [("sekretariss", " Mungkin maksudnya 'sekretaris'?"), ("bendahara", "")],
    ids=["close-match-hinted", "no-close-match"],
)
def test_an_unknown_role_counts_for_nothing(written: str, extra: str) -> None:
    result = admit(signoff(FIRST, role_written=written), roster(), NOW)
    assert refused(result) == (
        f"Peran tidak dikenal: {written!r}.{extra}",
        f"Peran yang ada: {', '.join(ROLE_IDS)}.",
    )


def test_a_key_not_in_the_roster_counts_for_nothing() -> None:
    outsider = key_of("orang-luar")
    result = admit(signoff(FIRST, key=outsider), roster(), NOW)
    assert refused(result) == (
        f"Ditandatangani dengan kunci {fingerprint(outsider)} yang tidak terdaftar di roster.",
        "Keputusan ini tidak dihitung.",
    )


def test_a_signoff_signed_with_another_officials_key_counts_for_nothing() -> None:
    written, real = holder(ROLE_IDS[2]), holder(LAST)
    result = admit(signoff(ROLE_IDS[2], written, key=key_of(real)), roster(), NOW)
    assert refused(result) == (
        f"Ditandatangani dengan kunci milik {real!r}, bukan {written!r} seperti tertulis.",
        "Keputusan ini tidak dihitung.",
    )


@pytest.mark.parametrize(
    "revoked",
    [START + timedelta(days=1), START - timedelta(days=1)],
    ids=["signed-before-revocation", "signed-after-revocation"],
)
def test_a_revoked_key_counts_for_nothing(revoked: datetime) -> None:
    who = "pejabat-lama"
    people = (person(who, revoked=revoked),)
    result = admit(
        signoff(FIRST, who), roster(Holding(FIRST, who, IN_OFFICE, None, False), people=people), NOW
    )
    assert refused(result) == (
        f"Kunci {fingerprint(key_of(who))} milik {who!r} telah dicabut ({revoked.isoformat()}).",
        "Minta pejabatnya menandatangani ulang dengan kunci barunya.",
    )


def test_a_signing_time_in_the_future_counts_for_nothing() -> None:
    later = NOW + timedelta(seconds=1)
    assert refused(admit(signoff(FIRST, when=later), roster(), NOW)) == (
        f"Waktu tanda tangan {later.isoformat()} ada di masa depan.",
        "Periksa jam komputer penanda tangan; keputusan diabaikan.",
    )


def test_a_signing_time_of_exactly_now_counts() -> None:
    assert isinstance(admit(signoff(FIRST, when=NOW), roster(), NOW), Decision)


# --- admit: who held the role when -------------------------------------------------------

HANDOVER = datetime(2026, 1, 1, tzinfo=WIB)
SECOND = timedelta(seconds=1)


def handover_roster() -> Roster:
    """Rudi holds the first role until the handover, its usual holder from then on."""
    rest = tuple(Holding(r, holder(r), IN_OFFICE, None, False) for r in ROLE_IDS[1:])
    return roster(
        people=(person("rudi"),),
        holdings=(
            Holding(FIRST, "rudi", IN_OFFICE, HANDOVER, False),
            Holding(FIRST, holder(FIRST), HANDOVER, None, False),
            *rest,
        ),
    )


def not_holding(who: str, name: str, role: str, when: datetime) -> tuple[str, str]:
    return (
        f"{name} ({who}) tidak menjabat {NAMES[role]} pada {when.isoformat()}.",
        f"Minta pejabat {NAMES[role]} yang sedang menjabat untuk menandatangani.",
    )


@pytest.mark.parametrize(
    ("who", "when", "counted"),
    [
        ("rudi", HANDOVER - SECOND, True),
        ("rudi", HANDOVER, False),
        (holder(FIRST), HANDOVER - SECOND, False),
        (holder(FIRST), HANDOVER, True),
    ],
    ids=[
        "old-holder-before-handover",
        "old-holder-at-handover",
        "new-holder-before-handover",
        "new-holder-at-handover",
    ],
)
def test_only_the_holder_at_signing_time_counts_across_a_handover(
    who: str, when: datetime, counted: bool
) -> None:
    result = admit(signoff(FIRST, who, when=when), handover_roster(), NOW)
    if counted:
        assert isinstance(result, Decision) and result.person == who
    else:
        assert refused(result) == not_holding(who, f"Pejabat {who.title()}", FIRST, when)


@pytest.mark.parametrize(
    ("when", "holders"),
    [(HANDOVER - SECOND, ["rudi"]), (HANDOVER, [holder(FIRST)])],
    ids=["before-handover", "at-handover"],
)
def test_the_roster_names_one_holder_at_any_moment_of_a_handover(
    when: datetime, holders: list[str]
) -> None:
    assert [p.id for p in handover_roster().holders(FIRST, when)] == holders


def test_a_revoked_key_still_names_its_owner() -> None:
    """So the refusal can say whose key it was (``admit`` refuses it)."""
    who = "pejabat-lama"
    table = roster(people=(person(who, revoked=START),))
    found = table.person_with_key(key_of(who))
    assert found is not None and found.id == who


@pytest.mark.parametrize(
    ("start", "end", "when"),
    [(START + SECOND, None, START), (IN_OFFICE, START, START)],
    ids=["before-taking-office", "after-leaving-office"],
)
def test_a_signoff_outside_the_term_of_office_counts_for_nothing(
    start: datetime, end: datetime | None, when: datetime
) -> None:
    who = holder(FIRST)
    rest = tuple(Holding(r, holder(r), IN_OFFICE, None, False) for r in ROLE_IDS[1:])
    table = roster(holdings=(Holding(FIRST, who, start, end, False), *rest))
    assert refused(admit(signoff(FIRST, when=when), table, NOW)) == not_holding(
        who, f"Pejabat {who.title()}", FIRST, when
    )


def test_holding_one_role_does_not_allow_signing_for_another() -> None:
    who, role = holder(FIRST), ROLE_IDS[1]
    assert refused(admit(signoff(role, who), roster(), NOW)) == not_holding(
        who, f"Pejabat {who.title()}", role, START
    )


def test_an_acting_holder_counts_as_acting() -> None:
    who, role = holder(FIRST), ROLE_IDS[1]
    table = roster(Holding(role, who, IN_OFFICE, None, True))
    result = admit(signoff(role, who), table, NOW)
    assert isinstance(result, Decision)
    assert (result.role, result.person, result.acting) == (role, who, True)


def test_an_acting_holder_completes_the_record_with_a_second_role() -> None:
    who, role = holder(FIRST), ROLE_IDS[1]
    table = roster(Holding(role, who, IN_OFFICE, None, True))
    files = [signoff(r, who if r == role else None, when=at(i)) for i, r in enumerate(ROLE_IDS)]
    decisions = [admit(f, table, NOW) for f in files]
    assert all(isinstance(d, Decision) for d in decisions)
    assert verdict(decisions).state == "lengkap"  # type: ignore[arg-type]


# --- the SOP's words --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "word"),
    [(0, "nol"), (1, "satu"), (2, "dua"), (4, "empat"), (10, "sepuluh"), (11, "11"), (-1, "-1")],
    ids=["0", "1", "2", "4", "10", "11-digits", "negative-digits"],
)
def test_number_word_says_the_count_in_indonesian(count: int, word: str) -> None:
    assert number_word(count) == word


@pytest.mark.parametrize(
    ("count", "word"),
    [(2, "kedua"), (3, "ketiga"), (4, "keempat"), (10, "kesepuluh"), (11, "kesemua")],
    ids=["2", "3", "4", "10", "11"],
)
def test_all_of_says_all_n_of_people(count: int, word: str) -> None:
    assert all_of(count) == word
