"""The forgotten-password reset (SPEC §5): /auth/password/reset/ and …/confirm/."""

from __future__ import annotations

import datetime
import re
from unittest import mock

from asgiref.sync import sync_to_async
from django.contrib.auth import hashers
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient, APITestCase
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from attendance.consumers import CLOSE_INVALID_CREDENTIAL
from attendance.tests.ws_helpers import access_token, open_socket, own_channel_layer
from core.errors import Invalid
from core.sms import LocmemSmsBackend, wait_for_sms_in_background
from testkit.db import requires_postgres, run_concurrently
from users import password_reset
from users.models import CodePurpose, CustomUser, VerificationCode
from users.tests.factories import PASSWORD, make_instructor, make_parent
from users.tests.test_throttles import FROZEN_NOW, FrozenThrottleClock
from users.throttles import AtomicRateThrottle

PHONE = "+201012345678"
LOCAL = "01012345678"
UNKNOWN = "+201099887766"
NEW_PASSWORD = "Another-pass-4321"

RESET = "/auth/password/reset/"
CONFIRM = "/auth/password/reset/confirm/"


def sent_code() -> str:
    return re.search(r"\d{6}", LocmemSmsBackend.outbox[-1][1]).group(0)


def not_(code: str) -> str:
    return "000000" if code != "000000" else "111111"


class ResetTestCase(FrozenThrottleClock, APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_parent(phone_number1=PHONE).user

    def setUp(self):
        super().setUp()
        LocmemSmsBackend.outbox.clear()

    def reset(self, phone=PHONE, ip="198.51.100.7", **extra):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                RESET, {"phone_number1": phone}, format="json", REMOTE_ADDR=ip, **extra
            )
        wait_for_sms_in_background()
        return response

    def confirm(self, code, phone=PHONE, password=NEW_PASSWORD, again=None, ip="198.51.100.7"):
        body = {
            "phone_number1": phone,
            "code": code,
            "new_password": password,
            "re_new_password": password if again is None else again,
        }
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(CONFIRM, body, format="json", REMOTE_ADDR=ip)

    def login(self, password=PASSWORD):
        return self.client.post(
            "/auth/jwt/create/",
            {"phone_number1": PHONE, "password": password},
            format="json",
            REMOTE_ADDR="192.0.2.200",
        )

    def age_codes(self, minutes=2):
        """Move every stored code ``minutes`` into the past (the one-a-minute rule)."""
        VerificationCode.objects.update(
            created_at=F("created_at") - datetime.timedelta(minutes=minutes)
        )


