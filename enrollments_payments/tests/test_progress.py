"""§6.6 progress of an enrollment: held = ended and not cancelled; the rate is attended /
marked (null before the first mark); annotated in the queryset, on list and detail."""

from __future__ import annotations

import datetime
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APITestCase

from attendance.models import LectureAttendance
from courses.tests.factories import CourseFactory, LectureFactory
from enrollments_payments.tests.factories import NOW, make_enrollment, make_lectures
from users.tests.factories import make_child
from users.tests.personas import PersonasMixin

D = datetime.date


def mark(lecture, child, present):
    """Mark the child's row (the enrollment made the roster rows) or add one."""
    rating = None if present is None else Decimal("8.00")
    LectureAttendance.objects.update_or_create(
        lecture=lecture,
        child=child,
        defaults={"present": present, "rating": rating, "source": "admin" if rating else ""},
    )


@time_machine.travel(NOW, tick=False)  # 10 November 2026, 12:00 at the center
class ProgressTests(PersonasMixin, APITestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = CourseFactory(instructor=cls.instructor_profile)
        cls.past, cls.this_morning, cls.this_afternoon, cls.future = make_lectures(
            cls.course,
            [
                (D(2026, 11, 3), 17),
                (D(2026, 11, 10), 10),
                (D(2026, 11, 10), 13),
                (D(2026, 11, 20), 17),
            ],
        )
        cls.cancelled = LectureFactory(
            course=cls.course, number=9, date=D(2026, 11, 5), status="cancelled"
        )
        cls.enrollment = make_enrollment(participant=cls.child, course=cls.course, admin=cls.admin)
        cls.other = make_enrollment(participant=cls.other_child, course=cls.course, admin=cls.admin)

    def progress(self, pk=None):
        self.as_user("admin")
        detail = self.client.get(f"/api/enrollments/{pk or self.enrollment.pk}/").data["progress"]
        listed = {
            row["id"]: row["progress"]
            for row in self.client.get("/api/enrollments/?page_size=100").data["results"]
        }
        self.assertEqual(listed[pk or self.enrollment.pk], detail)
        return detail

    def test_a_child_who_joined_today_has_held_nothing_yet_and_the_rate_is_null(self):
        # Enrolled at noon: the 3 November and this morning's lectures were not theirs.
        self.assertEqual(
            self.progress(),
            {
                "lectures_total": 2,
                "lectures_held": 0,
                "attended": 0,
                "absent": 0,
                "attendance_rate": None,
                "average_rating": None,
            },
        )

    def test_held_excludes_cancelled_and_not_yet_ended_lectures_and_the_rate_is_of_marked(self):
        mark(self.past, self.child, True)
        mark(self.this_morning, self.child, False)
        mark(self.this_afternoon, self.child, None)  # unmarked: not in the rate
        mark(self.past, self.other_child, False)  # someone else
        mark(LectureFactory(), self.child, False)  # another course
        progress = self.progress()
        self.assertEqual((progress["lectures_total"], progress["lectures_held"]), (4, 2))
        self.assertEqual((progress["attended"], progress["absent"]), (1, 1))
        self.assertEqual(progress["attendance_rate"], 0.5)
        self.assertEqual(progress["average_rating"], "8.00")
        theirs = self.progress(self.other.pk)
        self.assertEqual(
            (theirs["attended"], theirs["absent"], theirs["attendance_rate"]), (0, 1, 0.0)
        )

    def test_the_list_runs_the_same_queries_for_one_or_many_enrollments(self):
        self.as_user("admin")
        with CaptureQueriesContext(connection) as few:
            self.client.get("/api/enrollments/?page_size=100")
        for _ in range(5):
            make_enrollment(participant=make_child(), course=self.course, admin=self.admin)
        with CaptureQueriesContext(connection) as many:
            rows = self.client.get("/api/enrollments/?page_size=100").data["results"]
        self.assertEqual(len(rows), 7)
        self.assertEqual(len(few), len(many))
