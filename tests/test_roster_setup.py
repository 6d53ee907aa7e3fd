"""The first real roster, and the anchor every machine uses, as the chair and staff live it.

``invoke setup-roster`` runs in a fresh copy of the project with real ssh-keygen keys:
the chair's anchor key is made, the sample's people leave, the officials' keys come in,
the roster is signed and the office's anchor recorded in the repository. A staff PC
(nothing pinned) then works from that record (status, approve); the publishing machine
refuses to publish until it pins the anchor itself, with a message naming the command,
and publishes once the printed commands are run. Each anchor message says what this
machine uses, where it comes from, and what fixes it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from approval_gate.api import (
    DEMO_ANCHOR,
    AnchorError,
    ExitCode,
    fingerprint,
    load_roster,
    local_anchor,
    normalise_key,
    pinned_anchor,
    sign_roster,
)
from sitekit import PUBLISHER, REPO, Keys, Site, commit_all, copy_project

ITEM = "content/berita/2026-11-20-persiapan-logistik.md"
#: The officials by role, as the chair types them (a name, a title, an id).
OFFICIALS = (
    ("web-admin", "Andi Prasetyo", "andi"),
    ("Kasubbag Tekmas", "Sri Wahyuni, S.E.", "sri"),
    ("sekretaris", "Drs. Bambang Sutrisno", "bambang"),
    ("komisioner", "Dewi Lestari", "dewi"),
)


def invoke(
    project: Path, *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``invoke`` in ``project`` as a person there would, with ``env`` as the machine."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(project), *args],
        cwd=project,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def staff_pc(root: Path) -> dict[str, str]:
    """A staff member's PC: nothing pinned, no archive key."""
    return {"KPU_ROSTER_ANCHOR": "", "XDG_CONFIG_HOME": str(root / "staf")}


def publishing_machine(root: Path, keys: Keys) -> dict[str, str]:
    """The publishing machine: its archive key in place, no anchor pinned yet."""
    config = root / "mesin" / "config" / "kpu-rembang"
    config.mkdir(parents=True)
    for suffix in ("", ".pub"):
        shutil.copyfile(f"{keys.private(PUBLISHER)}{suffix}", config / f"penerbit_ed25519{suffix}")
    (config / "penerbit_ed25519").chmod(0o600)
    return {
        "KPU_ROSTER_ANCHOR": "",
        "KPU_PUBLISHER_KEY": "",
        "XDG_CONFIG_HOME": str(root / "mesin" / "config"),
        "XDG_STATE_HOME": str(root / "mesin" / "state"),
    }


def setup_args(keys: Keys, chair: Path) -> list[str]:
    people = [
        f"--orang={role}={name}={keys.folder / f'{who}.pub'}" for role, name, who in OFFICIALS
    ]
    return [
        "setup-roster",
        f"--anchor-key={chair}",
        *people,
        f"--penerbit={keys.folder / f'{PUBLISHER}.pub'}",
        "--no-passphrase",
        "--ya",
    ]


def signoffs(project: Path) -> dict[str, bytes]:
    approvals = project / "approvals"
    return {
        p.relative_to(approvals).as_posix(): p.read_bytes()
        for p in approvals.rglob("*")
        if p.is_file() and p.parent != approvals
    }


def printed(output: str, command: str) -> list[str]:
    """Return the command line starting with ``command`` that the output tells to run."""
    [line] = [x.strip() for x in output.splitlines() if x.strip().startswith(command)]
    return shlex.split(line)[1:]  # without "invoke"


