"""Archive records that list what changed: a chain anyone can add up, and nobody can bend.

Each publish here goes through the publish's own steps (``steps.archive_pending`` and
``steps.archive_complete``, with real keys made by ssh-keygen): a publish that changed
one item writes a record of that change naming the previous record by path and SHA-256;
the whole state added up from the chain is exactly what was published; a wrong link, an
edited or missing record is refused by every reader; every ``FULL_EVERY``-th record (and
one signed by another key) lists everything again; records of earlier versions are valid
chain starts; the machine's cache of states can only make reading faster.
"""

from __future__ import annotations

import hashlib
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from approval_gate.api import ARCHIVE_NAMESPACE, Roster, sign_with_ssh_keygen

from editorial.published import read_publications
from publishing import archive, rails, steps
from publishing.archive import chain
from publishing.targets import Plan, Sent
from test_archive import NOW, _key, _roster

ROLES = ("web-admin", "kasubbag", "sekretaris", "komisioner")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """This machine's archive key and a second publishing machine's key."""
    folder = tmp_path_factory.mktemp("kunci-rantai")
    return _key(folder, "penerbit"), _key(folder, "penerbit-baru")


def _entry(name: str, version: int = 0) -> dict[str, Any]:
    item = f"berita/{name}.md"
    digest = hashlib.sha256(f"{item}:{version}".encode()).hexdigest()
    return {
        "item": item,
        "url": f"berita/{name}/",
        "lang": "id",
        "save_as": f"berita/{name}/index.html",
        "digest": f"sha256:{digest}",
        "signoffs": [
            {
                "role": role,
                "signer": f"orang-{role}",
                "signed_at": f"2026-11-2{step}T09:00:00+07:00",
                "file": f"approvals/berita/{name}/{step}-{role}.yml",
            }
            for step, role in enumerate(ROLES, 1)
        ],
    }


class Machine:
    """A publishing machine's archive: publishes through the publish's own steps."""

    def __init__(self, root: Path, key: Path, roster: Roster) -> None:
        self.root, self.key, self.roster = root, key, roster
        self.folder = root / "approvals" / "_arsip"
        (root / "approvals").mkdir(parents=True, exist_ok=True)
        self.releases: list[str] = []
        self.state = types.SimpleNamespace(
            folder=root / "mesin",
            releases=lambda target: [{"release": r} for r in self.releases],
        )

    def publish(self, entries: list[dict[str, Any]], upload: tuple[str, ...] = ()) -> Path:
        """Write the pending and complete record of one publish; return the complete one."""
        chain._MEMO.clear()  # each publish is a process of its own
        manifest = {
            "included": sorted(entries, key=lambda e: e["item"]),
            "excluded": [],
            "roster": {"version": 1},
            "next_change": None,
        }
        release = (NOW + timedelta(minutes=len(self.releases))).strftime(
            "%Y%m%dT%H%M%S.000-"
        ) + f"{len(self.releases):06d}"
        target = types.SimpleNamespace(name="lokal", kind="lokal", describe=lambda: "/srv/situs")
        built = types.SimpleNamespace(
            ready=types.SimpleNamespace(
                target=target, config=types.SimpleNamespace(archive_commit=False)
            ),
            roster=self.roster,
            result=types.SimpleNamespace(manifest=manifest),
            key=self.key,
        )
        run = types.SimpleNamespace(
            archive_folder=self.folder,
            repo=self.root,
            demo=True,
            commit="a" * 40,
            machine=self.state,
        )
        plan = Plan(upload=list(upload), unchanged=len(entries))
        pending = steps.archive_pending(run, built, release, NOW, plan)  # type: ignore[arg-type]
        done, _ = steps.archive_complete(
            run,  # type: ignore[arg-type]
            built,  # type: ignore[arg-type]
            pending,
            Sent(location="/srv/situs"),
            release,
        )
        self.releases.append(release)
        return done

    def pending(self, complete: Path) -> dict[str, Any]:
        return yaml.safe_load(complete.with_name(complete.name[:-4] + ".tertunda.yml").read_text())

    def items(self, release: str | None = None, cache: bool = False) -> list[str]:
        chain._MEMO.clear()
        return archive.published_items(
            self.folder,
            release or self.releases[-1],
            "lokal",
            self.roster,
            archive.machine_cache(self.state.folder) if cache else None,
        )


