"""What an outside attack found (issue #6, surface): no input gives a 5xx, the API answers
JSON errors in the SPEC §4 shape even outside its views, and unrouted WebSockets close."""

from __future__ import annotations

import logging
import re
from unittest import mock

from channels.layers import InMemoryChannelLayer
from channels.testing import WebsocketCommunicator
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APITestCase

from core import error_views
from core.asgi import application
from core.consumers import NO_ROUTE_CLOSE_CODE
from core.parsers import MAX_JSON_DEPTH, json_depth
from courses.tests.factories import (
    CourseFactory,
    ExamFactory,
    LectureFactory,
    SeasonFactory,
    TagFactory,
)
from users.tests.factories import make_admin, make_child, make_instructor, make_parent, make_student

DEEP_BODIES = {
    "lists": "[" * 5000 + "]" * 5000,
    "objects": '{"a":' * 5000 + "1" + "}" * 5000,
}


def api_endpoints() -> list[tuple[str, str]]:
    """Every (path, method) the URL resolver routes under /api/ and /auth/."""
    return sorted(
        {
            (path, method)
            for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
            if path.startswith(("/api/", "/auth/"))
        }
    )


class DeepJsonTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = make_admin()
        parent = make_parent()
        course = CourseFactory(season=SeasonFactory(), instructor=make_instructor())
        cls.ids = {
            "children": make_child(parent).pk,
            "parents": parent.pk,
            "students": make_student().pk,
            "instructors": course.instructor.pk,
            "seasons": course.season.pk,
            "tags": TagFactory().pk,
            "courses": course.pk,
            "lectures": LectureFactory(course=course).pk,
            "exams": ExamFactory(course=course).pk,
            "users": cls.admin.pk,
        }

    def concrete(self, path: str) -> str:
        resource = path.split("/")[2]
        return re.sub(r"\{[^}]+\}", str(self.ids.get(resource, 1)), path)

    def test_the_parser_refuses_deep_nesting_with_parse_error(self):
        for name, body in DEEP_BODIES.items():
            for url in ("/auth/jwt/create/", "/auth/users/", "/auth/jwt/refresh/"):
                with self.subTest(body=name, url=url):
                    response = self.client.post(url, body, content_type="application/json")
                    self.assertEqual(response.status_code, 400)
                    self.assertEqual(response.json()["code"], "parse_error")
                    self.assertEqual(response.json()["detail"], "بيانات JSON متداخلة بعمق زائد.")

    def test_the_api_takes_json_only(self):
        for content_type, body in (
            ("application/x-www-form-urlencoded", "phone_number1=%2B201000000000&password=x"),
            ("multipart/form-data; boundary=b", "--b--\r\n"),
            ("text/plain", "hello"),
        ):
            with self.subTest(content_type=content_type):
                response = self.client.post("/auth/jwt/create/", body, content_type=content_type)
                self.assertEqual(response.status_code, 415)
                self.assertEqual(response.json()["code"], "unsupported_media_type")

    def test_nesting_just_past_the_limit_is_refused_and_normal_bodies_pass(self):
        too_deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
        response = self.client.post("/auth/jwt/create/", too_deep, content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "parse_error")
        self.assertEqual(json_depth([[1], {"a": {"b": []}}]), 4)
        self.assertEqual(json_depth("x"), 0)
        ok = self.client.post(
            "/auth/jwt/create/",
            {"phone_number1": "+201000000000", "password": "nope-nope"},
            format="json",
        )
        self.assertEqual(ok.status_code, 401)

    def test_every_api_and_auth_endpoint_answers_deep_json_without_a_5xx(self):
        endpoints = api_endpoints()
        self.assertGreater(len(endpoints), 40, endpoints)  # the walk found the API
        for who in ("anonymous", "admin"):
            client = APIClient()
            if who == "admin":
                client.force_authenticate(self.admin)
            for path, method in endpoints:
                url = self.concrete(path)
                for name, body in DEEP_BODIES.items():
                    with self.subTest(who=who, method=method, url=url, body=name):
                        response = client.generic(
                            method, url, body, content_type="application/json"
                        )
                        self.assertLess(response.status_code, 500)
                        if method in ("POST", "PUT", "PATCH") and response.status_code == 400:
                            self.assertEqual(response.json()["code"], "parse_error")


