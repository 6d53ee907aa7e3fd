"""The Pelican child reports its outcome as data, and the build decides from that alone.

The fast tests feed results to ``judge_result`` and Pelican's own log records to the
child's collector; the whole-build tests show the decisions end to end: a tampered
roster ends ``invoke build`` with the anchor's exit code, a file Pelican cannot use holds
back only its item, and an unexpected error or a killed child publishes nothing.
"""

from __future__ import annotations

import datetime
import inspect
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pelican
import pelican.contents
import pelican.generators
import pytest
from pelican.contents import Article
from pelican.settings import read_settings

from approval_gate.api import LOGGED_FINDING, AnchorError, ConfigError, ExitCode
import publishing.search
from publishing import pelican_child
from publishing.build import (
    MANIFESTS_KEPT,
    SKIPPED,
    BuildFailed,
    build_site,
    judge_result,
    read_result,
)
from sitekit import Site, copy_project, invoke_build

ROSTER_ERROR = AnchorError(
    "Tanda tangan roster tidak sah: tanda tangan tidak cocok.",
    path="approvals/roster.yml.sig",
    hint="Minta tanda tangan ulang.",
)


def _result(**fields: Any) -> dict[str, Any]:
    return {
        "status": 0,
        "content": "/situs/content",
        "fatal": None,
        "skipped": [],
        "errors": [],
        **fields,
    }


def _refused(result: dict[str, Any] | None, returncode: int = 0) -> BuildFailed:
    with pytest.raises(BuildFailed) as caught:
        judge_result(result, returncode, "catatan")
    assert caught.value.log == "catatan"
    return caught.value


# -- the decision, from results ------------------------------------------------------------


def test_clean_result_builds_and_holds_nothing() -> None:
    assert judge_result(_result(), 0) == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ROSTER_ERROR, ExitCode.ANCHOR),
        (
            ConfigError("Pengaturan tidak dikenal: 'APPROVAL_GATE_X'.", path="salah.py"),
            ExitCode.CONFIG,
        ),
    ],
    ids=["tampered-roster", "setting-typo"],
)
def test_fatal_project_error_keeps_its_exit_code_and_text(error: Exception, code: int) -> None:
    fatal = pelican_child.describe(error)
    refused = _refused(_result(status=1, fatal=fatal), 1)
    assert refused.exit_code == code
    assert refused.message == (
        f"{error}\nPelican gagal (kode keluar 1); tidak ada yang diterbitkan."
    )


def test_fatal_error_of_another_kind_fails_the_build() -> None:
    fatal = pelican_child.describe(NameError("name 'approvals' is not defined"))
    refused = _refused(_result(status=1, fatal=fatal), 1)
    assert refused.exit_code == ExitCode.BUILD
    assert refused.message == (
        "CRITICAL: NameError: name 'approvals' is not defined\n"
        "Pelican gagal (kode keluar 1); tidak ada yang diterbitkan."
    )


@pytest.mark.parametrize(
    ("reason", "detail", "text"),
    [
        (
            "missing-metadata",
            "title",
            "metadata wajib 'title' tidak ada; tambahkan (mis. 'Title: ...') lalu ajukan lagi",
        ),
        (
            "unknown-status",
            "tayang",
            "status 'tayang' tidak dikenal; pakai published, hidden atau draft",
        ),
        (
            "outside-output",
            "../luar.html",
            "alamat simpan (save_as) berada di luar folder output; perbaiki metadata itu",
        ),
        (
            "unreadable",
            None,
            "berkas tidak dapat dibaca Pelican; periksa isinya (lihat catatan build)",
        ),
    ],
    ids=["no-title", "unknown-status", "outside-output", "unreadable"],
)
def test_skipped_file_is_held_as_rusak_with_its_reason(
    reason: str, detail: str | None, text: str
) -> None:
    skipped = [{"item": "berita/x.md", "reason": reason, "detail": detail}]
    assert judge_result(_result(skipped=skipped), 0) == [
        {"item": "berita/x.md", "state": "rusak", "digest": None, "reason": text}
    ]