@pytest.fixture
def machine(tmp_path: Path, keys: tuple[Path, Path]) -> Machine:
    return Machine(tmp_path / "situs", keys[0], _roster(keys[0]))


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _names(entries: list[dict[str, Any]]) -> list[str]:
    return sorted(e["item"] for e in entries)


def test_a_one_change_publish_writes_the_change_and_names_the_previous_record(
    machine: Machine,
) -> None:
    site = [_entry(n) for n in ("a", "b", "c")]
    first = machine.publish(site)
    assert [e["item"] for e in machine.pending(first)["published"]] == _names(site)
    site[1] = _entry("b", version=1)
    second = machine.publish(site, upload=("berita/b/index.html",))
    said = machine.pending(second)
    assert said["previous"] == f"2026/{first.name}"
    assert said["previous_sha256"] == _sha256(first)
    assert said["chain_depth"] == 1
    assert "published" not in said
    assert said["changes"] == {
        "added": [],
        "changed": [archive.published_list({"included": [site[1]]})[0]],
        "withdrawn": [],
        "files": {"upload": ["berita/b/index.html"], "delete": []},
    }
    assert said["published_count"] == 3
    assert len(second.with_name(second.name[:-4] + ".tertunda.yml").read_bytes()) < 3000


def test_the_state_added_up_from_the_chain_is_what_each_publish_published(
    machine: Machine,
) -> None:
    site = [_entry(n) for n in ("a", "b", "c")]
    published = []
    for step in range(6):
        if step == 1:
            site.append(_entry("d"))  # added
        elif step == 2:
            site = [e for e in site if e["item"] != "berita/a.md"]  # withdrawn
        elif step == 3:
            site[0] = _entry(site[0]["item"][7:-3], version=3)  # changed
        done = machine.publish(site)  # step 4 and 5: unchanged, records of no changes
        published.append((done, archive.published_list({"included": sorted(site, key=str)})))
    for done, expected in published:
        release = done.name.removesuffix("-lokal.yml")
        assert machine.items(release) == _names(expected)
        chain._MEMO.clear()
        found = archive.read_complete(machine.folder, done, machine.roster)
        assert found.content["published"] == sorted(expected, key=lambda e: e["item"])
    last = machine.pending(published[-1][0])
    assert last["changes"] == {
        "added": [],
        "changed": [],
        "withdrawn": [],
        "files": {"upload": [], "delete": []},
    }
    chain._MEMO.clear()
    found, problems = read_publications([(machine.folder, True)], machine.root, machine.roster)
    assert problems == []
    assert len(found["berita/d.md"]) == 5 and "berita/a.md" in found  # every publish lists it
    assert len(found["berita/a.md"]) == 2


def _resign(path: Path, key: Path, change: Any) -> None:
    """Edit a record and sign it again with the machine's own key (a genuine signature)."""
    data = yaml.safe_load(path.read_text())
    change(data)
    text = archive.records.HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path.write_text(text)
    Path(f"{path}.sig").write_text(sign_with_ssh_keygen(path.read_bytes(), key, ARCHIVE_NAMESPACE))


def _chain_of_three(machine: Machine) -> list[Path]:
    site = [_entry("a"), _entry("b")]
    done = [machine.publish(site)]
    done.append(machine.publish([_entry("a", 1), _entry("b")]))
    done.append(machine.publish([_entry("a", 1), _entry("b", 2)]))
    return done


def _pending_of(done: Path) -> Path:
    return done.with_name(done.name[:-4] + ".tertunda.yml")


def _resign_head(machine: Machine, done: Path, change: Any) -> None:
    """Edit a publish's pending record; sign it and its complete record again, genuinely."""
    pending = _pending_of(done)
    _resign(pending, machine.key, change)
    _resign(done, machine.key, lambda data: data.update(pending_sha256=_sha256(pending)))


