"""Serving stored files: the app's signed URLs for private files on the filesystem, the
public files under MEDIA_URL, X-Accel-Redirect for nginx, S3's own URLs, and the upload
limit handler."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import SimpleTestCase, override_settings

from core.errors import Invalid
from files import signing
from files.config import media_storages
from files.uploads import FRAMING_BYTES, UploadLimitHandler
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