class OptionsTests(APITestCase):
    def test_options_on_every_api_auth_and_docs_page_answers_without_a_5xx(self):
        admin = make_admin()
        paths = sorted({path for path, _method in api_endpoints()} | {"/api/docs/", "/api/redoc/"})
        for who in ("anonymous", "admin"):
            client = APIClient()
            if who == "admin":
                client.force_authenticate(admin)
            for path in paths:
                url = re.sub(r"\{[^}]+\}", "1", path)
                with self.subTest(who=who, url=url):
                    self.assertLess(client.options(url).status_code, 500)
        for url in ("/api/docs/", "/api/redoc/"):
            with self.subTest(url=url):
                self.assertEqual(self.client.options(url).status_code, 405)
                self.assertEqual(self.client.get(url).status_code, 200)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
class TooLargeTests(APITestCase):
    def test_a_body_over_the_limit_is_a_json_413_without_a_traceback(self):
        admin = make_admin()
        body = '{"name": "' + "x" * 2000 + '"}'
        for who, url in (
            (None, "/auth/jwt/create/"),
            (None, "/auth/users/"),
            (admin, "/api/courses/"),
            (admin, "/api/seasons/"),
        ):
            self.client.force_authenticate(who)
            with self.subTest(url=url), self.assertLogs(level=logging.DEBUG) as logs:
                response = self.client.post(url, body, content_type="application/json")
                self.assertEqual(response.status_code, 413)
                self.assertEqual(response["Content-Type"], "application/json")
                self.assertEqual(response.json()["code"], "request_too_large")
                self.assertEqual(response.json()["detail"], "حجم محتوى الطلب أكبر من المسموح.")
            self.assertFalse([r for r in logs.records if r.exc_info], logs.output)


class JsonErrorPagesTests(TestCase):
    def test_unmatched_api_urls_are_json_404s(self):
        for url in ("/api/nope/", "/auth/nope", "/api/courses/abc/", "/api/", "/auth/", "/api"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response["Content-Type"], "application/json")
                self.assertEqual(response.json()["code"], "not_found")
                self.assertEqual(response.json()["detail"], "غير موجود.")

    def test_other_paths_keep_djangos_html_404(self):
        response = self.client.get("/nope/")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(response["Content-Type"].startswith("text/html"))

    @override_settings(ALLOWED_HOSTS=["localhost"], DEBUG=False)
    def test_a_host_outside_allowed_hosts_is_a_json_400_on_the_api(self):
        for url in ("/api/courses/", "/auth/jwt/create/"):
            with self.subTest(url=url), self.assertLogs("django.security", logging.ERROR):
                response = self.client.get(url, HTTP_HOST="evil.example")
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response["Content-Type"], "application/json")
            self.assertEqual(response.json()["code"], "bad_request")
            self.assertEqual(response.json()["detail"], "الطلب غير صالح.")
        with self.assertLogs("django.security", logging.ERROR):
            admin = self.client.get("/courses-admin/", HTTP_HOST="evil.example")
        self.assertEqual(admin.status_code, 400)
        self.assertTrue(admin["Content-Type"].startswith("text/html"))
        good = self.client.get("/api/courses/", HTTP_HOST="localhost")
        self.assertEqual(good.status_code, 200)


@override_settings(DEBUG=True)
class JsonErrorPagesWithDebugTests(TestCase):
    """./run.sh serves with DEBUG=1, where Django shows its HTML debug pages instead of
    calling the handlers: the API must still answer JSON (SPEC §4)."""

    def test_unmatched_api_urls_are_json_404s_with_debug_on(self):
        for url in ("/api/nope/", "/auth/users/reset_password/", "/api/", "/auth/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response["Content-Type"], "application/json")
                self.assertEqual(response.json()["code"], "not_found")

    @override_settings(ALLOWED_HOSTS=["localhost"])
    def test_a_host_outside_allowed_hosts_is_a_json_400_with_debug_on(self):
        with self.assertLogs("django.security", logging.ERROR):
            response = self.client.get("/api/courses/", HTTP_HOST="evil.example")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "bad_request")

    def test_other_paths_keep_the_debug_pages(self):
        response = self.client.get("/nope/")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(response["Content-Type"].startswith("text/html"))

    def test_api_views_answer_as_before(self):
        response = self.client.get("/api/courses/999999/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")


class ServerErrorHandlerTests(SimpleTestCase):
    def test_a_500_on_the_api_is_json_and_elsewhere_html(self):
        factory = RequestFactory()
        response = error_views.server_error(factory.get("/api/courses/"))
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn(b'"code": "server_error"', response.content)
        html = error_views.server_error(factory.get("/courses-admin/"))
        self.assertEqual(html.status_code, 500)
        self.assertTrue(html["Content-Type"].startswith("text/html"))

    def test_the_root_urlconf_uses_them(self):
        from Redwan_courses_center import urls

        self.assertEqual(urls.handler400, "core.error_views.bad_request")
        self.assertEqual(urls.handler404, "core.error_views.page_not_found")
        self.assertEqual(urls.handler500, "core.error_views.server_error")


