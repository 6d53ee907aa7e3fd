"""Safety rails: a wrong clock, a mass withdrawal, a rollback out of order, demo mixed with real.

Each rail stops a publish whose result would be wrong for a reason outside the SOP, with
exit code 15 and a message that says what was seen and what to do; the rollback order
comes from the machine's release log only. The machine state lives under
``XDG_STATE_HOME`` in ``tmp_path``; keys are real (ssh-keygen).
"""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from approval_gate.api import DEMO_ANCHOR, ConfigError, ExitCode

from publishing import archive
from publishing.config import load_config
from publishing.rails import (
    RailError,
    check_clock,
    check_demo_separation,
    check_withdrawal,
    commit_time,
    known_moments,
    live_items,
    previous_live,
    rollback_entry,
    withdrawal,
)
from publishing.state import MachineState, load_state, state_root
from publishing.targets import TargetError
from publishing.targets.local import current_release, deploy_local, rollback_local
from test_archive import _key, _pending, _roster

SITE = "0123456789abcdef"
NOW = datetime.fromisoformat("2026-11-24T10:00:00+07:00")
IN_2020 = datetime.fromisoformat("2020-01-01T08:00:00+07:00")
ITEMS = [f"berita/{n:02d}.md" for n in range(10)]


@pytest.fixture
def state(tmp_path: Path) -> MachineState:
    """The publishing machine's record of one site, in a private XDG state folder."""
    return load_state(state_root({"XDG_STATE_HOME": str(tmp_path / "state")}) / SITE, SITE)


def _live(state: MachineState, release: str, at: str, target: str = "lokal", demo: bool = False):
    state.went_live(
        {"release": release, "target": target, "commit": "a" * 40, "at": at, "demo": demo}
    )


# --- the clock ----------------------------------------------------------------------------


def _repo(folder: Path, when: str) -> tuple[Path, str]:
    folder.mkdir()
    env = {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when, "HOME": str(folder)}
    git = ["git", "-C", str(folder), "-c", "user.name=Uji", "-c", "user.email=uji@kpu"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "isi"], check=True, env=env)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    return folder, sha.stdout.strip()


@pytest.mark.parametrize(
    ("newest", "named"),
    [
        ("machine", "waktu terbaru yang dicatat mesin ini"),
        ("signature", "tanda tangan terbaru"),
        ("commit", "commit "),
        ("release", "rilis 20261124T093000.000-abcdef"),
    ],
    ids=["machine", "signature", "commit", "release"],
)
def test_a_clock_set_back_to_2020_is_refused_with_both_times(
    state: MachineState, tmp_path: Path, newest: str, named: str
) -> None:
    older = datetime.fromisoformat("2026-11-01T09:00:00+07:00")
    known = datetime.fromisoformat("2026-11-24T09:30:00+07:00")
    state.saw(known if newest == "machine" else older)
    if newest == "release":
        _live(state, "20261124T093000.000-abcdef", known.isoformat())
    repo, sha = _repo(tmp_path / "repo", (known if newest == "commit" else older).isoformat())
    if newest == "commit":
        named += sha[:12]
    moments = known_moments(
        state,
        commit=sha,
        committed=commit_time(repo, sha),
        signed=known if newest == "signature" else older,
    )
    with pytest.raises(RailError) as refused:
        check_clock(IN_2020, *moments)
    assert refused.value.exit_code == ExitCode.RAIL == 15
    assert str(refused.value) == (
        f"Jam komputer ini menunjukkan 2020-01-01 08:00:00 WIB, lebih awal dari {named} "
        "(2026-11-24 09:30:00 WIB). Dengan jam yang mundur, tanda tangan yang sah tampak "
        "berasal dari masa depan dan item yang tayang akan diturunkan, jadi penerbitan "
        "dihentikan. Perbaiki jam komputer (mis. 'timedatectl set-ntp true'), lalu ulangi. "
        "Tidak ada yang diubah: situs yang tayang dan arsip tetap seperti semula. Bila jam "
        f"sudah benar, waktu {named} itu yang salah; periksa asalnya sebelum menerbitkan."
    )
    check_clock(NOW, *moments)  # the right clock passes


