"""Where a lesson's video plays (§6.10): the provider's embed URL, built from the lesson's
provider and id — never from anything a client sends.

- ``youtube``: ``https://www.youtube-nocookie.com/embed/<id>`` (YouTube's privacy-enhanced
  player: no cookies until the video plays);
- ``vimeo``: ``https://player.vimeo.com/video/<id>``;
- ``bunny``: Bunny Stream's iframe, signed with the library's embed view token
  authentication: ``token = SHA256_HEX(token_security_key + video_id + expires)``, with
  ``expires`` a UNIX time in seconds, as
  ``https://iframe.mediadelivery.net/embed/<library>/<id>?token=<token>&expires=<expires>``.
  The library and the key come from ``BUNNY_STREAM_LIBRARY_ID`` / ``BUNNY_STREAM_TOKEN_KEY``;
  without them there is no URL, only the error ``video_not_configured`` (an unsigned URL
  would either not play or play for anyone);
- ``file``: the private storage's signed URL (files.signing, or S3's presigned URL).

Signed URLs (bunny, file) expire after ``MEDIA_URL_TTL`` seconds; ``expires_at`` says when.
The ids a lesson may hold are checked when it is saved (:data:`VIDEO_ID_PATTERNS`), and
quoted here again all the same.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.storage import storages

from files.config import PRIVATE

YOUTUBE = "youtube"
VIMEO = "vimeo"
BUNNY = "bunny"
FILE = "file"

YOUTUBE_EMBED = "https://www.youtube-nocookie.com/embed/"
VIMEO_EMBED = "https://player.vimeo.com/video/"
BUNNY_EMBED = "https://iframe.mediadelivery.net/embed/"

# What each provider's ids look like: YouTube's 11 characters, Vimeo's number, Bunny's GUID.
VIDEO_ID_PATTERNS = {
    YOUTUBE: re.compile(r"[A-Za-z0-9_-]{11}"),
    VIMEO: re.compile(r"[0-9]{1,20}"),
    BUNNY: re.compile(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    ),
}
NOT_CONFIGURED = "video_not_configured"


@dataclass(frozen=True)
class Playback:
    """What a player needs: the URL to embed or play (None with an ``error``) and, for a
    signed URL, when it stops working."""

    provider: str
    url: str | None
    expires_at: datetime | None = None
    error: str | None = None


def video_id_valid(provider: str, video_id: str) -> bool:
    pattern = VIDEO_ID_PATTERNS.get(provider)
    return pattern is not None and pattern.fullmatch(video_id) is not None


def bunny_token(key: str, video_id: str, expires: int) -> str:
    """Bunny Stream's embed view token: SHA256_HEX(token_security_key + video_id + expires)."""
    return hashlib.sha256(f"{key}{video_id}{expires}".encode()).hexdigest()


def bunny_url(*, library_id: str, key: str, video_id: str, expires: int) -> str:
    query = urlencode({"token": bunny_token(key, video_id, expires), "expires": expires})
    return f"{BUNNY_EMBED}{quote(library_id, safe='')}/{quote(video_id, safe='')}?{query}"


def playback(
    provider: str, *, video_id: str = "", video_file: str = "", now: float | None = None
) -> Playback | None:
    """The player of a lesson's video (None when it has none). ``now`` (a UNIX time)
    dates the signed URLs; the clock by default."""
    if provider == YOUTUBE:
        return Playback(provider, YOUTUBE_EMBED + quote(video_id, safe=""))
    if provider == VIMEO:
        return Playback(provider, VIMEO_EMBED + quote(video_id, safe=""))
    now = time.time() if now is None else now
    expires = int(now) + settings.MEDIA_URL_TTL
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if provider == BUNNY:
        library, key = settings.BUNNY_STREAM_LIBRARY_ID, settings.BUNNY_STREAM_TOKEN_KEY
        if not (library and key):
            return Playback(provider, None, error=NOT_CONFIGURED)
        url = bunny_url(library_id=library, key=key, video_id=video_id, expires=expires)
        return Playback(provider, url, expires_at)
    if provider == FILE and video_file:
        # The storage's own clock and MEDIA_URL_TTL (files.signing; S3's presigning).
        return Playback(provider, storages[PRIVATE].url(video_file), expires_at)
    return None
