"""What a memory's item is, judged by its content (§6.9): a photo (JPEG, PNG, WebP — the
formats of files.images) or a video (MP4, WebM — files.video). The name and the declared
type are never looked at.

A video is kept as uploaded (no transcoding); ``MEMORY_VIDEO_MAX_MB`` bounds it.
"""

from __future__ import annotations

from django.conf import settings

from files.images import sniff_format
from files.video import MP4, WEBM, VideoFormat, read_head, sniff_video

__all__ = ["MP4", "WEBM", "VideoFormat", "is_photo", "read_head", "sniff_video", "video_max_bytes"]


def is_photo(head: bytes) -> bool:
    return sniff_format(head) is not None


def video_max_bytes() -> int:
    return settings.MEMORY_VIDEO_MAX_MB * 1024 * 1024