def test_a_few_minutes_of_drift_are_tolerated_and_nothing_known_passes() -> None:
    check_clock(NOW, ("tanda tangan terbaru", datetime.fromisoformat("2026-11-24T10:04:00+07:00")))
    with pytest.raises(RailError):
        check_clock(
            NOW, ("tanda tangan terbaru", datetime.fromisoformat("2026-11-24T10:06:00+07:00"))
        )
    check_clock(IN_2020, ("commit", None))  # a first publish knows nothing yet


# --- withdrawal ---------------------------------------------------------------------------


def test_withdrawing_3_of_10_items_is_refused_at_20_percent_listing_them() -> None:
    staying = ITEMS[3:]
    reasons = {"berita/00.md": "ditolak Sekretaris: data salah"}
    with pytest.raises(RailError) as refused:
        withdrawal(ITEMS, staying, 0.2, allowed=False, reasons=reasons)
    assert refused.value.exit_code == 15
    assert str(refused.value) == (
        "Penerbitan ini akan menurunkan 3 dari 10 item yang sedang tayang (30%), lebih dari "
        "batas 20% (PUBLISH_MAX_WITHDRAWAL). Periksa mengapa item itu tidak terbit lagi (jam "
        "komputer, persetujuan yang dicabut, berkas yang hilang). Bila penarikan ini memang "
        "dikehendaki, ulangi dengan 'invoke publish --izinkan-penarikan'. Tidak ada yang "
        "diubah: situs yang tayang tetap seperti semula.\n"
        "Item yang akan turun:\n"
        "  - berita/00.md: ditolak Sekretaris: data salah\n"
        "  - berita/01.md: tidak ada lagi di commit yang diterbitkan\n"
        "  - berita/02.md: tidak ada lagi di commit yang diterbitkan"
    )
    allowed = withdrawal(ITEMS, staying, 0.2, allowed=True)
    assert allowed == ["berita/00.md", "berita/01.md", "berita/02.md"]  # the plan lists them
    assert withdrawal(ITEMS, ITEMS[2:], 0.2, allowed=False) == ITEMS[:2]  # 20 % is not more
    assert withdrawal(None, [], 0.2, allowed=False) == []  # nothing live yet


def test_announcements_whose_validity_ended_leave_without_counting_toward_the_limit() -> None:
    ended = ITEMS[:3]  # their berlaku_sampai passed: decided when they were approved
    assert withdrawal(ITEMS, ITEMS[3:], 0.2, allowed=False, scheduled=ended) == ended
    with pytest.raises(RailError, match="3 dari 10 item"):  # unplanned ones still count
        withdrawal(ITEMS, ITEMS[6:], 0.2, allowed=False, scheduled=ended)


def test_a_long_withdrawal_lists_the_first_20_and_counts_the_rest() -> None:
    live = [f"berita/{n:02d}.md" for n in range(30)]
    with pytest.raises(RailError) as refused:
        withdrawal(live, live[25:], 0.2, allowed=False)
    lines = str(refused.value).splitlines()
    assert lines[1] == "Item yang akan turun:"
    assert lines[2:] == [
        *(f"  - berita/{n:02d}.md: tidak ada lagi di commit yang diterbitkan" for n in range(20)),
        "  - ... dan 5 item lainnya",
    ]