class ResetRequestTests(ResetTestCase):
    def test_it_texts_a_six_digit_code_and_stores_only_its_hash(self):
        response = self.reset()
        self.assertEqual(response.status_code, 202, response.data)
        self.assertEqual(response.data, {"detail": "sent", "expires_in": 600})
        self.assertEqual(len(LocmemSmsBackend.outbox), 1)
        self.assertEqual(LocmemSmsBackend.outbox[0][0], PHONE)
        code = sent_code()
        record = VerificationCode.objects.get()
        self.assertEqual(record.purpose, CodePurpose.PASSWORD_RESET)
        self.assertEqual((record.user, record.phone), (self.user, PHONE))
        self.assertNotIn(code, record.code_hash)
        self.assertTrue(hashers.check_password(code, record.code_hash))
        self.assertEqual((record.expires_at - record.created_at).total_seconds(), 600)

    def test_the_local_form_is_the_same_number(self):
        self.assertEqual(self.reset(LOCAL).status_code, 202)
        self.assertEqual(LocmemSmsBackend.outbox[0][0], PHONE)

    def test_a_number_without_an_account_gets_the_same_answer_and_no_sms(self):
        known = self.reset(PHONE)
        unknown = self.reset(UNKNOWN)
        self.assertEqual(unknown.status_code, known.status_code)
        self.assertEqual(unknown.data, known.data)
        self.assertEqual(sorted(unknown.headers), sorted(known.headers))
        self.assertEqual([to for to, _ in LocmemSmsBackend.outbox], [PHONE])
        # The number gets a code all the same (hashed, never sent), so the confirmation
        # answers it exactly as it answers a number with an account.
        record = VerificationCode.objects.get(phone=UNKNOWN)
        self.assertIsNone(record.user)

    def test_both_paths_run_the_same_statements_and_hash_a_code(self):
        counts = {}
        for phone in (PHONE, UNKNOWN):
            with (
                CaptureQueriesContext(connection) as queries,
                mock.patch.object(
                    password_reset, "code_issue", wraps=password_reset.code_issue
                ) as issue,
                mock.patch("users.verification.make_password", wraps=hashers.make_password) as mp,
            ):
                self.reset(phone)
            counts[phone] = len(queries)
            self.assertEqual(issue.call_count, 1, phone)
            self.assertEqual(mp.call_count, 1, phone)
        self.assertEqual(counts[PHONE], counts[UNKNOWN])

    def test_an_inactive_account_is_answered_as_a_number_without_one(self):
        CustomUser.objects.filter(pk=self.user.pk).update(is_active=False)
        self.assertEqual(self.reset().status_code, 202)
        self.assertEqual(LocmemSmsBackend.outbox, [])

    def test_a_stale_authorization_header_does_not_matter(self):
        response = self.reset(HTTP_AUTHORIZATION="Bearer not-a-token")
        self.assertEqual(response.status_code, 202)

    def test_an_invalid_phone_is_400_phone_invalid(self):
        for value in ("", "0101", "abc", "+2010123456789999", 1012345678, ["x"], None, "9" * 40):
            with self.subTest(value=value):
                cache.clear()
                response = self.client.post(RESET, {"phone_number1": value}, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.data["code"], "phone_invalid")
                self.assertIn("phone_number1", response.data)
        response = self.client.post(RESET, {}, format="json")
        self.assertEqual(response.data["code"], "phone_invalid")
        self.assertEqual(VerificationCode.objects.count(), 0)

    def test_a_second_request_within_a_minute_is_429_for_any_number(self):
        for phone in (PHONE, UNKNOWN):
            with self.subTest(phone=phone):
                self.assertEqual(self.reset(phone).status_code, 202)
                again = self.reset(phone, ip="203.0.113.9")
                self.assertEqual(again.status_code, 429)
                self.assertEqual(again.data["code"], "code_recently_sent")
                self.assertTrue(int(again["Retry-After"]) > 0)
        self.assertEqual(len(LocmemSmsBackend.outbox), 1)

    def test_a_new_code_replaces_the_old_one(self):
        self.reset()
        first = sent_code()
        self.age_codes()
        self.reset()
        second = sent_code()
        if first != second:
            self.assertEqual(self.confirm(first).data["code"], "code_mismatch")
        self.assertEqual(self.confirm(second).status_code, 204)

    def test_it_is_throttled_per_phone_across_ips(self):
        # PASSWORD_RESET_PHONE_THROTTLE_RATE: 5/hour, the same for a number with no account.
        for phone in (PHONE, UNKNOWN):
            statuses = []
            for i in range(6):
                statuses.append(self.reset(phone, ip=f"10.0.{len(phone)}.{i}").status_code)
                self.age_codes()
            self.assertEqual(statuses, [202] * 5 + [429], phone)
            blocked = self.reset(phone, ip="10.9.9.9")
            self.assertEqual(blocked.status_code, 429)
            self.assertEqual(blocked.data["code"], "throttled")
            self.assertTrue(int(blocked["Retry-After"]) > 0)

    def test_it_is_throttled_per_ip_across_phones(self):
        # PASSWORD_RESET_IP_THROTTLE_RATE: 20/hour.
        statuses = [self.reset(f"+2010999900{i:02d}").status_code for i in range(21)]
        self.assertEqual(statuses, [202] * 20 + [429])
        self.assertEqual(self.reset(PHONE).status_code, 429)
        self.assertEqual(LocmemSmsBackend.outbox, [])

    def test_the_throttle_window_ends(self):
        for i in range(20):
            self.reset(f"+2010999900{i:02d}")
        self.assertEqual(self.reset(PHONE).status_code, 429)
        self.now = FROZEN_NOW + 3600
        self.assertEqual(self.reset(PHONE).status_code, 202)


