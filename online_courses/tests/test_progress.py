"""Progress reports (§6.10, §9): watched only grows, position is the latest, completion at
90%, writes spaced 10 s apart for the position, one statement when something changes and
none when nothing does; access and locks first."""

from __future__ import annotations

import datetime

import time_machine
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from core.errors import Forbidden
from courses.rules import CENTER_TZ
from online_courses.models import LessonProgress
from online_courses.progress import THROTTLE, completion_threshold, lesson_progress_record
from online_courses.tests.base import OnlineCases, enrol
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_child, make_student

NOW = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=CENTER_TZ)
WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


class ProgressServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.student = make_student()
        cls.child = make_child()
        cls.course = OnlineCourseFactory(sequential=True)
        cls.first = LessonFactory(online_course=cls.course, number=1, duration_seconds=600)
        cls.second = LessonFactory(online_course=cls.course, number=2, duration_seconds=300)
        cls.third = LessonFactory(online_course=cls.course, number=3, duration_seconds=0)
        enrol(cls.student, cls.course)
        enrol(cls.child, cls.course)

    def report(self, position, watched, *, now=NOW, lesson=None, who=None):
        with CaptureQueriesContext(connection) as queries:
            result = lesson_progress_record(
                lesson=lesson or self.first,
                participant=who or self.student,
                position_seconds=position,
                watched_seconds=watched,
                now=now,
            )
        self.writes = writes(queries)
        return result

    def stored(self, lesson=None, who=None):
        who = who or self.student
        key = "child" if who is self.child else "student"
        return LessonProgress.objects.get(lesson=lesson or self.first, **{key: who})

    def test_the_first_report_is_one_insert(self):
        result = self.report(30, 30)
        self.assertEqual(len(self.writes), 1)
        self.assertTrue(self.writes[0].upper().startswith("INSERT"))
        self.assertIn("ON CONFLICT", self.writes[0].upper())
        self.assertEqual(
            (result.position_seconds, result.watched_seconds, result.completed, result.written),
            (30, 30, False, True),
        )
        row = self.stored()
        self.assertEqual((row.position_seconds, row.watched_seconds, row.updated_at), (30, 30, NOW))

    def test_the_same_report_again_writes_nothing(self):
        self.report(30, 30)
        later = NOW + datetime.timedelta(minutes=5)
        result = self.report(30, 30, now=later)
        self.assertEqual(self.writes, [])
        self.assertFalse(result.written)
        self.assertEqual((result.position_seconds, result.watched_seconds), (30, 30))

    def test_watched_only_grows_and_position_is_the_latest(self):
        self.report(100, 100)
        result = self.report(20, 50, now=NOW + THROTTLE)
        self.assertEqual(len(self.writes), 1)
        self.assertEqual((result.position_seconds, result.watched_seconds), (20, 100))
        row = self.stored()
        self.assertEqual((row.position_seconds, row.watched_seconds), (20, 100))

    def test_a_position_change_within_10_seconds_is_not_written(self):
        self.report(100, 100)
        result = self.report(110, 100, now=NOW + datetime.timedelta(seconds=9))
        self.assertEqual(self.writes, [])
        self.assertEqual(result.position_seconds, 100)
        self.assertEqual(self.stored().position_seconds, 100)
        result = self.report(110, 100, now=NOW + datetime.timedelta(seconds=10))
        self.assertEqual(len(self.writes), 1)
        self.assertEqual(self.stored().position_seconds, 110)

    def test_more_watched_is_written_even_within_10_seconds(self):
        self.report(100, 100)
        result = self.report(103, 103, now=NOW + datetime.timedelta(seconds=3))
        self.assertEqual(len(self.writes), 1)
        self.assertEqual((result.position_seconds, result.watched_seconds), (103, 103))
        self.assertEqual(self.stored().updated_at, NOW + datetime.timedelta(seconds=3))

    def test_the_lesson_completes_at_90_percent_and_stays_completed(self):
        self.assertEqual(completion_threshold(600), 540)
        self.assertEqual(completion_threshold(301), 271)
        self.assertFalse(self.report(539, 539).completed)
        result = self.report(540, 540, now=NOW + THROTTLE)
        self.assertTrue(result.completed)
        self.assertTrue(result.lesson_unlocked_next)
        self.assertEqual(self.stored().completed_at, NOW + THROTTLE)
        result = self.report(0, 0, now=NOW + 3 * THROTTLE)
        self.assertTrue(result.completed)
        self.assertFalse(result.lesson_unlocked_next)
        self.assertEqual(self.stored().completed_at, NOW + THROTTLE)

    def test_values_past_the_duration_count_as_the_duration(self):
        result = self.report(10_000, 9_000)
        self.assertEqual((result.position_seconds, result.watched_seconds), (600, 600))
        self.assertTrue(result.completed)

    def test_a_lesson_without_a_duration_completes_at_the_first_report(self):
        for lesson in (self.first, self.second):
            self.report(lesson.duration_seconds, lesson.duration_seconds, lesson=lesson)
        result = self.report(0, 0, lesson=self.third)
        self.assertTrue(result.completed)
        self.assertFalse(result.lesson_unlocked_next)  # there is no lesson after it
        self.assertEqual(result.progress, {"lessons_completed": 3, "lessons_total": 3})

    def test_a_shorter_duration_completes_the_lesson_at_the_next_report(self):
        self.report(300, 300)
        self.first.duration_seconds = 320
        self.first.save()
        result = self.report(300, 300, now=NOW + datetime.timedelta(seconds=1))
        self.assertEqual(len(self.writes), 1)
        self.assertTrue(result.completed)

    def test_the_next_lesson_is_locked_until_this_one_is_completed(self):
        with self.assertRaises(Forbidden) as refused:
            self.report(10, 10, lesson=self.second)
        self.assertEqual(refused.exception.code, "lesson_locked")
        self.report(600, 600)
        self.assertTrue(self.report(10, 10, lesson=self.second).written)

    def test_without_access_nothing_is_written(self):
        stranger = make_student()
        with self.assertRaises(Forbidden) as refused:
            self.report(10, 10, who=stranger)
        self.assertEqual(refused.exception.code, "no_access")
        after = NOW + datetime.timedelta(days=400)
        self.student.enrollments.update(access_until=NOW + datetime.timedelta(days=1))
        with self.assertRaises(Forbidden):
            self.report(10, 10, now=after)
        self.assertFalse(LessonProgress.objects.exists())

    def test_a_child_and_a_student_keep_their_own_progress(self):
        self.report(100, 100)
        self.report(200, 200, who=self.child)
        self.assertEqual(self.stored().watched_seconds, 100)
        self.assertEqual(self.stored(who=self.child).watched_seconds, 200)
        self.assertEqual(LessonProgress.objects.count(), 2)


