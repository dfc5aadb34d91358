"""Drill: Redis unreachable (issue #12, point 7; SPEC §7, §10).

With ``REDIS_URL`` set, Redis is both the channel layer (live attendance) and the cache
(throttle counters, WebSocket tickets). When it is down:

- a submission answers ``200``, every row is saved, the lost event is logged;
- ``/readyz/`` stays ``200`` (``degraded``, naming ``channel_layer``): the REST API does not
  need Redis; ``/readyz/realtime/`` answers ``503``;
- logging in still works and is still throttled (counted in the process until Redis is
  back, ``users/throttles.py``), and says so in the log;
- ``POST /api/ws-ticket/`` answers ``503 realtime_unavailable`` (no live socket could work);
- the attendance socket is accepted and closed with ``1011`` — with a ticket (the cache
  cannot check it) or a token (the channel layer cannot subscribe it), and a socket open
  when Redis dies is closed with ``1011`` too — with one line in the log and no traceback;
  credential problems keep their ``4001``/``4002``/``4003`` without touching Redis;
- when Redis comes back the same server is ready again, without a restart.

Twice: in-process against a closed port (every run, SQLite included), and through a real
Daphne whose own ``redis-server`` is killed mid-run (PostgreSQL runs).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import redis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import SimpleTestCase, TransactionTestCase, override_settings
from rest_framework.test import APITestCase
from rest_framework_simplejwt.utils import get_md5_hash_password
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from attendance.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_INVALID_CREDENTIAL,
    CLOSE_NO_CREDENTIAL,
    CLOSE_SERVER_ERROR,
)
from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.tests.ws_helpers import access_token, every_log_record, open_socket, record_text
from core.ws_tickets import ws_ticket_issue
from testkit.db import requires_postgres
from testkit.sqlite import migrated_sqlite
from tests.drills.helpers import RedisServer, requires_redis_server
from tests.live_server import ROOT, LiveDaphne, next_event, server_env
from tests.open_lecture import open_lecture
from users import throttles
from users.tests.factories import (
    PASSWORD,
    make_admin,
    make_instructor,
    make_parent,
)

# Nothing listens on port 1: every connection is refused at once, as when Redis has crashed.
DEAD_REDIS = "redis://127.0.0.1:1/0"
LAYER_DOWN = override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [DEAD_REDIS]},
        }
    },
)
CACHE_DOWN = override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    },
)
REDIS_DOWN = override_settings(
    CHANNEL_LAYERS=LAYER_DOWN.options["CHANNEL_LAYERS"], CACHES=CACHE_DOWN.options["CACHES"]
)
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
ADMIN_PHONE = "+201000000099"
# 15 s into a minute: ten logins never straddle two windows of the throttle.
FROZEN_NOW = 1_800_000_015.0


def make_class():
    """An instructor's lecture today from 00:00 (its window is open all day), three
    children on its roster, and an admin."""
    instructor = make_instructor()
    lecture, kids = open_lecture(instructor)
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

    def test_readyz_keeps_the_api_in_rotation_and_the_realtime_probe_fails(self):
        with self.assertLogs("core.health", level="WARNING"):
            api = self.client.get("/readyz/")
            realtime = self.client.get("/readyz/realtime/")

        checks = {"database": True, "channel_layer": False}
        self.assertEqual(
            (api.status_code, api.json()), (200, {"status": "degraded", "checks": checks})
        )
        self.assertEqual(
            (realtime.status_code, realtime.json()),
            (503, {"status": "unavailable", "checks": checks}),
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


def issue_ticket(user) -> str:
    """A ticket as ``POST /api/ws-ticket/`` would store it (while the cache still works)."""
    return ws_ticket_issue(
        user_id=user.pk,
        token_exp=int(time.time()) + 600,
        revoke_claim=get_md5_hash_password(user.password),
    )


class SocketWithRedisUnreachableTests(TransactionTestCase):
    """``/ws/attendance/`` through the whole ASGI stack in this process (the consumer reads
    committed rows, hence ``TransactionTestCase``), the cache and/or the channel layer at a
    closed port."""

    def setUp(self):
        self.admin = make_admin()
        self.instructor = make_instructor().user
        self.parent = make_parent().user

    async def closed_with(self, query: str) -> tuple[int | None, list[logging.LogRecord]]:
        """How the server closes a socket opened with ``query``, and every log record
        made meanwhile. Fails when the handshake is not accepted or the consumer does not
        end cleanly (``leave()`` re-raises whatever the application raised)."""
        with every_log_record() as records:
            socket = await open_socket(query)
            self.assertTrue(socket.opened, "the handshake is accepted before the close")
            code = await socket.close_code(timeout=5)
            await socket.leave()
        return code, records

    def assertOneCleanLine(self, records, logger: str, text: str, secret: str) -> None:
        """Exactly one record at WARNING or above: from ``logger``, containing ``text``,
        without a traceback or ``secret``."""
        loud = [r for r in records if r.levelno >= logging.WARNING]
        self.assertEqual([r.name for r in loud], [logger], [record_text(r) for r in loud])
        self.assertIn(text, loud[0].getMessage())
        self.assertIsNone(loud[0].exc_info)
        for record in records:
            self.assertNotIn(secret, record_text(record))

    @CACHE_DOWN
    async def test_a_ticket_is_closed_with_1011_when_the_cache_cannot_check_it(self):
        with override_settings(CACHES={"default": {"BACKEND": LOCMEM}}):
            ticket = await sync_to_async(issue_ticket)(self.instructor)

        code, records = await self.closed_with(f"ticket={ticket}")

        self.assertEqual(code, CLOSE_SERVER_ERROR)  # not 4002: the ticket may well be good
        self.assertOneCleanLine(
            records,
            "core.ws_tickets",
            "ws ticket not checked: the cache failed (ConnectionError: Error 111",
            ticket,
        )

    @LAYER_DOWN
    async def test_a_token_is_closed_with_1011_when_the_layer_cannot_subscribe_it(self):
        token = await sync_to_async(access_token)(self.admin)

        code, records = await self.closed_with(f"token={token}")

        self.assertEqual(code, CLOSE_SERVER_ERROR)
        self.assertOneCleanLine(
            records,
            "attendance.consumers",
            "websocket could not join its group, closed with 1011 (ConnectionError:",
            token,
        )

    @REDIS_DOWN
    async def test_with_redis_down_every_credential_gets_a_clean_close(self):
        with override_settings(CACHES={"default": {"BACKEND": LOCMEM}}):
            ticket = await sync_to_async(issue_ticket)(self.admin)  # bought before Redis died
        expected = {
            f"ticket={ticket}": CLOSE_SERVER_ERROR,
            f"token={await sync_to_async(access_token)(self.instructor)}": CLOSE_SERVER_ERROR,
            "": CLOSE_NO_CREDENTIAL,
            "token=not-a-jwt": CLOSE_INVALID_CREDENTIAL,
            f"token={await sync_to_async(access_token)(self.parent)}": CLOSE_FORBIDDEN,
        }
        for query, close_code in expected.items():
            with self.subTest(query=query[:12]):
                code, records = await self.closed_with(query)
                self.assertEqual(code, close_code)
                self.assertTrue(all(r.exc_info is None for r in records))
                loud = [r.name for r in records if r.levelno >= logging.WARNING]
                # A credential problem is judged without Redis: nothing to log about it.
                self.assertEqual(len(loud), 1 if close_code == CLOSE_SERVER_ERROR else 0, loud)

    async def test_a_layer_that_fails_while_the_socket_is_open_closes_it_with_1011(self):
        token = await sync_to_async(access_token)(self.admin)
        layer = get_channel_layer()
        with (
            mock.patch.object(layer, "receive", side_effect=ConnectionError("Connection lost")),
            every_log_record() as records,
        ):
            socket = await open_socket(f"token={token}")
            self.assertEqual((await socket.receive_json())["type"], "connection_established")
            self.assertEqual(await socket.close_code(timeout=5), CLOSE_SERVER_ERROR)
            await socket.leave()

        self.assertOneCleanLine(
            records,
            "attendance.consumers",
            "websocket lost the channel layer, closed with 1011 (ConnectionError: Connection lost)",
            token,
        )


class SocketUnderRealServerWithRedisUnreachableTests(SimpleTestCase):
    """A real Daphne (``python -m core.serve``) on a SQLite file of its own, its
    ``REDIS_URL`` at a closed port — on every run, SQLite included. Daphne is what refuses
    to send 1011 unless ``core.serve`` lets it; an in-process socket cannot show that."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix="redwan-drill-ws-")
        cls.addClassCleanup(cls.tmp.cleanup)
        env = {
            "DATABASE_URL": "",
            "SQLITE_PATH": str(Path(cls.tmp.name) / "drill.sqlite3"),
            "REDIS_URL": DEAD_REDIS,
        }
        admin = {
            "DJANGO_SUPERUSER_PHONE_NUMBER1": ADMIN_PHONE,
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "DJANGO_SUPERUSER_FIRST_NAME": "Drill",
            "DJANGO_SUPERUSER_LAST_NAME": "Admin",
        }
        migrated_sqlite(Path(env["SQLITE_PATH"]))
        subprocess.run(
            [sys.executable, "manage.py", "createsuperuser", "--noinput"],
            cwd=ROOT,
            env={**server_env(), **env, **admin},
            check=True,
            capture_output=True,
            timeout=120,
        )
        cls.server = LiveDaphne(env=env).start()
        cls.addClassCleanup(cls.server.stop)

    async def close_code(self, **query: str) -> int | None:
        async with connect(self.server.ws_url("/ws/attendance/", **query)) as ws:
            with self.assertRaises(ConnectionClosed):
                await next_event(ws, timeout=5)
        return ws.close_code

    async def test_sockets_are_accepted_and_closed_with_1011_and_one_line_each(self):
        status, body = await sync_to_async(self.server.request)(
            "POST", "/auth/jwt/create/", {"phone_number1": ADMIN_PHONE, "password": PASSWORD}
        )
        self.assertEqual(status, 200, body)  # the login throttle counts in the process
        token, ticket = body["access"], "a-ticket-the-cache-cannot-look-up"

        self.assertEqual(await self.close_code(token=token), CLOSE_SERVER_ERROR)
        self.assertEqual(await self.close_code(ticket=ticket), CLOSE_SERVER_ERROR)
        self.assertEqual(await self.close_code(), CLOSE_NO_CREDENTIAL)

        log = self.server.log_text()
        for line in (
            "WARNING attendance.consumers websocket could not join its group, closed with 1011",
            "ERROR core.ws_tickets ws ticket not checked: the cache failed (ConnectionError",
        ):
            self.assertEqual(log.count(line), 1, log)
        self.assertEqual(log.count('"WSCONNECT /ws/attendance/'), 3, log)  # all accepted
        self.assertNotIn("Traceback", log)
        self.assertNotIn("Exception inside application", log)
        self.assertNotIn(token, log)
        self.assertNotIn(ticket, log)


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
        self.assertEqual((status, body["status"]), (200, "degraded"))
        self.assertEqual(body["checks"], {"database": True, "channel_layer": False})
        self.assertEqual(self.server.request("GET", "/readyz/realtime/")[0], 503)

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
        self.assertEqual(self.server.request("GET", "/readyz/realtime/")[0], 200)
        status, body = self.login()
        self.assertEqual(status, 200, body)
        status, body = self.server.request("POST", "/api/ws-ticket/", token=body["access"])
        self.assertEqual(status, 200, body)

    async def test_sockets_are_closed_with_1011_while_redis_is_down_and_open_once_it_is_back(self):
        token = await sync_to_async(access_token)(self.admin)
        status, body = await sync_to_async(self.server.request)(
            "POST", "/api/ws-ticket/", token=token
        )
        self.assertEqual(status, 200, body)
        ticket = body["ticket"]  # bought while Redis is up, used once it is down
        url = self.server.ws_url

        async with connect(url("/ws/attendance/", token=token)) as open_before:
            self.assertEqual((await next_event(open_before))["role"], "admin")
            await sync_to_async(self.redis.kill)()
            with self.assertRaises(ConnectionClosed):
                await next_event(open_before, timeout=10)
        self.assertEqual(open_before.close_code, CLOSE_SERVER_ERROR)

        for query, expected in (
            ({"ticket": ticket}, CLOSE_SERVER_ERROR),  # the cache cannot check the ticket
            ({"token": token}, CLOSE_SERVER_ERROR),  # the layer cannot subscribe the socket
            ({}, CLOSE_NO_CREDENTIAL),  # judged without Redis, as before
            ({"token": "not-a-jwt"}, CLOSE_INVALID_CREDENTIAL),
        ):
            with self.subTest(query=sorted(query)):
                async with connect(url("/ws/attendance/", **query)) as ws:
                    with self.assertRaises(ConnectionClosed):
                        await next_event(ws, timeout=5)
                self.assertEqual(ws.close_code, expected)

        log = self.server.log_text()
        for line in (
            "WARNING attendance.consumers websocket lost the channel layer, closed with 1011",
            "ERROR core.ws_tickets ws ticket not checked: the cache failed (ConnectionError",
            "WARNING attendance.consumers websocket could not join its group, closed with 1011",
        ):
            self.assertEqual(log.count(line), 1, log)
        self.assertNotIn("Traceback", log)
        self.assertNotIn("Exception inside application", log)
        self.assertNotIn(ticket, log)
        self.assertNotIn(token, log)

        # Redis is back on the same address: the same server lets sockets in again.
        await sync_to_async(self.redis.start)()
        async with connect(url("/ws/attendance/", token=token)) as again:
            self.assertEqual((await next_event(again, timeout=5))["role"], "admin")
