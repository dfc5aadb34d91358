"""POST /api/ws-ticket/ (SPEC §6.4): a single-use ticket for the attendance socket."""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.test import APITestCase
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from attendance.tests.ws_helpers import access_token
from core.ws_tickets import KEY_PREFIX, ws_ticket_consume
from users.tests.personas import PersonasMixin

URL = "/api/ws-ticket/"


class WsTicketEndpointTests(PersonasMixin, APITestCase):
    def post_with_token(self, user):
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user)}")
        return self.client.post(URL, format="json")

    def test_instructors_supervisors_and_admins_get_a_30_second_ticket(self):
        for who in ("instructor", "supervisor", "admin"):
            with self.subTest(who=who):
                user = getattr(self, who)
                response = self.post_with_token(user)
                self.assertEqual(response.status_code, 200, response.data)
                self.assertEqual(set(response.data), {"ticket", "expires_in"})
                self.assertEqual(response.data["expires_in"], 30)
                self.assertGreaterEqual(len(response.data["ticket"]), 40)
                grant = ws_ticket_consume(ticket=response.data["ticket"])
                self.assertEqual(grant.user_id, user.pk)
                self.assertIsNone(ws_ticket_consume(ticket=response.data["ticket"]))

    def test_the_ticket_remembers_when_the_token_it_was_bought_with_expires(self):
        token = access_token(self.admin)
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        ticket = self.client.post(URL, format="json").data["ticket"]
        grant = ws_ticket_consume(ticket=ticket)
        lifetime = jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()
        self.assertAlmostEqual(grant.token_exp, time.time() + lifetime, delta=30)

    def test_parents_and_students_are_refused_and_anonymous_callers_are_401(self):
        for who in ("parent", "student"):
            with self.subTest(who=who):
                response = self.post_with_token(getattr(self, who))
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.data["code"], "permission_denied")
        self.client.credentials()
        response = self.client.post(URL, format="json")
        self.assertEqual((response.status_code, response.data["code"]), (401, "not_authenticated"))

    def test_the_refusal_is_in_arabic_by_default(self):
        response = self.post_with_token(self.parent)
        self.assertEqual(
            response.data["detail"], "المتابعة المباشرة للحضور للمحاضرين والإداريين فقط."
        )

    def test_only_post_is_offered(self):
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(self.admin)}")
        self.assertEqual(self.client.get(URL).status_code, 405)

    def test_the_ticket_itself_is_not_stored(self):
        ticket = self.post_with_token(self.instructor).data["ticket"]
        keys = getattr(cache, "_cache", {})
        if isinstance(keys, dict):  # the local-memory cache shows its keys
            self.assertTrue(any(KEY_PREFIX in key for key in keys))
            self.assertFalse(any(ticket in key for key in keys))
        self.assertIsNone(cache.get(ticket))
