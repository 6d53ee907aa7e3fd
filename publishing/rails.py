"""Safety rails: a publish that would do harm for a reason outside the SOP stops first.

The gate decides what is approved; these rails stop a publish whose result would be
wrong for another reason, before anything changes (exit code 15, ``RailError``):

* **The clock.** With the clock set back (2020), every sign-off looks like it comes from
  the future, nothing counts, and a publish would take the whole site down. A publish
  refuses when now is earlier than the newest moment this machine knows: its own record
  (``state.newest``), the newest sign-off, the commit's committer time, the newest
  release in the log. Five minutes of difference are tolerated (clocks drift).
* **Withdrawal.** A publish that would take down more than ``PUBLISH_MAX_WITHDRAWAL``
  (default 20 %) of the items live now refuses unless ``--izinkan-penarikan`` is given,
  listing the items that would go. The items live now are read from the signed archive
  records of the release the log says is live (``live_items``).
* **Rollback order.** The release log (``state.releases``) holds the releases that went
  live, in the order they did, and the rollbacks. ``previous_live`` walks it back; release
  names and clocks play no part, so a rollback never brings up a release that was never
  live.
* **Demo separation.** A demo release never goes to a target whose log has real releases
  and the other way round; a machine with a real anchor pinned never publishes a demo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from approval_gate.api import DEMO_ANCHOR, WIB, ExitCode, KpuError, as_moment, git_text

from .archive import ArchiveError, machine_cache, published_items
from .state import MachineState
from .targets import TargetError

if TYPE_CHECKING:
    from approval_gate.api import Roster

#: How far the clock may lag behind a known moment before the publish refuses.
SLACK = timedelta(minutes=5)
#: How many withdrawn items a refusal lists by name.
SHOWN = 20
#: The setting that holds the withdrawal threshold (``publishing/config.py``).
SETTING = "PUBLISH_MAX_WITHDRAWAL"
FLAG = "--izinkan-penarikan"
DEMO_PREFIX = "contoh-"

#: A moment the machine knows, with what it is, e.g. ("commit 1a2b3c4d5e6f", datetime).
Moment = tuple[str, datetime | None]


class RailError(KpuError):
    """A safety rail stopped the publish before anything changed."""

    exit_code = ExitCode.RAIL


def _shown(moment: datetime) -> str:
    return f"{moment.astimezone(WIB):%Y-%m-%d %H:%M:%S} WIB"


# --- the clock ----------------------------------------------------------------------------


def check_clock(now: datetime, *moments: Moment, slack: timedelta = SLACK) -> None:
    """Refuse when ``now`` is earlier than the newest of ``moments`` (``None``s are skipped)."""
    known = [(what, at) for what, at in moments if at is not None]
    if not known:
        return
    what, newest = max(known, key=lambda moment: moment[1])
    if now >= newest - slack:
        return
    raise RailError(
        f"Jam komputer ini menunjukkan {_shown(now)}, lebih awal dari {what} "
        f"({_shown(newest)}). Dengan jam yang mundur, tanda tangan yang sah tampak berasal "
        "dari masa depan dan item yang tayang akan diturunkan, jadi penerbitan dihentikan.",
        hint="Perbaiki jam komputer (mis. 'timedatectl set-ntp true'), lalu ulangi. Tidak "
        "ada yang diubah: situs yang tayang dan arsip tetap seperti semula. Bila jam sudah "
        f"benar, waktu {what} itu yang salah; periksa asalnya sebelum menerbitkan.",
    )


def commit_time(repo: Path, commit: str) -> datetime | None:
    """Return the committer time of ``commit`` (``None`` if git cannot tell)."""
    return as_moment(git_text(repo, "show", "-s", "--format=%cI", commit, timeout=30))


def newest_release(state: MachineState) -> Moment:
    """Return the newest release in the machine's log (any target), as a moment."""
    entries = [(as_moment(e.get("at")), e) for e in state.releases()]
    dated = [(at, e) for at, e in entries if at is not None]
    if not dated:
        return ("rilis terbaru", None)
    at, entry = max(dated, key=lambda pair: pair[0])
    return (f"rilis {entry.get('release')}", at)