class ProgressEndpointTests(OnlineCases, APITestCase):
    def post(self, lesson, body):
        return self.client.post(self.url("lessons", lesson.pk, "progress"), body, format="json")

    @time_machine.travel(NOW, tick=False)
    def test_a_student_reports_and_gets_the_stored_state_and_the_courses_progress(self):
        self.as_user("student")
        response = self.post(self.lesson1, {"position_seconds": 545, "watched_seconds": 545})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            response.json(),
            {
                "position_seconds": 545,
                "watched_seconds": 545,
                "completed": True,
                "lesson_unlocked_next": True,
                "progress": {"lessons_completed": 1, "lessons_total": 4},
            },
        )
        # The next lesson opens now.
        self.assertEqual(self.client.get(self.url("lessons", self.lesson2.pk)).status_code, 200)

    @time_machine.travel(NOW, tick=False)
    def test_a_parent_reports_for_their_child_and_must_name_it(self):
        self.as_user("parent")
        response = self.post(self.lesson1, {"position_seconds": 5, "watched_seconds": 5})
        self.assertEqual((response.status_code, response.json()["code"]), (400, "child_required"))
        body = {"position_seconds": 5, "watched_seconds": 5, "child": self.child.pk}
        self.assertEqual(self.post(self.lesson1, body).status_code, 200)
        self.assertTrue(LessonProgress.objects.filter(child=self.child).exists())
        self.as_user("other_parent")
        self.assertEqual(self.post(self.lesson1, body).status_code, 404)
        body["child"] = self.other_child.pk
        response = self.post(self.lesson1, body)
        self.assertEqual((response.status_code, response.json()["code"]), (403, "no_access"))

    def test_refusals(self):
        self.as_user("student")
        response = self.post(self.lesson2, {"position_seconds": 1, "watched_seconds": 1})
        self.assertEqual((response.status_code, response.json()["code"]), (403, "lesson_locked"))
        response = self.post(self.lesson1, {"position_seconds": -1, "watched_seconds": 1})
        self.assertEqual(response.status_code, 400)
        response = self.post(self.lesson1, {"position_seconds": 1})
        self.assertEqual(response.status_code, 400)
        for who, code in (("anonymous", 401), ("admin", 403), ("instructor", 403)):
            self.as_user(who)
            response = self.post(self.lesson1, {"position_seconds": 1, "watched_seconds": 1})
            self.assertEqual(response.status_code, code)
        self.assertFalse(LessonProgress.objects.exists())

    @time_machine.travel(NOW, tick=False)
    def test_a_report_that_changes_nothing_runs_no_write_statement(self):
        self.as_user("student")
        body = {"position_seconds": 60, "watched_seconds": 60}
        with CaptureQueriesContext(connection) as first:
            self.post(self.lesson1, body)
        with CaptureQueriesContext(connection) as again:
            response = self.post(self.lesson1, {"position_seconds": 70, "watched_seconds": 60})
        self.assertEqual(len(writes(first)), 1)
        self.assertEqual(writes(again), [])
        self.assertEqual(len(again), len(first) - 1)
        self.assertEqual(response.json()["position_seconds"], 60)


