"""The ``STORAGES`` entries of uploaded files, built from plain values (settings, tests).

Two storages besides Django's ``default``:

- ``public``: course images and instructor photos (the catalogue). Plain URLs that any
  cache may keep: the names are random and a file is never rewritten.
- ``private``: everything else (user and child photos, the photos and videos of
  memories, lesson materials). Reached only through a URL that expires after
  ``MEDIA_URL_TTL`` seconds: an S3 presigned URL, or on the filesystem a URL signed by
  the app (files.signing).

``default`` is the private one, so a file saved without naming a storage is never public.
On the filesystem the two live in ``MEDIA_ROOT/public`` and ``MEDIA_ROOT/private``; only
the first is under ``MEDIA_URL``. On S3 they are the ``public/`` and ``private/`` prefixes
of one bucket (only ``public/`` may be readable anonymously).

No storage backend is imported here: settings build the dictionary at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PUBLIC = "public"
PRIVATE = "private"


def media_storages(
    *,
    media_root: Path | str,
    media_url: str,
    url_ttl: int,
    s3: dict[str, Any] | None = None,
) -> dict[str, dict]:
    """``{"default", "public", "private"}`` entries for ``settings.STORAGES``.

    ``s3`` (``bucket_name``, ``endpoint_url``, ``access_key``, ``secret_key``,
    ``region_name``, ``public_endpoint_url``) selects object storage; None the filesystem.
    """
    if s3:
        # Path-style addressing and SigV4 presigning work with S3, MinIO and the like
        # without per-bucket DNS names.
        common = {"addressing_style": "path", "signature_version": "s3v4"}
        common.update({key: value for key, value in s3.items() if value not in (None, "")})
        public = {
            "BACKEND": "files.storage.PublicS3Storage",
            "OPTIONS": {**common, "location": PUBLIC},
        }
        private = {
            "BACKEND": "files.storage.PrivateS3Storage",
            "OPTIONS": {**common, "location": PRIVATE, "querystring_expire": url_ttl},
        }
    else:
        root = Path(media_root)
        public = {
            "BACKEND": "files.storage.PublicFileSystemStorage",
            "OPTIONS": {"location": str(root / PUBLIC), "base_url": media_url},
        }
        private = {
            "BACKEND": "files.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(root / PRIVATE)},
        }
    return {"default": private, PUBLIC: public, PRIVATE: private}


def media_origins(s3: dict[str, Any] | None) -> list[str]:
    """The origins besides the app's own that a browser loads uploaded files from (the
    admin's pages allow images from them: core.csp). None on the filesystem; the object
    store's public endpoint (or its endpoint) with S3; AWS's own hosts without one."""
    if not s3:
        return []
    endpoint = s3.get("public_endpoint_url") or s3.get("endpoint_url")
    if not endpoint:
        return ["https://*.amazonaws.com"]
    parts = urlsplit(endpoint)
    return [f"{parts.scheme}://{parts.netloc}"]
