"""Attendance rows are participant records: one participant each, one row per
(lecture, participant), and upserts by that pair work on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.test import TestCase

from attendance.models import LectureAttendance
from courses.tests.factories import LectureFactory
from users.tests.factories import make_child, make_student


class ParticipantConstraintTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lecture = LectureFactory()
        cls.child = make_child()
        cls.student = make_student()

    def assertRefused(self, **fields):
        with self.assertRaises(IntegrityError), transaction.atomic():
            LectureAttendance.objects.create(lecture=self.lecture, **fields)

    def test_a_row_names_exactly_one_participant(self):
        self.assertRefused()
        self.assertRefused(child=self.child, student=self.student)

    def test_a_participant_has_one_row_per_lecture(self):
        LectureAttendance.objects.create(lecture=self.lecture, child=self.child)
        LectureAttendance.objects.create(lecture=self.lecture, student=self.student)
        self.assertRefused(child=self.child)
        self.assertRefused(student=self.student)

    def test_the_empty_side_of_many_rows_never_collides(self):
        # Plain unique constraints over a nullable column: NULLs are distinct, so many
        # children's rows (student NULL) share a lecture.
        for _ in range(3):
            LectureAttendance.objects.create(lecture=self.lecture, child=make_child())
        self.assertEqual(LectureAttendance.objects.filter(student__isnull=True).count(), 3)

    def test_full_clean_reports_the_duplicate_without_touching_the_database(self):
        from django.core.exceptions import ValidationError

        LectureAttendance.objects.create(lecture=self.lecture, child=self.child)
        with self.assertRaises(ValidationError):
            LectureAttendance(lecture=self.lecture, child=self.child).full_clean()
        # A row for a child leaves the student side empty: no false duplicate.
        LectureAttendance(lecture=self.lecture, child=make_child()).full_clean()

    def test_participant_and_its_code(self):
        row = LectureAttendance.objects.create(lecture=self.lecture, student=self.student)
        self.assertEqual(row.participant, self.student)
        self.assertEqual(row.participant_code, self.student.code)


class UpsertTests(TestCase):
    """``bulk_create(update_conflicts=True)`` needs a plain unique constraint to name as
    the conflict target; the old partial constraints made it fail on both databases."""

    def test_bulk_create_updates_existing_rows_and_inserts_new_ones(self):
        lecture = LectureFactory()
        first, second = make_child(), make_child()
        student = make_student()
        LectureAttendance.objects.create(lecture=lecture, child=first)
        at = datetime.datetime(2026, 11, 7, 15, 0, tzinfo=datetime.UTC)

        def row(**who):
            return LectureAttendance(
                lecture=lecture, present=True, rating=Decimal("9.00"), marked_at=at, **who
            )

        LectureAttendance.objects.bulk_create(
            [row(child=first), row(child=second)],
            update_conflicts=True,
            unique_fields=["lecture", "child"],
            update_fields=["present", "rating", "marked_at"],
        )
        LectureAttendance.objects.bulk_create(
            [row(student=student)],
            update_conflicts=True,
            unique_fields=["lecture", "student"],
            update_fields=["present", "rating", "marked_at"],
        )
        LectureAttendance.objects.bulk_create(
            [row(student=student)],
            update_conflicts=True,
            unique_fields=["lecture", "student"],
            update_fields=["present", "rating", "marked_at"],
        )

        rows = LectureAttendance.objects.filter(lecture=lecture)
        self.assertEqual(rows.count(), 3)
        self.assertEqual(rows.filter(child=first).count(), 1)
        self.assertEqual(
            set(rows.values_list("present", "rating", "marked_at")),
            {(True, Decimal("9.00"), at)},
        )