@requires_postgres
class ProgressRaceTests(TransactionTestCase):
    def test_twenty_reports_at_once_keep_the_largest_watched(self):
        student = make_student()
        course = OnlineCourseFactory()
        lesson = LessonFactory(online_course=course, number=1, duration_seconds=1000)
        enrol(student, course)
        values = [13 * i % 500 + 100 for i in range(20)]

        def report(watched):
            return lambda: lesson_progress_record(
                lesson=lesson,
                participant=student,
                position_seconds=watched,
                watched_seconds=watched,
                now=NOW,
            )

        results = run_concurrently(*(report(watched) for watched in values))
        self.assertFalse([r for r in results if isinstance(r, Exception)], results)
        row = LessonProgress.objects.get(lesson=lesson, student=student)
        self.assertEqual(row.watched_seconds, max(values))
        self.assertEqual(LessonProgress.objects.count(), 1)
        # Every answer saw at least its own value kept.
        for watched, result in zip(values, results, strict=True):
            self.assertGreaterEqual(result.watched_seconds, watched)

    def test_twenty_reports_at_once_complete_the_lesson_once(self):
        student = make_student()
        course = OnlineCourseFactory(sequential=True)
        lesson = LessonFactory(online_course=course, number=1, duration_seconds=100)
        LessonFactory(online_course=course, number=2)
        enrol(student, course)
        results = run_concurrently(
            *(
                lambda w=w: lesson_progress_record(
                    lesson=lesson,
                    participant=student,
                    position_seconds=w,
                    watched_seconds=w,
                    now=NOW + datetime.timedelta(microseconds=w),
                )
                for w in range(81, 101)
            )
        )
        self.assertFalse([r for r in results if isinstance(r, Exception)], results)
        row = LessonProgress.objects.get(lesson=lesson, student=student)
        self.assertEqual((row.watched_seconds, row.completed), (100, True))
        self.assertTrue(all(result.completed for result in results if result.watched_seconds >= 90))
