"""The publication archive: real folders only, signed by the publishing machine, never faked.

A writer may commit anything under approvals/, including a symlink named ``_arsip`` or a
record of their own. These tests write records with real keys made by ssh-keygen and
check what the publish, the next publish (``previous_same``) and the report/sheet
(``read_publications``) make of every forgery: refused before the switch, never cited,
reported and ignored. Plain ``ssh-keygen -Y verify`` accepts the genuine records and
refuses the forged ones; a genuine record copied under another name is caught by its name.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from approval_gate.api import (
    ARCHIVE_NAMESPACE,
    DEMO_ANCHOR,
    ExitCode,
    PersonKey,
    Publisher,
    Roster,
    load_roster,
    normalise_key,
    publisher_allowed_signers,
    sign_with_ssh_keygen,
)

from editorial.published import read_publications
from publishing import archive
from publishing.archive import keys as archive_keys
from publishing.targets import Plan, Sent

REPO = Path(__file__).resolve().parent.parent
NOW = datetime.fromisoformat("2026-11-24T10:00:00+07:00")
FIRST = "20261124T100000.000-aaaaaa"
SECOND = "20261124T110000.000-bbbbbb"


def _key(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True
    )
    return path


def _roster(*keys: Path, revoked: datetime | None = None) -> Roster:
    """A trusted roster whose only publishing machine holds ``keys``."""
    held = tuple(PersonKey(normalise_key(Path(f"{k}.pub").read_text()), revoked) for k in keys)
    machine = Publisher("penerbit-uji", "Mesin penerbit uji", held)
    return Roster(1, (), {}, (), "SHA256:uji", "roster.yml", (machine,))


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The publishing machine's key and a forger's key (not in any roster)."""
    folder = tmp_path_factory.mktemp("kunci")
    return _key(folder, "penerbit"), _key(folder, "pemalsu")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "situs" / "approvals").mkdir(parents=True)
    return tmp_path / "situs"


def _pending(release: str, items: list[str], same_as: str | None = None) -> dict:
    manifest = {
        "included": [
            {
                "item": item,
                "url": item.removesuffix(".md") + "/",
                "lang": "id",
                "digest": f"sha256:{len(item):064x}",
                "signoffs": [],
            }
            for item in items
        ],
        "excluded": [{"item": "berita/tunggu.md", "state": "menunggu", "reason": "menunggu"}],
        "roster": {"version": 1},
        "next_change": None,
    }
    return archive.pending_record(
        release=release,
        at=NOW,
        by="uji@mesin",
        source=archive.Provenance("a" * 40, False, "Uji"),
        target="lokal",
        kind="lokal",
        location="/srv/situs/current",
        manifest=manifest,
        plan=Plan(upload=["index.html"], unchanged=3),
        demo=False,
        same_as=same_as,
    )


def _publish(
    folder: Path, release: str, items: list[str], key: Path, roster: Roster, same: bool = False
) -> archive.Written:
    """Write the pending and the complete record of one publish, as the publish does."""
    same_as = archive.previous_same(folder, "lokal", _digest(items), roster) if same else None
    pending = archive.write_pending(folder, _pending(release, items, same_as), key, roster)
    return archive.complete(
        pending, at=NOW, sent=Sent(location="/srv/situs/current"), key=key, roster=roster
    )


def _digest(items: list[str]) -> str:
    return str(_pending(FIRST, items)["published_sha256"])


def ssh_keygen_verifies(record: Path, roster: Roster, tmp_path: Path) -> bool:
    """Check ``record`` with plain OpenSSH, as docs/publishing.md tells an auditor to."""
    allowed = tmp_path / "penerbit_allowed_signers"
    allowed.write_text(publisher_allowed_signers(roster))
    with record.open("rb") as payload:
        done = subprocess.run(
            [
                "ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "penerbit-uji",
                "-n", ARCHIVE_NAMESPACE, "-s", f"{record}.sig",
            ],
            stdin=payload,
            capture_output=True,
            check=False,
        )  # fmt: skip
    return done.returncode == 0