@pytest.mark.slow
def test_first_roster_from_setup_to_publish(tmp_path: Path, keys: Keys) -> None:
    project = copy_project(tmp_path / "proyek", tests=False)
    chair = tmp_path / "ketua" / "jangkar_ed25519"
    before = signoffs(project)

    made = invoke(project, *setup_args(keys, chair), env=staff_pc(tmp_path))
    assert made.returncode == 0, made.stderr
    anchor = fingerprint(normalise_key(Path(f"{chair}.pub").read_text()))
    assert f"Sidik jari jangkar: {anchor}\n" in made.stdout
    assert printed(made.stdout, "invoke pin-anchor") == ["pin-anchor", anchor]
    assert f"echo '{anchor}' > ~/.config/kpu-rembang/roster-anchor" in made.stdout
    roster = (project / "approvals" / "roster.yml").read_text()
    assert "version: 3\n" in roster and "CONTOH" not in roster
    assert '  - id: andi\n    name: "Andi Prasetyo"\n    code: true' in roster
    assert '  - id: bambang\n    name: "Drs. Bambang Sutrisno"\n' in roster
    office = (project / "approvals" / "jangkar-kantor.txt").read_text()
    assert "TIDAK DIPERCAYA UNTUK PENERBITAN" in office and office.endswith(f"\n{anchor}\n")
    assert signoffs(project) == before  # sign-off files are never rewritten

    # A staff PC works from the repository's record, with no set-up at all.
    staff = staff_pc(tmp_path)
    status = invoke(project, "status", env=staff)
    assert status.returncode == 0, status.stderr
    assert re.search(r"\n0 dari \d+ item siap terbit\.\n$", status.stdout)
    for role, _, who in OFFICIALS:
        done = invoke(
            project, "approve", ITEM, "--role", role, "--key", str(keys.private(who)), env=staff
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"DISETUJUI oleh {who} sebagai ")

    # The publishing machine does not take the repository's word for the anchor.
    commit_all(project, "Roster versi 3: pejabat resmi")
    machine = publishing_machine(tmp_path, keys)
    live = project / "var" / "situs" / "current"
    refused = invoke(project, "publish", env=machine)
    assert refused.returncode == ExitCode.CONFIG, refused.stderr
    assert "approvals/jangkar-kantor.txt di repositori tidak pernah dipakai untuk penerbitan" in (
        refused.stderr
    )
    assert refused.stderr.rstrip().endswith("invoke pin-anchor SHA256:...")
    other = keys.fingerprint("luar")
    wrong = invoke(project, "publish", env={**machine, "KPU_ROSTER_ANCHOR": other})
    assert wrong.returncode == ExitCode.ANCHOR, wrong.stderr
    assert (
        f"Roster ditandatangani kunci {anchor}, bukan kunci jangkar {other} yang dipakai mesin "
        "ini; jangkar itu dari variabel lingkungan KPU_ROSTER_ANCHOR."
    ) in wrong.stderr
    assert f"ubah KPU_ROSTER_ANCHOR menjadi {anchor}; bila tidak" in wrong.stderr
    assert not live.exists()

    # Pinned as printed, the first publish goes through.
    pinned = invoke(project, *printed(made.stdout, "invoke pin-anchor"), env=machine)
    assert pinned.returncode == 0, pinned.stderr
    pin_file = tmp_path / "mesin" / "config" / "kpu-rembang" / "roster-anchor"
    assert pin_file.read_text() == f"{anchor}\n"
    accepted = invoke(project, *printed(made.stdout, "invoke terima-riwayat"), env=machine)
    assert accepted.returncode == 0, accepted.stderr
    done = invoke(project, "publish", env=machine)
    assert done.returncode == 0, done.stderr
    assert "terbit 1," in done.stdout
    assert (live / "berita" / "persiapan-logistik" / "index.html").is_file()


@pytest.mark.slow
def test_staff_pc_without_the_record_is_told_it_uses_the_demo_anchor(
    tmp_path: Path, keys: Keys
) -> None:
    project = copy_project(tmp_path / "proyek", tests=False)
    made = invoke(project, *setup_args(keys, tmp_path / "ketua"), env=staff_pc(tmp_path))
    assert made.returncode == 0, made.stderr
    anchor = fingerprint(normalise_key((tmp_path / "ketua.pub").read_text()))
    again = invoke(project, *setup_args(keys, tmp_path / "ketua"), env=staff_pc(tmp_path))
    assert again.returncode == ExitCode.WORKFLOW  # a real roster is never replaced
    assert again.stderr.startswith(
        f"approvals/roster.yml: Roster versi 3 sudah ditandatangani kunci jangkar {anchor}, "
        "bukan roster contoh; 'invoke setup-roster' hanya membuat roster pertama"
    )
    (project / "approvals" / "jangkar-kantor.txt").unlink()  # an old clone, before the record
    done = invoke(project, "status", env=staff_pc(tmp_path))
    assert done.returncode == ExitCode.ANCHOR
    assert done.stderr.strip() == (
        f"approvals/roster.yml.sig: Roster ditandatangani kunci {anchor}, bukan kunci jangkar "
        f"{DEMO_ANCHOR} yang dipakai mesin ini; jangkar itu dari jangkar CONTOH bawaan "
        "demo-keys/anchor-ketua, karena mesin ini belum memasang jangkar dan "
        "approvals/jangkar-kantor.txt tidak ada. Ambil approvals/jangkar-kantor.txt dari "
        "repositori: git pull (Ketua KPU membuatnya dengan 'invoke setup-roster' atau 'invoke "
        "sign-roster'). Bila Ketua KPU sendiri memastikan kepada Anda bahwa kunci jangkarnya "
        f"{anchor}, jalankan: invoke pin-anchor {anchor}"
    )


