"""Identical course ratings racing (SPEC §10): five copies of one POST, each on its own
thread and database connection, released together, end with one row — one 201, four 200
(each a re-rating of the row the first one made) — never a 500 or a duplicate.

PostgreSQL only: SQLite serialises whole transactions, so nothing races there.
"""

from __future__ import annotations

import pytest
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from courses.models import CourseRating
from courses.tests.factories import CourseFactory
from enrollments_payments.models import Enrollment
from enrollments_payments.tests.factories import NOW, make_enrollment
from online_courses.tests.factories import OnlineCourseFactory
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_child, make_student

BURST = 5


def _post(user, body: dict):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        response = client.post("/api/course-ratings/", body, format="json")
        return response.status_code, response.data.get("id")

    return call


@pytest.mark.postgres
@requires_postgres
class CourseRatingRaceTests(TransactionTestCase):
    def assertOneRow(self, results, **lookup):
        for result in results:
            # A 500 reaches the test client as the exception the view raised.
            self.assertIsInstance(result, tuple, results)
        self.assertEqual(sorted(status for status, _ in results), [200] * 4 + [201], results)
        # Everyone was answered with the one row.
        self.assertEqual(len({pk for _, pk in results}), 1, results)
        self.assertEqual(CourseRating.objects.filter(**lookup).count(), 1)

    def test_a_parent_rating_a_course_five_times_at_once(self):
        child = make_child()
        course = CourseFactory()
        make_enrollment(participant=child, course=course)
        body = {"course": course.pk, "child": child.pk, "rating": 8, "comment": "x"}

        results = run_concurrently(*[_post(child.primary_parent.user, body) for _ in range(BURST)])

        self.assertOneRow(results, course=course, child=child)

    def test_a_student_rating_an_online_course_five_times_at_once(self):
        student = make_student()
        online = OnlineCourseFactory()
        Enrollment.objects.create(
            online_course=online, student=student, price=online.price, enrolled_at=NOW
        )
        body = {"online_course": online.pk, "rating": 6}

        results = run_concurrently(*[_post(student.user, body) for _ in range(BURST)])

        self.assertOneRow(results, online_course=online, student=student)
