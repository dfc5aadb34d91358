"""Videos judged by their content (§6.8–§6.10): MP4 and WebM, by the bytes they open with.
The name and the declared type are never looked at.

- MP4 (ISO base media): the first box is ``ftyp``, its type at bytes 4–8.
- WebM (Matroska): the file opens with the EBML header's ID, ``1A 45 DF A3``.

Videos are kept as uploaded (no transcoding); each caller bounds their size with its own
setting (``MEMORY_VIDEO_MAX_MB``, ``LESSON_VIDEO_MAX_MB``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from files.images import HEAD_LENGTH

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