def known_moments(
    state: MachineState,
    *,
    commit: str | None = None,
    committed: datetime | None = None,
    signed: datetime | None = None,
) -> list[Moment]:
    """Return every moment ``check_clock`` compares with, each named for the message."""
    return [
        ("waktu terbaru yang dicatat mesin ini", as_moment(state.newest)),
        ("tanda tangan terbaru", signed),
        (f"commit {commit[:12]}" if commit else "commit", committed),
        newest_release(state),
    ]


# --- withdrawal ---------------------------------------------------------------------------


def withdrawn_lines(
    gone: Sequence[str], reasons: Mapping[str, str] | None = None, limit: int = SHOWN
) -> list[str]:
    """Return one line per withdrawn item (the first ``limit``), then how many more."""
    reasons = reasons or {}
    lines = [
        f"{item}: {reasons.get(item, 'tidak ada lagi di commit yang diterbitkan')}"
        for item in gone[:limit]
    ]
    if len(gone) > limit:
        lines.append(f"... dan {len(gone) - limit} item lainnya")
    return lines


def withdrawal(
    live_items: Iterable[str] | None,
    new_items: Iterable[str],
    threshold: float,
    allowed: bool,
    reasons: Mapping[str, str] | None = None,
    scheduled: Iterable[str] = (),
) -> list[str]:
    """Return the live items this publish takes down; refuse more than ``threshold`` of them.

    ``threshold`` is a share (0.2 = 20 %); "more than" is strict, so 2 of 10 pass at 0.2.
    ``allowed`` is ``--izinkan-penarikan``. ``reasons`` (item -> why it is held, from the
    manifest) makes the list say why each item goes. ``scheduled`` items leave because
    their approved validity ended (``berlaku_sampai``): that was decided when they were
    approved, so they are listed but do not count toward the threshold.
    """
    live = set(live_items or ())
    gone = sorted(live - set(new_items))
    unplanned = [item for item in gone if item not in set(scheduled)]
    if not unplanned or allowed or len(unplanned) / len(live) <= threshold:
        return gone
    gone = unplanned
    listed = "\n".join(f"  - {line}" for line in withdrawn_lines(gone, reasons))
    raise RailError(
        f"Penerbitan ini akan menurunkan {len(gone)} dari {len(live)} item yang sedang "
        f"tayang ({len(gone) / len(live):.0%}), lebih dari batas {threshold:.0%} ({SETTING}). "
        "Periksa mengapa item itu tidak terbit lagi (jam komputer, persetujuan yang dicabut, "
        "berkas yang hilang). Bila penarikan ini memang dikehendaki, ulangi dengan "
        f"'invoke publish {FLAG}'. Tidak ada yang diubah: situs yang tayang tetap seperti "
        f"semula.\nItem yang akan turun:\n{listed}"
    )


def live_items(state: MachineState, target: str, folder: Path, roster: Roster) -> list[str] | None:
    """Return the items live now at ``target``: the live release's signed archive records.

    ``None`` when this machine never published there (nothing can be withdrawn). A record
    that is missing or does not verify is a ``RailError``: the publish cannot tell what
    it would take down (``--izinkan-penarikan`` goes on without knowing).
    """
    order = live_order(state.releases(target))
    if not order:
        return None
    try:  # the machine's cache of states spares re-reading the chain's full record
        return published_items(folder, order[-1], target, roster, machine_cache(state.folder))
    except ArchiveError as error:
        raise RailError(
            f"Item yang sedang tayang di target '{target}' tidak dapat dibaca dari catatan "
            f"arsip rilis {order[-1]} ({error}), jadi penerbitan tidak tahu apa yang akan "
            "diturunkan.",
            hint=f"Periksa catatan itu di {folder}. Bila tetap ingin menerbitkan, ulangi "
            f"dengan 'invoke publish {FLAG}'. Tidak ada yang diubah.",
        ) from None


def check_withdrawal(
    state: MachineState,
    target: str,
    folder: Path,
    roster: Roster,
    new_items: Iterable[str],
    *,
    threshold: float,
    allowed: bool,
    reasons: Mapping[str, str] | None = None,
    scheduled: Iterable[str] = (),
) -> list[str]:
    """Run ``withdrawal`` against the items live now (``live_items``); for the publish."""
    try:
        live = live_items(state, target, folder, roster)
    except RailError:
        if not allowed:
            raise
        return []
    return withdrawal(live, new_items, threshold, allowed, reasons, scheduled)


