"""Drill: Redis unreachable (issue #12, point 7; SPEC §7, §10).

With ``REDIS_URL`` set, Redis is both the channel layer (live attendance) and the cache
(throttle counters, WebSocket tickets). When it is down:

- a submission answers ``200``, every row is saved, the lost event is logged;
- ``/readyz/`` answers ``503`` naming ``channel_layer``;
- logging in still works and is still throttled (counted in the process until Redis is
  back, ``users/throttles.py``), and says so in the log;
- ``POST /api/ws-ticket/`` answers ``503 realtime_unavailable`` (no live socket could work);
- when Redis comes back the same server is ready again, without a restart.

Twice: in-process against a closed port (every run, SQLite included), and through a real
Daphne whose own ``redis-server`` is killed mid-run (PostgreSQL runs).
"""

from __future__ import annotations

import datetime
from unittest import mock

import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import TransactionTestCase, override_settings
from rest_framework.test import APITestCase

from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.tests.ws_helpers import access_token
from core.testing import requires_postgres
from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from tests.drills.helpers import RedisServer, requires_redis_server
from tests.live_server import LiveDaphne
from users import throttles
from users.tests.factories import PASSWORD, make_admin, make_child, make_instructor

# Nothing listens on port 1: every connection is refused at once, as when Redis has crashed.
DEAD_REDIS = "redis://127.0.0.1:1/0"
REDIS_DOWN = override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [DEAD_REDIS]},
        }
    },
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    },
)
# 15 s into a minute: ten logins never straddle two windows of the throttle.
FROZEN_NOW = 1_800_000_015.0


def make_class():
    """An instructor's lecture today from 00:00 (its window is open all day), three
    children on its roster, and an admin."""
    instructor = make_instructor()
    today = datetime.datetime.now(tz=CENTER_TZ).date()
    lecture = LectureFactory(
        course=CourseFactory(instructor=instructor),
        date=today,
        start_time=datetime.time(0, 0),
        end_time=datetime.time(0, 30),
    )
    kids = [make_child(first_name=f"Kid{i}") for i in range(3)]
    for kid in kids:
        make_attendance(lecture, child=kid)
    return instructor, lecture, kids, make_admin()


def records_for(kids) -> list[dict]:
    return [{"child": kid.pk, "present": i != 1, "rating": 6 + i} for i, kid in enumerate(kids)]


def saved_marks(lecture) -> dict[int, tuple]:
    rows = LectureAttendance.objects.filter(lecture=lecture)
    return {row.child_id: (row.present, row.rating) for row in rows}


def expected_marks(records) -> dict[int, tuple]:
    return {r["child"]: (r["present"], r["rating"]) for r in records}


@REDIS_DOWN
class RedisUnreachableInProcessTests(APITestCase):
    """The whole Django stack in this process, Redis at a closed port."""

    @classmethod
    def setUpTestData(cls):
        cls.instructor, cls.lecture, cls.kids, cls.admin = make_class()

    def setUp(self):
        throttles._fallback_cache.clear()
        self.addCleanup(throttles._fallback_cache.clear)

    def test_a_submission_answers_200_saves_every_row_and_logs_the_lost_event(self):
        records = records_for(self.kids)
        self.client.force_authenticate(self.instructor.user)
        with (
            self.assertLogs("core.realtime", level="WARNING") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(
                f"/api/lectures/{self.lecture.pk}/attendance/", {"records": records}
            )

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["counts"]["unmarked"], 0)
        marks = {k: (p, int(r)) for k, (p, r) in saved_marks(self.lecture).items()}
        self.assertEqual(marks, expected_marks(records))
        self.assertEqual(AttendanceSubmission.objects.filter(lecture=self.lecture).count(), 1)
        # One record per group the event was for, each with the layer's own error.
        failed = [r for r in logs.records if "channel layer send to" in r.getMessage()]
        self.assertEqual(len(failed), 2, logs.output)
        self.assertIn("attendance.admins", failed[0].getMessage())
        self.assertTrue(all(r.exc_info and r.exc_info[0] for r in failed))

    def test_readyz_answers_503_naming_the_channel_layer(self):
        with self.assertLogs("core.health", level="WARNING"):
            response = self.client.get("/readyz/")

        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(),
            {"status": "unavailable", "checks": {"database": True, "channel_layer": False}},
        )

    def test_login_still_works_and_is_still_throttled(self):
        phone = str(self.admin.phone_number1)

        def login(password):
            return self.client.post(
                "/auth/jwt/create/", {"phone_number1": phone, "password": password}
            )

        with (
            mock.patch.object(throttles.AtomicRateThrottle, "timer", lambda _t: FROZEN_NOW),
            self.assertLogs("users.throttles", level="ERROR") as logs,
        ):
            statuses = [login(PASSWORD).status_code]
            statuses += [login("wrong-password").status_code for _ in range(9)]
            eleventh = login(PASSWORD)

        self.assertEqual(statuses, [200] + [401] * 9)
        self.assertEqual(eleventh.status_code, 429)  # the limit (10/minute) still holds
        self.assertEqual(eleventh["Retry-After"], "45")
        text = "\n".join(logs.output)
        self.assertIn("throttle login_ip: the shared cache failed (ConnectionError", text)
        self.assertIn("throttle login_phone:", text)
        self.assertNotIn(phone.lstrip("+"), text)  # who tried is not the log's business

    def test_the_admin_site_login_still_works(self):
        with self.assertLogs("users.throttles", level="ERROR"):
            response = self.client.post(
                "/courses-admin/login/?next=/courses-admin/",
                {"username": str(self.admin.phone_number1), "password": PASSWORD},
                format="multipart",  # the admin's form, not the API's JSON
            )

        self.assertEqual((response.status_code, response["Location"]), (302, "/courses-admin/"))

    def test_a_ws_ticket_answers_503_realtime_unavailable(self):
        self.client.force_authenticate(self.admin)
        with self.assertLogs("core.ws_tickets", level="ERROR"):
            response = self.client.post("/api/ws-ticket/")

        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.data["code"], "realtime_unavailable")