def sample_approvals(folder: Path) -> Path:
    """Copy the sample's signed roster (nothing else) to ``folder``."""
    folder.mkdir(parents=True)
    for name in ("roster.yml", "roster.yml.sig"):
        shutil.copyfile(REPO / "approvals" / name, folder / name)
    return folder


def test_setup_roster_asks_step_by_step_and_never_overwrites_the_chairs_key(
    tmp_path: Path, keys: Keys
) -> None:
    approvals = sample_approvals(tmp_path / "approvals")
    chair = tmp_path / "ketua"
    shutil.copyfile(keys.private("anchor"), chair)
    shutil.copyfile(f"{keys.private('anchor')}.pub", f"{chair}.pub")
    chair.chmod(0o600)
    existing = chair.read_bytes()
    answers = [str(chair)]
    for _, name, who in OFFICIALS:
        answers += (
            [name, "bukan-kunci.pub", str(keys.folder / f"{who}.pub")]
            if who == "sri"
            else [
                name,
                keys.public(who),
            ]
        )
    answers += ["", "", "y"]  # code: the first role; publisher: later; confirm
    done = invoke(
        REPO,
        "setup-roster",
        f"--approvals={approvals}",
        env=staff_pc(tmp_path),
        stdin="\n".join(answers) + "\n",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Langkah 1/4. Kunci jangkar Ketua KPU" in done.stdout
    assert "Langkah 4/4. Kunci publik mesin penerbit" in done.stdout
    assert (
        f"Berkas kunci publik tidak dapat dibaca: {REPO / 'bukan-kunci.pub'} (No such file or "
        "directory). Tempel baris 'ssh-ed25519 AAAA...' atau tulis jalur berkas .pub-nya."
    ) in done.stdout
    assert f"    sidik jari: {keys.fingerprint('sri')}\n" in done.stdout
    assert f"Kunci jangkar yang sudah ada dipakai: {chair}\n" in done.stdout
    assert "belum memuat kunci mesin penerbit; penerbitan ditolak sampai ada" in done.stdout
    assert chair.read_bytes() == existing
    assert (
        (approvals / "jangkar-kantor.txt").read_text().endswith(f"{keys.fingerprint('anchor')}\n")
    )
    assert "publishers:" not in (approvals / "roster.yml").read_text()


def test_setup_roster_stopped_halfway_writes_nothing(tmp_path: Path, keys: Keys) -> None:
    approvals = sample_approvals(tmp_path / "approvals")
    before = {p.name: p.read_bytes() for p in approvals.iterdir()}
    done = invoke(
        REPO,
        "setup-roster",
        f"--approvals={approvals}",
        f"--anchor-key={tmp_path / 'ketua'}",
        env=staff_pc(tmp_path),
        stdin="Andi Prasetyo\n",
    )
    assert done.returncode == ExitCode.WORKFLOW
    assert done.stderr.startswith(
        "Masukan berakhir sebelum semua pertanyaan terjawab; tidak ada yang ditulis."
    )
    assert {p.name: p.read_bytes() for p in approvals.iterdir()} == before
    assert not (tmp_path / "ketua").exists()


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            lambda args, keys: [*args, f"--orang=sekretaris=Orang Lain={keys.folder / 'rudi.pub'}"],
            ExitCode.BAD_VALUE,
            "Peran Sekretaris (sekretaris) diberikan 2 kali; setiap peran tepat satu pejabat.",
        ),
        (
            lambda args, keys: [a for a in args if not a.startswith("--orang=komisioner")],
            ExitCode.BAD_VALUE,
            "Peran Komisioner Divisi Sosdiklih, Parmas dan SDM (komisioner) diberikan 0 kali",
        ),
        (
            lambda args, keys: [*args, "--orang=bendahara=Orang Lain=x.pub"],
            ExitCode.BAD_VALUE,
            "Peran tidak dikenal: 'bendahara'.",
        ),
        (
            lambda args, keys: [
                a.replace(str(keys.folder / "dewi.pub"), str(REPO / "demo-keys" / "dewi.pub"))
                for a in args
            ],
            ExitCode.BAD_VALUE,
            f"Kunci dari {REPO / 'demo-keys' / 'dewi.pub'} adalah kunci CONTOH (demo-keys/) "
            "yang diketahui umum.",
        ),
        (
            lambda args, keys: [
                a.replace(str(keys.folder / "dewi.pub"), str(keys.private("dewi"))) for a in args
            ],
            ExitCode.BAD_VALUE,
            "{private} adalah kunci RAHASIA, bukan kunci publik",
        ),
        (
            lambda args, keys: [
                a.replace(str(keys.folder / "dewi.pub"), str(keys.folder / "sri.pub")) for a in args
            ],
            ExitCode.BAD_VALUE,
            "Kunci publik yang sama diberikan dua kali",
        ),
    ],
    ids=["role-twice", "role-missing", "unknown-role", "demo-key", "private-key", "same-key"],
)
def test_setup_roster_refuses_a_wrong_roster_and_writes_nothing(
    tmp_path: Path, keys: Keys, change, code: int, message: str
) -> None:
    approvals = sample_approvals(tmp_path / "approvals")
    before = {p.name: p.read_bytes() for p in approvals.iterdir()}
    args = change(setup_args(keys, tmp_path / "ketua"), keys)
    done = invoke(REPO, *args, f"--approvals={approvals}", env=staff_pc(tmp_path))
    assert done.returncode == code, done.stdout + done.stderr
    assert message.replace("{private}", str(keys.private("dewi"))) in done.stderr
    assert {p.name: p.read_bytes() for p in approvals.iterdir()} == before
    assert not (tmp_path / "ketua").exists()