def test_the_items_live_now_come_from_the_signed_records_of_the_live_release(
    state: MachineState, tmp_path: Path
) -> None:
    key = _key(tmp_path / "kunci", "penerbit")
    roster = _roster(key)
    folder = tmp_path / "situs" / "approvals" / "_arsip"
    (tmp_path / "situs" / "approvals").mkdir(parents=True)
    assert live_items(state, "lokal", folder, roster) is None  # never published here
    release = "20261124T093000.000-abcdef"
    pending = archive.write_pending(folder, _pending(release, ITEMS), key, roster)
    archive.complete(pending, at=NOW, sent=None, key=key, roster=roster)
    _live(state, release, NOW.isoformat())
    assert live_items(state, "lokal", folder, roster) == ITEMS
    with pytest.raises(RailError, match="menurunkan 3 dari 10 item"):
        check_withdrawal(state, "lokal", folder, roster, ITEMS[3:], threshold=0.2, allowed=False)
    assert check_withdrawal(
        state, "lokal", folder, roster, ITEMS[1:], threshold=0.2, allowed=False
    ) == ["berita/00.md"]
    killed = "20261124T094500.000-fedcba"  # live, but killed before its complete record
    archive.write_pending(folder, _pending(killed, ITEMS[:5]), key, roster)
    _live(state, killed, NOW.isoformat())
    assert live_items(state, "lokal", folder, roster) == ITEMS[:5]


def test_an_unreadable_record_of_the_live_release_stops_the_publish_unless_allowed(
    state: MachineState, tmp_path: Path
) -> None:
    key = _key(tmp_path / "kunci", "penerbit")
    folder = tmp_path / "situs" / "approvals" / "_arsip"
    _live(state, "20261124T093000.000-abcdef", NOW.isoformat())  # its record is gone
    with pytest.raises(RailError) as refused:
        check_withdrawal(state, "lokal", folder, _roster(key), [], threshold=0.2, allowed=False)
    assert str(refused.value).startswith(
        "Item yang sedang tayang di target 'lokal' tidak dapat dibaca dari catatan arsip "
        "rilis 20261124T093000.000-abcdef (catatan tidak ada ("
    )
    assert "ulangi dengan 'invoke publish --izinkan-penarikan'" in str(refused.value)
    assert (
        check_withdrawal(state, "lokal", folder, _roster(key), [], threshold=0.2, allowed=True)
        == []
    )


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 0.2), (0.5, 0.5), (0, 0.0), (1, 1.0)], ids=str
)
def test_the_threshold_is_a_publish_setting(value: float | None, expected: float) -> None:
    settings = {} if value is None else {"PUBLISH_MAX_WITHDRAWAL": value}
    assert load_config(settings, "publishconf.py").max_withdrawal == expected


@pytest.mark.parametrize("value", [1.5, -0.1, True, "20%"], ids=str)
def test_a_threshold_outside_0_and_1_is_a_settings_error(value: object) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config({"PUBLISH_MAX_WITHDRAWAL": value}, "publishconf.py")
    assert refused.value.exit_code == 3
    assert str(refused.value) == (
        "publishconf.py: Nilai pengaturan 'PUBLISH_MAX_WITHDRAWAL': diharapkan bagian antara 0 "
        f"dan 1 dari item yang tayang, mis. 0.2 (20 %), tetapi diterima {value!r}. Perbaiki "
        "nilai itu lalu jalankan perintahnya lagi."
    )


# --- rollback by the release log ----------------------------------------------------------


def test_rollback_follows_the_release_log_not_the_names(
    state: MachineState, tmp_path: Path
) -> None:
    target = tmp_path / "situs"
    order = ["20261124T0900-a", "20200101T0800-b", "20261124T1100-c"]  # b: a clock set back
    for number, release in enumerate(order):
        build = tmp_path / f"b{number}"
        build.mkdir()
        (build / "index.html").write_text(release)
        deploy_local(build, target, release)
        _live(state, release, NOW.isoformat())
    assert previous_live(state, "lokal") == "20200101T0800-b"  # not 20261124T0900-a by name
    back = rollback_local(target, previous_live(state, "lokal", current_release(target)))
    assert back == "20200101T0800-b" == current_release(target)
    assert (target / "current" / "index.html").read_text() == "20200101T0800-b"
    state.went_live(rollback_entry("lokal", back, "20261124T1100-c", NOW, demo=False))
    assert previous_live(state, "lokal") == "20261124T0900-a"  # further back, never forward
    assert rollback_local(target, previous_live(state, "lokal")) == "20261124T0900-a"
    state.went_live(rollback_entry("lokal", "20261124T0900-a", back, NOW, demo=False))
    with pytest.raises(TargetError) as refused:
        previous_live(state, "lokal")
    assert str(refused.value) == (
        "Tidak ada rilis sebelumnya untuk dikembalikan: catatan rilis mesin ini "
        f"({state.release_log}) tidak memuat rilis target 'lokal' yang tayang sebelum "
        "20261124T0900-a. Rollback hanya kembali ke rilis yang pernah tayang, menurut urutan "
        "tayangnya. Untuk isi yang lebih lama, terbitkan ulang commit lamanya."
    )


