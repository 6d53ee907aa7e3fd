"""Provenance: anyone can check, with plain OpenSSH, that each published item was approved.

The commands are taken from the site's own explanation page (``/persetujuan/``) and
run for real against every item's own piece of the record (``persetujuan/catatan/<id>.json``,
linked from the item's page) and the allowed-signers file; the audit must refuse a piece
that names anything the gate did not admit, a piece under another name, a stray file.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from approval_gate import api
from publishing.audit import AuditFinding, audit_output
from publishing.provenance import piece_path
from sitekit import REPO, Keys, Site
from test_audit_sealed import sealed_for
from themekit import Sample

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _commands(sample: Sample) -> list[str]:
    page = sample.html("persetujuan/")
    blocks = re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S)
    return [html.unescape(line) for block in blocks for line in block.splitlines()]


def _run(command: str, folder: Path) -> str:
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _piece(theme_sample: Sample, item: str) -> Path:
    """Return the output file of ``item``'s piece, as the item's page links to it."""
    return theme_sample.output / piece_path(item)


@pytest.fixture
def published(theme_sample: Sample, tmp_path: Path) -> Path:
    """The two files of the page's example, downloaded to a folder as the page tells readers."""
    first = theme_sample.record()["items"][0]["item"]
    shutil.copy(_piece(theme_sample, first), tmp_path / "catatan.json")
    shutil.copy(theme_sample.output / "persetujuan" / "allowed_signers", tmp_path)
    return tmp_path


def test_each_published_item_has_exactly_its_own_piece(theme_sample: Sample) -> None:
    record = theme_sample.record()
    included = {e["item"]: e for e in theme_sample.manifest["included"]}
    assert [i["item"] for i in record["items"]] == sorted(included)
    folder = theme_sample.output / "persetujuan" / "catatan"
    # only the pieces (compressed copies beside them are publishing/compress.py's)
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".json") == sorted(
        piece_path(item).rsplit("/", 1)[1] for item in included
    )
    assert not (theme_sample.output / "persetujuan" / "catatan.json").exists()
    for item in record["items"]:
        entry = included[item["item"]]
        assert (item["digest"], item["url"]) == (entry["digest"], entry["url"])
        assert [s["role"] for s in item["signoffs"]] == list(api.ROLE_IDS)
        assert item["namespace"] == "kpu-rembang-persetujuan"
        assert item["format"] == "kpu-rembang-catatan-item-1"
        assert len(_piece(theme_sample, item["item"]).read_bytes()) < 16 * 1024


def test_the_item_page_links_to_its_own_piece(theme_sample: Sample) -> None:
    for entry in theme_sample.manifest["included"]:
        page = (theme_sample.output / entry["save_as"]).read_text()
        section = page[page.index('id="persetujuan"') :]
        links = re.findall(r'href="([^"]*persetujuan/catatan/[^"]*)"', section)
        assert [link.split("/persetujuan/", 1)[1] for link in links] == [
            piece_path(entry["item"]).removeprefix("persetujuan/")
        ]
    page = theme_sample.html("persetujuan/")
    first = theme_sample.record()["items"][0]["item"]
    assert f'/{piece_path(first)}"' in page


def test_every_signoff_verifies_with_the_commands_on_the_page(
    theme_sample: Sample, published: Path
) -> None:
    lines = _commands(theme_sample)
    extract = [line for line in lines if line.startswith("jq -r '.signoffs[0]")]
    [verify] = [line for line in lines if line.startswith("ssh-keygen -Y verify")]
    [fetch] = [line for line in lines if line.startswith("curl -o catatan.json ")]
    assert len(extract) == 3
    assert fetch.endswith(f"/{piece_path(theme_sample.record()['items'][0]['item'])}")
    checked = 0
    for item in theme_sample.record()["items"]:
        shutil.copy(_piece(theme_sample, item["item"]), published / "catatan.json")
        for j, signoff in enumerate(item["signoffs"]):
            steps = [c.replace(".signoffs[0]", f".signoffs[{j}]") for c in extract]
            for step in steps[:2]:
                _run(step, published)
            principal, moment = _run(steps[2], published).split()
            assert (principal, moment) == (signoff["principal"], signoff["verify_time"])
            command = re.sub(r"-I \S+", f"-I {principal}", verify)
            command = re.sub(r"verify-time=\S+", f"verify-time={moment}", command)
            out = _run(command, published)
            assert f'Good "kpu-rembang-persetujuan" signature for {principal}' in out
            payload = (published / "payload").read_text()
            assert f'digest: "{item["digest"]}"' in payload
            assert f'item: "{item["item"]}"' in payload
            checked += 1
    assert checked == 4 * len(theme_sample.manifest["included"])


