"""Money on the staff's pages: voiding a payment with a reason, recording one against an
enrollment's balance, the balance in words, rejecting requests with a reason, and the
messages of bulk decisions."""

from __future__ import annotations

from decimal import Decimal

import time_machine
from django.contrib import messages
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from core.display import datetime_text, money_text
from courses.tests.factories import CourseFactory
from enrollments_payments import payment_services, services
from enrollments_payments.admin_forms import balance_text
from enrollments_payments.models import (
    EnrollmentRequest,
    PaymentStatus,
    RequestStatus,
)
from enrollments_payments.tests.factories import NOW, make_enrollment, make_request
from users.tests.factories import make_admin, make_child, make_parent, make_student

PAYMENTS = "admin:enrollments_payments_payment"
REQUESTS = "admin:enrollments_payments_enrollmentrequest"


def _messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


@time_machine.travel(NOW, tick=False)
class MoneyAdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin(first_name="Mona", last_name="Staff")
        cls.course = CourseFactory(capacity=10)  # 350.00
        cls.parent = make_parent(phone_number1="+201012345678")
        cls.child = make_child(parent=cls.parent, first_name="Yasmin", last_name="Adel")
        cls.enrollment = make_enrollment(
            participant=cls.child, course=cls.course, admin=cls.staff, paid="50.00"
        )
        cls.payment = cls.enrollment.payments.get()

    def setUp(self):
        self.client.force_login(self.staff)


class VoidPaymentTests(MoneyAdminTestCase):
    def void_url(self, payment=None):
        return reverse(f"{PAYMENTS}_void", args=[(payment or self.payment).pk])

    def test_the_payment_page_offers_voiding_while_the_payment_counts(self):
        response = self.client.get(reverse(f"{PAYMENTS}_change", args=[self.payment.pk]))

        self.assertContains(response, self.void_url())
        self.assertContains(response, "50.00 ج.م")
        self.assertContains(response, "Mona Staff")  # received by

    def test_the_void_page_asks_for_the_reason(self):
        response = self.client.get(self.void_url())

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="reason"')
        self.assertContains(response, "50.00 ج.م")
        self.assertContains(response, "2026-11-10 12:00")

    def test_a_payment_is_voided_with_its_reason(self):
        response = self.client.post(self.void_url(), {"reason": "Recorded twice"})

        self.assertRedirects(
            response,
            reverse(f"{PAYMENTS}_change", args=[self.payment.pk]),
            fetch_redirect_response=False,
        )
        self.payment.refresh_from_db()
        self.assertEqual(self.payment.status, PaymentStatus.VOID)
        self.assertEqual(self.payment.void_reason, "Recorded twice")
        self.assertEqual(self.payment.voided_by, self.staff)
        self.assertEqual(self.payment.voided_at, NOW)

    def test_voiding_without_a_reason_is_a_form_error_and_writes_nothing(self):
        for reason in ("", "   "):
            with self.subTest(reason=reason):
                response = self.client.post(self.void_url(), {"reason": reason})

                self.assertEqual(response.status_code, 200)
                self.assertIn("reason", response.context["form"].errors)
                self.assertContains(response, "اكتب السبب.")
                self.payment.refresh_from_db()
                self.assertEqual(self.payment.status, PaymentStatus.PAID)
                self.assertEqual(self.payment.void_reason, "")
                self.assertIsNone(self.payment.voided_at)

    def test_a_refusal_of_the_service_is_shown_on_the_form(self):
        payment_services.refund_request_approve(
            refund=payment_services.refund_request_create(
                enrollment=self.enrollment, actor=self.staff, amount=Decimal("50.00")
            ),
            actor=self.staff,
        )

        response = self.client.post(self.void_url(), {"reason": "Mistake"})

        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.payment.refresh_from_db()
        self.assertEqual(self.payment.status, PaymentStatus.PAID)

    def test_a_void_payment_shows_who_voided_it_when_and_why(self):
        payment_services.payment_void(payment=self.payment, actor=self.staff, reason="Wrong child")

        response = self.client.get(reverse(f"{PAYMENTS}_change", args=[self.payment.pk]))

        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("ملغى", html)  # status
        self.assertIn("Wrong child", html)
        self.assertIn("2026-11-10 12:00", html)  # voided at, Cairo time
        self.assertGreaterEqual(html.count("Mona Staff"), 2)  # received by, voided by
        self.assertNotIn(self.void_url(), html)

    def test_a_void_payment_cannot_be_voided_again(self):
        payment_services.payment_void(payment=self.payment, actor=self.staff, reason="First")

        response = self.client.post(self.void_url(), {"reason": "Second"}, follow=True)

        self.assertIn(messages.WARNING, [level for level, _ in _messages(response)])
        self.payment.refresh_from_db()
        self.assertEqual(self.payment.void_reason, "First")