def test_every_reason_the_child_reports_is_explained() -> None:
    assert {reason for reason, _, _ in pelican_child.SKIPPED.values()} == set(SKIPPED)


def test_unknown_error_fails_closed_even_when_pelican_exits_zero() -> None:
    errors = [{"level": "ERROR", "message": "Ada yang salah: 42"}]
    skipped = [{"item": "berita/x.md", "reason": "missing-metadata", "detail": "title"}]
    refused = _refused(_result(errors=errors, skipped=skipped))
    assert refused.exit_code == ExitCode.BUILD
    assert refused.message == (
        "ERROR: Ada yang salah: 42\nPelican melaporkan galat; tidak ada yang diterbitkan."
    )


def test_skip_with_an_unknown_reason_fails_closed() -> None:
    refused = _refused(_result(skipped=[{"item": "x.md", "reason": "baru", "detail": None}]))
    assert refused.message.startswith(
        "ERROR: Pelican melewati berkas dengan alasan yang tidak dikenal"
    )


def test_non_zero_exit_fails_even_if_the_result_says_otherwise() -> None:
    refused = _refused(_result(), -9)
    assert refused.message == (
        "Pelican tidak menulis pesan apa pun.\nPelican gagal (kode "
        "keluar -9); tidak ada yang diterbitkan."
    )


def test_missing_result_fails_closed(tmp_path: Path) -> None:
    assert read_result(tmp_path / "tidak-ada.json") is None
    refused = _refused(None, -9)
    assert refused.exit_code == ExitCode.BUILD
    assert refused.message == (
        "Pelican berhenti tanpa melaporkan hasilnya.\nPelican gagal "
        "(kode keluar -9); tidak ada yang diterbitkan."
    )


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[]",
        '{"status": 0}',
        '{"status": "0", "fatal": null, "skipped": [], "errors": []}',
        '{"status": 0, "fatal": null, "skipped": ["x.md"], "errors": []}',
    ],
    ids=["truncated", "not-an-object", "fields-missing", "status-text", "skip-not-object"],
)
def test_malformed_result_counts_as_no_result(tmp_path: Path, text: str) -> None:
    (tmp_path / "hasil.json").write_text(text)
    assert read_result(tmp_path / "hasil.json") is None


# -- the child: Pelican's own records, read by template and arguments ---------------------


def test_the_templates_the_child_knows_are_pelicans_own() -> None:
    """Pelican is pinned; if an upgrade rewords a message, this fails before a build does."""
    source = inspect.getsource(pelican.contents) + inspect.getsource(pelican.generators)
    for template in pelican_child.SKIPPED:
        assert f'"{template}"' in source, template
    assert 'logger.critical("%s: %s", e.__class__.__name__, e' in inspect.getsource(pelican)
    assert f'"{pelican_child.INTERRUPTED}"' in inspect.getsource(pelican)


@pytest.fixture
def collected(tmp_path: Path) -> Any:
    """The child's collector on the root logger, with Pelican's PATH already learned."""
    (tmp_path / "isi").mkdir()
    settings = read_settings(
        override={"PATH": str(tmp_path / "isi"), "OUTPUT_PATH": str(tmp_path / "keluar")}
    )
    outcome = pelican_child.Outcome()
    outcome.learn_path(type("Pelican", (), {"settings": settings})())
    logging.getLogger().addHandler(outcome)
    yield outcome, settings
    logging.getLogger().removeHandler(outcome)


