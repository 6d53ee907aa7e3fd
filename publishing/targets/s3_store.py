"""The few S3 calls the S3 target makes, through a client built only from what it is given.

The client never reads ``~/.aws``, ``AWS_PROFILE`` or ``AWS_ENDPOINT_URL*``: credentials,
region and endpoint come from the target's settings and environment mapping, so a
publish goes where ``publishconf.py`` says and the tests are hermetic. Request checksums
are only sent where S3 requires them, because MinIO and R2 reject some of the newer
flexible-checksum headers; uploads carry ``Content-MD5`` instead. ``explain`` turns a
botocore error into an Indonesian sentence saying what to check.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from ..tree import OutputFile, cache_control

#: Parallel requests for uploads and server-side copies (network-bound, not CPU-bound).
WORKERS = 8

_NO_FILES = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
}


def make_client(
    endpoint_url: str | None, region: str, access_key: str, secret_key: str, token: str | None
) -> Any:
    """Return an S3 client that uses exactly these settings and nothing from the machine."""
    session = boto3.session.Session(
        botocore_session=botocore.session.Session(session_vars=_NO_FILES)
    )
    config = Config(
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": 4, "mode": "standard"},
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        ignore_configured_endpoint_urls=True,
        max_pool_connections=WORKERS + 2,
    )
    return session.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=token or None,
        config=config,
    )


def each(function: Callable[[Any], None], items: Iterable[Any]) -> None:
    """Run ``function`` on every item, ``WORKERS`` at a time; re-raise the first error.

    Work not yet started when one call fails is cancelled.
    """
    pool = ThreadPoolExecutor(WORKERS)
    try:
        for future in [pool.submit(function, item) for item in items]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def reader_order(rels: Iterable[str]) -> list[list[str]]:
    """Group files so that a page goes live only after what it links to.

    Assets and attachments first, then search-index metadata, then article pages, then
    listing pages (``*/index.html``), then feeds and the sitemap, and the home page last.
    Each group is finished before the next starts.
    """

    def rank(rel: str) -> int:
        if rel == "index.html":
            return 5
        if rel.endswith((".xml", ".txt")):
            return 4
        if rel.endswith("/index.html"):
            return 3
        if rel.endswith(".html"):
            return 2
        if rel.endswith((".json", ".pf_meta")):
            return 1
        return 0

    groups: list[list[str]] = [[] for _ in range(6)]
    for rel in sorted(rels):
        groups[rank(rel)].append(rel)
    return [group for group in groups if group]


def count_requests(client: Any, counts: Counter[str]) -> None:
    """Count the client's requests in ``counts`` by operation name (for the benchmark)."""
    lock = threading.Lock()

    def _count(model: Any, **_: Any) -> None:
        with lock:
            counts[model.name] += 1

    client.meta.events.register("before-call.s3", _count)


def explain(error: Exception, target: str, bucket: str) -> str:
    """Return what went wrong with a request, in Indonesian, with what to check."""
    if isinstance(error, EndpointConnectionError) or (
        isinstance(error, BotoCoreError) and "timeout" in type(error).__name__.lower()
    ):
        return (
            f"server S3 tidak dapat dihubungi ({error}). Periksa "
            f"PUBLISH_TARGETS['{target}']['endpoint_url'] dan sambungan internet."
        )
    if not isinstance(error, ClientError):
        return f"permintaan ke S3 gagal ({type(error).__name__}: {error})."
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in ("404", "NoSuchBucket"):
        return (
            f"bucket '{bucket}' tidak ditemukan. Periksa nama bucket di "
            f"PUBLISH_TARGETS['{target}'] (serta 'endpoint_url' dan 'region'), atau "
            "buat bucket itu lebih dulu."
        )
    if code in (
        "403",
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
    ):
        return (
            f"akses ke bucket '{bucket}' ditolak ({code}). Periksa AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY (dan AWS_SESSION_TOKEN bila dipakai), serta izin "
            "kunci itu: s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject."
        )
    if code in ("301", "PermanentRedirect", "AuthorizationHeaderMalformed"):
        return (
            f"bucket '{bucket}' berada di region lain. Isi "
            f"PUBLISH_TARGETS['{target}']['region'] dengan region bucket itu."
        )
    message = error.response.get("Error", {}).get("Message", "")
    return f"S3 menolak permintaan ({code}: {message})."


