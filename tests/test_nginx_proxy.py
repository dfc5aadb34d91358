"""The split serving layout of docker-compose.yml, on the host (issue #12, point 3):
Debian's nginx running the repository's deploy/nginx template in front of a gunicorn
(``docker-entrypoint.sh web``) and a Daphne (``docker-entrypoint.sh ws``), all three
started by the test on free ports, PostgreSQL and the Redis channel layer behind them.

REST calls (/api/, /auth/, /healthz/) reach gunicorn, the attendance socket reaches
Daphne through nginx's upgrade, and a submission sent through nginx arrives on that
socket. CI installs nginx-light when it is missing; there is no skip for a missing nginx.
"""

from __future__ import annotations

import datetime

from asgiref.sync import sync_to_async
from django.test import TransactionTestCase
from websockets.asyncio.client import connect

from attendance.tests.ws_helpers import access_token, own_channel_layer
from benchmarks.servers import Server
from core.testing import requires_postgres, requires_redis
from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from tests.live_server import LiveNginx, next_event, render_nginx_template, request_json
from users.tests.factories import make_admin, make_child, make_instructor


class NginxTemplateTests(TransactionTestCase):
    def test_every_placeholder_must_be_given(self):
        with self.assertRaisesMessage(KeyError, "WS_UPSTREAM"):
            render_nginx_template(
                {"WEB_UPSTREAM": "web:8000", "NGINX_PORT": "80", "NGINX_ACCESS_LOG": "off"}
            )

    def test_the_socket_location_forwards_the_upgrade(self):
        text = render_nginx_template(
            {
                "WEB_UPSTREAM": "web:8000",
                "WS_UPSTREAM": "ws:8000",
                "NGINX_PORT": "80",
                "NGINX_ACCESS_LOG": "/dev/stdout",
            }
        )
        ws_block = text.split("location /ws/ {", 1)[1].split("}", 1)[0]
        self.assertIn("proxy_set_header Upgrade $http_upgrade;", ws_block)
        self.assertIn("proxy_set_header Connection $redwan_connection_upgrade;", ws_block)
        self.assertIn("proxy_http_version 1.1;", ws_block)
        self.assertNotIn("${", text)


@requires_postgres
@requires_redis
class NginxSplitLayoutTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.layer = own_channel_layer()
        cls.layer.enable()
        cls.running = []
        try:
            # NUM_PROXIES=1 as in docker-compose.yml: the client address is nginx's
            # X-Forwarded-For entry.
            cls.web = cls._start(Server("web", workers=2, NUM_PROXIES="1"))
            cls.ws = cls._start(Server("ws", NUM_PROXIES="1"))
            cls.proxy = LiveNginx(web=f"127.0.0.1:{cls.web.port}", ws=f"127.0.0.1:{cls.ws.port}")
            checked = cls.proxy.check()
            assert checked.returncode == 0, checked.stderr
            cls._start(cls.proxy)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls, server):
        cls.running.append(server)
        return server.start()

    @classmethod
    def tearDownClass(cls):
        for server in reversed(cls.running):
            server.stop()
        cls.layer.disable()
        super().tearDownClass()

    def people(self):
        instructor, admin = make_instructor(), make_admin()
        today = datetime.datetime.now(tz=CENTER_TZ)
        lecture = LectureFactory(
            course=CourseFactory(instructor=instructor),
            date=today.date(),
            start_time=datetime.time(0, 0),
            end_time=datetime.time(0, 30),
        )
        kids = [make_child(first_name=f"Kid{i}") for i in range(3)]
        for kid in kids:
            make_attendance(lecture, child=kid)
        return lecture, kids, instructor, access_token(instructor.user), access_token(admin)

    def call(self, method, path, body=None, token=None):
        return request_json(self.proxy.base, method, path, body, token)

    async def test_rest_goes_to_gunicorn_and_the_socket_to_daphne_through_nginx(self):
        lecture, kids, instructor, token, admin_token = await sync_to_async(self.people)()
        call = sync_to_async(self.call)

        status, body = await call("GET", "/api/courses/")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["count"], 1)
        status, body = await call("GET", "/auth/users/me/", token=token)
        self.assertEqual((status, body["id"]), (200, instructor.user_id))
        self.assertEqual((await call("GET", "/api/nothing-here/"))[0], 404)
        status, body = await call("POST", "/api/ws-ticket/", token=token)
        self.assertEqual(status, 200, body)
        ticket = body["ticket"]

        url = f"ws://127.0.0.1:{self.proxy.port}/ws/attendance/"
        async with (
            connect(f"{url}?ticket={ticket}") as mine,
            connect(f"{url}?token={admin_token}") as admin_ws,
        ):
            self.assertEqual((await next_event(mine))["role"], "instructor")
            self.assertEqual((await next_event(admin_ws))["role"], "admin")
            await mine.send('{"type": "ping"}')
            self.assertEqual(await next_event(mine), {"type": "pong"})

            records = [{"child": kid.pk, "present": True, "rating": 8} for kid in kids]
            status, body = await call(
                "POST", f"/api/lectures/{lecture.pk}/attendance/", {"records": records}, token
            )
            self.assertEqual(status, 200, body)
            for ws in (mine, admin_ws):
                event = await next_event(ws)
                self.assertEqual(
                    (event["type"], event["lecture"]), ("attendance_update", lecture.pk)
                )
                self.assertEqual(event["counts"]["present"], 3)

        # Daphne saw only the sockets; gunicorn answered every HTTP call.
        daphne_log = self.ws.log_path.read_text()
        self.assertIn("/ws/attendance/", daphne_log)
        self.assertNotIn("/api/", daphne_log)
        self.assertNotIn("/auth/", daphne_log)
        # nginx logged every request, without the query strings that carry credentials.
        access = self.proxy.access_log_text()
        for path in ("/api/courses/", "/auth/users/me/", "/api/ws-ticket/", "/ws/attendance/"):
            self.assertIn(path, access)
        self.assertIn(f'POST /api/lectures/{lecture.pk}/attendance/ HTTP/1.1" 200', access)
        self.assertIn('"GET /ws/attendance/ HTTP/1.1" 101', access)
        for secret in (ticket, token, admin_token):
            self.assertNotIn(secret, access)
            self.assertNotIn(secret, daphne_log)
