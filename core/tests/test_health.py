"""Liveness and readiness probes (/healthz/, /readyz/)."""

from __future__ import annotations

import time
from unittest import mock

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

    def test_the_rest_api_stays_ready_when_only_the_channel_layer_is_down(self):
        # REST requests do without Redis; failing here would drain every instance at once.
        with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS_LAYER):
            # channels drops its cached layers on setting_changed; prove the override is
            # really in force rather than a cached in-memory layer answering.
            self.assertEqual(type(get_channel_layer()).__name__, "RedisChannelLayer")
            started = time.monotonic()
            with self.assertLogs("core.health", level="WARNING"):
                response = self.client.get("/readyz/")
            elapsed = time.monotonic() - started

        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"status": "degraded", "checks": {"database": True, "channel_layer": False}},
        )
        # The probe must answer within its own timeout, not hang the orchestrator.
        self.assertLess(elapsed, 5)

    def test_the_realtime_probe_returns_503_when_the_channel_layer_is_down(self):
        with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS_LAYER):
            with self.assertLogs("core.health", level="WARNING"):
                response = self.client.get("/readyz/realtime/")

        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            response.json(),
            {"status": "unavailable", "checks": {"database": True, "channel_layer": False}},
        )

    def test_the_probe_does_not_use_the_processes_channel_layer(self):
        # A send/receive on the shared layer is what failed while sockets were connected.
        with mock.patch("channels.layers.get_channel_layer") as shared:
            self.assertEqual(self.client.get("/readyz/realtime/").status_code, 200)
        shared.assert_not_called()

    def test_a_database_outage_takes_both_out_of_rotation(self):
        with mock.patch("core.health._database_ok", return_value=False):
            for path in ("/readyz/", "/readyz/realtime/"):
                with self.subTest(path=path):
                    response = self.client.get(path)
                    self.assertEqual(response.status_code, 503)
                    self.assertEqual(response.json()["status"], "unavailable")

    def test_the_real_layer_is_restored_after_an_override(self):
        with override_settings(CHANNEL_LAYERS=UNREACHABLE_REDIS_LAYER):
            broken = get_channel_layer()

        self.assertIsNot(get_channel_layer(), broken)
        self.assertEqual(self.client.get("/readyz/").status_code, 200)
