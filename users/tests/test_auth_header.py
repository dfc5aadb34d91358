"""``Authorization: Bearer <access>`` and ``Authorization: JWT <access>`` (the prefix the
center's existing frontend sends) are both accepted, everywhere a user signs in (SPEC §4)."""

from __future__ import annotations

from django.test import TestCase
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.logging import redact
from users.tests.factories import make_admin, make_instructor, make_parent

PREFIXES = ("Bearer", "JWT")


def _client(prefix: str, user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{prefix} {AccessToken.for_user(user)}")
    return client


class AuthorizationHeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.parent = make_parent()
        cls.instructor = make_instructor()
        cls.admin = make_admin()

    def test_both_prefixes_are_accepted_on_reads_and_writes(self):
        for prefix in PREFIXES:
            with self.subTest(prefix=prefix):
                parent = _client(prefix, self.parent.user)
                me = parent.get("/auth/users/me/")
                self.assertEqual((me.status_code, me.json()["id"]), (200, self.parent.user.pk))
                self.assertEqual(parent.get("/api/children/").status_code, 200)
                created = parent.post(
                    "/api/children/",
                    {
                        "first_name": "Mona",
                        "last_name": "Adel",
                        "dob": "2017-03-01",
                        "gender": "female",
                    },
                    format="json",
                )
                self.assertEqual(created.status_code, 201, created.json())
                ticket = _client(prefix, self.instructor.user).post("/api/ws-ticket/")
                self.assertEqual(ticket.status_code, 200, ticket.json())
                dashboard = _client(prefix, self.admin).get("/api/dashboard/")
                self.assertEqual(dashboard.status_code, 200)

    def test_other_prefixes_and_a_bad_token_are_refused(self):
        token = AccessToken.for_user(self.parent.user)
        for header in (f"Token {token}", f"jwt{token}", "JWT not-a-token", f"Basic {token}"):
            with self.subTest(header=header):
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=header)
                self.assertEqual(client.get("/auth/users/me/").status_code, 401)

    def test_the_schema_says_both_prefixes(self):
        schema = APIClient().get("/api/schema/?format=json").json()
        scheme = schema["components"]["securitySchemes"]["jwtAuth"]

        self.assertEqual((scheme["type"], scheme["scheme"]), ("http", "bearer"))
        self.assertIn("Authorization: Bearer <access>", scheme["description"])
        self.assertIn("Authorization: JWT <access>", scheme["description"])

    def test_a_jwt_prefixed_token_is_redacted_from_logs(self):
        token = str(AccessToken.for_user(self.parent.user))

        line = redact(f"Authorization: JWT {token}")

        self.assertNotIn(token, line)
        self.assertIn("JWT [redacted]", line)