class ProductionRendererTests(APITestCase):
    def test_no_browsable_api_without_debug(self):
        names = [r.__name__ for r in api_settings.DEFAULT_RENDERER_CLASSES]
        self.assertEqual(names, ["JSONRenderer"])
        browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        response = self.client.get("/api/courses/", HTTP_ACCEPT=browser)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")


class UnroutedWebSocketTests(SimpleTestCase):
    async def _connect(self, path: str):
        communicator = WebsocketCommunicator(application, path)
        connected, code = await communicator.connect()
        closed = await communicator.receive_output() if connected else None
        await communicator.wait()
        return connected, code, closed

    async def test_a_path_with_no_route_is_closed_with_4004_and_nothing_logged(self):
        for path in ("/ws/nope/", "/foo", "/", "/ws/notifications/../../etc"):
            with self.subTest(path=path), self.assertNoLogs(level=logging.WARNING):
                connected, _code, closed = await self._connect(path)
            self.assertTrue(connected)
            self.assertEqual(closed, {"type": "websocket.close", "code": NO_ROUTE_CLOSE_CODE})

    async def test_a_path_with_no_route_never_joins_the_channel_layer(self):
        # With Redis, closing at once cancelled the layer's blocking read mid-reply now and
        # then: a "Timeout reading from" traceback in the live server's log.
        with mock.patch.object(InMemoryChannelLayer, "new_channel") as new_channel:
            connected, _code, closed = await self._connect("/ws/nope/")
        self.assertTrue(connected)
        self.assertEqual(closed, {"type": "websocket.close", "code": NO_ROUTE_CLOSE_CODE})
        new_channel.assert_not_called()


class ProductionSurfaceTests(TestCase):
    """Docs offline from our static files, a CSP the pages satisfy, no token tables."""

    @classmethod
    def setUpTestData(cls):
        cls.superuser = make_admin(is_superuser=True)

    def test_swagger_ui_and_redoc_load_only_our_own_files(self):
        from django.conf import settings

        self.assertIn("drf_spectacular_sidecar", settings.INSTALLED_APPS)
        for url, asset in (
            ("/api/docs/", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle"),
            ("/api/redoc/", "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone"),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                self.assertIn(asset, html)
                self.assertNotIn("cdn.jsdelivr.net", html)
                self.assertNotIn("fonts.googleapis.com", html)
                # No inline script: the page's CSP allows script-src 'self' only.
                self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)[^>]*>")

    def test_swagger_uis_init_script_is_served_as_a_file(self):
        response = self.client.get("/api/docs/?script=")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("application/javascript"))
        self.assertIn(b"SwaggerUIBundle(", response.content)
        self.assertIn(b"/api/schema/", response.content)

    def test_pages_get_a_same_origin_policy_and_the_api_a_policy_allowing_nothing(self):
        from core.csp import API_POLICY, PAGE_POLICY

        self.client.force_login(self.superuser)
        for url in ("/api/docs/", "/courses-admin/", "/courses-admin/courses/course/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Security-Policy"], PAGE_POLICY)
        self.client.logout()
        login = self.client.get("/courses-admin/login/")
        self.assertEqual(login["Content-Security-Policy"], PAGE_POLICY)
        self.assertIn("script-src 'self';", PAGE_POLICY)
        self.assertNotIn("unsafe-eval", PAGE_POLICY)
        redoc = self.client.get("/api/redoc/")["Content-Security-Policy"]
        self.assertIn("img-src 'self' data: https://cdn.redoc.ly;", redoc)
        self.assertIn("script-src 'self';", redoc)
        for url in ("/api/courses/", "/api/schema/", "/api/nope/", "/auth/users/me/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response["Content-Security-Policy"], API_POLICY)
        self.assertEqual(
            API_POLICY,
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        )

    def test_jwt_token_tables_are_not_in_the_admin(self):
        self.client.force_login(self.superuser)
        for url in (
            "/courses-admin/token_blacklist/outstandingtoken/",
            "/courses-admin/token_blacklist/blacklistedtoken/",
            "/courses-admin/token_blacklist/outstandingtoken/1/change/",
            "/courses-admin/token_blacklist/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        index = self.client.get("/courses-admin/")
        self.assertEqual(index.status_code, 200)
        self.assertNotContains(index, "token_blacklist")
