"""A lesson's video and materials uploaded on its admin page (§6.10): stored by the
services of the API's upload endpoints, refused with their Arabic words under the file
input with nothing kept (rows or files), and bounded while the body is read."""

from __future__ import annotations

import re
from html import unescape
from unittest import mock

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import DatabaseError
from django.test import Client, TestCase, override_settings

from files.tests.backends import FileSystemBackend
from online_courses.admin import LessonAdmin, LessonMaterialInline
from online_courses.models import Lesson, LessonMaterial, VideoProvider
from online_courses.tests.base import DOCX_MAIN, MP4_HEAD, PDF, mp4, office, upload, webm
from online_courses.tests.factories import LessonFactory
from testkit.admin import admin_form_data
from testkit.images import image_bytes
from tests.test_admin_arabic import english_words, visible_text
from users.tests.factories import make_admin

NOT_A_VIDEO = "ارفع فيديو بصيغة MP4 أو WebM."
NOT_A_MATERIAL = "ارفع ملف PDF أو صورة (JPEG أو PNG أو WebP) أو ملف Word أو Excel أو PowerPoint."
TOO_LARGE = "حجم الملف أكبر من 1 ميجابايت."
MB = 1024 * 1024


def links(html: str) -> list[str]:
    """The signed links of the page's files ("فتح الملف")."""
    return [
        unescape(href)
        for href in re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener">فتح الملف', html)
    ]


class ReceivedBytes:
    """Counts the bytes the temporary-file handler is handed (what is kept of a file)."""

    def __enter__(self):
        self.count = 0
        original = TemporaryFileUploadHandler.receive_data_chunk

        def counting(handler, raw_data, start):
            self.count += len(raw_data)
            return original(handler, raw_data, start)

        self.patch = mock.patch.object(
            TemporaryFileUploadHandler, "receive_data_chunk", autospec=True, side_effect=counting
        )
        self.patch.start()
        return self

    def __exit__(self, *exc):
        self.patch.stop()