class AddPaymentTests(MoneyAdminTestCase):
    def post(self, amount: str, **extra):
        data = {
            "enrollment": self.enrollment.pk,
            "amount": amount,
            "method": "cash",
            "reference": "",
            "paid_at_0": "2026-11-10",
            "paid_at_1": "11:30",
            **extra,
        }
        return self.client.post(reverse(f"{PAYMENTS}_add"), data)

    def test_an_overpayment_is_refused_without_the_confirmation(self):
        response = self.post("400.00")  # the balance is 300.00

        self.assertEqual(response.status_code, 200)
        errors = response.context["adminform"].form.errors
        self.assertIn("amount", errors)
        self.assertIn("300.00 ج.م", errors["amount"][0])
        self.assertIn("تأكيد الدفع الزائد", errors["amount"][0])
        self.assertEqual(self.enrollment.payments.count(), 1)

    def test_an_overpayment_is_taken_when_confirmed(self):
        response = self.post("400.00", allow_overpayment="on")

        self.assertEqual(response.status_code, 302)
        payment = self.enrollment.payments.get(amount=Decimal("400.00"))
        self.assertEqual(payment.received_by, self.staff)
        self.assertEqual(datetime_text(payment.paid_at), "2026-11-10 11:30")

    def test_a_payment_within_the_balance_needs_no_confirmation(self):
        self.assertEqual(self.post("300.00").status_code, 302)

    def test_the_date_defaults_to_now(self):
        response = self.client.get(reverse(f"{PAYMENTS}_add"))

        self.assertEqual(response.context["adminform"].form.initial["paid_at"], NOW)
        self.assertContains(response, 'value="2026-11-10"')
        self.assertContains(response, 'value="12:00"')
        self.assertContains(response, 'inputmode="decimal"')  # a text box: Arabic digits type

    def test_the_enrollment_is_picked_by_search_and_preselected_with_its_balance(self):
        url = reverse(f"{PAYMENTS}_add") + f"?enrollment={self.enrollment.pk}"

        response = self.client.get(url)

        self.assertContains(response, "admin-autocomplete")
        self.assertContains(response, f'<option value="{self.enrollment.pk}" selected>')
        self.assertContains(response, "مستحق على الأسرة: 300.00 ج.م")

    def test_the_balance_of_another_enrollment_is_fetched_for_the_form(self):
        response = self.client.get(
            reverse(f"{PAYMENTS}_balance"), {"enrollment": self.enrollment.pk}
        )

        self.assertEqual(response.json(), {"text": "الرصيد: مستحق على الأسرة: 300.00 ج.م"})


class EnrollmentSearchTests(MoneyAdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.student = make_student(
            first_name="Karim", last_name="Nabil", phone_number1="+201155556666"
        )
        cls.student_enrollment = make_enrollment(
            participant=cls.student, course=cls.course, admin=cls.staff
        )
        make_enrollment(participant=make_child(), course=cls.course, admin=cls.staff)

    def found(self, term: str) -> set[int]:
        response = self.client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "enrollments_payments",
                "model_name": "payment",
                "field_name": "enrollment",
                "term": term,
            },
        )
        self.assertEqual(response.status_code, 200)
        return {int(row["id"]) for row in response.json()["results"]}

    def test_an_enrollment_is_found_by_name_code_or_phone(self):
        cases = {
            "Yasmin": self.enrollment,
            "Yasmin Adel": self.enrollment,
            self.child.code: self.enrollment,
            "01012345678": self.enrollment,  # the parent's phone, as written locally
            "+201012345678": self.enrollment,
            "Karim Nabil": self.student_enrollment,
            self.student.code: self.student_enrollment,
            "01155556666": self.student_enrollment,
        }
        for term, wanted in cases.items():
            with self.subTest(term=term):
                self.assertEqual(self.found(term), {wanted.pk})

    def test_a_refunded_enrollment_is_not_offered_for_a_payment(self):
        payment_services.refund_request_approve(
            refund=payment_services.refund_request_create(
                enrollment=self.enrollment, actor=self.staff, amount=Decimal("50.00")
            ),
            actor=self.staff,
        )

        self.assertEqual(self.found("Yasmin"), set())


