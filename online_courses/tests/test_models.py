"""The database refuses what an online course, a lesson and its progress may not be."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone

from courses.tests.factories import CourseFactory
from enrollments_payments.models import Enrollment, EnrollmentRequest
from online_courses.models import Lesson, LessonProgress, OnlineCourse, VideoProvider
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from users import services as user_services
from users.tests.factories import make_child, make_student

NOW = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)


class OnlineCourseConstraintTests(TestCase):
    def test_it_refuses_an_age_range_upside_down(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            OnlineCourseFactory(min_age=12, max_age=8)

    def test_it_refuses_zero_access_days_and_accepts_none(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            OnlineCourseFactory(access_days=0)
        self.assertIsNone(OnlineCourseFactory(access_days=None).access_days)

    def test_full_clean_reports_the_constraint_message(self):
        course = OnlineCourseFactory.build(min_age=12, max_age=8, slug="x")
        with self.assertRaises(ValidationError):
            course.full_clean()


class LessonConstraintTests(TestCase):
    def test_lesson_numbers_are_unique_per_online_course(self):
        first = LessonFactory(number=1)
        LessonFactory(number=1)  # another course's lesson 1 is fine
        with self.assertRaises(IntegrityError), transaction.atomic():
            LessonFactory(online_course=first.online_course, number=1)

    def test_a_hosted_video_needs_its_id_and_an_uploaded_one_its_file(self):
        course = OnlineCourseFactory()
        with self.assertRaises(IntegrityError), transaction.atomic():
            LessonFactory(online_course=course, video_provider=VideoProvider.VIMEO, video_id="")
        with self.assertRaises(IntegrityError), transaction.atomic():
            LessonFactory(online_course=course, video_provider=VideoProvider.FILE, video_id="")
        lesson = LessonFactory(online_course=course, video_provider="", video_id="")
        self.assertIsNone(lesson.video_stored)

    def test_a_child_who_watched_a_lesson_has_history(self):
        child = make_child()
        self.assertFalse(user_services.child_has_history(child))
        LessonProgress.objects.create(lesson=LessonFactory(), child=child, updated_at=NOW)
        self.assertTrue(user_services.child_has_history(child))

    def test_a_lesson_with_progress_is_not_deleted(self):
        lesson = LessonFactory()
        LessonProgress.objects.create(lesson=lesson, child=make_child(), updated_at=NOW)
        with self.assertRaises(Exception) as caught, transaction.atomic():
            lesson.delete()
        self.assertEqual(type(caught.exception).__name__, "ProtectedError")
        self.assertTrue(Lesson.objects.filter(pk=lesson.pk).exists())


class LessonProgressConstraintTests(TestCase):
    def test_one_row_per_lesson_and_participant(self):
        lesson = LessonFactory()
        student = make_student()
        LessonProgress.objects.create(lesson=lesson, student=student, updated_at=NOW)
        with self.assertRaises(IntegrityError), transaction.atomic():
            LessonProgress.objects.create(lesson=lesson, student=student, updated_at=NOW)

    def test_exactly_one_participant(self):
        lesson = LessonFactory()
        with self.assertRaises(IntegrityError), transaction.atomic():
            LessonProgress.objects.create(
                lesson=lesson, child=make_child(), student=make_student(), updated_at=NOW
            )
        with self.assertRaises(IntegrityError), transaction.atomic():
            LessonProgress.objects.create(lesson=lesson, updated_at=NOW)


class EnrollmentCourseOrOnlineCourseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.online = OnlineCourseFactory()
        cls.course = CourseFactory()
        cls.child = make_child()

    def _enrollment(self, **kwargs) -> Enrollment:
        fields = {"child": self.child, "price": 0, "enrolled_at": timezone.now()}
        return Enrollment.objects.create(**{**fields, **kwargs})

    def test_an_enrollment_names_exactly_one_course(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            self._enrollment()
        with self.assertRaises(IntegrityError), transaction.atomic():
            self._enrollment(course=self.course, online_course=self.online)
        enrollment = self._enrollment(online_course=self.online)
        self.assertEqual(enrollment.offering, self.online)
        self.assertTrue(enrollment.is_online)

    def test_one_enrollment_per_online_course_and_participant(self):
        self._enrollment(online_course=self.online)
        with self.assertRaises(IntegrityError), transaction.atomic():
            self._enrollment(online_course=self.online)

    def test_only_online_enrollments_have_an_access_end(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            self._enrollment(course=self.course, access_until=timezone.now())

    def test_one_pending_request_per_online_course_and_participant(self):
        user = self.child.primary_parent.user
        fields = {"child": self.child, "requested_by": user, "expires_at": timezone.now()}
        EnrollmentRequest.objects.create(online_course=self.online, **fields)
        with self.assertRaises(IntegrityError), transaction.atomic():
            EnrollmentRequest.objects.create(online_course=self.online, **fields)
        with self.assertRaises(IntegrityError), transaction.atomic():
            EnrollmentRequest.objects.create(**fields)
        self.assertEqual(OnlineCourse.objects.published().count(), 1)
