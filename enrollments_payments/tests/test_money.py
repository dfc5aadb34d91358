"""Payments (admins only, never deleted, voided with who and why), balances and refunds."""

from __future__ import annotations

from decimal import Decimal

import time_machine
from rest_framework.test import APITestCase

from attendance.models import LectureAttendance
from courses.tests.factories import CourseFactory
from enrollments_payments import payment_services
from enrollments_payments.models import EnrollmentStatus, Payment, RefundRequest
from enrollments_payments.tests.factories import NOW, make_enrollment, make_lectures, make_request
from notifications.models import Notification
from users.tests.factories import make_child
from users.tests.personas import PersonasMixin


@time_machine.travel(NOW, tick=False)
class PaymentTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(price=Decimal("350.00"))
        cls.enrollment = make_enrollment(participant=cls.child, course=cls.course, admin=cls.admin)

    def pay(self, who="admin", **data):
        self.as_user(who)
        body = {"enrollment": self.enrollment.pk, "amount": "200.00", "method": "instapay"} | data
        return self.client.post("/api/payments/", body, format="json")

    def test_an_admin_records_a_payment_and_the_payer_gets_a_receipt(self):
        response = self.pay(reference="IP-9")

        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["amount"], "200.00")
        self.assertEqual(response.data["status"], "paid")
        self.assertEqual(response.data["received_by"], self.admin.pk)
        self.assertTrue(
            Notification.objects.filter(recipient=self.parent, kind="payment_receipt").exists()
        )
        self.as_user("parent")
        enrollment = self.client.get(f"/api/enrollments/{self.enrollment.pk}/").data
        self.assertEqual((enrollment["amount_paid"], enrollment["balance"]), ("200.00", "150.00"))

    def test_totals_larger_than_one_payment_still_read_as_money(self):
        # One payment fits 10 digits; the sum of two of the largest does not. Reading the
        # enrollment must not fail on the total (it answered 500 before).
        for _ in range(2):
            response = self.pay(amount="99999999.99", allow_overpayment=True)
            self.assertEqual(response.status_code, 201)
        self.as_user("parent")
        for url in ("/api/enrollments/", f"/api/enrollments/{self.enrollment.pk}/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                row = response.data["results"][0] if "results" in response.data else response.data
                self.assertEqual(row["amount_paid"], "199999999.98")
                self.assertEqual(row["balance"], "-199999649.98")

    def test_a_payment_above_the_balance_needs_the_admins_confirmation(self):
        self.assertEqual(self.pay(amount="300.00").status_code, 201)  # 50.00 left

        response = self.pay(amount="50.01")

        self.assertEqual(
            (response.status_code, response.data["code"], response.data["balance"]),
            (400, "payment_exceeds_balance", "50.00"),
        )
        self.assertIn("amount", response.data)
        self.assertEqual(Payment.objects.count(), 1)
        self.assertEqual(self.pay(amount="50.00").status_code, 201)  # exactly the balance
        response = self.pay(amount="20.00", allow_overpayment=True)
        self.assertEqual(response.status_code, 201, response.data)
        self.as_user("parent")
        enrollment = self.client.get(f"/api/enrollments/{self.enrollment.pk}/").data
        self.assertEqual(enrollment["balance"], "-20.00")

    def test_an_approval_with_a_payment_above_the_price_is_refused_whole(self):
        request = make_request(participant=make_child(), course=self.course)
        self.as_user("admin")
        url = f"/api/enrollment-requests/{request.pk}/approve/"
        payment = {"amount": "400.00", "method": "cash"}

        response = self.client.post(url, {"payment": payment}, format="json")

        self.assertEqual(
            (response.status_code, response.data["code"]), (400, "payment_exceeds_balance")
        )
        request.refresh_from_db()
        self.assertEqual(request.status, "pending")
        payment["allow_overpayment"] = True
        response = self.client.post(url, {"payment": payment}, format="json")
        self.assertEqual((response.status_code, response.data["balance"]), (200, "-50.00"))

    def test_nobody_else_records_payments(self):
        for who in ("parent", "student", "instructor"):
            with self.subTest(who=who):
                self.assertEqual(self.pay(who).status_code, 403)
        self.assertFalse(Payment.objects.exists())

    def test_bad_amounts_and_methods_are_400(self):
        for data in (
            {"amount": "0"},
            {"amount": "-5"},
            {"amount": "abc"},
            {"method": "gold"},
            {"enrollment": 999999},
        ):
            with self.subTest(data=data):
                self.assertEqual(self.pay(**data).status_code, 400)

    def test_payments_are_never_deleted(self):
        payment_id = self.pay().data["id"]
        self.as_user("admin")
        self.assertEqual(self.client.delete(f"/api/payments/{payment_id}/").status_code, 405)
        self.assertTrue(Payment.objects.filter(pk=payment_id).exists())

    def test_void_keeps_the_row_with_who_and_why(self):
        payment_id = self.pay().data["id"]
        self.as_user("admin")
        response = self.client.post(
            f"/api/payments/{payment_id}/void/", {"reason": "typo"}, format="json"
        )

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "void")
        self.assertEqual(response.data["voided_by"], self.admin.pk)
        self.assertEqual(response.data["void_reason"], "typo")
        enrollment = self.client.get(f"/api/enrollments/{self.enrollment.pk}/").data
        self.assertEqual(enrollment["amount_paid"], "0.00")
        again = self.client.post(
            f"/api/payments/{payment_id}/void/", {"reason": "x"}, format="json"
        )
        self.assertEqual(again.status_code, 409)

    def test_void_needs_a_reason_and_an_admin(self):
        payment_id = self.pay().data["id"]
        self.as_user("admin")
        self.assertEqual(
            self.client.post(f"/api/payments/{payment_id}/void/", {}, format="json").status_code,
            400,
        )
        self.as_user("parent")
        self.assertEqual(
            self.client.post(f"/api/payments/{payment_id}/void/", {"reason": "x"}).status_code, 403
        )
        self.assertEqual(Payment.objects.get().status, "paid")


