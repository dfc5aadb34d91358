"""Data-dependent permissions live in the services, which take ``actor=`` (issue #7)."""

from __future__ import annotations

from decimal import Decimal

from core.errors import Forbidden
from courses import exam_services, services
from courses.models import Exam, ExamResult
from courses.tests.base import PersonaTestCase
from courses.tests.factories import ExamFactory, everyone_enrolled


class CourseEditorTests(PersonaTestCase):
    def test_the_courses_instructor_changes_the_description(self):
        course = services.course_update(
            course=self.course, actor=self.instructor, description="Bring a notebook."
        )
        self.assertEqual(course.description, "Bring a notebook.")

    def test_the_courses_instructor_cannot_change_anything_else(self):
        with self.assertRaises(Forbidden) as caught:
            services.course_update(course=self.course, actor=self.instructor, capacity=99)
        self.assertEqual(caught.exception.code, "field_not_editable")
        self.course.refresh_from_db()
        self.assertNotEqual(self.course.capacity, 99)

    def test_another_instructor_a_supervisor_and_a_parent_cannot_edit_the_course(self):
        for who in ("other_instructor", "supervisor", "parent", "student"):
            with self.subTest(who=who), self.assertRaises(Forbidden) as caught:
                services.course_update(
                    course=self.course, actor=getattr(self, who), description="mine now"
                )
            self.assertEqual(caught.exception.code, "not_course_instructor")

    def test_an_admin_changes_any_field(self):
        course = services.course_update(
            course=self.course, actor=self.admin, capacity=42, name="Renamed"
        )
        self.assertEqual((course.capacity, course.name), (42, "Renamed"))


class ExamWriterTests(PersonaTestCase):
    def body(self):
        return {
            "course": self.course,
            "title": "Quiz",
            "kind": "quiz",
            "total_marks": Decimal("10"),
            "pass_mark": Decimal("5"),
        }

    def test_the_courses_instructor_and_an_admin_create_exams(self):
        for who in ("instructor", "admin"):
            with self.subTest(who=who):
                exam = exam_services.exam_create(actor=getattr(self, who), **self.body())
                self.assertEqual(exam.course, self.course)

    def test_another_instructor_cannot_create_update_or_delete_an_exam(self):
        with self.assertRaises(Forbidden) as caught:
            exam_services.exam_create(actor=self.other_instructor, **self.body())
        self.assertEqual(caught.exception.code, "not_course_instructor")
        exam = ExamFactory(course=self.course, title="Original")
        with self.assertRaises(Forbidden):
            exam_services.exam_update(exam=exam, actor=self.other_instructor, title="Hijacked")
        with self.assertRaises(Forbidden):
            exam_services.exam_delete(exam=exam, actor=self.supervisor)
        exam.refresh_from_db()
        self.assertEqual(exam.title, "Original")
        self.assertEqual(Exam.objects.filter(course=self.course).count(), 1)

    def test_only_a_writer_enters_results(self):
        exam = ExamFactory(course=self.course)
        with self.assertRaises(Forbidden):
            exam_services.exam_result_save(
                exam=exam, child=self.child, marks=Decimal("1"), entered_by=self.other_instructor
            )
        self.assertFalse(ExamResult.objects.exists())
        with everyone_enrolled():
            result, created = exam_services.exam_result_save(
                exam=exam, child=self.child, marks=Decimal("1"), entered_by=self.instructor
            )
        self.assertTrue(created)
        self.assertEqual(result.entered_by, self.instructor)
