"""Scanned at the lecture (SPEC §6.11): a record says how its participant was named —
``"via": "qr"`` (a card's code scanned) or ``"manual"`` (the default) — and the mark
keeps it: on the row, in the roster, the history, the audit, the course report and the
admin's pages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.tests.test_submission_api import DURING, SubmissionTestCase, at
from enrollments_payments import reports
from enrollments_payments.report_tables import course_attendance_table
from users.tests.factories import make_admin


class ViaTests(SubmissionTestCase):
    def scanned_and_by_hand(self) -> list[dict]:
        return [
            {"code": self.child.code, "present": True, "rating": 9, "via": "qr"},
            {"child": self.kids[0].pk, "present": False, "rating": 4, "via": "manual"},
            {"child": self.kids[1].pk, "present": True, "rating": 8},
        ]

    def row(self, child) -> LectureAttendance:
        return LectureAttendance.objects.get(lecture=self.lecture, child=child)

    def test_each_row_keeps_how_its_participant_was_named(self):
        response = self.post("instructor", self.scanned_and_by_hand())

        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(self.row(self.child).via, "qr")
        self.assertEqual(self.row(self.kids[0]).via, "manual")
        self.assertEqual(self.row(self.kids[1]).via, "manual")  # the default

    def test_a_rescan_of_a_hand_marked_row_is_recorded(self):
        self.post("instructor", [{"child": self.child.pk, "present": True, "rating": 9}])
        self.post(
            "instructor", [{"code": self.child.code, "present": True, "rating": 9, "via": "qr"}]
        )

        self.assertEqual(self.row(self.child).via, "qr")

    def test_anything_else_is_an_invalid_record_and_nothing_is_written(self):
        for via in ("card", "QR", "", 1, True, ["qr"], {"qr": 1}):
            with self.subTest(via=via):
                records = self.scanned_and_by_hand()
                records[2]["via"] = via
                response = self.post("instructor", records)
                self.assertEqual(response.status_code, 400, response.data)
                self.assertEqual(response.data["code"], "invalid_record")
                self.assertEqual((response.data["index"], response.data["field"]), (2, "via"))
                self.assertNothingWritten()

    def test_a_null_via_is_the_default(self):
        records = [{"child": self.child.pk, "present": True, "rating": 9, "via": None}]
        self.assertEqual(self.post("instructor", records).status_code, 200)
        self.assertEqual(self.row(self.child).via, "manual")

    def test_the_roster_shows_it_for_marked_rows_only(self):
        self.post("instructor", self.scanned_and_by_hand())

        with at(DURING):
            rows = self.call("instructor", "get", self.url).data["rows"]

        via = {row["child"]: row["via"] for row in rows if row["child"]}
        self.assertEqual(via[self.child.pk], "qr")
        self.assertEqual(via[self.kids[0].pk], "manual")
        self.assertIsNone(via[self.kids[2].pk])  # not marked yet

    def test_the_history_shows_it(self):
        self.post("instructor", self.scanned_and_by_hand())

        with at(DURING):
            rows = self.call("parent", "get", f"/api/attendance/?child={self.child.pk}").data

        self.assertEqual([row["via"] for row in rows["results"]], ["qr"])

    def test_the_audit_carries_the_old_and_the_new_way(self):
        self.post("instructor", [{"child": self.child.pk, "present": True, "rating": 9}])
        self.post(
            "instructor", [{"code": self.child.code, "present": True, "rating": 9, "via": "qr"}]
        )

        first, second = AttendanceSubmission.objects.order_by("pk")
        self.assertEqual(first.changes[0]["old"]["via"], None)  # unmarked: no way yet
        self.assertEqual(first.changes[0]["new"]["via"], "manual")
        # Only the way changed: still a change, old → new.
        self.assertEqual(
            (second.changes[0]["old"]["via"], second.changes[0]["new"]["via"]), ("manual", "qr")
        )

    def test_the_course_report_marks_scanned_cells(self):
        self.post("instructor", self.scanned_and_by_hand())

        report = reports.course_attendance_report(course=self.course)

        cells = {p["id"]: p["cells"][0] for p in report["participants"] if p["type"] == "child"}
        self.assertEqual(cells[self.child.pk]["via"], "qr")
        self.assertEqual(cells[self.kids[0].pk]["via"], "manual")
        self.assertIsNone(cells[self.kids[2].pk]["via"])
        _header, rows = course_attendance_table(report)
        by_code = {row[0]: row[2] for row in rows if row[0]}
        self.assertEqual(by_code[self.child.code], "حاضر (9.00) · بمسح البطاقة")
        self.assertEqual(by_code[self.kids[0].code], "غائب (4.00)")


class ViaAdminTests(SubmissionTestCase):
    def setUp(self):
        self.post(
            "instructor", [{"code": self.child.code, "present": True, "rating": 9, "via": "qr"}]
        )
        self.post("instructor", [{"child": self.kids[0].pk, "present": True, "rating": 7}])
        self.client = Client()
        self.client.force_login(make_admin(is_superuser=True))

    def test_the_lecture_attendance_list_says_how_each_mark_was_recorded(self):
        url = reverse("admin:attendance_lectureattendance_changelist")
        page = self.client.get(url, {"lecture__id__exact": self.lecture.pk})

        self.assertContains(page, "طريقة الرصد")
        self.assertContains(page, "مسح البطاقة")
        self.assertContains(page, "يدويًا")

    def test_the_audit_table_shows_the_way_old_and_new(self):
        submission = AttendanceSubmission.objects.order_by("pk").first()
        url = reverse("admin:attendance_attendancesubmission_change", args=[submission.pk])

        page = self.client.get(url)

        self.assertContains(page, "طريقة الرصد")
        self.assertContains(page, "مسح البطاقة")