class LessonUploadTests(FileSystemBackend, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin()
        cls.lesson = LessonFactory(title="Alif")

    def setUp(self):
        super().setUp()
        self.client.force_login(self.staff)
        self.url = f"/courses-admin/online_courses/lesson/{self.lesson.pk}/change/"

    def post(self, *, materials=(), client=None, **changes):
        """The page's form as shown, with ``changes`` and a new row per ``(file, title)``."""
        client = client or self.client
        page = client.get(self.url)
        data = admin_form_data(page.context["adminform"].form)
        [inline] = page.context["inline_admin_formsets"]
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"materials-{key}"] = value
        for form in formset.forms:
            data.update(admin_form_data(form, prefix=f"{form.prefix}-"))
        first = formset.initial_form_count()
        for index, (file, title) in enumerate(materials, start=first):
            data[f"materials-{index}-upload"] = file
            data[f"materials-{index}-title"] = title
        data["materials-TOTAL_FORMS"] = max(len(formset.forms), first + len(materials))
        if "csrftoken" in client.cookies:
            data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
        data.update(changes)
        with self.captureOnCommitCallbacks(execute=True):
            return client.post(self.url, data)

    def fetch(self, url: str) -> tuple[int, bytes]:
        """GET a signed link of the page as the staff member's browser does."""
        response = Client().get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body

    def row_errors(self, response, row: int) -> dict:
        [inline] = response.context["inline_admin_formsets"]
        return inline.formset.forms[row].errors

    def assert_unchanged(self):
        lesson = Lesson.objects.get(pk=self.lesson.pk)
        self.assertEqual(
            (lesson.title, lesson.video_provider, lesson.video_file), ("Alif", "youtube", "")
        )
        self.assertFalse(LessonMaterial.objects.exists())
        self.assertEqual(self.stored_files(), set())

    # --- the page ---------------------------------------------------------------------------

    def test_the_page_offers_a_video_input_and_a_row_for_a_material_in_arabic(self):
        page = self.client.get(self.url)
        html = page.content.decode()
        self.assertIn('name="video_upload"', html)
        self.assertIn('accept="video/mp4,video/webm"', html)
        self.assertIn('name="materials-0-upload"', html)
        self.assertIn('enctype="multipart/form-data"', html)
        text = visible_text(html)
        for sentence in ("ملف فيديو جديد", "اختر فيديو", "لا يوجد فيديو مرفوع.", "اختر ملفًا"):
            self.assertIn(sentence, text)
        self.assertIn("عند الحفظ يصبح فيديو الدرس بدل الفيديو الحالي", text)
        self.assertIn("أضف سطرًا لكل ملف جديد", html)  # the column's help (a tooltip)
        names = (
            "Alif",
            self.lesson.online_course.title,
            "dQw4w9WgXcQ",
            self.staff.first_name,
            self.staff.last_name,
        )
        self.assertEqual(english_words(text, names), [], text)

    def test_staff_who_may_only_look_open_the_files_without_the_inputs(self):
        self.assertEqual(self.post(materials=[(upload("a.pdf", PDF), "")]).status_code, 302)
        with (
            mock.patch.object(LessonAdmin, "has_change_permission", return_value=False),
            mock.patch.object(LessonMaterialInline, "has_change_permission", return_value=False),
            mock.patch.object(LessonMaterialInline, "has_add_permission", return_value=False),
        ):
            html = self.client.get(self.url).content.decode()
        self.assertNotIn('type="file"', html)
        [link] = links(html)
        self.assertEqual(self.fetch(link), (200, PDF))

    # --- the video --------------------------------------------------------------------------

    def test_a_video_file_becomes_the_lessons_video_and_opens_from_its_link(self):
        response = self.post(video_upload=mp4(name="clip.bin"), title="Alif 2")

        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        lesson = Lesson.objects.get(pk=self.lesson.pk)
        self.assertEqual(
            (lesson.title, lesson.video_provider, lesson.video_id, lesson.video_content_type),
            ("Alif 2", "file", "", "video/mp4"),
        )
        self.assertEqual(lesson.video_size, len(MP4_HEAD) + 4096)
        (stored,) = self.stored_files()
        self.assertEqual(stored, f"private/{lesson.video_file}")
        self.assertRegex(stored, r"^private/online-courses/videos/\w\w/\w{32}\.mp4$")
        [link] = links(self.client.get(self.url).content.decode())
        self.assertIn("signature=", link)
        status, body = self.fetch(link)
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(MP4_HEAD))

        # A new one replaces it; the old file goes after the commit.
        self.assertEqual(self.post(video_upload=webm()).status_code, 302)
        (replaced,) = self.stored_files()
        self.assertTrue(replaced.endswith(".webm"))

    def test_a_hosted_video_in_place_of_the_uploaded_one_removes_its_file(self):
        self.assertEqual(self.post(video_upload=mp4()).status_code, 302)
        self.assertEqual(len(self.stored_files()), 1)

        response = self.post(video_provider="youtube", video_id="dQw4w9WgXcQ")

        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        lesson = Lesson.objects.get(pk=self.lesson.pk)
        self.assertEqual(
            (lesson.video_provider, lesson.video_id, lesson.video_file),
            ("youtube", "dQw4w9WgXcQ", ""),
        )
        self.assertEqual(self.stored_files(), set())  # as lesson_update does for the API

    def test_a_video_id_not_of_its_provider_is_refused_under_the_id(self):
        for provider, video_id in (("youtube", "../../evil"), ("bunny", "dQw4w9WgXcQ")):
            with self.subTest(provider):
                response = self.post(video_provider=provider, video_id=video_id, title="x")
                self.assertEqual(response.status_code, 200)
                form = response.context["adminform"].form
                self.assertEqual(len(form.errors["video_id"]), 1)
                self.assertIn("هذا ليس معرّف فيديو على", form.errors["video_id"][0])
                self.assertEqual(Lesson.objects.get(pk=self.lesson.pk).title, "Alif")

    def test_the_uploaded_file_provider_may_be_chosen_with_the_file(self):
        response = self.post(video_upload=mp4(), video_provider=VideoProvider.FILE, video_id="")
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        self.assertEqual(Lesson.objects.get(pk=self.lesson.pk).video_provider, "file")

    def test_the_uploaded_file_provider_without_a_file_is_refused_on_the_form(self):
        for provider, video_id in ((VideoProvider.FILE, ""), (VideoProvider.VIMEO, "")):
            with self.subTest(provider):
                response = self.post(video_provider=provider, video_id=video_id)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(
                    response.context["adminform"].form.non_field_errors(),
                    ["يحتاج فيديو الدرس إلى معرّف الفيديو لدى المزود، أو إلى ملف مرفوع."],
                )
                self.assert_unchanged()

    def test_a_file_with_another_providers_new_id_is_refused(self):
        response = self.post(video_upload=mp4(), video_provider="vimeo", video_id="76979871")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["adminform"].form.errors["video_upload"],
            ["ارفع ملف فيديو أو أدخل معرّف الفيديو لدى مزوده، لا الاثنين معًا."],
        )
        self.assert_unchanged()

    def test_a_file_that_is_not_a_video_is_an_arabic_error_under_its_input(self):
        for file in (
            upload("lesson.mp4", b"just some text, not a video" * 10, "video/mp4"),
            upload("lesson.webm", PDF, "video/webm"),
            upload("lesson.mp4", b"", "video/mp4"),
        ):
            with self.subTest(file.name, size=file.size):
                response = self.post(video_upload=file, title="Changed")
                self.assertEqual(response.status_code, 200)
                form = response.context["adminform"].form
                self.assertEqual(form.errors["video_upload"], [NOT_A_VIDEO])
                self.assertIn(NOT_A_VIDEO, visible_text(response.content.decode()))
                self.assert_unchanged()

    # --- materials --------------------------------------------------------------------------

    def test_new_rows_add_materials_that_open_from_their_links(self):
        response = self.post(
            materials=[
                (upload("sheet.pdf", PDF), "ورقة العمل"),
                (upload("board.png", image_bytes()), ""),
            ]
        )

        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        rows = list(
            LessonMaterial.objects.filter(lesson=self.lesson)
            .order_by("id")
            .values_list("title", "original_name", "content_type", "size")
        )
        self.assertEqual(
            rows,
            [
                ("ورقة العمل", "sheet.pdf", "application/pdf", len(PDF)),
                ("", "board.png", "image/png", len(image_bytes())),
            ],
        )
        stored = self.stored_files()
        self.assertEqual(len(stored), 2)
        self.assertTrue(
            all(name.startswith("private/online-courses/materials/") for name in stored)
        )
        page = self.client.get(self.url).content.decode()
        pdf_link, png_link = links(page)
        self.assertEqual(self.fetch(pdf_link), (200, PDF))
        self.assertEqual(self.fetch(png_link)[0], 200)

    def test_a_refused_material_is_an_arabic_error_on_its_row(self):
        macro = office(DOCX_MAIN, extra={"word/vbaProject.bin": b"\0" * 10})
        for file in (upload("macro.docx", macro), upload("clip.pdf", mp4().read())):
            with self.subTest(file.name):
                response = self.post(materials=[(file, "Sheet")])
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.row_errors(response, 0)["upload"], [NOT_A_MATERIAL])
                self.assertIn(NOT_A_MATERIAL, visible_text(response.content.decode()))
                self.assert_unchanged()

    def test_a_title_without_a_file_asks_for_the_file(self):
        response = self.post(materials=[("", "Sheet")])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.row_errors(response, 0)["upload"], ["هذا الحقل مطلوب."])
        self.assert_unchanged()

    def test_a_refused_row_removes_the_files_stored_before_it(self):
        macro = office(DOCX_MAIN, extra={"word/vbaProject.bin": b"\0" * 10})
        response = self.post(
            materials=[(upload("a.pdf", PDF), ""), (upload("macro.docx", macro), "")],
            video_upload=mp4(),
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.row_errors(response, 0), {})
        self.assertEqual(self.row_errors(response, 1)["upload"], [NOT_A_MATERIAL])
        self.assert_unchanged()

    def test_files_are_removed_when_the_save_fails_after_them(self):
        with (
            mock.patch.object(LessonAdmin, "log_change", side_effect=DatabaseError("disk full")),
            self.assertRaises(DatabaseError),
        ):
            self.post(materials=[(upload("a.pdf", PDF), "")], video_upload=mp4())
        self.assert_unchanged()

    def test_a_lesson_holds_at_most_twenty_materials(self):
        for n in range(20):
            self.lesson.materials.create(
                original_name=f"{n}.pdf", file=f"m/{n}.pdf", size=1, content_type="application/pdf"
            )
        response = self.post(materials=[(upload("a.pdf", PDF), "")])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.row_errors(response, 20)["upload"], ["للدرس 20 ملفات مرفقة على الأكثر."]
        )
        self.assertEqual(self.lesson.materials.count(), 20)
        self.assertEqual(self.stored_files(), set())
        # Deleting one makes room in the same save.
        response = self.post(
            materials=[(upload("a.pdf", PDF), "New")], **{"materials-0-DELETE": "on"}
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        self.assertEqual(self.lesson.materials.count(), 20)
        self.assertTrue(self.lesson.materials.filter(title="New").exists())

    # --- the bounds -------------------------------------------------------------------------

    @override_settings(LESSON_VIDEO_MAX_MB=1, FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
    def test_a_video_over_the_limit_is_dropped_as_it_is_read_and_refused_under_its_input(self):
        # The CSRF middleware reads the body of an admin POST first, as in production.
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.staff)
        client.get(self.url)
        with ReceivedBytes() as kept:
            response = self.post(client=client, video_upload=mp4(size=3 * MB), title="Changed")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["adminform"].form.errors["video_upload"], [TOO_LARGE])
        self.assertIn(TOO_LARGE, visible_text(response.content.decode()))
        # No more than the limit was ever written to the temporary file.
        self.assertGreater(kept.count, 0)
        self.assertLessEqual(kept.count, MB)
        self.assert_unchanged()

    @override_settings(LESSON_MATERIAL_MAX_MB=1, FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
    def test_a_material_over_the_limit_is_refused_on_its_row(self):
        with ReceivedBytes() as kept:
            response = self.post(materials=[(upload("big.pdf", PDF + b"\0" * (2 * MB)), "")])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.row_errors(response, 0)["upload"], [TOO_LARGE])
        self.assertLessEqual(kept.count, MB)
        self.assert_unchanged()

    @override_settings(LESSON_VIDEO_MAX_MB=1, LESSON_MATERIAL_MAX_MB=1)
    def test_a_body_over_the_pages_total_is_refused_before_it_is_read(self):
        # 1 MB of video and 20 materials of 1 MB: 21 MB (and the framing) at most.
        response = self.client.post(
            self.url, {"video_upload": mp4()}, CONTENT_LENGTH=str(22 * MB), follow=True
        )
        first = response.redirect_chain[0]
        self.assertEqual(first, (self.url, 302))
        self.assertFalse(response.wsgi_request.environ["wsgi.input"].read_started)
        self.assertIn(
            "حجم الملفات المرسلة معًا أكبر من 21 ميجابايت.", visible_text(response.content.decode())
        )
        self.assert_unchanged()

    def test_a_post_without_the_csrf_token_is_refused(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.staff)
        client.get(self.url)
        # The page's URL is exempt from the middleware's check, not from the admin's own.
        response = client.post(self.url, {"video_upload": mp4(), "title": "x"})
        self.assertEqual(response.status_code, 403)
        self.assert_unchanged()
        self.assertEqual(self.post(client=client, video_upload=mp4()).status_code, 302)

    @override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
    def test_a_visitor_who_is_not_staff_gets_no_room_for_a_file(self):
        # The CSRF middleware reads an anonymous POST's body too, as in production.
        visitor = Client(enforce_csrf_checks=True)
        response = visitor.post(self.url, {"video_upload": mp4(size=MB)})
        self.assertFalse(response.wsgi_request.environ["wsgi.input"].read_started)
        self.assertEqual(response.status_code, 302)
        with ReceivedBytes() as kept:
            visitor.post(self.url, {"video_upload": mp4(size=1000)})
        self.assertEqual(kept.count, 0)
        self.assert_unchanged()
