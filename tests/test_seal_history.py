"""History only moves forward, approvals only grow, and code needs an official's signature.

Each test builds a real git repository of a site in a temporary folder, with real SSH keys
(ssh-keygen), sign-offs signed as ``invoke approve`` signs them and commits signed as the
web admin signs them (``git commit -S`` with an SSH key). The publishing machine's record
lives in ``XDG_STATE_HOME`` inside the test's folder, as it lives outside the checkout on
a real machine. The checks run exactly as the sealed publish runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from approval_gate.api import AnchorError, ExitCode, Roster, load_roster

from publishing.seal import SealError
from publishing.seal.history import (
    HistoryReport,
    accept_history,
    check_history,
    check_roster_version,
    machine_state,
    needs_signature,
)
from publishing.seal.history_text import short
from publishing.state import MachineState
from sitekit import NOW, REPO, GitSite, Site, code_roster_text

ITEM = "berita/rapat.md"
WRITER = "Penulis Uji <penulis@uji.invalid>"


class History:
    """A site under git whose history the publishing machine has accepted once."""

    def __init__(self, site: Site, state_home: Path) -> None:
        site.write_roster(code_roster_text(site.keys))
        self.site = site
        self.repo = GitSite(site)
        self.root = site.root
        self.env = {**self.repo.env, "XDG_STATE_HOME": str(state_home)}
        self.repo.write("publishconf.py", "from pelicanconf import *\n")
        self.repo.write("pelicanconf.py", 'STATIC_PATHS = ["static"]\n')
        self.repo.write("theme/templates/base.html", "<html>{{ content }}</html>\n")
        self.repo.write("content/static/logo.svg", "<svg/>\n")
        site.article(ITEM, "Rapat Pleno", "Isi rapat.")
        site.approve_all(ITEM)
        self.base = self.repo.commit("Situs awal")
        self.state = machine_state(self.root, self.env)
        accept_history(
            self.root, self.base, self.state, reason="awal", by="uji@mesin", git_user="Uji", at=NOW
        )

    @property
    def roster(self) -> Roster:
        return load_roster(self.site.approvals, self.site.anchor, False)

    def check(self, commit: str = "HEAD") -> HistoryReport:
        return check_history(self.root, commit, self.state, self.roster, env=self.env)

    def refusal(self, commit: str = "HEAD") -> str:
        with pytest.raises(SealError) as refused:
            self.check(commit)
        assert refused.value.exit_code == ExitCode.SEAL
        return refused.value.render()

    def published(self, commit: str) -> None:
        """Record ``commit`` as the last publish, as the sealed publish does after deploying."""
        self.state.last = {"commit": commit, "release": "uji", "target": "lokal"}


@pytest.fixture
def history(site: Site, tmp_path: Path) -> History:
    return History(site, tmp_path / "state")


# --- code needs a signature ---------------------------------------------------------------

CODE_CHANGES = {
    "publishconf": ("publishconf.py", "from pelicanconf import *\nANCHOR = 'SHA256:penulis'\n"),
    "theme-template": ("theme/templates/base.html", "<html><script>x()</script></html>\n"),
    "static-paths": ("pelicanconf.py", 'STATIC_PATHS = ["static", "berita"]\n'),
    "content-static": ("content/static/pengumuman.html", "<h1>Pengumuman palsu</h1>\n"),
    "content-extra": ("content/extra/robots.txt", "Disallow: /\n"),
}


@pytest.mark.parametrize(("path", "text"), CODE_CHANGES.values(), ids=CODE_CHANGES)
def test_an_unsigned_change_of_code_is_refused_naming_commit_and_file(
    history: History, path: str, text: str
) -> None:
    history.repo.write(path, text)
    commit = history.repo.commit("Perbarui tampilan")
    message = history.refusal()
    assert "Perubahan kode situs tanpa tanda tangan yang sah (1 commit):" in message
    assert f'{short(commit)} "Perbarui tampilan" oleh {WRITER}: tidak bertanda tangan' in message
    assert f"      {path}" in message
    assert "git commit -S" in message and "docs/signed-code.md" in message


@pytest.mark.parametrize(("path", "text"), CODE_CHANGES.values(), ids=CODE_CHANGES)
def test_the_same_change_signed_by_an_official_with_the_code_permission_passes(
    history: History, path: str, text: str
) -> None:
    history.repo.write(path, text)
    commit = history.repo.commit("Perbarui tampilan", signer="andi")
    report = history.check()
    assert [(c.sha, c.signer, c.code_files) for c in report.signed] == [(commit, "andi", (path,))]
    assert report.signed[0].key == history.site.keys.fingerprint("andi")
    assert (report.start, report.start_source, report.commit) == (history.base, "base", commit)


@pytest.mark.parametrize(
    "signer", ["sri", "luar"], ids=["official-without-code-permission", "unknown-key"]
)
def test_a_change_signed_by_a_key_without_the_code_permission_is_refused(
    history: History, signer: str
) -> None:
    history.repo.write("publishconf.py", "ANCHOR = 'SHA256:penulis'\n")
    commit = history.repo.commit("Ganti jangkar", signer=signer)
    message = history.refusal()
    assert (
        f'{short(commit)} "Ganti jangkar" oleh {WRITER}: ditandatangani kunci yang tidak berhak '
        "mengubah kode (bukan pejabat 'code: true' di roster, atau kuncinya dicabut)"
    ) in message


def test_a_roster_without_code_officials_says_so(history: History) -> None:
    history.site.write_roster(code_roster_text(history.site.keys, code=()))
    history.repo.write("publishconf.py", "ANCHOR = 'SHA256:penulis'\n")
    history.repo.commit("Ganti jangkar", signer="andi")
    assert "belum memberi izin 'code: true' kepada siapa pun" in history.refusal()


def test_writers_commits_of_content_and_sign_offs_need_no_signature(history: History) -> None:
    history.site.article("berita/baru.md", "Berita Baru", "Isi baru.")
    first = history.repo.commit("Naskah baru")
    history.site.approve_all("berita/baru.md")
    second = history.repo.commit("Persetujuan berita baru")
    report = history.check()
    assert [c.sha for c in report.commits] == [second, first]
    assert report.signed == () and all(c.code_files == () for c in report.commits)


def test_a_signed_merge_of_an_unsigned_side_branch_passes(history: History) -> None:
    history.repo.git("checkout", "-q", "-b", "pembaruan")
    history.repo.write("plugins/baru.py", "X = 1\n")
    history.repo.commit("Pembaruan perangkat lunak 1")
    history.repo.write("theme/templates/base.html", "<html>baru</html>\n")
    history.repo.commit("Pembaruan perangkat lunak 2")
    history.repo.git("checkout", "-q", "utama")
    merge = history.repo.merge("pembaruan", signer="andi", message="Pembaruan versi 2")
    report = history.check()
    assert [c.sha for c in report.commits] == [merge]
    assert report.signed[0].signer == "andi"
    assert set(report.signed[0].code_files) == {"plugins/baru.py", "theme/templates/base.html"}


def test_an_unsigned_merge_is_refused_naming_the_merge_not_the_side_commits(
    history: History,
) -> None:
    history.repo.git("checkout", "-q", "-b", "pembaruan")
    history.repo.write("plugins/baru.py", "X = 1\n")
    side = history.repo.commit("Pembaruan perangkat lunak")
    history.repo.git("checkout", "-q", "utama")
    merge = history.repo.merge("pembaruan", message="Gabung pembaruan")
    message = history.refusal()
    assert f'{short(merge)} "Gabung pembaruan"' in message and "plugins/baru.py" in message
    assert short(side) not in message


def test_a_refusal_lists_the_commits_oldest_first(history: History) -> None:
    history.repo.write("publishconf.py", "X = 1\n")
    first = history.repo.commit("Pertama")
    history.repo.write("publishconf.py", "X = 2\n")
    second = history.repo.commit("Kedua")
    message = history.refusal()
    assert "(2 commit)" in message
    assert message.index(short(first)) < message.index(short(second))


def test_a_refusal_lists_ten_files_of_a_commit_then_counts_the_rest(history: History) -> None:
    for number in range(13):
        history.repo.write(f"theme/static/{number:02}.css", "a{}\n")
    history.repo.commit("Banyak berkas")
    message = history.refusal()
    assert "theme/static/09.css" in message and "theme/static/10.css" not in message
    assert "... dan 3 berkas lain" in message


def test_a_merge_that_brings_back_old_code_without_touching_it_on_the_main_line_is_refused(
    history: History,
) -> None:
    history.repo.write("publishconf.py", "AMAN = True\n")
    fixed = history.repo.commit("Perbaikan keamanan", signer="andi")
    history.published(fixed)
    history.repo.git("checkout", "-q", "-b", "lama", history.base)
    history.site.article("berita/lain.md", "Lain", "Isi.")
    history.repo.commit("Naskah dari cabang lama")
    history.repo.git("merge", "-q", "-s", "ours", "-m", "Gabung", "utama")
    message = history.refusal()
    assert "Kode situs berbeda dari terbitan" in message and "  publishconf.py" in message


# --- approvals only grow --------------------------------------------------------------------


def test_deleting_a_tolak_file_is_refused_naming_the_file_and_the_commit(history: History) -> None:
    tolak = history.site.sign(ITEM, "sekretaris", decision="tolak", note="Ditarik", at=NOW)
    history.published(history.repo.commit("Sekretaris menarik berita"))
    tolak.unlink()
    commit = history.repo.commit("Rapikan berkas")
    message = history.refusal()
    path = tolak.relative_to(history.root).as_posix()
    assert "Catatan persetujuan hanya boleh bertambah" in message
    assert f'{path}: dihapus di commit {short(commit)} "Rapikan berkas" ({WRITER})' in message
    assert "git revert" in message


def test_editing_a_sign_off_is_refused(history: History) -> None:
    signoff = next(history.site.approvals.glob("berita/**/*komisioner-setuju.yml"))
    signoff.write_text(signoff.read_text() + "# catatan\n")
    commit = history.repo.commit("Catatan")
    path = signoff.relative_to(history.root).as_posix()
    assert f"{path}: diubah di commit {short(commit)}" in history.refusal()


def test_renaming_a_sign_off_is_refused_under_its_old_name(history: History) -> None:
    signoff = next(history.site.approvals.glob("berita/**/*komisioner-setuju.yml"))
    signoff.rename(signoff.with_name("lain.yml"))
    history.repo.commit("Ganti nama")
    assert f"{signoff.relative_to(history.root).as_posix()}: dihapus" in history.refusal()


def test_a_tolak_added_and_removed_between_two_publishes_is_refused(history: History) -> None:
    tolak = history.site.sign(ITEM, "sekretaris", decision="tolak", note="Ditarik", at=NOW)
    history.repo.commit("Sekretaris menarik berita")
    tolak.unlink()
    commit = history.repo.commit("Batalkan")
    assert f"dihapus di commit {short(commit)}" in history.refusal()


def test_a_tolak_lost_in_a_merge_that_kept_an_older_side_is_refused(history: History) -> None:
    tolak = history.site.sign(ITEM, "sekretaris", decision="tolak", note="Ditarik", at=NOW)
    history.published(history.repo.commit("Sekretaris menarik berita"))
    history.repo.git("checkout", "-q", "-b", "lama", history.base)
    history.site.article("berita/lain.md", "Lain", "Isi.")
    history.repo.commit("Naskah dari cabang lama")
    history.repo.git("merge", "-q", "-s", "ours", "-m", "Gabung", "utama")
    path = tolak.relative_to(history.root).as_posix()
    assert f"{path}: dihapus dibanding " in history.refusal()


def test_new_sign_offs_a_new_roster_and_new_archive_records_pass(history: History) -> None:
    history.site.sign(ITEM, "sekretaris", decision="tolak", note="Ditarik", at=NOW)
    history.site.write_roster(code_roster_text(history.site.keys, version=2))
    history.repo.write("approvals/_arsip/2026/11/rilis-1.json", "{}\n")
    history.repo.commit("Tambah")
    assert history.check().signed == ()


def test_an_archive_record_may_not_be_changed(history: History) -> None:
    history.repo.write("approvals/_arsip/2026/11/rilis-1.json", "{}\n")
    history.published(history.repo.commit("Arsip"))
    history.repo.write("approvals/_arsip/2026/11/rilis-1.json", '{"ditahan": []}\n')
    history.repo.commit("Ubah arsip")
    assert "approvals/_arsip/2026/11/rilis-1.json: diubah di commit" in history.refusal()


# --- history only moves forward ---------------------------------------------------------------


def test_without_a_starting_point_the_publish_says_to_run_terima_riwayat(
    history: History,
) -> None:
    history.state.base = None
    head = history.repo.git("rev-parse", "HEAD")
    message = history.refusal()
    assert "belum punya titik awal riwayat" in message
    assert f'invoke terima-riwayat --commit {short(head)} --alasan "..."' in message


def test_a_history_that_does_not_descend_from_the_last_publish_is_refused_until_accepted(
    history: History,
) -> None:
    tolak = history.site.sign(ITEM, "sekretaris", decision="tolak", note="Ditarik", at=NOW)
    last = history.repo.commit("Sekretaris menarik berita")
    history.published(last)
    history.repo.git("reset", "-q", "--hard", history.base)
    assert not tolak.exists()
    rewritten = history.repo.commit("Riwayat baru")
    message = history.refusal()
    assert (
        f"Riwayat tidak maju dari terbitan terakhir: commit {short(rewritten)} bukan turunan "
        f"dari {short(last)}."
    ) in message
    assert f"invoke terima-riwayat --commit {short(rewritten)}" in message

    accept_history(
        history.root,
        rewritten,
        history.state,
        reason="Repositori dipindah",
        by="admin@mesin",
        git_user="Andi",
        at=NOW,
    )
    history.state.save()
    saved = machine_state(history.root, history.env)
    assert saved.events[-1] == {
        "event": "terima-riwayat",
        "commit": rewritten,
        "at": NOW.isoformat(),
        "by": "admin@mesin",
        "git_user": "Andi",
        "reason": "Repositori dipindah",
        "replaces": last,
    }
    report = check_history(history.root, "HEAD", saved, history.roster, env=history.env)
    assert (report.start, report.start_source) == (rewritten, "base")
    saved.last = {"commit": rewritten}
    assert (
        check_history(history.root, "HEAD", saved, history.roster, env=history.env).start_source
        == "last"
    )


def test_a_publish_from_a_missing_commit_names_it(history: History) -> None:
    history.published("0" * 40)
    assert f"Commit {short('0' * 40)} tidak ada di repositori ini." in history.refusal()


def test_the_report_gives_the_newest_committer_time_for_the_clock_rail(history: History) -> None:
    history.repo.env["GIT_COMMITTER_DATE"] = "2030-01-02T03:04:05+07:00"
    history.repo.commit("Dari masa depan")
    assert history.check().newest.isoformat() == "2030-01-02T03:04:05+07:00"


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        ("publishconf.py", True),
        ("theme/templates/base.html", True),
        ("content/static/logo.svg", True),
        ("content/extra/robots.txt", True),
        ("contentx/a.md", True),
        ("content/berita/a.md", False),
        ("approvals/berita/a/x.yml", False),
        ("approvals/roster.yml", False),
    ],
)
def test_what_needs_a_signature(path: str, needed: bool) -> None:
    assert needs_signature(path) is needed


# --- the roster's high-water mark lives on the machine ------------------------------------------


def test_an_older_roster_is_refused_on_a_fresh_checkout(history: History, tmp_path: Path) -> None:
    old = history.repo.git("rev-parse", "HEAD")
    history.site.write_roster(code_roster_text(history.site.keys, version=2))
    history.repo.commit("Roster versi 2: kunci rudi dicabut")
    newer, fresh = tmp_path / "klon-baru", tmp_path / "klon-segar"
    for clone in (newer, fresh):
        history.repo.git("clone", "-q", str(history.root), str(clone))
    subprocess.run(["git", "checkout", "-q", old], cwd=fresh, check=True)

    state = machine_state(newer, history.env)
    assert check_roster_version(load_roster(newer / "approvals", history.site.anchor, False), state)
    state.save()
    again = machine_state(fresh, history.env)
    assert again.folder == state.folder and not (fresh / ".cache").exists()
    with pytest.raises(AnchorError) as refused:
        check_roster_version(load_roster(fresh / "approvals", history.site.anchor, False), again)
    assert refused.value.exit_code == ExitCode.ANCHOR
    assert "Roster versi 1 lebih lama dari versi 2 yang sudah pernah diterima" in str(refused.value)
    assert not check_roster_version(
        load_roster(newer / "approvals", history.site.anchor, False), again
    )


# --- the commands -----------------------------------------------------------------------------


def invoke(*args: str, state_home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(REPO), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_STATE_HOME": str(state_home)},
    )


@pytest.mark.slow
def test_terima_riwayat_refuses_without_a_reason(tmp_path: Path) -> None:
    done = invoke("terima-riwayat", "--commit", "HEAD", state_home=tmp_path)
    assert done.returncode == ExitCode.BAD_VALUE
    assert done.stderr.strip() == (
        "Riwayat TIDAK diterima: --alasan wajib diisi, karena menerima riwayat adalah keputusan "
        'yang dicatat. Contoh: invoke terima-riwayat --commit HEAD --alasan "..."'
    )
    assert not list(tmp_path.rglob("state.json"))


@pytest.mark.slow
def test_terima_riwayat_records_the_base_with_who_when_and_why(tmp_path: Path) -> None:
    done = invoke("terima-riwayat", "--alasan", "Penerbitan pertama", state_home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Riwayat DITERIMA sebagai titik awal penerbitan di mesin ini.")
    (file,) = tmp_path.rglob("state.json")
    state = json.loads(file.read_text())
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert state["base"]["commit"] == head and state["base"]["reason"] == "Penerbitan pertama"
    assert state["events"] == [{"event": "terima-riwayat", **state["base"]}]


@pytest.mark.slow
def test_allowed_signers_kode_lists_only_the_code_officials(site: Site, tmp_path: Path) -> None:
    site.write_roster(code_roster_text(site.keys))
    done = invoke(
        "allowed-signers", "--kode", "--settings", str(site.settings), state_home=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [f'andi namespaces="git" {site.keys.public("andi")}']


@pytest.mark.slow
def test_the_walk_through_in_signed_code_md_works_as_written(
    history: History, tmp_path: Path
) -> None:
    signers = tmp_path / "kode-allowed-signers"
    done = invoke(
        "allowed-signers", "--kode", "--settings", str(history.site.settings),
        "--output", str(signers), state_home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    repo = history.repo
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "gpg.ssh.allowedSignersFile", str(signers))
    for signer in ("andi", "sri", None):
        repo.write("theme/templates/base.html", f"<html>{signer}</html>\n")
        if signer:
            repo.git("config", "user.signingkey", str(history.site.keys.private(signer)))
            repo.git("commit", "-q", "-S", "-am", f"Tema oleh {signer}")
        else:
            repo.git("commit", "-q", "-am", "Tema tanpa tanda tangan")
    shown = repo.git("log", "-3", "--format=%G? %GS %s").splitlines()
    assert shown == ["N  Tema tanpa tanda tangan", "U  Tema oleh sri", "G andi Tema oleh andi"]
    assert history.check("HEAD~2").signed[0].signer == "andi"


def test_the_state_is_kept_outside_the_checkout(history: History, tmp_path: Path) -> None:
    history.state.save()
    assert isinstance(history.state, MachineState)
    assert history.state.file.is_relative_to(tmp_path / "state" / "kpu-rembang")
