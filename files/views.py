"""Serving files kept on the filesystem: ``/media/<name>`` (public) and
``/files/<name>?expires=…&signature=…`` (private, files.signing).

The checks are the app's; the bytes go out as a streamed ``FileResponse``, or, with
``MEDIA_ACCEL_REDIRECT`` set (nginx in front), as an empty answer whose
``X-Accel-Redirect`` names the file under nginx's ``internal`` location
(deploy/nginx/redwan.conf.template). A private file never leaves without a valid, unexpired
signature: an altered or missing one answers 403, an expired one 403, a file that is gone
404. With S3 storage neither route serves anything (the object store does).
"""

from __future__ import annotations

import mimetypes
import os
import time
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_safe

from files import signing
from files.config import PRIVATE, PUBLIC

# Public names are random and never rewritten: a cache may keep them for a year.
PUBLIC_CACHE = "public, max-age=31536000, immutable"


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
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
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
