"""Throttles: atomic counting, one bucket per phone whatever its spelling, odd bodies, and
the new scopes (password change, child-code guesses). Sequential; runs on every backend.

The throttle clock is frozen (the clock is the outside world) so that a run never straddles
two windows of the fixed-window counter.
"""

from __future__ import annotations

import threading
from unittest import mock

from django.core.cache import cache
from django.test import SimpleTestCase
from rest_framework.test import APIRequestFactory, APITestCase

from users.tests.factories import PASSWORD, make_child, make_parent
from users.throttles import AtomicRateThrottle, LoginIPThrottle, phone_throttle_ident

# 15 s into a minute window (and into an hour window): Retry-After is 45 for a minute rate.
FROZEN_NOW = 1_800_000_015.0


class FrozenThrottleClock:
    """Mixin: empty throttle counters and a fixed throttle clock for each test."""

    now = FROZEN_NOW

    def setUp(self):
        super().setUp()
        cache.clear()
        patcher = mock.patch.object(AtomicRateThrottle, "timer", lambda _throttle: self.now)
        patcher.start()
        self.addCleanup(patcher.stop)


class LoginThrottleTests(FrozenThrottleClock, APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_parent(phone_number1="+201012345678").user

    def login(self, phone, password="wrong-password", ip="198.51.100.7"):
        return self.client.post(
            "/auth/jwt/create/",
            {"phone_number1": phone, "password": password},
            format="json",
            REMOTE_ADDR=ip,
        )

    def test_the_eleventh_login_from_one_ip_is_429_with_retry_after(self):
        statuses = [self.login(f"+2010999900{i:02d}").status_code for i in range(10)]
        self.assertEqual(statuses, [401] * 10)

        response = self.login("+201099990099")

        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.data["code"], "throttled")
        self.assertEqual(response["Retry-After"], "45")

    def test_a_new_window_lets_the_ip_in_again(self):
        for i in range(11):
            self.login(f"+2010999900{i:02d}")
        self.assertEqual(self.login("+201099990099").status_code, 429)

        self.now += 45  # the next minute
        self.assertEqual(self.login("+201099990099").status_code, 401)

    def test_a_phone_sent_as_a_json_number_counts_in_the_same_bucket_as_the_string(self):
        spellings = ["+201012345678", 201012345678, 1012345678, "01012345678", "0020 10 1234 5678"]
        statuses = [
            self.login(spellings[i % len(spellings)], ip=f"203.0.113.{i}").status_code
            for i in range(10)
        ]
        self.assertEqual(statuses, [401] * 10)

        # Another address, yet another spelling, and even the right password: locked.
        for phone in (201012345678, "+201012345678"):
            response = self.login(phone, password=PASSWORD, ip="192.0.2.200")
            self.assertEqual(response.status_code, 429, phone)

    def test_odd_login_bodies_never_crash_the_throttles(self):
        bodies = [
            [],
            ["+201012345678"],
            {"phone_number1": ["+201012345678"], "password": "x"},
            {"phone_number1": {"nested": {"deeper": 1}}, "password": "x"},
            {"phone_number1": True, "password": "x"},
            {"phone_number1": None, "password": "x"},
            {"phone_number1": 2.5e300, "password": "x"},
            {"phone_number1": "x" * 5000, "password": "x"},
            {"phone_number1": "\u0000\ud7ff", "password": "x"},
            "just a string",
            12345,
        ]
        for i, body in enumerate(bodies):
            with self.subTest(body=str(body)[:40]):
                response = self.client.post(
                    "/auth/jwt/create/", body, format="json", REMOTE_ADDR=f"10.9.0.{i}"
                )
                self.assertIn(response.status_code, (400, 401), response.content[:200])


class PhoneIdentTests(SimpleTestCase):
    def test_every_spelling_of_one_number_has_one_ident(self):
        idents = {
            phone_throttle_ident(value)
            for value in (
                "+201012345678",
                "01012345678",
                201012345678,
                1012345678,
                " 010 1234 5678",
            )
        }
        self.assertEqual(idents, {"+201012345678"})

    def test_values_that_are_not_phones_get_no_bucket_or_a_bounded_one(self):
        for value in (None, True, False, [], {}, ["+201012345678"], ""):
            self.assertIsNone(phone_throttle_ident(value), value)
        for value in ("9" * 100_000, "+" + "9" * 100_000, "not a phone"):
            ident = phone_throttle_ident(value)
            self.assertTrue(ident.startswith("raw-"), value[:20])
            self.assertLess(len(ident), 64)


class AtomicCounterTests(FrozenThrottleClock, SimpleTestCase):
    def test_forty_threads_on_one_key_let_exactly_ten_through(self):
        request = APIRequestFactory().post("/auth/jwt/create/", REMOTE_ADDR="198.51.100.9")
        barrier = threading.Barrier(40)
        allowed = []

        def hit():
            barrier.wait(timeout=10)
            allowed.append(LoginIPThrottle().allow_request(request, None))

        threads = [threading.Thread(target=hit) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        self.assertEqual(len(allowed), 40)
        self.assertEqual(allowed.count(True), 10)


class PasswordChangeThrottleTests(FrozenThrottleClock, APITestCase):
    def setUp(self):
        super().setUp()
        self.user = make_parent().user
        self.client.force_authenticate(self.user)

    def change(self, current):
        return self.client.post(
            "/auth/users/set_password/",
            {"current_password": current, "new_password": "Brand-new-pass-42"},
            format="json",
        )

    def test_current_password_guesses_are_throttled_then_even_the_right_one_waits(self):
        statuses = [self.change(f"guess-{i}").status_code for i in range(10)]
        self.assertEqual(statuses, [400] * 10)

        response = self.change(PASSWORD)

        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response)
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(PASSWORD))

    def test_another_user_keeps_their_own_budget(self):
        for i in range(11):
            self.change(f"guess-{i}")
        other = make_parent().user
        self.client.force_authenticate(other)
        self.assertEqual(self.change(PASSWORD).status_code, 204)


class ParentLinkThrottleTests(FrozenThrottleClock, APITestCase):
    def test_child_code_guesses_are_throttled(self):
        parent = make_parent()
        child = make_child()
        self.client.force_authenticate(parent.user)
        statuses = []
        for i in range(20):
            response = self.client.post(
                "/api/parent-links/", {"child_code": f"B9{i:04d}"}, format="json"
            )
            statuses.append(response.data.get("code"))
        self.assertEqual(statuses, ["child_not_found"] * 20)

        # The 21st try is refused before the code is even looked at, right or not.
        response = self.client.post("/api/parent-links/", {"child_code": child.code}, format="json")

        self.assertEqual(response.status_code, 429)
        self.assertFalse(child.link_requests.exists())

    def test_listing_link_requests_is_not_counted(self):
        parent = make_parent()
        self.client.force_authenticate(parent.user)
        for _ in range(25):
            self.assertEqual(self.client.get("/api/parent-links/").status_code, 200)
        child = make_child()
        response = self.client.post("/api/parent-links/", {"child_code": child.code}, format="json")
        self.assertEqual(response.status_code, 201, response.data)