@time_machine.travel(NOW, tick=False)
class RefundTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(price=Decimal("350.00"), capacity=1)
        cls.lectures = make_lectures(cls.course, [(NOW.date().replace(day=20), 17)])
        cls.enrollment = make_enrollment(
            participant=cls.child, course=cls.course, admin=cls.admin, paid="300.00"
        )

    def ask(self, who="parent", amount="100.00"):
        self.as_user(who)
        body = {"enrollment": self.enrollment.pk, "amount": amount, "reason": "moving"}
        return self.client.post("/api/refund-requests/", body, format="json")

    def decide(self, refund_id, verdict, who="admin"):
        self.as_user(who)
        return self.client.post(f"/api/refund-requests/{refund_id}/{verdict}/", {}, format="json")

    def test_the_payer_asks_and_an_admin_approves_a_partial_refund(self):
        refund = self.ask()
        self.assertEqual(refund.status_code, 201, refund.data)

        self.assertEqual(self.decide(refund.data["id"], "approve", who="parent").status_code, 403)
        response = self.decide(refund.data["id"], "approve")

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["status"], "approved")
        self.enrollment.refresh_from_db()
        self.assertEqual(self.enrollment.status, EnrollmentStatus.ACTIVE)
        self.assertEqual(payment_services.enrollment_balance(self.enrollment), Decimal("150.00"))

    def test_an_instructor_who_sees_the_enrollment_may_not_ask_for_its_refund(self):
        course = CourseFactory(instructor=self.instructor_profile)
        enrollment = make_enrollment(
            participant=self.other_child, course=course, admin=self.admin, paid="100.00"
        )
        body = {"enrollment": enrollment.pk, "amount": "10.00"}
        self.as_user("instructor")
        self.assertEqual(self.client.get(f"/api/enrollments/{enrollment.pk}/").status_code, 200)
        response = self.client.post("/api/refund-requests/", body, format="json")
        self.assertEqual((response.status_code, response.data["code"]), (403, "not_allowed"))
        # Someone who cannot see it gets the answer of an unknown id.
        self.as_user("other_instructor")
        response = self.client.post("/api/refund-requests/", body, format="json")
        unknown = self.client.post(
            "/api/refund-requests/", {**body, "enrollment": 999999}, format="json"
        )
        self.assertEqual((response.status_code, response.data), (400, unknown.data))
        self.assertFalse(RefundRequest.objects.filter(enrollment=enrollment).exists())

    def test_a_refund_cannot_exceed_the_net_paid(self):
        self.assertEqual(self.ask(amount="300.01").data["code"], "refund_exceeds_paid")
        self.assertEqual(self.ask(amount="200.00").status_code, 201)
        # 200 already asked: only 100 more may be.
        self.assertEqual(self.ask(amount="150.00").status_code, 400)
        self.assertEqual(self.ask(who="linked_parent", amount="100.00").status_code, 201)

    def test_strangers_cannot_ask(self):
        for who in ("other_parent", "student", "instructor"):
            with self.subTest(who=who):
                self.assertEqual(self.ask(who=who).status_code, 400)
        self.assertFalse(RefundRequest.objects.exists())

    def test_a_full_refund_frees_the_seat_and_the_future_rows(self):
        refund = self.ask(amount="300.00")
        self.decide(refund.data["id"], "approve")

        self.enrollment.refresh_from_db()
        self.assertEqual(self.enrollment.status, EnrollmentStatus.REFUNDED)
        self.assertFalse(LectureAttendance.objects.filter(child=self.child).exists())
        self.as_user("admin")
        course = self.client.get(f"/api/courses/{self.course.pk}/").data
        self.assertEqual(course["seats_left"], 1)

    def test_a_fully_refunded_enrollment_owes_nothing(self):
        refund = self.ask(amount="300.00")
        self.decide(refund.data["id"], "approve")

        self.as_user("parent")
        row = self.client.get(f"/api/enrollments/{self.enrollment.pk}/").data
        self.assertEqual(
            (row["status"], row["amount_paid"], row["amount_refunded"], row["balance"]),
            ("refunded", "300.00", "300.00", "0.00"),
        )
        self.enrollment.refresh_from_db()
        self.assertEqual(payment_services.enrollment_balance(self.enrollment), Decimal("0.00"))
        self.as_user("admin")
        report = self.client.get(f"/api/reports/finance/?season={self.course.season_id}").json()
        self.assertEqual(
            {k: report["totals"][k] for k in ("billed", "paid", "refunded", "outstanding")},
            {"billed": "0.00", "paid": "300.00", "refunded": "300.00", "outstanding": "0.00"},
        )

    def test_reject_keeps_the_money(self):
        refund = self.ask()
        response = self.decide(refund.data["id"], "reject")
        self.assertEqual(response.data["status"], "rejected")
        self.assertEqual(self.decide(refund.data["id"], "approve").status_code, 409)
        self.assertEqual(payment_services.enrollment_balance(self.enrollment), Decimal("50.00"))

    def test_a_refunded_payment_cannot_be_voided(self):
        refund = self.ask(amount="300.00")
        self.decide(refund.data["id"], "approve")
        payment = Payment.objects.get()
        self.as_user("admin")
        response = self.client.post(
            f"/api/payments/{payment.pk}/void/", {"reason": "x"}, format="json"
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.data["code"], "payment_refunded")
