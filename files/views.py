"""Serving files kept on the filesystem: ``/media/<name>`` (public) and
``/files/<name>?expires=…&signature=…`` (private, files.signing).

The checks are the app's; the bytes go out streamed in 64 KiB chunks (read in a worker
thread under ASGI, so Daphne holds one chunk at a time, not the file), or, with
``MEDIA_ACCEL_REDIRECT`` set (nginx in front), as an empty answer whose
``X-Accel-Redirect`` names the file under nginx's ``internal`` location
(deploy/nginx/redwan.conf.template), and nginx streams it. Both answer one byte range
(``Range: bytes=…``, 206, or 416 past the end), which a video player seeks with and Safari
asks for before it plays an MP4; several ranges, a malformed header or an ``If-Range`` that
names another version get the whole file, as RFC 9110 allows. A private file never leaves without a valid, unexpired
signature: an altered or missing one answers 403, an expired one 403, a file that is gone
404. With S3 storage neither route serves anything (the object store does).
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
import time
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from files import signing
from files.config import PRIVATE, PUBLIC

# Public names are random and never rewritten: a cache may keep them for a year.
PUBLIC_CACHE = "public, max-age=31536000, immutable"


CHUNK_BYTES = 64 * 1024

# One range, "first-last", "first-" or "-suffix"; the unit is case-insensitive. Eighteen
# digits are more than any file here: a longer number is malformed and ignored.
SINGLE_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})", re.IGNORECASE)


class RangeNotSatisfiable(Exception):
    pass


def byte_range(header: str | None, if_range: str | None, *, size: int, last_modified: str):
    """The bytes a ``Range`` header asks for, as ``(first, last)`` inclusive, or ``None`` for
    the whole file; raises :class:`RangeNotSatisfiable` when the range starts past the end."""
    if not header or (if_range is not None and if_range.strip() != last_modified):
        return None
    match = SINGLE_RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        if last and int(last) < start:
            return None  # not a valid range: the header is ignored
        if start >= size:
            raise RangeNotSatisfiable
        return start, min(int(last), size - 1) if last else size - 1
    if not last:
        return None
    suffix = int(last)
    if suffix == 0 or size == 0:
        raise RangeNotSatisfiable
    return max(size - suffix, 0), size - 1


class OpenFileSlice:
    """``length`` bytes of an open file from where it stands, read a chunk at a time. The
    response's ``close()`` closes the file, however far the client read."""

    def __init__(self, file, length: int):
        self.file = file
        self.remaining = length

    def read_chunk(self) -> bytes:
        if self.remaining <= 0:
            return b""
        chunk = self.file.read(min(CHUNK_BYTES, self.remaining))
        self.remaining -= len(chunk)
        return chunk

    def close(self):
        self.file.close()


class FileSlice(OpenFileSlice):
    """For a WSGI server (gunicorn): a plain iterator."""

    def __iter__(self):
        while chunk := self.read_chunk():
            yield chunk


class AsyncFileSlice(OpenFileSlice):
    """For an ASGI server (Daphne): each read runs in a worker thread and a chunk is sent
    before the next is read. (Given a plain iterator, Django would read the whole file into
    a list first; it tries ``iter()`` before ``aiter()``, so this class has no ``__iter__``.)"""

    async def __aiter__(self):
        while chunk := await asyncio.to_thread(self.read_chunk):
            yield chunk


def _serve(request, alias: str, name: str, cache_control: str):
    storage = storages[alias]
    if not isinstance(storage, FileSystemStorage):
        raise Http404
    try:
        path = storage.path(name)
    except SuspiciousFileOperation as exc:  # "../" and absolute names
        raise Http404 from exc
    if not os.path.isfile(path):  # a directory, or nothing
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    accel = settings.MEDIA_ACCEL_REDIRECT
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{alias}/{quote(name)}"
    else:
        response = _stream(request, path, content_type)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _stream(request, path: str, content_type: str) -> HttpResponse:
    try:
        file = open(path, "rb")  # noqa: SIM115 -- the response closes it
    except FileNotFoundError as exc:  # removed since the check
        raise Http404 from exc
    stat = os.fstat(file.fileno())
    size, last_modified = stat.st_size, http_date(stat.st_mtime)
    try:
        wanted = byte_range(
            request.headers.get("Range"),
            request.headers.get("If-Range"),
            size=size,
            last_modified=last_modified,
        )
    except RangeNotSatisfiable:
        file.close()
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = wanted or (0, size - 1)
    file.seek(first)
    body = AsyncFileSlice if isinstance(request, ASGIRequest) else FileSlice
    response = StreamingHttpResponse(
        body(file, last - first + 1), status=206 if wanted else 200, content_type=content_type
    )
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = last_modified
    return response


@require_safe
def public_file(request, name: str):
    return _serve(request, PUBLIC, name, PUBLIC_CACHE)


@require_safe
def private_file(request, name: str):
    verdict = signing.check(name, request.GET.get("expires"), request.GET.get("signature"))
    if verdict != "ok":
        return HttpResponseForbidden(
            b"This link has expired." if verdict == "expired" else b"This link is not valid.",
            content_type="text/plain",
        )
    remaining = max(int(request.GET["expires"]) - int(time.time()), 0)
    return _serve(request, PRIVATE, name, f"private, max-age={remaining}")
