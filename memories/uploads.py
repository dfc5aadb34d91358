"""Reading a memory's ``items`` parts within the limits, with files.uploads' handler.

Each file is bounded chunk by chunk at ``MEMORY_VIDEO_MAX_MB`` (the largest an item may
be; a photo over ``UPLOAD_MAX_MB`` is refused by files.images), and the whole body at
``MAX_ITEMS`` such files: nothing oversized is ever kept whole, and large parts go to
temporary files, not memory.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.request import Request

from core.errors import Invalid
from files.uploads import FRAMING_BYTES, UploadLimitHandler
from memories.media import video_max_bytes
from memories.models import MAX_ITEMS


def _too_large() -> Invalid:
    return Invalid(
        "file_too_large",
        _("A file is larger than %(mb)s MB.") % {"mb": settings.MEMORY_VIDEO_MAX_MB},
        field="items",
    )


class MemoryUploadLimitHandler(UploadLimitHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > MAX_ITEMS * (self.limit + FRAMING_BYTES):
            raise _too_large()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise _too_large()
        return raw_data


def install_limit(request: Request) -> None:
    """Put the limit first among the request's upload handlers (before its body is read)."""
    request.upload_handlers.insert(0, MemoryUploadLimitHandler(request, limit=video_max_bytes()))


def uploaded_items(request: Request) -> list:
    return list(request.FILES.getlist("items")) if hasattr(request, "FILES") else []
