"""Uploads of online courses: the catalogue image, a lesson's video and its materials —
judged by their content, bounded, private (but the image), replaced files removed."""

from __future__ import annotations

from unittest import mock

from django.core.files.storage import storages
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import override_settings
from rest_framework.test import APITestCase

from files.tests.backends import FileSystemBackend
from online_courses.models import LessonMaterial
from online_courses.tests.base import (
    DOCX_MAIN,
    PDF,
    XLSX_MAIN,
    OnlineCases,
    mp4,
    office,
    opendocument,
    upload,
    webm,
)
from testkit.images import image_bytes, image_upload


class UploadCases(FileSystemBackend, OnlineCases, APITestCase):
    def setUp(self):
        super().setUp()
        self.as_user("admin")

    def put_video(self, file, lesson=None):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.put(
                self.url("lessons", (lesson or self.lesson4).pk, "video"),
                {"file": file},
                format="multipart",
            )

    def post_material(self, file, **extra):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                self.url("lessons", self.lesson2.pk, "materials"),
                {"file": file, **extra},
                format="multipart",
            )

    # --- the image ----------------------------------------------------------------------

    def test_the_catalogue_image_is_public_and_shown_on_the_course(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.put(
                self.url("image"), {"file": image_upload(size=(300, 200))}, format="multipart"
            )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(all(name.startswith("public/") for name in self.stored_files()))
        self.client.force_authenticate(None)
        image = self.client.get(self.url()).json()["image"]
        self.assertEqual((image["width"], image["height"]), (300, 200))
        listed = self.client.get("/api/online-courses/").json()["results"][0]["image"]
        self.assertEqual(listed["url"], image["url"])
        self.as_user("admin")
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.client.delete(self.url("image")).status_code, 204)
        self.assertEqual(self.stored_files(), set())

    def test_only_admins_set_the_image(self):
        self.as_user("instructor")
        response = self.client.put(self.url("image"), {"file": image_upload()}, format="multipart")
        self.assertEqual(response.status_code, 403)

    # --- the video ----------------------------------------------------------------------

    def test_an_mp4_becomes_the_lessons_private_video(self):
        response = self.put_video(mp4(name="whatever.bin"))
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["video"], {"provider": "file", "video_id": ""})
        self.assertEqual(body["playback"]["provider"], "file")
        (stored,) = self.stored_files()
        self.assertTrue(
            stored.startswith("private/online-courses/videos/") and stored.endswith(".mp4")
        )
        self.lesson4.refresh_from_db()
        self.assertEqual(
            (self.lesson4.video_provider, self.lesson4.video_content_type, self.lesson4.video_id),
            ("file", "video/mp4", ""),
        )
        status, content = self.fetch(body["playback"]["url"])
        self.assertEqual(status, 200)
        self.assertTrue(content.startswith(b"\x00\x00\x00\x18ftyp"))
        status, _ = self.fetch(body["playback"]["url"].split("?")[0])
        self.assertIn(status, (403, 404))

    def test_a_new_video_replaces_the_old_file(self):
        self.put_video(mp4())
        response = self.put_video(webm())
        self.assertEqual(response.status_code, 200)
        (stored,) = self.stored_files()
        self.assertTrue(stored.endswith(".webm"))
        # And a hosted video replaces an uploaded one, whose file goes.
        with self.captureOnCommitCallbacks(execute=True):
            self.client.patch(
                self.url("lessons", self.lesson4.pk),
                {"video": {"provider": "youtube", "video_id": "dQw4w9WgXcQ"}},
                format="json",
            )
        self.assertEqual(self.stored_files(), set())

    def test_a_file_that_is_not_a_video_is_refused_whatever_its_name(self):
        for file in (
            upload("lesson.mp4", b"just some text, not a video" * 10, "video/mp4"),
            upload("lesson.webm", PDF, "video/webm"),
            upload("lesson.mp4", b"", "video/mp4"),
        ):
            with self.subTest(name=file.name, head=file.read(8)):
                file.seek(0)
                response = self.put_video(file)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["code"], "file_type_not_allowed")
        self.assertEqual(self.stored_files(), set())
        self.lesson4.refresh_from_db()
        self.assertEqual(self.lesson4.video_provider, "youtube")

    @override_settings(LESSON_VIDEO_MAX_MB=1)
    def test_a_video_over_the_limit_is_refused_before_it_is_stored(self):
        response = self.put_video(mp4(size=1024 * 1024 + 10))
        self.assertEqual((response.status_code, response.json()["code"]), (400, "file_too_large"))
        self.assertIn("1 ", response.json()["detail"])
        self.assertEqual(self.stored_files(), set())

    @override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
    def test_a_large_video_is_streamed_from_a_temporary_file_to_the_storage(self):
        private = storages["private"]
        with mock.patch.object(
            type(private), "save", autospec=True, side_effect=type(private).save
        ) as save:
            response = self.put_video(mp4(size=64 * 1024))
        self.assertEqual(response.status_code, 200)
        handed = save.call_args.args[2]
        self.assertIsInstance(handed, TemporaryUploadedFile)

    def test_only_admins_upload_videos_and_no_file_is_400(self):
        response = self.client.put(
            self.url("lessons", self.lesson4.pk, "video"), {}, format="multipart"
        )
        self.assertEqual((response.status_code, response.json()["code"]), (400, "invalid"))
        self.as_user("student")
        self.assertEqual(self.put_video(mp4()).status_code, 403)
        self.as_user("admin")
        response = self.client.put(
            self.url("lessons", self.lesson4.pk, "video"), {"file": "x"}, format="json"
        )
        self.assertEqual(response.status_code, 415)

    # --- materials ----------------------------------------------------------------------

    def test_pdfs_images_and_office_documents_are_taken_by_their_content(self):
        for file, content_type in (
            (upload("notes.txt", PDF), "application/pdf"),
            (upload("a.png", image_bytes()), "image/png"),
            (upload("sheet.docx", office(DOCX_MAIN)), DOCX_MAIN.removesuffix(".main+xml")),
            (upload("sheet.bin", office(XLSX_MAIN)), XLSX_MAIN.removesuffix(".main+xml")),
            (
                upload("text.odt", opendocument("application/vnd.oasis.opendocument.text")),
                "application/vnd.oasis.opendocument.text",
            ),
        ):
            with self.subTest(name=file.name):
                response = self.post_material(file, title="Sheet")
                self.assertEqual(response.status_code, 201, response.content)
                self.assertEqual(response.json()["content_type"], content_type)
                self.assertEqual(response.json()["original_name"], file.name)
        stored = self.stored_files()
        self.assertEqual(len(stored), 5)
        self.assertTrue(
            all(name.startswith("private/online-courses/materials/") for name in stored)
        )

    def test_other_files_are_refused(self):
        macro = office(DOCX_MAIN, extra={"word/vbaProject.bin": b"\0" * 10})
        for file in (
            upload("virus.pdf", b"MZ\x90\x00" + b"\0" * 100),
            upload("archive.docx", office("application/zip")),
            upload("macro.docx", macro),
            upload("broken.docx", b"PK\x03\x04" + b"\0" * 40),
            upload("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
            upload("clip.mp4", mp4().read()),
        ):
            with self.subTest(name=file.name):
                response = self.post_material(file)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["code"], "file_type_not_allowed")
        self.assertEqual(self.stored_files(), set())

    @override_settings(LESSON_MATERIAL_MAX_MB=1)
    def test_a_material_over_the_limit_is_refused(self):
        response = self.post_material(upload("big.pdf", PDF + b"\0" * (1024 * 1024)))
        self.assertEqual((response.status_code, response.json()["code"]), (400, "file_too_large"))

    def test_a_material_is_deleted_with_its_file(self):
        material = self.post_material(upload("a.pdf", PDF)).json()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.delete(
                self.url("lessons", self.lesson2.pk, "materials", material["id"])
            )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.stored_files(), set())
        self.assertFalse(LessonMaterial.objects.filter(pk=material["id"]).exists())
        # Another lesson's material is not found under this one.
        response = self.client.delete(
            self.url("lessons", self.lesson4.pk, "materials", self.material.pk)
        )
        self.assertEqual(response.status_code, 404)

    def test_a_lesson_holds_at_most_twenty_materials(self):
        for _ in range(19):
            self.assertEqual(self.post_material(upload("a.pdf", PDF)).status_code, 201)
        response = self.post_material(upload("a.pdf", PDF))
        self.assertEqual(
            (response.status_code, response.json()["code"]), (400, "too_many_materials")
        )
        self.assertEqual(len(self.stored_files()), 19)

    def test_deleting_a_lesson_removes_its_files(self):
        self.put_video(mp4())
        self.post_material(upload("a.pdf", PDF))
        self.assertEqual(len(self.stored_files()), 2)
        lesson = self.lesson4
        lesson.materials.create(
            original_name="b.pdf", file=self.lesson2.materials.last().file, size=1, content_type="x"
        )
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.client.delete(self.url("lessons", lesson.pk)).status_code, 204)
        self.assertEqual(len(self.stored_files()), 0)
