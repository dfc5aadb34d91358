"""The photo endpoints of §6.8, each run on the filesystem and on S3 (moto's server).

Users (/auth/users/me/photo/), children (/api/children/{id}/photo/), instructors (their
own photo and /api/instructors/{id}/photo/) and courses (/api/courses/{id}/image/): who
may, what the representation says, where the files go, and that replaced, removed or
refused files leave nothing behind.
"""

from __future__ import annotations

import io
from unittest import mock

from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.test import APITestCase

from courses.models import Course
from courses.tests.factories import CourseFactory
from files.tests.backends import FileSystemBackend, S3Backend
from testkit.images import gps_exif, image_upload, read_image
from users.models import Child, CustomUser
from users.tests.factories import make_child, make_instructor
from users.tests.personas import PersonasMixin


class PhotoEndpointCases(PersonasMixin):
    """The cases; mixed with a backend and APITestCase below."""

    def as_user(self, who):
        # Fresh from the database, as the JWT authentication reads it on every request.
        user = self.personas.user(who)
        self.client.force_authenticate(user and CustomUser.objects.get(pk=user.pk))
        return user

    def put(self, who: str | None, url: str, upload=None):
        self.as_user(who)
        return self.client.put(url, {"file": upload or image_upload()}, format="multipart")

    def delete(self, who: str | None, url: str):
        self.as_user(who)
        return self.client.delete(url)

    def child_url(self, child=None) -> str:
        return f"/api/children/{(child or self.child).pk}/photo/"

    def put_child_photo(self, who="parent", **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return self.put(who, self.child_url(), image_upload(**kwargs))

    # --- children ------------------------------------------------------------------------

    def test_a_parent_sets_a_childs_photo_and_sees_it_on_the_child(self):
        response = self.put_child_photo(size=(300, 200))
        self.assertEqual(response.status_code, 200, response.content)
        photo = response.json()
        self.assertEqual(set(photo), {"url", "thumbnail_url", "width", "height"})
        self.assertEqual((photo["width"], photo["height"]), (300, 200))
        self.assertEqual(len(self.stored_files()), 2)
        self.assertTrue(all(name.startswith("private/") for name in self.stored_files()))

        self.as_user("linked_parent")
        shown = self.client.get(f"/api/children/{self.child.pk}/").json()["photo"]
        self.assertEqual((shown["width"], shown["height"]), (300, 200))
        status, body = self.fetch(shown["url"])
        self.assertEqual(status, 200)
        self.assertEqual(read_image(body).size, (300, 200))
        status, body = self.fetch(shown["thumbnail_url"])
        self.assertEqual(status, 200)
        self.assertEqual(max(read_image(body).size), 300)  # under 320: not enlarged

    def test_a_childs_photo_is_never_served_without_its_signature(self):
        url = self.put_child_photo().json()["url"]
        status, _body = self.fetch(url.split("?")[0])
        self.assertIn(status, (403, 404))

    def test_a_linked_parent_and_an_admin_may_set_it_others_never_see_the_child(self):
        for who, expected in (
            ("anonymous", 401),
            ("other_parent", 404),
            ("student", 404),
            ("instructor", 404),
            ("linked_parent", 200),
            ("admin", 200),
        ):
            with self.subTest(who=who):
                self.assertEqual(self.put_child_photo(who).status_code, expected)
                removed = 204 if expected == 200 else expected
                self.assertEqual(self.delete(who, self.child_url()).status_code, removed)

    def test_replacing_a_photo_removes_the_old_files_after_the_commit(self):
        first = self.put_child_photo()
        before = self.stored_files()
        second = self.put_child_photo(size=(90, 90))
        self.assertEqual(second.status_code, 200)
        after = self.stored_files()
        self.assertEqual(len(after), 2)
        self.assertFalse(before & after, "the replaced files are gone")
        self.assertNotEqual(first.json()["url"], second.json()["url"])

    def test_nothing_is_removed_before_the_commit(self):
        self.put_child_photo()
        before = self.stored_files()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.put("parent", self.child_url(), image_upload())
        self.assertEqual(len(self.stored_files()), 4, "old and new both there until commit")
        for callback in callbacks:
            callback()
        self.assertFalse(before & self.stored_files())

    def test_a_failed_write_keeps_the_old_photo_and_leaves_no_new_file(self):
        self.put_child_photo()
        before = self.stored_files()
        old = Child.objects.get(pk=self.child.pk).photo
        with (
            mock.patch.object(Child, "save", side_effect=DatabaseError("disk full")),
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(DatabaseError),
        ):
            self.put("parent", self.child_url(), image_upload())
        self.assertEqual(self.stored_files(), before)
        self.assertEqual(Child.objects.get(pk=self.child.pk).photo, old)

    def test_deleting_the_photo_removes_its_files(self):
        self.put_child_photo()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.delete("parent", self.child_url())
        self.assertEqual(response.status_code, 204)
        self.assertEqual(self.stored_files(), set())
        self.as_user("parent")
        self.assertIsNone(self.client.get(f"/api/children/{self.child.pk}/").json()["photo"])
        self.assertEqual(self.delete("parent", self.child_url()).status_code, 204)

    def test_deleting_a_child_removes_its_photo(self):
        child = make_child(self.parent_profile)
        with self.captureOnCommitCallbacks(execute=True):
            self.put("parent", self.child_url(child), image_upload())
        self.assertEqual(len(self.stored_files()), 2)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.delete("parent", f"/api/children/{child.pk}/").status_code, 204)
        self.assertEqual(self.stored_files(), set())

    def test_a_refused_file_stores_nothing(self):
        self.as_user("parent")
        cases = {
            "file_type_not_allowed": b"GIF89a" + b"\0" * 100,
            "image_invalid": image_upload(fmt="JPEG", size=(400, 400)).read()[:600],
        }
        for code, data in cases.items():
            with self.subTest(code=code):
                upload = image_upload()
                upload.file.seek(0)
                upload.file.truncate()
                upload.file.write(data)
                upload.size = len(data)
                upload.file.seek(0)
                response = self.put("parent", self.child_url(), upload)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["code"], code)
                self.assertIn("file", response.json())
        self.assertEqual(self.stored_files(), set())
        self.assertIsNone(Child.objects.get(pk=self.child.pk).photo)

    def test_the_refusal_is_in_arabic_by_default(self):
        self.as_user("parent")
        upload = image_upload()
        upload.file = io.BytesIO(b"not an image")
        response = self.client.put(self.child_url(), {"file": upload}, format="multipart")
        self.assertEqual(response.json()["code"], "file_type_not_allowed")
        self.assertEqual(response.json()["detail"], "ارفع صورة بصيغة JPEG أو PNG أو WebP.")

    def test_a_body_without_a_file_is_refused(self):
        self.as_user("parent")
        response = self.client.put(self.child_url(), {"other": "x"}, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("file", response.json())
        response = self.client.put(self.child_url(), {"file": "x"}, format="json")
        self.assertEqual(response.status_code, 415)

    @override_settings(UPLOAD_MAX_MB=1)
    def test_a_file_over_the_limit_is_refused_and_stores_nothing(self):
        big = image_upload()
        big.file.seek(0, 2)
        big.file.write(b"\0" * (1024 * 1024))
        big.size = big.file.tell()
        big.file.seek(0)
        response = self.put("parent", self.child_url(), big)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "file_too_large")
        self.assertEqual(self.stored_files(), set())

    def test_the_stored_photo_is_upright_and_carries_no_metadata(self):
        response = self.put_child_photo(size=(120, 60), fmt="JPEG", exif=gps_exif(orientation=6))
        photo = response.json()
        self.assertEqual((photo["width"], photo["height"]), (60, 120))
        _status, body = self.fetch(photo["url"])
        image = read_image(body)
        self.assertEqual(image.size, (60, 120))
        self.assertEqual(dict(image.getexif()), {})
        self.assertNotIn(b"Camera X", body)

    def test_the_children_list_reads_photos_without_a_query_per_row(self):
        self.put_child_photo()
        self.as_user("parent")
        with CaptureQueriesContext(connection) as one:
            self.client.get("/api/children/")
        for _ in range(3):
            child = make_child(self.parent_profile)
            self.put("parent", self.child_url(child), image_upload())
        self.as_user("parent")
        with CaptureQueriesContext(connection) as four:
            rows = self.client.get("/api/children/").json()["results"]
        self.assertEqual(len(rows), 4)
        self.assertTrue(all(row["photo"] for row in rows))
        self.assertEqual(len(four), len(one))

    def test_the_catalogue_lists_read_images_without_a_query_per_row(self):
        lists = (("/api/courses/", "image"), ("/api/instructors/", "photo"))

        def add_course_with_images():
            course = CourseFactory(instructor=make_instructor())
            self.put("admin", f"/api/courses/{course.pk}/image/", image_upload())
            self.put("admin", f"/api/instructors/{course.instructor_id}/photo/", image_upload())

        def read(url, field):
            self.as_user(None)
            with CaptureQueriesContext(connection) as queries:
                rows = self.client.get(url).json()["results"]
            return len(queries), sum(1 for row in rows if row[field])

        add_course_with_images()
        before = {url: read(url, field) for url, field in lists}
        for _ in range(3):
            add_course_with_images()
        for url, field in lists:
            with self.subTest(url):
                queries, with_images = read(url, field)
                self.assertEqual(with_images, before[url][1] + 3)
                self.assertEqual(queries, before[url][0])

    # --- users and instructors ---------------------------------------------------------

    def test_a_user_sets_their_own_photo_privately(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.put("student", "/auth/users/me/photo/")
        self.assertEqual(response.status_code, 200)
        self.as_user("student")
        me = self.client.get("/auth/users/me/").json()
        self.assertEqual(me["photo"]["width"], 64)
        self.assertTrue(all(name.startswith("private/") for name in self.stored_files()))
        self.assertEqual(self.fetch(me["photo"]["url"])[0], 200)
        self.assertEqual(self.put(None, "/auth/users/me/photo/").status_code, 401)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.delete("student", "/auth/users/me/photo/").status_code, 204)
        self.assertEqual(self.stored_files(), set())

    def test_an_instructors_photo_is_public_and_shows_in_the_catalogue(self):
        with self.captureOnCommitCallbacks(execute=True):
            own = self.put("instructor", "/auth/users/me/photo/")
        self.assertEqual(own.status_code, 200)
        self.assertTrue(all(name.startswith("public/") for name in self.stored_files()))
        self.assertNotIn("?", own.json()["url"], "a public URL carries no signature")
        self.as_user(None)
        row = self.client.get(f"/api/instructors/{self.instructor_profile.pk}/").json()
        self.assertEqual(row["photo"], own.json())

    def test_admins_set_an_instructors_photo(self):
        url = f"/api/instructors/{self.instructor_profile.pk}/photo/"
        for who in ("instructor", "parent", "other_instructor"):
            self.assertEqual(self.put(who, url).status_code, 403)
        self.assertEqual(self.put(None, url).status_code, 401)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.put("admin", url)
        self.assertEqual(response.status_code, 200)
        self.as_user("admin")
        listed = self.client.get("/api/instructors/").json()["results"]
        mine = next(row for row in listed if row["id"] == self.instructor_profile.pk)
        self.assertEqual(mine["photo"]["url"], response.json()["url"])
        self.assertEqual(self.put("admin", "/api/instructors/999999/photo/").status_code, 404)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.delete("admin", url).status_code, 204)
        self.assertEqual(self.stored_files(), set())

    # --- courses -----------------------------------------------------------------------

    def test_admins_set_a_course_image_everyone_sees_it_in_the_catalogue(self):
        course = CourseFactory(instructor=self.instructor_profile)
        url = f"/api/courses/{course.pk}/image/"
        for who in ("parent", "instructor", "student"):
            self.assertEqual(self.put(who, url).status_code, 403)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.put("admin", url, image_upload(size=(3000, 1500)))
        self.assertEqual(response.status_code, 200)
        self.assertEqual((response.json()["width"], response.json()["height"]), (2048, 1024))
        self.assertTrue(all(name.startswith("public/") for name in self.stored_files()))
        self.as_user(None)
        shown = self.client.get(f"/api/courses/{course.pk}/").json()["image"]
        self.assertEqual(shown, response.json())
        listed = self.client.get("/api/courses/").json()["results"]
        self.assertEqual(next(r for r in listed if r["id"] == course.pk)["image"], shown)
        status, body = self.fetch(shown["thumbnail_url"])
        self.assertEqual(status, 200)
        self.assertEqual(read_image(body).size, (320, 160))
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.delete("admin", url).status_code, 204)
        self.assertIsNone(Course.objects.get(pk=course.pk).image)
        self.assertEqual(self.stored_files(), set())

    def test_deleting_a_course_removes_its_image(self):
        course = CourseFactory(instructor=self.instructor_profile)
        with self.captureOnCommitCallbacks(execute=True):
            self.put("admin", f"/api/courses/{course.pk}/image/", image_upload())
        self.assertEqual(len(self.stored_files()), 2)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.delete("admin", f"/api/courses/{course.pk}/").status_code, 204)
        self.assertEqual(self.stored_files(), set())


class FileSystemPhotoTests(FileSystemBackend, PhotoEndpointCases, APITestCase):
    pass


class S3PhotoTests(S3Backend, PhotoEndpointCases, APITestCase):
    pass