def test_a_signature_does_not_verify_for_someone_else(
    theme_sample: Sample, published: Path
) -> None:
    lines = _commands(theme_sample)
    for line in lines[2:4]:
        _run(line, published)
    [verify] = [line for line in lines if line.startswith("ssh-keygen -Y verify")]
    forged = re.sub(r"-I \S+", "-I dewi@komisioner", verify)
    done = subprocess.run(
        ["bash", "-c", forged], cwd=published, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0


def test_digest_and_downloaded_pdf_can_be_checked_with_sha256sum(
    theme_sample: Sample, published: Path
) -> None:
    [recompute] = [line for line in _commands(theme_sample) if "kpu-rembang-digest-v1" in line]
    record = theme_sample.record()
    for item in record["items"]:
        shutil.copy(_piece(theme_sample, item["item"]), published / "catatan.json")
        out = _run(recompute, published)
        assert f"sha256:{out.split()[0]}" == item["digest"]
    regulasi = next(i for i in record["items"] if i["item"].startswith("regulasi/"))
    [pdf] = regulasi["files"]
    published_pdf = theme_sample.output / pdf["url"]
    assert hashlib.sha256(published_pdf.read_bytes()).hexdigest() == pdf["sha256"]


def _planted(theme_sample: Sample, tmp_path: Path, change) -> list[str]:  # type: ignore[no-untyped-def]
    """Copy the output, let ``change`` alter its pieces' folder, and audit the copy."""
    output = tmp_path / "salinan"
    shutil.copytree(theme_sample.output, output)
    change(output)
    manifest = theme_sample.manifest
    return _own(audit_output(output, manifest, manifest["build_id"], True))


#: Compressed copies beside a changed file are refused too; that is publishing/compress.py's
#: own audit (tests/test_hosting.py), so these tests look at the files themselves.
COPIES = (".gz", ".br")


def _own(findings: list[AuditFinding]) -> list[str]:
    return [f.render() for f in findings if not f.path.endswith(COPIES)]


def _edit(output: Path, item: str, change) -> None:  # type: ignore[no-untyped-def]
    path = output / piece_path(item)
    piece = json.loads(path.read_text())
    change(piece)
    path.write_text(json.dumps(piece, ensure_ascii=False))


def test_clean_pieces_pass_the_audit(theme_sample: Sample, tmp_path: Path) -> None:
    assert _planted(theme_sample, tmp_path, lambda output: None) == []


LEAKED = "berita/2026-11-20-persiapan-logistik.md"


def test_a_piece_for_an_excluded_item_is_refused(theme_sample: Sample, tmp_path: Path) -> None:
    first = theme_sample.record()["items"][0]

    def leak(output: Path) -> None:
        fake = dict(first, item=LEAKED, url="berita/persiapan-logistik/")
        (output / piece_path(LEAKED)).write_text(json.dumps(fake, ensure_ascii=False))

    findings = _planted(theme_sample, tmp_path, leak)
    shown = piece_path(LEAKED)
    assert f"{shown}: menyebut {LEAKED!r} yang tidak disetujui" in findings
    assert f"{shown}: mencantumkan {LEAKED!r} yang bukan item disetujui" in findings


def test_an_excluded_item_named_inside_an_approved_piece_is_refused(
    theme_sample: Sample, tmp_path: Path
) -> None:
    item = theme_sample.record()["items"][0]["item"]
    findings = _planted(
        theme_sample, tmp_path, lambda output: _edit(output, item, lambda p: p.update(x=LEAKED))
    )
    assert findings == [f"{piece_path(item)}: menyebut {LEAKED!r} yang tidak disetujui"]


def test_a_piece_with_a_signoff_the_gate_did_not_count_is_refused(
    theme_sample: Sample, tmp_path: Path
) -> None:
    item = theme_sample.record()["items"][0]["item"]

    def alter(piece: dict) -> None:
        piece["signoffs"][3]["signed_at"] = "2026-11-23T10:00:00+07:00"

    findings = _planted(theme_sample, tmp_path, lambda output: _edit(output, item, alter))
    assert findings == [
        f"{piece_path(item)}: persetujuan {item!r} tidak sama dengan yang dihitung gerbang",
        f"{piece_path(item)}: teks bertanda tangan untuk {item!r} tidak cocok dengan "
        "persetujuannya",
    ]


def test_a_piece_under_another_items_name_a_stray_file_and_the_old_record_are_refused(
    theme_sample: Sample, tmp_path: Path
) -> None:
    first, second = (i["item"] for i in theme_sample.record()["items"][:2])

    def plant(output: Path) -> None:
        (output / piece_path(second)).write_bytes((output / piece_path(first)).read_bytes())
        (output / "persetujuan" / "catatan" / "lain.json").write_text("{}")
        (output / "persetujuan" / "catatan.json").write_text("{}")

    findings = _planted(theme_sample, tmp_path, plant)
    assert f"{piece_path(second)}: catatan {first!r} tidak berada di berkasnya sendiri" in findings
    assert f"{piece_path(second)}: catatan persetujuan {second!r} tidak ada" in findings
    assert (
        "persetujuan/catatan/lain.json: berkas ini bukan catatan persetujuan satu isi" in findings
    )
    assert (
        "persetujuan/catatan.json: catatan seluruh situs bentuk lama tidak lagi ditulis dan "
        "tidak boleh terbit" in findings
    )


def test_a_missing_piece_is_reported(theme_sample: Sample, tmp_path: Path) -> None:
    item = theme_sample.record()["items"][-1]["item"]
    findings = _planted(theme_sample, tmp_path, lambda out: (out / piece_path(item)).unlink())
    assert findings == [f"{piece_path(item)}: catatan persetujuan {item!r} tidak ada"]


# --- the published roster, its signature and the anchor key (the browser check) --------------

ROSTER_FILES = ("persetujuan/roster.yml", "persetujuan/roster.yml.sig")


def test_the_roster_the_gate_verified_and_the_anchor_key_are_published(
    theme_sample: Sample,
) -> None:
    record = theme_sample.output / "persetujuan"
    for name in ("roster.yml", "roster.yml.sig"):
        assert (record / name).read_bytes() == (REPO / "approvals" / name).read_bytes()
    anchor = (record / "jangkar.pub").read_text()
    assert anchor.endswith("\n") and anchor.count("\n") == 1
    assert api.fingerprint(anchor) == theme_sample.manifest["roster"]["anchor"]
    assert api.fingerprint(anchor) == api.DEMO_ANCHOR
    check = theme_sample.html("persetujuan/periksa/")
    assert re.findall(r"<script[^>]*>", check) == [
        '<script type="module" src="../../theme/js/keaslian.js">'
    ]
    assert api.DEMO_ANCHOR in check and api.DEMO_ANCHOR in theme_sample.html("persetujuan/")
    assert "ssh-keygen" in check[check.index("<noscript>") : check.index("</noscript>")]


def test_the_roster_commands_on_the_page_verify_the_roster_against_the_anchor(
    theme_sample: Sample, tmp_path: Path
) -> None:
    page = theme_sample.html("persetujuan/")
    [block] = re.findall(r'<pre><code class="jangkar">(.*?)</code></pre>', page, re.S)
    lines = [html.unescape(line) for line in block.splitlines()]
    assert lines[0].startswith("curl -O ")
    for name in ("roster.yml", "roster.yml.sig", "jangkar.pub"):
        shutil.copy(theme_sample.output / "persetujuan" / name, tmp_path)
    assert api.DEMO_ANCHOR in _run(lines[1], tmp_path)
    _run(lines[2], tmp_path)
    out = _run(lines[3], tmp_path)
    assert 'Good "kpu-rembang-roster" signature for ketua' in out
    (tmp_path / "roster.yml").write_bytes((tmp_path / "roster.yml").read_bytes() + b"# x\n")
    done = subprocess.run(["bash", "-c", lines[3]], cwd=tmp_path, capture_output=True, check=False)
    assert done.returncode != 0


def _forge_roster(output: Path) -> None:
    """Plant a roster that adds an approver, re-signed with a key that is not the anchor."""
    roster = output / "persetujuan" / "roster.yml"
    forged = roster.read_bytes().replace(b"until: 2025-12-31", b"until: 2027-12-31")
    roster.write_bytes(forged)
    signature = api.sign_with_ssh_keygen(forged, _demo_key("pemalsu", output), "kpu-rembang-roster")
    (output / "persetujuan" / "roster.yml.sig").write_text(signature)


def _demo_key(name: str, folder: Path) -> Path:
    own = folder.parent / f"kunci-{name}"
    shutil.copyfile(REPO / "demo-keys" / name, own)
    own.chmod(0o600)
    return own


NOT_VERIFIED = "bukan roster yang diverifikasi gerbang untuk build ini"


def test_a_forged_roster_or_anchor_key_in_the_output_is_refused(
    theme_sample: Sample, tmp_path: Path
) -> None:
    assert _planted(theme_sample, tmp_path / "a", _forge_roster) == [
        f"persetujuan/roster.yml: {NOT_VERIFIED}",
        f"persetujuan/roster.yml.sig: {NOT_VERIFIED}",
        "persetujuan/jangkar.pub: bukan kunci jangkar yang menandatangani roster build ini",
    ]

    def other_anchor(output: Path) -> None:
        shutil.copy(REPO / "demo-keys" / "pemalsu.pub", output / "persetujuan" / "jangkar.pub")

    assert _planted(theme_sample, tmp_path / "b", other_anchor) == [
        "persetujuan/jangkar.pub: bukan kunci jangkar yang menandatangani roster build ini"
    ]

    def stray(output: Path) -> None:
        (output / "persetujuan" / "catatan" / "roster.yml").write_bytes(
            (output / "persetujuan" / "roster.yml").read_bytes()
        )
        (output / "persetujuan" / "roster.yml").unlink()
        (output / "berita" / "roster.yml").write_text("version: 9\n")

    findings = _planted(theme_sample, tmp_path / "c", stray)
    private = "berkas pribadi (kunci, persetujuan, cache atau manifest) tidak boleh terbit"
    assert f"persetujuan/catatan/roster.yml: {private}" in findings
    assert f"berita/roster.yml: {private}" in findings
    assert (
        "persetujuan/roster.yml: berkas ini tidak ada; pemeriksaan keaslian di peramban "
        "memerlukannya" in findings
    )


@pytest.fixture(scope="module")
def sealed_site(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> tuple[Site, dict]:
    """A site with one approved article, built: the sealed publish's view of it."""
    site = Site(tmp_path_factory.mktemp("segel-roster") / "site", keys)
    site.article("berita/a.md", "A", "Isi.", slug="a")
    site.approve_all("berita/a.md")
    return site, site.build().manifest


def test_a_sealed_publish_accepts_only_the_sealed_roster_bytes(
    sealed_site: tuple[Site, dict], keys: Keys, tmp_path: Path
) -> None:
    site, manifest = sealed_site
    output = tmp_path / "salinan"
    shutil.copytree(site.output, output)
    sealed = sealed_for(site, manifest)

    def audit() -> list[str]:
        return _own(audit_output(output, manifest, manifest["build_id"], False, sealed))

    assert audit() == []
    roster = output / "persetujuan" / "roster.yml"
    assert roster.read_bytes() == (site.approvals / "roster.yml").read_bytes()
    # Signed by the real anchor, same version, but not the bytes the sealed input holds.
    changed = roster.read_bytes() + b"# ditambah sesudah build\n"
    roster.write_bytes(changed)
    signature = api.sign_with_ssh_keygen(changed, keys.private("anchor"), "kpu-rembang-roster")
    (output / "persetujuan" / "roster.yml.sig").write_text(signature)
    assert audit() == [
        "persetujuan/roster.yml: isi berkas ini tidak sama dengan approvals/roster.yml yang "
        "disegel",
        "persetujuan/roster.yml.sig: isi berkas ini tidak sama dengan approvals/roster.yml.sig "
        "yang disegel",
    ]
    _forge_roster(output)
    assert audit() == [
        f"persetujuan/roster.yml: {NOT_VERIFIED}",
        f"persetujuan/roster.yml.sig: {NOT_VERIFIED}",
        "persetujuan/jangkar.pub: bukan kunci jangkar yang menandatangani roster build ini",
    ]
    (output / "persetujuan" / "periksa" / "roster.yaml").write_text("version: 1\n")
    assert (
        "persetujuan/periksa/roster.yaml: berkas pribadi (kunci, persetujuan, cache atau "
        "manifest) tidak boleh terbit" in audit()
    )
