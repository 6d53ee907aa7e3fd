"""The S3 target against a real S3 server (moto, a child process on 127.0.0.1).

Readers are played by plain HTTP requests without credentials against a bucket with a
public-read policy, so the tests see what a visitor sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from approval_gate.api import ConfigError
from publishing.targets import TargetError
from publishing.targets.s3 import S3Target
from s3kit import (
    CREDENTIALS,
    admin_client,
    free_port,
    leftovers,
    live_objects,
    moto_server,
    new_bucket,
)
from sitekit import REPO

#: A local S3 server (moto) (docs/architecture.md).
pytestmark = pytest.mark.s3

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SITE = {
    "index.html": b"<h1>KPU Kabupaten Rembang</h1><a href='berita/tahapan.html'>Tahapan</a>",
    "berita/index.html": b"<ul><li><a href='tahapan.html'>Tahapan</a></li></ul>",
    "berita/tahapan.html": b"<p>Tahapan pemilihan 2029.</p><a href='../lampiran/sk.pdf'>SK</a>",
    "berita/rapat-pleno.html": b"<p>Rapat pleno terbuka.</p>",
    "theme/css/style.css": b"body { font-family: sans-serif; }",
    "lampiran/sk.pdf": PDF,
    "lampiran/jadwal-lama.pdf": PDF + b"% jadwal lama\n",
    "feeds/all.atom.xml": b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>",
    "sitemap.xml": b"<?xml version='1.0'?><urlset/>",
}
PAGE = ("public, max-age=0, must-revalidate", "text/html; charset=utf-8")


@pytest.fixture(scope="session")
def s3_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server in its own process, answering on a free local port."""
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture(scope="session")
def admin(s3_url: str) -> Any:
    """The bucket owner's client, for setting up buckets and looking behind the scenes."""
    return admin_client(s3_url)


@pytest.fixture
def bucket(admin: Any) -> str:
    """A fresh, publicly readable bucket for the site."""
    return new_bucket(admin, public=True)


