"""Provenance: anyone can check, with plain OpenSSH, that each published item was approved.

The commands are taken from the site's own explanation page (``/persetujuan/``) and
run for real against the published record and allowed-signers file; the audit must
refuse a record that names anything the gate did not admit.
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
from publishing.audit import audit_output
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


@pytest.fixture
def published(theme_sample: Sample, tmp_path: Path) -> Path:
    """The two published files, downloaded to a folder as the page tells readers to."""
    for name in ("catatan.json", "allowed_signers"):
        shutil.copy(theme_sample.output / "persetujuan" / name, tmp_path / name)
    return tmp_path


def test_record_lists_exactly_the_published_items(theme_sample: Sample) -> None:
    record = theme_sample.record()
    included = {e["item"]: e for e in theme_sample.manifest["included"]}
    assert [i["item"] for i in record["items"]] == sorted(included)
    for item in record["items"]:
        entry = included[item["item"]]
        assert (item["digest"], item["url"]) == (entry["digest"], entry["url"])
        assert [s["role"] for s in item["signoffs"]] == list(api.ROLE_IDS)
    assert record["namespace"] == "kpu-rembang-persetujuan"


def test_every_signoff_verifies_with_the_commands_on_the_page(
    theme_sample: Sample, published: Path
) -> None:
    lines = _commands(theme_sample)
    extract = [line for line in lines if line.startswith("jq -r '.items[0].signoffs[0]")]
    [verify] = [line for line in lines if line.startswith("ssh-keygen -Y verify")]
    assert len(extract) == 3
    record = json.loads((published / "catatan.json").read_text())
    checked = 0
    for i, item in enumerate(record["items"]):
        for j, signoff in enumerate(item["signoffs"]):
            steps = [
                c.replace(".items[0]", f".items[{i}]").replace(".signoffs[0]", f".signoffs[{j}]")
                for c in extract
            ]
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
    record = json.loads((published / "catatan.json").read_text())
    for i, item in enumerate(record["items"]):
        out = _run(recompute.replace(".items[0]", f".items[{i}]"), published)
        assert f"sha256:{out.split()[0]}" == item["digest"]
    regulasi = next(i for i in record["items"] if i["item"].startswith("regulasi/"))
    [pdf] = regulasi["files"]
    published_pdf = theme_sample.output / pdf["url"]
    assert hashlib.sha256(published_pdf.read_bytes()).hexdigest() == pdf["sha256"]


def _planted(theme_sample: Sample, tmp_path: Path, change) -> list[str]:  # type: ignore[no-untyped-def]
    output = tmp_path / "salinan"
    shutil.copytree(theme_sample.output, output)
    path = output / "persetujuan" / "catatan.json"
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record, ensure_ascii=False))
    manifest = theme_sample.manifest
    return [f.render() for f in audit_output(output, manifest, manifest["build_id"], True)]


def test_clean_record_passes_the_audit(theme_sample: Sample, tmp_path: Path) -> None:
    assert _planted(theme_sample, tmp_path, lambda record: None) == []


def test_record_listing_an_excluded_item_is_refused(theme_sample: Sample, tmp_path: Path) -> None:
    def leak(record: dict) -> None:
        fake = dict(
            record["items"][0],
            item="berita/2026-11-20-persiapan-logistik.md",
            url="berita/persiapan-logistik/",
        )
        record["items"].append(fake)

    findings = _planted(theme_sample, tmp_path, leak)
    assert (
        "persetujuan/catatan.json: menyebut 'berita/2026-11-20-persiapan-logistik.md' "
        "yang tidak disetujui" in findings
    )
    assert (
        "persetujuan/catatan.json: mencantumkan 'berita/2026-11-20-persiapan-logistik.md' "
        "yang bukan item disetujui" in findings
    )


def test_record_with_a_signoff_the_gate_did_not_count_is_refused(
    theme_sample: Sample, tmp_path: Path
) -> None:
    def alter(record: dict) -> None:
        record["items"][0]["signoffs"][3]["signed_at"] = "2026-11-23T10:00:00+07:00"

    findings = _planted(theme_sample, tmp_path, alter)
    item = theme_sample.record()["items"][0]["item"]
    assert findings == [
        f"persetujuan/catatan.json: persetujuan {item!r} tidak sama dengan yang dihitung gerbang",
        f"persetujuan/catatan.json: teks bertanda tangan untuk {item!r} tidak cocok dengan "
        "persetujuannya",
    ]
