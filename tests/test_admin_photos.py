"""Photos on the admin's change pages (§6.7, §6.8): a child's, an instructor's and a
course's photo is shown, replaced and removed there through the same services as the API,
and a refused file is an Arabic error on the form with nothing stored."""

from __future__ import annotations

import io
import urllib.request
from unittest import mock
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import DatabaseError, connection
from django.test import Client, SimpleTestCase, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.csp import page_policy
from courses.models import Course
from courses.tests.factories import CourseFactory
from files.config import media_origins
from files.stored import image_urls
from files.tests.backends import FileSystemBackend, S3Backend
from testkit.admin import admin_form_data
from testkit.images import image_upload, read_image
from tests.test_admin_arabic import english_words, visible_text
from users import photo_services
from users.admin import ChildAdmin
from users.models import Child, CustomUser, Instructor
from users.tests.factories import make_admin, make_child, make_instructor

NOT_AN_IMAGE = "ارفع صورة بصيغة JPEG أو PNG أو WebP."


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def list_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def page_data(page) -> dict:
    """The POST data of a change page as shown: its form and every inline's."""
    data = admin_form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            data.update(admin_form_data(form, prefix=f"{form.prefix}-"))
    return data


def bytes_upload(data: bytes, name: str = "photo.jpg"):
    upload = image_upload(name)
    upload.file = io.BytesIO(data)
    upload.size = len(data)
    return upload