def _target(
    url: str, bucket: str, tmp: Path, env: dict[str, str] | None = None, **options: Any
) -> S3Target:
    settings = {"type": "s3", "bucket": bucket, "endpoint_url": url, **options}
    return S3Target("awan", settings, CREDENTIALS if env is None else env, tmp, tmp / "var")


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def _reader(url: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET as an anonymous visitor: status, headers (lower-case names), body."""
    try:
        with urllib.request.urlopen(f"{url}/{path}") as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, {k.lower(): v for k, v in refused.headers.items()}, b""


class Requests:
    """Every request a target's client sends, in order: ('sent'|'done', operation, key)."""

    def __init__(self, target: S3Target) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        target.client.meta.events.register("before-parameter-build.s3", self._sent)
        target.client.meta.events.register("after-call.s3", self._done)

    def _note(self, what: str, model: Any, key: str) -> None:
        with self.lock:
            self.events.append((what, model.name, key))

    def _sent(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        keys = [item["Key"] for item in params.get("Delete", {}).get("Objects", [])]
        self._note("sent", model, " ".join(keys) or params.get("Key", ""))

    def _done(self, model: Any, **_: Any) -> None:
        self._note("done", model, "")

    def count(self, operation: str) -> int:
        return sum(1 for what, name, _ in self.events if what == "sent" and name == operation)


def test_first_publish_serves_every_file_with_its_type_and_cache_rule(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    target = _target(s3_url, bucket, tmp_path, prefix="situs")
    target.check()
    sent = target.deploy(_write(tmp_path / "out", SITE), "r1")
    assert (sent.location, sent.release) == (f"s3://{bucket}/situs/ (endpoint {s3_url})", "r1")
    assert (sent.objects, sent.bytes, sent.deleted) == (len(SITE), sum(map(len, SITE.values())), 0)
    expected = {
        "index.html": PAGE,
        "berita/tahapan.html": PAGE,
        "berita/index.html": PAGE,
        "theme/css/style.css": ("public, max-age=86400", "text/css; charset=utf-8"),
        "lampiran/sk.pdf": ("public, max-age=86400", "application/pdf"),
        "feeds/all.atom.xml": (
            "public, max-age=0, must-revalidate",
            "application/atom+xml; charset=utf-8",
        ),
        "sitemap.xml": ("public, max-age=0, must-revalidate", "application/xml; charset=utf-8"),
    }
    for rel, (cache, kind) in expected.items():
        status, headers, body = _reader(s3_url, f"{bucket}/situs/{rel}")
        assert (status, body) == (200, SITE[rel]), rel
        assert (headers["cache-control"], headers["content-type"]) == (cache, kind), rel
    assert live_objects(admin, bucket, "situs/") == SITE
    assert leftovers(admin, bucket) == []  # no staging or journal left behind
    head = admin.head_object(Bucket=bucket, Key="situs/lampiran/sk.pdf")
    assert head["Metadata"]["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_unchanged_republish_sends_no_object_and_no_byte(
    s3_url: str, bucket: str, tmp_path: Path
) -> None:
    output = _write(tmp_path / "out", SITE)
    _target(s3_url, bucket, tmp_path).deploy(output, "r1")
    again = _target(s3_url, bucket, tmp_path)  # a new publish, as from a new process
    requests = Requests(again)
    plan = again.plan(output)
    assert plan.empty and plan.unchanged == len(SITE) and plan.upload_bytes == 0
    sent = again.deploy(output, "r2")
    assert (sent.objects, sent.bytes, sent.deleted) == (0, 0, 0)
    for write in ("PutObject", "CopyObject", "DeleteObjects", "DeleteObject", "HeadObject"):
        assert requests.count(write) == 0, write
    assert again.requests["PutObject"] == 0 and again.requests["ListObjectsV2"] >= 2


def test_changed_page_is_the_only_upload_and_removed_file_goes_last(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    _target(s3_url, bucket, tmp_path).deploy(_write(tmp_path / "v1", SITE), "r1")
    new = {rel: data for rel, data in SITE.items() if rel != "lampiran/jadwal-lama.pdf"}
    new["berita/tahapan.html"] = b"<p>Tahapan pemilihan 2029 (diperbarui).</p>"
    output = _write(tmp_path / "v2", new)
    target = _target(s3_url, bucket, tmp_path)
    plan = target.plan(output)
    assert (plan.upload, plan.delete) == (["berita/tahapan.html"], ["lampiran/jadwal-lama.pdf"])
    requests = Requests(target)
    sent = target.deploy(output, "r2")
    assert (sent.objects, sent.bytes, sent.deleted) == (1, len(new["berita/tahapan.html"]), 1)
    puts = [key for what, name, key in requests.events if what == "sent" and name == "PutObject"]
    assert puts == [".kpu-staging/r2/berita/tahapan.html", ".kpu-journal.json"]
    copied = [
        index
        for index, (what, name, _) in enumerate(requests.events)
        if what == "done" and name == "CopyObject"
    ]
    deletes = [
        index
        for index, (what, name, key) in enumerate(requests.events)
        if what == "sent" and name == "DeleteObjects" and "jadwal-lama.pdf" in key
    ]
    assert len(copied) == 1 and len(deletes) == 1 and copied[0] < deletes[0]
    assert live_objects(admin, bucket) == new
    assert leftovers(admin, bucket) == []


def test_pages_go_live_after_the_files_they_link_to(
    s3_url: str, bucket: str, tmp_path: Path
) -> None:
    _target(s3_url, bucket, tmp_path).deploy(_write(tmp_path / "v1", SITE), "r1")
    new = {rel: data + b"<!-- v2 -->" for rel, data in SITE.items()}
    target = _target(s3_url, bucket, tmp_path)
    requests = Requests(target)
    target.deploy(_write(tmp_path / "v2", new), "r2")
    sent = [key for what, name, key in requests.events if what == "sent" and name == "CopyObject"]
    order = [
        sent.index(rel)
        for rel in (
            "lampiran/sk.pdf",
            "berita/tahapan.html",
            "berita/index.html",
            "feeds/all.atom.xml",
            "index.html",
        )
    ]
    assert order == sorted(order) and order[-1] == len(sent) - 1
    assert sent.index("theme/css/style.css") < sent.index("berita/rapat-pleno.html")


@pytest.mark.parametrize("variable", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_missing_credential_is_named_before_any_request(
    tmp_path: Path, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "dari-lingkungan-proses")  # only the given mapping counts
    env = {name: value for name, value in CREDENTIALS.items() if name != variable}
    nobody = f"http://127.0.0.1:{free_port()}"  # a request here would fail differently
    for step in (lambda t: t.check(), lambda t: t.plan(_write(tmp_path / "o", SITE))):
        with pytest.raises(TargetError) as error:
            step(_target(nobody, "kpu-situs", tmp_path, env))
        assert str(error.value).startswith(
            f"Kredensial untuk target 'awan' belum ada: variabel lingkungan {variable} ("
        )
        assert "jangan di repositori" in str(error.value)


def test_wrong_bucket_and_unreachable_server_are_explained(
    s3_url: str, bucket: str, tmp_path: Path
) -> None:
    with pytest.raises(TargetError) as missing:
        _target(s3_url, "kpu-tidak-ada", tmp_path).check()
    assert str(missing.value) == (
        "Target S3 'awan': bucket 'kpu-tidak-ada' tidak ditemukan. Periksa nama bucket di "
        "PUBLISH_TARGETS['awan'] (serta 'endpoint_url' dan 'region'), atau buat bucket "
        "itu lebih dulu."
    )
    with pytest.raises(TargetError, match="bucket 'kpu-cadangan-hilang' tidak ditemukan"):
        _target(s3_url, bucket, tmp_path, rollback_bucket="kpu-cadangan-hilang").check()
    nobody = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(
        TargetError,
        match=r"server S3 tidak dapat dihubungi .*Periksa "
        r"PUBLISH_TARGETS\['awan'\]\['endpoint_url'\]",
    ):
        _target(nobody, bucket, tmp_path).check()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"bucket": None},
            "Pengaturan 'PUBLISH_TARGETS['awan']['bucket']' belum diisi (nama "
            "bucket). Isi pengaturan itu di PUBLISH_TARGETS.",
        ),
        (
            {"bucket": ""},
            "Nilai pengaturan 'PUBLISH_TARGETS['awan']['bucket']': diharapkan nama "
            "bucket, tetapi diterima ''.",
        ),
        (
            {"endpoint": "http://x"},
            "Pengaturan tidak dikenal: 'PUBLISH_TARGETS['awan']"
            "['endpoint']'. Mungkin maksud Anda 'PUBLISH_TARGETS['awan']"
            "['endpoint_url']'?",
        ),
        (
            {"endpoint_url": "127.0.0.1:9000"},
            "Nilai pengaturan 'PUBLISH_TARGETS['awan']"
            "['endpoint_url']': diharapkan alamat yang diawali "
            "http:// atau https://, tetapi diterima "
            "'127.0.0.1:9000'.",
        ),
        (
            {"keep": 1},
            "Nilai pengaturan 'PUBLISH_TARGETS['awan']['keep']': diharapkan bilangan "
            "bulat >= 2 (jumlah rilis yang bisa dikembalikan), tetapi diterima 1.",
        ),
        (
            {"prefix": 5},
            "Nilai pengaturan 'PUBLISH_TARGETS['awan']['prefix']': diharapkan "
            "awalan kunci objek (teks)",
        ),
        (
            {"rollback_bucket": "kpu-situs"},
            "PUBLISH_TARGETS['awan']['rollback_bucket'] harus "
            "bucket lain yang tidak bisa dibaca publik",
        ),
    ],
    ids=[
        "no-bucket",
        "empty-bucket",
        "typo",
        "endpoint-scheme",
        "keep",
        "prefix",
        "rollback-same-bucket",
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    settings = {"type": "s3", "bucket": "kpu-situs", **options}
    with pytest.raises(ConfigError) as error:
        S3Target("awan", settings, CREDENTIALS, tmp_path, tmp_path / "var", source="uji.py")
    assert str(error.value).startswith(f"uji.py: {message}")
    assert error.value.exit_code == 3


def test_machine_aws_settings_are_ignored(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "tidak-ada")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")
    target = _target(s3_url, bucket, tmp_path)
    target.check()
    target.deploy(_write(tmp_path / "out", SITE), "r1")
    assert live_objects(admin, bucket) == SITE
    assert target.describe() == f"S3 s3://{bucket}/ (endpoint {s3_url})"
    secret = _target("http://kunci:rahasia@127.0.0.1:9000", bucket, tmp_path, prefix="/situs/")
    assert secret.describe() == f"S3 s3://{bucket}/situs/ (endpoint http://127.0.0.1:9000)"


CHILD = """
import os, sys
sys.path[:0] = [{repo!r}, {repo!r} + '/plugins']
from pathlib import Path
from publishing.targets.s3 import S3Target
target = S3Target("awan", {options!r}, dict(os.environ), Path({tmp!r}), Path({tmp!r}) / "var")
target.deploy(Path({output!r}), {release!r})
"""


def _killed_at(point: str, options: dict[str, Any], output: Path, release: str, tmp: Path) -> None:
    """Run a deploy in a child process and SIGKILL it when it reaches ``point``."""
    marker = tmp / f"{point}.reached"
    script = textwrap.dedent(CHILD).format(
        repo=str(REPO), options=options, tmp=str(tmp), output=str(output), release=release
    )
    env = {**os.environ, **CREDENTIALS, "KPU_FAILPOINT": point, "KPU_FAILPOINT_FILE": str(marker)}
    child = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True)
    while child.poll() is None and not marker.exists():
        time.sleep(0.05)
    assert marker.exists(), f"the deploy ended (exit {child.returncode}) before {point}"
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _bigger_site() -> dict[str, bytes]:
    new = {
        rel: data + b"<!-- rilis 2 -->"
        for rel, data in SITE.items()
        if rel != "lampiran/jadwal-lama.pdf"
    }
    for number in range(40):
        new[f"berita/arsip/{number:03}.html"] = f"<p>Arsip {number}</p>".encode() * 50
    return new


def test_publish_killed_while_uploading_leaves_the_previous_site_whole(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    options = {"type": "s3", "bucket": bucket, "endpoint_url": s3_url}
    _target(s3_url, bucket, tmp_path).deploy(_write(tmp_path / "v1", SITE), "r1")
    new = _bigger_site()
    output = _write(tmp_path / "v2", new)
    _killed_at("upload", options, output, "r2", tmp_path)
    assert live_objects(admin, bucket) == SITE  # every old object, unchanged; nothing new
    staged = leftovers(admin, bucket)
    assert len(staged) == 1 and staged[0].startswith(".kpu-staging/r2/")
    assert _reader(s3_url, f"{bucket}/index.html")[2] == SITE["index.html"]
    target = _target(s3_url, bucket, tmp_path)
    assert target.plan(output).delete == ["lampiran/jadwal-lama.pdf"]  # staging isn't live
    sent = target.deploy(output, "r3")
    assert (sent.objects, sent.deleted) == (len(new), 1)
    assert live_objects(admin, bucket) == new
    assert leftovers(admin, bucket) == []


@pytest.mark.parametrize("next_site", ["same", "newer"])
def test_publish_killed_while_committing_is_finished_by_the_next_publish(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path, next_site: str
) -> None:
    options = {"type": "s3", "bucket": bucket, "endpoint_url": s3_url, "prefix": "situs"}
    _target(s3_url, bucket, tmp_path, prefix="situs").deploy(_write(tmp_path / "v1", SITE), "r1")
    new = _bigger_site()
    output = _write(tmp_path / "v2", new)
    _killed_at("commit", options, output, "r2", tmp_path)
    live = live_objects(admin, bucket, "situs/")
    # The remaining window, honestly: assets are already new, pages still old.
    assert live["lampiran/sk.pdf"] == new["lampiran/sk.pdf"]
    assert live["index.html"] == SITE["index.html"]
    assert "situs/.kpu-journal.json" in leftovers(admin, bucket)
    target = _target(s3_url, bucket, tmp_path, prefix="situs")
    if next_site == "same":
        sent = target.deploy(output, "r2")
        assert (sent.objects, sent.bytes) == (0, 0)  # the staged copies were used
    else:
        new = {**new, "index.html": b"<h1>Rilis 3</h1>"}
        sent = target.deploy(_write(tmp_path / "v3", new), "r3")
        assert sent.objects == 1
    assert live_objects(admin, bucket, "situs/") == new
    assert leftovers(admin, bucket) == []


def test_rollback_without_a_rollback_bucket_says_to_republish(
    s3_url: str, bucket: str, tmp_path: Path
) -> None:
    target = _target(s3_url, bucket, tmp_path)
    target.deploy(_write(tmp_path / "v1", SITE), "r1")
    with pytest.raises(TargetError) as error:
        target.rollback("r1")
    assert str(error.value) == (
        "Target S3 'awan' tidak menyimpan rilis lama (PUBLISH_TARGETS['awan']"
        "['rollback_bucket'] belum diisi), jadi tidak bisa dikembalikan otomatis. Terbitkan "
        "ulang versi sebelumnya: git checkout <commit>, lalu invoke publish, lalu kembali "
        "ke main."
    )


def test_rollback_restores_the_previous_site_from_the_private_bucket(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    vault = new_bucket(admin, public=False)
    target = _target(s3_url, bucket, tmp_path, prefix="situs", rollback_bucket=vault)
    target.check()
    target.deploy(_write(tmp_path / "v1", SITE), "r1")
    new = {rel: data for rel, data in SITE.items() if rel != "lampiran/jadwal-lama.pdf"}
    new["berita/tahapan.html"] = b"<p>Tahapan (ralat).</p>"
    new["berita/baru.html"] = b"<p>Berita baru.</p>"
    target.deploy(_write(tmp_path / "v2", new), "r2")
    assert live_objects(admin, bucket, "situs/") == new
    assert leftovers(admin, bucket) == []  # old versions are kept in the other bucket only
    kept = "situs/.kpu-releases/files/r2/lampiran/jadwal-lama.pdf"
    assert (
        admin.get_object(Bucket=vault, Key=kept)["Body"].read() == SITE["lampiran/jadwal-lama.pdf"]
    )
    assert _reader(s3_url, f"{vault}/{kept}")[0] == 403
    assert (
        _target(s3_url, bucket, tmp_path, prefix="situs", rollback_bucket=vault).rollback("r1")
        == "r1"
    )
    assert live_objects(admin, bucket, "situs/") == SITE
    status, headers, _ = _reader(s3_url, f"{bucket}/situs/lampiran/jadwal-lama.pdf")
    assert (status, headers["content-type"]) == (200, "application/pdf")
    assert _reader(s3_url, f"{bucket}/situs/berita/tahapan.html")[1]["cache-control"] == PAGE[0]
    again = _target(s3_url, bucket, tmp_path, prefix="situs", rollback_bucket=vault)
    assert again.plan(tmp_path / "v1").empty  # restored objects are recognised unchanged
    with pytest.raises(TargetError, match="^Rilis r0 tidak tercatat di bucket rollback"):
        again.rollback("r0")
    assert live_objects(admin, bucket, "situs/") == SITE


def test_only_the_last_keep_releases_can_be_rolled_back(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    vault = new_bucket(admin, public=False)
    target = _target(s3_url, bucket, tmp_path, rollback_bucket=vault, keep=2)
    for number in range(1, 5):
        target.deploy(
            _write(tmp_path / f"v{number}", {**SITE, "index.html": f"<h1>{number}</h1>".encode()}),
            f"r{number}",
        )
    index = admin.get_object(Bucket=vault, Key=".kpu-releases/index.json")["Body"].read()
    assert json.loads(index)["releases"] == ["r3", "r4"]
    keys = {item["Key"] for item in admin.list_objects_v2(Bucket=vault)["Contents"]}
    assert {key.split("/")[2] for key in keys if "/files/" in key} == {"r3", "r4"}
    assert target.rollback("r3") == "r3"
    assert live_objects(admin, bucket)["index.html"] == b"<h1>3</h1>"
    with pytest.raises(TargetError, match="^Rilis r2 tidak tercatat di bucket rollback"):
        target.rollback("r2")  # beyond keep


def test_rollback_to_an_older_release_undoes_every_release_after_it(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    vault = new_bucket(admin, public=False)
    target = _target(s3_url, bucket, tmp_path, rollback_bucket=vault, keep=5)
    sites = [
        {**SITE, "index.html": f"<h1>{n}</h1>".encode(), f"berita/baru-{n}.html": b"<p>x</p>"}
        for n in (1, 2, 3)
    ]
    for number, site in enumerate(sites, start=1):
        target.deploy(_write(tmp_path / f"v{number}", site), f"r{number}")
    assert target.rollback("r1") == "r1"  # the release log's choice, two steps back
    assert live_objects(admin, bucket) == sites[0]
    index = admin.get_object(Bucket=vault, Key=".kpu-releases/index.json")["Body"].read()
    assert json.loads(index)["releases"] == ["r1"]


def test_object_uploaded_in_parts_is_compared_by_its_recorded_sha256(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    output = _write(tmp_path / "out", SITE)
    target = _target(s3_url, bucket, tmp_path)
    target.deploy(output, "r1")
    for rel, recorded in (
        ("lampiran/sk.pdf", hashlib.sha256(PDF).hexdigest()),
        ("index.html", "0" * 64),
    ):
        upload = admin.create_multipart_upload(
            Bucket=bucket, Key=rel, Metadata={"sha256": recorded}
        )
        part = admin.upload_part(
            Bucket=bucket, Key=rel, UploadId=upload["UploadId"], PartNumber=1, Body=SITE[rel]
        )
        admin.complete_multipart_upload(
            Bucket=bucket,
            Key=rel,
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        )
        assert "-" in admin.head_object(Bucket=bucket, Key=rel)["ETag"]
    plan = target.plan(output)
    assert plan.upload == ["index.html"]  # same bytes, but its recorded SHA-256 disagrees


def test_output_file_with_the_reserved_name_is_refused(
    s3_url: str, bucket: str, tmp_path: Path
) -> None:
    output = _write(tmp_path / "out", {**SITE, ".kpu-journal.json": b"{}"})
    with pytest.raises(TargetError, match=r"memakai awalan \.kpu- yang dicadangkan"):
        _target(s3_url, bucket, tmp_path).deploy(output, "r1")


def test_deploy_that_only_removes_a_file_sends_nothing_and_deletes_it(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    _target(s3_url, bucket, tmp_path).deploy(_write(tmp_path / "v1", SITE), "r1")
    new = {rel: data for rel, data in SITE.items() if rel != "berita/rapat-pleno.html"}
    sent = _target(s3_url, bucket, tmp_path).deploy(_write(tmp_path / "v2", new), "r2")
    assert (sent.objects, sent.bytes, sent.deleted) == (0, 0, 1)
    assert live_objects(admin, bucket) == new
    assert _reader(s3_url, f"{bucket}/berita/rapat-pleno.html")[0] in (403, 404)


def test_first_publish_never_deletes_objects_it_did_not_put_there(
    s3_url: str, admin: Any, bucket: str, tmp_path: Path
) -> None:
    admin.put_object(Bucket=bucket, Key="situs/laporan-keuangan-2028.xlsx", Body=b"penting")
    admin.put_object(Bucket=bucket, Key="lain/arsip.zip", Body=b"di luar prefix")
    target = _target(s3_url, bucket, tmp_path, prefix="situs")
    requests = Requests(target)
    with pytest.raises(TargetError) as error:
        target.deploy(_write(tmp_path / "out", SITE), "r1")
    assert str(error.value) == (
        f"Target S3 'awan': s3://{bucket}/situs/ (endpoint {s3_url}) berisi 1 objek yang "
        "bukan bagian dari situs ini (misalnya situs/laporan-keuangan-2028.xlsx) dan belum "
        "pernah diterbitkan dari sini, jadi tidak dihapus. Periksa "
        "PUBLISH_TARGETS['awan']['bucket'] dan ['prefix']; bila benar, pindahkan atau hapus "
        "objek itu sendiri, lalu ulangi. Situs yang tayang tidak berubah."
    )
    assert requests.count("PutObject") == requests.count("DeleteObjects") == 0
    assert live_objects(admin, bucket) == {
        "situs/laporan-keuangan-2028.xlsx": b"penting",
        "lain/arsip.zip": b"di luar prefix",
    }
    admin.delete_object(Bucket=bucket, Key="situs/laporan-keuangan-2028.xlsx")
    target.deploy(_write(tmp_path / "out2", SITE), "r1")  # the admin moved it; now it goes
    assert live_objects(admin, bucket, "situs/") == SITE
    assert live_objects(admin, bucket, "lain/") == {"arsip.zip": b"di luar prefix"}
