"""/api/instructor-attendance/ and /api/supervisor-shifts/ (issue #10, points 2 and 3)."""

from __future__ import annotations

import datetime

import time_machine
from rest_framework.test import APITestCase

from attendance.models import InstructorAttendance
from attendance.tests.factories import LectureRowFactory, ShiftFactory, ShiftRowFactory
from courses.rules import local_datetime
from courses.tests.factories import CourseFactory, LectureFactory
from users.tests.personas import PersonasMixin

DAY = datetime.date(2026, 11, 7)
URL = "/api/instructor-attendance/"


class InstructorAttendanceApiTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        course = CourseFactory(instructor=cls.instructor_profile)
        cls.lecture = LectureFactory(course=course, date=DAY)  # 17:00–18:30
        cls.row = LectureRowFactory(lecture=cls.lecture)
        cls.others = LectureRowFactory(lecture=LectureFactory(date=DAY))

    def post(self, who, path, data=None):
        self.as_user(who)
        return self.client.post(f"{URL}{self.row.pk}/{path}/", data or {}, format="json")

    def test_admins_see_all_instructors_their_own_others_nothing(self):
        self.as_user("admin")
        self.assertEqual(self.client.get(URL).data["count"], 2)
        self.as_user("instructor")
        response = self.client.get(URL)
        self.assertEqual([r["id"] for r in response.data["results"]], [self.row.pk])
        self.assertEqual(self.client.get(f"{URL}{self.others.pk}/").status_code, 404)
        self.as_user("parent")
        self.assertEqual(self.client.get(URL).status_code, 403)
        self.as_user("anonymous")
        self.assertEqual(self.client.get(URL).status_code, 401)

    def test_filters_instructor_date_status(self):
        self.as_user("admin")
        by_instructor = self.client.get(f"{URL}?instructor={self.instructor_profile.pk}")
        self.assertEqual([r["id"] for r in by_instructor.data["results"]], [self.row.pk])
        self.assertEqual(self.client.get(f"{URL}?date=2026-11-08").data["count"], 0)
        self.assertEqual(self.client.get(f"{URL}?status=pending&date=2026-11-07").data["count"], 2)
        self.assertEqual(self.client.get(f"{URL}?status=nonsense").status_code, 400)

    def test_admin_checks_in_late_checks_out_and_rates(self):
        at = local_datetime(DAY, datetime.time(17, 20))
        response = self.post("admin", "check-in", {"at": at.isoformat()})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(
            (response.data["status"], response.data["check_in_method"]), ("late", "manual")
        )
        self.assertEqual(self.post("admin", "check-in").status_code, 409)
        out = local_datetime(DAY, datetime.time(18, 30))
        response = self.post("admin", "check-out", {"at": out.isoformat()})
        self.assertEqual(response.status_code, 200)
        response = self.post("admin", "rate", {"rating": 8, "notes": "good"})
        self.assertEqual((response.status_code, response.data["rating"]), (200, 8))
        self.assertEqual(response.data["rated_by"], self.admin.pk)

    def test_rating_only_for_a_session_attended_and_within_1_to_10(self):
        response = self.post("admin", "rate", {"rating": 7})
        self.assertEqual((response.status_code, response.data["code"]), (409, "rating_not_allowed"))
        self.post("admin", "check-in", {"at": local_datetime(DAY, datetime.time(17)).isoformat()})
        for bad in (0, 11, "x", None):
            with self.subTest(rating=bad):
                self.assertEqual(self.post("admin", "rate", {"rating": bad}).status_code, 400)

    def test_check_out_needs_a_check_in_and_comes_after_it(self):
        response = self.post("admin", "check-out")
        self.assertEqual((response.status_code, response.data["code"]), (409, "not_checked_in"))
        self.post("admin", "check-in", {"at": local_datetime(DAY, datetime.time(17)).isoformat()})
        early = local_datetime(DAY, datetime.time(16)).isoformat()
        response = self.post("admin", "check-out", {"at": early})
        self.assertEqual(response.data["code"], "check_out_before_check_in")

    def test_mark_absent_clears_a_wrong_check_in(self):
        self.post("admin", "check-in", {"at": local_datetime(DAY, datetime.time(17)).isoformat()})
        self.post("admin", "rate", {"rating": 5})
        response = self.post("admin", "mark-absent")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            (response.data["status"], response.data["check_in_at"], response.data["rating"]),
            ("absent", None, None),
        )

    def test_a_session_that_has_not_started_cannot_be_marked_absent(self):
        for at in (datetime.time(12), datetime.time(16, 59)):
            with self.subTest(at=at), time_machine.travel(local_datetime(DAY, at), tick=False):
                response = self.post("admin", "mark-absent")
                self.assertEqual(
                    (response.status_code, response.data["code"]), (400, "session_not_started")
                )
        self.assertEqual(InstructorAttendance.objects.get(pk=self.row.pk).status, "pending")
        with time_machine.travel(local_datetime(DAY, datetime.time(17)), tick=False):
            response = self.post("admin", "mark-absent")
        self.assertEqual((response.status_code, response.data["status"]), (200, "absent"))

    def test_a_check_in_in_the_future_is_refused(self):
        with time_machine.travel(local_datetime(DAY, datetime.time(12)), tick=False):
            response = self.post(
                "admin", "check-in", {"at": local_datetime(DAY, datetime.time(17)).isoformat()}
            )
        self.assertEqual((response.status_code, response.data["code"]), (400, "time_in_future"))

    def test_only_admins_change_rows_the_instructor_gets_403_other_instructors_404(self):
        for path in ("check-in", "check-out", "mark-absent", "rate"):
            with self.subTest(path=path):
                self.assertEqual(self.post("instructor", path, {"rating": 5}).status_code, 403)
                self.assertEqual(self.post("other_instructor", path).status_code, 404)
                self.assertEqual(self.post("supervisor", path).status_code, 404)
                # Families never have a session here: refused by role, as on reading.
                for who in ("parent", "student"):
                    self.assertEqual(self.post(who, path).status_code, 403)
        self.row.refresh_from_db()
        self.assertEqual(self.row.status, "pending")

    def test_parents_and_students_are_refused_by_role_with_a_message_about_this_endpoint(self):
        for who in ("parent", "linked_parent", "student"):
            for url in (URL, f"{URL}{self.row.pk}/"):
                with self.subTest(who=who, url=url):
                    self.as_user(who)
                    response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
                    self.assertEqual(response.status_code, 403)
                    self.assertEqual(response.data["code"], "permission_denied")
                    self.assertEqual(
                        str(response.data["detail"]),
                        "Only the center's staff and instructors can see instructor attendance.",
                    )

    def test_every_change_is_broadcast_after_commit(self):
        with self.captureOnCommitCallbacks() as callbacks:
            self.post("admin", "mark-absent")
        self.assertEqual(len(callbacks), 1)


