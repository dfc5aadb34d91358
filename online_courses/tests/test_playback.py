"""Players of a lesson's video: the providers' embed URLs, Bunny Stream's signed one."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.test import SimpleTestCase, override_settings

from files import signing
from online_courses import playback
from online_courses.models import VideoProvider

NOW = 1_790_000_000.5
BUNNY_ID = "eb1c4f77-0cda-46be-b47d-1118ad7c2ffe"


class PlaybackTests(SimpleTestCase):
    def test_the_providers_are_the_models_choices(self):
        self.assertEqual(
            {playback.YOUTUBE, playback.VIMEO, playback.BUNNY, playback.FILE},
            set(VideoProvider.values),
        )

    def test_youtube_plays_in_the_privacy_enhanced_player(self):
        shown = playback.playback("youtube", video_id="dQw4w9WgXcQ")
        self.assertEqual(shown.url, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
        self.assertIsNone(shown.expires_at)

    def test_vimeo_plays_in_vimeos_player(self):
        shown = playback.playback("vimeo", video_id="76979871")
        self.assertEqual(shown.url, "https://player.vimeo.com/video/76979871")

    @override_settings(
        BUNNY_STREAM_LIBRARY_ID="759", BUNNY_STREAM_TOKEN_KEY="s3cret-key", MEDIA_URL_TTL=600
    )
    def test_bunny_is_signed_as_bunny_documents_it(self):
        shown = playback.playback("bunny", video_id=BUNNY_ID, now=NOW)
        expires = int(NOW) + 600
        # Bunny Stream's embed view token: SHA256_HEX(token_security_key + video_id + expires).
        expected = hashlib.sha256(f"s3cret-key{BUNNY_ID}{expires}".encode()).hexdigest()
        parts = urlsplit(shown.url)
        self.assertEqual(
            (parts.scheme, parts.netloc, parts.path),
            ("https", "iframe.mediadelivery.net", f"/embed/759/{BUNNY_ID}"),
        )
        self.assertEqual(parse_qs(parts.query), {"token": [expected], "expires": [str(expires)]})
        self.assertEqual(shown.expires_at, datetime.fromtimestamp(expires, tz=UTC))
        self.assertIsNone(shown.error)

    @override_settings(BUNNY_STREAM_LIBRARY_ID="759", BUNNY_STREAM_TOKEN_KEY="")
    def test_bunny_without_its_key_gives_an_error_and_no_unsigned_url(self):
        shown = playback.playback("bunny", video_id=BUNNY_ID, now=NOW)
        self.assertEqual((shown.url, shown.error), (None, "video_not_configured"))
        with self.settings(BUNNY_STREAM_LIBRARY_ID="", BUNNY_STREAM_TOKEN_KEY="k"):
            self.assertIsNone(playback.playback("bunny", video_id=BUNNY_ID).url)

    @override_settings(MEDIA_URL_TTL=300)
    def test_an_uploaded_file_gets_a_signed_url_valid_media_url_ttl(self):
        # The player's expiry and the storage's URL read the clock each: stopped here, so a
        # busy machine cannot put a second between the two readings.
        with time_machine.travel(datetime(2026, 11, 22, 8, 0, tzinfo=UTC), tick=False):
            shown = playback.playback("file", video_file="online-courses/videos/ab/x.mp4")
            parts = urlsplit(shown.url)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            self.assertEqual(parts.path, "/files/online-courses/videos/ab/x.mp4")
            name = "online-courses/videos/ab/x.mp4"
            self.assertEqual(signing.check(name, query["expires"], query["signature"]), "ok")
            self.assertEqual(shown.expires_at.timestamp(), int(query["expires"]))

    def test_no_video_no_player(self):
        self.assertIsNone(playback.playback(""))
        self.assertIsNone(playback.playback("file", video_file=""))

    def test_ids_are_checked_against_each_providers_format(self):
        for provider, good, bad in (
            ("youtube", "dQw4w9WgXcQ", "dQw4w9WgXcQ/../x"),
            ("vimeo", "76979871", "76979871?autoplay=1"),
            ("bunny", BUNNY_ID, "not-a-guid"),
        ):
            with self.subTest(provider=provider):
                self.assertTrue(playback.video_id_valid(provider, good))
                self.assertFalse(playback.video_id_valid(provider, bad))
        self.assertFalse(playback.video_id_valid("file", "anything"))
