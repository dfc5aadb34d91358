"""What a submission writes, row by row and in its audit entry (§6.4), through the service.

The one writer (attendance.submission_write) runs these on SQLite and, when DATABASE_URL
is set, on PostgreSQL, as CI runs them. The lecture (courses.tests.factories.LectureFactory) runs 7 November 2026,
17:00–18:30 Cairo time.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.submission import attendance_submit
from core.errors import Invalid
from courses.models import Lecture
from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, LectureFactory, make_attendance
from enrollments_payments.tests.factories import make_enrollment
from testkit.db import requires_postgres
from users.tests.factories import make_child, make_instructor, make_student

DURING = datetime.datetime(2026, 11, 7, 17, 30, tzinfo=CENTER_TZ)
LATER = DURING + datetime.timedelta(minutes=10)
UNMARKED = {"present": None, "rating": None, "notes": "", "via": None}


def values(present, rating, notes="", via="manual"):
    return {"present": present, "rating": rating, "notes": notes, "via": via}


class RowsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.instructor = make_instructor()
        cls.course = CourseFactory(instructor=cls.instructor)
        cls.lecture = LectureFactory(course=cls.course)
        cls.other_lecture = LectureFactory(course=cls.course)
        cls.boy = make_child(first_name="Adam", gender="male")
        cls.girl = make_child(first_name="Mona", gender="female")
        cls.student = make_student(gender="female")
        for lecture in (cls.lecture, cls.other_lecture):
            make_attendance(lecture, child=cls.boy)
            make_attendance(lecture, child=cls.girl)
            make_attendance(lecture, student=cls.student)

    def submit(self, records, now=DURING):
        return attendance_submit(
            lecture=Lecture.objects.get(pk=self.lecture.pk),
            actor=self.instructor.user,
            records=records,
            now=now,
        )

    def row(self, **who) -> LectureAttendance:
        return LectureAttendance.objects.get(lecture=self.lecture, **who)

    def audit(self, result) -> list[dict]:
        return AttendanceSubmission.objects.get(pk=result.submission_id).changes


class AuditTests(RowsTestCase):
    def test_a_first_submission_records_every_row_with_its_unmarked_old_values(self):
        result = self.submit(
            [
                {"child": self.boy.pk, "present": True, "rating": 9, "notes": "قرأ جيدًا"},
                {"code": self.girl.code, "present": False, "rating": "5.5"},
                {"student": self.student.pk, "present": True, "rating": 7.25},
            ]
        )
        self.assertEqual(
            self.audit(result),
            [
                {
                    "participant": {"type": "child", "id": self.boy.pk},
                    "old": UNMARKED,
                    "new": values(True, "9.00", "قرأ جيدًا"),
                },
                {
                    "participant": {"type": "child", "id": self.girl.pk},
                    "old": UNMARKED,
                    "new": values(False, "5.50"),
                },
                {
                    "participant": {"type": "student", "id": self.student.pk},
                    "old": UNMARKED,
                    "new": values(True, "7.25"),
                },
            ],
        )
        audit = AttendanceSubmission.objects.get(pk=result.submission_id)
        self.assertEqual((audit.created, audit.updated), (0, 3))
        self.assertEqual(
            (audit.lecture_id, audit.submitted_by_id), (self.lecture.pk, self.instructor.user.pk)
        )
        self.assertEqual((audit.at, audit.source), (DURING, "instructor"))

    def test_a_resubmission_records_only_the_rows_whose_values_changed(self):
        first = [
            {"child": self.boy.pk, "present": True, "rating": 9, "notes": "a"},
            {"child": self.girl.pk, "present": True, "rating": 8},
            {"student": self.student.pk, "present": True, "rating": 7},
        ]
        self.submit(first)
        again = [
            # The same rating written differently, and no notes (kept): no change.
            {"child": self.boy.pk, "present": True, "rating": "9.0"},
            # Only the notes change.
            {"code": self.girl.code.lower(), "present": True, "rating": 8.0, "notes": "late"},
            # Present → absent.
            {"student": self.student.pk, "present": False, "rating": 7},
        ]
        result = self.submit(again, now=LATER)
        self.assertEqual(
            self.audit(result),
            [
                {
                    "participant": {"type": "child", "id": self.girl.pk},
                    "old": values(True, "8.00"),
                    "new": values(True, "8.00", "late"),
                },
                {
                    "participant": {"type": "student", "id": self.student.pk},
                    "old": values(True, "7.00"),
                    "new": values(False, "7.00"),
                },
            ],
        )
        self.assertEqual((result.created, result.updated), (0, 3))
        self.assertEqual(self.row(child=self.boy).notes, "a")

    def test_an_unchanged_resubmission_writes_an_empty_audit_entry(self):
        records = [{"child": self.boy.pk, "present": True, "rating": 6}]
        self.submit(records)
        result = self.submit(records, now=LATER)
        self.assertEqual(self.audit(result), [])
        self.assertEqual((result.created, result.updated), (0, 1))
        self.assertEqual(self.row(child=self.boy).marked_at, LATER)

    def test_notes_and_codes_that_need_escaping_survive_the_round_trip(self):
        notes = ['قال: "حاضر" \\ \n\t<b>', "NULL", " {a,b} "]
        code = 'B"1\\{,}'
        result = self.submit(
            [
                {"child": self.boy.pk, "present": True, "rating": 8, "notes": notes[0]},
                {"child": self.girl.pk, "present": True, "rating": 8, "notes": notes[1]},
                {"student": self.student.pk, "present": True, "rating": 8, "notes": notes[2]},
                {"code": code, "present": True, "rating": 8},
            ]
        )
        self.assertEqual([change["new"]["notes"] for change in self.audit(result)], notes)
        stored = [
            self.row(child=self.boy),
            self.row(child=self.girl),
            self.row(student=self.student),
        ]
        self.assertEqual([row.notes for row in stored], notes)
        self.assertEqual(result.not_enrolled, [{"index": 3, "code": code}])

    def test_empty_notes_clear_the_rows_notes(self):
        self.submit([{"child": self.boy.pk, "present": True, "rating": 8, "notes": "x"}])
        result = self.submit(
            [{"child": self.boy.pk, "present": True, "rating": 8, "notes": ""}], now=LATER
        )
        self.assertEqual(self.audit(result)[0]["old"]["notes"], "x")
        self.assertEqual(self.row(child=self.boy).notes, "")


class ParticipantsTests(RowsTestCase):
    def test_codes_and_ids_of_both_types_mark_only_this_lectures_rows(self):
        student_code = f"  {self.student.code.lower()} "
        result = self.submit(
            [
                {"code": self.boy.code, "present": True, "rating": 10},
                {"child": self.girl.pk, "present": False, "rating": 1},
                {"code": student_code, "present": True, "rating": "6.75"},
            ]
        )
        self.assertEqual((result.created, result.updated, result.not_enrolled), (0, 3, []))
        self.assertEqual(result.counts, {"total": 3, "present": 2, "absent": 1, "unmarked": 0})
        self.assertTrue(result.attendance_taken)
        marked = {
            (row.child_id, row.student_id): (row.present, row.rating, row.marked_by_id, row.source)
            for row in LectureAttendance.objects.filter(lecture=self.lecture)
        }
        user = self.instructor.user.pk
        self.assertEqual(
            marked,
            {
                (self.boy.pk, None): (True, Decimal("10"), user, "instructor"),
                (self.girl.pk, None): (False, Decimal("1"), user, "instructor"),
                (None, self.student.pk): (True, Decimal("6.75"), user, "instructor"),
            },
        )
        self.assertFalse(
            LectureAttendance.objects.filter(lecture=self.other_lecture).marked().exists()
        )
        self.assertTrue(Lecture.objects.get(pk=self.lecture.pk).attendance_taken)

    def test_a_participant_named_by_id_and_by_code_is_a_duplicate_and_nothing_is_written(self):
        records = [
            {"student": self.student.pk, "present": True, "rating": 8},
            {"child": self.boy.pk, "present": True, "rating": 8},
            {"child": self.girl.pk, "present": True, "rating": 8},
            {"code": self.boy.code, "present": False, "rating": 3},
        ]
        with self.assertRaises(Invalid) as raised:
            self.submit(records)
        error = raised.exception
        self.assertEqual(
            (error.code, error.index, error.record_field), ("duplicate_participant", 3, "code")
        )
        self.assertIn("1", str(error.message))  # "…already in record 1."
        self.assertFalse(LectureAttendance.objects.filter(lecture=self.lecture).marked().exists())
        self.assertFalse(AttendanceSubmission.objects.exists())

    def test_the_first_repeated_participant_is_named(self):
        records = [
            {"child": self.boy.pk, "present": True, "rating": 8},
            {"child": self.girl.pk, "present": True, "rating": 8},
            {"code": self.girl.code, "present": True, "rating": 8},
            {"child": self.boy.pk, "present": True, "rating": 8},
        ]
        with self.assertRaises(Invalid) as raised:
            self.submit(records)
        self.assertEqual((raised.exception.index, raised.exception.record_field), (2, "code"))

    def test_ids_and_codes_that_name_nobody_are_listed_even_when_repeated(self):
        records = [
            {"child": 987654321, "present": True, "rating": 8},
            {"child": 987654321, "present": True, "rating": 8},
            {"code": "X12345", "present": True, "rating": 8},  # a letter of neither table
            {"code": "B00000", "present": True, "rating": 8},  # a child's letter, nobody's code
            {"student": self.boy.pk + 10_000, "present": True, "rating": 8},
            {"child": self.boy.pk, "present": True, "rating": 8},
        ]
        result = self.submit(records)
        self.assertEqual(
            result.not_enrolled,
            [
                {"index": 0, "child": 987654321},
                {"index": 1, "child": 987654321},
                {"index": 2, "code": "X12345"},
                {"index": 3, "code": "B00000"},
                {"index": 4, "student": self.boy.pk + 10_000},
            ],
        )
        self.assertEqual((result.created, result.updated), (0, 1))
        self.assertEqual(len(self.audit(result)), 1)

    def test_a_late_joiner_gets_a_row_and_a_stranger_is_listed(self):
        late_child = make_child(first_name="Late")
        late_student = make_student()
        for participant in (late_child, late_student):
            make_enrollment(participant=participant, course=self.course)  # after the lecture
        stranger = make_child(first_name="Stranger")
        records = [
            {"child": self.boy.pk, "present": True, "rating": 8},
            {"child": stranger.pk, "present": True, "rating": 8},
            {"code": late_child.code, "present": True, "rating": 9, "notes": "new"},
            {"student": late_student.pk, "present": False, "rating": 4},
            {"child": self.girl.pk, "present": True, "rating": 8},
            {"student": self.student.pk, "present": True, "rating": 8},
        ]
        result = self.submit(records)
        self.assertEqual(result.not_enrolled, [{"index": 1, "child": stranger.pk}])
        self.assertEqual((result.created, result.updated), (2, 3))
        self.assertEqual(result.counts, {"total": 5, "present": 4, "absent": 1, "unmarked": 0})
        self.assertTrue(result.attendance_taken)
        joined = self.row(child=late_child)
        self.assertEqual((joined.present, joined.rating, joined.notes), (True, Decimal("9"), "new"))
        self.assertEqual((joined.marked_at, joined.source), (DURING, "instructor"))
        self.assertEqual(self.row(student=late_student).present, False)
        self.assertFalse(LectureAttendance.objects.filter(child=stranger).exists())
        changes = {
            (c["participant"]["type"], c["participant"]["id"]): c for c in self.audit(result)
        }
        self.assertEqual(changes["child", late_child.pk]["old"], UNMARKED)
        self.assertEqual(changes["child", late_child.pk]["new"], values(True, "9.00", "new"))
        self.assertEqual(changes["student", late_student.pk]["new"], values(False, "4.00"))
        self.assertEqual(len(changes), 5)


class WhatRunsTests(RowsTestCase):
    def test_no_absence_claim_runs_when_everyone_is_present(self):
        records = [{"child": self.boy.pk, "present": True, "rating": 8}]
        with CaptureQueriesContext(connection) as queries:
            self.submit(records)
        self.assertFalse([q for q in queries if "absencealert" in q["sql"].lower()])
        records[0]["present"] = False
        with CaptureQueriesContext(connection) as queries:
            result = self.submit(records, now=LATER)
        self.assertTrue([q for q in queries if "absencealert" in q["sql"].lower()])
        self.assertEqual(result.alerts["absence_alerts"], 1)

    def test_a_record_whose_participant_is_skipped_announces_nothing(self):
        stranger = make_child()
        result = self.submit(
            [
                {"child": self.boy.pk, "present": True, "rating": 8},
                {"child": stranger.pk, "present": False, "rating": 2},
            ]
        )
        self.assertEqual(result.alerts, {})


class NulCharacterTests(RowsTestCase):
    """PostgreSQL text cannot hold U+0000: refused as a bad record, not a 500."""

    def test_nul_in_notes_or_code_is_an_invalid_record(self):
        for record, field in (
            ({"child": self.boy.pk, "present": True, "rating": 8, "notes": "a\x00b"}, "notes"),
            ({"code": "B1\x002", "present": True, "rating": 8}, "code"),
        ):
            with self.subTest(field=field), self.assertRaises(Invalid) as raised:
                self.submit([record])
            self.assertEqual(
                (raised.exception.code, raised.exception.record_field), ("invalid_record", field)
            )


class AuditColumnTests(RowsTestCase):
    """``changes`` is a json column on PostgreSQL (core.fields.TextJSONField)."""

    def test_what_the_orm_writes_is_read_back_as_written(self):
        changes = [{"participant": {"type": "child", "id": 1}}, "[1, 2]", 3.5, None, "نص"]
        audit = AttendanceSubmission.objects.create(
            lecture=self.lecture, at=DURING, source="admin", changes=changes
        )
        self.assertEqual(AttendanceSubmission.objects.get(pk=audit.pk).changes, changes)
        self.assertEqual(
            AttendanceSubmission.objects.filter(pk=audit.pk).values_list("changes", flat=True)[0],
            changes,
        )


@requires_postgres
class AuditColumnTypeTests(TestCase):
    def test_the_column_is_json_not_jsonb(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'changes'",
                [AttendanceSubmission._meta.db_table],
            )
            self.assertEqual(cursor.fetchone(), ("json",))

    def test_the_changes_are_sent_as_text_not_as_jsonb(self):
        # A jsonb value would be parsed into its binary form and cast back to json.
        lecture = LectureFactory(course=CourseFactory(instructor=make_instructor()))
        changes = [{"participant": {"type": "child", "id": 1}, "new": {"notes": "نص"}}]
        with CaptureQueriesContext(connection) as queries:
            audit = AttendanceSubmission.objects.create(
                lecture=lecture, at=DURING, source="admin", changes=changes
            )
        insert = next(q["sql"] for q in queries if "attendancesubmission" in q["sql"])
        self.assertNotIn("jsonb", insert.lower())
        self.assertEqual(AttendanceSubmission.objects.get(pk=audit.pk).changes, changes)
