"""Reading the one ``file`` of an upload (``multipart/form-data``) within a limit: a photo's
``UPLOAD_MAX_MB``, or the limit its caller names (a lesson's video or material).

:class:`UploadLimitHandler` goes first in the request's upload handlers, before the body
is read: a body announced larger than the limit is refused before a byte of it is read,
and a body that turns out larger (no or a false ``Content-Length``) is refused at the
chunk that crosses the limit, so no oversized file is ever kept whole in memory or on disk.
Both answer ``400 file_too_large``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _
from rest_framework.request import Request

from core.errors import Invalid

# Room for the multipart framing around the file (boundaries, part headers).
FRAMING_BYTES = 64 * 1024


def upload_max_bytes(max_mb: int | None = None) -> int:
    return (settings.UPLOAD_MAX_MB if max_mb is None else max_mb) * 1024 * 1024


def too_large(max_mb: int | None = None) -> Invalid:
    # The same code and message as files.images' own check of a file's size.
    return Invalid(
        "file_too_large",
        _("The file is larger than %(mb)s MB.")
        % {"mb": settings.UPLOAD_MAX_MB if max_mb is None else max_mb},
        field="file",
    )


class UploadLimitHandler(FileUploadHandler):
    """Refuses a body or a file over ``limit`` bytes; passes the data on otherwise."""

    def __init__(self, request=None, *, limit: int, max_mb: int | None = None) -> None:
        super().__init__(request)
        self.limit = limit
        self.max_mb = max_mb
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + FRAMING_BYTES:
            raise too_large(self.max_mb)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise too_large(self.max_mb)
        return raw_data

    def file_complete(self, file_size):
        return None


def uploaded_file(request: Request, *, max_mb: int | None = None):
    """The request's ``file`` part, read within ``max_mb`` megabytes (default
    ``UPLOAD_MAX_MB``); 400 ``invalid`` on the ``file`` field when there is none."""
    handler = UploadLimitHandler(request, limit=upload_max_bytes(max_mb), max_mb=max_mb)
    request.upload_handlers.insert(0, handler)
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is None:
        message = (
            _("Send the image as the multipart field “file”.")
            if max_mb is None
            else _("Send the file as the multipart field “file”.")
        )
        raise Invalid("invalid", message, field="file")
    return upload
