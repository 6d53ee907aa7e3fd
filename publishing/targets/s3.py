"""The S3-compatible target (AWS S3, MinIO, Cloudflare R2): only changed objects, staged first.

S3 cannot switch a whole site at once, so a deploy works in two phases:

1. *Staging.* New and changed files are uploaded (with ``Content-MD5``, so S3 rejects a
   damaged upload) under ``<prefix>.kpu-staging/<release>/``. Nothing live changes; a
   publish killed here leaves the site exactly as it was, and the next deploy deletes the
   leftovers. Staging objects are never linked from the site nor counted as part of it.
2. *Commit.* A journal object ``<prefix>.kpu-journal.json`` is written, then each staged
   object is copied server-side onto its live key (no payload is sent again) in reader
   order: assets and attachments, then pages, then listings, feeds and the home page, so
   a new page never links to a file that is not there yet. Removed objects are deleted
   last, then the journal, then the staging objects. If the publish dies during the
   commit, the site is a mixture until the next deploy, which first finishes the commit
   from the journal (the staged objects are still there), then does its own work.

Whether an object changed is decided from the listing: size and ETag (the MD5 of a
single-part upload), falling back to the SHA-256 kept in the object's metadata when the
ETag is not a plain MD5 (multipart uploads, KMS encryption). An unchanged site sends no
object at all. The first deploy writes ``<prefix>.kpu-site.json`` to claim the prefix and
refuses to run if that would delete objects it did not put there (a wrong bucket or
prefix must not cost anyone their files). Rollback needs a private ``rollback_bucket``
(see ``s3_releases``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from approval_gate.api import options

from .. import interrupts
from ..failpoints import failpoint
from ..tree import OutputFile, fresh, list_output
from . import Plan, Sent, Target, TargetError, credential, target_options
from .s3_releases import History
from .s3_store import (
    Bucket,
    Stored,
    count_requests,
    each,
    explain,
    is_missing,
    make_client,
    reader_order,
)

#: Keys under ``<prefix>.kpu-`` belong to the publisher (staging, journal), not the site.
RESERVED = ".kpu-"
_RELEASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_UNCHANGED = "Situs yang tayang tidak berubah."
_RESUME = (
    "Penggantian berkas di bucket terhenti di tengah jalan; jalankan `invoke publish` "
    "lagi, penerbitan berikutnya menyelesaikannya lebih dulu."
)


def _prefix(value: Any) -> str:
    """Accept a key prefix (text, may be empty); return it as ``""`` or ``"situs/"``."""
    if not isinstance(value, str):
        raise options.Invalid("")
    return f"{value.strip('/')}/" if value.strip("/") else ""


class S3Target(Target):
    """``{"type": "s3", "bucket": ..., "prefix": ..., "endpoint_url": ..., ...}``."""

    kind = "s3"
    OPTIONS = target_options(
        options.Option("bucket", "nama bucket", options.text, required=True),
        options.Option("prefix", "awalan kunci objek (teks), mis. 'situs'", _prefix, default=""),
        options.Option(
            "endpoint_url",
            "alamat yang diawali http:// atau https://",
            options.optional(options.text_of(prefixes=("http://", "https://"))),
        ),
        options.Option("region", "nama region (teks)", options.optional(options.text)),
        options.Option(
            "rollback_bucket",
            "nama bucket lain yang tidak bisa dibaca publik",
            options.optional(options.text),
        ),
        options.Option(
            "keep",
            "bilangan bulat >= 2 (jumlah rilis yang bisa dikembalikan)",
            options.integer(2),
            default=10,
        ),
    )

    def configure(self, values: dict[str, Any]) -> None:
        """Keep the typed options; the rollback bucket must not be the public one."""
        self.bucket: str = values["bucket"]
        self.prefix: str = values["prefix"]  # "" or ending in "/"
        self.endpoint_url: str | None = values["endpoint_url"]
        self.region: str = values["region"] or "us-east-1"
        self.rollback_bucket: str | None = values["rollback_bucket"]
        self.keep: int = values["keep"]
        if self.rollback_bucket == self.bucket:
            raise self.setting_error(
                "rollback_bucket",
                "harus bucket lain yang tidak bisa "
                "dibaca publik: bucket itu menyimpan halaman yang sudah "
                "diganti atau ditarik.",
            )
        self.requests: Counter[str] = Counter()  # per operation, shown after a publish

    @cached_property
    def client(self) -> Any:
        """Return the S3 client, built from the options and the environment mapping only."""
        access = credential(self, "AWS_ACCESS_KEY_ID", "ID kunci akses S3")
        secret = credential(self, "AWS_SECRET_ACCESS_KEY", "kunci rahasia S3")
        client = make_client(
            self.endpoint_url, self.region, access, secret, self.env.get("AWS_SESSION_TOKEN")
        )
        count_requests(client, self.requests)
        return client

    @property
    def site(self) -> Bucket:
        """Return the bucket readers are served from."""
        return Bucket(self.client, self.bucket)

    @property
    def location(self) -> str:
        """Return ``s3://bucket/prefix``, with the endpoint (without any password)."""
        where = f"s3://{self.bucket}/{self.prefix}"
        if self.endpoint_url:
            parts = urlsplit(self.endpoint_url)
            where += f" (endpoint {parts.scheme}://{parts.hostname}" + (
                f":{parts.port})" if parts.port else ")"
            )
        return where

    def describe(self) -> str:
        """Return where the site goes, without secrets."""
        return f"S3 {self.location}"

    def _key(self, name: str) -> str:
        return f"{self.prefix}{RESERVED}{name}"

    @contextmanager
    def _talking(self, after: str, bucket: str | None = None) -> Iterator[None]:
        """Turn any S3 or connection error into a ``TargetError`` saying what to do."""
        try:
            yield
        except (ClientError, BotoCoreError) as error:
            what = explain(error, self.name, bucket or self.bucket)
            raise TargetError(f"Target S3 '{self.name}': {what} {after}".rstrip()) from error

    def check(self) -> None:
        """Check credentials (before any request) and that the buckets answer."""
        buckets = [self.bucket] + [b for b in [self.rollback_bucket] if b]
        for bucket in buckets:
            with self._talking("", bucket):
                self.client.head_bucket(Bucket=bucket)

    def _history(self) -> History | None:
        if not self.rollback_bucket:
            return None
        return History(self.site, self.prefix, Bucket(self.client, self.rollback_bucket), self.keep)

    def _output(self, output: Path) -> dict[str, OutputFile]:
        # the build's own listing of this folder as it is; else hashed only where new
        files = fresh(self.known, output) or list_output(output, self.known)
        for rel in files:
            if rel.startswith(RESERVED):
                raise TargetError(
                    f"Berkas keluaran {output / rel} memakai awalan {RESERVED} "
                    "yang dicadangkan untuk target S3. Ganti nama berkas itu."
                )
        return files

    def _compare(self, files: dict[str, OutputFile]) -> tuple[Plan, dict[str, Stored], bool]:
        """Return the plan, the live objects and whether this prefix is known to be ours."""
        prefix = self.prefix
        listed = {
            item.key[len(prefix) :]: item
            for item in self.site.objects(prefix)
            if not item.key.endswith("/")
        }
        live = {rel: item for rel, item in listed.items() if not rel.startswith(RESERVED)}
        plan = Plan()
        for rel, file in files.items():
            old = live.get(rel)
            if (
                old is not None
                and old.size == file.size
                and (old.etag == file.md5 or self.site.sha256(old.key) == file.sha256)
            ):
                plan.unchanged += 1
            else:
                plan.upload.append(rel)
                plan.upload_bytes += file.size
        plan.delete = sorted(set(live) - set(files))
        return plan, live, f"{RESERVED}site.json" in listed

    def plan(self, output: Path) -> Plan:
        """Compare the output with the live objects under the prefix, changing nothing."""
        files = self._output(output)
        with self._talking(_UNCHANGED):
            return self._compare(files)[0]

    def deploy(self, output: Path, release: str) -> Sent:
        """Stage the changed files, then commit them server-side and delete removed ones."""
        if not _RELEASE.fullmatch(release):
            raise TargetError(
                f"Nama rilis {release!r} tidak bisa dipakai di S3: hanya huruf, "
                "angka, titik, garis bawah dan tanda hubung."
            )
        files = self._output(output)
        sent = Sent(location=self.location, release=release)
        with self._talking(_UNCHANGED):
            interrupted = self.site.get_json(self._key("journal.json"))
        with self._talking(_RESUME):
            self._finish(interrupted)
        with self._talking(_UNCHANGED):
            self.site.delete_under(self._key("staging/"))  # left by a killed publish
            plan, live, ours = self._compare(files)
            if not ours:
                self._claim(plan, release)
            if plan.empty:
                return sent
            history = self._history()
            if history is not None and release in history.releases():
                raise TargetError(
                    f"Rilis {release} sudah tercatat di bucket rollback; rilis "
                    "tidak pernah ditimpa. Terbitkan dengan nama rilis baru."
                )
            self._stage(files, plan.upload, release, sent)
            replaced = [rel for rel in plan.upload if rel in live]
            changes = {
                "replaced": replaced,
                "deleted": plan.delete,
                "added": [rel for rel in plan.upload if rel not in live],
            }
            if history is not None:
                history.back_up(release, replaced + plan.delete)
            journal = {
                "format": 1,
                "release": release,
                "delete": plan.delete,
                "upload": {rel: files[rel].md5 for rel in plan.upload},
                "record": changes if history is not None else None,
            }
            interrupts.hold()  # the journaled commit and its records finish (interrupts.py)
            self.site.put_json(self._key("journal.json"), journal)
        with self._talking(_RESUME):
            self._finish(journal)
        sent.deleted = len(plan.delete)
        return sent

    def _claim(self, plan: Plan, release: str) -> None:
        """Mark the prefix as this site's, refusing to delete objects someone else put there.

        A first publish to the wrong bucket or prefix would otherwise delete everything in
        it that is not part of the site.
        """
        if plan.delete:
            shown = ", ".join(self.prefix + rel for rel in plan.delete[:3])
            raise TargetError(
                f"Target S3 '{self.name}': {self.location} berisi {len(plan.delete)} objek "
                f"yang bukan bagian dari situs ini (misalnya {shown}) dan belum pernah "
                "diterbitkan dari sini, jadi tidak dihapus. Periksa PUBLISH_TARGETS"
                f"['{self.name}']['bucket'] dan ['prefix']; bila benar, pindahkan atau "
                "hapus objek itu sendiri, lalu ulangi. Situs yang tayang tidak berubah."
            )
        self.site.put_json(self._key("site.json"), {"format": 1, "claimed_by": release})

    def _stage(
        self, files: dict[str, OutputFile], rels: list[str], release: str, sent: Sent
    ) -> None:
        """Upload ``rels`` under the staging prefix; on failure try to remove them again."""
        if not rels:
            return
        staging = self._key(f"staging/{release}/")
        try:
            self.site.upload(staging + rels[0], files[rels[0]], release)
            failpoint("upload")
            each(lambda rel: self.site.upload(staging + rel, files[rel], release), rels[1:])
        except (ClientError, BotoCoreError):
            with suppress(ClientError, BotoCoreError):  # else the next deploy removes them
                self.site.delete_under(staging)
            raise
        sent.objects = len(rels)
        sent.bytes = sum(files[rel].size for rel in rels)

    def _finish(self, journal: dict[str, Any] | None) -> None:
        """Commit a journaled release: copies in reader order, deletions, record, cleanup."""
        if journal is None:
            return
        release, upload, prefix = journal["release"], journal["upload"], self.prefix
        staging = self._key(f"staging/{release}/")
        try:
            for number, group in enumerate(reader_order(upload)):
                each(
                    lambda rel: self.site.copy(self.site, staging + rel, prefix + rel, upload[rel]),
                    group,
                )
                if number == 0:
                    failpoint("commit")
        except ClientError as error:
            if not is_missing(error):
                raise
            raise TargetError(
                f"Target S3 '{self.name}': penerbitan {release} terputus dan objek "
                f"sementaranya di {staging} sudah tidak lengkap, jadi tidak bisa "
                f"diselesaikan. Hapus objek {self._key('journal.json')} dari bucket "
                f"'{self.bucket}', lalu jalankan `invoke publish` lagi."
            ) from error
        self.site.delete([prefix + rel for rel in journal["delete"]])
        history = self._history()
        if history is not None and journal.get("record") is not None:
            history.record(release, journal["record"])
        self.site.delete([self._key("journal.json")])
        self.site.delete_under(staging)

    def rollback(self, to: str) -> str:
        """Restore the versions the releases after ``to`` replaced, from the rollback bucket."""
        history = self._history()
        if history is None:
            raise TargetError(
                f"Target S3 '{self.name}' tidak menyimpan rilis lama (PUBLISH_TARGETS"
                f"['{self.name}']['rollback_bucket'] belum diisi), jadi tidak bisa "
                "dikembalikan otomatis. Terbitkan ulang versi sebelumnya: git checkout "
                "<commit>, lalu invoke publish, lalu kembali ke main."
            )
        with self._talking("Jalankan `invoke rollback` lagi setelah masalahnya diatasi."):
            if self.site.get_json(self._key("journal.json")) is not None:
                raise TargetError(
                    f"Penerbitan terakhir ke target S3 '{self.name}' belum "
                    "selesai. Jalankan `invoke publish` dulu, baru rollback."
                )
            interrupts.hold()
            return history.rollback(to)
