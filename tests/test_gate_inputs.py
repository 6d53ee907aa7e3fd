"""The gate's inputs have limits: a bad file holds its own item and never the build.

YAML without anchors, aliases or merge keys, nested at most 20 deep, sign-offs of at most
64 KB; only regular files, read within their size limits (a symlink, a loop, a FIFO is a
finding naming it); readers that could pull other files into a page are refused; the
files Pelican links for an item must be the files its approval covers; a sign-off counts
only when the documented ssh-keygen audit reads exactly the bytes the gate verified.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from approval_gate.api import (
    SIGNOFF_LIMIT,
    ConfigError,
    ContentFiles,
    ExitCode,
    Finding,
    Limits,
    RosterError,
    SignOff,
    content_digest,
    load_roster,
    load_settings,
    open_ledger,
    parse_signoff,
    read_settings_file,
)

from publishing.build import BuildFailed
from sitekit import ROLES, Site, roster_text

ITEM = "berita/x.md"
REL = "berita/x/20261121T090000-web-admin-setuju.yml"
#: The classic "billion laughs": a few hundred bytes, 9^9 strings if it were constructed.
BOMB = "".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(
            f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def _signoff_text(text: str) -> SignOff | Finding:
    return parse_signoff(f"approvals/{REL}", REL, text)


# --- YAML: no references, bounded nesting and size --------------------------------------


def test_a_billion_laughs_sign_off_is_refused_in_milliseconds() -> None:
    assert len(BOMB) < 1024
    started = time.perf_counter()
    found = _signoff_text(BOMB)
    took = time.perf_counter() - started
    assert found == Finding(
        f"approvals/{REL}",
        "YAML tidak diterima: anchor '&a' tidak diizinkan.",
        "Perbaiki susunan YAML-nya atau buat keputusan baru.",
        1,
    )
    assert took < 0.05


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("item: " + "[" * 999 + "]" * 999 + "\n", "susunan bersarang lebih dari 20 tingkat", 1),
        ("item: x\nrole: &peran web-admin\n", "anchor '&peran'", 2),
        ("item: x\nrole: y\nsigner: *orang\n", "alias '*orang'", 3),
        ("item: x\nrole:\n  <<: {a: 1}\n", "kunci gabungan '<<'", 3),
        ("item: x\nrole: !!merge <<\n", "kunci gabungan '<<'", 2),
    ],
    ids=["999-tingkat", "anchor", "alias", "merge", "merge-bertag"],
)
def test_yaml_references_and_deep_nesting_are_refused_with_their_line(
    text: str, message: str, line: int
) -> None:
    found = _signoff_text(text)
    assert isinstance(found, Finding)
    assert found.message == f"YAML tidak diterima: {message} tidak diizinkan."
    assert found.line == line


def test_a_sign_off_text_over_64_kb_is_refused_before_yaml_reads_it() -> None:
    text = "item: x\nnote: |\n" + "  isi\n" * (SIGNOFF_LIMIT // 6 + 1)
    found = _signoff_text(text)
    assert isinstance(found, Finding)
    assert found.message == f"Teks YAML terlalu besar: {len(text)} bita, batas 65536 bita."


def test_a_roster_with_an_alias_is_refused_although_the_anchor_signed_it(site: Site) -> None:
    text = roster_text(site.keys).replace("roles:\n", "roles: &peran\n", 1)
    site.write_roster(text)
    with pytest.raises(RosterError) as caught:
        load_roster(site.approvals, site.anchor, False)
    assert caught.value.exit_code == ExitCode.ROSTER
    assert caught.value.message == "YAML tidak diterima: anchor '&peran' tidak diizinkan."
    assert (caught.value.path, caught.value.line) == ("approvals/roster.yml", 2)


# --- The sign-off the gate counts is the one the documented audit reads ------------------


def _signed(site: Site) -> tuple[Path, str]:
    site.article(ITEM, "X", "Isi.")
    path = site.sign(ITEM, ROLES[0])
    return path, path.read_text()


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("\n  ", "\n    "),
        lambda t: t.replace("payload: |\n", 'payload: |\n  palsu\nsignature: "x"\npayload: |\n'),
        lambda t: t.replace("signature: |\n", "signature: |2\n"),
    ],
    ids=["crlf", "empat-spasi", "payload-ganda", "indikator-indentasi"],
)
def test_a_sign_off_yaml_reads_differently_from_the_audit_is_not_counted(
    site: Site, change: object
) -> None:
    path, text = _signed(site)
    assert isinstance(_signoff_text(text), SignOff)
    found = _signoff_text(change(text))  # type: ignore[operator]
    assert isinstance(found, Finding), found
    assert found.message.startswith("Blok 'payload' dan 'signature' tidak tersusun seperti")


def test_a_hand_reordered_sign_off_still_counts(site: Site) -> None:
    _, text = _signed(site)
    lines = text.split("\n")
    lines[2], lines[3] = lines[3], lines[2]  # item and role swapped: same meaning, same tail
    assert isinstance(_signoff_text("\n".join(lines)), SignOff)


# --- Only regular files, each within its limit -----------------------------------------


def _bad_files(site: Site) -> dict[str, str]:
    """Plant one of each bad kind under content/ and approvals/; return path -> message."""
    outside = site.root / "rahasia.txt"
    outside.write_text("TOKENLUAR")
    os.mkfifo(site.root / "pipa-luar")
    plants = {
        "content/berita/pipa.csv": lambda p: os.mkfifo(p),
        "content/berita/tautan.csv": lambda p: p.symlink_to(outside),
        "content/berita/putar.csv": lambda p: p.symlink_to(p),
        "content/berita/ke-pipa.csv": lambda p: p.symlink_to(site.root / "pipa-luar"),
        "approvals/berita/b/pipa.yml": lambda p: os.mkfifo(p),
        "approvals/berita/c/putar.yml": lambda p: p.symlink_to(p),
        "approvals/berita/d/ke-pipa.yml": lambda p: p.symlink_to(site.root / "pipa-luar"),
        "approvals/berita/e/besar.yml": lambda p: p.write_text("#" * (SIGNOFF_LIMIT + 1)),
    }
    for rel, plant in plants.items():
        (site.root / rel).parent.mkdir(parents=True, exist_ok=True)
        plant(site.root / rel)
    fifo, link = "pipa bernama (FIFO)", "tautan simbolik (symlink)"
    kinds = {"pipa": fifo, "tautan": link, "putar": link, "ke-pipa": link}
    refused = "Bukan berkas biasa ({}); hanya berkas biasa yang dibaca gerbang persetujuan."
    expected = {f"content/berita/{n}.csv": refused.format(k) for n, k in kinds.items()}
    expected.update(
        {
            "approvals/berita/b/pipa.yml": refused.format(fifo),
            "approvals/berita/c/putar.yml": refused.format(link),
            "approvals/berita/d/ke-pipa.yml": refused.format(link),
            "approvals/berita/e/besar.yml": f"Berkas terlalu besar: {SIGNOFF_LIMIT + 1} bita, "
            f"batasnya {SIGNOFF_LIMIT} bita.",
        }
    )
    return expected


def test_symlinks_loops_fifos_and_big_sign_offs_are_findings_never_a_hang(site: Site) -> None:
    expected = _bad_files(site)
    for name in "bcde":
        site.article(f"berita/{name}.md", name, "Isi.")
    links = " ".join(f"[{n}]({{attach}}{n}.csv)" for n in ("pipa", "tautan", "putar", "ke-pipa"))
    site.article("berita/a.md", "A", links)
    started = time.perf_counter()
    ledger = open_ledger(site.settings)
    found = {f.path: f.message for f in ledger.findings}
    found.update({f.path: f.message for f in ledger.digest("berita/a.md").problems})
    assert time.perf_counter() - started < 5
    assert found == expected
    verdict = ledger.verdict("berita/a.md")
    assert not verdict.publishable
    assert {f.path for f in verdict.findings} >= {p for p in expected if p.startswith("content/")}


def test_a_folder_symlinked_on_the_way_is_refused(site: Site, tmp_path: Path) -> None:
    elsewhere = tmp_path / "lain"
    elsewhere.mkdir()
    (elsewhere / "a.csv").write_text("TOKENLAIN")
    (site.content / "berita").mkdir()
    (site.content / "berita" / "lampiran").symlink_to(elsewhere)
    site.article(ITEM, "X", "[a]({attach}lampiran/a.csv)")
    digest = content_digest(site.content, ITEM, ContentFiles(site.content, Limits()))
    assert [f.path for f in digest.problems] == ["content/berita/lampiran/a.csv"]
    assert digest.files == (ITEM,)
    # Tools that re-check what the gate admitted see no such file; they never follow it.
    assert content_digest(site.content, ITEM).missing == ("berita/lampiran/a.csv",)


@pytest.mark.parametrize(
    ("limits", "name", "setting"),
    [
        (Limits(attachment=4096), "berita/x.pdf", "APPROVAL_GATE_MAX_ATTACHMENT_BYTES"),
        (Limits(source=4096), ITEM, "APPROVAL_GATE_MAX_SOURCE_BYTES"),
    ],
    ids=["lampiran", "naskah"],
)
def test_a_file_over_its_limit_is_refused_naming_the_setting(
    site: Site, limits: Limits, name: str, setting: str
) -> None:
    site.article(ITEM, "X", "[unduh]({attach}x.pdf)" + " isi" * 1100)
    site.attach("berita/x.pdf", b"%PDF" + b"0" * 5000)
    digest = content_digest(site.content, ITEM, ContentFiles(site.content, limits))
    [problem] = digest.problems
    size = (site.content / name).stat().st_size
    assert problem == Finding(
        f"content/{name}",
        f"Berkas terlalu besar: {size} bita, batasnya 4096 bita.",
        f"Perkecil berkasnya, atau naikkan batasnya dengan pengaturan '{setting}'.",
        None,
        ITEM,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1 MB", "bilangan bulat >= 1024"), (512, "bilangan bulat >= 1024"), (True, ">= 1024")],
    ids=["teks", "terlalu-kecil", "bool"],
)
def test_size_limits_are_declared_settings(site: Site, value: object, expected: str) -> None:
    settings = read_settings_file(site.settings)
    assert load_settings(settings).max_attachment_bytes == 50 * 1024 * 1024
    settings["APPROVAL_GATE_MAX_SOURCE_BYTES"] = value
    with pytest.raises(ConfigError) as caught:
        load_settings(settings)
    assert caught.value.exit_code == ExitCode.CONFIG
    assert "'APPROVAL_GATE_MAX_SOURCE_BYTES'" in caught.value.message
    assert expected in caught.value.message


# --- Readers that can insert files are refused ----------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("DOCUTILS_SETTINGS", {}, "'file_insertion_enabled' menyala"),
        ("DOCUTILS_SETTINGS", {"file_insertion_enabled": False}, "'raw_enabled' menyala"),
        ("MARKDOWN", {"extension_configs": {"pymdownx.snippets": {}}}, "'pymdownx.snippets'"),
        ("MARKDOWN", {"extensions": ["markdown_include.include"]}, "'markdown_include.include'"),
    ],
    ids=["rst-sisip", "rst-raw", "snippets", "markdown-include"],
)
def test_a_reader_that_can_insert_files_stops_the_gate(
    site: Site, key: str, value: object, message: str
) -> None:
    settings = read_settings_file(site.settings)
    settings[key] = value
    with pytest.raises(ConfigError) as caught:
        load_settings(settings)
    assert caught.value.exit_code == ExitCode.CONFIG
    assert caught.value.path == "sitecfg.py"
    assert caught.value.message.startswith(f"Pengaturan '{key}': ")
    assert message in caught.value.message


def test_rst_may_stay_on_when_its_reader_is_switched_off(site: Site) -> None:
    settings = read_settings_file(site.settings)
    settings.update(DOCUTILS_SETTINGS={}, READERS={"rst": None})
    assert load_settings(settings).source == "sitecfg.py"


# --- Whole-site builds ---------------------------------------------------------------------

RST = """Laporan Rapat
#############