def test_pin_anchor_replaces_another_anchor_only_when_asked(tmp_path: Path, keys: Keys) -> None:
    env = staff_pc(tmp_path)
    file = tmp_path / "staf" / "kpu-rembang" / "roster-anchor"
    first, second = keys.fingerprint("anchor"), keys.fingerprint("luar")
    done = invoke(REPO, "pin-anchor", first, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Jangkar roster mesin ini: {first} (ditulis di {file}).\n"
    refused = invoke(REPO, "pin-anchor", second, env=env)
    assert refused.returncode == ExitCode.ANCHOR
    assert refused.stderr.strip() == (
        f"Mesin ini sudah memasang jangkar {first} di {file}; tidak diganti. Ganti hanya bila "
        f"Ketua KPU sendiri memastikan kunci barunya: invoke pin-anchor {second} --ganti"
    )
    assert file.read_text() == f"{first}\n"
    replaced = invoke(REPO, "pin-anchor", second, "--ganti", env=env)
    assert replaced.returncode == 0, replaced.stderr
    assert f"  Menggantikan jangkar {first}.\n" in replaced.stdout
    assert file.read_text() == f"{second}\n"
    for wrong, why in (
        (DEMO_ANCHOR, "jangkar CONTOH yang diketahui umum"),
        ("SHA256:pendek", "bentuknya 'SHA256:' diikuti 43 karakter"),
    ):
        refused = invoke(REPO, "pin-anchor", wrong, "--ganti", env=env)
        assert refused.returncode == ExitCode.CONFIG
        assert refused.stderr.startswith(f"Sidik jari tidak dipasang: {wrong!r} ({why}).")
    assert file.read_text() == f"{second}\n"


# --- which anchor a machine uses, and what it is told (in-process, fast) ------------------


@pytest.fixture
def unpinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process as a staff PC: nothing pinned; returns where a pin would be written."""
    monkeypatch.setenv("KPU_ROSTER_ANCHOR", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "pc"))
    return tmp_path / "pc" / "kpu-rembang" / "roster-anchor"


def record(site: Site, text: str) -> None:
    (site.approvals / "jangkar-kantor.txt").write_text(text)


def test_local_work_uses_the_pin_then_the_office_record_then_the_demo_anchor(
    site: Site, keys: Keys, unpinned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert local_anchor(site.approvals) == DEMO_ANCHOR
    record(site, f"# komentar\n\n{site.anchor}\n")
    assert local_anchor(site.approvals) == site.anchor
    assert pinned_anchor() is None  # what publishing uses: never the record
    unpinned.parent.mkdir(parents=True)
    unpinned.write_text(keys.fingerprint("luar") + "\n")
    assert local_anchor(site.approvals) == keys.fingerprint("luar")
    monkeypatch.setenv("KPU_ROSTER_ANCHOR", keys.fingerprint("andi"))
    assert local_anchor(site.approvals) == keys.fingerprint("andi")


@pytest.mark.parametrize(
    "text",
    ["", "SHA256:pendek\n", "# hanya komentar\n", "SHA256:{a}\nSHA256:{a}\n"],
    ids=["empty", "malformed", "comments-only", "two-lines"],
)
def test_a_broken_office_record_is_not_used(site: Site, unpinned: Path, text: str) -> None:
    record(site, text.replace("SHA256:{a}", site.anchor))
    assert local_anchor(site.approvals) == DEMO_ANCHOR
    with pytest.raises(AnchorError) as caught:
        load_roster(site.approvals, DEMO_ANCHOR, allow_demo_keys=True)
    assert (
        "jangkar itu dari jangkar CONTOH bawaan demo-keys/anchor-ketua, karena mesin ini belum "
        "memasang jangkar dan approvals/jangkar-kantor.txt tidak memuat satu sidik jari yang sah."
    ) in caught.value.message


def test_a_record_that_disagrees_with_the_roster_asks_the_chair_to_sign_again(
    site: Site, keys: Keys, unpinned: Path
) -> None:
    record(site, f"{keys.fingerprint('luar')}\n")
    with pytest.raises(AnchorError) as caught:
        load_roster(site.approvals, local_anchor(site.approvals), allow_demo_keys=False)
    assert caught.value.render() == (
        f"approvals/roster.yml.sig: Roster ditandatangani kunci {site.anchor}, bukan kunci "
        f"jangkar {keys.fingerprint('luar')} yang dipakai mesin ini; jangkar itu dari berkas "
        "repositori approvals/jangkar-kantor.txt, yang hanya untuk kerja lokal dan tidak "
        "dipercaya untuk penerbitan. Roster atau berkas jangkar kantor diubah tanpa Ketua KPU. "
        "Minta Ketua KPU menandatangani ulang roster: invoke sign-roster --key <kunci jangkar "
        "Ketua> (approvals/jangkar-kantor.txt ikut diperbarui), lalu git pull."
    )


def test_a_pinned_machine_is_told_to_replace_its_pin_only_if_the_chair_confirms(
    site: Site, keys: Keys, unpinned: Path
) -> None:
    unpinned.parent.mkdir(parents=True)
    unpinned.write_text(keys.fingerprint("luar") + "\n")
    with pytest.raises(AnchorError) as caught:
        load_roster(site.approvals, local_anchor(site.approvals), allow_demo_keys=False)
    assert caught.value.exit_code == ExitCode.ANCHOR
    assert caught.value.render() == (
        f"approvals/roster.yml.sig: Roster ditandatangani kunci {site.anchor}, bukan kunci "
        f"jangkar {keys.fingerprint('luar')} yang dipakai mesin ini; jangkar itu dari berkas "
        f"mesin {unpinned}. Bila Ketua KPU sendiri memastikan kepada Anda bahwa kunci "
        f"jangkarnya {site.anchor}, jalankan: invoke pin-anchor {site.anchor} --ganti; bila "
        "tidak, roster ini bukan tanda tangan Ketua: jangan dipakai."
    )


def test_a_demo_publish_of_a_real_roster_says_to_publish_without_demo(
    site: Site, unpinned: Path
) -> None:
    record(site, f"{site.anchor}\n")
    with pytest.raises(AnchorError) as caught:
        load_roster(site.approvals, DEMO_ANCHOR, allow_demo_keys=True)
    assert caught.value.hint == (
        "Roster ini bukan roster contoh: terbitkan tanpa --demo, dengan jangkar yang dipasang "
        "di mesin penerbit. Bila Ketua KPU sendiri memastikan kepada Anda bahwa kunci "
        f"jangkarnya {site.anchor}, jalankan dulu: invoke pin-anchor {site.anchor}"
    )


def test_sign_roster_records_the_office_anchor_for_staff_pcs(site: Site, keys: Keys) -> None:
    anchor = sign_roster(site.approvals / "roster.yml", keys.private("anchor"))
    assert anchor == site.anchor
    text = (site.approvals / "jangkar-kantor.txt").read_text()
    assert "TIDAK DIPERCAYA UNTUK PENERBITAN" in text and text.endswith(f"\n{anchor}\n")
