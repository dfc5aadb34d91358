"""A write sent without its trailing slash is redirected with 308 (method and body kept),
never a 500 (Django's CommonMiddleware raises RuntimeError for it when DEBUG is on)."""

from __future__ import annotations

from django.test import override_settings
from rest_framework.test import APITestCase

from users.tests.factories import make_admin, make_instructor


class MissingSlashTests(APITestCase):
    def setUp(self):
        self.client.force_authenticate(make_admin())

    @override_settings(DEBUG=True)
    def test_a_post_without_the_slash_is_a_308_to_the_slashed_url_with_debug_on(self):
        response = self.client.post("/api/ws-ticket?x=1", {}, format="json")
        self.assertEqual(response.status_code, 308)
        self.assertEqual(response["Location"], "/api/ws-ticket/?x=1")

    def test_a_post_without_the_slash_is_a_308_with_debug_off(self):
        response = self.client.post("/api/notifications/read-all", {}, format="json")
        self.assertEqual(response.status_code, 308)
        self.assertEqual(response["Location"], "/api/notifications/read-all/")

    @override_settings(DEBUG=True)
    def test_a_client_following_the_redirect_repeats_the_request_with_its_body(self):
        response = self.client.post(
            "/api/supervisor-shifts",
            {
                "supervisor": make_instructor(kind="supervisor").pk,
                "weekday": 0,
                "start_time": "09:00",
                "end_time": "12:00",
            },
            format="json",
            follow=True,
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.redirect_chain, [("/api/supervisor-shifts/", 308)])

    @override_settings(DEBUG=True)
    def test_patch_and_delete_keep_their_method_too(self):
        for method in ("patch", "delete", "put"):
            response = getattr(self.client, method)("/api/devices/1", {}, format="json")
            self.assertEqual(response.status_code, 308, method)

    def test_a_get_without_the_slash_keeps_djangos_301(self):
        response = self.client.get("/api/notifications")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/api/notifications/")

    def test_an_unknown_path_is_still_a_json_404(self):
        response = self.client.post("/api/no-such-thing", {}, format="json")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")