def test_child_reads_skipped_files_from_pelicans_records(collected: Any) -> None:
    outcome, settings = collected
    date = datetime.datetime(2026, 11, 20, 8, 0)
    for name, meta in [
        ("berita/tanpa-judul.md", {}),
        ("aneh.md", {"status": "tayang"}),
        ("luar.md", {"save_as": "../luar.html"}),
    ]:
        article = Article(
            "isi",
            metadata={"title": "T", "date": date, **meta} if meta else {"date": date},
            settings=settings,
            source_path=str(Path(settings["PATH"]) / name),
        )
        assert not article.is_valid()
    logging.getLogger("pelican.generators").error("Could not process %s", "./rusak.md")
    assert outcome.result(0)["skipped"] == [
        {"item": "berita/tanpa-judul.md", "reason": "missing-metadata", "detail": "title"},
        {"item": "aneh.md", "reason": "unknown-status", "detail": "tayang"},
        {"item": "luar.md", "reason": "outside-output", "detail": "../luar.html"},
        {"item": "rusak.md", "reason": "unreadable", "detail": None},
    ]
    assert outcome.result(0)["errors"] == []


def test_child_reports_the_fatal_error_whole_and_every_other_error(collected: Any) -> None:
    outcome, _ = collected
    logging.getLogger("bising").warning("hanya peringatan")
    logging.getLogger("bising").error("Ada yang salah: %s", 42)
    logging.getLogger("pelican").critical("%s: %s", "AnchorError", ROSTER_ERROR)
    result = outcome.result(1)
    assert result["fatal"] == {
        "class": "AnchorError",
        "message": ROSTER_ERROR.message,
        "path": "approvals/roster.yml.sig",
        "line": None,
        "hint": "Minta tanda tangan ulang.",
        "exit_code": ExitCode.ANCHOR,
    }
    assert result["errors"] == [{"level": "ERROR", "message": "Ada yang salah: 42"}]


def test_child_keeps_a_plugins_warning_on_a_file_as_data_and_nothing_else(
    collected: Any,
) -> None:
    outcome, _ = collected
    theme = logging.getLogger("site_theme.theme")
    found = {"path": "content/r.md", "line": 4, "item": "r.md", "message": "M.", "hint": "H."}
    theme.warning("%s", "content/r.md:4: M. H.", extra={LOGGED_FINDING: found})
    odd = {"path": ["x"], "line": "7", "message": 3, "lain": "?"}  # a plugin's odd record
    theme.warning("aneh", extra={LOGGED_FINDING: odd})
    theme.error("%s", "galat", extra={LOGGED_FINDING: found})  # an error stays an error
    result = outcome.result(0)
    assert result["warnings"] == [
        found,
        {"path": "['x']", "line": None, "item": None, "message": "3", "hint": ""},
    ]
    assert result["errors"] == [{"level": "ERROR", "message": "galat"}]


# -- whole builds --------------------------------------------------------------------------