def test_a_release_that_was_never_live_is_never_chosen(state: MachineState, tmp_path: Path) -> None:
    target = tmp_path / "situs"
    for release in ("20261124T0900-a", "20261124T1000-dry", "20261124T1100-c"):
        build = tmp_path / release
        build.mkdir()
        (build / "index.html").write_text(release)
        deploy_local(build, target, release)
    _live(state, "20261124T0900-a", NOW.isoformat())
    _live(state, "20261124T1100-c", NOW.isoformat())  # the middle one never went live
    assert previous_live(state, "lokal", "20261124T1100-c") == "20261124T0900-a"
    assert previous_live(state, "lokal", "20261124T1200-killed") == "20261124T1100-c"
    with pytest.raises(TargetError, match="^Rilis 20261124T0800-x tidak ada lagi di "):
        rollback_local(target, "20261124T0800-x")
    assert current_release(target) == "20261124T1100-c"
    with pytest.raises(TargetError, match="Tidak ada rilis sebelumnya"):
        previous_live(state, "lain")


# --- demo separation ----------------------------------------------------------------------


def test_a_demo_release_never_goes_where_real_releases_went(state: MachineState) -> None:
    _live(state, "20261124T0900-a", NOW.isoformat())
    demo = load_state(state.folder.parent / f"contoh-{SITE}", SITE)
    with pytest.raises(RailError) as refused:
        check_demo_separation(demo, "lokal", demo=True, pinned_anchor=None)
    assert refused.value.exit_code == 15
    assert str(refused.value) == (
        "Target 'lokal' sudah menayangkan rilis resmi (20261124T0900-a); rilis contoh tidak "
        "pernah dikirim ke target yang sama. Pakai target lain (folder atau server lain) "
        "untuk rilis contoh. Tidak ada yang diubah."
    )
    check_demo_separation(demo, "uji", demo=True, pinned_anchor=DEMO_ANCHOR)  # another target


def test_a_real_release_never_goes_where_demo_releases_went(state: MachineState) -> None:
    demo = load_state(state.folder.parent / f"contoh-{SITE}", SITE)
    _live(demo, "20261124T0900-contoh", NOW.isoformat(), demo=True)
    with pytest.raises(RailError, match=r"sudah menayangkan rilis contoh \(20261124T0900-contoh\)"):
        check_demo_separation(state, "lokal", demo=False, pinned_anchor="SHA256:resmi")
    check_demo_separation(demo, "lokal", demo=True, pinned_anchor=None)  # demo after demo


def test_a_machine_with_a_real_anchor_never_publishes_a_demo(state: MachineState) -> None:
    with pytest.raises(RailError) as refused:
        check_demo_separation(state, "lokal", demo=True, pinned_anchor="SHA256:resmi")
    assert str(refused.value) == (
        "Mesin ini memakai jangkar roster resmi (SHA256:resmi); penerbitan contoh (--demo) "
        "tidak pernah dijalankan di mesin penerbit resmi. Coba situs contoh di komputer lain "
        "(tanpa KPU_ROSTER_ANCHOR dan tanpa ~/.config/kpu-rembang/roster-anchor). Tidak ada "
        "yang diubah."
    )
    check_demo_separation(state, "lokal", demo=False, pinned_anchor="SHA256:resmi")