class AdminPhotoCases:
    """Mixed with a storage backend and TestCase below."""

    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin()
        cls.child = make_child(first_name="Amina")
        cls.instructor = make_instructor()
        cls.course = CourseFactory(instructor=cls.instructor)

    def setUp(self):
        super().setUp()
        self.client.force_login(self.staff)

    def post_change(self, obj, **changes):
        url = change_url(obj)
        data = page_data(self.client.get(url))
        data.update(changes)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url, data)

    def stored(self, obj):
        obj = type(obj).objects.get(pk=obj.pk)
        if isinstance(obj, Instructor):
            return obj.user.photo
        return obj.image if isinstance(obj, Course) else obj.photo

    def fetch_url(self, url: str) -> tuple[int, bytes]:
        """GET an image URL of the page as the staff member's browser does."""
        parts = urlsplit(url)
        if not parts.netloc:
            response = Client().get(url)
            body = b"".join(response.streaming_content) if response.streaming else b""
            return response.status_code, body
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - moto's server
            return response.status, response.read()

    def owners(self):
        return (("child", self.child), ("instructor", self.instructor), ("course", self.course))

    # --- shown, set, replaced, removed ----------------------------------------------------

    def test_a_page_without_a_photo_says_so_and_offers_the_file_input(self):
        for name, obj in self.owners():
            with self.subTest(name):
                html = self.client.get(change_url(obj)).content.decode()
                self.assertIn("لا توجد صورة.", html)
                self.assertIn('name="photo_upload"', html)
                self.assertIn('accept="image/jpeg,image/png,image/webp"', html)
                self.assertIn('name="photo_remove"', html)

    def test_staff_set_each_photo_through_its_service(self):
        for name, obj, storage in (
            ("child", self.child, "private"),
            ("instructor", self.instructor, "public"),
            ("course", self.course, "public"),
        ):
            with self.subTest(name):
                before = self.stored_files()
                response = self.post_change(obj, photo_upload=image_upload(size=(900, 300)))
                self.assertEqual(response.status_code, 302, response.content[:3000])
                value = self.stored(obj)
                self.assertEqual(value["storage"], storage)
                # Processed as through the API: scaled copies under random names.
                self.assertEqual((value["width"], value["height"]), (900, 300))
                self.assertNotIn("photo", value["name"].rsplit("/", 1)[-1])
                new = self.stored_files() - before
                self.assertEqual(
                    new, {f"{storage}/{value['name']}", f"{storage}/{value['thumbnail']}"}
                )

    def test_the_page_shows_the_thumbnail_linking_to_the_image(self):
        photo_services.child_photo_set(child=self.child, actor=self.staff, upload=image_upload())
        photo_services.instructor_photo_set(instructor=self.instructor, upload=image_upload())
        for name, obj, signed in (
            ("child", self.child, True),
            ("instructor", self.instructor, False),
            ("course", self.course, False),
        ):
            if name == "course":
                self.post_change(obj, photo_upload=image_upload())
            with self.subTest(name):
                page = self.client.get(change_url(obj))
                html = page.content.decode()
                value = self.stored(obj)
                self.assertIn('class="admin-photo"', html)
                field = page.context["adminform"].model_admin.photo_shown(page.context["original"])
                self.assertIn(value["thumbnail"], field)
                self.assertIn(value["name"], field)
                self.assertEqual("signature=" in field.lower(), signed, field)
                thumb = field.split('src="')[1].split('"')[0].replace("&amp;", "&")
                status, body = self.fetch_url(thumb)
                self.assertEqual(status, 200)
                self.assertLessEqual(max(read_image(body).size), 320)

    def test_replacing_a_photo_removes_the_old_files_after_the_commit(self):
        self.post_change(self.child, photo_upload=image_upload())
        old = self.stored_files()
        self.assertEqual(len(old), 2)
        self.post_change(self.child, photo_upload=image_upload(size=(20, 20)))
        self.assertEqual(len(self.stored_files()), 2)
        self.assertFalse(old & self.stored_files())
        self.assertEqual(self.stored(self.child)["width"], 20)

    def test_removing_a_photo_removes_its_files(self):
        for name, obj in self.owners():
            with self.subTest(name):
                self.post_change(obj, photo_upload=image_upload())
                self.assertEqual(self.post_change(obj, photo_remove="on").status_code, 302)
                self.assertIsNone(self.stored(obj))
        self.assertEqual(self.stored_files(), set())

    def test_a_photo_and_its_removal_together_are_refused(self):
        response = self.post_change(self.child, photo_upload=image_upload(), photo_remove="on")
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "اختر صورة جديدة أو احذف الصورة الحالية، لا الاثنين معًا.",
            visible_text(response.content.decode()),
        )
        self.assertEqual(self.stored_files(), set())

    # --- refused files ---------------------------------------------------------------------

    def test_a_refused_file_is_an_arabic_error_and_nothing_is_stored(self):
        cases = (
            (b"%PDF-1.7\n" + b"0" * 300, NOT_AN_IMAGE),
            (b"", "الملف فارغ."),
            (image_upload(fmt="JPEG", size=(400, 400)).read()[:700], "الصورة تالفة أو غير مكتملة."),
        )
        for name, obj in self.owners():
            self.post_change(obj, photo_upload=image_upload(size=(30, 30)))
        before_files = self.stored_files()
        for name, obj in self.owners():
            before = self.stored(obj)
            for data, sentence in cases:
                with self.subTest(name, sentence=sentence):
                    response = self.post_change(obj, photo_upload=bytes_upload(data))
                    self.assertEqual(response.status_code, 200)
                    errors = response.context["adminform"].form.errors
                    self.assertEqual(errors["photo_upload"], [sentence])
                    self.assertIn(sentence, visible_text(response.content.decode()))
                    self.assertEqual(self.stored(obj), before)
        self.assertEqual(self.stored_files(), before_files)

    def test_a_refused_file_keeps_the_other_changes_unsaved(self):
        response = self.post_change(
            self.child, first_name="Laila", photo_upload=bytes_upload(b"<svg onload=alert(1)>")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Child.objects.get(pk=self.child.pk).first_name, "Amina")
        self.assertFalse(LogEntry.objects.exists())
        self.assertEqual(self.stored_files(), set())

    def test_a_file_over_the_limit_is_refused(self):
        with self.settings(UPLOAD_MAX_MB=1):
            big = bytes_upload(image_upload(fmt="JPEG").read() + b"\0" * (1024 * 1024))
            response = self.post_change(self.course, photo_upload=big)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["adminform"].form.errors["photo_upload"],
            ["حجم الملف أكبر من 1 ميجابايت."],
        )
        self.assertEqual(self.stored_files(), set())

    def test_new_files_are_removed_when_the_save_fails_after_them(self):
        self.post_change(self.child, photo_upload=image_upload())
        before, old = self.stored_files(), self.stored(self.child)
        with (
            mock.patch.object(ChildAdmin, "log_change", side_effect=DatabaseError("disk full")),
            self.assertRaises(DatabaseError),
        ):
            self.post_change(self.child, photo_upload=image_upload(size=(10, 10)))
        self.assertEqual(self.stored_files(), before)
        self.assertEqual(self.stored(self.child), old)

    # --- lists -----------------------------------------------------------------------------

    def test_lists_show_thumbnails_at_a_constant_query_count(self):
        makers = {
            Child: lambda: photo_services.child_photo_set(
                child=make_child(), actor=self.staff, upload=image_upload()
            ),
            Instructor: lambda: photo_services.instructor_photo_set(
                instructor=make_instructor(), upload=image_upload()
            ),
            Course: lambda: self.post_change(CourseFactory(), photo_upload=image_upload()),
        }
        for model, make in makers.items():
            with self.subTest(model._meta.model_name):
                make()
                self.client.get(list_url(model))  # warm the caches
                with CaptureQueriesContext(connection) as one:
                    html = self.client.get(list_url(model)).content.decode()
                self.assertEqual(html.count('class="admin-photo-thumbnail"'), 1)
                for _ in range(4):
                    make()
                with CaptureQueriesContext(connection) as five:
                    html = self.client.get(list_url(model)).content.decode()
                self.assertEqual(html.count('class="admin-photo-thumbnail"'), 5)
                self.assertEqual(len(five), len(one))

    def test_staff_who_may_only_look_see_the_photo_without_the_inputs(self):
        self.post_change(self.child, photo_upload=image_upload())
        with mock.patch.object(ChildAdmin, "has_change_permission", return_value=False):
            html = self.client.get(change_url(self.child)).content.decode()
        self.assertIn('class="admin-photo"', html)
        self.assertNotIn('name="photo_upload"', html)
        self.assertNotIn('name="photo_remove"', html)

    def test_exports_leave_the_thumbnail_out(self):
        self.post_change(self.child, photo_upload=image_upload())
        response = self.client.get(list_url(Child) + "export/csv/")
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        header = body.splitlines()[0]
        self.assertIn("رمز المشارك", header)
        self.assertNotIn("الصورة", header)
        self.assertNotIn("<img", body)

    def test_the_photo_pages_are_arabic(self):
        self.post_change(self.child, photo_upload=image_upload())
        refused = self.post_change(self.course, photo_upload=bytes_upload(b"GIF89a"))
        # The data's own names (the factories' are English) are not the page's words.
        names = {*Course.objects.values_list("name", "season__name").first()}
        for model in (CustomUser, Child):
            for first, last in model.objects.values_list("first_name", "last_name"):
                names.update((first, last))
        names = tuple(sorted(names, key=len, reverse=True))
        for url in (change_url(self.child), list_url(Child), list_url(Instructor)):
            with self.subTest(url):
                text = visible_text(self.client.get(url).content.decode())
                self.assertEqual(english_words(text, names), [], text)
        text = visible_text(refused.content.decode())
        self.assertIn(NOT_AN_IMAGE, text)
        self.assertEqual(english_words(text, names), [], text)


