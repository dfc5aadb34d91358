"""POST /api/memories/ (§6.9): who may post, what is accepted, consent, nothing stored on
refusal, the families' notifications."""

from __future__ import annotations

import json
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import override_settings
from rest_framework.test import APITestCase

from courses.tests.factories import CourseFactory
from memories.models import ItemKind, Memory
from memories.tests.base import MemoryCases, mp4_upload, webm_upload
from notifications.models import Notification
from testkit.images import gps_exif, image_upload, read_image
from users.models import Child, PhotoConsent, StudentUser


class PostingTests(MemoryCases, APITestCase):
    def test_admin_posts_photos_and_videos_kept_private(self):
        response = self.post(items=[image_upload(), mp4_upload(), webm_upload()])
        self.assertEqual(response.status_code, 201, response.content)
        memory = Memory.objects.get(pk=response.json()["id"])
        kinds = [(i.kind, i.content_type) for i in memory.items.order_by("position")]
        self.assertEqual(
            kinds,
            [
                (ItemKind.PHOTO, "image/png"),
                (ItemKind.VIDEO, "video/mp4"),
                (ItemKind.VIDEO, "video/webm"),
            ],
        )
        # A photo and its thumbnail, and the two videos as uploaded; nothing public.
        self.assertEqual(len(self.memory_files()), 4)
        self.assertFalse([n for n in self.stored_files() if n.startswith("public/")])
        video = memory.items.get(position=1)
        self.assertEqual(video.size, len(mp4_upload().read()))
        items = response.json()["items"]
        self.assertIn("signature=", items[0]["url"])
        self.assertIn("signature=", items[0]["thumbnail_url"])
        status, body = self.fetch(items[1]["url"])
        self.assertEqual((status, body[4:8]), (200, b"ftyp"))

    def test_a_photo_is_kept_upright_without_metadata_and_a_video_as_uploaded(self):
        photo = image_upload("p.jpg", size=(120, 60), fmt="JPEG", exif=gps_exif(orientation=6))
        video = webm_upload(size=2048)
        response = self.post(items=[photo, video])
        self.assertEqual(response.status_code, 201, response.content)
        shown, clip = response.json()["items"]
        self.assertEqual((shown["kind"], shown["width"], shown["height"]), ("photo", 60, 120))
        _status, body = self.fetch(shown["url"])
        self.assertEqual(dict(read_image(body).getexif()), {})
        self.assertNotIn(b"Camera X", body)
        _status, body = self.fetch(clip["url"])
        self.assertEqual(body, webm_upload(size=2048).read())
        self.assertEqual((clip["thumbnail_url"], clip["content_type"]), (None, "video/webm"))

    def test_a_failing_write_removes_the_files_it_stored(self):
        with mock.patch(
            "memories.services.MemoryItem.objects.bulk_create", side_effect=DatabaseError("down")
        ):
            with self.assertRaises(DatabaseError):
                self.post(items=[image_upload(), mp4_upload()])
        self.assertFalse(Memory.objects.exists())
        self.assertEqual(self.memory_files(), set())

    def test_the_tagged_familys_parents_are_notified_in_app(self):
        response = self.post(participants=[{"type": "child", "id": self.child.pk}])
        self.assertEqual(response.status_code, 201)
        recipients = set(
            Notification.objects.filter(kind="memory").values_list("recipient", flat=True)
        )
        self.assertEqual(recipients, {self.parent.pk, self.linked_parent.pk})
        self.as_user("parent")
        listed = self.client.get("/api/notifications/?kind=memory").json()["results"]
        self.assertEqual(listed[0]["data"]["memory"], response.json()["id"])

    def test_the_courses_instructor_posts_about_its_participants(self):
        response = self.post(
            "instructor",
            course=self.course.pk,
            participants=[
                {"type": "child", "id": self.child.pk},
                {"type": "student", "id": self.student_profile.pk},
            ],
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Memory.objects.get().tags.count(), 2)

    def test_an_instructor_cannot_post_about_another_course(self):
        other = CourseFactory()
        response = self.post("instructor", course=other.pk, participants=[])
        self.assertEqual(
            (response.status_code, response.json()["code"]), (403, "not_course_instructor")
        )
        response = self.post("other_instructor", course=self.course.pk, participants=[])
        self.assertEqual(response.status_code, 403)

    def test_an_instructor_names_a_course(self):
        response = self.post("instructor", participants=[])
        self.assertEqual((response.status_code, response.json()["code"]), (400, "course_required"))

    def test_an_instructor_cannot_tag_someone_outside_the_course(self):
        response = self.post(
            "instructor",
            course=self.course.pk,
            participants=[{"type": "child", "id": self.other_child.pk}],
        )
        self.assertEqual(
            (response.status_code, response.json()["code"]), (400, "participant_not_found")
        )
        self.assertEqual(self.memory_files(), set())

    def test_families_and_supervisors_cannot_post(self):
        for who in ("parent", "linked_parent", "student"):
            with self.subTest(who=who):
                self.assertEqual(self.post(who).status_code, 403)
        self.client.force_authenticate(None)
        self.assertEqual(self.client.post("/api/memories/", {}).status_code, 401)

    def test_a_participant_without_consent_is_never_tagged(self):
        Child.objects.filter(pk=self.child.pk).update(photo_consent=PhotoConsent.NONE)
        response = self.post()
        self.assertEqual((response.status_code, response.json()["code"]), (400, "consent_required"))
        self.assertFalse(Memory.objects.exists())
        self.assertEqual(self.memory_files(), set())

    def test_a_center_post_needs_center_consent_from_every_tag(self):
        StudentUser.objects.filter(pk=self.student_profile.pk).update(
            photo_consent=PhotoConsent.CENTER
        )
        tags = [
            {"type": "child", "id": self.child.pk},
            {"type": "student", "id": self.student_profile.pk},
        ]
        response = self.post(audience="center", participants=tags)
        self.assertEqual((response.status_code, response.json()["code"]), (400, "consent_required"))
        self.assertEqual(self.memory_files(), set())
        Child.objects.filter(pk=self.child.pk).update(photo_consent=PhotoConsent.CENTER)
        self.assertEqual(self.post(audience="center", participants=tags).status_code, 201)

    def test_a_file_that_is_neither_photo_nor_video_stores_nothing(self):
        fake = SimpleUploadedFile("clip.mp4", b"not a video at all" * 10, content_type="video/mp4")
        response = self.post(items=[image_upload(), fake])
        self.assertEqual(
            (response.status_code, response.json()["code"]), (400, "file_type_not_allowed")
        )
        self.assertIn("items", response.json())
        self.assertEqual(self.memory_files(), set())
        self.assertFalse(Memory.objects.exists())

    @override_settings(MEMORY_VIDEO_MAX_MB=1)
    def test_a_video_over_the_limit_is_refused(self):
        response = self.post(items=[image_upload(), mp4_upload(size=1024 * 1024 + 10)])
        self.assertEqual((response.status_code, response.json()["code"]), (400, "file_too_large"))
        self.assertEqual(self.memory_files(), set())

    def test_a_damaged_photo_is_refused_on_items(self):
        broken = SimpleUploadedFile("p.png", image_upload().read()[:60], content_type="image/png")
        response = self.post(items=[broken])
        self.assertEqual((response.status_code, response.json()["code"]), (400, "image_invalid"))
        self.assertIn("items", response.json())

    def test_from_one_to_twenty_items(self):
        self.assertEqual(self.post(items=[]).status_code, 400)
        response = self.post(items=[image_upload(size=(8, 8)) for _ in range(21)])
        self.assertEqual(response.status_code, 400)
        self.assertIn("items", response.json())
        self.assertEqual(self.memory_files(), set())

    def test_participants_must_be_a_json_list_of_refs(self):
        self.as_user("admin")
        body = {"taken_on": "2026-11-10", "participants": "nope", "items": [image_upload()]}
        response = self.client.post("/api/memories/", body, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("participants", response.json())
        body["participants"] = json.dumps([{"type": "robot", "id": 1}])
        body["items"] = [image_upload()]
        response = self.client.post("/api/memories/", body, format="multipart")
        self.assertEqual(response.status_code, 400)


class UploadLimitTests(APITestCase):
    @override_settings(MEMORY_VIDEO_MAX_MB=1)
    def test_a_body_or_a_file_over_the_limit_is_refused_before_it_is_read_whole(self):
        from core.errors import Invalid
        from memories.uploads import MemoryUploadLimitHandler

        handler = MemoryUploadLimitHandler(None, limit=1024 * 1024)
        with self.assertRaises(Invalid) as refused:
            handler.handle_raw_input(None, {}, 21 * 1024 * 1024 + 21 * 64 * 1024, b"x")
        self.assertEqual(
            (refused.exception.code, refused.exception.field), ("file_too_large", "items")
        )
        handler.handle_raw_input(None, {}, 2 * 1024 * 1024, b"x")  # two full files: fine
        handler.new_file("items", "a.mp4", "video/mp4", 0)
        handler.receive_data_chunk(b"\0" * 1024 * 1024, 0)
        with self.assertRaises(Invalid):
            handler.receive_data_chunk(b"\0", 1024 * 1024)
        handler.new_file("items", "b.mp4", "video/mp4", 0)  # each file counts on its own
        handler.receive_data_chunk(b"\0" * 1024, 0)