# --- real folders only --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plant", "shown", "what"),
    [
        ("arsip-symlink", "approvals/_arsip", "sebuah tautan simbolik (symlink), bukan folder"),
        ("year-file", "approvals/_arsip/2026", "sebuah berkas, bukan folder"),
        ("year-symlink", "approvals/_arsip/2026", "sebuah tautan simbolik (symlink), bukan folder"),
        ("approvals-symlink", "approvals", "sebuah tautan simbolik (symlink), bukan folder"),
    ],
    ids=["arsip-symlink", "year-file", "year-symlink", "approvals-symlink"],
)
def test_the_record_is_written_only_through_real_folders(
    project: Path, tmp_path: Path, machine: tuple[Path, Path], plant: str, shown: str, what: str
) -> None:
    key, _ = machine
    live = tmp_path / "web" / "current"  # the live site a writer wants the record in
    live.mkdir(parents=True)
    approvals = project / "approvals"
    if plant == "arsip-symlink":
        (approvals / "_arsip").symlink_to(live)
    elif plant == "year-file":
        (approvals / "_arsip").mkdir()
        (approvals / "_arsip" / "2026").write_text("bukan folder")
    elif plant == "year-symlink":
        (approvals / "_arsip").mkdir()
        (approvals / "_arsip" / "2026").symlink_to(live)
    else:
        approvals.rmdir()
        approvals.symlink_to(live)
    with pytest.raises(archive.ArchiveError) as refused:
        archive.write_pending(
            approvals / "_arsip", _pending(FIRST, ["berita/a.md"]), key, _roster(key)
        )
    assert refused.value.exit_code == ExitCode.SEAL == 14
    assert str(refused.value) == (
        f"{shown} adalah {what}. Catatan arsip hanya ditulis melalui folder sungguhan. "
        f"Ganti {shown} dengan folder biasa (periksa commit yang membuatnya), lalu ulangi. "
        "Tidak ada yang diterbitkan; situs yang tayang tidak berubah."
    )
    assert [p for p in live.rglob("*")] == []  # nothing reached the live site
    if plant == "year-file":
        assert (approvals / "_arsip" / "2026").read_text() == "bukan folder"


def test_a_record_is_written_once_and_never_rewritten(
    project: Path, machine: tuple[Path, Path]
) -> None:
    key, _ = machine
    folder = project / "approvals" / "_arsip"
    first = archive.write_pending(folder, _pending(FIRST, ["berita/a.md"]), key, _roster(key))
    before = first.path.read_bytes()
    with pytest.raises(archive.ArchiveError, match="sudah ada; catatan arsip ditulis sekali"):
        archive.write_pending(folder, _pending(FIRST, ["berita/b.md"]), key, _roster(key))
    assert first.path.read_bytes() == before
    assert sorted(p.name for p in first.path.parent.iterdir()) == [
        f"{FIRST}-lokal.tertunda.yml",
        f"{FIRST}-lokal.tertunda.yml.sig",
    ]  # no temporary file is left behind


# --- signed: pending, then complete -------------------------------------------------------


def test_pending_and_complete_records_both_verify_with_plain_ssh_keygen(
    project: Path, tmp_path: Path, machine: tuple[Path, Path]
) -> None:
    key, _ = machine
    roster = _roster(key)
    folder = project / "approvals" / "_arsip"
    done = _publish(folder, FIRST, ["berita/a.md", "berita/b.md"], key, roster)
    pending = folder / "2026" / f"{FIRST}-lokal.tertunda.yml"
    assert done.path == folder / "2026" / f"{FIRST}-lokal.yml"
    for record in (pending, done.path):
        assert ssh_keygen_verifies(record, roster, tmp_path)
        assert record.read_text().startswith("# Arsip publikasi situs KPU Kabupaten Rembang")
    said = yaml.safe_load(pending.read_text())
    assert (said["status"], said["publisher"], said["release"]) == (
        "tertunda",
        "penerbit-uji",
        FIRST,
    )
    assert [entry["item"] for entry in said["published"]] == ["berita/a.md", "berita/b.md"]
    assert said["plan"] == {"upload": 1, "bytes": 0, "delete": 0, "unchanged": 3}
    final = archive.verify_record(done.path, roster)
    assert final["status"] == "selesai" and final["pending"] == f"2026/{FIRST}-lokal.tertunda.yml"
    assert final["published_sha256"] == said["published_sha256"]
    assert archive.published_items(folder, FIRST, "lokal", roster) == ["berita/a.md", "berita/b.md"]


def test_an_unchanged_republish_cites_the_record_that_lists_the_items(
    project: Path, machine: tuple[Path, Path]
) -> None:
    key, _ = machine
    roster, folder = _roster(key), project / "approvals" / "_arsip"
    _publish(folder, FIRST, ["berita/a.md"], key, roster)
    _publish(folder, SECOND, ["berita/a.md"], key, roster, same=True)
    third = "20261124T120000.000-cccccc"
    _publish(folder, third, ["berita/a.md"], key, roster, same=True)
    cited = archive.verify_record(folder / "2026" / f"{third}-lokal.tertunda.yml", roster)
    assert cited["published_same_as"] == f"2026/{FIRST}-lokal.yml"  # never a chain
    assert archive.published_items(folder, third, "lokal", roster) == ["berita/a.md"]