class EnrollmentPageTests(MoneyAdminTestCase):
    def test_the_page_shows_paid_and_balance_and_links_to_a_payment(self):
        response = self.client.get(
            reverse("admin:enrollments_payments_enrollment_change", args=[self.enrollment.pk])
        )

        self.assertContains(response, "350.00 ج.م")  # price
        self.assertContains(response, "50.00 ج.م")  # paid
        self.assertContains(response, "مستحق على الأسرة: 300.00 ج.م")
        self.assertContains(
            response, reverse(f"{PAYMENTS}_add") + f"?enrollment={self.enrollment.pk}"
        )
        self.assertEqual(list(response.context["adminform"].form.fields), [])  # price included

    def test_paying_more_than_a_discounted_price_reads_as_credit_not_debt(self):
        request = make_request(participant=make_child(), course=self.course)
        enrollment = services.enrollment_request_approve(
            request=request, actor=self.staff, price=Decimal("40.00")
        )
        payment_services.payment_record(
            enrollment=enrollment,
            actor=self.staff,
            data=payment_services.PaymentInput(
                amount=Decimal("50.00"), method="cash", allow_overpayment=True
            ),
        )

        response = self.client.get(
            reverse("admin:enrollments_payments_enrollment_change", args=[enrollment.pk])
        )

        self.assertContains(response, "رصيد للأسرة لدى المركز: 10.00 ج.م")
        self.assertNotContains(response, "مستحق على الأسرة")
        self.assertNotContains(response, "-10.00")

    def test_a_refunded_enrollment_offers_no_payment(self):
        payment_services.refund_request_approve(
            refund=payment_services.refund_request_create(
                enrollment=self.enrollment, actor=self.staff, amount=Decimal("50.00")
            ),
            actor=self.staff,
        )

        response = self.client.get(
            reverse("admin:enrollments_payments_enrollment_change", args=[self.enrollment.pk])
        )

        self.assertNotContains(response, f"?enrollment={self.enrollment.pk}")
        self.assertContains(response, "لا شيء مستحق (0.00 ج.م)")
        self.assertContains(response, "المُسترد للأسرة")

    def test_the_list_shows_the_balance_in_words(self):
        response = self.client.get(reverse("admin:enrollments_payments_enrollment_changelist"))

        self.assertContains(response, "مستحق 300.00 ج.م")
        self.assertContains(response, "350.00 ج.م")


class RejectRequestTests(MoneyAdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.waiting = make_request(participant=make_child(), course=cls.course)

    def post(self, **extra):
        return self.client.post(
            reverse(f"{REQUESTS}_changelist"),
            {"action": "reject", "_selected_action": [self.waiting.pk], **extra},
            follow=True,
        )

    def test_rejecting_asks_for_the_reason_first(self):
        response = self.post(index=0)

        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "admin/enrollments_payments/reason_action.html")
        self.assertContains(response, 'name="reason"')
        self.assertContains(response, str(self.waiting))
        self.waiting.refresh_from_db()
        self.assertEqual(self.waiting.status, RequestStatus.PENDING)

    def test_the_reason_is_stored_and_shown_to_the_family(self):
        response = self.post(reason="The course is for girls only")

        self.waiting.refresh_from_db()
        self.assertEqual(self.waiting.status, RequestStatus.REJECTED)
        self.assertEqual(self.waiting.rejection_reason, "The course is for girls only")
        self.assertEqual(_messages(response), [(messages.SUCCESS, "تم رفض طلب واحد.")])

    def test_an_empty_reason_rejects_nothing(self):
        response = self.post(reason="  ")

        self.assertTemplateUsed(response, "admin/enrollments_payments/reason_action.html")
        self.assertContains(response, "اكتب السبب.")
        self.waiting.refresh_from_db()
        self.assertEqual(self.waiting.status, RequestStatus.PENDING)
        self.assertEqual(self.waiting.rejection_reason, "")


