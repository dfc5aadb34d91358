"""The demo's online course (online_courses/demo.py, told in enrollments_payments/demo.py):
what a newcomer or the frontend team finds after ``seed_demo`` — a published course in
the public catalogue with a preview that plays, the student enrolled with one lesson of
three completed — made through the services, once."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlsplit

from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APITestCase

from courses.rules import CENTER_TZ
from enrollments_payments.demo import seed_demo
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    Payment,
    RequestStatus,
)
from files.config import PRIVATE
from files.documents import sniff_document
from online_courses import demo
from online_courses.models import Lesson, LessonMaterial, LessonProgress, OnlineCourse
from online_courses.playback import video_id_valid
from online_courses.selectors import course_progress
from users import demo as people
from users.models import CustomUser


def _user(phone: str) -> CustomUser:
    return CustomUser.objects.get(phone_number1=phone)


def _files(folder: str = "online-courses/materials") -> list[str]:
    """The files under ``folder`` of the private storage, however deep."""
    storage = storages[PRIVATE]
    if not storage.exists(folder):
        return []
    found, todo = [], [folder]
    while todo:
        here = todo.pop()
        dirs, files = storage.listdir(here)
        found += [f"{here}/{name}" for name in files]
        todo += [f"{here}/{name}" for name in dirs]
    return sorted(found)


class DemoOnlineCourseTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.now = timezone.now()
        cls.story = seed_demo(now=cls.now)
        cls.course = OnlineCourse.objects.get(slug=demo.SLUG)
        cls.lessons = list(cls.course.lessons.order_by("number"))
        cls.student = _user(people.STUDENT_PHONE)

    def test_it_is_published_sequential_and_taught_by_the_demo_instructor(self):
        course = self.course
        self.assertEqual(course.status, "published")
        self.assertTrue(course.sequential)
        self.assertEqual((course.price, course.access_days), (Decimal("300.00"), 180))
        self.assertEqual(course.instructor.user.phone_number1, people.INSTRUCTOR_PHONE)
        self.assertEqual(course.title, "أحكام التجويد للكبار")

    def test_it_has_a_lesson_of_each_hosted_provider_and_only_the_first_is_a_preview(self):
        self.assertEqual(
            [(lesson.number, lesson.video_provider, lesson.is_preview) for lesson in self.lessons],
            [(1, "youtube", True), (2, "vimeo", False), (3, "bunny", False)],
        )
        for lesson in self.lessons:
            self.assertTrue(video_id_valid(lesson.video_provider, lesson.video_id), lesson)
            self.assertGreater(lesson.duration_seconds, 0)

    def test_the_first_lesson_has_a_worksheet_stored_as_a_real_pdf(self):
        material = LessonMaterial.objects.get()
        self.assertEqual(material.lesson, self.lessons[0])
        self.assertEqual(material.content_type, "application/pdf")
        with storages[PRIVATE].open(material.file) as file:
            data = file.read()
            self.assertEqual(sniff_document(data[:64], file).content_type, "application/pdf")
        self.assertEqual(len(data), material.size)
        self.assertTrue(data.startswith(b"%PDF-1."))
        self.assertTrue(data.rstrip().endswith(b"%%EOF"))
        self.assertIn(b"/Count 1", data)  # one page
        self.assertEqual(data, demo.worksheet_pdf())

    def test_the_student_was_enrolled_by_an_approved_request_and_paid(self):
        enrollment = Enrollment.objects.get(online_course=self.course)
        self.assertEqual(enrollment, self.story.online_enrollment)
        self.assertEqual(enrollment.student.user, self.student)
        self.assertEqual(enrollment.status, EnrollmentStatus.ACTIVE)
        request = EnrollmentRequest.objects.get(online_course=self.course)
        self.assertEqual(request.status, RequestStatus.APPROVED)
        self.assertEqual(request.processed_by.phone_number1, people.ADMIN_PHONE)
        self.assertEqual(request.processed_at, enrollment.enrolled_at)
        self.assertLess(enrollment.enrolled_at, self.now)
        # Six months of access from the approval (the day, in Cairo: a change of summer
        # time on the way moves the hour).
        self.assertEqual(
            timezone.localdate(enrollment.access_until, CENTER_TZ),
            timezone.localdate(enrollment.enrolled_at, CENTER_TZ) + timedelta(days=180),
        )
        payment = Payment.objects.get(enrollment=enrollment)
        self.assertEqual((payment.amount, payment.method), (Decimal("300.00"), "instapay"))

    def test_the_student_completed_the_first_lesson_and_began_the_second(self):
        student = self.student.student_profile
        self.assertEqual(
            course_progress(participant=student, online_course=self.course),
            {"lessons_completed": 1, "lessons_total": 3},
        )
        rows = {row.lesson.number: row for row in LessonProgress.objects.filter(student=student)}
        self.assertEqual(set(rows), {1, 2})
        self.assertTrue(rows[1].completed)
        self.assertEqual(rows[1].watched_seconds, self.lessons[0].duration_seconds)
        self.assertFalse(rows[2].completed)
        self.assertGreater(rows[2].position_seconds, 0)
        enrolled_at = Enrollment.objects.get(online_course=self.course).enrolled_at
        self.assertTrue(enrolled_at < rows[1].completed_at < rows[2].updated_at < self.now)

    def test_anyone_finds_it_in_the_catalogue_plays_the_preview_and_gets_its_worksheet(self):
        rows = self.client.get("/api/online-courses/").json()["results"]
        self.assertEqual([row["slug"] for row in rows], [demo.SLUG])
        self.assertEqual(rows[0]["lessons_count"], 3)
        body = self.client.get(f"/api/online-courses/{self.course.pk}/").json()
        first, second, _third = body["lessons"]
        self.assertEqual(first["playback"]["provider"], "youtube")
        self.assertEqual(
            first["playback"]["url"],
            f"https://www.youtube-nocookie.com/embed/{self.lessons[0].video_id}",
        )
        self.assertIsNone(second["playback"])
        lesson = self.client.get(f"/api/online-courses/{self.course.pk}/lessons/{first['id']}/")
        self.assertEqual(lesson.status_code, 200)
        self.assertIsNotNone(lesson.json()["playback"]["url"])
        (worksheet,) = lesson.json()["materials"]
        self.assertEqual(worksheet["title"], demo.WORKSHEET_TITLE)
        url = urlsplit(worksheet["url"])
        download = self.client.get(f"{url.path}?{url.query}")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content), demo.worksheet_pdf())
        locked = self.client.get(f"/api/online-courses/{self.course.pk}/lessons/{second['id']}/")
        self.assertEqual(locked.status_code, 403)

    def test_the_student_resumes_the_second_lesson_where_she_stopped(self):
        self.client.force_authenticate(self.student)
        body = self.client.get(f"/api/online-courses/{self.course.pk}/").json()
        self.assertEqual(body["progress"], {"lessons_completed": 1, "lessons_total": 3})
        self.assertEqual(body["enrollment"]["status"], "active")
        first, second, third = body["lessons"]
        self.assertEqual((first["locked"], second["locked"], third["locked"]), (False, False, True))
        self.assertTrue(first["progress"]["completed"])
        lesson = self.client.get(f"/api/online-courses/{self.course.pk}/lessons/{second['id']}/")
        self.assertEqual(lesson.status_code, 200)
        self.assertEqual(
            lesson.json()["playback"]["url"],
            f"https://player.vimeo.com/video/{self.lessons[1].video_id}",
        )
        self.assertEqual(
            lesson.json()["progress"],
            {"position_seconds": 504, "watched_seconds": 504, "completed": False},
        )
        enrollments = self.client.get("/api/enrollments/").json()["results"]
        online = [row for row in enrollments if row["online_course"] == self.course.pk]
        self.assertEqual(online[0]["progress"]["percent"], 33)

    def test_the_landing_page_features_it(self):
        body = self.client.get("/api/landing/").json()
        self.assertEqual([row["slug"] for row in body["online_courses"]], [demo.SLUG])


class DemoOnlineCourseOnceTests(APITestCase):
    def counts(self) -> tuple:
        return (
            OnlineCourse.objects.count(),
            Lesson.objects.count(),
            LessonMaterial.objects.count(),
            LessonProgress.objects.count(),
            Enrollment.objects.filter(online_course__isnull=False).count(),
            Payment.objects.count(),
            len(_files()),
        )

    def test_a_second_run_changes_nothing(self):
        seed_demo()
        first = self.counts()
        self.assertEqual(first[:5], (1, 3, 1, 2, 1))

        story = seed_demo()

        self.assertFalse(story.written)
        self.assertEqual(self.counts(), first)

    def test_the_course_as_the_office_changed_it_is_kept(self):
        seed_demo()
        OnlineCourse.objects.filter(slug=demo.SLUG).update(title="تجويد", status="archived")

        seed_demo()

        self.assertEqual(
            list(OnlineCourse.objects.values_list("title", "status")), [("تجويد", "archived")]
        )

    def test_a_course_that_fails_to_save_leaves_no_worksheet_file(self):
        instructor = people.seed_people()["instructor"]
        before = _files()

        @contextmanager
        def failing_commit():
            # The rows roll back after the worksheet's file was written.
            with transaction.atomic():
                yield
                raise RuntimeError("the commit failed")

        with (
            mock.patch.object(demo, "transaction", SimpleNamespace(atomic=failing_commit)),
            self.assertRaises(RuntimeError),
        ):
            demo.seed_online_course(instructor=instructor)

        self.assertFalse(OnlineCourse.objects.exists())
        self.assertEqual(_files(), before)