def is_missing(error: ClientError) -> bool:
    """Return whether ``error`` says the object (or bucket) does not exist."""
    return str(error.response.get("Error", {}).get("Code", "")) in ("404", "NoSuchKey", "NotFound")


@dataclass(frozen=True)
class Stored:
    """One object as a listing shows it."""

    key: str
    size: int
    etag: str  # without quotes; the MD5 hex digest for single-part uploads


class Bucket:
    """One bucket through one client: only the operations deploy and rollback need."""

    def __init__(self, client: Any, name: str) -> None:
        """Keep the client (thread-safe, shared by the worker threads) and the name."""
        self.client = client
        self.name = name

    def objects(self, prefix: str) -> Iterator[Stored]:
        """Yield every object under ``prefix``, page by page."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield Stored(item["Key"], int(item["Size"]), item["ETag"].strip('"'))

    def folders(self, prefix: str) -> list[str]:
        """Return the names of the "folders" directly under ``prefix``."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix, Delimiter="/"
        )
        return [
            entry["Prefix"][len(prefix) :].rstrip("/")
            for page in pages
            for entry in page.get("CommonPrefixes", [])
        ]

    def sha256(self, key: str) -> str | None:
        """Return the SHA-256 this project recorded in the object's metadata, if any."""
        try:
            head = self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if is_missing(error):
                return None
            raise
        value = head.get("Metadata", {}).get("sha256")
        return str(value) if value else None

    def upload(self, key: str, file: OutputFile, release: str) -> None:
        """Upload one output file with its headers; S3 rejects it if the MD5 differs."""
        digest = base64.b64encode(bytes.fromhex(file.md5)).decode("ascii")
        with file.path.open("rb") as body:
            self.client.put_object(
                Bucket=self.name,
                Key=key,
                Body=body,
                ContentMD5=digest,
                ContentType=file.content_type,
                CacheControl=cache_control(file.rel),
                Metadata={"sha256": file.sha256, "release": release},
            )

    def copy(self, source: Bucket, source_key: str, key: str, etag: str | None = None) -> None:
        """Copy an object server-side (no payload sent), headers and metadata included."""
        extra = {"CopySourceIfMatch": f'"{etag}"'} if etag else {}
        self.client.copy_object(
            Bucket=self.name,
            Key=key,
            MetadataDirective="COPY",
            CopySource={"Bucket": source.name, "Key": source_key},
            **extra,
        )

    def delete(self, keys: list[str]) -> None:
        """Delete ``keys`` in batches of 1,000; raise if S3 refused any of them."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            answer = self.client.delete_objects(
                Bucket=self.name, Delete={"Objects": batch, "Quiet": True}
            )
            for failed in answer.get("Errors", []):
                raise ClientError(
                    {
                        "Error": {
                            "Code": failed.get("Code", "DeleteFailed"),
                            "Message": f"{failed.get('Key')}: {failed.get('Message', '')}",
                        }
                    },
                    "DeleteObjects",
                )

    def delete_under(self, prefix: str) -> int:
        """Delete every object under ``prefix``; return how many there were."""
        keys = [item.key for item in self.objects(prefix)]
        self.delete(keys)
        return len(keys)

    def get_json(self, key: str) -> Any:
        """Return the JSON object stored at ``key``, or None if there is none."""
        try:
            answer = self.client.get_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if is_missing(error):
                return None
            raise
        return json.loads(answer["Body"].read())

    def put_json(self, key: str, value: Any) -> None:
        """Store ``value`` as a small private JSON object."""
        self.client.put_object(
            Bucket=self.name,
            Key=key,
            ContentType="application/json",
            CacheControl="no-store",
            Body=json.dumps(value, indent=1, sort_keys=True).encode(),
        )
