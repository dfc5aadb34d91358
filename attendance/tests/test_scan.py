"""POST /api/attendance/scan/ with a frozen clock (issue #10, point 3)."""

from __future__ import annotations

import datetime
from datetime import timedelta

import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import override_settings
from rest_framework.test import APITestCase

from attendance.models import DeviceScan, InstructorAttendance
from attendance.tests.factories import (
    LectureRowFactory,
    ShiftRowFactory,
    make_device,
    make_fingered_instructor,
)
from core.realtime import admins_group
from courses.rules import local_datetime
from courses.tests.factories import CourseFactory, LectureFactory

SCAN = "/api/attendance/scan/"
DAY = datetime.date(2026, 11, 7)  # a Saturday
START = datetime.time(9, 0)


def cairo(hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return local_datetime(DAY, datetime.time(hour, minute, second))


async def _receive(layer, channel: str, count: int) -> list[dict]:
    return [await layer.receive(channel) for _ in range(count)]


@override_settings(INSTRUCTOR_LATE_GRACE_MINUTES=10)
class ScanTests(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.device, cls.key = make_device()
        cls.teacher = make_fingered_instructor("FP-0001")
        cls.course = CourseFactory(instructor=cls.teacher)
        cls.morning = LectureFactory(
            course=cls.course, date=DAY, start_time=START, end_time=datetime.time(10, 30)
        )
        cls.evening = LectureFactory(
            course=cls.course,
            date=DAY,
            start_time=datetime.time(17, 0),
            end_time=datetime.time(18, 0),
        )
        cls.rows = [LectureRowFactory(lecture=cls.morning), LectureRowFactory(lecture=cls.evening)]
        # Another day's row must never be touched by today's scans.
        cls.tomorrow = LectureRowFactory(
            lecture=LectureFactory(course=cls.course, date=DAY + timedelta(days=1))
        )

    def scan(self, at=None, fingerprint_id="FP-0001", scanned_at=None):
        body = {"fingerprint_id": fingerprint_id}
        if scanned_at is not None:
            body["scanned_at"] = scanned_at.isoformat()
        with time_machine.travel(at or cairo(8, 50), tick=False):
            return self.client.post(
                SCAN, body, format="json", HTTP_AUTHORIZATION=f"Device {self.key}"
            )

    def statuses(self):
        return {
            row.lecture_id: row.status
            for row in InstructorAttendance.objects.filter(pk__in=[r.pk for r in self.rows])
        }

    def test_first_scan_checks_in_every_pending_session_of_the_day(self):
        response = self.scan(cairo(9, 10))  # exactly start + grace: still on time
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.data["result"], "check_in")
        self.assertEqual(response.data["instructor"], self.teacher.pk)
        self.assertEqual(len(response.data["sessions"]), 2)
        self.assertEqual(self.statuses(), {self.morning.pk: "present", self.evening.pk: "present"})
        row = InstructorAttendance.objects.get(lecture=self.morning)
        self.assertEqual(row.check_in_at, cairo(9, 10))
        self.assertEqual((row.check_in_method, row.device), ("device", self.device))
        self.tomorrow.refresh_from_db()
        self.assertEqual(self.tomorrow.status, "pending")

    def test_one_second_after_the_grace_is_late(self):
        self.scan(cairo(9, 10, 1))
        self.assertEqual(self.statuses(), {self.morning.pk: "late", self.evening.pk: "present"})

    def test_a_scan_within_two_minutes_is_ignored_and_logged(self):
        self.scan(cairo(8, 50))
        response = self.scan(cairo(8, 51, 59))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data["result"], "ignored")
        row = InstructorAttendance.objects.get(lecture=self.morning)
        self.assertIsNone(row.check_out_at)
        self.assertEqual(
            list(DeviceScan.objects.order_by("id").values_list("outcome", flat=True)),
            ["check_in", "repeat"],
        )

    def test_the_next_scan_two_minutes_later_checks_out(self):
        self.scan(cairo(8, 50))
        response = self.scan(cairo(8, 52))
        self.assertEqual(response.data["result"], "check_out")
        row = InstructorAttendance.objects.get(lecture=self.morning)
        self.assertEqual(row.check_out_at, cairo(8, 52))
        self.assertEqual(row.status, "present")
        # A later scan moves the check-out: the last one of the day is when they left.
        self.scan(cairo(18, 5))
        row.refresh_from_db()
        self.assertEqual(row.check_out_at, cairo(18, 5))

    def test_unknown_fingerprint_and_no_session_get_the_same_answer_and_are_logged(self):
        make_fingered_instructor("FP-IDLE")  # a known finger with nothing today
        unknown = self.scan(cairo(8, 0), fingerprint_id="FP-NOBODY")
        idle = self.scan(cairo(8, 0), fingerprint_id="FP-IDLE")
        self.assertEqual(unknown.status_code, idle.status_code)
        self.assertEqual(unknown.data["result"], "rejected")
        self.assertEqual(
            {k: v for k, v in unknown.data.items() if k != "at"},
            {k: v for k, v in idle.data.items() if k != "at"},
        )
        logged = dict(DeviceScan.objects.values_list("fingerprint_id", "outcome"))
        self.assertEqual(logged, {"FP-NOBODY": "unknown", "FP-IDLE": "no_session"})
        unknown_log = DeviceScan.objects.get(fingerprint_id="FP-NOBODY")
        self.assertIsNone(unknown_log.instructor)
        self.assertEqual(unknown_log.device, self.device)

    def test_a_device_clock_far_off_is_clamped_to_the_server_time(self):
        response = self.scan(cairo(8, 55), scanned_at=cairo(8, 55) + timedelta(hours=2))
        self.assertTrue(response.data["clock_adjusted"])
        row = InstructorAttendance.objects.get(lecture=self.morning)
        self.assertEqual(row.check_in_at, cairo(8, 55))
        log = DeviceScan.objects.get()
        self.assertEqual(log.device_time, cairo(10, 55))
        self.assertEqual(log.scanned_at, cairo(8, 55))

    def test_a_device_clock_a_little_off_is_trusted(self):
        response = self.scan(cairo(9, 14), scanned_at=cairo(9, 9))
        self.assertFalse(response.data["clock_adjusted"])
        self.assertEqual(self.statuses()[self.morning.pk], "present")

    def test_a_substitute_checks_in_for_the_lecture_they_teach(self):
        substitute = make_fingered_instructor("FP-SUB")
        self.morning.instructor = substitute
        self.morning.save(update_fields=["instructor"])
        response = self.scan(cairo(8, 55), fingerprint_id="FP-SUB")
        self.assertEqual(response.data["result"], "check_in")
        row = InstructorAttendance.objects.get(lecture=self.morning)
        self.assertEqual((row.instructor, row.status), (substitute, "present"))
        # The regular teacher's scan now finds only the evening lecture.
        response = self.scan(cairo(8, 56))
        self.assertEqual([s["lecture"] for s in response.data["sessions"]], [self.evening.pk])

    def test_a_cancelled_lecture_is_not_checked_in(self):
        self.evening.status = "cancelled"
        self.evening.save(update_fields=["status"])
        response = self.scan(cairo(8, 55))
        self.assertEqual([s["lecture"] for s in response.data["sessions"]], [self.morning.pk])

    def test_a_supervisor_shift_is_checked_in_late_after_its_grace(self):
        row = ShiftRowFactory(date=DAY)
        row.instructor.fingerprint_id = "FP-SUP"
        row.instructor.save(update_fields=["fingerprint_id"])
        self.scan(cairo(8, 11), fingerprint_id="FP-SUP")  # shift starts 08:00
        row.refresh_from_db()
        self.assertEqual(row.status, "late")

    def test_a_bad_body_is_400_never_500(self):
        for body in ({}, {"fingerprint_id": ""}, {"fingerprint_id": "x" * 65}, [1, 2]):
            with self.subTest(body=body):
                response = self.client.post(
                    SCAN, body, format="json", HTTP_AUTHORIZATION=f"Device {self.key}"
                )
                self.assertEqual(response.status_code, 400)

    def test_every_check_in_reaches_the_admins_group_after_commit(self):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(admins_group(), channel)
        try:
            with self.captureOnCommitCallbacks(execute=True) as callbacks:
                self.scan(cairo(8, 55))
            self.assertEqual(len(callbacks), 2)
            events = async_to_sync(_receive)(layer, channel, 2)
        finally:
            async_to_sync(layer.group_discard)(admins_group(), channel)
        self.assertEqual({e["type"] for e in events}, {"instructor_attendance_update"}, events)
        self.assertEqual({e["lecture"] for e in events}, {self.morning.pk, self.evening.pk}, events)
        self.assertEqual({e["status"] for e in events}, {"present"})
        self.assertEqual(events[0]["instructor"], self.teacher.pk)


class ScanWithoutWeeklyRowsTests(APITestCase):
    """A lecture added after Sunday's job still counts at the gate."""

    def test_the_scan_plans_the_missing_rows_of_the_day_and_checks_them_in(self):
        _, key = make_device()
        teacher = make_fingered_instructor("FP-NEW")
        lecture = LectureFactory(
            course=CourseFactory(instructor=teacher), date=DAY, start_time=START
        )
        with time_machine.travel(cairo(8, 58), tick=False):
            response = self.client.post(
                SCAN,
                {"fingerprint_id": "FP-NEW"},
                format="json",
                HTTP_AUTHORIZATION=f"Device {key}",
            )
        self.assertEqual(response.data["result"], "check_in")
        row = InstructorAttendance.objects.get(lecture=lecture)
        self.assertEqual((row.instructor, row.status), (teacher, "present"))
