"""Races only PostgreSQL can show: the course row lock keeps capacity and one enrollment
per participant, and every loser gets a 409 — never a 500."""

from __future__ import annotations

import datetime

from django.test import TransactionTestCase
from rest_framework.test import APIClient

from attendance.models import LectureAttendance
from courses.tests.factories import CourseFactory
from enrollments_payments.models import Enrollment
from enrollments_payments.tests.factories import make_lectures, make_request
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_admin, make_child

# A course that has not started whatever the real date is when the suite runs.
START = datetime.date(2099, 1, 3)


def _approve(admin, request_id):
    def call():
        client = APIClient()
        client.force_authenticate(admin)
        response = client.post(f"/api/enrollment-requests/{request_id}/approve/", {}, format="json")
        return response.status_code, response.data.get("code")

    return call


@requires_postgres
class ApprovalRaceTests(TransactionTestCase):
    def setUp(self):
        self.admin = make_admin()
        self.course = CourseFactory(
            start_date=START, end_date=START + datetime.timedelta(days=30), capacity=3
        )
        make_lectures(self.course, [(START, 9), (START + datetime.timedelta(days=7), 9)])

    def test_four_approvals_for_the_last_seat_give_one_200_and_three_409(self):
        for _ in range(2):
            request = make_request(participant=make_child(), course=self.course, now=None)
            self.assertEqual(_approve(self.admin, request.pk)()[0], 200)
        contenders = [
            make_request(participant=make_child(), course=self.course, now=None) for _ in range(4)
        ]

        results = run_concurrently(*[_approve(self.admin, r.pk) for r in contenders])

        self.assertEqual(sorted(status for status, _ in results), [200, 409, 409, 409], results)
        self.assertEqual({code for status, code in results if status == 409}, {"course_full"})
        self.assertEqual(Enrollment.objects.filter(course=self.course, status="active").count(), 3)
        self.assertEqual(LectureAttendance.objects.filter(lecture__course=self.course).count(), 6)

    def test_two_approvals_of_the_same_participant_give_one_enrollment(self):
        child = make_child()
        request = make_request(participant=child, course=self.course, now=None)

        results = run_concurrently(
            _approve(self.admin, request.pk), _approve(self.admin, request.pk)
        )

        self.assertEqual(sorted(status for status, _ in results), [200, 409], results)
        self.assertEqual(Enrollment.objects.filter(course=self.course, child=child).count(), 1)
        self.assertEqual(LectureAttendance.objects.filter(child=child).count(), 2)
