"""Answers that scripts/fuzz.py found undocumented (issue #12, point 5), each checked
against the served schema the way schemathesis checks it (status code and body)."""

from __future__ import annotations

import datetime

import time_machine
from rest_framework.test import APITestCase

from attendance.tests.factories import (
    LectureRowFactory,
    ShiftRowFactory,
    make_device,
    make_fingered_instructor,
)
from courses.rules import local_datetime
from courses.tests.factories import CourseFactory, LectureFactory
from enrollments_payments.tests.factories import NOW, make_enrollment
from testkit.schema import assert_matches_schema
from users.tests.personas import PersonasMixin


@time_machine.travel(NOW, tick=False)
class FuzzFindingsTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(instructor=cls.instructor_profile)
        cls.enrollment = make_enrollment(
            participant=cls.child, course=cls.course, admin=cls.admin, paid="100.00"
        )
        cls.shift_row = ShiftRowFactory(shift__supervisor=cls.supervisor_profile)

    def test_a_shift_row_has_no_course_and_no_check_in_method_as_documented(self):
        self.as_user("admin")
        response = self.client.get(f"/api/instructor-attendance/{self.shift_row.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.data["course"])
        self.assertIsNone(response.data["course_name"])
        self.assertEqual(response.data["check_in_method"], "")
        assert_matches_schema(response, path="/api/instructor-attendance/{id}/", method="get")
        listed = self.client.get("/api/instructor-attendance/")
        assert_matches_schema(listed, path="/api/instructor-attendance/", method="get")

    def test_an_instructor_gets_enrollments_without_money_as_documented(self):
        self.as_user("instructor")
        response = self.client.get(f"/api/enrollments/{self.enrollment.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("balance", response.data)
        assert_matches_schema(response, path="/api/enrollments/{id}/", method="get")
        listed = self.client.get("/api/enrollments/")
        self.assertEqual(listed.data["count"], 1)
        assert_matches_schema(listed, path="/api/enrollments/", method="get")

    def test_the_admin_still_gets_the_money_fields(self):
        self.as_user("admin")
        response = self.client.get(f"/api/enrollments/{self.enrollment.pk}/")
        self.assertEqual(response.data["amount_paid"], "100.00")
        assert_matches_schema(response, path="/api/enrollments/{id}/", method="get")

    def test_a_scan_answers_200_as_documented(self):
        _device, key = make_device()
        make_fingered_instructor("FP-FUZZ")
        self.client.credentials(HTTP_AUTHORIZATION=f"Device {key}")
        for fingerprint in ("FP-FUZZ", "FP-UNKNOWN"):
            with self.subTest(fingerprint=fingerprint):
                response = self.client.post(
                    "/api/attendance/scan/", {"fingerprint_id": fingerprint}, format="json"
                )
                self.assertEqual(response.status_code, 200)
                assert_matches_schema(response, path="/api/attendance/scan/", method="post")

    def test_a_report_with_a_bad_query_parameter_answers_a_documented_400(self):
        self.as_user("admin")
        cases = [
            ("/api/reports/instructor-attendance/", "?format=csv&month="),
            ("/api/reports/finance/", "?season=x"),
            ("/api/reports/courses/{course_id}/attendance/", "?format=pdf"),
        ]
        for path, query in cases:
            with self.subTest(path=path, query=query):
                url = path.replace("{course_id}", str(self.course.pk)) + query
                response = self.client.get(url)
                self.assertEqual(response.status_code, 400)
                assert_matches_schema(response, path=path, method="get")

    def test_a_manual_check_in_or_out_off_the_sessions_day_is_refused(self):
        lecture = LectureFactory(course=self.course, date=datetime.date(2026, 11, 7))
        row = LectureRowFactory(lecture=lecture)
        url = f"/api/instructor-attendance/{row.pk}"
        self.as_user("admin")
        for at in ("1723-02-21T19:17:34-08:04", "2026-11-06T17:00:00+02:00"):
            with self.subTest(at=at):
                response = self.client.post(f"{url}/check-in/", {"at": at}, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.data["code"], "time_not_on_session_day")
                assert_matches_schema(
                    response, path="/api/instructor-attendance/{id}/check-in/", method="post"
                )
        row.refresh_from_db()
        self.assertEqual((row.status, row.check_in_at), ("pending", None))
        on_the_day = local_datetime(lecture.date, datetime.time(17, 5)).isoformat()
        response = self.client.post(f"{url}/check-in/", {"at": on_the_day}, format="json")
        self.assertEqual(response.status_code, 200)
        assert_matches_schema(
            response, path="/api/instructor-attendance/{id}/check-in/", method="post"
        )
        next_day = "2026-11-08T09:00:00+02:00"
        response = self.client.post(f"{url}/check-out/", {"at": next_day}, format="json")
        self.assertEqual(response.data["code"], "time_not_on_session_day")

    def test_a_payment_dated_outside_the_calendar_is_refused(self):
        self.as_user("admin")
        for paid_at in ("1723-02-21T19:17:34-08:04", "2101-01-01T10:00:00+02:00"):
            with self.subTest(paid_at=paid_at):
                body = {
                    "enrollment": self.enrollment.pk,
                    "amount": "10.00",
                    "method": "cash",
                    "paid_at": paid_at,
                }
                response = self.client.post("/api/payments/", body, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertIn("paid_at", response.data)
                assert_matches_schema(response, path="/api/payments/", method="post")
        self.assertEqual(self.enrollment.payments.count(), 1)