class ResetConfirmTests(ResetTestCase):
    def test_the_right_code_sets_the_new_password(self):
        self.reset()
        response = self.confirm(sent_code())
        self.assertEqual(response.status_code, 204, response.data)
        self.assertEqual(self.login().status_code, 401)
        self.assertEqual(self.login(NEW_PASSWORD).status_code, 200)
        self.user.refresh_from_db()
        self.assertTrue(self.user.is_phone_verified)  # the code proved the phone

    def test_the_local_form_confirms_too(self):
        self.reset(LOCAL)
        self.assertEqual(self.confirm(sent_code(), phone=LOCAL).status_code, 204)

    def test_a_code_works_once(self):
        self.reset()
        code = sent_code()
        self.assertEqual(self.confirm(code).status_code, 204)
        again = self.confirm(code, password="Yet-another-pass-77")
        self.assertEqual(again.status_code, 400)
        self.assertEqual(again.data["code"], "code_expired")
        self.assertEqual(self.login(NEW_PASSWORD).status_code, 200)

    def test_a_wrong_code_is_400_code_mismatch_and_counts_a_try(self):
        self.reset()
        response = self.confirm(not_(sent_code()))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "code_mismatch")
        self.assertEqual(VerificationCode.objects.get().attempts, 1)
        self.assertEqual(self.login().status_code, 200)

    def test_an_unknown_number_is_answered_as_a_wrong_code_try_for_try(self):
        self.reset(PHONE)
        self.reset(UNKNOWN)
        wrong = not_(sent_code())
        for attempt in range(7):
            known = self.confirm(wrong, phone=PHONE)
            unknown = self.confirm(wrong, phone=UNKNOWN)
            self.assertEqual(
                (unknown.status_code, unknown.data), (known.status_code, known.data), attempt
            )
            expected = "code_mismatch" if attempt < 5 else "code_attempts_exceeded"
            self.assertEqual(known.data["code"], expected, attempt)

    def test_an_unknown_number_without_a_request_is_answered_as_a_known_one(self):
        known = self.confirm("123456", phone=PHONE)
        unknown = self.confirm("123456", phone=UNKNOWN)
        self.assertEqual((known.status_code, known.data["code"]), (400, "code_expired"))
        self.assertEqual((unknown.status_code, unknown.data), (known.status_code, known.data))

    def test_after_five_wrong_tries_even_the_right_code_is_refused(self):
        self.reset()
        code = sent_code()
        for _ in range(5):
            self.assertEqual(self.confirm(not_(code)).data["code"], "code_mismatch")
        response = self.confirm(code)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "code_attempts_exceeded")
        self.assertEqual(self.login().status_code, 200)

    def test_an_expired_code_is_400_code_expired(self):
        self.reset()
        eleven = datetime.timedelta(minutes=11)
        VerificationCode.objects.update(
            created_at=F("created_at") - eleven, expires_at=F("expires_at") - eleven
        )
        response = self.confirm(sent_code())
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "code_expired")

    def test_the_service_judges_expiry_against_its_clock(self):
        self.reset()
        later = VerificationCode.objects.get().expires_at + datetime.timedelta(seconds=1)
        with self.assertRaises(Invalid) as caught:
            password_reset.password_reset_confirm(
                phone_number=PHONE,
                code=sent_code(),
                new_password=NEW_PASSWORD,
                re_new_password=NEW_PASSWORD,
                now=later,
            )
        self.assertEqual(caught.exception.code, "code_expired")

    def test_malformed_codes_are_400_code_invalid(self):
        self.reset()
        for code in ("", "12345", "1234567", "abcdef", 123456, None, ["123456"]):
            with self.subTest(code=code):
                response = self.confirm(code)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.data["code"], "code_invalid")
        self.assertEqual(VerificationCode.objects.get().attempts, 0)

    def test_the_two_passwords_must_match(self):
        self.reset()
        response = self.confirm(sent_code(), again="Something-else-99")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.data["code"], "password_mismatch")
        self.assertIn("re_new_password", response.data)
        missing = self.confirm(sent_code(), password="")
        self.assertEqual(missing.data["code"], "password_required")
        self.assertIn("new_password", missing.data)

    def test_the_password_validators_apply_and_the_code_stays_usable(self):
        self.reset()
        code = sent_code()
        for weak in ("123", "password", "12345678901"):
            with self.subTest(weak=weak):
                response = self.confirm(code, password=weak)
                self.assertEqual(response.status_code, 400)
                self.assertIn("new_password", response.data)
        self.assertEqual(VerificationCode.objects.get().attempts, 0)
        self.assertEqual(self.confirm(code).status_code, 204)

    def test_a_password_like_the_users_name_is_refused_after_the_code(self):
        CustomUser.objects.filter(pk=self.user.pk).update(first_name="Mahmoudabdelaziz")
        self.reset()
        response = self.confirm(sent_code(), password="Mahmoudabdelaziz")
        self.assertEqual(response.status_code, 400)
        self.assertIn("new_password", response.data)
        self.assertEqual(self.login().status_code, 200)

    def test_it_is_throttled_per_phone_across_ips(self):
        # PASSWORD_RESET_CONFIRM_PHONE_THROTTLE_RATE: 15/hour, account or not.
        for phone in (PHONE, UNKNOWN):
            statuses = [
                self.confirm("123456", phone=phone, ip=f"10.1.{len(phone)}.{i}").status_code
                for i in range(16)
            ]
            self.assertEqual(statuses, [400] * 15 + [429], phone)

    def test_it_is_throttled_per_ip_across_phones(self):
        # PASSWORD_RESET_CONFIRM_IP_THROTTLE_RATE: 30/hour.
        statuses = [
            self.confirm("123456", phone=f"+2010999900{i:02d}").status_code for i in range(31)
        ]
        self.assertEqual(statuses, [400] * 30 + [429])
        self.assertEqual(self.confirm("123456").data["code"], "throttled")


