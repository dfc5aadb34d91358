"""The split serving layout of docker-compose.yml, on the host: Debian's nginx running the
repository's deploy/nginx template in front of a gunicorn (``docker-entrypoint.sh web``,
Compose's ``django-web-app``) and a Daphne (``docker-entrypoint.sh ws``), all three
started by the test on free ports (``tests.sites.ComposeSite``), PostgreSQL and the Redis
channel layer behind them. The whole family-and-staff journey also runs through two such
sites (``tests/test_e2e_journey.py``).

REST calls (/api/, /auth/, /healthz/) reach gunicorn, the attendance socket reaches
Daphne through nginx's upgrade, and a submission sent through nginx arrives on that
socket. CI installs nginx-light when it is missing; there is no skip for a missing nginx.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import yaml
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import admin
from django.test import SimpleTestCase, TransactionTestCase
from django.urls import reverse
from websockets.asyncio.client import connect

from attendance.tests.ws_helpers import access_token, own_channel_layer
from files.admin_photos import PhotoAdminMixin
from online_courses.file_services import MAX_MATERIALS
from testkit.db import requires_postgres, requires_redis
from testkit.servers import free_port
from tests.live_server import ROOT, LiveNginx, next_event, render_nginx_template
from tests.open_lecture import open_lecture
from tests.sites import ComposeSite
from users.tests.factories import make_admin, make_instructor

PLACEHOLDERS = {
    "WEB_UPSTREAM": "django-web-app:8000",
    "WS_UPSTREAM": "ws:8000",
    "NGINX_PORT": "80",
    "NGINX_ACCESS_LOG": "/dev/stdout",
    "NGINX_ERROR_LOG": "/dev/stderr",
    "MEDIA_DIR": "/app/media",
}


class NginxTemplateTests(SimpleTestCase):
    def test_every_placeholder_must_be_given(self):
        for name in PLACEHOLDERS:
            with self.subTest(name), self.assertRaisesMessage(KeyError, name):
                render_nginx_template({k: v for k, v in PLACEHOLDERS.items() if k != name})

    def test_the_socket_location_forwards_the_upgrade(self):
        text = render_nginx_template(PLACEHOLDERS)
        ws_block = text.split("location /ws/ {", 1)[1].split("}", 1)[0]
        self.assertIn("proxy_set_header Upgrade $http_upgrade;", ws_block)
        self.assertIn("proxy_set_header Connection $redwan_connection_upgrade;", ws_block)
        self.assertIn("proxy_http_version 1.1;", ws_block)
        self.assertNotIn("${", text)

    def test_uploaded_files_have_an_internal_location_and_uploads_room_for_a_photo(self):
        text = render_nginx_template(PLACEHOLDERS)
        internal = text.split("location /internal-media/ {", 1)[1].split("}", 1)[0]
        self.assertIn("internal;", internal)
        self.assertIn("alias /app/media/;", internal)
        uploads = text.split("(photo|image)/$ {", 1)[1].split("}", 1)[0]
        self.assertIn("client_max_body_size 12m;", uploads)

    def body_limit_mb(self, path: str) -> int:
        """The ``client_max_body_size`` nginx applies to ``path``: the first regular
        expression location that matches it (as nginx chooses), else the server's."""
        text = render_nginx_template(PLACEHOLDERS)
        for pattern, block in re.findall(r"location ~ (\S+) \{(.*?)\n    \}", text, re.S):
            if re.search(pattern, path):
                found = re.search(r"client_max_body_size (\d+)m;", block)
                if found:
                    return int(found.group(1))
                break
        return int(re.search(r"\n    client_max_body_size (\d+)m;", text).group(1))

    def test_every_admin_page_that_takes_a_photo_has_room_for_one(self):
        pages = [
            url
            for model, model_admin in admin.site._registry.items()
            if isinstance(model_admin, PhotoAdminMixin)
            for url in (
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[7]),
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"),
            )
        ]
        self.assertEqual(len(pages), 8, pages)  # children, instructors, courses, online courses
        for url in pages:
            with self.subTest(url):
                self.assertGreater(self.body_limit_mb(url), settings.UPLOAD_MAX_MB)
        self.assertEqual(self.body_limit_mb("/courses-admin/users/parent/7/change/"), 3)

    def test_a_lessons_admin_page_has_room_for_its_video_and_materials(self):
        text = render_nginx_template(PLACEHOLDERS)
        page = r"location ~ ^/courses-admin/online_courses/lesson/[0-9]+/change/$ {"
        block = text.split(page, 1)[1].split("}", 1)[0]
        allowed = int(block.split("client_max_body_size ", 1)[1].split("m;", 1)[0])
        total = settings.LESSON_VIDEO_MAX_MB + MAX_MATERIALS * settings.LESSON_MATERIAL_MAX_MB
        self.assertGreater(allowed, total)

    def test_compose_gives_the_nginx_service_every_placeholder(self):
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        environment = compose["services"]["nginx"]["environment"]
        self.assertEqual(set(environment), set(PLACEHOLDERS))


