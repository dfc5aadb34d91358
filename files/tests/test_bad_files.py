"""Bad files sent to the photo endpoints (§6.8), on the filesystem and on S3 (moto's server).

Each file goes to a child's photo (private) and a course's image (public) that already
hold a photo. A refused file answers 400 with its code and leaves the storage exactly as
it was and the owner's photo unchanged; an accepted one is judged by its content, and what
is stored is the image decoded and encoded again, with nothing that rode along.
"""

from __future__ import annotations

import io
import zipfile

from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APITestCase

from courses.models import Course
from courses.tests.factories import CourseFactory
from files.stored import stored_names
from files.tests.backends import FileSystemBackend, S3Backend
from files.tests.test_images import jpeg_with_header_size, png_with_header_size
from testkit.images import image_bytes, image_upload, read_image
from users.models import Child
from users.tests.factories import make_admin, make_child

MARKER = b"PAYLOAD-7f3a91"

SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/auth/users/me/').then(r => r.text()).then(alert)</script>"
    b'<rect width="10" height="10"/></svg>'
)
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", b"<script>alert(1)</script>" + MARKER)
    return out.getvalue()


def polyglot() -> bytes:
    """A real JPEG, then an HTML page, then a ZIP archive (each carrying MARKER)."""
    jpeg = image_bytes(fmt="JPEG", size=(120, 80))
    html = b"<html><body><script>alert(document.cookie)</script>" + MARKER + b"</body></html>"
    return jpeg + html + zip_bytes()


def truncated_jpeg() -> bytes:
    data = image_bytes(fmt="JPEG", size=(400, 300))
    return data[: len(data) // 3]


# name, content type, bytes, the code of the refusal
REFUSED = {
    "zero bytes": ("photo.jpg", "image/jpeg", b"", "image_invalid"),
    "an SVG with a script": ("photo.svg", "image/svg+xml", SVG, "file_type_not_allowed"),
    "an SVG named .png": ("photo.png", "image/png", SVG, "file_type_not_allowed"),
    "a PDF": ("photo.pdf", "application/pdf", PDF, "file_type_not_allowed"),
    "a PDF named .jpg": ("photo.jpg", "image/jpeg", PDF, "file_type_not_allowed"),
    "a ZIP named .jpg": ("photo.jpg", "image/jpeg", zip_bytes(), "file_type_not_allowed"),
    "a truncated JPEG": ("photo.jpg", "image/jpeg", truncated_jpeg(), "image_invalid"),
    "a 30000 x 30000 PNG bomb": (
        "bomb.png",
        "image/png",
        png_with_header_size(30_000, 30_000),
        "image_invalid",
    ),
    "a 30000 x 30000 JPEG bomb": (
        "bomb.jpg",
        "image/jpeg",
        jpeg_with_header_size(30_000, 30_000),
        "image_invalid",
    ),
}


class BadFileCases:
    """Mixed with a storage backend and APITestCase below."""

    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        cls.child = make_child()
        cls.course = CourseFactory()

    def setUp(self):
        super().setUp()
        self.client.force_authenticate(self.admin)
        # Both owners hold a photo already: a refusal must leave it as it is.
        for url in self.urls():
            with self.captureOnCommitCallbacks(execute=True):
                self.assertEqual(self.put(url, image_upload()).status_code, 200)

    def urls(self) -> list[str]:
        return [f"/api/children/{self.child.pk}/photo/", f"/api/courses/{self.course.pk}/image/"]

    def put(self, url: str, upload):
        return self.client.put(url, {"file": upload}, format="multipart")

    def photos(self) -> tuple:
        return (
            Child.objects.get(pk=self.child.pk).photo,
            Course.objects.get(pk=self.course.pk).image,
        )

    def stored_bytes(self, value: dict) -> list[bytes]:
        found = []
        for alias, name in stored_names(value):
            with storages[alias].open(name, "rb") as stored:
                found.append(stored.read())
        return found

    def assertRefusedAndNothingStored(self, send, code: str) -> None:
        files, photos = self.stored_files(), self.photos()
        for url in self.urls():
            with self.captureOnCommitCallbacks(execute=True):
                response = send(url)
            self.assertEqual(response.status_code, 400, response.content[:500])
            self.assertEqual(response.json()["code"], code)
            self.assertIn("file", response.json())
        self.assertEqual(self.stored_files(), files)
        self.assertEqual(self.photos(), photos)

    # --- refused ---------------------------------------------------------------------------

    def test_each_bad_file_is_refused_with_its_code_and_nothing_is_stored(self):
        for case, (name, content_type, data, code) in REFUSED.items():
            with self.subTest(case):
                self.assertRefusedAndNothingStored(
                    lambda url, n=name, t=content_type, d=data: self.put(
                        url, SimpleUploadedFile(n, d, content_type=t)
                    ),
                    code,
                )

    def test_a_50_mb_body_is_refused_as_too_large_and_nothing_is_stored(self):
        # A real JPEG padded to 50 MB: the limit (10 MB) is judged before it is read.
        data = image_bytes(fmt="JPEG", size=(64, 64))
        data += b"\0" * (50 * 1024 * 1024 - len(data))
        self.assertRefusedAndNothingStored(
            lambda url: self.put(url, SimpleUploadedFile("big.jpg", data, "image/jpeg")),
            "file_too_large",
        )

    # --- accepted: the content decides, and only pixels are kept ----------------------------

    def test_a_png_named_jpg_is_accepted_and_stored_as_a_png(self):
        data = image_bytes(fmt="PNG", size=(90, 60))
        for url in self.urls():
            with self.subTest(url), self.captureOnCommitCallbacks(execute=True):
                response = self.put(url, SimpleUploadedFile("photo.jpg", data, "image/jpeg"))
                self.assertEqual(response.status_code, 200, response.content[:500])
                self.assertEqual((response.json()["width"], response.json()["height"]), (90, 60))
        for value in self.photos():
            self.assertTrue(value["name"].endswith(".png"), value)
            self.assertTrue(value["thumbnail"].endswith(".png"), value)
            for stored in self.stored_bytes(value):
                self.assertEqual(read_image(stored).format, "PNG")
        self.assertEqual(len(self.stored_files()), 4, "the replaced files are gone")

    def test_a_jpeg_carrying_html_and_a_zip_is_accepted_without_the_payload(self):
        data = polyglot()
        self.assertIn(MARKER, data)
        for url in self.urls():
            with self.subTest(url), self.captureOnCommitCallbacks(execute=True):
                response = self.put(url, SimpleUploadedFile("photo.jpg", data, "image/jpeg"))
                self.assertEqual(response.status_code, 200, response.content[:500])
                self.assertEqual((response.json()["width"], response.json()["height"]), (120, 80))
        self.assertEqual(len(self.stored_files()), 4)
        for value in self.photos():
            for stored in self.stored_bytes(value):
                self.assertEqual(read_image(stored).format, "JPEG")
                for payload in (MARKER, b"<script", b"<html", b"PK\x03\x04", b"PK\x05\x06"):
                    self.assertNotIn(payload, stored)
                # Nothing after the image's end marker.
                self.assertTrue(stored.endswith(b"\xff\xd9"))


class FileSystemBadFileTests(FileSystemBackend, BadFileCases, APITestCase):
    pass


class S3BadFileTests(S3Backend, BadFileCases, APITestCase):
    pass
