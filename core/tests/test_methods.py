"""A method no route offers answers 405 with ``Allow`` — before any sign-in is asked for
(``TRACE /api/attendance/scan/`` without a device key answered 401)."""

from __future__ import annotations

from django.test import TestCase
from rest_framework.test import APIClient

from users.tests.factories import make_admin


class UnroutedMethodTests(TestCase):
    def test_an_unrouted_method_is_405_for_anonymous_callers(self):
        client = APIClient()
        for path, allow in [
            ("/api/attendance/scan/", "POST, OPTIONS"),
            ("/api/courses/", "GET, POST, HEAD, OPTIONS"),
            ("/api/ws-ticket/", "POST, OPTIONS"),
            ("/auth/users/me/", None),
        ]:
            for method in ("TRACE", "PUT", "CONNECT", "FOO"):
                with self.subTest(method=method, path=path):
                    response = client.generic(method, path)
                    self.assertEqual(response.status_code, 405)
                    self.assertEqual(response.json()["code"], "method_not_allowed")
                    self.assertIn(method, response.json()["detail"])
                    self.assertNotIn(method, response["Allow"].split(", "))
                    if allow:
                        self.assertEqual(response["Allow"], allow)

    def test_routed_methods_still_ask_for_credentials(self):
        client = APIClient()
        self.assertEqual(client.post("/api/attendance/scan/", {}, format="json").status_code, 401)
        self.assertEqual(client.get("/api/children/").status_code, 401)
        self.assertEqual(client.get("/api/courses/").status_code, 200)
        self.assertEqual(client.head("/api/courses/").status_code, 200)

    def test_a_signed_in_caller_gets_the_same_405(self):
        client = APIClient()
        client.force_authenticate(make_admin())
        response = client.put("/api/children/", {}, format="json")
        self.assertEqual(
            (response.status_code, response.json()["code"]), (405, "method_not_allowed")
        )
        self.assertEqual(client.generic("TRACE", "/api/dashboard/").status_code, 405)