class SessionsEndTests(ResetTestCase):
    def test_every_session_of_the_account_ends(self):
        first, second = self.login().data, self.login().data
        other = make_parent().user
        other_tokens = self.client.post(
            "/auth/jwt/create/",
            {"phone_number1": str(other.phone_number1), "password": PASSWORD},
            format="json",
        ).data
        self.reset()
        self.assertEqual(self.confirm(sent_code()).status_code, 204)

        for tokens in (first, second):
            me = self.client.get("/auth/users/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
            self.assertEqual(me.status_code, 401)
            self.assertEqual(me.data["code"], "password_changed")
            refreshed = self.client.post(
                "/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json"
            )
            self.assertEqual(refreshed.status_code, 401)
        live = OutstandingToken.objects.filter(user=self.user, blacklistedtoken__isnull=True)
        self.assertFalse(live.exists())
        # Another account keeps its session.
        self.assertFalse(
            BlacklistedToken.objects.filter(token__user=other).exists(), "another account"
        )
        refreshed = self.client.post(
            "/auth/jwt/refresh/", {"refresh": other_tokens["refresh"]}, format="json"
        )
        self.assertEqual(refreshed.status_code, 200)
        # A new login works and its tokens do.
        fresh = self.login(NEW_PASSWORD).data
        me = self.client.get("/auth/users/me/", HTTP_AUTHORIZATION=f"Bearer {fresh['access']}")
        self.assertEqual(me.status_code, 200)

    def test_a_failed_confirmation_ends_nothing(self):
        tokens = self.login().data
        self.reset()
        self.assertEqual(self.confirm(not_(sent_code())).status_code, 400)
        refreshed = self.client.post(
            "/auth/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json"
        )
        self.assertEqual(refreshed.status_code, 200)


class SocketsCloseTests(TransactionTestCase):
    """An open attendance socket of the account closes with 4002 after a reset."""

    def setUp(self):
        super().setUp()
        cache.clear()
        LocmemSmsBackend.outbox.clear()
        layer = own_channel_layer()
        layer.enable()
        self.addCleanup(layer.disable)
        patcher = mock.patch.object(AtomicRateThrottle, "timer", lambda _throttle: FROZEN_NOW)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.instructor = make_instructor(phone_number1=PHONE).user
        self.other = make_instructor().user

    def reset_password(self) -> int:
        client = APIClient()
        client.post(RESET, {"phone_number1": PHONE}, format="json")
        wait_for_sms_in_background()
        body = {
            "phone_number1": PHONE,
            "code": sent_code(),
            "new_password": NEW_PASSWORD,
            "re_new_password": NEW_PASSWORD,
        }
        return client.post(CONFIRM, body, format="json").status_code

    def change_password(self) -> int:
        client = APIClient()
        client.force_authenticate(self.instructor)
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        return client.post("/auth/users/set_password/", body, format="json").status_code

    async def assert_only_the_accounts_socket_closes(self, action):
        mine = await open_socket(f"token={access_token(self.instructor)}")
        theirs = await open_socket(f"token={access_token(self.other)}")
        for socket in (mine, theirs):
            self.assertEqual((await socket.receive_json())["type"], "connection_established")
        self.assertEqual(await sync_to_async(action)(), 204)
        self.assertEqual(await mine.close_code(), CLOSE_INVALID_CREDENTIAL)
        self.assertTrue(await theirs.nothing())
        await theirs.communicator.send_json_to({"type": "ping"})
        self.assertEqual(await theirs.receive_json(), {"type": "pong"})
        await theirs.leave()

    async def test_a_reset_closes_the_accounts_sockets(self):
        await self.assert_only_the_accounts_socket_closes(self.reset_password)

    async def test_a_password_change_closes_the_accounts_sockets(self):
        await self.assert_only_the_accounts_socket_closes(self.change_password)


@requires_postgres
class ConfirmRaceTests(TransactionTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        LocmemSmsBackend.outbox.clear()
        patcher = mock.patch.object(AtomicRateThrottle, "timer", lambda _throttle: FROZEN_NOW)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.user = make_parent(phone_number1=PHONE).user

    def test_parallel_confirmations_with_one_code_give_exactly_one_204(self):
        APIClient().post(RESET, {"phone_number1": PHONE}, format="json")
        wait_for_sms_in_background()
        code = sent_code()

        def confirm(i):
            def call():
                body = {
                    "phone_number1": PHONE,
                    "code": code,
                    "new_password": f"{NEW_PASSWORD}-{i}",
                    "re_new_password": f"{NEW_PASSWORD}-{i}",
                }
                return APIClient().post(CONFIRM, body, format="json", REMOTE_ADDR=f"10.2.0.{i}")

            return call

        responses = run_concurrently(*(confirm(i) for i in range(8)))

        statuses = sorted(r.status_code for r in responses)
        self.assertEqual(statuses, [204] + [400] * 7, responses)
        codes = {r.data["code"] for r in responses if r.status_code == 400}
        self.assertLessEqual(codes, {"code_expired", "code_attempts_exceeded"})
        winner = next(i for i, r in enumerate(responses) if r.status_code == 204)
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(f"{NEW_PASSWORD}-{winner}"))