class BulkApprovalMessageTests(MoneyAdminTestCase):
    def full_course(self):
        course = CourseFactory(capacity=1)
        make_enrollment(participant=make_child(), course=course, admin=self.staff)
        return course

    def approve(self, *requests):
        return self.client.post(
            reverse(f"{REQUESTS}_changelist"),
            {"action": "approve", "_selected_action": [r.pk for r in requests]},
            follow=True,
        )

    def test_a_refused_approval_shows_only_the_refusal(self):
        full = self.full_course()
        waiting = make_request(participant=make_child(), course=full)

        response = self.approve(waiting)

        found = _messages(response)
        self.assertEqual([level for level, _ in found], [messages.WARNING])
        self.assertTrue(found[0][1].startswith(str(waiting)), found)
        self.assertEqual(EnrollmentRequest.objects.get(pk=waiting.pk).status, "pending")

    def test_approvals_are_counted_in_arabic_beside_the_refusals(self):
        full = self.full_course()
        refused = make_request(participant=make_child(), course=full)
        first = make_request(participant=make_child(), course=self.course)
        second = make_request(participant=make_child(), course=self.course)

        found = _messages(self.approve(refused, first, second))

        self.assertIn((messages.SUCCESS, "تمت الموافقة على طلبين."), found)
        self.assertEqual([level for level, _ in found].count(messages.WARNING), 1)


class MoneyWordsTests(TestCase):
    def test_amounts_have_two_places_a_dot_and_the_currency(self):
        with translation.override("ar"):
            self.assertEqual(money_text(Decimal("250")), "250.00 ج.م")
            self.assertEqual(money_text(Decimal("1234.5")), "1234.50 ج.م")

    def test_a_balance_says_who_owes_whom(self):
        with translation.override("ar"):
            self.assertEqual(balance_text(Decimal("300.00")), "مستحق على الأسرة: 300.00 ج.م")
            self.assertEqual(balance_text(Decimal("-10.00")), "رصيد للأسرة لدى المركز: 10.00 ج.م")
            self.assertEqual(balance_text(Decimal("0.00")), "لا شيء مستحق (0.00 ج.م)")


class RefundPageTests(MoneyAdminTestCase):
    def test_a_refund_after_a_discount_reads_as_the_familys_credit(self):
        request = make_request(participant=make_child(), course=self.course)
        enrollment = services.enrollment_request_approve(
            request=request, actor=self.staff, price=Decimal("40.00")
        )
        payment_services.payment_record(
            enrollment=enrollment,
            actor=self.staff,
            data=payment_services.PaymentInput(
                amount=Decimal("50.00"), method="cash", allow_overpayment=True
            ),
        )
        refund = payment_services.refund_request_create(
            enrollment=enrollment, actor=self.staff, amount=Decimal("10.00")
        )

        response = self.client.get(
            reverse("admin:enrollments_payments_refundrequest_change", args=[refund.pk])
        )

        self.assertContains(response, "10.00 ج.م")
        self.assertContains(response, "رصيد للأسرة لدى المركز: 10.00 ج.م")
        self.assertEqual(list(response.context["adminform"].form.fields), [])  # amount included
        self.assertNotContains(response, "مستحق على الأسرة")

    def test_rejecting_a_refund_asks_for_the_reason_and_keeps_it(self):
        refund = payment_services.refund_request_create(
            enrollment=self.enrollment, actor=self.parent.user, amount=Decimal("20.00")
        )
        url = reverse("admin:enrollments_payments_refundrequest_changelist")
        chosen = {"action": "reject", "_selected_action": [refund.pk]}

        asked = self.client.post(url, {**chosen, "index": 0})
        refund.refresh_from_db()
        self.assertTemplateUsed(asked, "admin/enrollments_payments/reason_action.html")
        self.assertEqual(refund.status, "pending")

        done = self.client.post(url, {**chosen, "reason": "Paid in cash, refund at the desk"})
        refund.refresh_from_db()
        self.assertEqual(done.status_code, 302)
        self.assertEqual(refund.status, "rejected")
        self.assertEqual(refund.decision_note, "Paid in cash, refund at the desk")


