"""The two places uploaded files live, as mixins: each endpoint test runs once on the
filesystem and once on a real S3-compatible server (testkit.s3)."""

from __future__ import annotations

import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.test import override_settings

from files.config import PRIVATE, PUBLIC, media_storages
from testkit.s3 import s3_keys, s3_storages


class FileSystemBackend:
    """Media under a fresh directory of the test class's own."""

    backend = "filesystem"

    def setUp(self):
        super().setUp()
        media = tempfile.TemporaryDirectory(prefix="redwan-photos-")
        self.addCleanup(media.cleanup)
        self.media_root = Path(media.name)
        storages = media_storages(
            media_root=self.media_root, media_url=settings.MEDIA_URL, url_ttl=600
        )
        overridden = override_settings(STORAGES={**settings.STORAGES, **storages})
        overridden.enable()
        self.addCleanup(overridden.disable)

    def stored_files(self) -> set[str]:
        """``"<public|private>/<name>"`` of every stored file."""
        return {
            str(path.relative_to(self.media_root))
            for path in self.media_root.rglob("*")
            if path.is_file()
        }

    def fetch(self, url: str) -> tuple[int, bytes]:
        """GET a URL the API handed out, the way a browser would."""
        parts = urlsplit(url)
        self.assertEqual(parts.netloc, "testserver", url)
        self.client.force_authenticate(None)
        response = self.client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body


class S3Backend:
    """Media in a fresh bucket of moto's S3 server (one per test), reached over HTTP."""

    backend = "s3"

    def setUp(self):
        super().setUp()
        storages = s3_storages()
        self.bucket = storages[PRIVATE]["OPTIONS"]["bucket_name"]
        overridden = override_settings(STORAGES=storages)
        overridden.enable()
        self.addCleanup(overridden.disable)

    def stored_files(self) -> set[str]:
        return set(s3_keys(self.bucket))

    def fetch(self, url: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


__all__ = ["PRIVATE", "PUBLIC", "FileSystemBackend", "S3Backend"]
