"""The local target looks at its live release beside the audit, and the plan stays exact.

A publish hands the walk of the live release to a small process while the audit runs
(publishing/targets/local_look.py). Whatever that process finds, or fails to find, the
plan must send exactly what changed: a live file changed by hand is hashed again, an
answer about another release is not taken, and a look that cannot start, dies or is no
longer wanted costs only time (the plan then looks itself).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from approval_gate.api import MachineCache
from publishing import build, side_process, tree
from publishing.audit import AuditFinding
from publishing.targets import local
from publishing.targets.local import (
    LocalTarget,
    compare,
    deploy_local,
    look_live,
    plan_local,
    rollback_local,
)
from publishing.targets.local_look import Live, LocalLook
from sitekit import Site
from test_plan_record import PAGES, changed_by_hand, released, site_of


@pytest.fixture
def seal(tmp_path: Path) -> MachineCache:
    return MachineCache(tmp_path / "var" / "target-cache", "lokal")


@pytest.fixture
def target(tmp_path: Path, seal: MachineCache) -> Path:
    """A local target whose live release r1 has PAGES and its sealed record."""
    return released(tmp_path, seal)


def _answer(target: Path, seal: MachineCache) -> Live:
    looking = look_live(target, seal)
    assert looking is not None
    answer = looking.result()
    assert isinstance(answer, Live)
    return answer


def _files(listing: tree.Packed | tree.Listing) -> dict[str, tuple[str, tree.Stamp]]:
    return {rel: (f.sha256, f.stamp) for rel, f in listing.items()}


def test_the_look_finds_the_live_release_as_the_plan_itself_would(
    target: Path, seal: MachineCache
) -> None:
    answer = _answer(target, seal)
    root = target / "releases" / "r1"
    assert answer.release == "r1"
    assert _files(tree.Packed.from_wire(root, answer.wire)) == _files(tree.list_output(root))


@pytest.mark.parametrize("how", ["same-size-and-mtime", "replaced", "deleted", "added"])
def test_a_live_file_changed_by_hand_is_hashed_by_the_look(
    tmp_path: Path, target: Path, seal: MachineCache, how: str
) -> None:
    changed_by_hand(target, how)
    root = target / "releases" / "r1"
    found = tree.Packed.from_wire(root, _answer(target, seal).wire)
    assert _files(found) == _files(tree.list_output(root))
    output = site_of(tmp_path / "b2", PAGES)
    trees = compare(output, target, tree.list_output(output), seal, _answer(target, seal))
    plan = plan_local(output, target, trees)
    expected = {
        "same-size-and-mtime": (["berita/b/index.html"], []),
        "replaced": (["berita/b/index.html"], []),
        "deleted": (["berita/b/index.html"], []),
        "added": ([], ["tambahan.html"]),
    }
    assert (plan.upload, plan.delete) == expected[how]


def test_an_answer_about_another_release_is_not_taken(
    tmp_path: Path, target: Path, seal: MachineCache
) -> None:
    """A rollback between the look and the plan: the plan lists the release now live."""
    answer = _answer(target, seal)
    deploy_local(site_of(tmp_path / "b2", {**PAGES, "index.html": "baru"}), target, "r2", seal=seal)
    rollback_local(target, "r1")
    deploy_local(site_of(tmp_path / "b3", {"lain.html": "x"}), target, "r3", seal=seal)
    output = site_of(tmp_path / "b4", PAGES)
    plan = plan_local(output, target, compare(output, target, None, seal, answer))
    assert (sorted(plan.upload), plan.delete) == (sorted(PAGES), ["lain.html"])


@pytest.mark.parametrize("how", ["cannot-start", "fails", "killed", "nonsense"])
def test_a_look_that_gives_no_answer_leaves_the_plan_to_look_itself(
    tmp_path: Path, target: Path, seal: MachineCache, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "cannot-start":
        monkeypatch.setattr(side_process.sys, "executable", str(tmp_path / "tidak-ada"))
    elif how == "fails":  # its code cannot be imported
        monkeypatch.setattr(side_process, "PROJECT", tmp_path / "kosong")
    looking = look_live(target, seal)
    assert looking is not None
    if how == "killed":
        looking.cancel()
    answer = looking.result()
    if how == "nonsense":  # an answer that is not a listing is not taken
        assert isinstance(answer, Live)
        answer = Live(answer.release, answer.wire[:-3])
    else:
        assert answer is None
    output = site_of(tmp_path / "b2", {**PAGES, "berita/a/index.html": "A2"})
    plan = plan_local(output, target, compare(output, target, None, seal, answer))
    assert plan.upload == ["berita/a/index.html"]


def test_a_look_no_longer_wanted_is_ended(target: Path, seal: MachineCache) -> None:
    looking = look_live(target, seal)
    assert isinstance(looking, LocalLook)
    process = looking._work._process
    assert process is not None
    looking.cancel()
    assert process.returncode is not None  # waited for: no process left behind
    looking.cancel()  # twice is harmless
    assert looking.result() is None


def test_without_a_live_release_there_is_nothing_to_look_at(
    tmp_path: Path, seal: MachineCache
) -> None:
    assert look_live(tmp_path / "kosong", seal) is None


def test_a_build_that_fails_its_audit_ends_the_look(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look is started before the audit; a refused build ends it, never waits for it."""
    ended: list[str] = []

    class Watched:
        def result(self) -> None:
            ended.append("result")

        def cancel(self) -> None:
            ended.append("cancel")

    def refused(*args: object, **kwargs: object) -> list[AuditFinding]:
        assert ended == ["started"]  # the look is under way while the audit runs
        return [AuditFinding("x.html", "halaman ini bukan milik item yang disetujui")]

    def look_ahead() -> Watched:
        ended.append("started")
        return Watched()

    site.article("berita/a.md", "Berita A", "Isi A.")
    site.approve_all("berita/a.md")
    monkeypatch.setattr(build, "audit_output", refused)
    with pytest.raises(build.BuildFailed, match="Audit hasil build"):
        build.build_site(site.settings, site.output, look_ahead=look_ahead)
    assert ended == ["started", "cancel"]
    assert not site.output.exists()  # nothing of the refused build is in place


@pytest.mark.parametrize("looked", [True, False])
def test_the_local_target_plans_from_the_look_while_it_is_about_the_live_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, looked: bool
) -> None:
    """``LocalTarget.plan`` walks the live release only when no answer was handed back."""
    root = tmp_path / "proyek"
    root.mkdir()
    chosen = LocalTarget("lokal", {"path": "situs"}, {}, root, root / "var")
    deploy_local(site_of(tmp_path / "b1", PAGES), chosen.path, "r1", seal=chosen.seal)
    looking = chosen.look_ahead()
    assert looking is not None
    if looked:
        chosen.ahead = looking.result()
    else:
        looking.cancel()
        chosen.ahead = None
    walked: list[Path] = []
    real = local.pack_output

    def walking(folder: Path, known: object = None) -> tree.Packed:
        walked.append(folder)
        return real(folder, known)  # type: ignore[arg-type]

    monkeypatch.setattr(local, "pack_output", walking)
    output = site_of(tmp_path / "b2", {**PAGES, "baru.html": "x"})
    chosen.known = tree.list_output(output)
    plan = chosen.plan(output)
    assert plan.upload == ["baru.html"] and plan.unchanged == len(PAGES)
    assert walked == ([] if looked else [chosen.path / "releases" / "r1"])
    chosen.deploy(output, "r2")
    assert (chosen.path / "current" / "baru.html").read_text() == "x"