def _plant(folder: Path, release: str, items: list[str], how: str, forger: Path, key: Path) -> Path:
    """Put a record into the archive the way a writer could, without the machine's key."""
    record = folder / release[:4] / f"{release}-lokal.yml"
    data = {**_pending(release, items), "status": "selesai", "publisher": "penerbit-uji"}
    text = archive.records.HEADER + yaml.safe_dump(data, sort_keys=False)
    if how == "renamed":  # a genuine record of another release, copied under this name
        source = folder / "2026" / f"{FIRST}-lokal.yml"
        record.write_bytes(source.read_bytes())
        Path(f"{record}.sig").write_bytes(Path(f"{source}.sig").read_bytes())
        return record
    record.write_text(text)
    if how == "forged":
        Path(f"{record}.sig").write_text(
            sign_with_ssh_keygen(record.read_bytes(), forger, ARCHIVE_NAMESPACE)
        )
    elif how == "edited":  # signed by the machine, then changed
        Path(f"{record}.sig").write_text(
            sign_with_ssh_keygen(record.read_bytes(), key, ARCHIVE_NAMESPACE)
        )
        record.write_text(text.replace("berita/palsu.md", "berita/palsu2.md"))
    elif how == "other-signature":
        Path(f"{record}.sig").write_bytes(
            Path(folder / "2026" / f"{FIRST}-lokal.yml.sig").read_bytes()
        )
    return record


PLANTS = {
    "unsigned": "tanda tangan (.sig) tidak ada",
    "forged": "yang bukan kunci mesin penerbit di roster versi 1 (atau sudah dicabut)",
    "edited": "tanda tangan tidak sah",
    "other-signature": "tanda tangan tidak sah",
    "renamed": "nama berkas atau foldernya tidak cocok dengan rilis dan target di isinya",
}


@pytest.mark.parametrize("how", list(PLANTS), ids=list(PLANTS))
def test_a_planted_record_is_never_cited_and_is_reported(
    project: Path, tmp_path: Path, machine: tuple[Path, Path], how: str
) -> None:
    key, forger = machine
    roster, folder = _roster(key), project / "approvals" / "_arsip"
    _publish(folder, FIRST, ["berita/a.md"], key, roster)
    planted = _plant(folder, SECOND, ["berita/a.md", "berita/palsu.md"], how, forger, key)
    assert not ssh_keygen_verifies(planted, roster, tmp_path) or how == "renamed"
    fake, real = _digest(["berita/a.md", "berita/palsu.md"]), _digest(["berita/a.md"])
    assert archive.previous_same(folder, "lokal", fake, roster) is None  # never vouched for
    assert archive.previous_same(folder, "lokal", real, roster) == f"2026/{FIRST}-lokal.yml"
    with pytest.raises(archive.ArchiveError, match=re.escape(PLANTS[how])):
        archive.read_complete(folder, planted, roster)
    found, problems = read_publications([(folder, False)], project, roster)
    assert "berita/palsu.md" not in found
    assert [p.record for p in found["berita/a.md"]] == [f"approvals/_arsip/2026/{FIRST}-lokal.yml"]
    [problem] = problems
    assert problem.startswith(
        f"approvals/_arsip/2026/{SECOND}-lokal.yml: catatan arsip diabaikan: "
    ) and problem.endswith(
        ". Hanya catatan yang ditandatangani mesin penerbit di roster yang dihitung; periksa "
        "asal berkas itu bersama Web Admin."
    )
    assert PLANTS[how] in problem


def test_a_revoked_publisher_key_no_longer_vouches(
    project: Path, machine: tuple[Path, Path]
) -> None:
    key, _ = machine
    folder = project / "approvals" / "_arsip"
    done = _publish(folder, FIRST, ["berita/a.md"], key, _roster(key))
    with pytest.raises(archive.ArchiveError, match="atau sudah dicabut"):
        archive.verify_record(done.path, _roster(key, revoked=NOW))
    assert (
        archive.previous_same(folder, "lokal", _digest(["berita/a.md"]), _roster(key, revoked=NOW))
        is None
    )


# --- a kill between pending and complete --------------------------------------------------

CHILD = """
import sys
from pathlib import Path
sys.path[:0] = [{repo!r}, {plugins!r}, {tests!r}]
from test_archive import NOW, _pending, _roster
from publishing import archive
from publishing.targets import Sent
key, folder = Path({key!r}), Path({folder!r})
pending = archive.write_pending(folder, _pending({release!r}, ["berita/a.md"]), key, _roster(key))
# the deploy switched here; then the record is completed (the test kills us first)
archive.complete(pending, at=NOW, sent=Sent(location="x"), key=key, roster=_roster(key))
"""


