"""The OpenAPI schema and its viewers (SPEC §1: /api/schema/, /api/docs/, /api/redoc/)."""

from __future__ import annotations

import threading
import time

from django.test import SimpleTestCase
from rest_framework.test import APIClient, APITestCase

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


class SchemaTests(APITestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Generated once for the class, by an anonymous client.
        response = APIClient().get("/api/schema/?format=json")
        cls.status_code = response.status_code
        cls.schema = response.json() if response.status_code == 200 else {"paths": {}}

    def setUp(self):
        self.assertEqual(self.status_code, 200)
        self.paths = self.schema["paths"]

    def _operations(self):
        for path, item in self.paths.items():
            for method in HTTP_METHODS:
                if method in item:
                    yield path, method, item[method]

    def test_it_is_an_openapi_3_document_served_to_anonymous_callers(self):
        self.assertTrue(self.schema["openapi"].startswith("3."))
        self.assertEqual(self.schema["info"]["title"], "Redwan Courses Center API")

    def test_it_documents_the_auth_and_api_endpoints(self):
        for path in (
            "/auth/jwt/create/",
            "/auth/jwt/refresh/",
            "/auth/users/",
            "/auth/users/me/",
            "/auth/phone/verify/",
            "/api/children/",
            "/api/children/{id}/",
            "/api/parent-links/{id}/approve/",
            "/api/notifications/read-all/",
        ):
            with self.subTest(path=path):
                self.assertIn(path, self.paths)

    def test_it_leaves_out_the_admin_and_the_probes(self):
        for path in self.paths:
            self.assertFalse(path.startswith(("/courses-admin/", "/healthz/", "/readyz/")), path)

    def test_no_slug_is_documented_with_an_ascii_only_pattern(self):
        # Slugs are made from names, often Arabic ("خط-عربي"). A pattern with \\w reads
        # as ASCII-only to every client that validates with ECMAScript regular expressions.
        slugs = {
            name: schema["properties"]["slug"]
            for name, schema in self.schema["components"]["schemas"].items()
            if "slug" in schema.get("properties", {})
        }
        self.assertGreaterEqual(
            set(slugs), {"Course", "CourseWriteRequest", "OnlineCourse", "LandingCourse"}
        )
        for name, slug in slugs.items():
            with self.subTest(name):
                self.assertNotIn("pattern", slug)
                self.assertIn("any script", slug["description"])

    def test_every_operation_lists_the_error_responses(self):
        for path, method, operation in self._operations():
            with self.subTest(operation=f"{method.upper()} {path}"):
                responses = operation["responses"]
                for code in ("401", "403", "404"):
                    self.assertIn(code, responses)

    def test_every_post_lists_400(self):
        posts = [(path, op) for path, method, op in self._operations() if method == "post"]
        self.assertTrue(posts)
        for path, operation in posts:
            with self.subTest(path=path):
                self.assertIn("400", operation["responses"])

    def test_the_login_operation_documents_its_body(self):
        login = self.paths["/auth/jwt/create/"]["post"]

        self.assertIn("requestBody", login)
        self.assertIn("200", login["responses"])


class SchemaViewerTests(APITestCase):
    def test_swagger_ui_is_public(self):
        response = self.client.get("/api/docs/")

        self.assertEqual(response.status_code, 200)
        self.assertIn("swagger", response.content.decode().lower())

    def test_redoc_is_public(self):
        response = self.client.get("/api/redoc/")

        self.assertEqual(response.status_code, 200)
        self.assertIn("redoc", response.content.decode().lower())

    def test_the_yaml_schema_is_public_too(self):
        response = self.client.get("/api/schema/")

        self.assertEqual(response.status_code, 200)
        self.assertIn(b"openapi: 3", response.content)


class SchemaPerCallerTests(APITestCase):
    """The schema is one document: it must not fail, or change shape, for a signed-in caller
    (fuzzers and the SPA's codegen fetch it with their token)."""

    def test_every_role_gets_the_same_schema_as_anonymous_callers(self):
        from users.tests.factories import make_admin, make_instructor, make_parent, make_student

        anonymous = self.client.get("/api/schema/?format=json")
        self.assertEqual(anonymous.status_code, 200)
        for user in (
            make_admin(),
            make_instructor().user,
            make_parent().user,
            make_student().user,
        ):
            with self.subTest(role=user.role):
                self.client.force_authenticate(user)
                response = self.client.get("/api/schema/?format=json")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json(), anonymous.json())

    def test_creating_an_instructor_is_documented_with_the_admin_fields(self):
        schema = self.client.get("/api/schema/?format=json").json()
        body = schema["paths"]["/api/instructors/"]["post"]["requestBody"]
        ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        properties = schema["components"]["schemas"][ref]["properties"]
        for field in ("phone_number1", "password", "bio", "kind"):
            self.assertIn(field, properties)

    def test_optional_user_fields_of_the_admin_lists_are_documented_as_nullable(self):
        schemas = self.client.get("/api/schema/?format=json").json()["components"]["schemas"]
        for component, field in (("Student", "email"), ("Student", "dob"), ("Parent", "email")):
            with self.subTest(field=f"{component}.{field}"):
                self.assertTrue(schemas[component]["properties"][field].get("nullable"))

    def test_choice_sets_have_stable_names_not_hashes(self):
        schemas = self.client.get("/api/schema/?format=json").json()["components"]["schemas"]
        self.assertIn("InstructorKindEnum", schemas)
        for name in schemas:
            self.assertNotRegex(name, r"[0-9a-f]{3}Enum$")


