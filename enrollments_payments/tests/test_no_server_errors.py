"""Odd bodies and query strings on every enrollment endpoint answer 4xx, never 5xx."""

import time_machine
from rest_framework.test import APITestCase

from courses.tests.factories import CourseFactory
from enrollments_payments.tests.factories import NOW, make_enrollment, make_request
from users.tests.personas import PersonasMixin

BODIES = [
    None,
    [],
    "x",
    {"payment": "x"},
    {"payment": []},
    {"payment": None},
    {"payment": {"amount": "1e12", "method": "cash"}},
    {"payment": {"amount": "NaN", "method": "cash"}},
    {"ids": {"a": 1}},
    {"ids": [None]},
    {"price": "-1"},
    {"price": "Infinity"},
    {"reason": None},
    {"reason": ["a"]},
    {"course": None},
    {"course": True},
    {"child": "1"},
    {"enrollment": -1, "amount": "1"},
    {"enrollment": 1, "amount": "1", "method": "cash", "paid_at": "9999-99-99"},
]


@time_machine.travel(NOW, tick=False)
class NoServerErrorTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory()
        cls.req = make_request(participant=cls.child, course=cls.course)
        cls.enr = make_enrollment(
            participant=cls.other_child, course=cls.course, admin=cls.admin, paid="10.00"
        )

    def test_odd_input_never_answers_5xx(self):
        p = self.enr.payments.get().pk
        urls = [
            "/api/enrollment-requests/",
            f"/api/enrollment-requests/{self.req.pk}/approve/",
            f"/api/enrollment-requests/{self.req.pk}/reject/",
            f"/api/enrollment-requests/{self.req.pk}/cancel/",
            "/api/enrollment-requests/bulk-approve/",
            f"/api/enrollments/{self.enr.pk}/drop/",
            "/api/payments/",
            f"/api/payments/{p}/void/",
            "/api/refund-requests/",
        ]
        for who in ("admin", "parent", "student", "instructor"):
            for url in urls:
                for body in BODIES:
                    self.as_user(who)
                    r = self.client.post(url, body, format="json")
                    self.assertLess(r.status_code, 500, (who, url, body))
        for q in (
            "?status=zzz",
            "?course=abc",
            "?course=99999999999999999999999",
            "?paid_after=x",
            "?ordering=zz",
            "?page=999",
        ):
            for url in (
                "/api/enrollments/",
                "/api/payments/",
                "/api/refund-requests/",
                "/api/enrollment-requests/",
            ):
                self.as_user("admin")
                r = self.client.get(url + q)
                self.assertLess(r.status_code, 500, (url, q))