TAMPERS = {
    "previous-hash": (
        lambda m, d: _resign_head(
            m, d[2], lambda x: x.update(previous_sha256="sha256:" + "0" * 64)
        ),
        "tidak cocok dengan previous_sha256",
    ),
    "record-edited": (
        lambda m, d: d[0].write_text(d[0].read_text().replace("selesai", "selesai ")),
        "tanda tangan tidak sah",
    ),
    "record-missing": (
        lambda m, d: (d[1].unlink(), Path(f"{d[1]}.sig").unlink()),
        "tidak ada",
    ),
    "link-to-itself": (
        lambda m, d: _resign_head(m, d[2], lambda x: x.update(previous=f"2026/{d[2].name}")),
        "rujukan catatan sebelumnya tidak sah",
    ),
    "changes-that-do-not-fit": (
        lambda m, d: _resign_head(
            m,
            d[2],
            lambda x: x["changes"]["withdrawn"].append({"item": "berita/z.md", "digest": "x"}),
        ),
        "item 'berita/z.md' yang ditarik tidak ada sebelumnya",
    ),
    "pending-swapped": (
        lambda m, d: _resign(
            _pending_of(d[1]), m.key, lambda x: x["changes"]["changed"][0].update(url="lain/")
        ),
        "tidak cocok dengan pending_sha256",
    ),
    "state-that-does-not-add-up": (
        lambda m, d: _resign_head(
            m, d[2], lambda x: x["changes"]["changed"][0].update(url="lain/")
        ),
        "tidak cocok dengan published_sha256",
    ),
}


@pytest.mark.parametrize("how", list(TAMPERS), ids=list(TAMPERS))
def test_a_tampered_link_in_the_chain_is_refused(machine: Machine, how: str) -> None:
    done = _chain_of_three(machine)
    assert machine.items() == ["berita/a.md", "berita/b.md"]
    tamper, said = TAMPERS[how]
    tamper(machine, done)
    chain._MEMO.clear()
    with pytest.raises(archive.ArchiveError, match=said):
        archive.read_complete(machine.folder, done[2], machine.roster)
    with pytest.raises(archive.ArchiveError):
        machine.items()
    with pytest.raises(rails.RailError, match="tidak dapat dibaca dari catatan arsip rilis"):
        chain._MEMO.clear()
        rails.live_items(machine.state, "lokal", machine.folder, machine.roster)  # type: ignore[arg-type]
    _, problems = read_publications([(machine.folder, True)], machine.root, machine.roster)
    assert any(f"{done[2].name}: catatan arsip diabaikan" in p for p in problems)
    fourth = machine.publish([_entry("a", 1), _entry("b", 2)])  # never cites the broken one
    assert machine.pending(fourth).get("previous") != f"2026/{done[2].name}"
    assert machine.items() == ["berita/a.md", "berita/b.md"]


def test_every_full_every_th_record_lists_everything_again(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "FULL_EVERY", 3)
    depths, full = [], []
    for version in range(7):
        said = machine.pending(machine.publish([_entry("a", version), _entry("b")]))
        depths.append(said.get("chain_depth"))
        full.append("published" in said)
    assert depths == [None, 1, 2, 0, 1, 2, 0]
    assert full == [True, False, False, True, False, False, True]
    assert machine.items() == ["berita/a.md", "berita/b.md"]


def test_a_record_signed_with_another_key_is_followed_by_a_full_one(
    machine: Machine, keys: tuple[Path, Path]
) -> None:
    machine.publish([_entry("a")])
    machine.roster = _roster(keys[0], keys[1])
    machine.key = keys[1]  # the machine got a new key; the roster lists both
    said = machine.pending(machine.publish([_entry("a", 1)]))
    assert "published" in said and said["chain_depth"] == 0
    said = machine.pending(machine.publish([_entry("a", 2)]))
    assert "changes" in said and said["chain_depth"] == 1


