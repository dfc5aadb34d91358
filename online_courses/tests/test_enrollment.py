"""Online courses are requested, approved, dropped, paid and refunded through the same
endpoints and services as on-site courses, naming ``online_course`` instead of ``course``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from rest_framework.test import APITestCase

from attendance.models import LectureAttendance
from courses.models import Audience, CourseStatus
from courses.tests.factories import CourseFactory
from enrollments_payments import offerings, services
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    Payment,
    RequestStatus,
)
from enrollments_payments.tests.factories import NOW, make_lectures
from notifications.models import Notification
from online_courses.models import LessonProgress
from online_courses.selectors import online_access
from online_courses.tests.enrol import enrol_online, request_online
from online_courses.tests.factories import LessonFactory, OnlineCourseFactory
from testkit.schema import assert_matches_schema
from users.tests.personas import PersonasMixin

URL = "/api/enrollment-requests/"


@time_machine.travel(NOW, tick=False)
class RequestTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.online = OnlineCourseFactory(price=Decimal("200.00"), access_days=30)

    def ask(self, data, who="parent"):
        self.as_user(who)
        return self.client.post(URL, data, format="json")

    def test_a_parent_asks_for_a_child_and_a_student_for_themself(self):
        response = self.ask({"online_course": self.online.pk, "child": self.child.pk})
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["online_course"], self.online.pk)
        self.assertEqual(response.data["online_course_name"], self.online.title)
        self.assertIsNone(response.data["course"])
        self.assertIsNone(response.data["course_name"])
        assert_matches_schema(response, path="/api/enrollment-requests/", method="post")

        response = self.ask({"online_course": self.online.pk}, who="student")
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["participant"]["type"], "student")

    def test_exactly_one_of_course_and_online_course(self):
        course = CourseFactory()
        for data in (
            {"child": self.child.pk},
            {"course": course.pk, "online_course": self.online.pk, "child": self.child.pk},
            {"course": None, "online_course": None, "child": self.child.pk},
        ):
            with self.subTest(data=data):
                response = self.ask(data)
                self.assertEqual(response.status_code, 400, response.data)
                self.assertEqual(response.data["code"], "course_or_online_course")
        self.assertFalse(EnrollmentRequest.objects.exists())

    def test_an_unknown_online_course_is_a_400_on_its_field(self):
        response = self.ask({"online_course": 999_999, "child": self.child.pk})
        self.assertEqual(response.status_code, 400)
        self.assertIn("online_course", response.data)

    def test_a_draft_or_archived_online_course_is_not_open(self):
        for status in (CourseStatus.DRAFT, CourseStatus.ARCHIVED):
            closed = OnlineCourseFactory(status=status)
            with self.subTest(status=status):
                response = self.ask({"online_course": closed.pk, "child": self.child.pk})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.data["code"], "course_not_published")

    def test_audience_and_age_are_checked_as_for_a_course_on_today(self):
        adults = OnlineCourseFactory(audience=Audience.ADULTS)
        # The child (born 2016-05-01) is 10 on NOW: too young for 11+, fine for 10+.
        older = OnlineCourseFactory(min_age=11)
        fitting = OnlineCourseFactory(min_age=10, max_age=10)
        for course in (adults, older):
            with self.subTest(course=course.title):
                response = self.ask({"online_course": course.pk, "child": self.child.pk})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.data["code"], "participant_ineligible")
        response = self.ask({"online_course": fitting.pk, "child": self.child.pk})
        self.assertEqual(response.status_code, 201, response.data)

    def test_another_familys_child_is_refused(self):
        response = self.ask({"online_course": self.online.pk, "child": self.other_child.pk})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "child_not_yours")

    def test_one_pending_request_and_no_request_once_enrolled(self):
        self.assertEqual(
            self.ask({"online_course": self.online.pk, "child": self.child.pk}).status_code, 201
        )
        again = self.ask({"online_course": self.online.pk, "child": self.child.pk})
        self.assertEqual((again.status_code, again.data["code"]), (409, "request_pending"))
        services.enrollment_request_approve(
            request=EnrollmentRequest.objects.get(online_course=self.online), actor=self.admin
        )
        enrolled = self.ask({"online_course": self.online.pk, "child": self.child.pk})
        self.assertEqual((enrolled.status_code, enrolled.data["code"]), (400, "already_enrolled"))

    def test_the_family_cancels_and_lists_by_online_course(self):
        request = request_online(participant=self.child, online_course=self.online)
        self.as_user("linked_parent")
        response = self.client.post(f"{URL}{request.pk}/cancel/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["status"], RequestStatus.CANCELLED)
        listed = self.client.get(URL, {"online_course": self.online.pk})
        self.assertEqual([row["id"] for row in listed.data["results"]], [request.pk])
        self.assertEqual(
            self.client.get(URL, {"online_course": self.online.pk + 1}).data["count"], 0
        )


@time_machine.travel(NOW, tick=False)
class ApprovalTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.online = OnlineCourseFactory(price=Decimal("200.00"), access_days=30)

    def approve(self, request, data=None):
        self.as_user("admin")
        return self.client.post(f"{URL}{request.pk}/approve/", data or {}, format="json")

    def test_approval_with_a_first_payment_opens_access_for_access_days(self):
        request = request_online(participant=self.child, online_course=self.online)
        payment = {"amount": "150.00", "method": "cash", "reference": "r-1"}

        response = self.approve(request, {"payment": payment})

        self.assertEqual(response.status_code, 200, response.data)
        enrollment = Enrollment.objects.get(pk=response.data["id"])
        self.assertEqual(enrollment.online_course, self.online)
        self.assertIsNone(enrollment.course)
        self.assertEqual(enrollment.access_until, NOW + datetime.timedelta(days=30))
        self.assertEqual(response.data["access_until"], "2026-12-10T12:00:00+02:00")
        self.assertEqual(response.data["price"], "200.00")
        self.assertEqual(response.data["amount_paid"], "150.00")
        self.assertEqual(response.data["balance"], "50.00")
        self.assertEqual(
            response.data["progress"], {"lessons_completed": 0, "lessons_total": 0, "percent": 0}
        )
        self.assertEqual(Payment.objects.get().enrollment, enrollment)
        self.assertEqual(
            online_access(participant=self.child, online_course=self.online), enrollment
        )
        self.assertFalse(LectureAttendance.objects.exists())
        approved = Notification.objects.get(kind="enrollment_approved")
        self.assertIn(self.online.title, approved.body)
        self.assertEqual(approved.data["online_course"], self.online.pk)
        assert_matches_schema(
            response, path="/api/enrollment-requests/{id}/approve/", method="post"
        )

    def test_no_end_when_access_days_is_empty(self):
        forever = OnlineCourseFactory(access_days=None)
        request = request_online(participant=self.child, online_course=forever)

        response = self.approve(request)

        self.assertEqual(response.status_code, 200, response.data)
        self.assertIsNone(response.data["access_until"])
        self.assertIsNotNone(online_access(participant=self.child, online_course=forever))

    def test_access_lasts_the_same_hours_whatever_the_clock_of_the_approval(self):
        # 60 days from 1 April 2027 cross the start of Egypt's summer time (30 April).
        sixty = OnlineCourseFactory(access_days=60)
        cairo = datetime.datetime(2027, 4, 1, 12, 0, tzinfo=ZoneInfo("Africa/Cairo"))
        in_utc = cairo.astimezone(datetime.UTC)
        self.assertEqual(
            offerings.access_until(sixty, approved_at=cairo),
            offerings.access_until(sixty, approved_at=in_utc),
        )
        self.assertEqual(
            offerings.access_until(sixty, approved_at=cairo) - in_utc, datetime.timedelta(days=60)
        )

    def test_an_online_course_has_no_capacity_and_no_roster(self):
        course = CourseFactory(capacity=1)
        make_lectures(course, [(datetime.date(2026, 11, 20), 9)])
        children = [self.child, self.other_child]
        for child in children:
            with self.subTest(child=child.first_name):
                self.assertEqual(
                    self.approve(
                        request_online(participant=child, online_course=self.online)
                    ).status_code,
                    200,
                )
        self.assertEqual(Enrollment.objects.filter(online_course=self.online).count(), 2)
        self.assertFalse(LectureAttendance.objects.exists())

    def test_a_reapproval_after_a_drop_reactivates_the_row_and_renews_access(self):
        first = enrol_online(participant=self.child, online_course=self.online, admin=self.admin)
        services.enrollment_drop(enrollment=first, actor=self.admin)
        self.assertIsNone(online_access(participant=self.child, online_course=self.online))
        later = NOW + datetime.timedelta(days=5)

        with time_machine.travel(later, tick=False):
            request = request_online(participant=self.child, online_course=self.online, now=later)
            response = self.approve(request)

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["id"], first.pk)
        first.refresh_from_db()
        self.assertEqual(first.status, EnrollmentStatus.ACTIVE)
        self.assertEqual(first.access_until, later + datetime.timedelta(days=30))
        self.assertIsNone(first.ended_at)

    def test_a_course_unpublished_since_the_request_is_refused_at_approval(self):
        request = request_online(participant=self.child, online_course=self.online)
        self.online.status = CourseStatus.ARCHIVED
        self.online.save()

        response = self.approve(request)

        self.assertEqual(
            (response.status_code, response.data["code"]), (400, "course_not_published")
        )
        self.assertFalse(Enrollment.objects.exists())

    def test_rejection_names_the_online_course(self):
        request = request_online(participant=self.child, online_course=self.online)
        self.as_user("admin")

        response = self.client.post(f"{URL}{request.pk}/reject/", {"reason": "later"})

        self.assertEqual(response.status_code, 200)
        rejected = Notification.objects.get(kind="enrollment_rejected")
        self.assertIn(self.online.title, rejected.body)
        self.assertEqual(rejected.data["online_course"], self.online.pk)

    def test_bulk_approval_takes_online_requests_too(self):
        requests = [
            request_online(participant=child, online_course=self.online)
            for child in (self.child, self.other_child)
        ]
        self.as_user("admin")

        response = self.client.post(
            f"{URL}bulk-approve/", {"ids": [r.pk for r in requests]}, format="json"
        )

        self.assertEqual(response.data["approved"], 2, response.data)


@time_machine.travel(NOW, tick=False)
class DropAndRefundTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.online = OnlineCourseFactory(price=Decimal("200.00"))
        cls.lesson = LessonFactory(online_course=cls.online, number=1)

    def setUp(self):
        self.enrollment = enrol_online(
            participant=self.child, online_course=self.online, admin=self.admin, paid="200.00"
        )

    def drop(self, who):
        self.as_user(who)
        return self.client.post(f"/api/enrollments/{self.enrollment.pk}/drop/")

    def test_the_family_drops_before_completing_a_lesson(self):
        response = self.drop("linked_parent")

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], EnrollmentStatus.DROPPED)
        self.assertIsNone(online_access(participant=self.child, online_course=self.online))

    def test_after_a_completed_lesson_only_the_center_drops(self):
        LessonProgress.objects.create(
            lesson=self.lesson, child=self.child, completed_at=NOW, updated_at=NOW
        )

        refused = self.drop("parent")

        self.assertEqual((refused.status_code, refused.data["code"]), (409, "enrollment_attended"))
        self.assertEqual(self.drop("admin").status_code, 200)

    def test_another_family_cannot_drop(self):
        self.assertEqual(self.drop("other_parent").status_code, 404)
        self.enrollment.refresh_from_db()
        self.assertEqual(self.enrollment.status, EnrollmentStatus.ACTIVE)

    def test_a_full_refund_ends_access(self):
        self.as_user("parent")
        asked = self.client.post(
            "/api/refund-requests/",
            {"enrollment": self.enrollment.pk, "amount": "200.00", "reason": "no time"},
            format="json",
        )
        self.assertEqual(asked.status_code, 201, asked.data)
        self.assertEqual(asked.data["online_course"], self.online.pk)
        self.assertIsNone(asked.data["course"])
        self.as_user("admin")

        approved = self.client.post(f"/api/refund-requests/{asked.data['id']}/approve/")

        self.assertEqual(approved.status_code, 200, approved.data)
        self.enrollment.refresh_from_db()
        self.assertEqual(self.enrollment.status, EnrollmentStatus.REFUNDED)
        self.assertIsNone(online_access(participant=self.child, online_course=self.online))

    def test_payments_name_the_online_course(self):
        self.as_user("parent")
        response = self.client.get("/api/payments/", {"online_course": self.online.pk})
        self.assertEqual(response.data["count"], 1)
        row = response.data["results"][0]
        self.assertEqual((row["course"], row["online_course"]), (None, self.online.pk))
        receipt = Notification.objects.get(kind="payment_receipt")
        self.assertIn(self.online.title, receipt.body)

    def test_a_payment_through_the_api_counts_against_the_online_price(self):
        self.as_user("admin")
        response = self.client.post(
            "/api/payments/",
            {"enrollment": self.enrollment.pk, "amount": "10.00", "method": "cash"},
            format="json",
        )
        self.assertEqual(
            (response.status_code, response.data["code"]), (400, "payment_exceeds_balance")
        )
        shown = self.client.get(f"/api/enrollments/{self.enrollment.pk}/")
        self.assertEqual(shown.data["balance"], "0.00")
