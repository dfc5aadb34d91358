"""The attendance WebSocket as production runs it (issue #9, point 7): two real Daphne
processes on PostgreSQL and the Redis channel layer, real ``websockets`` clients.

An event sent from this process through Redis — as the submission service does after its
commit — reaches the lecture's instructor and an admin connected to *different* server
processes, and another instructor's socket receives nothing. The HTTP submission end to end
is the submission's own test; it reuses ``tests.live_server``.
"""

from __future__ import annotations

import time

from asgiref.sync import sync_to_async
from django.test import TransactionTestCase
from django.utils import timezone
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from attendance.live import broadcast_attendance_update
from attendance.tests.ws_helpers import access_token, own_channel_layer
from courses.tests.factories import CourseFactory, LectureFactory
from testkit.db import requires_postgres, requires_redis
from tests.live_server import LiveDaphne, next_event, receives_nothing
from users.tests.factories import make_admin, make_instructor

COUNTS = {"total": 30, "present": 27, "absent": 3, "unmarked": 0}


@requires_postgres
@requires_redis
class AttendanceSocketAcrossServersTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.layer = own_channel_layer()
        cls.layer.enable()
        cls.servers = []
        try:
            for _ in range(2):
                cls.servers.append(LiveDaphne().start())
        except Exception:
            cls.tearDownClass()
            raise
        cls.one, cls.two = cls.servers

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.stop()
        cls.layer.disable()
        super().tearDownClass()

    def people(self):
        instructor, other = make_instructor(), make_instructor()
        admin = make_admin()
        lecture = LectureFactory(course=CourseFactory(instructor=instructor))
        tokens = {
            "instructor": access_token(instructor.user),
            "other": access_token(other.user),
            "admin": access_token(admin),
        }
        return lecture, admin, tokens

    async def test_an_event_reaches_the_instructor_and_the_admin_on_other_processes_only(self):
        lecture, admin, tokens = await sync_to_async(self.people)()
        # A ticket bought from server one opens a socket on server two (the cache is Redis).
        status, body = await sync_to_async(self.one.request)(
            "POST", "/api/ws-ticket/", token=tokens["instructor"]
        )
        self.assertEqual((status, body["expires_in"]), (200, 30))
        ticket = body["ticket"]

        async with (
            connect(self.two.ws_url("/ws/attendance/", ticket=ticket)) as mine,
            connect(self.one.ws_url("/ws/attendance/", token=tokens["admin"])) as admin_ws,
            connect(self.two.ws_url("/ws/attendance/", token=tokens["other"])) as other,
        ):
            for ws, role in ((mine, "instructor"), (admin_ws, "admin"), (other, "instructor")):
                self.assertEqual((await next_event(ws))["role"], role)
            await mine.send('{"type": "ping"}')
            self.assertEqual(await next_event(mine), {"type": "pong"})

            started = time.monotonic()
            event = await sync_to_async(broadcast_attendance_update)(
                lecture=lecture, counts=COUNTS, submitted_by=admin, at=timezone.now()
            )
            self.assertEqual(await next_event(mine), event)
            self.assertEqual(await next_event(admin_ws), event)
            self.assertLess(time.monotonic() - started, 1.0, "within a second (SPEC §7)")
            self.assertTrue(await receives_nothing(other, timeout=1.0))

        # The ticket was used: on either server it is now refused with 4002.
        async with connect(self.one.ws_url("/ws/attendance/", ticket=ticket)) as again:
            with self.assertRaises(ConnectionClosed):
                await next_event(again)
        self.assertEqual(again.close_code, 4002)

        for server in self.servers:
            log = server.log_text()
            self.assertIn("/ws/attendance/", log)  # the log did record the connections…
            for secret in (ticket, *tokens.values()):
                self.assertNotIn(secret, log)  # …without a credential
