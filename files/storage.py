"""Storage backends of uploaded files (the ``public`` and ``private`` entries of
``STORAGES``, built by files.config).

- Filesystem: the public storage is Django's, under ``MEDIA_URL``; the private one answers
  ``url()`` with a URL signed by the app (files.signing), served by files.views.
- S3-compatible object storage (django-storages): the public storage gives plain URLs, the
  private one presigned URLs valid ``MEDIA_URL_TTL`` seconds. ``public_endpoint_url`` is
  the address clients reach the object store at when it differs from the one the app
  uses (Compose: the app talks to ``http://minio:9000``, a browser to
  ``http://localhost:9000``). A presigned URL signs its host, so it is made for the
  client's address from the start rather than rewritten.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage

from files import signing


@deconstructible
class PublicFileSystemStorage(FileSystemStorage):
    """Course images and instructor photos on disk, under ``MEDIA_URL``."""


@deconstructible
class PrivateFileSystemStorage(FileSystemStorage):
    """Private files on disk: outside ``MEDIA_URL``; their URL is signed and expires."""

    def url(self, name):
        return signing.signed_url(name)


class _MediaS3Storage(S3Storage):
    # Random names never collide: no existence check (one request less per file).
    file_overwrite = True
    default_acl = None

    def __init__(self, *, public_endpoint_url: str | None = None, **options):
        super().__init__(**options)
        self._options = options
        self._public_endpoint_url = public_endpoint_url
        self._url_twin = None

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self._public_endpoint_url or self._public_endpoint_url == self.endpoint_url:
            return super().url(name, parameters, expire, http_method)
        if self._url_twin is None:
            # Presigning is computed locally: the twin never connects to its endpoint.
            self._url_twin = type(self)(
                **{**self._options, "endpoint_url": self._public_endpoint_url}
            )
        return self._url_twin.url(name, parameters, expire, http_method)


class PublicS3Storage(_MediaS3Storage):
    querystring_auth = False


class PrivateS3Storage(_MediaS3Storage):
    querystring_auth = True