@time_machine.travel(NOW, tick=False)
class ArabicDigitsTests(MoneyAdminTestCase):
    def test_an_amount_typed_in_arabic_indic_digits_is_recorded(self):
        response = self.client.post(
            reverse(f"{PAYMENTS}_add"),
            {
                "enrollment": self.enrollment.pk,
                "amount": "٢٥٫٥٠",
                "method": "cash",
                "paid_at_0": "2026-11-10",
                "paid_at_1": "11:30",
            },
        )

        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.enrollment.payments.filter(amount=Decimal("25.50")).exists())

    def test_an_amount_with_an_exponent_is_refused(self):
        response = self.client.post(
            reverse(f"{PAYMENTS}_add"),
            {
                "enrollment": self.enrollment.pk,
                "amount": "1e2",
                "method": "cash",
                "paid_at_0": "2026-11-10",
                "paid_at_1": "11:30",
            },
        )

        self.assertEqual(response.status_code, 200)
        self.assertIn("amount", response.context["adminform"].form.errors)
        self.assertEqual(self.enrollment.payments.count(), 1)


class RequestPageTests(MoneyAdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.waiting = make_request(participant=make_child(), course=cls.course)

    def test_a_pending_requests_page_offers_both_decisions(self):
        response = self.client.get(reverse(f"{REQUESTS}_change", args=[self.waiting.pk]))

        self.assertContains(response, "الموافقة على هذا الطلب")
        self.assertContains(response, "رفض هذا الطلب")
        self.assertContains(response, f'name="_selected_action" value="{self.waiting.pk}"')

    def test_the_buttons_send_the_lists_actions_for_this_request(self):
        chosen = {"_selected_action": [self.waiting.pk]}
        url = reverse(f"{REQUESTS}_changelist")

        asked = self.client.post(url, {"action": "reject", **chosen})
        self.assertTemplateUsed(asked, "admin/enrollments_payments/reason_action.html")

        self.client.post(url, {"action": "approve", **chosen})
        self.waiting.refresh_from_db()
        self.assertEqual(self.waiting.status, RequestStatus.APPROVED)

    def test_a_decided_requests_page_offers_no_decision(self):
        services.enrollment_request_reject(request=self.waiting, actor=self.staff, reason="Full")

        response = self.client.get(reverse(f"{REQUESTS}_change", args=[self.waiting.pk]))

        self.assertNotContains(response, "رفض هذا الطلب")
        self.assertContains(response, "Full")  # the rejection reason


class MoneyListSearchTests(MoneyAdminTestCase):
    def found(self, name: str, term: str) -> list:
        response = self.client.get(
            reverse(f"admin:enrollments_payments_{name}_changelist"), {"q": term}
        )
        self.assertEqual(response.status_code, 200)
        return list(response.context["cl"].result_list)

    def test_payments_and_refunds_are_found_by_the_familys_phone_and_code(self):
        other = make_enrollment(participant=make_child(), course=self.course, paid="10.00")
        refund = payment_services.refund_request_create(
            enrollment=self.enrollment, actor=self.staff, amount=Decimal("5.00")
        )
        payment_services.refund_request_create(
            enrollment=other, actor=self.staff, amount=Decimal("5.00")
        )

        for term in ("01012345678", self.child.code):
            with self.subTest(term=term):
                self.assertEqual(self.found("payment", term), [self.payment])
                self.assertEqual(self.found("refundrequest", term), [refund])


class NothingEditedInPlaceTests(MoneyAdminTestCase):
    def test_money_pages_change_nothing_by_form(self):
        refund = payment_services.refund_request_create(
            enrollment=self.enrollment, actor=self.staff, amount=Decimal("5.00")
        )
        request = make_request(participant=make_child(), course=self.course)
        pages = {
            "enrollment": self.enrollment,
            "refundrequest": refund,
            "enrollmentrequest": request,
            "payment": self.payment,
        }
        for name, obj in pages.items():
            with self.subTest(page=name):
                response = self.client.get(
                    reverse(f"admin:enrollments_payments_{name}_change", args=[obj.pk])
                )
                self.assertEqual(list(response.context["adminform"].form.fields), [])
