"""The gate fails closed: when it cannot vouch for the output, nothing is published.

Each test first builds a good site, then breaks the plugin, the roster, the anchor or
the settings, and shows that the build fails with a clear Indonesian message and the
exit code of what broke (the gate's own code when the gate refused), while the previous
output stays exactly as it was.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from approval_gate.api import DEMO_ANCHOR, ExitCode
from publishing.build import BuildFailed, build_site
from sitekit import REPO, Site, roster_text

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


@pytest.fixture
def built(site: Site) -> Site:
    site.article("berita/a.md", "A", "TOKENBAIK")
    site.approve_all("berita/a.md")
    site.article("berita/b.md", "B", "TOKENBELUM")
    site.build()
    return site


def _snapshot(site: Site) -> dict[str, bytes]:
    return {p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.files()}


def _fails(
    site: Site, code: int, settings: Path | None = None, env: dict[str, str] | None = None
) -> str:
    before = _snapshot(site)
    with pytest.raises(BuildFailed) as caught:
        site.build(settings, env)
    assert _snapshot(site) == before, "the live output must stay as it was"
    assert not list(site.root.glob(".output.staging-*"))
    assert caught.value.exit_code == code, caught.value.message
    return caught.value.message + caught.value.log


@pytest.mark.parametrize(
    ("plugins", "code"),
    [
        ("PLUGINS = ['sitemap']", ExitCode.BUILD),
        ("PLUGINS = ['approval_gatex', 'sitemap']", ExitCode.BUILD),
        ("import approval_gate\napproval_gate.register = lambda: 1 / 0", ExitCode.GATE),
    ],
    ids=["gate-not-listed", "gate-name-mistyped", "gate-register-raises"],
)
def test_build_without_a_working_gate_publishes_nothing(
    built: Site, plugins: str, code: int
) -> None:
    settings = built.write_settings("rusak.py", extra=plugins + "\n")
    log = _fails(built, code, settings)
    assert "TOKENBELUM" not in log


def test_plain_pelican_without_the_gate_exits_non_zero(built: Site) -> None:
    settings = built.write_settings("rusak.py", extra="PLUGINS = ['sitemap']\n")
    done = subprocess.run(
        [sys.executable, "-m", "pelican", "-s", str(settings), "-o", str(built.root / "polos")],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "'approvals' is undefined" in done.stdout + done.stderr


def test_gate_that_cannot_be_imported_stops_pelican(built: Site, tmp_path: Path) -> None:
    copy = tmp_path / "salinan"
    shutil.copytree(REPO / "plugins", copy / "plugins")
    shutil.copytree(REPO / "theme", copy / "theme")
    shutil.copy(REPO / "pelicanconf.py", copy / "pelicanconf.py")
    shutil.copytree(REPO / "content" / "static", copy / "content" / "static")  # the logo
    (copy / "plugins" / "approval_gate" / "rules.py").write_text("def broken(:\n")
    settings = built.root / "rusak.py"
    settings.write_text(
        built.write_settings("tmp.py").read_text().replace(repr(str(REPO)), repr(str(copy)))
    )
    log = _fails(built, ExitCode.GATE, settings)
    assert "SyntaxError" in log and "approval_gate harus terpasang" in log


def test_writer_who_adds_themselves_to_the_roster_stops_the_build(built: Site) -> None:
    roster = built.approvals / "roster.yml"
    roster.write_text(
        roster.read_text() + "  - {role: komisioner, person: andi, from: 2020-01-01}\n"
    )
    log = _fails(built, ExitCode.ANCHOR)
    assert "roster.yml.sig: Tanda tangan roster tidak sah" in log


def test_roster_signed_by_someone_other_than_the_anchor_stops_the_build(built: Site) -> None:
    built.write_roster(roster_text(built.keys, version=2), signer="andi")
    log = _fails(built, ExitCode.ANCHOR)
    assert f"bukan kunci jangkar {built.anchor}" in log


def test_broken_roster_yaml_names_the_line(built: Site) -> None:
    built.write_roster(roster_text(built.keys).replace("holders:\n", "holders:\n  - [\n"))
    log = _fails(built, ExitCode.ROSTER)
    assert "roster.yml:" in log and "YAML tidak valid" in log


def test_roster_with_unknown_role_names_file_and_line(built: Site) -> None:
    text = roster_text(built.keys).replace("{role: sekretaris,", "{role: sekertaris,")
    built.write_roster(text)
    line = text.splitlines().index(next(x for x in text.splitlines() if "sekertaris" in x)) + 1
    assert f"roster.yml:{line}: Peran tidak dikenal: 'sekertaris'" in _fails(built, ExitCode.ROSTER)


def test_older_roster_version_is_refused_after_a_newer_one(built: Site) -> None:
    built.write_roster(roster_text(built.keys, version=3))
    built.build()
    built.write_roster(roster_text(built.keys, version=2))
    assert "Roster versi 2 lebih lama dari versi 3" in _fails(built, ExitCode.ANCHOR)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("APPROVAL_GATE_ANCHOR = None", "Pengaturan 'APPROVAL_GATE_ANCHOR' belum diisi"),
        ("APPROVAL_GATE_ANCHOR = 'SHA256:pendek'", "'APPROVAL_GATE_ANCHOR': diharapkan sidik jari"),
        (
            "APPROVAL_GATE_ALLOW_DEMO_KEY = True",
            "Pengaturan tidak dikenal: 'APPROVAL_GATE_ALLOW_DEMO_KEY'. Mungkin maksud Anda "
            "'APPROVAL_GATE_ALLOW_DEMO_KEYS'?",
        ),
        ("APPROVAL_GATE_ALLOW_DEMO_KEYS = 'ya'", "diterima 'ya'"),
    ],
    ids=["anchor-missing", "anchor-malformed", "setting-typo", "setting-type"],
)
def test_bad_gate_settings_stop_the_build_naming_file_and_key(
    built: Site, extra: str, expected: str
) -> None:
    settings = built.write_settings("salah.py", extra=extra + "\n")
    log = _fails(built, ExitCode.CONFIG, settings)
    assert expected in log
    assert "pelicanconf.py" in log or "salah.py" in log


def test_publishconf_refuses_the_demo_anchor_unless_allowed(tmp_path: Path) -> None:
    env = {"KPU_ROSTER_ANCHOR": DEMO_ANCHOR, "KPU_DEMO": ""}
    with pytest.raises(BuildFailed) as caught:
        build_site(REPO / "publishconf.py", tmp_path / "out", env, tmp_path / "var")
    assert "kunci CONTOH" in caught.value.log
    assert caught.value.exit_code == ExitCode.ANCHOR
    assert caught.value.message.startswith(
        f"approvals/roster.yml: Kunci jangkar {DEMO_ANCHOR} adalah kunci CONTOH"
    )
    assert not (tmp_path / "out").exists()
    allowed = build_site(
        REPO / "publishconf.py", tmp_path / "out", {**env, "KPU_DEMO": "1"}, tmp_path / "var"
    )
    assert allowed.manifest["demo_keys_allowed"] is True


def test_publishconf_without_a_pinned_anchor_refuses_to_build(tmp_path: Path) -> None:
    env = {"KPU_ROSTER_ANCHOR": "", "XDG_CONFIG_HOME": str(tmp_path / "kosong")}
    with pytest.raises(BuildFailed) as caught:
        build_site(REPO / "publishconf.py", tmp_path / "out", env, tmp_path / "var")
    assert "Pengaturan 'APPROVAL_GATE_ANCHOR' belum diisi" in caught.value.log
    assert caught.value.exit_code == ExitCode.CONFIG


def test_cache_inside_the_output_folder_is_refused(built: Site) -> None:
    settings = built.write_settings(
        "salah.py", extra="APPROVAL_GATE_CACHE_PATH = OUTPUT_PATH + '/cache'\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pelican", "-s", str(settings), "--log-handler", "plain"],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "salah.py: Pengaturan 'APPROVAL_GATE_CACHE_PATH'" in done.stdout + done.stderr
    assert "berada di dalam folder output" in done.stdout + done.stderr
