"""Shared setup of the online-course API tests: the personas, an online course with
lessons, enrollments that give access, and files to upload."""

from __future__ import annotations

import datetime
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollments_payments.models import Enrollment, EnrollmentStatus
from online_courses.models import VideoProvider
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from users.models import Child, CustomUser
from users.tests.personas import PersonasMixin

MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def enrol(participant, online_course, *, until=None, status=EnrollmentStatus.ACTIVE):
    """An enrollment as an approval makes it (the approval itself is another app's)."""
    key = "child" if isinstance(participant, Child) else "student"
    return Enrollment.objects.create(
        online_course=online_course,
        price=online_course.price,
        enrolled_at=timezone.now() - datetime.timedelta(days=1),
        access_until=until,
        status=status,
        **{key: participant},
    )


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def mp4(size: int = 4096, name: str = "lesson.mp4"):
    return upload(name, MP4_HEAD + b"\0" * size, "video/mp4")


def webm(size: int = 4096, name: str = "lesson.webm"):
    return upload(name, WEBM_HEAD + b"\0" * size, "video/webm")


def office(main_type: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal OOXML package whose ``[Content_Types].xml`` declares ``main_type``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/word/document.xml" '
            f'ContentType="{main_type}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def opendocument(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


class OnlineCases(PersonasMixin):
    """``course``: published, sequential, four lessons — 1 a preview (YouTube), 2 on
    Vimeo with a material, 3 an uploaded file, 4 on YouTube; ``student`` and ``child``
    (the parent's) have access; ``other_child`` has none."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = OnlineCourseFactory(title="Arabic calligraphy online", sequential=True)
        cls.lesson1 = LessonFactory(
            online_course=cls.course, number=1, is_preview=True, duration_seconds=600
        )
        cls.lesson2 = LessonFactory(
            online_course=cls.course,
            number=2,
            video_provider=VideoProvider.VIMEO,
            video_id="76979871",
        )
        cls.lesson3 = LessonFactory(
            online_course=cls.course,
            number=3,
            video_provider=VideoProvider.FILE,
            video_id="",
            video_file="online-courses/videos/ab/abc.mp4",
        )
        cls.lesson4 = LessonFactory(online_course=cls.course, number=4)
        cls.material = cls.lesson2.materials.create(
            title="Worksheet",
            original_name="sheet.pdf",
            file="online-courses/materials/cd/cdef.pdf",
            size=len(PDF),
            content_type="application/pdf",
        )
        cls.student_enrollment = enrol(cls.student_profile, cls.course)
        cls.child_enrollment = enrol(cls.child, cls.course)

    def as_user(self, who):
        user = self.personas.user(who)
        self.client.force_authenticate(user and CustomUser.objects.get(pk=user.pk))

    def url(self, *parts, course=None) -> str:
        base = f"/api/online-courses/{(course or self.course).pk}/"
        return base + "".join(f"{part}/" for part in parts)