def _snapshot(output: Path) -> dict[str, bytes]:
    return {
        p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, so ``invoke build`` writes its own output/ and var/."""
    return copy_project(tmp_path_factory.mktemp("proyek") / "proyek", tests=False)


@pytest.fixture
def built(site: Site, project: Path) -> Site:
    """A site published once by ``invoke build`` into the project copy's output/."""
    site.article("berita/a.md", "A", "TOKENBAIK")
    site.approve_all("berita/a.md")
    done = invoke_build(project, site.settings)
    assert done.returncode == 0, done.stderr
    return site


@pytest.mark.slow
def test_invoke_build_shows_what_the_theme_could_not_read_with_file_and_line(
    built: Site, project: Path
) -> None:
    built.article(
        "regulasi/salah.md",
        "Regulasi Salah",
        "Ringkasan.",
        category="Regulasi",
        nomor="3",
        tahun="2O24",
    )
    built.approve_all("regulasi/salah.md")
    done = invoke_build(project, built.settings, cwd=project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index(
        "Ada 1 peringatan; itemnya tetap terbit, tetapi tanpa bagian yang tidak dapat dibaca:"
    )
    assert lines[start + 1 :] == [
        "  ~ content/regulasi/salah.md:5: Tahun '2O24' tidak dapat dibaca; regulasi ini tidak "
        "masuk penelusuran per tahun. (Tulis tahun dengan angka, seperti 2024. Perbaiki baris "
        "itu, lalu minta persetujuan ulang.)",
        "  Daftar lengkap: var/masalah-build.txt.",
    ]
    assert lines[start + 1] in (project / "var" / "masalah-build.txt").read_text()


@pytest.mark.slow
def test_tampered_roster_ends_invoke_build_with_the_anchor_code(built: Site, project: Path) -> None:
    before = _snapshot(project / "output")
    roster = built.approvals / "roster.yml"
    roster.write_text(
        roster.read_text() + "  - {role: komisioner, person: andi, from: 2020-01-01}\n"
    )
    done = invoke_build(project, built.settings)
    assert done.returncode == ExitCode.ANCHOR == 5
    assert done.stderr.startswith(
        "Build GAGAL: approvals/roster.yml.sig: Tanda tangan roster tidak sah: "
    )
    assert "\nPelican gagal (kode keluar 1); tidak ada yang diterbitkan.\n" in done.stderr
    assert _snapshot(project / "output") == before
    assert "AnchorError" in (project / "var" / "build-gagal.log").read_text()


@pytest.mark.slow
def test_unknown_gate_setting_ends_invoke_build_with_the_config_code(
    built: Site, project: Path
) -> None:
    before = _snapshot(project / "output")
    settings = built.write_settings("salah.py", extra="APPROVAL_GATE_ALLOW_DEMO_KEY = True\n")
    done = invoke_build(project, settings)
    assert done.returncode == ExitCode.CONFIG == 3
    assert done.stderr.startswith(
        "Build GAGAL: salah.py: Pengaturan tidak dikenal: "
        "'APPROVAL_GATE_ALLOW_DEMO_KEY'. Mungkin maksud Anda "
        "'APPROVAL_GATE_ALLOW_DEMO_KEYS'?"
    )
    assert _snapshot(project / "output") == before


def _with_plugin(site: Site, body: str) -> Path:
    """Write a settings file that adds a plugin ``uji`` whose ``finalized`` runs ``body``."""
    (site.root / "plug").mkdir()
    (site.root / "plug" / "uji.py").write_text(
        "import logging, os, signal\nfrom pelican import signals\n\n"
        f"def selesai(pelican):\n    {body}\n\n"
        "def register():\n    signals.finalized.connect(selesai)\n"
    )
    return site.write_settings(
        "plugin.py",
        extra=f"PLUGIN_PATHS = [{str(site.root / 'plug')!r}]\nPLUGINS = [*PLUGINS, 'uji']\n",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "logging.getLogger('uji').error('Ada yang salah: %s', 42)",
            "ERROR: Ada yang salah: 42\nPelican melaporkan galat; tidak ada yang diterbitkan.",
        ),
        (
            "os.kill(os.getpid(), signal.SIGKILL)",
            "Pelican berhenti tanpa melaporkan hasilnya.\nPelican gagal (kode keluar -9); tidak "
            "ada yang diterbitkan.",
        ),
    ],
    ids=["plugin-logs-an-error", "child-killed"],
)
@pytest.mark.slow
def test_unexpected_error_or_a_dead_child_publishes_nothing(
    site: Site, body: str, message: str
) -> None:
    site.article("berita/a.md", "A", "TOKENBAIK")
    site.approve_all("berita/a.md")
    site.build()
    before = _snapshot(site.output)
    with pytest.raises(BuildFailed) as caught:
        site.build(_with_plugin(site, body))
    assert caught.value.exit_code == ExitCode.BUILD
    assert caught.value.message == message
    assert _snapshot(site.output) == before
    assert not list(site.root.glob(".output.staging-*"))


