"""child_has_history names every participant record table explicitly."""

from decimal import Decimal

from django.db import models
from django.test import TestCase

from core.errors import Conflict
from courses.models import ExamResult
from courses.tests.factories import ExamFactory, LectureFactory, make_attendance
from users import services
from users.models import Child
from users.tests.factories import make_child

# The reverse relations child_has_history checks. A new table that points at Child with
# PROTECT (enrollments, requests, ratings…) must be added to child_has_history AND here.
CHECKED = {
    "attendance_records",
    "exam_results",
    "enrollments",
    "enrollment_requests",
    "instructor_ratings",
    "lesson_progress",
}


class ChildHistoryTablesTests(TestCase):
    def test_every_protected_participant_table_is_checked(self):
        protected = {
            rel.get_accessor_name()
            for rel in Child._meta.related_objects
            if rel.on_delete is models.PROTECT
        }
        self.assertEqual(protected, CHECKED)

    def test_a_child_without_records_has_no_history(self):
        self.assertFalse(services.child_has_history(make_child()))

    def test_an_attendance_row_is_history(self):
        child = make_child()
        make_attendance(LectureFactory(), child=child)
        self.assertTrue(services.child_has_history(child))

    def test_an_exam_result_is_history_and_the_child_stays(self):
        child = make_child()
        ExamResult.objects.create(
            exam=ExamFactory(),
            child=child,
            marks=Decimal("10"),
            percentage=Decimal("20"),
            passed=False,
        )
        self.assertTrue(services.child_has_history(child))
        with self.assertRaises(Conflict) as ctx:
            services.child_delete(child=child, actor=child.primary_parent.user)
        self.assertEqual(ctx.exception.code, "child_has_history")
        self.assertTrue(Child.objects.filter(pk=child.pk).exists())


class RatingIsHistoryTests(TestCase):
    def test_an_instructor_rating_is_history(self):
        from attendance.models import StudentInstructorRating
        from courses.tests.factories import CourseFactory

        child = make_child()
        course = CourseFactory()
        StudentInstructorRating.objects.create(
            rater=child.primary_parent.user,
            child=child,
            course=course,
            instructor=course.instructor,
            rating=6,
        )
        self.assertTrue(services.child_has_history(child))
