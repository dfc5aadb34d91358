"""Liveness and readiness probes (/healthz/, /readyz/)."""

from __future__ import annotations

import time

from channels.layers import get_channel_layer
from django.test import TestCase, override_settings

# Port 1 on the loopback interface: nothing listens there, so the connection is refused
# at once — a real outage of the channel layer, without mocking anything.
UNREACHABLE_REDIS_LAYER = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
    }
}


class HealthzTests(TestCase):
    def test_it_answers_200_to_anonymous_callers(self):
        response = self.client.get("/healthz/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})

    def test_it_is_never_cached(self):
        response = self.client.get("/healthz/")

        self.assertIn("no-cache", response["Cache-Control"])

    def test_it_refuses_writes(self):
        self.assertEqual(self.client.post("/healthz/").status_code, 405)


class ReadyzTests(TestCase):
    def test_it_answers_200_when_the_database_and_channel_layer_work(self):
        response = self.client.get("/readyz/")

        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["checks"], {"database": True, "channel_layer": True})

    def test_it_returns_503_when_the_channel_layer_is_down(self):
        with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS_LAYER):
            # channels drops its cached layers on setting_changed; prove the override is
            # really in force rather than a cached in-memory layer answering.
            self.assertEqual(type(get_channel_layer()).__name__, "RedisChannelLayer")
            started = time.monotonic()
            with self.assertLogs("core.health", level="WARNING"):
                response = self.client.get("/readyz/")
            elapsed = time.monotonic() - started

        self.assertEqual(response.status_code, 503)
        body = response.json()
        self.assertEqual(body["status"], "unavailable")
        self.assertEqual(body["checks"], {"database": True, "channel_layer": False})
        # The probe must answer within its own timeout, not hang the orchestrator.
        self.assertLess(elapsed, 5)

    def test_the_real_layer_is_restored_after_an_override(self):
        with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS_LAYER):
            broken = get_channel_layer()

        self.assertIsNot(get_channel_layer(), broken)
        self.assertEqual(self.client.get("/readyz/").status_code, 200)