@pytest.mark.slow
def test_files_pelican_cannot_use_hold_back_only_their_items(site: Site) -> None:
    site.article("berita/baik.md", "Baik", "Isi TOKENBAIK.")
    site.approve_all("berita/baik.md")
    broken = {
        "berita/tanpa-judul.md": (
            "Date: 2026-11-20 08:00\n",
            "metadata wajib 'title' tidak ada; tambahkan (mis. 'Title: ...') lalu ajukan lagi",
        ),
        "berita/luar.md": (
            "Title: Luar\nDate: 2026-11-20 08:00\nSave_as: ../../luar.html\n",
            "alamat simpan (save_as) berada di luar folder output; perbaiki metadata itu",
        ),
        "berita/tanggal.md": (
            "Title: Tanggal\nDate: kemarin sore\n",
            "berkas tidak dapat dibaca Pelican; periksa isinya (lihat catatan build)",
        ),
    }
    for item, (meta, _) in broken.items():
        (site.content / item).write_text(f"{meta}\nIsi TOKENRUSAK.\n")
        site.approve_all(item)
    result = site.build()
    assert site.hits("TOKENBAIK") and site.hits("TOKENRUSAK") == []
    held = {e["item"]: e for e in result.manifest["excluded"]}
    for item, (_, reason) in broken.items():
        assert held[item] == {"item": item, "state": "rusak", "digest": None, "reason": reason}
    assert [e["item"] for e in result.manifest["included"]] == ["berita/baik.md"]


@pytest.mark.slow
def test_failing_search_index_ends_the_build_with_the_search_code(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.article("berita/a.md", "A", "TOKENBAIK")
    site.approve_all("berita/a.md")
    monkeypatch.setattr(publishing.search, "pagefind_command", lambda: ["false"])
    with pytest.raises(BuildFailed) as caught:
        site.build()
    assert caught.value.exit_code == ExitCode.SEARCH == 13
    assert caught.value.message == (
        "Indeks pencarian gagal dibuat (Pagefind, kode keluar 1); tidak ada yang diterbitkan."
    )
    assert not site.output.exists()


LEAVE = """
import atexit, sys, threading, time
sys.path.insert(0, {publishing!r})
from pelican_child import leave
atexit.register(lambda: open({mark!r}, "a").write("atexit "))
class Pelicans:  # what a normal exit frees one by one: the site's objects
    def __del__(self, _open=open) -> None:  # builtins may be gone by then
        _open({mark!r}, "a").write("teardown")
kept = Pelicans()
if {thread!r}:
    def late() -> None:
        time.sleep(0.3)
        open({mark!r}, "a").write("thread ")
    threading.Thread(target=late).start()
print("dicetak", end="")
sys.stderr.write("galat")
leave(3)
"""


@pytest.mark.parametrize("thread", [False, True])
def test_the_child_leaves_at_once_but_keeps_what_exit_does(tmp_path: Path, thread: bool) -> None:
    """The child ends without tearing Pelican's objects down one by one (issue 12).

    Its exit handlers still run (the gate's background saves, logging), its printed text
    still arrives, its status is kept, and a thread still running is waited for.
    """
    mark = tmp_path / "mark"
    code = LEAVE.format(
        publishing=str(Path(pelican_child.__file__).parent), mark=str(mark), thread=thread
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, "dicetak", "galat")
    assert mark.read_text() == ("thread atexit teardown" if thread else "atexit ")


def test_a_build_keeps_only_the_newest_manifests(site: Site) -> None:
    """Old builds' manifests (6 MB each at 5,000 items) do not pile up in var/builds/."""
    site.article("berita/satu.md", "Berita Satu", "Isi.")
    site.approve_all("berita/satu.md")
    builds = site.root / "var" / "builds"
    builds.mkdir(parents=True)
    for number in range(MANIFESTS_KEPT + 5):  # left by earlier builds, oldest first
        old = builds / f"{number:032x}.json"
        old.write_text("{}\n")
        os.utime(old, (1_700_000_000 + number, 1_700_000_000 + number))
    result = build_site(site.write_settings(), site.output, dict(os.environ))
    kept = sorted(p.name for p in builds.iterdir())
    assert len(kept) == MANIFESTS_KEPT
    assert f"{result.manifest['build_id']}.json" in kept  # this build's, and the newest others
    assert f"{MANIFESTS_KEPT + 4:032x}.json" in kept and f"{5:032x}.json" not in kept