class SupervisorShiftApiTests(PersonasMixin, APITestCase):
    URL = "/api/supervisor-shifts/"

    def body(self, **extra):
        return {
            "supervisor": self.supervisor_profile.pk,
            "weekday": 0,
            "start_time": "08:00",
            "end_time": "14:00",
            **extra,
        }

    def test_admin_creates_edits_and_deletes_a_shift(self):
        self.as_user("admin")
        response = self.client.post(self.URL, self.body(), format="json")
        self.assertEqual(response.status_code, 201, response.data)
        shift_id = response.data["id"]
        self.assertTrue(response.data["is_active"])
        response = self.client.patch(f"{self.URL}{shift_id}/", {"end_time": "15:00"}, format="json")
        self.assertEqual((response.status_code, response.data["end_time"]), (200, "15:00:00"))
        self.assertEqual(self.client.delete(f"{self.URL}{shift_id}/").status_code, 204)

    def test_a_teacher_cannot_have_a_shift_and_times_are_ordered(self):
        self.as_user("admin")
        response = self.client.post(
            self.URL, self.body(supervisor=self.instructor_profile.pk), format="json"
        )
        self.assertEqual((response.status_code, response.data["code"]), (400, "not_a_supervisor"))
        response = self.client.post(self.URL, self.body(end_time="07:00"), format="json")
        self.assertEqual(response.status_code, 400)
        self.client.post(self.URL, self.body(), format="json")
        duplicate = self.client.post(self.URL, self.body(), format="json")
        self.assertEqual(duplicate.status_code, 400)

    def test_instructor_is_another_name_for_supervisor(self):
        self.as_user("admin")
        body = self.body()
        body["instructor"] = body.pop("supervisor")
        response = self.client.post(self.URL, body, format="json")
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.data["supervisor"], self.supervisor_profile.pk)

    def test_a_supervisor_reads_their_own_shifts_only(self):
        own = ShiftFactory(supervisor=self.supervisor_profile)
        ShiftFactory()
        self.as_user("supervisor")
        response = self.client.get(self.URL)
        self.assertEqual([r["id"] for r in response.data["results"]], [own.pk])
        self.assertEqual(self.client.get(f"{self.URL}{own.pk}/").data["id"], own.pk)
        response = self.client.patch(f"{self.URL}{own.pk}/", {}, format="json")
        self.assertEqual((response.status_code, response.data["code"]), (403, "admin_only"))
        self.assertEqual(self.client.post(self.URL, self.body(), format="json").status_code, 403)

    def test_another_supervisors_shift_is_404_to_a_supervisor(self):
        theirs = ShiftFactory()  # another supervisor's
        self.as_user("supervisor")
        url = f"{self.URL}{theirs.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(
            self.client.patch(url, {"end_time": "15:00"}, format="json").status_code, 404
        )
        self.assertEqual(self.client.delete(url).status_code, 404)
        self.as_user("admin")
        self.assertEqual(self.client.get(url).data["id"], theirs.pk)
        self.assertEqual(self.client.get(self.URL).data["count"], 1)

    def test_roles_that_never_have_a_shift_get_403_not_an_empty_list(self):
        shift = ShiftFactory(supervisor=self.supervisor_profile)
        url = f"{self.URL}{shift.pk}/"
        calls = {
            "list": lambda: self.client.get(self.URL, HTTP_ACCEPT_LANGUAGE="en"),
            "detail": lambda: self.client.get(url, HTTP_ACCEPT_LANGUAGE="en"),
            "patch": lambda: self.client.patch(url, {"end_time": "15:00"}, format="json"),
            "delete": lambda: self.client.delete(url),
        }
        # A teacher is an instructor too, but only supervisors have shifts.
        for who in ("parent", "linked_parent", "student", "instructor", "other_instructor"):
            self.as_user(who)
            for name, call in calls.items():
                with self.subTest(who=who, call=name):
                    response = call()
                    self.assertEqual(response.status_code, 403)
                    self.assertEqual(response.data["code"], "permission_denied")
        self.as_user("parent")
        self.assertEqual(
            str(calls["list"]().data["detail"]),
            "Only the center's staff and supervisors can see supervision shifts.",
        )
        self.assertEqual(  # Arabic by default
            str(self.client.get(self.URL).data["detail"]),
            "مناوبات الإشراف يطّلع عليها موظفو المركز والمشرفون فقط.",
        )
        shift.refresh_from_db()
        self.assertEqual(shift.end_time, datetime.time(14, 0))  # the factory's, unchanged
        self.as_user("anonymous")
        self.assertEqual(calls["list"]().status_code, 401)

    def test_a_supervisor_made_a_teacher_no_longer_reads_shifts(self):
        ShiftFactory(supervisor=self.supervisor_profile)
        self.supervisor_profile.kind = "teacher"
        self.supervisor_profile.save(update_fields=["kind"])
        self.as_user("supervisor")
        self.assertEqual(self.client.get(self.URL).status_code, 403)

    def test_a_shift_with_recorded_attendance_cannot_be_deleted(self):
        row = ShiftRowFactory(status="absent")
        self.as_user("admin")
        response = self.client.delete(f"{self.URL}{row.shift_id}/")
        self.assertEqual(
            (response.status_code, response.data["code"]), (409, "shift_has_attendance")
        )
        pending = ShiftRowFactory()
        self.assertEqual(self.client.delete(f"{self.URL}{pending.shift_id}/").status_code, 204)
        self.assertFalse(InstructorAttendance.objects.filter(pk=pending.pk).exists())
