"""Shared setup of the memory tests: the personas, a course of ``instructor`` with
``child`` and ``student`` enrolled, and helpers to post."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import Audience
from courses.tests.factories import CourseFactory
from enrollments_payments.tests.factories import make_enrollment
from files.tests.backends import FileSystemBackend
from testkit.images import image_upload
from users.models import CustomUser
from users.tests.personas import PersonasMixin

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01webm"


def mp4_upload(name: str = "clip.mp4", size: int = 4096) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MP4_HEAD + b"\0" * size, content_type="video/mp4")


def webm_upload(name: str = "clip.webm", size: int = 4096) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, WEBM_HEAD + b"\0" * size, content_type="video/webm")


class MemoryCases(FileSystemBackend, PersonasMixin):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(instructor=cls.instructor_profile, audience=Audience.ALL)
        make_enrollment(participant=cls.child, course=cls.course, admin=cls.admin)
        make_enrollment(participant=cls.student_profile, course=cls.course, admin=cls.admin)

    def as_user(self, who):
        user = self.personas.user(who)
        self.client.force_authenticate(user and CustomUser.objects.get(pk=user.pk))
        return user

    def post(self, who="admin", *, items=None, participants=None, **fields):
        self.as_user(who)
        body = {
            "caption": "A day at the center",
            "taken_on": "2026-11-10",
            "audience": "family",
            "participants": json.dumps(
                [{"type": "child", "id": self.child.pk}] if participants is None else participants
            ),
            **fields,
        }
        body["items"] = items if items is not None else [image_upload()]
        return self.client.post("/api/memories/", body, format="multipart")

    def feed(self, who, **params):
        self.as_user(who)
        response = self.client.get("/api/memories/", params)
        self.assertEqual(response.status_code, 200, response.content)
        return [row["id"] for row in response.json()["results"]]

    def memory_files(self) -> set[str]:
        return {name for name in self.stored_files() if name.startswith("private/memories/")}
