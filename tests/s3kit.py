"""A real S3 server for the tests: moto in its own process on 127.0.0.1, plus a few looks.

Used by the S3 target's own tests and by the end-to-end ``invoke publish`` tests. The
server accepts any credentials; the bucket owner's client (``admin_client``) is how a
test sets up buckets and looks at what is stored, and plain HTTP without credentials is
how it sees what a visitor sees.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

#: What the publishing machine's environment holds for an S3 target in the tests.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "kpu-uji", "AWS_SECRET_ACCESS_KEY": "rahasia-uji"}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_server(folder: Path) -> Iterator[str]:
    """Run ``python -m moto.server`` until the block ends; yield its URL once it answers."""
    port = free_port()
    log_path = folder / "moto-server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):  # up to a minute on a busy machine
                if server.poll() is not None:
                    raise RuntimeError(f"moto server stopped; see {log_path}")
                try:
                    urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError(f"moto server did not answer on {url}; see {log_path}")
            yield url
        finally:
            server.terminate()
            server.wait()


def admin_client(url: str) -> Any:
    """Return the bucket owner's client, for setting up and looking behind the scenes."""
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="pemilik",
        aws_secret_access_key="pemilik",
        config=Config(s3={"addressing_style": "path"}),
    )


def new_bucket(admin: Any, public: bool) -> str:
    """Create a bucket with a fresh name; ``public``: anyone may read any object in it."""
    name = f"kpu-{uuid.uuid4().hex[:16]}"
    admin.create_bucket(Bucket=name)
    if public:
        admin.put_bucket_policy(
            Bucket=name,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{name}/*",
                        }
                    ],
                }
            ),
        )
    return name


def live_objects(admin: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object of the site under ``prefix`` (the publisher's ``.kpu-*`` left out)."""
    site = {}
    pages = admin.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for item in page.get("Contents", []):
            rel = item["Key"][len(prefix) :]
            if not rel.startswith(".kpu-"):
                site[rel] = admin.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return site


def leftovers(admin: Any, bucket: str) -> list[str]:
    """The publisher's objects other than the marker that claims the prefix for the site."""
    return [
        item["Key"]
        for item in admin.list_objects_v2(Bucket=bucket).get("Contents", [])
        if ".kpu-" in item["Key"] and not item["Key"].endswith(".kpu-site.json")
    ]
