"""A real S3-compatible server for the tests of object storage: moto's standalone server
(``moto.server.ThreadedMotoServer``) on a free port of 127.0.0.1, one per test process,
started at first use and stopped at exit. Uploads, deletes and presigned URLs go over
HTTP to it, exactly as to MinIO or S3::

    with override_settings(STORAGES=s3_storages()):
        ...  # the "public" and "private" storages are S3Storage on a fresh bucket

Each call of :func:`s3_storages` makes a bucket of its own, so tests do not see each
other's objects; its ``public/`` prefix is readable anonymously, as Compose sets MinIO up.
moto checks anonymous access against that policy but not the signatures or expiry of
presigned URLs: those are the object store's own.
"""

from __future__ import annotations

import atexit
import itertools
import json
import logging
import os
import threading

from django.conf import settings

from files.config import media_storages

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
REGION = "us-east-1"

_lock = threading.Lock()
_server = None
_endpoint: str | None = None
_buckets = itertools.count(1)


def s3_endpoint() -> str:
    """The URL of this process's S3 server, started on first use."""
    global _server, _endpoint
    with _lock:
        if _endpoint is None:
            from moto.server import ThreadedMotoServer

            # moto's server logs every request at INFO through werkzeug.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            _server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            _server.start()
            host, port = _server.get_host_and_port()
            _endpoint = f"http://{host}:{port}"
            atexit.register(_server.stop)
    return _endpoint


def s3_client():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint(),
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def public_read_policy(bucket: str) -> str:
    """Anonymous clients may read ``public/*`` and nothing else (what Compose's
    ``mc anonymous set download …/public`` gives MinIO)."""
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/public/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def s3_bucket() -> str:
    """A new, empty bucket on the server, its ``public/`` prefix readable by anyone."""
    name = f"redwan-test-{os.getpid()}-{next(_buckets)}"
    client = s3_client()
    client.create_bucket(Bucket=name)
    client.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    return name


def s3_storages(*, bucket: str | None = None, public_endpoint_url: str | None = None) -> dict:
    """``settings.STORAGES`` with the media storages on S3 (a new bucket unless given)."""
    options = {
        "bucket_name": bucket or s3_bucket(),
        "endpoint_url": s3_endpoint(),
        "public_endpoint_url": public_endpoint_url,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region_name": REGION,
    }
    return {
        **settings.STORAGES,
        **media_storages(
            media_root=settings.MEDIA_ROOT,
            media_url=settings.MEDIA_URL,
            url_ttl=settings.MEDIA_URL_TTL,
            s3=options,
        ),
    }


def s3_keys(bucket: str) -> list[str]:
    """Every key in ``bucket``, sorted."""
    pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