# --- rollback order -----------------------------------------------------------------------


def rollback_entry(
    target: str, to: str, current: str | None, at: datetime, demo: bool
) -> dict[str, Any]:
    """Return the release-log entry of a rollback (``state.went_live(...)`` appends it)."""
    return {
        "release": to,
        "target": target,
        "at": at.isoformat(),
        "demo": demo,
        "rollback_from": current,
    }


def live_order(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return the releases as they stack up live, oldest first; the last one is live now.

    A publish puts its release on top; a rollback (an entry with ``rollback_from``) takes
    releases off until the one it returned to is on top again.
    """
    stack: list[str] = []
    for entry in entries:
        release = str(entry.get("release"))
        if "rollback_from" not in entry:
            stack.append(release)
            continue
        while stack and stack[-1] != release:
            stack.pop()
        if not stack:
            stack.append(release)
    return stack


def previous_live(state: MachineState, target: str, current: str | None = None) -> str:
    """Return the release that was live before ``current`` at ``target``, from the log.

    ``current`` defaults to the live release by the log. A ``current`` the log does not
    know (a publish killed after its switch, before it was logged) had the newest logged
    release before it. ``TargetError`` (as before) when the log holds none.
    """
    order = live_order(state.releases(target))
    if current is None or current not in order:
        earlier = order if current is not None else order[:-1]
    else:
        earlier = order[: order.index(current)]
    if not earlier:
        live = current or (order[-1] if order else "-")
        raise TargetError(
            f"Tidak ada rilis sebelumnya untuk dikembalikan: catatan rilis mesin ini "
            f"({state.release_log}) tidak memuat rilis target '{target}' yang tayang "
            f"sebelum {live}.",
            hint="Rollback hanya kembali ke rilis yang pernah tayang, menurut urutan tayangnya. "
            "Untuk isi yang lebih lama, terbitkan ulang commit lamanya.",
        )
    return earlier[-1]


# --- demo separation ----------------------------------------------------------------------


def _both_logs(state: MachineState, target: str) -> list[tuple[bool, Mapping[str, Any]]]:
    """Return the entries of ``target`` in this site's real and demo logs, with their kind."""
    site = state.site.removeprefix(DEMO_PREFIX)
    found: list[tuple[bool, Mapping[str, Any]]] = []
    for demo, name in ((False, site), (True, f"{DEMO_PREFIX}{site}")):
        log = MachineState(state.folder.parent / name, state.site)
        found += [(bool(e.get("demo", demo)), e) for e in log.releases(target)]
    return found


def check_demo_separation(
    state: MachineState, target: str, demo: bool, pinned_anchor: str | None
) -> None:
    """Refuse a demo release where real ones went live (or the reverse), or on a real machine.

    ``pinned_anchor`` is ``api.pinned_anchor()``: a machine that pins a real anchor is a
    publishing machine of the KPU and never makes a demo release live.
    """
    if demo and pinned_anchor and pinned_anchor != DEMO_ANCHOR:
        raise RailError(
            f"Mesin ini memakai jangkar roster resmi ({pinned_anchor}); penerbitan contoh "
            "(--demo) tidak pernah dijalankan di mesin penerbit resmi.",
            hint="Coba situs contoh di komputer lain (tanpa KPU_ROSTER_ANCHOR dan tanpa "
            "~/.config/kpu-rembang/roster-anchor). Tidak ada yang diubah.",
        )
    other = [entry for kind, entry in _both_logs(state, target) if kind != demo]
    if other:
        mine, theirs = ("contoh", "resmi") if demo else ("resmi", "contoh")
        raise RailError(
            f"Target '{target}' sudah menayangkan rilis {theirs} ({other[-1].get('release')}); "
            f"rilis {mine} tidak pernah dikirim ke target yang sama.",
            hint="Pakai target lain (folder atau server lain) untuk rilis "
            f"{mine}. Tidak ada yang diubah.",
        )
