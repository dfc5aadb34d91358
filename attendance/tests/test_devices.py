"""/api/devices/ and ``Authorization: Device <key>`` (issue #10, point 1)."""

from __future__ import annotations

import logging

from django.test import TestCase
from rest_framework.test import APITestCase

from attendance.device_services import device_authenticate
from attendance.models import Device
from attendance.tests.factories import make_device
from users.tests.personas import PersonasMixin

SCAN = "/api/attendance/scan/"


class DeviceApiTests(PersonasMixin, APITestCase):
    def test_admin_creates_a_device_and_sees_its_key_once(self):
        self.as_user("admin")
        with self.assertLogs("attendance", level=logging.DEBUG) as logs:
            logging.getLogger("attendance").debug("marker")
            response = self.client.post(
                "/api/devices/",
                {"name": "Gate", "kind": "fingerprint", "location": "Entrance"},
                format="json",
            )
        self.assertEqual(response.status_code, 201, response.data)
        key = response.data["key"]
        self.assertGreater(len(key), 40)
        self.assertNotIn(key, "\n".join(logs.output))
        device = Device.objects.get(pk=response.data["id"])
        self.assertNotIn(key, device.key_hash)
        self.assertNotIn(key.split(".", 1)[1], device.key_hash)

        listed = self.client.get("/api/devices/")
        detail = self.client.get(f"/api/devices/{device.pk}/")
        for body in (listed.content.decode(), detail.content.decode()):
            self.assertNotIn(key.split(".", 1)[1], body)
            self.assertNotIn(device.key_hash, body)
            self.assertNotIn('"key"', body)
        self.assertEqual(listed.data["count"], 1)

    def test_only_admins_manage_devices(self):
        device, _ = make_device()
        for who, expected in (("anonymous", 401), ("parent", 403), ("instructor", 403)):
            self.as_user(who)
            with self.subTest(who=who):
                self.assertEqual(self.client.get("/api/devices/").status_code, expected)
                self.assertEqual(
                    self.client.post(
                        "/api/devices/", {"name": "x", "kind": "qr"}, format="json"
                    ).status_code,
                    expected,
                )
                self.assertEqual(
                    self.client.post(f"/api/devices/{device.pk}/rotate-key/").status_code,
                    expected,
                )

    def test_rotate_key_gives_a_new_key_and_the_old_one_stops_working(self):
        device, old = make_device()
        self.as_user("admin")
        response = self.client.post(f"/api/devices/{device.pk}/rotate-key/")
        self.assertEqual(response.status_code, 200)
        new = response.data["key"]
        self.assertNotEqual(new, old)
        self.client.force_authenticate(None)
        refused = self.client.post(
            SCAN, {"fingerprint_id": "x"}, format="json", HTTP_AUTHORIZATION=f"Device {old}"
        )
        self.assertEqual(refused.status_code, 401)
        accepted = self.client.post(
            SCAN, {"fingerprint_id": "x"}, format="json", HTTP_AUTHORIZATION=f"Device {new}"
        )
        self.assertEqual(accepted.status_code, 200)

    def test_patch_is_active_false_retires_the_device(self):
        device, key = make_device()
        self.as_user("admin")
        response = self.client.patch(
            f"/api/devices/{device.pk}/", {"is_active": False}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.data["is_active"])
        self.assertNotIn("key", response.data)
        self.client.force_authenticate(None)
        response = self.client.post(
            SCAN, {"fingerprint_id": "x"}, format="json", HTTP_AUTHORIZATION=f"Device {key}"
        )
        self.assertEqual(response.status_code, 401)


class DeviceAuthenticationTests(APITestCase):
    def setUp(self):
        self.device, self.key = make_device()

    def post(self, authorization: str | None, fingerprint_id: str = "FP-1"):
        headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
        return self.client.post(SCAN, {"fingerprint_id": fingerprint_id}, format="json", **headers)

    def test_missing_unknown_or_malformed_keys_are_401_with_the_same_answer(self):
        key_id = self.key.split(".")[0]
        answers = []
        for header in (
            None,
            "",
            "Device",
            "Device nonsense",
            f"Device {key_id}.wrong-secret",
            f"Device {self.key} extra",
            f"Bearer {self.key}",
            "Device \u00e9\u00e9",
        ):
            response = self.post(header)
            with self.subTest(header=header):
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response["WWW-Authenticate"], "Device")
                answers.append(response.json())
        # A missing key answers exactly like a wrong one: one body for every refusal.
        self.assertEqual(len({repr(answer) for answer in answers}), 1, answers)
        self.assertEqual(answers[0]["code"], "authentication_failed")

    def test_the_answer_does_not_depend_on_the_fingerprint(self):
        first = self.post("Device bad.key", fingerprint_id="FP-0001")
        second = self.post("Device bad.key", fingerprint_id="NOBODY")
        self.assertEqual(first.status_code, second.status_code)
        self.assertEqual(first.data, second.data)

    def test_a_device_key_is_not_a_login_anywhere_else(self):
        response = self.client.get("/api/lectures/", HTTP_AUTHORIZATION=f"Device {self.key}")
        self.assertEqual(response.status_code, 401)


class LastSeenTests(TestCase):
    def test_last_seen_is_stamped_on_use(self):
        device, key = make_device()
        self.assertIsNone(device.last_seen_at)
        self.assertEqual(device_authenticate(key=key), device)
        device.refresh_from_db()
        self.assertIsNotNone(device.last_seen_at)

    def test_a_retired_device_is_not_authenticated(self):
        device, key = make_device(is_active=False)
        self.assertIsNone(device_authenticate(key=key))