@requires_postgres
@requires_redis_server
class RedisKilledUnderRealServerTests(TransactionTestCase):
    """A real Daphne (``python -m core.serve``) with its own ``redis-server``, which the
    drill kills while the server runs and then starts again."""

    def setUp(self):
        self.redis = RedisServer().start()
        self.addCleanup(self.redis.cleanup)
        self.server = LiveDaphne(env={"REDIS_URL": self.redis.url}).start()
        self.addCleanup(self.server.stop)
        self.instructor, self.lecture, self.kids, self.admin = make_class()
        # The server runs the real settings, whose hashers do not read the suite's MD5
        # hashes; a PBKDF2 hash with few rounds keeps its logins quick.
        self.admin.password = PBKDF2PasswordHasher().encode(PASSWORD, "drillsalt", 1000)
        self.admin.save(update_fields=["password"])

    def login(self):
        return self.server.request(
            "POST",
            "/auth/jwt/create/",
            {"phone_number1": str(self.admin.phone_number1), "password": PASSWORD},
        )

    def test_the_server_keeps_saving_and_logging_in_while_redis_is_down_and_recovers(self):
        # Before: ready, and the login is counted in Redis.
        self.assertEqual(self.server.request("GET", "/readyz/")[0], 200)
        self.assertEqual(self.login()[0], 200)
        counters = redis.Redis.from_url(self.redis.url).keys("*login_ip*")
        self.assertTrue(counters, "the throttle should count in Redis while it is up")

        self.redis.kill()

        records = records_for(self.kids)
        status, body = self.server.request(
            "POST",
            f"/api/lectures/{self.lecture.pk}/attendance/",
            {"records": records},
            token=access_token(self.instructor.user),
        )
        self.assertEqual(status, 200, body)
        marks = {k: (p, int(r)) for k, (p, r) in saved_marks(self.lecture).items()}
        self.assertEqual(marks, expected_marks(records))
        self.assertEqual(AttendanceSubmission.objects.filter(lecture=self.lecture).count(), 1)

        status, body = self.server.request("GET", "/readyz/")
        self.assertEqual(status, 503)
        self.assertEqual(body["checks"], {"database": True, "channel_layer": False})

        status, body = self.login()
        self.assertEqual(status, 200, body)
        status, body = self.server.request("POST", "/api/ws-ticket/", token=body["access"])
        self.assertEqual((status, body["code"]), (503, "realtime_unavailable"))

        log = self.server.log_text()
        self.assertIn("WARNING core.realtime channel layer send to attendance.admins failed", log)
        self.assertIn("ERROR users.throttles throttle login_ip: the shared cache failed", log)
        self.assertNotIn("Internal Server Error", log)

        # Redis is back on the same address: the same server process is ready again.
        self.redis.start()
        self.assertEqual(self.server.request("GET", "/readyz/")[0], 200)
        status, body = self.login()
        self.assertEqual(status, 200, body)
        status, body = self.server.request("POST", "/api/ws-ticket/", token=body["access"])
        self.assertEqual(status, 200, body)