:date: 2026-11-20 08:00

Isi TOKENRST.

.. include:: rahasia.md

.. include:: {outside}

.. raw:: html
   :file: rahasia.md

.. raw:: html
   :file: /etc/passwd

.. csv-table:: Data
   :file: {outside}

.. csv-table:: Data
   :file: /etc/passwd
"""


@pytest.mark.slow
def test_rst_cannot_pull_another_items_source_or_system_files_into_a_page(site: Site) -> None:
    outside = site.root / "rahasia-luar.txt"
    outside.write_text("TOKENLUAR,TOKENLUAR2\n")
    site.article("berita/rahasia.md", "Rahasia", "TOKENRAHASIA belum disetujui.")
    (site.content / "berita" / "laporan.rst").write_text(RST.format(outside=outside))
    (site.content / "berita" / "biasa.rst").write_text(RST.split(".. include")[0])
    site.approve_all("berita/laporan.rst")
    site.approve_all("berita/biasa.rst")
    result = site.build()
    # reST still publishes; a page asking for a file stops docutils (a warning halts it).
    assert [e["item"] for e in result.manifest["included"]] == ["berita/biasa.rst"]
    held = {e["item"]: e["state"] for e in result.manifest["excluded"]}
    assert held["berita/laporan.rst"] == "rusak"
    assert site.hits("TOKENRST")
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    for token in ("TOKENRAHASIA", "TOKENLUAR", passwd, "rahasia-luar"):
        assert site.hits(token) == [], token


@pytest.mark.slow
def test_a_build_refuses_to_start_when_rst_may_insert_files(site: Site) -> None:
    settings = site.write_settings(extra="DOCUTILS_SETTINGS = {}\n")
    with pytest.raises(BuildFailed) as caught:
        site.build(settings)
    assert caught.value.exit_code == ExitCode.CONFIG
    assert caught.value.message.startswith(
        "sitecfg.py: Pengaturan 'DOCUTILS_SETTINGS': naskah reStructuredText dibaca dengan "
        "'file_insertion_enabled' menyala"
    )


#: Links written so the digest reads another file than Pelican copies (the issue's list).
TRICKS = {
    "berita/spasi.md": ("[unduh]({attach} spasi.csv)", " spasi.csv"),
    "berita/kurung.md": ("[unduh]({attach}data (final).csv)", "data (final).csv"),
    "berita/persen.md": ("[unduh]({attach}persen%2Ecsv)", "persen%2Ecsv"),
    "berita/hilang.md": ("[unduh]({attach}hilang.csv)", None),
}


@pytest.mark.slow
def test_an_approved_item_linking_a_file_its_approval_does_not_cover_is_held(
    site: Site,
) -> None:
    site.article("berita/baik.md", "Baik", "TOKENBAIK [unduh]({attach}baik.csv)")
    site.attach("berita/baik.csv", b"TOKENLAMPIRANBAIK")
    site.attach("berita/persen.csv", b"approved bytes")
    for item, (body, name) in TRICKS.items():
        site.article(item, item, body)
        if name is not None:
            site.attach(f"berita/{name}", b"TOKENTUKAR")
    for item in ("berita/baik.md", *TRICKS):
        site.approve_all(item)
    result = site.build()
    assert [e["item"] for e in result.manifest["included"]] == ["berita/baik.md"]
    assert site.hits("TOKENLAMPIRANBAIK") and site.hits("TOKENTUKAR") == []
    reasons = {e["item"]: e["reason"] for e in result.manifest["excluded"]}
    # The naskah checks see these two first: the digest reads a file that is not there.
    missing = {"berita/kurung.md": "berita/data", "berita/hilang.md": "berita/hilang.csv"}
    for item, path in missing.items():
        assert reasons.pop(item) == f"perlu diperbaiki: lampiran tidak ditemukan: {path} (baris 4)"
    for item, (_, name) in TRICKS.items():
        linked = f"berita/{(name or 'hilang.csv').strip()}" if name != " spasi.csv" else None
        if item in missing:
            continue
        assert reasons[item].startswith("tautan ke berkas yang tidak tercakup persetujuan: ")
        if linked:
            assert reasons[item].endswith(linked), reasons[item]
        assert any(
            f["path"] == f"content/{item}" and f["item"] == item
            for f in result.manifest["findings"]
        )


@pytest.mark.slow
def test_a_bad_file_holds_its_own_item_and_the_site_still_builds(site: Site) -> None:
    expected = _bad_files(site)
    site.article("berita/baik.md", "Baik", "TOKENBAIK")
    site.approve_all("berita/baik.md")
    links = " ".join(f"[{n}]({{attach}}{n}.csv)" for n in ("pipa", "tautan", "putar", "ke-pipa"))
    site.article("berita/a.md", "A", links)
    for name in "bcde":
        site.article(f"berita/{name}.md", name, "Isi.")
    site.approve_all("berita/a.md")
    big = site.article("berita/besar.md", "Besar", "[unduh]({attach}besar.pdf)")
    site.attach("berita/besar.pdf", b"%PDF" + b"0" * 5000)
    site.approve_all(big)
    settings = site.write_settings(extra="APPROVAL_GATE_MAX_ATTACHMENT_BYTES = 4096\n")
    result = site.build(settings)
    assert [e["item"] for e in result.manifest["included"]] == ["berita/baik.md"]
    found = {f["path"] for f in result.manifest["findings"]}
    assert set(expected) | {"content/berita/besar.pdf"} <= found
    assert site.hits("TOKENLUAR") == []


@pytest.mark.parametrize(
    "note",
    ["", 'kutip "dua"', "garis \\ miring", "baris\nbaru", "tab\t\u2028 pemisah", "é ü 中文"],
)
def test_the_fast_reading_of_a_sign_off_reads_what_yaml_reads(note: str) -> None:
    """records.py takes a field's text between its quotes, without a JSON decoder, only
    when the whole file renders back byte for byte: whatever the note, it reads as YAML."""
    import sys
    from datetime import datetime

    from approval_gate.api import render_signoff, signoff_fields

    records = sys.modules["approval_gate.records"]
    moment = datetime.fromisoformat("2026-11-21T09:00:00+07:00")
    fields = signoff_fields(ITEM, "web-admin", "andi", "setuju", note, moment, "sha256:" + "0" * 64)
    text = render_signoff(
        fields, "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n"
    )
    path = f"approvals/{REL}"
    assert _signoff_text(text) == records._parse_yaml(path, REL, text)
    if "\u2028" not in note:  # a line separator reflows the blocks: left to YAML
        assert records._fast_fields(text) is not None
        assert isinstance(_signoff_text(text), SignOff) and _signoff_text(text).note == note


@pytest.mark.parametrize(
    "line",
    ['note: "x"y"', 'note: "\\u0041"', 'note: "a" ', 'note: """"', "note: '\"\"'", 'note: "'],
)
def test_a_hand_edited_field_line_is_read_as_yaml_reads_it(line: str) -> None:
    import sys
    from datetime import datetime

    from approval_gate.api import render_signoff, signoff_fields

    records = sys.modules["approval_gate.records"]
    moment = datetime.fromisoformat("2026-11-21T09:00:00+07:00")
    fields = signoff_fields(ITEM, "web-admin", "andi", "setuju", "", moment, "sha256:" + "0" * 64)
    text = render_signoff(
        fields, "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n"
    )
    text = text.replace('note: ""\n', f"{line}\n", 1)
    assert records._fast_fields(text) is None
    assert _signoff_text(text) == records._parse_yaml(f"approvals/{REL}", REL, text)


@pytest.mark.parametrize("note", ["hapus\x7f", "c1\x85\x86", "akhir\ufffe"])
def test_a_character_yaml_refuses_is_never_taken_by_the_fast_reading(note: str) -> None:
    """JSON writes DEL, C1 controls and U+FFFE as they are, YAML refuses them: such a
    file is read by YAML, and refused as YAML refuses it."""
    import sys
    from datetime import datetime

    from approval_gate.api import render_signoff, signoff_fields

    records = sys.modules["approval_gate.records"]
    moment = datetime.fromisoformat("2026-11-21T09:00:00+07:00")
    fields = signoff_fields(ITEM, "web-admin", "andi", "setuju", note, moment, "sha256:" + "0" * 64)
    text = render_signoff(
        fields, "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n"
    )
    assert records._fast_fields(text) is None
    read = _signoff_text(text)
    assert read == records._parse_yaml(f"approvals/{REL}", REL, text)
    assert isinstance(read, Finding)
