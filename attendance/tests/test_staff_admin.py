"""The admin of devices, shifts, instructor attendance and job runs (issue #10, point 7)."""

from __future__ import annotations

from django.test import TestCase

from attendance import cron
from attendance.models import Device
from attendance.tests.factories import LectureRowFactory, make_device
from users.tests.factories import make_admin


class StaffAdminTests(TestCase):
    def setUp(self):
        self.admin = make_admin(is_superuser=True)
        self.client.force_login(self.admin)

    def test_creating_a_device_shows_its_key_once_and_stores_only_a_hash(self):
        response = self.client.post(
            "/courses-admin/attendance/device/add/",
            {"name": "Gate", "kind": "qr", "location": "Hall", "is_active": "on"},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        shown = [str(m) for m in response.context["messages"]]
        device = Device.objects.get()
        key = next(m for m in shown if device.key_id in m).split()[-1].strip("\u2066\u2069")
        self.assertTrue(key.startswith(device.key_id + "."))
        page = self.client.get(f"/courses-admin/attendance/device/{device.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, key.split(".", 1)[1])
        self.assertNotContains(page, device.key_hash)

    def test_manual_action_marks_a_session_absent(self):
        row = LectureRowFactory()
        response = self.client.post(
            "/courses-admin/attendance/instructorattendance/",
            {"action": "mark_absent", "_selected_action": [row.pk]},
        )
        self.assertEqual(response.status_code, 302)
        row.refresh_from_db()
        self.assertEqual(row.status, "absent")

    def test_lists_open_and_job_runs_are_read_only(self):
        make_device()
        cron.generate_instructor_attendance_weekly()
        for model in (
            "device",
            "supervisorshift",
            "instructorattendance",
            "devicescan",
        ):
            with self.subTest(model=model):
                self.assertEqual(
                    self.client.get(f"/courses-admin/attendance/{model}/").status_code, 200
                )
        page = self.client.get("/courses-admin/core/joblog/")
        self.assertContains(page, "generate_instructor_attendance_weekly")
        self.assertEqual(self.client.get("/courses-admin/core/joblog/add/").status_code, 403)
