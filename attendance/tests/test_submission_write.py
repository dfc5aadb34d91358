"""How a submission writes (§6.4, §9, §10): constant statements, set-based writes (the
same statements on PostgreSQL and SQLite), and submissions that race for one lecture
serialise on its row lock."""

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
from enrollments_payments.tests.factories import make_enrollment
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


def row_writes(queries) -> list[str]:
    sql = [q["sql"].upper().strip() for q in queries.captured_queries]
    return [s for s in sql if ROW_WRITE.match(s)]


class WriteStatementsTests(TestCase):
    """The one writer, on PostgreSQL and SQLite alike."""

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
        writes = row_writes(queries)
        # Every existing row in one UPDATE … FROM (VALUES …); nobody joined late: no INSERT.
        self.assertEqual(len(writes), 1, writes)
        self.assertIn("(VALUES (CAST(", writes[0])
        self.assertIn("FROM V WHERE", writes[0])
        # No CASE WHEN per row (Django's bulk_update); the absence alert's texts, written
        # in the recipient's language, are a CASE per language, not per row.
        self.assertFalse([s for s in sql if "CASE WHEN" in s and "NOTIFICATIONS_" not in s])
        self.assertEqual(LectureAttendance.objects.filter(lecture=lecture).marked().count(), 6)

    def test_late_joiners_take_one_insert_per_participant_type(self):
        lecture, kids = lecture_with_children(2)
        late_kid = make_child(make_parent(), first_name="Late")
        late_student = make_student()
        for participant in (late_kid, late_student):
            make_enrollment(participant=participant, course=lecture.course)
        LectureAttendance.objects.filter(child=late_kid).delete()
        LectureAttendance.objects.filter(student=late_student).delete()
        body = records([*kids, late_kid], 8) + [
            {"student": late_student.pk, "present": False, "rating": 3}
        ]
        with CaptureQueriesContext(connection) as queries:
            result = attendance_submit(
                lecture=lecture, actor=lecture.course.instructor.user, records=body, now=DURING
            )
        writes = row_writes(queries)
        self.assertEqual((result.created, result.updated), (2, 2))
        self.assertEqual(len(writes), 3, writes)
        self.assertEqual(sum("ON CONFLICT" in s for s in writes), 2, writes)
        self.assertEqual(result.alerts["absence_alerts"], 1)

    def test_a_submission_larger_than_the_parameter_limit_is_written_in_full(self):
        """SQLite takes at most ``max_query_params`` parameters a statement: the UPDATE
        is cut into chunks there; PostgreSQL has no such limit and takes one."""
        lecture, kids = lecture_with_children(600)
        with CaptureQueriesContext(connection) as queries:
            result = submit(lecture, kids, 6)
        limit = connection.features.max_query_params
        # Four parameters a row (id, present, rating, via: no record sends notes) and four
        # for the whole statement (who, when, how, the time stamp).
        expected = 1 if limit is None else -(-600 // ((limit - 4) // 4))
        self.assertEqual(len(row_writes(queries)), expected)
        self.assertEqual(result.updated, 600)
        self.assertEqual(
            LectureAttendance.objects.filter(lecture=lecture, rating=6, present=True).count(), 600
        )
        self.assertEqual(result.counts["present"], 600)


class QueryCountTests(TestCase):
    """The statements of a submission do not depend on its size (below SQLite's
    parameter limit there; on PostgreSQL at any size)."""

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
