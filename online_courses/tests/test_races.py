"""Races only PostgreSQL can show (SPEC §10): two approvals of one online enrollment
request give one enrollment and a 409 — never a 500 or a second row."""

from __future__ import annotations

import pytest
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from enrollments_payments.models import Enrollment, Payment
from online_courses.tests.enrol import request_online
from online_courses.tests.factories import OnlineCourseFactory
from testkit.db import requires_postgres, run_concurrently
from users.tests.factories import make_admin, make_child


def _approve(admin, request_id, body=None):
    def call():
        client = APIClient()
        client.force_authenticate(admin)
        response = client.post(
            f"/api/enrollment-requests/{request_id}/approve/", body or {}, format="json"
        )
        return response.status_code, response.data.get("code")

    return call


@pytest.mark.postgres
@requires_postgres
class OnlineApprovalRaceTests(TransactionTestCase):
    def setUp(self):
        self.admin = make_admin()
        self.online = OnlineCourseFactory(access_days=30)

    def test_two_approvals_of_one_request_give_one_enrollment_and_a_409(self):
        child = make_child()
        request = request_online(participant=child, online_course=self.online, now=None)
        body = {"payment": {"amount": "50.00", "method": "cash"}}

        results = run_concurrently(
            _approve(self.admin, request.pk, body), _approve(self.admin, request.pk, body)
        )

        self.assertEqual(sorted(status for status, _ in results), [200, 409], results)
        self.assertEqual(
            {code for status, code in results if status == 409}, {"request_not_pending"}
        )
        self.assertEqual(
            Enrollment.objects.filter(online_course=self.online, child=child).count(), 1
        )
        self.assertEqual(Payment.objects.count(), 1)

    def test_approvals_of_different_children_do_not_wait_for_seats(self):
        requests = [
            request_online(participant=make_child(), online_course=self.online, now=None)
            for _ in range(4)
        ]

        results = run_concurrently(*[_approve(self.admin, r.pk) for r in requests])

        self.assertEqual([status for status, _ in results], [200] * 4, results)
        self.assertEqual(Enrollment.objects.filter(online_course=self.online).count(), 4)


def _add_lesson(admin, online_course_id, body):
    def call():
        client = APIClient()
        client.force_authenticate(admin)
        response = client.post(
            f"/api/online-courses/{online_course_id}/lessons/", body, format="json"
        )
        return response.status_code, response.json()

    return call


@pytest.mark.postgres
@requires_postgres
class LessonCreationRaceTests(TransactionTestCase):
    """The course's row lock (online_courses.services.lesson_create) numbers lessons added
    at once one after another, and lets one of several claims on one number win."""

    def setUp(self):
        self.admin = make_admin()
        self.online = OnlineCourseFactory()

    def test_six_lessons_added_at_once_take_six_numbers(self):
        results = run_concurrently(
            *[_add_lesson(self.admin, self.online.pk, {"title": f"L{i}"}) for i in range(6)]
        )

        self.assertEqual([status for status, _ in results], [201] * 6, results)
        self.assertEqual(sorted(body["number"] for _, body in results), [1, 2, 3, 4, 5, 6])
        self.assertEqual(
            sorted(self.online.lessons.values_list("number", flat=True)), [1, 2, 3, 4, 5, 6]
        )

    def test_five_claims_on_one_number_give_one_lesson_and_four_400s(self):
        results = run_concurrently(
            *[_add_lesson(self.admin, self.online.pk, {"title": "x", "number": 3}) for _ in "abcde"]
        )

        self.assertEqual(sorted(status for status, _ in results), [201] + [400] * 4, results)
        self.assertEqual(list(self.online.lessons.values_list("number", flat=True)), [3])