class FileSystemAdminPhotoTests(FileSystemBackend, AdminPhotoCases, TestCase):
    pass


class S3AdminPhotoTests(S3Backend, AdminPhotoCases, TestCase):
    def test_the_pages_may_load_images_from_the_object_store(self):
        photo_services.child_photo_set(child=self.child, actor=self.staff, upload=image_upload())
        options = dict(settings.STORAGES["private"]["OPTIONS"])
        with self.settings(MEDIA_ORIGINS=media_origins(options)):
            page = self.client.get(change_url(self.child))
        thumb = urlsplit(image_urls(self.stored(self.child))["thumbnail_url"])
        img_src = next(
            part
            for part in page["Content-Security-Policy"].split("; ")
            if part.startswith("img-src")
        )
        self.assertEqual(img_src, f"img-src 'self' data: {thumb.scheme}://{thumb.netloc}")


class MediaOriginTests(SimpleTestCase):
    def test_the_origins_of_each_storage(self):
        self.assertEqual(media_origins(None), [])
        self.assertEqual(
            media_origins({"endpoint_url": "http://minio:9000", "public_endpoint_url": ""}),
            ["http://minio:9000"],
        )
        self.assertEqual(
            media_origins(
                {
                    "endpoint_url": "http://minio:9000",
                    "public_endpoint_url": "https://files.example.eg/store",
                }
            ),
            ["https://files.example.eg"],
        )
        self.assertEqual(media_origins({"bucket_name": "b"}), ["https://*.amazonaws.com"])

    def test_without_object_storage_the_pages_load_images_from_this_origin_only(self):
        self.assertEqual(settings.MEDIA_ORIGINS, [])
        self.assertIn("img-src 'self' data:;", page_policy())