class SchemaMatchesResponsesTests(APITestCase):
    """What schemathesis checked against real responses (issue #6)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.schema = APIClient().get("/api/schema/?format=json").json()

    def operation(self, path: str, method: str) -> dict:
        return self.schema["paths"][path][method]

    def test_times_are_hh_mm_ss_strings_not_openapi_time(self):
        import re

        from core.schema import TIME_PATTERN

        for name in ("Lecture", "ScheduleSlot", "ScheduleSlotRequest", "LectureCreateRequest"):
            for field in ("start_time", "end_time"):
                with self.subTest(schema=name, field=field):
                    prop = self.schema["components"]["schemas"][name]["properties"][field]
                    self.assertEqual(prop["type"], "string")
                    self.assertNotIn("format", prop)
                    self.assertEqual(prop["pattern"], TIME_PATTERN)
        for ok in ("17:00", "17:00:00", "09:30:00.250000", "23:59:59"):
            self.assertRegex(ok, TIME_PATTERN)
        for bad in ("24:00", "17:60", "5:00", "17:00:00+02:00", "17"):
            self.assertIsNone(re.match(TIME_PATTERN, bad), bad)

    def test_the_public_catalogue_is_documented_as_needing_no_login(self):
        public = [
            ("/api/seasons/", "get"),
            ("/api/seasons/{id}/", "get"),
            ("/api/tags/", "get"),
            ("/api/tags/{id}/", "get"),
            ("/api/courses/", "get"),
            ("/api/courses/{id}/", "get"),
            ("/api/courses/{id}/schedule/", "get"),
            ("/api/instructors/", "get"),
            ("/api/instructors/{id}/", "get"),
            ("/api/landing/", "get"),
        ]
        for path, method in public:
            with self.subTest(path=path):
                self.assertIn({}, self.operation(path, method)["security"])
                if "{id}" not in path:  # and anonymous callers really are served
                    self.assertEqual(APIClient().get(path).status_code, 200)
        for path, method in (
            ("/api/seasons/", "post"),
            ("/api/tags/{id}/", "patch"),
            ("/api/courses/", "post"),
            ("/api/children/", "get"),
            ("/api/exams/", "get"),
        ):
            with self.subTest(path=path, method=method):
                self.assertNotIn({}, self.operation(path, method)["security"])

    def test_paging_and_id_filters_document_their_bounds(self):
        params = {
            p["name"]: p["schema"] for p in self.operation("/api/courses/", "get")["parameters"]
        }
        self.assertEqual(params["page"]["minimum"], 1)
        self.assertEqual((params["page_size"]["minimum"], params["page_size"]["maximum"]), (1, 100))
        for name in ("season", "tag", "instructor"):
            self.assertEqual(params[name]["minimum"], 0)
            self.assertEqual(params[name]["maximum"], 2**63 - 1)
        lectures = {
            p["name"]: p["schema"] for p in self.operation("/api/lectures/", "get")["parameters"]
        }
        self.assertEqual(lectures["course"]["maximum"], 2**63 - 1)

    def test_it_validates_without_warnings(self):
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=StringIO())
        self.assertIn("openapi:", out.getvalue())


class SchemaConcurrencyTests(SimpleTestCase):
    """Two first GETs of /api/schema/ at once (two fuzzers on a fresh Daphne) got a 500:
    drf-spectacular resolves its extensions in place while generating."""

    def test_the_schema_is_generated_one_request_at_a_time(self):
        from unittest import mock

        from django.test import Client
        from drf_spectacular.generators import SchemaGenerator

        from testkit.db import run_concurrently

        state = {"running": 0, "most": 0}
        guard = threading.Lock()
        real = SchemaGenerator.get_schema

        def tracked(generator, *args, **kwargs):
            with guard:
                state["running"] += 1
                state["most"] = max(state["most"], state["running"])
            time.sleep(0.2)  # long enough for the other thread to arrive
            try:
                return real(generator, *args, **kwargs)
            finally:
                with guard:
                    state["running"] -= 1

        def fetch():
            return Client().get("/api/schema/?format=json").status_code

        with mock.patch.object(SchemaGenerator, "get_schema", tracked):
            statuses = run_concurrently(fetch, fetch, fetch)

        self.assertEqual(statuses, [200, 200, 200])
        self.assertEqual(state["most"], 1)
