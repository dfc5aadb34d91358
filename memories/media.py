"""What a memory's item is, judged by its content (§6.9): a photo (JPEG, PNG, WebP — the
formats of files.images) or a video (MP4, WebM). The name and the declared type are never
looked at.

- MP4 (ISO base media): the first box is ``ftyp``, its type at bytes 4–8.
- WebM (Matroska): the file opens with the EBML header's ID, ``1A 45 DF A3``.

A video is kept as uploaded (no transcoding); ``MEMORY_VIDEO_MAX_MB`` bounds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from files.images import HEAD_LENGTH, sniff_format

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
MP4_BOX = b"ftyp"


@dataclass(frozen=True)
class VideoFormat:
    extension: str
    content_type: str


MP4 = VideoFormat("mp4", "video/mp4")
WEBM = VideoFormat("webm", "video/webm")


def read_head(upload: Any, length: int = HEAD_LENGTH) -> bytes:
    """The first ``length`` bytes of an upload; the upload is left at its start."""
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head or b""


def sniff_video(head: bytes) -> VideoFormat | None:
    if len(head) >= 8 and head[4:8] == MP4_BOX:
        return MP4
    if head.startswith(EBML_MAGIC):
        return WEBM
    return None


def is_photo(head: bytes) -> bool:
    return sniff_format(head) is not None


def video_max_bytes() -> int:
    return settings.MEMORY_VIDEO_MAX_MB * 1024 * 1024
