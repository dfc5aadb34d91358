"""How a submission writes (§6.4, §9, §10): constant statements, set-based writes (one
statement on PostgreSQL), and submissions that race for one lecture serialise on its row
lock."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceSubmission, LectureAttendance
from attendance.submission import attendance_submit
from courses.models import Lecture
from courses.rules import CENTER_TZ
from courses.tests.factories import CourseFactory, LectureFactory
from testkit.db import requires_postgres, run_concurrently
from users.models import Child
from users.tests.factories import make_child, make_instructor, make_parent, make_student

DURING = datetime.datetime(2026, 11, 7, 17, 30, tzinfo=CENTER_TZ)


def lecture_with_children(n: int) -> tuple[Lecture, list[Child]]:
    instructor = make_instructor()
    lecture = LectureFactory(course=CourseFactory(instructor=instructor))
    parent = make_parent()
    kids = [make_child(parent, first_name=f"Kid{i}") for i in range(n)]
    LectureAttendance.objects.bulk_create(
        [LectureAttendance(lecture=lecture, child=kid) for kid in kids]
    )
    return lecture, kids


def records(kids, rating) -> list[dict]:
    return [{"child": kid.pk, "present": True, "rating": rating} for kid in kids]


def submit(lecture, kids, rating):
    return attendance_submit(
        lecture=lecture,
        actor=lecture.course.instructor.user,
        records=records(kids, rating),
        now=DURING,
    )


# A statement that writes attendance rows (not one that only reads them, like the claims).
ROW_WRITE = re.compile(r'^(WITH .*)?(UPDATE|INSERT INTO) "?ATTENDANCE_LECTUREATTENDANCE\b', re.S)


class WriteStatementsTests(TestCase):
    def test_the_rows_are_written_set_based_never_one_by_one(self):
        lecture, kids = lecture_with_children(5)
        student = make_student()
        LectureAttendance.objects.create(lecture=lecture, student=student)
        body = records(kids, 8) + [{"student": student.pk, "present": False, "rating": 3}]
        with CaptureQueriesContext(connection) as queries:
            attendance_submit(
                lecture=lecture, actor=lecture.course.instructor.user, records=body, now=DURING
            )
        sql = [q["sql"].upper() for q in queries.captured_queries]
        writes = [s for s in sql if ROW_WRITE.match(s.strip())]
        if connection.vendor == "postgresql":
            # One statement resolves, writes every row, counts and records the audit entry.
            self.assertEqual(len(writes), 1, sql)
            self.assertIn("UPDATE ATTENDANCE_LECTUREATTENDANCE AS A SET", writes[0])
            self.assertIn("INSERT INTO ATTENDANCE_ATTENDANCESUBMISSION", writes[0])
            self.assertTrue(any(s.endswith("FOR UPDATE") for s in sql), sql)
        else:
            # The ORM writer: one INSERT … ON CONFLICT DO UPDATE per participant type.
            self.assertEqual(len(writes), 2, sql)
            self.assertTrue(all("ON CONFLICT" in s for s in writes), writes)
        # No CASE WHEN per row (Django's bulk_update); the absence alert's texts, written
        # in the recipient's language, are a CASE per language, not per row.
        self.assertFalse([s for s in sql if "CASE WHEN" in s and "NOTIFICATIONS_" not in s])
        self.assertEqual(LectureAttendance.objects.filter(lecture=lecture).marked().count(), 6)


@requires_postgres
class QueryCountTests(TestCase):
    """On PostgreSQL an upsert is one statement whatever its size (SQLite splits inserts
    into batches of 999 parameters, so this is a PostgreSQL test)."""

    def count(self, n: int) -> int:
        lecture, kids = lecture_with_children(n)
        lecture.course.instructor.user.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            result = submit(lecture, kids, 7)
        self.assertEqual(result.updated, n)
        return len(queries.captured_queries)

    def test_10_and_200_records_take_the_same_number_of_queries(self):
        self.assertEqual(self.count(10), self.count(200))


@requires_postgres
class ConcurrentSubmissionTests(TransactionTestCase):
    def test_six_concurrent_submissions_end_with_one_consistent_result(self):
        lecture, kids = lecture_with_children(25)
        results = run_concurrently(
            *[lambda r=rating: submit(lecture, kids, r) for rating in range(1, 7)]
        )
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertEqual(errors, [])
        ratings = set(
            LectureAttendance.objects.filter(lecture=lecture).values_list("rating", flat=True)
        )
        self.assertEqual(len(ratings), 1, f"a mix of submissions: {ratings}")
        self.assertIn(ratings.pop(), {Decimal(r) for r in range(1, 7)})
        self.assertEqual(LectureAttendance.objects.filter(lecture=lecture).count(), 25)
        self.assertEqual(AttendanceSubmission.objects.filter(lecture=lecture).count(), 6)
        lecture.refresh_from_db()
        self.assertTrue(lecture.attendance_taken)
        # Each later submission saw the earlier one's values: exactly one audit entry has
        # the unmarked rows as its "old" values.
        firsts = [
            s
            for s in AttendanceSubmission.objects.filter(lecture=lecture)
            if s.changes and s.changes[0]["old"]["present"] is None
        ]
        self.assertEqual(len(firsts), 1)
