"""Commands forgive: ``kpu`` says invoke's mistakes in Indonesian, roles and paths as typed.

The command-line tests run the installed ``kpu`` script in child processes, from the
repository, from a subfolder and from outside it, and check the exact text a person
reads and the exit code. The role and path readings are also checked directly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from approval_gate.api import (
    ROLE_IDS,
    WIB,
    ExitCode,
    Role,
    Roster,
    UnknownItem,
    UnknownRole,
    existing_item,
    find_role,
    item_name,
    moment_words,
)

from sitekit import PEOPLE, REPO, Site, copy_project

#: The console script ``pip install -e .`` makes beside this Python.
KPU = Path(sys.executable).parent / "kpu"
ITEM = "berita/rapat.md"
ROLE_LIST = "Pilih salah satu: web-admin, kasubbag-tekmas, sekretaris, komisioner."


def kpu(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    assert KPU.is_file(), f"{KPU} is missing: run .venv/bin/pip install -e ."
    return subprocess.run(
        [str(KPU), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


# --- times in words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(2026, 11, 10, 9, 0, tzinfo=WIB), "Selasa, 10 November 2026 pukul 09.00 WIB"),
        (
            datetime(2026, 11, 10, 2, 0, tzinfo=UTC),
            "Selasa, 10 November 2026 pukul 09.00 WIB",
        ),
        (datetime(2027, 1, 3, 23, 5, tzinfo=WIB), "Minggu, 3 Januari 2027 pukul 23.05 WIB"),
        (
            datetime(2026, 8, 16, 20, 30, tzinfo=timezone(timedelta(hours=8))),
            "Minggu, 16 Agustus 2026 pukul 19.30 WIB",
        ),
    ],
    ids=["wib", "utc", "minggu-januari", "wita"],
)
def test_a_moment_is_said_in_words_in_wib(moment: datetime, words: str) -> None:
    assert moment_words(moment) == words


# --- roles as people type them ----------------------------------------------------------


@pytest.fixture(scope="module")
def roster() -> Roster:
    """The sample roster's roles (ids, names), without its people: enough to read roles."""
    listed = yaml.safe_load((REPO / "approvals" / "roster.yml").read_text(encoding="utf-8"))
    roles = tuple(
        Role(role["id"], role["name"], 30, step) for step, role in enumerate(listed["roles"])
    )
    return Roster(1, roles, {}, (), "", "approvals/roster.yml")


@pytest.mark.parametrize(
    ("typed", "role", "note"),
    [
        ("komisioner", "komisioner", ""),
        ("Komisioner", "komisioner", ""),
        ("Web Admin", "web-admin", ""),
        ("web_admin", "web-admin", ""),
        ("KASUBBAG TEKMAS", "kasubbag-tekmas", ""),
        (
            "komisoner",
            "komisioner",
            "Peran 'komisoner' dibaca sebagai 'komisioner' "
            "(Komisioner Divisi Sosdiklih, Parmas dan SDM).",
        ),
        (
            "kasubbag",
            "kasubbag-tekmas",
            "Peran 'kasubbag' dibaca sebagai 'kasubbag-tekmas' (Kasubbag Tekmas).",
        ),
        (
            "sekertaris",
            "sekretaris",
            "Peran 'sekertaris' dibaca sebagai 'sekretaris' (Sekretaris).",
        ),
        (
            "kasubag",
            "kasubbag-tekmas",
            "Peran 'kasubag' dibaca sebagai 'kasubbag-tekmas' (Kasubbag Tekmas).",
        ),
        ("sekre", "sekretaris", "Peran 'sekre' dibaca sebagai 'sekretaris' (Sekretaris)."),
    ],
    ids=[
        "id",
        "name-case",
        "name",
        "underscore",
        "upper-name",
        "typo",
        "prefix",
        "swap",
        "misspelled-prefix",
        "short-prefix",
    ],
)
def test_a_role_is_read_in_any_spelling_the_roster_recognises(
    roster: Roster, typed: str, role: str, note: str
) -> None:
    found, said = find_role(roster, typed)
    assert (found.id, said) == (role, note)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("bendahara", "Peran tidak dikenal: 'bendahara'."),
        ("k", "Peran 'k' bisa berarti 'kasubbag-tekmas' atau 'komisioner'."),
        ("", "Peran tidak dikenal: ''."),
    ],
    ids=["unknown", "ambiguous", "empty"],
)
def test_a_role_that_names_no_role_is_refused_with_the_roles(
    roster: Roster, typed: str, message: str
) -> None:
    with pytest.raises(UnknownRole) as refused:
        find_role(roster, typed)
    assert refused.value.render() == f"{message} {ROLE_LIST}"
    assert refused.value.exit_code == ExitCode.SIGNING


