"""URLs signed by the app for private files kept on the filesystem.

A URL is ``/files/<name>?expires=<unix time>&signature=<hex>``; the signature is an HMAC
(SHA-256, keyed by ``SECRET_KEY``) of the name and the expiry together, so neither can be
changed without the other failing. The view (files.views) checks it before the file is
streamed; S3 storage uses S3's own presigned URLs instead.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "files.signing.private-file"


def signature(name: str, expires: int) -> str:
    return salted_hmac(SALT, f"{name}\n{expires}", algorithm="sha256").hexdigest()


def signed_url(name: str, *, ttl: int | None = None, now: float | None = None) -> str:
    """The app's URL of the private file ``name``, valid ``ttl`` seconds (MEDIA_URL_TTL)."""
    ttl = settings.MEDIA_URL_TTL if ttl is None else ttl
    expires = int((time.time() if now is None else now) + ttl)
    path = reverse("private-file", kwargs={"name": name})
    query = urlencode({"expires": expires, "signature": signature(name, expires)})
    return f"{path}?{query}"


def check(name: str, expires: str | None, given: str | None, *, now: float | None = None) -> str:
    """``"ok"``, ``"expired"`` or ``"invalid"`` for a request's ``expires`` and
    ``signature``. An altered name, expiry or signature is ``invalid``; the expiry is
    judged only once the signature holds (no oracle on made-up values)."""
    if not expires or not given or not expires.isdigit() or len(expires) > 12:
        return "invalid"
    if not constant_time_compare(signature(name, int(expires)), given):
        return "invalid"
    if int(expires) < (time.time() if now is None else now):
        return "expired"
    return "ok"
