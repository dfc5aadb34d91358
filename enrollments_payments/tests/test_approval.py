"""Approval (single and bulk) and rejection: capacity, eligibility, roster, payment,
notifications — all or nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import time_machine
from django.utils import timezone
from rest_framework.test import APITestCase

from attendance.models import LectureAttendance
from core.errors import Conflict, Invalid
from courses.tests.factories import CourseFactory
from enrollments_payments import services
from enrollments_payments.models import (
    Enrollment,
    EnrollmentStatus,
    Payment,
    RequestStatus,
)
from enrollments_payments.tests.factories import NOW, make_lectures, make_request
from notifications.models import Notification
from testkit.schema import assert_matches_schema
from users.tests.factories import make_child, make_student
from users.tests.personas import PersonasMixin

URL = "/api/enrollment-requests/"


@time_machine.travel(NOW, tick=False)
class ApproveTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(capacity=2, price=Decimal("350.00"))
        cls.request = make_request(participant=cls.child, course=cls.course)

    def approve(self, request, data=None, who="admin"):
        self.as_user(who)
        return self.client.post(f"{URL}{request.pk}/approve/", data or {}, format="json")

    def test_only_admins_approve_and_reject(self):
        for who in ("parent", "student", "instructor"):
            with self.subTest(who=who):
                self.assertIn(self.approve(self.request, who=who).status_code, (403, 404))
                self.as_user(who)
                rejected = self.client.post(f"{URL}{self.request.pk}/reject/", {"reason": "x"})
                self.assertIn(rejected.status_code, (403, 404))
        self.assertFalse(Enrollment.objects.exists())

    def test_approval_answers_200_with_the_enrollment(self):
        response = self.approve(self.request)

        self.assertEqual(response.status_code, 200, response.data)
        enrollment = Enrollment.objects.get(pk=response.data["id"])
        self.assertEqual(enrollment.child, self.child)
        self.assertEqual(enrollment.status, EnrollmentStatus.ACTIVE)
        self.assertEqual(response.data["price"], "350.00")
        self.assertEqual(response.data["amount_paid"], "0.00")
        self.assertEqual(response.data["balance"], "350.00")
        # SPEC §6.3 names the enrollment's fields; created_by is the admin who approved.
        self.assertEqual(response.data["created_by"], self.admin.pk)
        self.assertEqual(
            response.data["enrolled_at"], timezone.localtime(enrollment.enrolled_at).isoformat()
        )
        self.request.refresh_from_db()
        self.assertEqual(self.request.status, RequestStatus.APPROVED)
        self.assertEqual(self.request.processed_by, self.admin)
        self.assertEqual(self.request.enrollment, enrollment)

    def test_the_requester_is_notified(self):
        self.approve(self.request)
        note = Notification.objects.get(recipient=self.parent, kind="enrollment_approved")
        self.assertEqual(note.data["course"], self.course.pk)

    def test_a_first_payment_is_recorded_with_a_receipt(self):
        response = self.approve(
            self.request,
            {"payment": {"amount": "100.00", "method": "cash", "reference": "R-1"}},
        )

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["amount_paid"], "100.00")
        self.assertEqual(response.data["balance"], "250.00")
        payment = Payment.objects.get()
        self.assertEqual((payment.reference, payment.received_by), ("R-1", self.admin))
        receipt = Notification.objects.get(recipient=self.parent, kind="payment_receipt")
        self.assertEqual(receipt.data["amount"], "100.00")

    def test_a_bad_payment_refuses_the_whole_approval(self):
        response = self.approve(self.request, {"payment": {"amount": "0", "method": "cash"}})

        self.assertEqual(response.status_code, 400)
        self.assertFalse(Enrollment.objects.exists())
        self.request.refresh_from_db()
        self.assertEqual(self.request.status, RequestStatus.PENDING)

    def test_a_full_course_is_409_course_full(self):
        for _ in range(2):
            other = make_request(participant=make_child(), course=self.course)
            self.assertEqual(self.approve(other).status_code, 200)

        response = self.approve(self.request)

        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "course_full")
        self.assertEqual(response.data["detail"], "الدورة مكتملة العدد.")
        self.assertEqual(Enrollment.objects.filter(course=self.course).count(), 2)
        self.request.refresh_from_db()
        self.assertEqual(self.request.status, RequestStatus.PENDING)

    def test_a_decided_request_is_a_conflict(self):
        self.assertEqual(self.approve(self.request).status_code, 200)
        again = self.approve(self.request)
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.data["code"], "request_not_pending")
        self.assertEqual(Enrollment.objects.count(), 1)

    def test_eligibility_is_checked_again_at_approval(self):
        self.course.min_age = 15
        self.course.save()
        response = self.approve(self.request)
        self.assertEqual(response.data["code"], "participant_ineligible")
        self.assertFalse(Enrollment.objects.exists())

    def test_re_enrolling_after_a_drop_reactivates_the_same_row(self):
        first = services.enrollment_request_approve(request=self.request, actor=self.admin, now=NOW)
        services.enrollment_drop(enrollment=first, actor=self.admin, now=NOW)
        again = make_request(participant=self.child, course=self.course)

        response = self.approve(again)

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["id"], first.pk)
        self.assertEqual(Enrollment.objects.get().status, EnrollmentStatus.ACTIVE)

    def test_reject_stores_the_reason_and_notifies(self):
        self.as_user("admin")
        response = self.client.post(
            f"{URL}{self.request.pk}/reject/", {"reason": "Full"}, format="json"
        )

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "rejected")
        self.assertEqual(response.data["rejection_reason"], "Full")
        self.assertTrue(
            Notification.objects.filter(recipient=self.parent, kind="enrollment_rejected").exists()
        )

    def test_an_admin_may_set_a_discounted_price(self):
        response = self.approve(self.request, {"price": "300.00"})
        self.assertEqual(response.data["price"], "300.00")
        self.assertEqual(response.data["balance"], "300.00")

    def test_the_service_refuses_a_price_or_reason_the_columns_cannot_hold(self):
        # Callers other than the API (the admin, jobs) meet the same checks.
        admin = self.personas.admin
        for price in (Decimal("-1"), Decimal("1.005"), Decimal("10") ** 12):
            with self.subTest(price=price), self.assertRaises(Invalid) as raised:
                services.enrollment_request_approve(request=self.request, actor=admin, price=price)
            self.assertEqual((raised.exception.code, raised.exception.field), ("invalid", "price"))
        for reason in ("x" * 2001, "a\x00b"):
            with self.subTest(reason=reason[:5]), self.assertRaises(Invalid) as raised:
                services.enrollment_request_reject(request=self.request, actor=admin, reason=reason)
            self.assertEqual((raised.exception.code, raised.exception.field), ("invalid", "reason"))
        self.assertFalse(Enrollment.objects.exists())
        self.request.refresh_from_db()
        self.assertEqual(self.request.status, RequestStatus.PENDING)


@time_machine.travel(NOW, tick=False)
class BulkApproveTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(capacity=2)
        make_lectures(cls.course, [(datetime.date(2026, 11, 20), 17)])
        cls.requests = [make_request(participant=make_child(), course=cls.course) for _ in range(3)]
        cls.ineligible = make_request(
            participant=make_student(), course=CourseFactory(audience="all")
        )

    def test_each_id_gets_its_own_result_and_none_is_half_applied(self):
        ids = [r.pk for r in self.requests] + [999999]
        self.as_user("admin")
        response = self.client.post(f"{URL}bulk-approve/", {"ids": ids}, format="json")

        self.assertEqual(response.status_code, 200, response.data)
        results = {row["id"]: (row["status"], row["code"]) for row in response.data["results"]}
        self.assertEqual(
            results,
            {
                self.requests[0].pk: (200, "approved"),
                self.requests[1].pk: (200, "approved"),
                self.requests[2].pk: (409, "course_full"),
                999999: (404, "not_found"),
            },
        )
        self.assertEqual(response.data["approved"], 2)
        # The refused one left nothing behind: no enrollment, no rows, still pending.
        third = self.requests[2]
        third.refresh_from_db()
        self.assertEqual(third.status, RequestStatus.PENDING)
        self.assertFalse(LectureAttendance.objects.filter(child=third.child).exists())
        self.assertEqual(LectureAttendance.objects.count(), 2)

    def test_the_answer_has_the_documented_shape(self):
        # Fuzzing found the answer validated against EnrollmentRequest (the view had no
        # response schema): every row, approved and refused, must match what is documented.
        ids = [self.requests[0].pk, self.requests[1].pk, self.requests[2].pk, 999999]
        self.as_user("admin")
        response = self.client.post(f"{URL}bulk-approve/", {"ids": ids}, format="json")

        self.assertEqual(response.status_code, 200, response.data)
        codes = [row["code"] for row in response.data["results"]]
        self.assertEqual(codes, ["approved", "approved", "course_full", "not_found"])
        assert_matches_schema(
            response, path="/api/enrollment-requests/bulk-approve/", method="post"
        )

    def test_only_admins_bulk_approve(self):
        self.as_user("parent")
        response = self.client.post(
            f"{URL}bulk-approve/", {"ids": [self.requests[0].pk]}, format="json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Enrollment.objects.exists())

    def test_bad_bodies_are_400(self):
        self.as_user("admin")
        for body in ({}, {"ids": []}, {"ids": ["x"]}, {"ids": [2**70]}):
            with self.subTest(body=body):
                response = self.client.post(f"{URL}bulk-approve/", body, format="json")
                self.assertEqual(response.status_code, 400)

    def test_the_service_refuses_non_admins(self):
        with self.assertRaises(Exception) as ctx:
            services.enrollment_request_approve(
                request=self.requests[0], actor=self.parent, now=NOW
            )
        self.assertEqual(ctx.exception.code, "admin_only")
        self.assertNotIsInstance(ctx.exception, Conflict)