# --- item paths as people type them -----------------------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "situs" / "content"
    for rel in (ITEM, "artikel/opini.md"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("Title: X\n\nIsi.\n")
    return folder


@pytest.mark.parametrize(
    ("typed", "where"),
    [
        ("content/berita/rapat.md", "."),
        ("berita/rapat.md", "."),
        ("content\\berita\\rapat.md", "."),
        ("berita\\rapat.md", "."),
        ("./content/berita/rapat.md", "."),
        ("rapat.md", "content/berita"),
        ("./rapat.md", "content/berita"),
        ("berita/rapat.md", "content/berita"),
        ("berita/rapat.md", "content"),
        ("../berita/rapat.md", "content/artikel"),
        ("..\\berita\\rapat.md", "content/artikel"),
        ("content/berita/rapat.md", "/"),
    ],
    ids=[
        "content-prefix",
        "under-content",
        "backslashes",
        "backslashes-under-content",
        "dot-prefix",
        "from-its-folder",
        "dot-from-its-folder",
        "under-content-from-a-subfolder",
        "from-content",
        "from-a-sibling-folder",
        "backslashes-from-a-sibling",
        "from-elsewhere",
    ],
)
def test_an_item_path_names_the_item_from_wherever_it_is_typed(
    content: Path, typed: str, where: str
) -> None:
    cwd = content.parent / where if where != "/" else Path("/")
    assert item_name(content, typed, cwd) == ITEM


def test_an_absolute_path_names_the_item(content: Path) -> None:
    assert item_name(content, str(content / ITEM), Path("/")) == ITEM


@pytest.mark.parametrize("typed", ["../pelicanconf.py", "../../etc/passwd", "/etc/passwd"], ids=str)
def test_a_path_outside_content_is_refused(content: Path, typed: str) -> None:
    with pytest.raises(UnknownItem) as refused:
        item_name(content, typed, content.parent)
    assert refused.value.render().startswith(f"Berkas {typed!r} tidak berada di folder ")
    assert refused.value.exit_code == ExitCode.UNKNOWN_ITEM


def test_an_unknown_item_typed_in_its_folder_suggests_the_closest(content: Path) -> None:
    with pytest.raises(UnknownItem) as refused:
        existing_item(content, "rapt.md", content / "berita")
    assert refused.value.render() == (
        "Item content/berita/rapt.md tidak ditemukan. Mungkin maksudnya "
        "content/berita/rapat.md? Daftar semua item ada di 'invoke status'."
    )


# --- kpu: invoke's mistakes in Indonesian -------------------------------------------------

NOTHING_RAN = "Tidak ada yang dijalankan;"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "said", "code"),
    [
        (
            ("publsh",),
            "Perintah 'publsh' tidak dikenal. Mungkin maksud Anda 'publish'? "
            f"{NOTHING_RAN} daftar perintah: kpu --list.",
            ExitCode.USAGE,
        ),
        (
            ("approve",),
            "Perintah 'approve' belum lengkap: item dan role belum diberikan. "
            f"{NOTHING_RAN} contoh: kpu approve ITEM --role ROLE; lengkapnya: kpu approve --help.",
            ExitCode.USAGE,
        ),
        (
            ("approve", "content/berita/x.md"),
            "Perintah 'approve' belum lengkap: role belum diberikan. "
            f"{NOTHING_RAN} contoh: kpu approve ITEM --role ROLE; lengkapnya: kpu approve --help.",
            ExitCode.USAGE,
        ),
        (
            ("status", "--jsn"),
            "Pilihan '--jsn' tidak dikenal untuk perintah 'status'. Mungkin maksud Anda "
            f"'--json'? {NOTHING_RAN} lihat kpu status --help.",
            ExitCode.USAGE,
        ),
        (
            ("approve", "--rol", "web-admin"),
            "Pilihan '--rol' tidak dikenal untuk perintah 'approve'. Mungkin maksud Anda "
            f"'--role'? {NOTHING_RAN} lihat kpu approve --help.",
            ExitCode.USAGE,
        ),
        (
            ("approve", "content/berita/x.md", "--role"),
            "Pilihan --role memerlukan nilai sesudahnya, mis. --role NILAI. "
            f"{NOTHING_RAN} lihat kpu approve --help.",
            ExitCode.USAGE,
        ),
        (
            ("build", "publsh"),
            "'publsh' tidak dikenal: bukan perintah, dan perintah 'build' tidak menerima "
            f"argumen lagi. Mungkin maksud Anda 'publish'? {NOTHING_RAN} daftar perintah: "
            "kpu --list.",
            ExitCode.USAGE,
        ),
        (
            ("--help", "publsh"),
            "Perintah 'publsh' tidak dikenal. Mungkin maksud Anda 'publish'? "
            f"{NOTHING_RAN} daftar perintah: kpu --list.",
            ExitCode.USAGE,
        ),
        (
            ("--lsit",),
            f"Pilihan '--lsit' tidak dikenal. Mungkin maksud Anda '--list'? {NOTHING_RAN} "
            "lihat kpu --help.",
            ExitCode.USAGE,
        ),
        (
            ("watch", "--port", "delapan"),
            f"Nilai 'delapan' untuk --port harus bilangan bulat. {NOTHING_RAN} lihat kpu --help.",
            ExitCode.BAD_VALUE,
        ),
    ],
    ids=[
        "unknown-task",
        "missing-arguments",
        "missing-role",
        "unknown-flag",
        "unknown-flag-where-an-argument-goes",
        "flag-without-value",
        "extra-word",
        "help-of-unknown-task",
        "unknown-core-flag",
        "not-a-number",
    ],
)
def test_kpu_says_a_command_line_mistake_in_indonesian_from_outside_the_repository(
    tmp_path: Path, args: tuple[str, ...], said: str, code: int
) -> None:
    done = kpu(*args, cwd=tmp_path)
    assert (done.returncode, done.stderr, done.stdout) == (code, said + "\n", "")