@pytest.fixture
def child() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_publish_killed_after_its_switch_leaves_a_signed_pending_record(
    project: Path, tmp_path: Path, machine: tuple[Path, Path], child: list
) -> None:
    key, _ = machine
    folder = project / "approvals" / "_arsip"
    marker = tmp_path / "berhenti"
    code = CHILD.format(
        repo=str(REPO), plugins=str(REPO / "plugins"), tests=str(REPO / "tests"),
        key=str(key), folder=str(folder), release=FIRST,
    )  # fmt: skip
    env = {**os.environ, "KPU_FAILPOINT": "archive", "KPU_FAILPOINT_FILE": str(marker)}
    process = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)
    child.append(process)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, "the child ended before the failpoint"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    pending = folder / "2026" / f"{FIRST}-lokal.tertunda.yml"
    roster = _roster(key)
    assert sorted(p.name for p in pending.parent.iterdir()) == [pending.name, f"{pending.name}.sig"]
    assert ssh_keygen_verifies(pending, roster, tmp_path)
    assert archive.verify_record(pending, roster)["release"] == FIRST  # names the live release
    found, problems = read_publications([(folder, False)], project, roster)
    assert found == {}
    assert problems == [
        f"approvals/_arsip/2026/{FIRST}-lokal.tertunda.yml: catatan tertunda tanpa catatan "
        "selesai: penerbitan itu berhenti sebelum selesai dicatat (rilisnya mungkin sudah "
        "tayang). Itemnya tidak dihitung di sini; tanyakan Web Admin."
    ]


# --- the publishing machine's key ---------------------------------------------------------


def test_the_key_is_found_in_xdg_config_or_the_environment(
    tmp_path: Path, machine: tuple[Path, Path]
) -> None:
    key, forger = machine
    config = tmp_path / "config"
    placed = _key(config / "kpu-rembang", "penerbit_ed25519")
    env = {"XDG_CONFIG_HOME": str(config)}
    assert archive.check_publisher_key(_roster(placed), env, demo=False) == placed
    assert (
        archive.check_publisher_key(_roster(key), {**env, "KPU_PUBLISHER_KEY": str(key)}, False)
        == key
    )


def test_a_missing_key_stops_the_publish_before_anything_is_built(tmp_path: Path, machine) -> None:
    key, _ = machine
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    with pytest.raises(archive.ArchiveKeyError) as refused:
        archive.check_publisher_key(_roster(key), env, demo=False)
    where = tmp_path / "config" / "kpu-rembang" / "penerbit_ed25519"
    assert refused.value.exit_code == ExitCode.SIGNING == 6
    assert str(refused.value) == (
        f"Kunci mesin penerbit tidak ditemukan: {where}. Catatan arsip ditandatangani dengan "
        "kunci itu, jadi tidak ada yang diterbitkan. Buat dengan 'ssh-keygen -t ed25519 -N "
        f'"" -f {where}\' (atau atur KPU_PUBLISHER_KEY), lalu minta Ketua mencantumkan kunci '
        "publiknya di roster (bagian publishers) dan menandatangani roster baru."
    )


def test_a_key_the_roster_does_not_name_is_refused(machine: tuple[Path, Path]) -> None:
    key, forger = machine
    with pytest.raises(archive.ArchiveKeyError, match="tidak tercantum di roster versi 1"):
        archive.check_publisher_key(_roster(key), {"KPU_PUBLISHER_KEY": str(forger)}, demo=False)


@pytest.fixture
def sample_roster() -> Roster:
    return load_roster(REPO / "approvals", DEMO_ANCHOR, allow_demo_keys=True)


def test_the_demo_key_is_refused_outside_demo_mode(sample_roster: Roster) -> None:
    env = {"KPU_PUBLISHER_KEY": str(archive_keys.DEMO_KEY)}
    with pytest.raises(archive.ArchiveKeyError, match="adalah kunci contoh"):
        archive.check_publisher_key(sample_roster, env, demo=False)


def test_the_demo_publisher_signs_the_sample_archive_even_when_checked_out_0644(
    tmp_path: Path, sample_roster: Roster
) -> None:
    demo = archive_keys.DEMO_KEY
    demo.chmod(0o644)  # as git checks it out (git keeps no 0600); git sees no change
    key = archive.check_publisher_key(sample_roster, {}, demo=True)
    assert key == demo
    folder = archive.archive_folder(tmp_path / "approvals", tmp_path / "var", demo=True)
    written = archive.write_pending(folder, _pending(FIRST, ["berita/a.md"]), key, sample_roster)
    assert (
        written.path == tmp_path / "var" / "arsip-contoh" / "2026" / f"{FIRST}-lokal.tertunda.yml"
    )
    assert archive.verify_record(written.path, sample_roster)["publisher"] == "penerbit-contoh"
    assert demo.stat().st_mode & 0o777 == 0o600  # like every demo key (keyfiles.py)
