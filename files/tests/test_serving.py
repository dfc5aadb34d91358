"""Serving stored files: the app's signed URLs for private files on the filesystem, the
public files under MEDIA_URL, X-Accel-Redirect for nginx, S3's own URLs, and the upload
limit handler."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core import signals
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.test import AsyncClient, SimpleTestCase, override_settings

from core.errors import Invalid
from files import signing
from files.config import media_storages
from files.uploads import FRAMING_BYTES, UploadLimitHandler
from files.views import CHUNK_BYTES, RangeNotSatisfiable, byte_range
from testkit.s3 import s3_storages


class FileSystemServingTests(SimpleTestCase):
    def setUp(self):
        media = tempfile.TemporaryDirectory(prefix="redwan-serving-")
        self.addCleanup(media.cleanup)
        self.root = Path(media.name)
        overridden = override_settings(
            STORAGES={
                **settings.STORAGES,
                **media_storages(media_root=self.root, media_url="/media/", url_ttl=600),
            }
        )
        overridden.enable()
        self.addCleanup(overridden.disable)
        self.private = storages["private"].save("photos/ab/secret.jpg", ContentFile(b"child"))
        self.public = storages["public"].save("courses/cd/open.jpg", ContentFile(b"course"))

    def get(self, url: str):
        response = self.client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body

    def test_a_signed_url_serves_the_private_file_until_it_expires(self):
        url = storages["private"].url(self.private)
        self.assertTrue(url.startswith("/files/photos/ab/secret.jpg?expires="), url)
        response, body = self.get(url)
        self.assertEqual((response.status_code, body), (200, b"child"))
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertTrue(response["Cache-Control"].startswith("private, max-age="))
        query = parse_qs(urlsplit(url).query)
        self.assertAlmostEqual(int(query["expires"][0]), time.time() + 600, delta=5)

    def test_an_expired_altered_or_missing_signature_is_refused(self):
        name = self.private
        good = signing.signed_url(name)
        stale = signing.signed_url(name, now=time.time() - 601)
        query = parse_qs(urlsplit(good).query)
        expires, signature = query["expires"][0], query["signature"][0]
        cases = {
            "expired": stale,
            "no signature": f"/files/{name}",
            "signature altered": f"/files/{name}?expires={expires}&signature={'0' * 64}",
            "expiry moved": f"/files/{name}?expires={int(expires) + 3600}&signature={signature}",
            "another file": f"/files/photos/ab/other.jpg?expires={expires}&signature={signature}",
            "expiry not a number": f"/files/{name}?expires=soon&signature={signature}",
        }
        for case, url in cases.items():
            with self.subTest(case):
                response, body = self.get(url)
                self.assertEqual(response.status_code, 403)
                self.assertNotIn(b"child", body)

    def test_the_raw_media_path_never_serves_a_private_file(self):
        for url in (
            f"/media/{self.private}",
            f"/media/private/{self.private}",
            f"/media/../private/{self.private}",
            "/media/%2e%2e/private/" + self.private,
        ):
            with self.subTest(url):
                response, body = self.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(b"child", body)

    def test_a_directory_is_not_a_file(self):
        for url in ("/media/courses/cd", "/media/courses/cd/", signing.signed_url("photos/ab")):
            with self.subTest(url):
                self.assertEqual(self.get(url)[0].status_code, 404)

    def test_a_valid_signature_for_a_file_that_is_gone_is_404(self):
        url = signing.signed_url("photos/ab/gone.jpg")
        self.assertEqual(self.get(url)[0].status_code, 404)
        traversal = signing.signed_url("../../../etc/hostname")
        self.assertEqual(self.get(traversal)[0].status_code, 404)

    def test_public_files_are_served_by_the_app_without_debug(self):
        self.assertFalse(settings.DEBUG)
        url = storages["public"].url(self.public)
        self.assertEqual(url, "/media/courses/cd/open.jpg")
        response, body = self.get(url)
        self.assertEqual((response.status_code, body), (200, b"course"))
        self.assertIn("max-age=31536000", response["Cache-Control"])

    def test_only_reads_are_answered(self):
        url = storages["private"].url(self.private)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.assertEqual(self.client.delete(f"/media/{self.public}").status_code, 405)
        self.assertTrue((self.root / "private" / self.private).exists())

    @override_settings(MEDIA_ACCEL_REDIRECT="/internal-media/")
    def test_behind_nginx_the_app_checks_and_nginx_streams(self):
        response, body = self.get(storages["private"].url(self.private))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(body, b"")
        self.assertEqual(response["X-Accel-Redirect"], "/internal-media/private/" + self.private)
        response, _body = self.get(f"/files/{self.private}")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("X-Accel-Redirect", response)
        response, _body = self.get(f"/media/{self.public}")
        self.assertEqual(response["X-Accel-Redirect"], "/internal-media/public/" + self.public)


class ByteRangeTests(SimpleTestCase):
    LAST_MODIFIED = "Sun, 06 Dec 2026 20:00:00 GMT"

    def test_the_one_range_asked_for_within_the_file(self):
        cases = {
            "bytes=0-99": (0, 99),
            "bytes=10-10": (10, 10),
            "BYTES=990-": (990, 999),
            "bytes=-5": (995, 999),
            "bytes=-5000": (0, 999),
            "bytes=900-5000": (900, 999),
            " bytes=0-0 ": (0, 0),
        }
        for header, expected in cases.items():
            with self.subTest(header):
                got = byte_range(header, None, size=1000, last_modified=self.LAST_MODIFIED)
                self.assertEqual(got, expected)

    def test_what_is_not_one_valid_range_gets_the_whole_file(self):
        for header in (None, "", "bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=abc",
                       "bytes=-", "bytes 0-1", "bytes=" + "9" * 19 + "-"):  # fmt: skip
            with self.subTest(header):
                self.assertIsNone(
                    byte_range(header, None, size=1000, last_modified=self.LAST_MODIFIED)
                )

    def test_a_range_past_the_end_cannot_be_satisfied(self):
        for header, size in (("bytes=1000-", 1000), ("bytes=-0", 1000), ("bytes=0-", 0),
                             ("bytes=-1", 0)):  # fmt: skip
            with self.subTest(header, size=size), self.assertRaises(RangeNotSatisfiable):
                byte_range(header, None, size=size, last_modified=self.LAST_MODIFIED)

    def test_if_range_honours_the_range_only_for_the_same_version(self):
        same = byte_range(
            "bytes=0-9", self.LAST_MODIFIED, size=100, last_modified=self.LAST_MODIFIED
        )
        self.assertEqual(same, (0, 9))
        for other in ("Sat, 05 Dec 2026 20:00:00 GMT", '"an-etag"'):
            with self.subTest(other):
                self.assertIsNone(
                    byte_range("bytes=0-9", other, size=100, last_modified=self.LAST_MODIFIED)
                )


class RangeServingTests(FileSystemServingTests):
    """Ranges on the app's own file routes, as WSGI (gunicorn) and ASGI (Daphne) serve them.
    The file spans several chunks, so slices cross chunk boundaries."""

    SIZE = 3 * CHUNK_BYTES + 123

    def setUp(self):
        super().setUp()
        self.content = bytes(i % 251 for i in range(self.SIZE))
        self.video = storages["private"].save("videos/ab/lesson.mp4", ContentFile(self.content))
        self.url = storages["private"].url(self.video)

    def get_range(self, header: str, **extra):
        response = self.client.get(self.url, headers={"range": header, **extra})
        return response, b"".join(response.streaming_content) if response.streaming else b""

    def test_a_range_answers_206_with_exactly_those_bytes(self):
        cases = {
            "bytes=0-99": (0, 99),
            f"bytes={CHUNK_BYTES - 10}-{CHUNK_BYTES + 9}": (CHUNK_BYTES - 10, CHUNK_BYTES + 9),
            "bytes=100000-": (100000, self.SIZE - 1),
            "bytes=-500": (self.SIZE - 500, self.SIZE - 1),
        }
        for header, (first, last) in cases.items():
            with self.subTest(header):
                response, body = self.get_range(header)
                self.assertEqual(response.status_code, 206)
                self.assertEqual(body, self.content[first : last + 1])
                self.assertEqual(response["Content-Range"], f"bytes {first}-{last}/{self.SIZE}")
                self.assertEqual(response["Content-Length"], str(last - first + 1))
                self.assertEqual(response["Content-Type"], "video/mp4")
                self.assertTrue(response["Cache-Control"].startswith("private, max-age="))

    def test_the_whole_file_says_it_accepts_ranges(self):
        response, body = self.get(self.url)
        self.assertEqual((response.status_code, body), (200, self.content))
        self.assertEqual(response["Accept-Ranges"], "bytes")
        self.assertEqual(response["Content-Length"], str(self.SIZE))
        self.assertIn("Last-Modified", response)

    def test_past_the_end_is_416_naming_the_size(self):
        response, body = self.get_range(f"bytes={self.SIZE}-")
        self.assertEqual(response.status_code, 416)
        self.assertEqual(response["Content-Range"], f"bytes */{self.SIZE}")
        self.assertEqual(body, b"")

    def test_if_range_for_another_version_gets_the_whole_file(self):
        response, body = self.get_range("bytes=0-9", **{"if-range": '"old"'})
        self.assertEqual((response.status_code, body), (200, self.content))
        last_modified = self.get(self.url)[0]["Last-Modified"]
        response, body = self.get_range("bytes=0-9", **{"if-range": last_modified})
        self.assertEqual((response.status_code, body), (206, self.content[:10]))

    def test_a_range_never_bypasses_the_signature(self):
        response = self.client.get(f"/files/{self.video}", headers={"range": "bytes=0-9"})
        self.assertEqual(response.status_code, 403)

    @override_settings(MEDIA_ACCEL_REDIRECT="/internal-media/")
    def test_behind_nginx_the_range_is_nginxs(self):
        response, body = self.get_range("bytes=0-9")
        self.assertEqual((response.status_code, body), (200, b""))
        self.assertNotIn("Content-Range", response)
        self.assertEqual(response["X-Accel-Redirect"], "/internal-media/private/" + self.video)

    async def test_under_asgi_the_file_streams_chunk_by_chunk(self):
        client = AsyncClient()
        response = await client.get(self.url)
        self.assertTrue(response.is_async)
        chunks = [chunk async for chunk in response.streaming_content]
        self.assertEqual(b"".join(chunks), self.content)
        self.assertEqual([len(c) for c in chunks], [CHUNK_BYTES] * 3 + [123])
        first, last = CHUNK_BYTES - 1, 2 * CHUNK_BYTES
        response = await client.get(self.url, headers={"range": f"bytes={first}-{last}"})
        self.assertEqual(response.status_code, 206)
        body = b"".join([chunk async for chunk in response.streaming_content])
        self.assertEqual(body, self.content[first : last + 1])


class AsgiStreamingTests(FileSystemServingTests):
    """Under ASGI (Daphne) a file is read as it is sent, not whole first: Django reads a
    plain iterator into a list before the first byte goes out. Shown without a clock: the
    file is emptied when its first bytes are sent, so only what was read by then arrives."""

    async def test_each_chunk_is_read_after_the_one_before_it_was_sent(self):
        content = bytes(i % 251 for i in range(5 * CHUNK_BYTES))
        name = storages["private"].save("videos/ab/long.mp4", ContentFile(content))
        path = self.root / "private" / name
        url = urlsplit(storages["private"].url(name))
        sent: list[bytes] = []
        asked = []

        async def receive():
            if not asked:
                asked.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays: the handler ends this wait

        async def send(message):
            if message["type"] == "http.response.start":
                self.assertEqual(message["status"], 200)
            elif message["type"] == "http.response.body":
                if not sent:
                    path.write_bytes(b"")  # the rest of the file is gone from now on
                sent.append(message.get("body", b""))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": url.path,
            "raw_path": url.path.encode(),
            "query_string": url.query.encode(),
            "headers": [(b"host", b"testserver")],
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
        }
        # As Django's test client does: no closing of this thread's database connections
        # around the request (a test with no database may not touch them).
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            await ASGIHandler()(scope, receive, send)
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)

        received = b"".join(sent)
        self.assertEqual(received, content[:CHUNK_BYTES])  # read whole first: all 5 chunks


class S3UrlTests(SimpleTestCase):
    def test_private_urls_are_presigned_for_the_ttl_and_public_ones_plain(self):
        with override_settings(STORAGES=s3_storages()):
            name = storages["private"].save("photos/x.jpg", ContentFile(b"x"))
            url = storages["private"].url(name)
            query = parse_qs(urlsplit(url).query)
            self.assertEqual(query["X-Amz-Expires"], ["600"])
            self.assertIn("X-Amz-Signature", query)
            self.assertIn("/private/photos/x.jpg", url)
            public = storages["public"].url("courses/y.jpg")
            self.assertNotIn("?", public)
            self.assertIn("/public/courses/y.jpg", public)
            # The app's own routes serve nothing from object storage.
            self.assertEqual(self.client.get(signing.signed_url(name)).status_code, 404)

    def test_urls_name_the_address_clients_reach_the_store_at(self):
        with override_settings(STORAGES=s3_storages(public_endpoint_url="http://localhost:9000")):
            self.assertTrue(
                storages["private"].url("photos/x.jpg").startswith("http://localhost:9000/")
            )
            self.assertTrue(
                storages["public"].url("courses/y.jpg").startswith("http://localhost:9000/")
            )


class UploadLimitHandlerTests(SimpleTestCase):
    def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(self):
        handler = UploadLimitHandler(limit=1000)
        handler.handle_raw_input(None, {}, 1000 + FRAMING_BYTES, b"b")  # within: fine
        with self.assertRaises(Invalid) as caught:
            handler.handle_raw_input(None, {}, 1001 + FRAMING_BYTES, b"b")
        self.assertEqual(caught.exception.code, "file_too_large")

    def test_a_file_is_refused_at_the_chunk_that_crosses_the_limit(self):
        handler = UploadLimitHandler(limit=1000)
        handler.new_file("file", "a.png", "image/png", None)
        self.assertEqual(handler.receive_data_chunk(b"x" * 600, 0), b"x" * 600)
        with self.assertRaises(Invalid):
            handler.receive_data_chunk(b"x" * 401, 600)
        handler.new_file("file", "b.png", "image/png", None)  # each file counts afresh
        self.assertEqual(handler.receive_data_chunk(b"x" * 1000, 0), b"x" * 1000)