@pytest.mark.slow
def test_kpu_keeps_invokes_list_and_help(tmp_path: Path) -> None:
    listed = kpu("--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Available tasks:" in listed.stdout and "  approve " in listed.stdout
    helped = kpu("approve", "--help", cwd=tmp_path)  # plain invoke fails here (positionals)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("Usage: kpu [--core-opts] approve [--options]")
    assert "-r STRING, --role=STRING" in helped.stdout
    assert kpu("status", "--help", cwd=tmp_path).stdout.count("--pesan[=STRING]") == 1


@pytest.mark.slow
def test_kpu_ends_quietly_when_its_reader_stops_reading(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [str(KPU), "--list"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # long before kpu writes, as ``kpu --list | head -1`` may
    assert child.stderr.read() == b""
    assert child.wait() == 128 + signal.SIGPIPE


@pytest.mark.slow
def test_kpu_runs_the_site_copy_of_the_folder_it_is_in(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "salinan", tests=False)
    berita = project / "content" / "berita"
    (berita / "2026-11-22-hanya-di-salinan.md").write_text(
        "Title: Hanya di salinan\nDate: 2026-11-22 08:00\n\nIsi.\n"
    )
    env = {
        "KPU_ROSTER_ANCHOR": "",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    done = kpu("status", "--item", "2026-11-22-hanya-di-salinan.md", "--json", cwd=berita, env=env)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)["items"]
    assert (row["item"], row["state"]) == ("berita/2026-11-22-hanya-di-salinan.md", "draf")
    wrong = kpu("publsh", cwd=berita)
    assert wrong.returncode == ExitCode.USAGE and "Mungkin maksud Anda 'publish'?" in wrong.stderr


# --- approve, reject, sheet and status as people type them --------------------------------


def _run(site: Site, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return kpu(*args, "--settings", str(site.settings), cwd=cwd)


def _approve(site: Site, typed: str, role: str, typed_role: str, cwd: Path):  # noqa: ANN202
    key = str(site.keys.private(PEOPLE[role]))
    return _run(site, "approve", typed, "--role", typed_role, "--key", key, cwd=cwd)


@pytest.mark.slow
def test_four_officials_approve_typing_paths_and_roles_their_own_way(
    site: Site, tmp_path: Path
) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    berita = site.content / "berita"
    typed = [
        ("rapat.md", "web-admin", "Web Admin", berita, ""),
        (
            "content\\berita\\rapat.md",
            "kasubbag-tekmas",
            "kasubbag",
            site.root,
            "Peran 'kasubbag' dibaca sebagai 'kasubbag-tekmas' (Kasubbag Tekmas).\n",
        ),
        (str(site.content / ITEM), "sekretaris", "SEKRETARIS", tmp_path, ""),
        (
            "berita/rapat.md",
            "komisioner",
            "komisoner",
            site.content,
            "Peran 'komisoner' dibaca sebagai 'komisioner' (Komisioner).\n",
        ),
    ]
    for path, role, as_typed, cwd, note in typed:
        done = _approve(site, path, role, as_typed, cwd)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(
            f"{note}DISETUJUI oleh {PEOPLE[role]} sebagai {role}: {ITEM}\n"
        )
    status = _run(site, "status", "--item", "rapat.md", "--json", cwd=berita)
    assert [row["state"] for row in json.loads(status.stdout)["items"]] == ["lengkap"]


@pytest.mark.slow
def test_an_unknown_item_or_role_is_refused_with_what_was_meant(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    berita = site.content / "berita"
    missing = _approve(site, "rapt.md", "web-admin", "web-admin", berita)
    assert (missing.returncode, missing.stderr) == (
        ExitCode.UNKNOWN_ITEM,
        "Tidak ditandatangani: Item content/berita/rapt.md tidak ditemukan. Mungkin "
        "maksudnya content/berita/rapat.md? Daftar semua item ada di 'invoke status'.\n",
    )
    key = str(site.keys.private(PEOPLE["web-admin"]))
    ambiguous = _run(
        site, "reject", "rapat.md", "--role", "k", "--note", "x", "--key", key, cwd=berita
    )
    assert (ambiguous.returncode, ambiguous.stderr) == (
        ExitCode.SIGNING,
        "Tidak ditandatangani: Peran 'k' bisa berarti 'kasubbag-tekmas' atau 'komisioner'. "
        f"{ROLE_LIST}\n",
    )
    assert [p.name for p in site.approvals.rglob("*.yml")] == ["roster.yml"]  # none signed


@pytest.mark.slow
def test_the_sheet_of_an_item_typed_from_its_folder(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    done = _run(site, "sheet", "rapat.md", "--no-pdf", cwd=site.content / "berita")
    assert done.returncode == 0, done.stderr
    assert "Lembar persetujuan (HTML, A4): " in done.stdout


@pytest.mark.slow
def test_status_pesan_item_shows_one_stale_item_in_words(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    site.article("berita/lain.md", "Lain", "Isi lain.")
    site.sign(ITEM, ROLE_IDS[0])  # 2026-11-21 09:00 WIB, a Saturday
    site.article(ITEM, "Rapat Pleno", "Isi yang diubah setelah disetujui.")
    done = _run(site, "status", "--pesan", "content\\berita\\rapat.md", cwd=site.root)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith(f"{ITEM}  kedaluwarsa: persetujuan yang ada untuk versi la ")
    assert lines[2] == (
        "    kedaluwarsa: persetujuan yang ada untuk versi lama; isi telah berubah sejak "
        "disetujui pada Sabtu, 21 November 2026 pukul 09.00 WIB; menunggu Web Admin "
        "menyetujui ulang"
    )
    assert "berita/lain.md" not in done.stdout
    assert "Mohon persetujuan ulang Web Admin" in done.stdout
    assert lines[-1] == "0 dari 1 item siap terbit."


@pytest.mark.slow
def test_status_refuses_two_different_items(site: Site) -> None:
    site.article(ITEM, "Rapat Pleno", "Isi.")
    done = _run(site, "status", "--pesan", ITEM, "--item", "berita/lain.md", cwd=site.root)
    assert (done.returncode, done.stderr) == (
        ExitCode.BAD_VALUE,
        "--pesan 'berita/rapat.md' dan --item 'berita/lain.md' menyebut dua item berbeda. "
        "Tidak ada yang ditampilkan; sebutkan satu item saja.\n",
    )


def test_kpu_reads_the_quick_start_line_as_invoke_does() -> None:
    from commands.program import KpuProgram

    program = KpuProgram(REPO)
    program.create_config()
    program.parse_core(["kpu", "publish", "--demo", "serve", "--published"])
    program.parse_collection()
    program.parse_tasks()
    assert [
        (t.name, t.args.demo.value if t.name == "publish" else t.args.published.value)
        for t in program.tasks
    ] == [("publish", True), ("serve", True)]