def raw_get(base: str, path: str) -> int:
    """The status of a GET whatever the body (nginx's own error pages are HTML)."""
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@requires_postgres
@requires_redis
class NginxSplitLayoutTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.layer = own_channel_layer()
        cls.layer.enable()
        cls.site = ComposeSite(workers=2)
        try:
            cls.site.launch().ready()
        except Exception:
            cls.tearDownClass()
            raise
        cls.proxy = cls.site.proxy

    @classmethod
    def tearDownClass(cls):
        cls.site.stop()
        cls.site.discard()
        cls.layer.disable()
        super().tearDownClass()

    def people(self):
        instructor, admin = make_instructor(), make_admin()
        lecture, kids = open_lecture(instructor)
        return lecture, kids, instructor, access_token(instructor.user), access_token(admin)

    def call(self, method, path, body=None, token=None):
        return self.site.request(method, path, body, token)

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

        async with (
            connect(self.site.ws_url("/ws/attendance/", ticket=ticket)) as mine,
            connect(self.site.ws_url("/ws/attendance/", token=admin_token)) as admin_ws,
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
        daphne_log = self.site.socket_log()
        self.assertIn("/ws/attendance/", daphne_log)
        self.assertNotIn("/api/", daphne_log)
        self.assertNotIn("/auth/", daphne_log)
        # nginx logged every request, without the query strings that carry credentials,
        # and which upstream answered each.
        access = self.proxy.access_log_text(
            f'POST /api/lectures/{lecture.pk}/attendance/ HTTP/1.1" 200',
            '"GET /ws/attendance/ HTTP/1.1" 101',
        )
        for path in ("/api/courses/", "/auth/users/me/", "/api/ws-ticket/", "/ws/attendance/"):
            self.assertIn(path, access)
        self.assertIn(f'POST /api/lectures/{lecture.pk}/attendance/ HTTP/1.1" 200', access)
        self.assertIn('"GET /ws/attendance/ HTTP/1.1" 101', access)
        self.assertIn(f"upstream=127.0.0.1:{self.site.ws.port} 101", access)
        self.assertIn(f"upstream=127.0.0.1:{self.site.web.port} 200", access)
        for secret in (ticket, token, admin_token):
            for log in self.site.logs().values():
                self.assertNotIn(secret, log)

    def test_a_failing_upstream_leaves_no_query_string_in_any_nginx_log(self):
        # nginx's error lines repeat the request line with its query string: with nothing
        # listening behind it, a socket's ?token= would be written there at level `error`.
        dead = f"127.0.0.1:{free_port()}"
        proxy = LiveNginx(web=dead, ws=dead).start()
        self.addCleanup(proxy.stop)
        secret = "A-credential-in-the-query-0123456789"

        for path in (f"/ws/attendance/?token={secret}", f"/api/courses/?ticket={secret}"):
            self.assertEqual(raw_get(proxy.base, path), 502)

        access = proxy.access_log_text(
            '"GET /ws/attendance/ HTTP/1.1" 502', '"GET /api/courses/ HTTP/1.1" 502'
        )
        errors = proxy.error_log_text()
        self.assertNotIn(secret, access + errors)
        # The failure is still on record, in the access log: path, 502, the upstream tried.
        self.assertIn('"GET /ws/attendance/ HTTP/1.1" 502', access)
        self.assertIn('"GET /api/courses/ HTTP/1.1" 502', access)
        self.assertIn(f"upstream={dead} 502", access)


class NginxStreamsCheckedFilesTests(SimpleTestCase):
    """The app answers ``X-Accel-Redirect`` (files.views with MEDIA_ACCEL_REDIRECT) and
    the template's internal location sends the file; nobody reaches it directly."""

    def test_nginx_sends_the_file_the_app_names_and_refuses_the_internal_path(self):
        import http.server
        import shutil
        import tempfile
        import threading
        from pathlib import Path

        media = Path(tempfile.mkdtemp(prefix="redwan-nginx-media-"))
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        (media / "private" / "photos").mkdir(parents=True)
        (media / "private" / "photos" / "a.jpg").write_bytes(b"the photo")
        for path in (media, media / "private", media / "private" / "photos"):
            path.chmod(0o755)  # nginx's workers run as nobody
        (media / "private" / "photos" / "a.jpg").chmod(0o644)

        class App(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("X-Accel-Redirect", "/internal-media/private/photos/a.jpg")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), App)
        threading.Thread(target=app.serve_forever, daemon=True).start()
        self.addCleanup(app.shutdown)
        proxy = LiveNginx(
            web=f"127.0.0.1:{app.server_address[1]}", ws="127.0.0.1:9", media_dir=media
        ).start()
        self.addCleanup(proxy.stop)

        with urllib.request.urlopen(proxy.base + "/files/photos/a.jpg?expires=1&signature=x") as r:
            self.assertEqual((r.status, r.read()), (200, b"the photo"))
        # A byte range (a video player seeking) is nginx's to answer, from the same file.
        ranged = urllib.request.Request(proxy.base + "/files/photos/a.jpg?expires=1&signature=x")
        ranged.add_header("Range", "bytes=4-8")
        with urllib.request.urlopen(ranged) as r:
            self.assertEqual((r.status, r.read()), (206, b"photo"))
            self.assertEqual(r.headers["Content-Range"], "bytes 4-8/9")
        with self.assertRaises(urllib.error.HTTPError) as direct:
            urllib.request.urlopen(proxy.base + "/internal-media/private/photos/a.jpg")
        self.assertEqual(direct.exception.code, 404)