def test_records_of_earlier_versions_are_valid_chain_starts(
    machine: Machine, keys: tuple[Path, Path]
) -> None:
    """Full lists and ``published_same_as`` as earlier versions wrote them."""
    folder, roster = machine.folder, machine.roster
    old = [
        {**e, "signoffs": e["signoffs"]}
        for e in archive.published_list({"included": [_entry("a"), _entry("b")]})
    ]
    for index, same in ((0, None), (1, f"2026/{NOW:%Y%m%dT%H%M%S}.000-000000-lokal.yml")):
        release = (NOW + timedelta(minutes=index)).strftime("%Y%m%dT%H%M%S.000-") + f"{index:06d}"
        data = archive.pending_record(
            release=release,
            at=NOW,
            by="uji@mesin",
            source=archive.Provenance("a" * 40, False, "Uji"),
            target="lokal",
            kind="lokal",
            location="/srv/situs",
            manifest={
                "included": [_entry("a"), _entry("b")],
                "excluded": [],
                "roster": {"version": 1},
            },
            plan=Plan(),
            demo=True,
            same_as=same,
        )
        assert ("published" in data) == (same is None) and "previous" not in data
        pending = archive.write_pending(folder, data, machine.key, roster)
        archive.complete(pending, at=NOW, sent=Sent(location="x"), key=machine.key, roster=roster)
        machine.releases.append(release)
    assert machine.items() == ["berita/a.md", "berita/b.md"]
    done = machine.publish([_entry("a"), _entry("b", 1)])
    said = machine.pending(done)
    assert said["previous"] == f"2026/{machine.releases[1]}-lokal.yml"
    assert [e["item"] for e in said["changes"]["changed"]] == ["berita/b.md"]
    assert machine.items() == ["berita/a.md", "berita/b.md"]
    assert old  # the entries earlier versions listed are the entries listed now


@pytest.mark.parametrize("poison", ["other-bytes", "other-entry", "garbage"])
def test_a_poisoned_state_cache_never_changes_what_is_read(machine: Machine, poison: str) -> None:
    first = machine.publish([_entry("a"), _entry("b")])
    second = machine.publish([_entry("a"), _entry("b"), _entry("c")])
    cache = archive.machine_cache(machine.state.folder)
    keys = {done: chain._cache_key(_sha256(done), machine.roster) for done in (first, second)}
    assert all(cache.get(k) is not None for k in keys.values())  # the publishes filled it
    assert machine.items(cache=True) == ["berita/a.md", "berita/b.md", "berita/c.md"]
    for done, key in keys.items():
        path = cache.path_of(key)
        if poison == "other-bytes":  # sealed again with the right key: a bad state
            lie = chain.state_of(archive.published_list({"included": [_entry("z")]}), 0, ["x"])
            chain.put_state(cache, _sha256(done), machine.roster, lie)
        elif poison == "other-entry":
            path.write_bytes(cache.path_of(keys[first if done == second else second]).read_bytes())
        else:
            path.write_bytes(b"\0" * 40)
    assert machine.items(cache=True) == ["berita/a.md", "berita/b.md", "berita/c.md"]
    assert machine.items(machine.releases[0], cache=True) == ["berita/a.md", "berita/b.md"]
    third = machine.publish([_entry("a"), _entry("c")])  # the next delta is still right
    assert [e["item"] for e in machine.pending(third)["changes"]["withdrawn"]] == ["berita/b.md"]
    assert machine.items() == ["berita/a.md", "berita/c.md"]


def test_a_full_record_stands_alone_even_when_the_records_before_it_are_gone(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "FULL_EVERY", 2)
    done = [machine.publish([_entry("a", version)]) for version in range(3)]
    assert machine.pending(done[2])["chain_depth"] == 0  # full, naming done[1]
    for record in done[:2]:
        for path in (record, _pending_of(record)):
            path.unlink()
            Path(f"{path}.sig").unlink()
    assert machine.items(cache=True) == ["berita/a.md"]
    assert machine.items() == ["berita/a.md"]
    fourth = machine.publish([_entry("a", 9)])
    assert machine.pending(fourth)["previous"] == f"2026/{done[2].name}"
    assert machine.items() == ["berita/a.md"]
