"""Locks and traps: not_started() in SQL, no completed future lecture, no silent cap, the
instructor hand-over, and cancel deciding on the locked row."""

import threading
import time as clock
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.test import TestCase, TransactionTestCase
from rest_framework.test import APITestCase

from core.errors import Conflict, Invalid
from courses import rules, services
from courses.generation import lectures_generate
from courses.models import MAX_NUM_LECTURES, Lecture, LectureStatus
from courses.tests.factories import CourseFactory, LectureFactory, ScheduleFactory
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_admin, make_instructor

CAIRO = ZoneInfo("Africa/Cairo")


class NotStartedTests(TestCase):
    def test_it_agrees_with_the_rule_around_now_and_midnight(self):
        course = CourseFactory()
        lectures = []
        starts = [
            datetime(2026, 11, 7, 23, 58, tzinfo=CAIRO),
            datetime(2026, 11, 8, 0, 2, tzinfo=CAIRO),
            datetime(2026, 11, 8, 17, 0, tzinfo=CAIRO),
            datetime(2026, 11, 9, 9, 0, tzinfo=CAIRO),
        ]
        for n, start in enumerate(starts, start=1):
            lectures.append(
                LectureFactory(
                    course=course,
                    number=n,
                    date=start.date(),
                    start_time=start.time(),
                    end_time=(start + timedelta(minutes=1)).time(),
                )
            )
        moments = [s + timedelta(minutes=m) for s in starts for m in (-1, 0, 4, 5, 6)]
        moments.append(datetime(2026, 11, 7, 22, 0, tzinfo=ZoneInfo("UTC")))  # 00:00 Cairo
        for now in moments:
            with self.subTest(now=now):
                expected = {
                    lec.pk
                    for lec in lectures
                    if not rules.has_started(lec.date, lec.start_time, now=now)
                }
                got = set(Lecture.objects.not_started(now).values_list("pk", flat=True))
                self.assertEqual(got, expected)

    def test_a_new_instructor_takes_over_only_the_lectures_that_have_not_started(self):
        course = CourseFactory(start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))
        ScheduleFactory(course=course, weekday=0)  # Saturdays 17:00
        lectures_generate(course=course, now=datetime(2026, 10, 1, tzinfo=CAIRO))
        old = course.instructor
        substitute = make_instructor()
        Lecture.objects.filter(course=course, date=date(2026, 11, 28)).update(instructor=substitute)
        new = make_instructor()
        services.course_update(
            course=course,
            actor=make_admin(),
            instructor=new,
            now=datetime(2026, 11, 14, 17, 4, tzinfo=CAIRO),
        )
        teachers = dict(course.lectures.values_list("date__day", "instructor"))
        self.assertEqual(teachers, {7: old.pk, 14: new.pk, 21: new.pk, 28: substitute.pk})


class CompletedTests(APITestCase):
    def setUp(self):
        self.lecture = LectureFactory(date=date(2026, 11, 7), start_time=time(17))

    def test_a_lecture_that_has_not_ended_cannot_be_completed(self):
        during = datetime(2026, 11, 7, 18, 0, tzinfo=CAIRO)
        with self.assertRaises(Invalid) as ctx:
            services.lecture_update(lecture=self.lecture, status="completed", now=during)
        self.assertEqual(ctx.exception.code, "lecture_not_finished")
        self.lecture.refresh_from_db()
        self.assertEqual(self.lecture.status, LectureStatus.SCHEDULED)
        after = datetime(2026, 11, 7, 18, 30, tzinfo=CAIRO)
        done = services.lecture_update(lecture=self.lecture, status="completed", now=after)
        self.assertEqual(done.status, LectureStatus.COMPLETED)

    def test_the_api_answers_400_with_the_code(self):
        future = LectureFactory(date=date.today() + timedelta(days=30))
        self.client.force_authenticate(make_admin())
        response = self.client.patch(
            f"/api/lectures/{future.pk}/", {"status": "completed"}, format="json"
        )
        self.assertEqual(response.status_code, 400, response.data)
        self.assertEqual(response.data["code"], "lecture_not_finished")

    def test_any_edit_marks_the_lecture_hand_made(self):
        for change in ({"title": "Revision"}, {"instructor": make_instructor()}):
            lecture = LectureFactory()
            with self.subTest(change=list(change)):
                self.assertTrue(services.lecture_update(lecture=lecture, **change).is_manual)
        untouched = LectureFactory()
        self.assertFalse(services.lecture_update(lecture=untouched, title="").is_manual)


