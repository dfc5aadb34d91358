"""Issue #6 races that only PostgreSQL (+ Redis for the throttle) can show.

Each call runs in its own thread with its own database connection (testkit.db.
run_concurrently releases them together); HTTP calls each use their own client.
"""

from __future__ import annotations

import re
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from core.errors import Invalid
from core.sms import LocmemSmsBackend
from testkit.db import requires_postgres, requires_redis, run_concurrently
from users import services, verification
from users.models import CustomUser, LinkStatus, VerificationCode
from users.tests.factories import PASSWORD, make_child, make_parent
from users.tests.test_throttles import FROZEN_NOW
from users.throttles import AtomicRateThrottle


def post(path, body, *, user=None, ip="127.0.0.1"):
    """A call for run_concurrently: one POST through a fresh client."""

    def call():
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client.post(path, body, format="json", REMOTE_ADDR=ip)

    return call


class RaceTestCase(TransactionTestCase):
    def setUp(self):
        cache.clear()
        patcher = mock.patch.object(AtomicRateThrottle, "timer", lambda _throttle: FROZEN_NOW)
        patcher.start()
        self.addCleanup(patcher.stop)

    def login(self, user):
        response = APIClient().post(
            "/auth/jwt/create/",
            {"phone_number1": str(user.phone_number1), "password": PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.data)
        return response.data


@requires_postgres
class RefreshRaceTests(RaceTestCase):
    def test_twenty_parallel_refreshes_of_one_token_give_exactly_one_new_pair(self):
        refresh = self.login(make_parent().user)["refresh"]

        responses = run_concurrently(
            *(post("/auth/jwt/refresh/", {"refresh": refresh}) for _ in range(20))
        )

        statuses = sorted(r.status_code for r in responses)
        self.assertEqual(statuses, [200] + [401] * 19, responses)
        winner = next(r for r in responses if r.status_code == 200)
        newer = APIClient().post(
            "/auth/jwt/refresh/", {"refresh": winner.data["refresh"]}, format="json"
        )
        self.assertEqual(newer.status_code, 200)

    def test_a_logout_racing_a_refresh_never_leaves_a_pair_for_a_blacklisted_token(self):
        user = make_parent().user
        for _round in range(6):
            refresh = self.login(user)["refresh"]

            refreshed, logged_out = run_concurrently(
                post("/auth/jwt/refresh/", {"refresh": refresh}),
                post("/auth/jwt/blacklist/", {"refresh": refresh}),
            )

            # Exactly one of them claimed the token; the other saw it blacklisted.
            self.assertEqual(sorted((refreshed.status_code, logged_out.status_code)), [200, 401])


@requires_postgres
@requires_redis
class LoginBurstTests(RaceTestCase):
    def test_forty_parallel_wrong_logins_from_one_ip_let_at_most_ten_through(self):
        responses = run_concurrently(
            *(
                post("/auth/jwt/create/", {"phone_number1": f"+20109999{i:04d}", "password": "x"})
                for i in range(40)
            )
        )

        statuses = [r.status_code for r in responses]
        self.assertLessEqual(len([s for s in statuses if s != 429]), 10, statuses)
        self.assertTrue(set(statuses) <= {401, 429}, statuses)


@requires_postgres
class VerificationCodeRaceTests(RaceTestCase):
    def test_thirty_parallel_wrong_codes_are_judged_at_most_five_times(self):
        LocmemSmsBackend.outbox.clear()
        user = make_parent().user
        verification.phone_code_send(user=user)
        code = re.search(r"\d{6}", LocmemSmsBackend.outbox[-1][1]).group(0)
        wrong = "000000" if code != "000000" else "111111"

        def guess():
            return verification.phone_code_verify(
                user=CustomUser.objects.get(pk=user.pk), code=wrong
            )

        results = run_concurrently(*(guess for _ in range(30)))

        codes = [getattr(r, "code", r) for r in results]
        self.assertTrue(all(isinstance(r, Invalid) for r in results), results)
        self.assertEqual(codes.count("code_mismatch"), settings.PHONE_CODE_MAX_ATTEMPTS, codes)
        self.assertEqual(codes.count("code_attempts_exceeded"), 30 - 5, codes)
        record = VerificationCode.objects.get(user=user)
        self.assertEqual(record.attempts, settings.PHONE_CODE_MAX_ATTEMPTS)
        # Even the right code is no longer judged.
        with self.assertRaises(Invalid) as caught:
            verification.phone_code_verify(user=user, code=code)
        self.assertEqual(caught.exception.code, "code_attempts_exceeded")


@requires_postgres
class ParentLinkDecisionRaceTests(RaceTestCase):
    def test_approve_and_reject_racing_give_one_decision_and_one_409(self):
        primary = make_parent()
        child = make_child(primary)
        for _round in range(8):
            requester = make_parent()
            link = services.parent_link_request_create(requester=requester, child_code=child.code)
            base = f"/api/parent-links/{link.pk}"

            approved, rejected = run_concurrently(
                post(f"{base}/approve/", {}, user=primary.user),
                post(f"{base}/reject/", {}, user=primary.user),
            )

            statuses = sorted((approved.status_code, rejected.status_code))
            self.assertEqual(statuses, [200, 409], (approved.data, rejected.data))
            loser = approved if approved.status_code == 409 else rejected
            self.assertEqual(loser.data["code"], "link_request_decided")
            link.refresh_from_db()
            linked = child.other_parents.filter(pk=requester.pk).exists()
            if approved.status_code == 200:
                self.assertEqual((link.status, linked), (LinkStatus.APPROVED, True))
                child.other_parents.remove(requester)  # keep a slot free for the next round
            else:
                self.assertEqual((link.status, linked), (LinkStatus.REJECTED, False))


@requires_postgres
class EmailRaceTests(RaceTestCase):
    def register(self, phone, email):
        body = {
            "phone_number1": phone,
            "first_name": "Mona",
            "last_name": "Adel",
            "email": email,
            "password": "Wq8-long-pass",
            "re_password": "Wq8-long-pass",
        }
        return post("/auth/users/", body)

    def test_parallel_registrations_with_emails_differing_in_case_give_one_account(self):
        for n in range(5):
            first, second = run_concurrently(
                self.register(f"+20106000{n:04d}", f"Case{n}@x.com"),
                self.register(f"+20107000{n:04d}", f"CASE{n}@X.com"),
            )

            statuses = sorted((first.status_code, second.status_code))
            self.assertEqual(statuses[0], 201, (first.data, second.data))
            self.assertIn(statuses[1], (400, 409), (first.data, second.data))
            self.assertEqual(CustomUser.objects.filter(email__iexact=f"case{n}@x.com").count(), 1)
