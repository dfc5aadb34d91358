"""Issue #6, auth points that a single client can show: the admin login throttle, token
verification after a password change, one-shot rotation, e-mail case, and the 409 net."""

from __future__ import annotations

from unittest import mock

import psycopg
from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.test import SimpleTestCase, TestCase
from rest_framework.test import APITestCase

from core.exceptions import exception_handler
from users.models import CustomUser
from users.tests.factories import PASSWORD, UserFactory, make_admin, make_parent
from users.tests.test_throttles import FrozenThrottleClock

ADMIN_PHONE = "+201011110000"


class AdminLoginThrottleTests(FrozenThrottleClock, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = make_admin(phone_number1=ADMIN_PHONE)

    def admin_login(self, password, username=ADMIN_PHONE, ip="198.51.100.20"):
        return self.client.post(
            "/courses-admin/login/?next=/courses-admin/",
            {"username": username, "password": password, "next": "/courses-admin/"},
            REMOTE_ADDR=ip,
        )

    def errors(self, response) -> list[str]:
        return list(response.context["form"].non_field_errors())

    def test_the_right_password_logs_in_while_under_the_limit(self):
        response = self.admin_login(PASSWORD)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.session[SESSION_KEY], str(self.staff.pk))

    def test_after_ten_tries_right_and_wrong_passwords_get_the_same_429_page(self):
        for i in range(10):
            response = self.admin_login(f"wrong-{i}", ip=f"203.0.113.{i}")
            self.assertEqual(response.status_code, 200)

        with mock.patch(
            "django.contrib.auth.forms.authenticate", wraps=auth.authenticate
        ) as authenticate:
            wrong = self.admin_login("wrong-again", ip="192.0.2.1")
            right = self.admin_login(PASSWORD, ip="192.0.2.2")

        self.assertEqual((wrong.status_code, right.status_code), (429, 429))
        self.assertEqual(wrong["Retry-After"], right["Retry-After"])
        self.assertEqual(self.errors(wrong), self.errors(right))
        self.assertEqual(len(self.errors(right)), 1)
        self.assertIn("محاولات دخول كثيرة", right.content.decode())  # Arabic by default
        authenticate.assert_not_called()  # the password is not even checked
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_the_admin_login_is_throttled_per_ip_across_phone_numbers(self):
        for i in range(10):
            self.admin_login("wrong", username=f"+2010555500{i:02d}")
        self.assertEqual(self.admin_login(PASSWORD).status_code, 429)
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_api_and_admin_logins_share_one_budget_per_phone(self):
        for i in range(10):
            self.client.post(
                "/auth/jwt/create/",
                {"phone_number1": "01011110000", "password": "wrong"},
                content_type="application/json",
                REMOTE_ADDR=f"203.0.113.{i}",
            )
        response = self.admin_login(PASSWORD, ip="192.0.2.9")
        self.assertEqual(response.status_code, 429)
        self.assertNotIn(SESSION_KEY, self.client.session)


class JwtVerifyTests(APITestCase):
    def setUp(self):
        from django.core.cache import cache

        cache.clear()
        self.user = make_parent().user
        self.tokens = self.client.post(
            "/auth/jwt/create/",
            {"phone_number1": str(self.user.phone_number1), "password": PASSWORD},
            format="json",
        ).data

    def verify(self, token):
        return self.client.post("/auth/jwt/verify/", {"token": token}, format="json")

    def test_verify_accepts_a_live_token(self):
        self.assertEqual(self.verify(self.tokens["access"]).status_code, 200)
        self.assertEqual(self.verify(self.tokens["refresh"]).status_code, 200)

    def test_verify_says_password_changed_for_tokens_older_than_the_password(self):
        self.user.set_password("Brand-new-pass-42")
        self.user.save()
        for kind in ("access", "refresh"):
            response = self.verify(self.tokens[kind])
            self.assertEqual(response.status_code, 401, kind)
            self.assertEqual(response.data["code"], "password_changed", kind)

    def test_verify_refuses_the_token_of_an_inactive_or_removed_user(self):
        CustomUser.objects.filter(pk=self.user.pk).update(is_active=False)
        self.assertEqual(self.verify(self.tokens["access"]).status_code, 401)

    def test_a_rotated_refresh_token_cannot_log_out_or_refresh_again(self):
        refreshed = self.client.post(
            "/auth/jwt/refresh/", {"refresh": self.tokens["refresh"]}, format="json"
        )
        self.assertEqual(refreshed.status_code, 200)
        again = self.client.post(
            "/auth/jwt/refresh/", {"refresh": self.tokens["refresh"]}, format="json"
        )
        self.assertEqual((again.status_code, again.data["code"]), (401, "token_not_valid"))
        logout = self.client.post(
            "/auth/jwt/blacklist/", {"refresh": self.tokens["refresh"]}, format="json"
        )
        self.assertEqual(logout.status_code, 401)
        # The new refresh token still works, once.
        newer = self.client.post(
            "/auth/jwt/refresh/", {"refresh": refreshed.data["refresh"]}, format="json"
        )
        self.assertEqual(newer.status_code, 200)


class EmailCaseTests(APITestCase):
    def setUp(self):
        from django.core.cache import cache

        cache.clear()
        self.taken = UserFactory(email="Case@Example.com")

    def test_the_database_refuses_an_email_that_differs_only_in_case(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            UserFactory(email="CASE@example.COM")

    def test_model_validation_reports_it_on_the_email_field(self):
        user = UserFactory.build(email="case@example.com")
        with self.assertRaises(ValidationError) as caught:
            user.full_clean(exclude=["password"])
        self.assertIn("email", caught.exception.message_dict)

    def test_registration_answers_400_on_the_email_field(self):
        response = self.client.post(
            "/auth/users/",
            {
                "phone_number1": "+201066660000",
                "first_name": "A",
                "last_name": "B",
                "email": "CASE@example.com",
                "password": "Wq8-long-pass",
                "re_password": "Wq8-long-pass",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("email", response.data)

    def test_users_without_email_or_with_an_empty_one_do_not_clash(self):
        UserFactory(email=None)
        UserFactory(email=None)
        UserFactory(email="")
        UserFactory(email="")
        self.assertEqual(CustomUser.objects.filter(email__isnull=True).count(), 2)


class LockConflictMappingTests(SimpleTestCase):
    def lock_error(self, cause):
        try:
            raise OperationalError("deadlock detected") from cause
        except OperationalError as exc:
            return exc

    def test_a_deadlock_or_serialization_failure_is_a_409_conflict(self):
        for cause in (psycopg.errors.DeadlockDetected(), psycopg.errors.SerializationFailure()):
            response = exception_handler(self.lock_error(cause), {})
            self.assertEqual(response.status_code, 409, type(cause))
            self.assertEqual(response.data["code"], "conflict")

    def test_other_operational_errors_are_a_503_to_retry_not_a_conflict(self):
        # A statement cancelled by its timeout, a refused connection, an exhausted pool:
        # the database cannot serve now (tests/drills/test_database_down.py on real servers).
        with self.assertLogs("core.exceptions", "ERROR"):
            response = exception_handler(self.lock_error(psycopg.errors.QueryCanceled()), {})
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.data["code"], "database_unavailable")
        self.assertEqual(response["Retry-After"], "5")
