"""The OpenAPI schema and its viewers (SPEC §1: /api/schema/, /api/docs/, /api/redoc/)."""

from __future__ import annotations

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
