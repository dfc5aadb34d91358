"""The staff's enrollment pages: actions through the services, no deleting money,
constant change-list queries, Arabic names."""

from __future__ import annotations

import re
from decimal import Decimal

import time_machine
from django.contrib import admin
from django.contrib.messages import WARNING
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from courses.tests.factories import CourseFactory
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    Payment,
    RefundRequest,
    RequestStatus,
)
from enrollments_payments.tests.factories import NOW, make_enrollment, make_request
from notifications.models import Notification
from users.tests.factories import make_admin, make_child

ARABIC = re.compile("[\u0600-\u06ff]")
MODELS = (EnrollmentRequest, Enrollment, Payment, RefundRequest)


def url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@time_machine.travel(NOW, tick=False)
class EnrollmentAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin()
        cls.course = CourseFactory(capacity=1)
        cls.enrollment = make_enrollment(
            participant=make_child(), course=cls.course, admin=cls.staff, paid="50.00"
        )
        cls.waiting = make_request(participant=make_child(), course=cls.course)

    def setUp(self):
        self.client.force_login(self.staff)

    def test_every_page_opens(self):
        objects = {
            EnrollmentRequest: self.waiting,
            Enrollment: self.enrollment,
            Payment: self.enrollment.payments.get(),
        }
        for model in MODELS:
            with self.subTest(model=model.__name__):
                self.assertEqual(self.client.get(url(model, "changelist")).status_code, 200)
                if model in objects:
                    response = self.client.get(url(model, "change", objects[model].pk))
                    self.assertEqual(response.status_code, 200)

    def test_money_is_never_deleted_here(self):
        request = self.client.get("/courses-admin/").wsgi_request
        for model in MODELS:
            with self.subTest(model=model.__name__):
                self.assertFalse(admin.site._registry[model].has_delete_permission(request))
        payment = self.enrollment.payments.get()
        self.assertEqual(
            self.client.post(url(Payment, "delete", payment.pk), {"post": "yes"}).status_code, 403
        )
        self.assertTrue(Payment.objects.filter(pk=payment.pk).exists())

    def test_approving_for_a_full_course_is_refused_in_the_admin_too(self):
        response = self.client.post(
            url(EnrollmentRequest, "changelist"),
            {"action": "approve", "_selected_action": [self.waiting.pk]},
            follow=True,
        )
        self.waiting.refresh_from_db()
        self.assertEqual(self.waiting.status, RequestStatus.PENDING)
        self.assertEqual(Enrollment.objects.filter(course=self.course).count(), 1)
        messages = [str(m) for m in response.context["messages"]]
        self.assertTrue(any(m.startswith(str(self.waiting)) for m in messages), messages)
        levels = {m.level for m in response.context["messages"]}
        self.assertEqual(levels, {WARNING}, messages)  # nothing approved: no success message

    def test_approving_through_the_admin_uses_the_service(self):
        self.course.capacity = 2
        self.course.save()
        self.client.post(
            url(EnrollmentRequest, "changelist"),
            {"action": "approve", "_selected_action": [self.waiting.pk]},
        )
        self.waiting.refresh_from_db()
        self.assertEqual(self.waiting.status, RequestStatus.APPROVED)
        self.assertTrue(
            Notification.objects.filter(
                kind="enrollment_approved", recipient=self.waiting.requested_by
            ).exists()
        )

    def test_adding_a_payment_goes_through_the_service(self):
        response = self.client.post(
            url(Payment, "add"),
            {
                "enrollment": self.enrollment.pk,
                "amount": "25.00",
                "method": "cash",
                "reference": "",
                "paid_at_0": "2026-11-10",
                "paid_at_1": "10:00",
            },
        )
        self.assertEqual(
            response.status_code,
            302,
            getattr(response, "context", None) and response.context["adminform"].form.errors,
        )
        payment = Payment.objects.get(amount=Decimal("25.00"))
        self.assertEqual(payment.received_by, self.staff)
        self.assertTrue(
            Notification.objects.filter(kind="payment_receipt", data__payment=payment.pk).exists()
        )

    def test_changelists_do_not_grow_with_rows(self):
        def count(model):
            with CaptureQueriesContext(connection) as ctx:
                self.client.get(url(model, "changelist"))
            return len(ctx.captured_queries)

        self.client.get(url(Enrollment, "changelist"))
        before = {model: count(model) for model in MODELS}
        course = CourseFactory(capacity=50)
        for _ in range(5):
            make_enrollment(participant=make_child(), course=course, admin=self.staff, paid="10.00")
            make_request(participant=make_child(), course=course)
        for model in (EnrollmentRequest, Enrollment, Payment):
            with self.subTest(model=model.__name__):
                self.assertEqual(count(model), before[model])

    def test_models_and_fields_have_arabic_names(self):
        with translation.override("ar"):
            for model in MODELS:
                meta = model._meta
                for name in (meta.verbose_name, meta.verbose_name_plural):
                    self.assertRegex(str(name), ARABIC, meta.label)
                for field in meta.get_fields():
                    if not hasattr(field, "verbose_name") or field.auto_created:
                        continue
                    with self.subTest(field=f"{meta.label}.{field.name}"):
                        self.assertRegex(str(field.verbose_name), ARABIC)
