"""Data for the fuzz run (scripts/fuzz.py), on top of ``seed_demo``: every demo persona
gets rows of its own, so the fuzzer's requests reach more than empty lists and 404s.

- seed_demo already enrolls the family (payments, a pending enrollment request, a pending
  refund request, attendance taken with absences and their alerts);
- the parent's older child: an exam result, and the parent's rating of its course;
- the student: a pending request for calligraphy;
- the instructor: the courses' instructor, with this week's instructor-attendance rows
  and two extra lectures proposed, waiting for the admin's decision;
- the supervisor: a weekly supervision shift;
- the admin: an attendance device (its key goes to the ``device`` role), job logs;
- an online course (sequential; a YouTube preview, a Vimeo lesson with a material, a Bunny
  Stream lesson, an uploaded video) that the parent's older child and the student may
  watch, with some progress of the student's.

Prints one JSON object: ``{"device_key": "...", "proposals": [id, id]}`` (the proposed
lectures, which the fuzzer's approve and reject requests aim at). Safe to run again (a
second run only gives the device a new key). Runs in the server's environment:

    DJANGO_SETTINGS_MODULE=Redwan_courses_center.settings python scripts/fuzz_seed.py
"""

from __future__ import annotations

import json
import os
import sys
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance import device_services, shift_services  # noqa: E402
from attendance.cron import generate_instructor_attendance_weekly  # noqa: E402
from attendance.models import Device  # noqa: E402
from courses import exam_services  # noqa: E402
from courses import services as course_services  # noqa: E402
from courses.models import Course, Lecture, LectureStatus  # noqa: E402
from courses.rating_services import course_rating_save  # noqa: E402
from enrollments_payments import services  # noqa: E402
from users import demo  # noqa: E402
from users.models import CustomUser  # noqa: E402

DEVICE_NAME = "fuzz gate"


def _user(phone: str) -> CustomUser:
    return CustomUser.objects.get(phone_number1=phone)


def _proposals() -> list[int]:
    return list(
        Lecture.objects.filter(status=LectureStatus.PROPOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def seed() -> dict:
    """The rows above; returns a fresh key of the fuzz device and the proposals' ids."""
    device = Device.objects.filter(name=DEVICE_NAME).first()
    if device is not None:
        key = device_services.device_rotate_key(device=device).key
        return {"device_key": key, "proposals": _proposals()}
    now = timezone.now()
    admin, parent, student = (
        _user(demo.ADMIN_PHONE),
        _user(demo.PARENT_PHONE),
        _user(demo.STUDENT_PHONE),
    )
    instructor, supervisor = _user(demo.INSTRUCTOR_PHONE), _user(demo.SUPERVISOR_PHONE)
    kids = Course.objects.get(slug="quran-kids")
    calligraphy = Course.objects.get(slug="calligraphy-all")
    older = parent.parent_profile.primary_children.order_by("dob").first()
    # seed_demo already enrolls the family (payments, a pending request, a pending refund,
    # attendance taken with absences); the fuzz adds what the demo leaves out: a pending
    # request of the student's, an exam with a result, a course rating, a supervision
    # shift, a device.
    services.enrollment_request_create(actor=student, course=calligraphy, now=now)

    exam = exam_services.exam_create(
        actor=instructor,
        course=kids,
        title="Fuzz exam",
        total_marks=Decimal("100"),
        pass_mark=Decimal("50"),
        kind="quiz",
    )
    exam_services.exam_result_save(exam=exam, marks=Decimal("80"), child=older, entered_by=admin)
    course_rating_save(rater=parent, course=kids, child=older, rating=9, comment="Fuzz")

    _online_course(student.student_profile, older)

    shift_services.supervisor_shift_create(
        supervisor=supervisor.instructor_profile,
        weekday=0,
        start_time=time(16),
        end_time=time(20),
    )
    # Two extra lectures proposed late in the evening of the course's last days (free
    # times), so that the approve and the reject requests may each meet an undecided one.
    for days_before in (0, 1):
        course_services.lecture_propose(
            actor=instructor,
            course=kids,
            date=kids.end_date - timedelta(days=days_before),
            start_time=time(22),
            end_time=time(23),
        )
    key = device_services.device_create(name=DEVICE_NAME, kind="fingerprint").key
    return {"device_key": key, "proposals": _proposals()}


def _online_course(student, child) -> None:
    """An online course the student and the child may watch, with a lesson of each kind."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enrollments_payments.models import Enrollment
    from online_courses import file_services, progress
    from online_courses import services as online_services
    from online_courses.services import VideoInput

    course = online_services.online_course_create(
        title="Fuzz online course", status="published", sequential=True, access_days=None
    )
    videos = [
        VideoInput("youtube", "dQw4w9WgXcQ"),
        VideoInput("vimeo", "76979871"),
        VideoInput("bunny", "eb1c4f77-0cda-46be-b47d-1118ad7c2ffe"),
        None,
    ]
    lessons = [
        online_services.lesson_create(
            online_course=course,
            title=f"Lesson {number}",
            duration_seconds=300,
            is_preview=number == 1,
            video=video,
        )
        for number, video in enumerate(videos, start=1)
    ]
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\0" * 1024
    file_services.lesson_video_upload(lesson=lessons[3], upload=SimpleUploadedFile("v.mp4", mp4))
    file_services.lesson_material_add(
        lesson=lessons[1], upload=SimpleUploadedFile("m.pdf", b"%PDF-1.7\n%%EOF\n"), title="Sheet"
    )
    # Enrolled as an approval does it (the enrollment services' own tests cover approval).
    now = timezone.now()
    for key, participant in (("student", student), ("child", child)):
        Enrollment.objects.create(
            online_course=course, price=course.price, enrolled_at=now, **{key: participant}
        )
    progress.lesson_progress_record(
        lesson=lessons[0], participant=student, position_seconds=300, watched_seconds=300
    )


if __name__ == "__main__":
    seeded = seed()
    # This week's instructor-attendance rows, and a job log for the admin to read.
    generate_instructor_attendance_weekly()
    sys.stdout.write(json.dumps(seeded) + "\n")
