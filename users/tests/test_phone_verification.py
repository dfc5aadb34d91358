import datetime
import re

from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APITestCase

from core.errors import Invalid
from core.sms import LocmemSmsBackend
from users import verification
from users.models import VerificationCode
from users.tests.factories import make_parent
from users.tests.test_throttles import FrozenThrottleClock


def sent_code() -> str:
    return re.search(r"\d{6}", LocmemSmsBackend.outbox[-1][1]).group(0)


class PhoneVerificationApiTests(FrozenThrottleClock, APITestCase):  # one window
    def setUp(self):
        cache.clear()
        LocmemSmsBackend.outbox.clear()
        self.user = make_parent().user
        self.client.force_authenticate(self.user)

    def send(self):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post("/auth/phone/send-code/")

    def test_it_sends_a_six_digit_code_by_sms_and_stores_only_a_hash(self):
        response = self.send()
        self.assertEqual(response.status_code, 202)
        phone, _ = LocmemSmsBackend.outbox[-1]
        self.assertEqual(phone, str(self.user.phone_number1))
        code = sent_code()
        record = VerificationCode.objects.get(user=self.user)
        self.assertNotIn(code, record.code_hash)
        self.assertAlmostEqual(
            (record.expires_at - record.created_at).total_seconds(), 600, delta=1
        )

    def test_a_wrong_method_does_not_use_up_the_code_a_minute(self):
        for method in ("get", "put", "options"):
            with self.subTest(method=method):
                response = getattr(self.client, method)("/auth/phone/send-code/")
                self.assertIn(response.status_code, (200, 405))
        self.assertEqual(self.send().status_code, 202)
        self.assertEqual(self.send().status_code, 429)

    def test_the_right_code_verifies_the_phone(self):
        self.send()
        response = self.client.post("/auth/phone/verify/", {"code": sent_code()}, format="json")
        self.assertEqual(response.status_code, 200, response.data)
        self.user.refresh_from_db()
        self.assertTrue(self.user.is_phone_verified)
        me = self.client.get("/auth/users/me/")
        self.assertTrue(me.data["is_phone_verified"])

    def test_a_wrong_code_is_400_and_counts_an_attempt(self):
        self.send()
        wrong = "000000" if sent_code() != "000000" else "111111"
        response = self.client.post("/auth/phone/verify/", {"code": wrong}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "code_mismatch")
        self.assertEqual(VerificationCode.objects.get(user=self.user).attempts, 1)
        self.user.refresh_from_db()
        self.assertFalse(self.user.is_phone_verified)

    def test_sending_twice_within_a_minute_is_throttled(self):
        self.assertEqual(self.send().status_code, 202)
        again = self.send()
        self.assertEqual(again.status_code, 429)
        self.assertTrue(int(again["Retry-After"]) > 0)
        self.assertEqual(VerificationCode.objects.filter(user=self.user).count(), 1)

    def test_malformed_codes_are_400_code_invalid(self):
        self.send()
        for body in (
            {},
            {"code": "12"},
            {"code": "abcdef"},
            {"code": ["123456"]},
            {"code": 123456},
            [],
        ):
            response = self.client.post("/auth/phone/verify/", body, format="json")
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.data["code"], "code_invalid", body)
        self.assertEqual(VerificationCode.objects.get(user=self.user).attempts, 0)

    def test_anonymous_gets_401(self):
        self.client.force_authenticate(None)
        self.assertEqual(self.client.post("/auth/phone/send-code/").status_code, 401)
        self.assertEqual(
            self.client.post("/auth/phone/verify/", {"code": "123456"}, format="json").status_code,
            401,
        )


class PhoneVerificationServiceTests(APITestCase):
    def setUp(self):
        LocmemSmsBackend.outbox.clear()
        self.user = make_parent().user

    def issue(self, now):
        with self.captureOnCommitCallbacks(execute=True):
            verification.phone_code_send(user=self.user, now=now)
        return sent_code()

    def test_a_code_expires_after_ten_minutes(self):
        now = timezone.now()
        code = self.issue(now)
        with self.assertRaises(Invalid) as caught:
            verification.phone_code_verify(
                user=self.user, code=code, now=now + datetime.timedelta(minutes=10, seconds=1)
            )
        self.assertEqual(caught.exception.code, "code_expired")

    def test_five_wrong_tries_burn_the_code(self):
        now = timezone.now()
        code = self.issue(now)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            with self.assertRaises(Invalid):
                verification.phone_code_verify(user=self.user, code=wrong, now=now)
        with self.assertRaises(Invalid) as caught:
            verification.phone_code_verify(user=self.user, code=code, now=now)
        self.assertEqual(caught.exception.code, "code_attempts_exceeded")

    def test_a_new_code_replaces_the_old_one(self):
        now = timezone.now()
        first = self.issue(now)
        second = self.issue(now + datetime.timedelta(minutes=2))
        if first != second:
            with self.assertRaises(Invalid):
                verification.phone_code_verify(
                    user=self.user, code=first, now=now + datetime.timedelta(minutes=3)
                )
        verification.phone_code_verify(
            user=self.user, code=second, now=now + datetime.timedelta(minutes=3)
        )
        self.user.refresh_from_db()
        self.assertTrue(self.user.is_phone_verified)


class CodeRecentlySentTests(APITestCase):
    def test_the_service_interval_answers_429_with_retry_after(self):
        # Independent of the DRF throttle (its counter lives in the cache, which can be
        # flushed): the last code's timestamp is the source of truth.
        LocmemSmsBackend.outbox.clear()
        user = make_parent().user
        verification.phone_code_send(user=user)
        cache.clear()
        self.client.force_authenticate(user)
        response = self.client.post("/auth/phone/send-code/")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.data["code"], "code_recently_sent")
        self.assertTrue(1 <= int(response["Retry-After"]) <= 60)