class LectureCapTests(APITestCase):
    def setUp(self):
        # Two years with a slot every day: 731 sessions, more than the cap.
        self.course = CourseFactory(start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))
        for weekday in range(7):
            ScheduleFactory(course=self.course, weekday=weekday)

    def test_too_many_sessions_is_an_error_not_a_silent_truncation(self):
        with self.assertRaises(Invalid) as ctx:
            services.course_generate_lectures(course=self.course)
        self.assertEqual(ctx.exception.code, "too_many_lectures")
        self.assertFalse(self.course.lectures.exists())

    def test_the_api_answers_400_with_the_code(self):
        self.client.force_authenticate(make_admin())
        response = self.client.post(f"/api/courses/{self.course.pk}/generate-lectures/")
        self.assertEqual(response.status_code, 400, response.data)
        self.assertEqual(response.data["code"], "too_many_lectures")
        self.assertFalse(self.course.lectures.exists())

    def test_exactly_the_cap_is_fine(self):
        course = CourseFactory(start_date=date(2026, 1, 1), end_date=date(2026, 1, 1))
        course.end_date = course.start_date + timedelta(days=MAX_NUM_LECTURES - 1)
        course.save()
        for weekday in range(7):
            ScheduleFactory(course=course, weekday=weekday)
        result = services.course_generate_lectures(
            course=course, now=datetime(2025, 1, 1, tzinfo=CAIRO)
        )
        self.assertEqual(result.created, MAX_NUM_LECTURES)


class CancelReadsTheLockedRowTests(TestCase):
    def test_cancel_decides_on_the_stored_row_not_the_callers_copy(self):
        lecture = LectureFactory()
        Lecture.objects.filter(pk=lecture.pk).update(attendance_taken=True)
        with self.assertRaises(Conflict):
            services.lecture_cancel(lecture=lecture)  # stale: attendance_taken False here
        self.assertEqual(services.lectures_cancel(lectures=[lecture]), 0)
        lecture.refresh_from_db()
        self.assertEqual(lecture.status, LectureStatus.SCHEDULED)


@requires_postgres
class CancelLockTests(TransactionTestCase):
    def test_cancel_waits_for_a_concurrent_attendance_submission(self):
        lecture = LectureFactory()
        locked = threading.Event()

        def take_attendance():
            with transaction.atomic():
                row = Lecture.objects.select_for_update().get(pk=lecture.pk)
                locked.set()
                clock.sleep(0.5)
                row.attendance_taken = True
                row.save(update_fields=["attendance_taken"])
            return "taken"

        def cancel():
            locked.wait(timeout=5)
            return services.lecture_cancel(lecture=lecture)

        taken, cancelled = run_concurrently(take_attendance, cancel)
        self.assertEqual(taken, "taken")
        self.assertIsInstance(cancelled, Conflict)
        lecture.refresh_from_db()
        self.assertEqual(lecture.status, LectureStatus.SCHEDULED)
        self.assertTrue(lecture.attendance_taken)


class ArabicMessagesTests(APITestCase):
    def test_the_new_refusals_speak_arabic_by_default(self):
        self.client.force_authenticate(make_admin())
        future = LectureFactory(date=date.today() + timedelta(days=30))
        response = self.client.patch(
            f"/api/lectures/{future.pk}/", {"status": "completed"}, format="json"
        )
        self.assertEqual(
            response.data["detail"], "لا يمكن اعتبار المحاضرة مكتملة قبل انتهاء موعدها."
        )
        course = CourseFactory(start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))
        for weekday in range(7):
            ScheduleFactory(course=course, weekday=weekday)
        response = self.client.post(f"/api/courses/{course.pk}/generate-lectures/")
        self.assertIn(str(MAX_NUM_LECTURES), response.data["detail"])
        self.assertIn("قصّر مدة الدورة", response.data["detail"])
